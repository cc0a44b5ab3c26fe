// Case 5c, what a Worker uploads: `wrangler deploy --dry-run` (wrangler's defaults: bundled by its
// esbuild, not minified) of the cold-start Workers of case 5b (ours, lru-cache's and the floor), and the
// "Total Upload … / gzip: …" wrangler reports for each (KiB as wrangler prints them).

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
// core-alone: a floor, not a contender (see its file): the wasm and its glue without the JS layer.
const WORKERS = { ours: "simple-memory-cache", "lru-cache": "lru-cache", "core-alone": "floor: our wasm + glue alone, no JS layer" };

function upload(worker, env) {
  const dir = mkdtempSync(join(tmpdir(), `smc-upload-${worker}-`));
  try {
    // The Worker's file stays where it is (core-alone imports the glue by a relative path).
    const file = new URL(`../workerd/startup/${worker}.js`, import.meta.url).pathname;
    writeFileSync(join(dir, "worker.js"), `export { default } from ${JSON.stringify(file)};\n`);
    writeFileSync(join(dir, "wrangler.toml"), `name = "upload-${worker}"\nmain = "worker.js"\ncompatibility_date = "2025-09-01"\n`);
    const report = execFileSync(join(ROOT, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", join(dir, "out")], {
      cwd: dir,
      env: { ...env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const m = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(report);
    if (m === null) throw new Error(`wrangler deploy --dry-run of ${worker} reported no upload size:\n${report}`);
    return { name: WORKERS[worker], ours: worker === "ours", kib: Number(m[1]), gzipKib: Number(m[2]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The upload of each Worker, as wrangler reports it. */
export function uploads({ env }) {
  return Object.keys(WORKERS).map((w) => upload(w, env));
}
