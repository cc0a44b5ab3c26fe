// Case 7: memory bounded by names (issue 12). A stream of distinct names through a keyed cache of
// `maxEntries: 1000`, each loaded once (`await cache.get(name)`, a small object per name), against
// lru-cache (`max: 1000`, `fetchMethod`) on the same stream: JS heap (after a full gc) and wasm
// memory at every checkpoint. What matters: growth after the first checkpoint (warm-up), ours
// against lru-cache's, and none between the second and the last checkpoint.

import { MemoryCache } from "simple-memory-cache";
import { LRUCache } from "lru-cache";

const MAX = 1000;

function contenders() {
  const load = (name) => ({ name, at: 0 });
  const ours = new MemoryCache({ maxEntries: MAX, onFirstAccess: ({ name }) => load(name) });
  const lru = new LRUCache({ max: MAX, fetchMethod: (name) => load(name) });
  return [
    { name: "simple-memory-cache keyed get(name)", ours: true, get: (n) => ours.get(n) },
    { name: "lru-cache fetch(name)", get: (n) => lru.fetch(n) },
  ];
}

/** `count` names per contender, `every` names between checkpoints. Bytes; null: not measurable. */
export async function names({ count, every, gc, heapUsed, wasmBytes }) {
  const out = [];
  for (const c of contenders()) {
    const checkpoints = [];
    const t = performance.now();
    for (let i = 0; i < count; ) {
      for (const end = i + every; i < end; i++) await c.get(`user:${i}`);
      if (gc) gc();
      checkpoints.push({ names: i, heap: gc ? heapUsed() : null, wasm: c.ours ? wasmBytes() : null });
    }
    const ms = performance.now() - t;
    const first = checkpoints[0];
    const second = checkpoints[1] ?? first;
    const last = checkpoints.at(-1);
    const growth = (a, b) => (a.heap === null ? null : b.heap - a.heap + (c.ours ? b.wasm - a.wasm : 0));
    out.push({
      name: c.name,
      ours: c.ours ?? false,
      names: count,
      ms,
      checkpoints,
      // JS heap + wasm memory growth after the first checkpoint, and from the second to the last.
      growthAfterWarmup: growth(first, last),
      growthSecondToLast: growth(second, last),
      wasmSecondToLast: c.ours ? last.wasm - second.wasm : null,
    });
  }
  return out;
}
