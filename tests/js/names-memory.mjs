// Issue 12's first scenario as a named test, in Node, Deno and Bun (each with a gc to call):
// `new MemoryCache({ maxEntries: 1000 })`, one `memoryCachedVar("user:" + i)` and one `get()` per
// name, the var dropped by the caller — and the same through the keyed `get(name)`. Before issue
// 12 every name ever seen kept ~1 KB (JS heap + wasm memory); now the JS heap + wasm memory must
// not grow from the second checkpoint to the last (within gc noise), while `size` stays 1000.
// Usage: node --expose-gc tests/js/names-memory.mjs | deno run --v8-flags=--expose-gc … | bun …
import { MemoryCache } from "simple-memory-cache";
import { wasmBytes } from "../../benches/lib/wasm-memory.mjs";

const NAMES = 200_000;
const EVERY = 25_000;
// A full gc leaves a few hundred KB of noise between checkpoints; a leak of even 10 B per name
// would add 1.75 MB over the 175,000 names measured.
const SLACK = 1_000_000;

const runtime = typeof Bun !== "undefined" ? "bun" : typeof Deno !== "undefined" ? "deno" : "node";
const gc = runtime === "bun" ? () => Bun.gc(true) : globalThis.gc;
if (typeof gc !== "function") throw new Error("names-memory needs a gc: node --expose-gc, deno --v8-flags=--expose-gc");
const heapUsed = runtime === "deno" ? () => Deno.memoryUsage().heapUsed : () => process.memoryUsage().heapUsed;

// Collected vars free their names through a FinalizationRegistry, which runs after a gc and a turn.
async function footprint() {
  gc();
  await new Promise((r) => setTimeout(r, 20));
  gc();
  return heapUsed() + wasmBytes();
}

let passed = 0;
let failed = 0;
async function scenario(what, use, options = {}, size = 1000) {
  const cache = new MemoryCache({ ...options, maxEntries: 1000, onFirstAccess: ({ name }) => ({ name }) });
  const points = [];
  for (let i = 0; i < NAMES; i++) {
    const value = await use(cache, `user:${i}`);
    if (value?.name !== `user:${i}`) throw new Error(`${what}: got ${JSON.stringify(value)} for user:${i}`);
    if ((i + 1) % EVERY === 0) points.push(await footprint());
  }
  const growth = points.at(-1) - points[1];
  const ok = growth <= SLACK && cache.size === size;
  if (ok) passed++;
  else failed++;
  const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}: ${NAMES.toLocaleString("en")} names through maxEntries 1000 — JS heap + wasm ${points.map(mb).join(" → ")}; growth after the 2nd checkpoint ${mb(growth)} (≤ ${mb(SLACK)}); size ${cache.size} (want ${size})`);
}

// First, while no var was ever made in this process: the first var a cache hands out and then
// forgets is collected too (the cache's FinalizationRegistry callback once kept it alive for good
// — a server pass found a deleted name's var still there, and its options still enforced).
{
  const { GLOBAL_CACHE } = await import("simple-memory-cache");
  const ref = (() => new WeakRef(GLOBAL_CACHE.memoryCachedVar("first", { ttl: 1, clock: () => 0 }).onFirstAccess(() => 1)))();
  await GLOBAL_CACHE.get("first");
  GLOBAL_CACHE.delete("first");
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) await footprint();
  const ok = ref.deref() === undefined;
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} the first var made in the process, deleted and dropped, is collected`);
}

await scenario("a memoryCachedVar per name, dropped by the caller", (cache, name) => cache.memoryCachedVar(name).get());
await scenario("keyed get(name)", (cache, name) => cache.get(name));
// Found by a newcomer pass: names that never loaded, and names kept for their cooldown window.
await scenario(
  "a refused get(name) per name (an aborted signal): names that never load",
  (cache, name) =>
    cache.get(name, { signal: AbortSignal.abort() }).then(
      () => ({ name: "resolved?" }),
      (e) => (e?.name === "AbortError" ? { name } : { error: String(e) }),
    ),
  {},
  0,
);
await scenario("keyed get(name) with a cooldown of 30 s on every name", (cache, name) => cache.get(name), { cooldown: 30_000 });
console.log(`names-memory (${runtime}): ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
