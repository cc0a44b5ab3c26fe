// Runs the JS semantics suite (tests/js/suite.mjs) inside real workerd, once per compatibility
// date, and checks that bundling the package as published keeps its workerd entry.
// Prints one line per failing test, a line per date, and last `workerd: N passed, N failed`
// (all of them); exits non-zero on any failure.   Usage: node tests/workerd/run-suite.mjs [filter]

import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { startWorker } from "./launch.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const DATES = ["2025-09-01", "2024-01-01"];
const RUN_BOUND_MS = 25_000;
const filter = process.argv[2];

// Bundlers honour the package's `sideEffects`; the workerd entry's body (initSync,
// configurePlatform) must survive them, as it must under wrangler.
async function checkPublishedBundle() {
  const name = "bundling the package as published (esbuild, workerd condition) keeps entry/workerd.js";
  const { metafile } = await esbuild.build({
    stdin: { contents: `import { GLOBAL_CACHE } from "simple-memory-cache"; export default GLOBAL_CACHE;`, resolveDir: HERE },
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*", "*.wasm"],
    logLevel: "silent",
  });
  const inputs = Object.values(metafile.outputs)[0].inputs;
  const entry = Object.entries(inputs).find(([path]) => resolve(path).endsWith("/pkg/entry/workerd.js"));
  const bytes = entry?.[1].bytesInOutput ?? 0;
  return bytes > 0
    ? { name, ok: true }
    : { name, ok: false, error: `entry/workerd.js contributes ${bytes} bytes: initSync is dropped (pkg/package.json "sideEffects" must list ./entry/*.js)` };
}

async function runAt(compatibilityDate) {
  const worker = await startWorker({ entry: join(HERE, "suite-worker.js"), compatibilityDate, name: `suite ${compatibilityDate}` });
  try {
    const query = filter === undefined ? "" : `?filter=${encodeURIComponent(filter)}`;
    const res = await fetch(`${worker.url}/run${query}`, { signal: AbortSignal.timeout(RUN_BOUND_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}\n${worker.output()}`);
    return (await res.json()).results;
  } finally {
    await worker.stop();
  }
}

let passed = 0;
let failed = 0;
function tally(label, results) {
  let ok = 0;
  for (const r of results) {
    if (r.ok) ok++;
    else console.log(`FAIL ${label}: ${r.name}: ${r.error}`);
  }
  passed += ok;
  failed += results.length - ok;
  return ok;
}

tally("bundle", [await checkPublishedBundle()]);
for (const date of DATES) {
  let results;
  try {
    results = await runAt(date);
  } catch (error) {
    results = [{ name: "the suite ran", ok: false, error: error.message }];
  }
  const ok = tally(`workerd ${date}`, results);
  console.log(`workerd compat ${date}: ${ok} passed, ${results.length - ok} failed`);
}
console.log(`workerd: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
