// The same from CommonJS, through Node's require(esm).
const { GLOBAL_CACHE } = require("simple-memory-cache");

const config = GLOBAL_CACHE.memoryCachedVar("config");
let loads = 0;
config.onFirstAccess(() => ({ flag: true, load: ++loads }));
Promise.all([config.get(), config.get()]).then((got) => {
  console.log(JSON.stringify({ same: got[0] === got[1], loads, state: config.state, hits: config.stats().hits }));
});
