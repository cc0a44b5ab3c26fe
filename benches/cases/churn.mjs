// Case 4: churn. One `invalidate()` + `await get()` cycle, i.e. a reload through an async loader
// on every call: the per-cycle cost of the miss path.

import { CachedVar } from "simple-memory-cache";
import { LRUCache } from "lru-cache";
import pMemoize, { pMemoizeClear } from "p-memoize";
import { memo } from "../lib/memo.mjs";

export async function variants() {
  const value = { payload: "churn" };
  const loader = async () => value;

  const v = new CachedVar("churn");
  v.onFirstAccess(loader);
  const m = memo(loader);
  const lru = new LRUCache({ max: 10, fetchMethod: loader });
  const pm = pMemoize(loader);

  return [
    {
      id: "churn",
      case: 4,
      title: "Churn: invalidate() + await get() per cycle",
      unit: "ns/cycle",
      contenders: [
        {
          name: "simple-memory-cache invalidate() + get()",
          ours: true,
          fn: () => {
            v.invalidate();
            return v.get();
          },
        },
        {
          name: "hand-written memo (drop + reload)",
          ref: true,
          fn: () => {
            m.invalidate();
            return m.get();
          },
        },
        {
          name: "lru-cache delete() + fetch()",
          fn: () => {
            lru.delete("k");
            return lru.fetch("k");
          },
        },
        {
          name: "p-memoize pMemoizeClear() + call",
          fn: () => {
            pMemoizeClear(pm);
            return pm();
          },
        },
      ],
    },
  ];
}
