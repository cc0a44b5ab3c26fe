// The app every bundler and platform builds: a var made at module scope with a loader, read twice.
// `run()` prints one line, `RESULT {json}` (or `ERROR …`), which the runner reads from stdout or
// the browser console; the platforms that answer requests call `twoGets()` themselves.
import { GLOBAL_CACHE } from "simple-memory-cache";

const config = GLOBAL_CACHE.memoryCachedVar("config");
let loads = 0;
config.onFirstAccess(async () => ({ flag: true, load: ++loads }));

export async function twoGets() {
  const first = await config.get();
  const second = await config.get();
  return { first, second, same: first === second, loads };
}

export function run() {
  twoGets().then(
    (result) => console.log(`RESULT ${JSON.stringify(result)}`),
    (error) => console.log(`ERROR ${error?.stack ?? error}`),
  );
}
