// Case 1: a warm hit. `await v.get()` without and with a ttl, and the sync `peek()`, each against
// what a user would write or install instead. Every contender holds the same value, already loaded.

import { CachedVar } from "simple-memory-cache";
import { LRUCache } from "lru-cache";
import pMemoize from "p-memoize";
import { memo, memoTtl } from "../lib/memo.mjs";
import { keep } from "../lib/keep.mjs";

const TTL = 60_000;

export async function variants() {
  const value = { payload: "warm" };
  const loader = async () => value;

  const v = new CachedVar("warm-hit");
  v.onFirstAccess(loader);
  const vTtl = new CachedVar("warm-hit-ttl", { ttl: TTL });
  vTtl.onFirstAccess(loader);
  const m = memo(loader);
  const mTtl = memoTtl(loader, TTL);
  const promises = new Map([["k", Promise.resolve(value)]]);
  const values = new Map([["k", value]]);
  const held = { value };
  const lru = new LRUCache({ max: 10, fetchMethod: loader });
  const lruTtl = new LRUCache({ max: 10, ttl: TTL, fetchMethod: loader });
  const pm = pMemoize(loader);
  await Promise.all([v.get(), vTtl.get(), m.get(), mTtl.get(), lru.fetch("k"), lruTtl.fetch("k"), pm()]);

  return [
    {
      id: "warm-await",
      case: 1,
      title: "Warm hit, no ttl: await get()",
      unit: "ns/op",
      contenders: [
        { name: "simple-memory-cache get()", ours: true, fn: () => v.get() },
        { name: "hand-written memo (cached promise)", ref: true, fn: () => m.get() },
        { name: "Map.get of a stored promise", fn: () => promises.get("k") },
        { name: "lru-cache fetch()", fn: () => lru.fetch("k") },
        { name: "p-memoize", fn: () => pm() },
      ],
    },
    {
      id: "warm-await-ttl",
      case: 1,
      title: "Warm hit, ttl 60 s: await get()",
      unit: "ns/op",
      // p-memoize 8 has no ttl of its own (it defers expiry to a custom cache), so it sits this one out.
      contenders: [
        { name: "simple-memory-cache get() (ttl)", ours: true, fn: () => vTtl.get() },
        { name: "hand-written memo (promise + Date.now() check)", ref: true, fn: () => mTtl.get() },
        { name: "lru-cache fetch() (ttl)", fn: () => lruTtl.fetch("k") },
      ],
    },
    {
      id: "peek",
      case: 1,
      title: "Sync peek of a warm value",
      unit: "ns/op",
      contenders: [
        { name: "simple-memory-cache peek()", ours: true, fn: () => keep(v.peek()) },
        { name: "hand-written memo (held value)", ref: true, fn: () => keep(held.value) },
        { name: "Map.get", fn: () => keep(values.get("k")) },
        { name: "lru-cache peek()", fn: () => keep(lru.peek("k")) },
      ],
    },
  ];
}
