// The Worker of tests/soak/workerd-soak.mjs: the soak workload (workload.mjs) as module state of
// the isolate, driven by concurrent requests. GET /run?ops=N&seed=S runs N operations in that
// request; GET /report answers the counters, the violations and the wasm memory size.
import { instances } from "./capture-wasm.js";
import * as api from "simple-memory-cache";
import { AsyncLocalStorage } from "node:async_hooks";
import { createWorkload } from "./workload.mjs";

// Joiners from other requests take a load over once they have waited the var's timeout.
const workload = createWorkload({ api, AsyncLocalStorage, guardedJoins: true });

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/run") {
      const ops = Number(url.searchParams.get("ops"));
      const seed = Number(url.searchParams.get("seed"));
      return Response.json(await workload.run({ ops, seed, batchSize: 500 }));
    }
    if (url.pathname === "/report") {
      const { counts, violations } = workload;
      return Response.json({ counts, violations, coreLoads: workload.coreLoads(), coalesced: workload.coalesced(), instances: instances.length, wasm: instances[0]?.exports.memory.buffer.byteLength });
    }
    return new Response("ready");
  },
};
