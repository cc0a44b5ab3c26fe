// The escape hatch on a platform no entry fits — here a bundle for Vercel's edge runtime made with
// neither the workerd nor the edge-light condition, where compiling wasm is refused: the
// platform's own `.wasm` import, handed to initSync of `simple-memory-cache/manual`.
import wasm from "simple-memory-cache/simple_memory_cache_bg.wasm";
import { GLOBAL_CACHE, initSync } from "simple-memory-cache/manual";
import { makeApp } from "../make-app.js";

initSync({ module: wasm });
const { twoGets } = makeApp(GLOBAL_CACHE);

export default async function handler() {
  return Response.json(await twoGets());
}
