// Runs the bench Worker (workerd/worker.mjs) in real local workerd and writes its results to
// benches/results/workerd.json.tmp for report.mjs. The Worker times its own loops; this script
// serves the JWKS origin, asks for one round of one variant per request, and summarises exactly
// as run.mjs does. Started by bench.mjs; usable alone: node benches/run-workerd.mjs [--quick]

import { readFile, writeFile } from "node:fs/promises";
import { startWorker } from "../tests/workerd/launch.mjs";
import { startOrigin } from "./lib/origin.mjs";
import { summarise } from "./lib/rounds.mjs";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 1 : 3;
const COMPATIBILITY_DATE = "2025-09-01";
// Progress goes to stderr; a quick run (inside `make test`) only says what it wrote.
const log = quick ? () => {} : (line) => console.error(`[workerd] ${line}`);
const version = JSON.parse(await readFile(new URL("../node_modules/workerd/package.json", import.meta.url))).version;

const origin = await startOrigin();
let worker;
try {
  worker = await startWorker({
    entry: new URL("workerd/worker.mjs", import.meta.url).pathname,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: [`(name = "ORIGIN", text = ${JSON.stringify(origin.url)})`],
    name: "bench",
  });
  const get = async (path) => {
    const res = await fetch(`${worker.url}${path}${quick ? "&quick=1" : ""}`);
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}\n--- workerd output ---\n${worker.output()}`);
    return res.json();
  };

  log(`memory (${quick ? "quick" : "1,000,000 cycles"})`);
  const memory = await get(`/memory?count=${quick ? 2_000 : 1_000_000}&warmup=${quick ? 200 : 10_000}`);
  const metas = await get("/variants?");
  const perRound = metas.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, meta] of metas.entries()) {
      perRound[i].push(await get(`/round?i=${i}&r=${r}`));
      log(`round ${r + 1}/${ROUNDS} ${meta.id}`);
    }
  }
  const variants = [];
  for (const [i, meta] of metas.entries()) variants.push(summarise(meta, perRound[i], await get(`/check?i=${i}`)));

  const file = new URL(`results/workerd${quick ? ".quick" : ""}.json.tmp`, import.meta.url);
  const timer = "in-Worker loop timer (batches of >= 50 ms on workerd's 1 ms clock, median of 7)";
  await writeFile(file, JSON.stringify({ runtime: "workerd", version, compatibilityDate: COMPATIBILITY_DATE, quick, timer, variants, memory }, null, 1));
  console.error(`[workerd] wrote ${file.pathname}`);
} finally {
  await worker?.stop();
  await origin.stop();
}
