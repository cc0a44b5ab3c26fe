// Reads the runners' results (benches/results/*.json.tmp) (rust.json.tmp: benches/run-rust.mjs), prints the tables and the budgets,
// and writes benches/results/latest.json, latest.md and chart.svg. With --quick it reads the
// quick results and writes quick.*.tmp files instead (the committed results stay untouched).
//   node benches/report.mjs [--quick]

import { readFile, writeFile } from "node:fs/promises";
import { budgets } from "./budgets.mjs";
import { chart } from "./lib/chart.mjs";

const quick = process.argv.includes("--quick");
const RESULTS = new URL("results/", import.meta.url);
const tmp = (name) => new URL(`${name}${quick ? ".quick" : ""}.json.tmp`, RESULTS);
const out = (name) => new URL(quick ? `quick.${name}.tmp` : name, RESULTS);
const readJson = async (url) => JSON.parse(await readFile(url, "utf8"));

const RUNTIMES = ["node", "deno", "bun", "workerd"];
const runs = await Promise.all(RUNTIMES.map((r) => readJson(tmp(r))));
const { startup, size, workerdStartup, firstGet, uploads } = await readJson(tmp("startup"));
const rust = await readJson(tmp("rust"));
const [node] = runs;

// Every contender of every runtime must have produced a positive, finite figure: a zero or NaN
// (a timer that saw no time pass, a contender that threw into a number) fails the report.
const bad = runs.flatMap((r) =>
  r.variants.flatMap((v) => v.contenders.filter((c) => !(c.median > 0 && Number.isFinite(c.median) && Number.isFinite(c.ratio))).map((c) => `${r.runtime} ${v.id}: ${c.name} = ${c.median}`)),
);
if (bad.length > 0) throw new Error(`benchmarks produced no usable figure:\n${bad.join("\n")}`);
const label = (run) => `${{ node: "Node", deno: "Deno", bun: "Bun", workerd: "workerd" }[run.runtime]} ${run.version}`;

