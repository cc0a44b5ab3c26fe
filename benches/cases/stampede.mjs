// Case 2: a cold stampede. 10,000 concurrent `get()`s on an empty var, all issued before the
// loader settles; the time is per waiter, and every contender counts its loader calls, which
// single-flight must keep at exactly one per stampede.

import { CachedVar } from "simple-memory-cache";
import { LRUCache } from "lru-cache";
import pMemoize, { pMemoizeClear } from "p-memoize";
import { memo } from "../lib/memo.mjs";

export const WAITERS = 10_000;

// One contender: `empty()` empties its cache (outside the timing), `get()` is one waiter's call.
function contender(name, { empty, get, flags = {} }, counts) {
  return {
    name,
    ...flags,
    ops: WAITERS,
    setup: empty,
    run() {
      counts.stampedes++;
      const waiting = new Array(WAITERS);
      for (let i = 0; i < WAITERS; i++) waiting[i] = get();
      return Promise.all(waiting);
    },
    counts,
  };
}

function counted(value) {
  const counts = { stampedes: 0, calls: 0 };
  const loader = async () => {
    counts.calls++;
    return value;
  };
  return { counts, loader };
}

export async function variants() {
  const value = { payload: "cold" };

  const ours = counted(value);
  const v = new CachedVar("stampede");
  v.onFirstAccess(ours.loader);

  const hand = counted(value);
  const m = memo(hand.loader);

  const lruCounted = counted(value);
  const lru = new LRUCache({ max: 10, fetchMethod: lruCounted.loader });

  const pmCounted = counted(value);
  const pm = pMemoize(pmCounted.loader);

  const contenders = [
    contender("simple-memory-cache get()", { empty: () => v.invalidate(), get: () => v.get(), flags: { ours: true } }, ours.counts),
    contender("hand-written memo (cached promise)", { empty: () => m.invalidate(), get: () => m.get(), flags: { ref: true } }, hand.counts),
    contender("lru-cache fetch()", { empty: () => lru.delete("k"), get: () => lru.fetch("k") }, lruCounted.counts),
    contender("p-memoize", { empty: () => pMemoizeClear(pm), get: () => pm() }, pmCounted.counts),
  ];
  return [
    {
      id: "stampede",
      case: 2,
      title: `Cold stampede: ${WAITERS.toLocaleString("en")} concurrent get() on an empty var`,
      unit: "ns/waiter",
      contenders,
      // Loader calls per stampede, over every stampede the timing ran.
      check: () => Object.fromEntries(contenders.map((c) => [c.name, { loaderCallsPerStampede: c.counts.calls / c.counts.stampedes, stampedes: c.counts.stampedes }])),
    },
  ];
}
