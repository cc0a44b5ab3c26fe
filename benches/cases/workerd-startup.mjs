// Case 5b, a Worker's cold start in real workerd: from spawning workerd to the first response of
// a Worker that uses the library (its first get in that request), minus the same for a Worker
// that uses nothing, in the same round; median over rounds of interleaved starts. Each Worker is
// bundled once beforehand (esbuild, the package's `workerd` condition), so only start-up counts.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleWorker, startBundle } from "../../tests/workerd/launch.mjs";
import { median } from "../lib/stats.mjs";

// core-alone: a floor, not a contender (see its file): the wasm and its glue without the JS layer.
const WORKERS = ["empty", "ours", "lru-cache", "core-alone"];
const NAMES = { empty: "an empty Worker", ours: "simple-memory-cache", "lru-cache": "lru-cache", "core-alone": "floor: our wasm + glue alone, no JS layer" };

/** `rounds` interleaved cold starts of each Worker; ms. */
export async function workerdStartup({ rounds }) {
  const dirs = {};
  for (const w of WORKERS) {
    const dir = await mkdtemp(join(tmpdir(), `smc-cold-${w}-`));
    dirs[w] = { dir, wasm: await bundleWorker(new URL(`../workerd/startup/${w}.js`, import.meta.url).pathname, dir) };
  }
  const times = Object.fromEntries(WORKERS.map((w) => [w, []]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < WORKERS.length; k++) {
        const w = WORKERS[(k + r) % WORKERS.length];
        const t0 = performance.now();
        const worker = await startBundle({ dir: dirs[w].dir, main: "worker.js", wasm: dirs[w].wasm, name: w });
        times[w][r] = performance.now() - t0;
        await worker.stop();
      }
    }
  } finally {
    for (const { dir } of Object.values(dirs)) await rm(dir, { recursive: true, force: true });
  }
  return {
    rounds,
    empty: median(times.empty),
    workers: WORKERS.slice(1).map((w) => ({
      name: NAMES[w],
      ours: w === "ours",
      ms: median(times[w]),
      beyondEmpty: median(times[w].map((t, r) => t - times.empty[r])),
    })),
  };
}
