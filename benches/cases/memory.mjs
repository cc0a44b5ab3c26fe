// Case 6: memory. A million `invalidate()` + `await get()` cycles, each loading a fresh 1 KB value,
// after a warm-up: how much the wasm memory and the JS heap grew. The runner supplies the
// runtime's `gc`, heap reading and wasm memory reading (null where the runtime has none).

import { CachedVar } from "simple-memory-cache";
import { LRUCache } from "lru-cache";
import { memo } from "../lib/memo.mjs";

// A fresh 1 KB string per load, on the JS heap (a typed array's bytes would live off it).
const kilobyte = (i) => String(i).padEnd(1024, ".");

async function cycles(n, { invalidate, get }) {
  for (let i = 0; i < n; i++) {
    invalidate();
    await get();
  }
}

function contenders() {
  let i = 0;
  const loader = async () => kilobyte(i++);
  const v = new CachedVar("memory");
  v.onFirstAccess(loader);
  const m = memo(loader);
  const lru = new LRUCache({ max: 10, fetchMethod: loader });
  return [
    { name: "simple-memory-cache", ours: true, invalidate: () => v.invalidate(), get: () => v.get() },
    { name: "hand-written memo", ref: true, invalidate: () => m.invalidate(), get: () => m.get() },
    { name: "lru-cache", invalidate: () => lru.delete("k"), get: () => lru.fetch("k") },
  ];
}

/** Runs `count` cycles per contender after `warmup` ones; growth in bytes (null: not measurable). */
export async function memory({ count, warmup, gc, heapUsed, wasmBytes }) {
  // Heap after a full gc at the start, the half-way point and the end: a leak grows in both
  // halves; a one-off allocation only in the first (Bun keeps ~1.2 MB more heap in whichever
  // contender runs first, ~2 KB of it in the second half).
  const heap = () => {
    if (!gc) return null;
    gc();
    return heapUsed();
  };
  const out = [];
  for (const c of contenders()) {
    await cycles(warmup, c);
    const heap0 = heap();
    const wasm0 = wasmBytes();
    let t = performance.now();
    await cycles(count / 2, c);
    let ms = performance.now() - t;
    const heap1 = heap();
    t = performance.now();
    await cycles(count / 2, c);
    ms += performance.now() - t;
    const heap2 = heap();
    out.push({
      name: c.name,
      ours: c.ours ?? false,
      ref: c.ref ?? false,
      cycles: count,
      ms,
      heapGrowth: gc ? heap2 - heap0 : null,
      heapGrowthSecondHalf: gc ? heap2 - heap1 : null,
      // Shared by every var of the package, so only ours is attributed a figure.
      wasmGrowth: c.ours ? wasmBytes() - wasm0 : null,
      wasmBytes: c.ours ? wasmBytes() : null,
    });
  }
  return out;
}
