// Case 3: many vars. 10,000 named vars in one MemoryCache, all warm, hit in a fixed pseudo-random
// order (the same order for every contender), each looked up by name as a caller would.

import { MemoryCache } from "simple-memory-cache";
import { LRUCache } from "lru-cache";
import pMemoize from "p-memoize";

export const VARS = 10_000;
const ORDER = 1 << 16;

// A fixed pseudo-random sequence of var indices (xorshift32), so every run hits the same names.
function order() {
  const seq = new Uint16Array(ORDER);
  let x = 2463534242;
  for (let i = 0; i < ORDER; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    seq[i] = (x >>> 0) % VARS;
  }
  return seq;
}

// `get(name)` hit by name, walking the shared sequence.
function byName(names, seq, get) {
  let i = 0;
  return () => get(names[seq[i++ & (ORDER - 1)]]);
}

export async function variants() {
  const names = Array.from({ length: VARS }, (_, i) => `var-${i}`);
  const seq = order();
  const loader = async ({ name }) => ({ name });

  const cache = new MemoryCache();
  const bounded = new MemoryCache({ maxEntries: VARS });
  const keyed = new MemoryCache({ onFirstAccess: loader });
  for (const c of [cache, bounded]) for (const name of names) c.memoryCachedVar(name).onFirstAccess(loader);

  // The reference: a Map of cached promises, looked up and checked by hand.
  const promises = new Map();
  const memoGet = (name) => {
    let p = promises.get(name);
    if (p === undefined) {
      p = loader({ name });
      promises.set(name, p);
    }
    return p;
  };
  const lru = new LRUCache({ max: VARS, fetchMethod: (name) => loader({ name }) });
  const pm = pMemoize((name) => loader({ name }));

  for (const name of names) {
    await Promise.all([cache.memoryCachedVar(name).get(), bounded.memoryCachedVar(name).get(), keyed.get(name), memoGet(name), lru.fetch(name), pm(name)]);
  }

  return [
    {
      id: "many-vars",
      case: 3,
      title: `Many vars: random warm hits over ${VARS.toLocaleString("en")} named vars`,
      unit: "ns/op",
      contenders: [
        { name: "simple-memory-cache memoryCachedVar(name).get()", ours: true, fn: byName(names, seq, (n) => cache.memoryCachedVar(n).get()) },
        { name: "same, cache bounded (maxEntries)", fn: byName(names, seq, (n) => bounded.memoryCachedVar(n).get()) },
        { name: "simple-memory-cache keyed cache.get(name)", fn: byName(names, seq, (n) => keyed.get(n)) },
        { name: "hand-written memo (Map lookup + cached promise)", ref: true, fn: byName(names, seq, memoGet) },
        { name: "lru-cache fetch(name)", fn: byName(names, seq, (n) => lru.fetch(n)) },
        { name: "p-memoize(name)", fn: byName(names, seq, (n) => pm(n)) },
      ],
    },
  ];
}