const num = (n) => (n === null || n === undefined ? "–" : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const times = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : "–");
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
const humanise = (key) => key.replace(/([A-Z])/g, " $1").toLowerCase();
// `align`: one letter per column, "l" or "r" (default: first column left, the rest right).
const table = (head, rows, align = "l" + "r".repeat(head.length - 1)) =>
  [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (align[i] === "l" ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

const md = [];
md.push(`# simple-memory-cache benchmarks${quick ? " (QUICK: tiny iteration counts, figures not meaningful)" : ""}`);
md.push(`${new Date().toISOString()} · ${runs.map(label).join(" · ")}`);
md.push(`Timers: ${runs.map((r) => `${r.runtime}: ${r.timer}`).join("; ")}.`);

md.push(`## Budgets (${label(node)}${node.version.startsWith("20.") ? "" : " — NOT Node 20, budgets are set for Node 20"})`);
const judged = budgets({ node, others: runs.filter((r) => r !== node), startup: startup.find((s) => s.runtime === "node"), otherStartups: startup.filter((s) => s.runtime !== "node"), size, workerdStartup, rust, firstGet, uploads });
md.push(table(["budget", "measured", "", "note"], judged.map((b) => [b.budget, b.figure, quick ? "not judged (quick)" : b.pass ? "PASS" : "**MISS**", b.note]), "lrll"));

md.push("## Throughput (ns per op: median over rounds; × memo: median over rounds of the ratio to the hand-written memo in the same round)");
for (const v of node.variants) {
  md.push(`### Case ${v.case}: ${v.title} (${v.unit})`);
  const checkKey = v.check ? Object.keys(Object.values(v.check)[0])[0] : null;
  const head = ["contender", ...runs.flatMap((r) => [r.runtime, "× memo"]), ...(checkKey ? [`${humanise(checkKey)} (${RUNTIMES.join(" / ")})`] : [])];
  const rows = v.contenders.map((c) => {
    const cells = runs.flatMap((r) => {
      const d = r.variants.find((w) => w.id === v.id)?.contenders.find((e) => e.name === c.name);
      return [num(d?.median), times(d?.ratio)];
    });
    const check = checkKey ? [runs.map((r) => r.variants.find((w) => w.id === v.id)?.check?.[c.name]?.[checkKey] ?? "–").join(" / ")] : [];
    return [c.ours ? `**${c.name}**` : c.name, ...cells, ...check];
  });
  md.push(table(head, rows));
}

md.push("## Case 7: names (distinct names through maxEntries 1000, each loaded once; JS heap after a full gc + wasm memory)");
md.push(
  table(
    ["runtime", "contender", "names", "ns/name", "growth after the first checkpoint", "growth from the 2nd to the last", "of which wasm"],
    runs.flatMap((r) =>
      (r.names ?? []).map((m) => [
        r.runtime,
        m.ours ? `**${m.name}**` : m.name,
        m.names.toLocaleString("en"),
        num((m.ms * 1e6) / m.names),
        m.growthAfterWarmup === null ? "n/a (no gc)" : kb(m.growthAfterWarmup),
        m.growthSecondToLast === null ? "n/a (no gc)" : kb(m.growthSecondToLast),
        m.wasmSecondToLast === null ? "–" : `${m.wasmSecondToLast} B`,
      ]),
    ),
    "llrrrrr",
  ),
);

md.push("## Case 6: memory (invalidate() + await get() cycles with a fresh 1 KB value, after a warm-up; growth after a full gc)");
md.push(
  table(
    ["runtime", "contender", "cycles", "ns/cycle", "JS heap growth", "of which in the 2nd half", "wasm memory growth", "wasm memory"],
    runs.flatMap((r) =>
      r.memory.map((m) => [
        r.runtime,
        m.ours ? `**${m.name}**` : m.name,
        m.cycles.toLocaleString("en"),
        num((m.ms * 1e6) / m.cycles),
        m.heapGrowth === null ? "n/a (no gc)" : kb(m.heapGrowth),
        m.heapGrowthSecondHalf === null ? "–" : kb(m.heapGrowthSecondHalf),
        m.wasmGrowth === null ? "–" : `${m.wasmGrowth} B`,
        m.wasmBytes === null ? "–" : kb(m.wasmBytes),
      ]),
    ),
    "llrrrrrr",
  ),
);

md.push(`## Case 5: start-up (ms beyond the bare program: median over ${startup[0].runs} rounds of fresh processes, paired with the bare program in each round)`);
const programs = startup[0].programs.map((p) => p.name);
md.push(
  table(
    ["import + init", ...startup.map((s) => `${s.runtime} (bare \`${s.bare.command}\`: ${s.bare.ms.toFixed(1)} ms)`)],
    programs.map((name) => [name === "simple-memory-cache" ? `**${name}**` : name, ...startup.map((s) => `${s.programs.find((p) => p.name === name).beyondBare.toFixed(1)} ms`)]),
  ),
);
md.push("The same, paired with importing the empty ES module file in each round instead: what a package adds over the floor every ES module pays.");
md.push(
  table(
    ["import + init", ...startup.map((s) => s.runtime)],
    programs.slice(1).map((name) => [name === "simple-memory-cache" ? `**${name}**` : name, ...startup.map((s) => `${s.programs.find((p) => p.name === name).beyondEmptyModule.toFixed(1)} ms`)]),
  ),
);
md.push(
  `workerd, a Worker's cold start (spawning workerd → the first response, whose handler makes the library's first get; the Worker bundled beforehand), beyond an empty Worker's in the same round: median over ${workerdStartup.rounds} rounds (an empty Worker: ${workerdStartup.empty.toFixed(1)} ms).`,
);
md.push(table(["Worker", "cold start", "beyond an empty Worker"], workerdStartup.workers.map((w) => [w.ours ? `**${w.name}**` : w.name, `${w.ms.toFixed(1)} ms`, `${w.beyondEmpty.toFixed(1)} ms`]), "lrr"));

md.push(
  `The first get() after import, in a fresh process (the import not timed): making the first var, registering its loader and awaiting its first get(), against a hand-written memo's first call of the same loader, each in a process of its own: median over ${firstGet[0].runs} rounds, and the median over rounds of the difference.`,
);
md.push(table(["runtime", "ours", "memo's first call", "ours beyond the memo", "floor: wasm + glue alone, beyond the memo"], firstGet.map((f) => [f.runtime, `${f.ours.toFixed(2)} ms`, `${f.memo.toFixed(2)} ms`, `${f.beyondMemo.toFixed(2)} ms`, `${f.floorBeyondMemo.toFixed(2)} ms`]), "lrrrr"));

md.push("What a Worker uploads: `wrangler deploy --dry-run` of the same Workers (wrangler's defaults: bundled, not minified), as wrangler reports it.");
md.push(table(["Worker", "Total Upload", "gzip"], uploads.map((u) => [u.ours ? `**${u.name}**` : u.name, `${u.kib.toFixed(2)} KiB`, `${u.gzipKib.toFixed(2)} KiB`]), "lrr"));

md.push("## Case 5: size (bytes; gzip -9 per file, summed)");
md.push(
  table(
    ["what", "raw", "gzip"],
    [
      ["wasm", size.wasm.raw, size.wasm.gzip],
      ["JS as shipped (entry/, glue/bundle.js, shared/, http/)", size.js.raw, size.js.gzip],
      ["whole package (JS + wasm)", size.package.raw, size.package.gzip],
      ["a Worker's share: workerd entry bundled + minified (esbuild)", size.worker.js.raw, size.worker.js.gzip],
      ["a Worker's share: + the wasm module", size.worker.js.raw + size.worker.wasm.raw, size.worker.js.gzip + size.worker.wasm.gzip],
      ["a Worker's share of simple-memory-cache/http, if imported (bundled + minified)", size.worker.http.raw, size.worker.http.gzip],
      ...size.files.map((f) => [`  ${f.path}`, f.raw, f.gzip]),
    ].map(([w, r, g]) => [w, r.toLocaleString("en"), g.toLocaleString("en")]),
  ),
);

md.push(
  `## From Rust (issue 14): warm hits polled inside the wasm, ns per hit (${label(node)}; ${rust.rounds} rounds of ${rust.batch.toLocaleString("en")} per contender; × reference: median over rounds of the ratio to the hand-written reference in the same round)`,
);
md.push(table(["contender", "ns/hit", "× reference", "reference"], rust.hit.map((c) => [c.ours ? `**${c.name}**` : c.name, num(c.median), times(c.ratio), c.name === c.over ? "–" : c.over]), "lrrl"));
md.push("What the crate adds to a workers-rs Worker (benches/rust/size: the same Worker with a hand-written cache and with `CachedVar`; wasm-bindgen --target web, then wasm-opt -Oz; bytes, gzip -9 per file):");
md.push(
  table(
    ["what", "raw", "gzip"],
    [
      ["Worker .wasm, hand-written cache", rust.size.without.wasm.raw, rust.size.without.wasm.gzip],
      ["Worker .wasm, with CachedVar", rust.size.with.wasm.raw, rust.size.with.wasm.gzip],
      ["**added to the .wasm by the crate**", rust.size.added.wasm.raw, rust.size.added.wasm.gzip],
      ["added to the wasm-bindgen glue (JS)", rust.size.added.glue.raw, rust.size.added.glue.gzip],
    ].map(([w, r, g]) => [w, r.toLocaleString("en"), g.toLocaleString("en")]),
  ),
);

const text = md.join("\n\n") + "\n";
const figures = runs.reduce((n, r) => n + r.variants.reduce((m, v) => m + v.contenders.length, 0), 0);
// A quick run is a check that everything runs, inside `make test`: one line, the tables go to the file.
console.log(quick ? `benches (quick): ${figures} figures from ${runs.length} runtimes, all usable; budgets evaluated, not judged` : text);
await writeFile(out("latest.md"), text);
await writeFile(out("latest.json"), JSON.stringify({ date: new Date().toISOString(), quick, budgets: judged, runs, startup, size, rust }, null, 1) + "\n");
await writeFile(out("chart.svg"), chart(runs.map((r) => ({ ...r, label: label(r) })), { title: `simple-memory-cache vs what users pick instead — time per op as a multiple of a hand-written memo${quick ? " (QUICK)" : ""}` }));
console.error(`wrote ${["latest.md", "latest.json", "chart.svg"].map((n) => out(n).pathname).join(", ")}`);
