// The app every bundler and platform builds, given the cache it uses: a var made at module scope
// with a loader, read twice. `run()` prints one line, `RESULT {json}` (or `ERROR …`), which the
// runner reads from stdout or the browser console; platforms that answer requests call
// `twoGets()` themselves.
export function makeApp(cache) {
  const config = cache.memoryCachedVar("config");
  let loads = 0;
  config.onFirstAccess(async () => ({ flag: true, load: ++loads }));

  async function twoGets() {
    const first = await config.get();
    const second = await config.get();
    return { first, second, same: first === second, loads };
  }

  function run() {
    twoGets().then(
      (result) => console.log(`RESULT ${JSON.stringify(result)}`),
      (error) => console.log(`ERROR ${error?.stack ?? error}`),
    );
  }
  return { twoGets, run };
}
