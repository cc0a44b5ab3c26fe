// Case 5, start-up: import + init of a library in a fresh process, minus the same runtime doing
// nothing in the same round, median over many rounds of interleaved processes.
// Ours creates its first var (which instantiates the wasm machine); peers construct their cache.

import { spawnSync } from "node:child_process";
import { median } from "../lib/stats.mjs";

const ROOT = new URL("../..", import.meta.url).pathname;
const EMPTY = new URL("../lib/empty.mjs", import.meta.url).href;

// A floor, not a contender: the package's wasm (inlined, as the default entry has it) and
// wasm-bindgen's glue alone, with no JS layer — what any design that keeps the decisions in this
// wasm pays before its JS layer adds anything.
const GLUE = new URL("../../pkg/glue/simple_memory_cache.js", import.meta.url).href;
const INLINE = new URL("../../pkg/glue/wasm-inline.js", import.meta.url).href;
const CORE_ALONE = `import { initSync, Machine } from ${JSON.stringify(GLUE)}; import { wasmBytes } from ${JSON.stringify(INLINE)}; initSync({ module: wasmBytes() });`;
// A machine and a var (add_var: per_caller, ttl, staleWhileRevalidate, staleIfError, timeout, cooldown, retryInterval).
const CORE_VAR = `const m = Machine.create(Infinity); const id = m.add_var(false, Infinity, 0, 0, Infinity, 0, 0);`;
export const FLOOR = "floor: our wasm + glue alone, no JS layer";

const LIBRARIES = {
  "simple-memory-cache": `import { CachedVar } from "simple-memory-cache"; new CachedVar("x");`,
  "lru-cache": `import { LRUCache } from "lru-cache"; new LRUCache({ max: 1 });`,
  "p-memoize": `import pMemoize from "p-memoize"; pMemoize(async () => 1);`,
  jose: `import { createRemoteJWKSet } from "jose"; createRemoteJWKSet(new URL("http://127.0.0.1/"));`,
  [FLOOR]: `${CORE_ALONE} ${CORE_VAR}`,
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

// The first get() after import (issue 13): in a fresh process, after the import (not timed), the
// time to make the first var, register its loader and await its first get(), against a
// hand-written memo's first call (a cached promise of the same loader), each in a process of its
// own (whichever ran first in a shared process would pay the runtime's first promise jobs).
// The program prints the ms it measured.
const FIRST_GET = {
  "simple-memory-cache": `import { CachedVar } from "simple-memory-cache"; const t0 = performance.now(); const v = new CachedVar("x"); v.onFirstAccess(async () => 1); await v.get(); console.log(performance.now() - t0);`,
  "hand-written memo": `const t0 = performance.now(); let p; const get = () => (p ??= (async () => 1)()); await get(); console.log(performance.now() - t0);`,
  // The core's part of it: the machine and var, a first decision, the load settled (a decision
  // is kind + 8 × load id, see pkg/lib/cached-var.js), a second decision.
  [FLOOR]: `${CORE_ALONE} const t0 = performance.now(); ${CORE_VAR} const load = Math.floor(m.get(id, Date.now()) / 8); await (async () => 1)(); m.loaded(id, load, Date.now(), Infinity); m.get(id, Date.now()); console.log(performance.now() - t0);`,
};

function measureOnce([cmd, args], env) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.error ?? r.stderr}`);
  const ms = Number(r.stdout.trim().split("\n").pop());
  if (!Number.isFinite(ms)) throw new Error(`${cmd} ${args.join(" ")} printed no time: ${JSON.stringify(r.stdout)}`);
  return ms;
}

/**
 * The first get() after import, ours against the memo's first call: per side the median of
 * `runs` fresh processes, and the median over rounds of ours minus the memo's in the same round.
 */
export function firstGet(runtime, { runs, env }) {
  const rt = RUNTIMES[runtime];
  const sides = Object.entries(FIRST_GET).map(([name, code]) => [name, rt.run(code)]);
  const times = sides.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (k + r) % sides.length;
      times[i][r] = measureOnce(sides[i][1], env);
    }
  }
  const beyondMemo = (i) => median(times[i].map((t, r) => t - times[1][r]));
  return { runtime, runs, ours: median(times[0]), memo: median(times[1]), beyondMemo: beyondMemo(0), floorBeyondMemo: beyondMemo(2) };
}
