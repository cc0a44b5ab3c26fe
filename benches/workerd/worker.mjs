// The bench Worker: runs the same case files as run.mjs inside workerd, timed by the loop timer,
// one round of one variant per request, driven by run-workerd.mjs. `ORIGIN` (a text binding) is
// the JWKS origin's URL. The variants are built once per isolate, on the first request (workerd
// refuses I/O and timers at global scope).
//   GET /variants        → what the variants are
//   GET /round?i=&r=     → ns per op of variant i's contenders in round r
//   GET /check?i=        → variant i's check (loader calls, origin fetches)
//   GET /memory?count=&warmup=  → case 6 (no gc here: wasm memory only)

import { allVariants } from "../lib/cases.mjs";
import { memory } from "../cases/memory.mjs";
import { assertLiveClock, loopTimer } from "../lib/loop-timer.mjs";
import { describe, timeRound } from "../lib/rounds.mjs";
// The same bundle the package's workerd entry imported (esbuild resolves both to one file); its
// idempotent initSync() returns the live wasm exports.
import { initSync } from "../../pkg/glue/bundle.js";

let variants = null;

async function handle(url, env) {
  const quick = url.searchParams.get("quick") === "1";
  const int = (name) => Number.parseInt(url.searchParams.get(name), 10);
  if (url.pathname === "/variants") {
    assertLiveClock();
    variants ??= await allVariants({ origin: env.ORIGIN });
    return variants.map(describe);
  }
  if (url.pathname === "/round") return timeRound(variants[int("i")], int("r"), loopTimer({ quick }));
  if (url.pathname === "/check") return (await variants[int("i")].check?.()) ?? null;
  if (url.pathname === "/memory") {
    const wasmBytes = () => initSync().memory.buffer.byteLength;
    return memory({ count: int("count"), warmup: int("warmup"), gc: null, heapUsed: null, wasmBytes });
  }
  return undefined;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      const body = await handle(url, env);
      return body === undefined ? new Response("not found", { status: 404 }) : Response.json(body);
    } catch (error) {
      return new Response(`${error?.stack ?? error}`, { status: 500 });
    }
  },
};
