// Which random search finds which bug of issue 11: the property (tests/fuzz/fuzz.mjs) in Node,
// once per profile (a set of command/feature weights and NEW rules, chosen so that one bug is not
// masked by another that is found faster), seeds 1-3, stopping at the first counterexample and
// printing it shrunk. On the build that predates issue 11's fixes every line says FOUND; on a
// fixed build every line should say nothing. Usage: node tests/fuzz/profiles.mjs [seeds...]
import * as api from "simple-memory-cache";
import { fuzz } from "./fuzz.mjs";
const SEEDS = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1, 2, 3];
const OFF = { stepBack: false, countEarly: false, resolveAll: false };
const profiles = [
  ["default (all rules, all features)", {}, {}],
  ["bug 1 (clock faults)", OFF, { tierVars: 0, reentrant: 0, selfGet: 0 }],
  ["bug 2 (re-entrant loaders)", OFF, { tierVars: 0, selfGet: 0, clockFault: 0 }],
  ["bug 4 (own-var get with a tier)", OFF, { reentrant: 0, clockFault: 0 }],
  ["bug 11 (counting)", { stepBack: false, resolveAll: false }, { tierVars: 0, reentrant: 0, selfGet: 0, clockFault: 0 }],
  ["NEW resolveAll", { stepBack: false, countEarly: false }, { reentrant: 0, selfGet: 0, clockFault: 0 }],
  ["NEW stepBack", { countEarly: false, resolveAll: false }, { reentrant: 0, selfGet: 0, clockFault: 0 }],
];
for (const [name, rules, weights] of profiles) {
  for (const seed of SEEDS) {
    const t = performance.now();
    const r = await fuzz(api, { seed, runs: 2000, budgetMs: 20000, maxCommands: 60, size: "max", rules, weights });
    const f = r.failures[0];
    console.log(`${name} seed ${seed}: ${f ? "FOUND" : "nothing"} after ${r.runs} runs (${((performance.now() - t) / 1000).toFixed(1)} s)`);
    if (f) console.log("   " + f.error.split("\n")[0].slice(0, 220) + "\n   " + f.commands.join("\n   "));
  }
}
