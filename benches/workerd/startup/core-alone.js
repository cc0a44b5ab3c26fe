// Cold-start floor, not a contender: the package's wasm and wasm-bindgen's glue alone, with no
// JS layer — a machine and a var made at module scope; the first request asks the core for a
// decision, reports the load settled and asks again. What any design that keeps the decisions
// in this wasm pays before its JS layer adds anything (benches/README.md, case 5b).
import wasm from "../../../pkg/glue/simple_memory_cache_bg.wasm";
import { initSync, Machine } from "../../../pkg/glue/simple_memory_cache.js";

initSync({ module: wasm });
const machine = Machine.create(Infinity);
// add_var(per_caller, ttl, staleWhileRevalidate, staleIfError, timeout, cooldown, retryInterval)
const id = machine.add_var(false, Infinity, 0, 0, Infinity, 0, 0);

export default {
  async fetch() {
    // A decision is kind + 8 × load id (pkg/lib/cached-var.js, unpack).
    const load = Math.floor(machine.get(id, Date.now()) / 8);
    const value = await Promise.resolve(1);
    machine.loaded(id, load, Date.now(), Infinity);
    return new Response(`${value} ${machine.get(id, Date.now()) % 8}`);
  },
};
