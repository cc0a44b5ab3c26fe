// Case 5, start-up: import + init of a library in a fresh process, minus the same runtime doing
// nothing in the same round, median over many rounds of interleaved processes.
// Ours creates its first var (which instantiates the wasm machine); peers construct their cache.

import { spawnSync } from "node:child_process";
import { median } from "../lib/stats.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const EMPTY = new URL("../lib/empty.mjs", import.meta.url).href;

const LIBRARIES = {
  "simple-memory-cache": `import { CachedVar } from "simple-memory-cache"; new CachedVar("x");`,
  "lru-cache": `import { LRUCache } from "lru-cache"; new LRUCache({ max: 1 });`,
  "p-memoize": `import pMemoize from "p-memoize"; pMemoize(async () => 1);`,
  jose: `import { createRemoteJWKSet } from "jose"; createRemoteJWKSet(new URL("http://127.0.0.1/"));`,
};

// How each runtime runs a one-line module; `bare` is the do-nothing program everything is measured against.
const RUNTIMES = {
  node: { bare: ["node", ["-e", ""]], run: (code) => ["node", ["--input-type=module", "-e", code]] },
  deno: { bare: ["deno", ["eval", "0"]], run: (code) => ["deno", ["eval", code]] },
  bun: { bare: ["bun", ["-e", "0"]], run: (code) => ["bun", ["-e", code]] },
};

function timeOnce([cmd, args], env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.error ?? r.stderr}`);
  return ms;
}

/**
 * Per library: the median process time, and the median over rounds of its time minus the bare
 * program's in the same round (paired, so a burst of other load hits both sides of a difference).
 * Each round runs every program once, in a rotated order. `env`: the children's environment
 * (its PATH finds deno and bun).
 */
export function startup(runtime, { runs, env }) {
  const rt = RUNTIMES[runtime];
  const programs = Object.entries({
    bare: rt.bare,
    "an empty ES module file": rt.run(`import ${JSON.stringify(EMPTY)};`),
    ...Object.fromEntries(Object.entries(LIBRARIES).map(([k, code]) => [k, rt.run(code)])),
  });
  const times = programs.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < programs.length; k++) {
      const i = (k + r) % programs.length;
      times[i][r] = timeOnce(programs[i][1], env);
    }
  }
  return {
    runtime,
    runs,
    bare: { command: rt.bare.flat().map((a) => (a === "" ? "''" : a)).join(" "), ms: median(times[0]) },
    programs: programs.slice(1).map(([name], j) => ({
      name,
      ours: name === "simple-memory-cache",
      ms: median(times[j + 1]),
      beyondBare: median(times[j + 1].map((t, r) => t - times[0][r])),
      // The same, paired with the empty ES module file instead: the part a package controls.
      beyondEmptyModule: median(times[j + 1].map((t, r) => t - times[1][r])),
    })),
  };
}
