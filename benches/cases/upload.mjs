// Case 5c, what a Worker uploads: `wrangler deploy --dry-run` (wrangler's defaults: bundled by its
// esbuild, not minified) of the cold-start Workers of case 5b, ours and lru-cache's, and the
// "Total Upload … / gzip: …" wrangler reports for each (KiB as wrangler prints them).

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../..", import.meta.url).pathname;
const WORKERS = { ours: "simple-memory-cache", "lru-cache": "lru-cache" };

function upload(worker, env) {
  const dir = mkdtempSync(join(tmpdir(), `smc-upload-${worker}-`));
  try {
    copyFileSync(new URL(`../workerd/startup/${worker}.js`, import.meta.url), join(dir, "worker.js"));
    writeFileSync(join(dir, "wrangler.toml"), `name = "upload-${worker}"\nmain = "worker.js"\ncompatibility_date = "2025-09-01"\n`);
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
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
