// A user's first script: a module-level var, used at once (top-level await).
import * as api from "simple-memory-cache";
import { GLOBAL_CACHE } from "simple-memory-cache";

const config = GLOBAL_CACHE.memoryCachedVar("config", { ttl: 60_000 });
let loads = 0;
config.onFirstAccess(async () => ({ flag: true, load: ++loads }));
const got = await Promise.all([config.get(), config.get(), config.get()]);
console.log(JSON.stringify({ same: got.every((g) => g === got[0]), loads, state: config.state, hits: config.stats().hits, exports: Object.keys(api).sort() }));
