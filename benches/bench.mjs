// `make bench`: every case in every runtime, then the report. Each runtime's runner runs in its
// own process (run.mjs in Node, Deno and Bun; run-workerd.mjs drives the Worker); start-up and
// size are measured from here; report.mjs prints the tables and budgets and writes the results.
//   node benches/bench.mjs           full run (a few minutes)
//   node benches/bench.mjs --quick   tiny iteration counts: only proves every bench runs (make test)

import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { firstGet, startup } from "./cases/startup.mjs";
import { uploads } from "./cases/upload.mjs";
import { size } from "./cases/size.mjs";
import { workerdStartup } from "./cases/workerd-startup.mjs";

const quick = process.argv.includes("--quick");
const ROOT = new URL("..", import.meta.url).pathname;
const env = { ...process.env, PATH: `${ROOT}node_modules/.bin:${process.env.PATH}` };
const flag = quick ? ["--quick"] : [];

const STEPS = [
  ["node", ["--expose-gc", "benches/run.mjs", ...flag]],
  ["deno", ["run", "--allow-read", "--allow-write=benches/results", "--allow-net=127.0.0.1", "--allow-env", "--v8-flags=--expose-gc", "benches/run.mjs", ...flag]],
  ["bun", ["benches/run.mjs", ...flag]],
  ["node", ["benches/run-workerd.mjs", ...flag]],
  // Issue 14: the Rust face's warm hit, and the wasm the crate adds to a workers-rs Worker.
  ["node", ["benches/run-rust.mjs", ...flag]],
];

function step(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal ?? r.error})`);
}

const t0 = performance.now();
for (const [cmd, args] of STEPS) step(cmd, args);

if (!quick) console.error("[startup] node, deno, bun");
const runs = quick ? 3 : 61;
const results = { startup: ["node", "deno", "bun"].map((rt) => startup(rt, { runs, env })), size: await size() };
if (!quick) console.error("[startup] the first get() after import: node, deno, bun");
results.firstGet = ["node", "deno", "bun"].map((rt) => firstGet(rt, { runs: quick ? 3 : 31, env }));
if (!quick) console.error("[startup] workerd cold starts");
results.workerdStartup = await workerdStartup({ rounds: quick ? 2 : 31 });
if (!quick) console.error("[startup] wrangler deploy --dry-run uploads");
results.uploads = uploads({ env });
await writeFile(new URL(`results/startup${quick ? ".quick" : ""}.json.tmp`, import.meta.url), JSON.stringify(results, null, 1));

step("node", ["benches/report.mjs", ...flag]);
console.error(`bench${quick ? " --quick" : ""}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
