// The escape hatch `simple-memory-cache/manual` before and after the wasm is loaded, in Node, Bun
// and Deno (each a fresh process: the load is module state). Before: making a var or a bounded
// cache, or a keyed call, throws an Error that says to call initSync/initAsync (it was the glue's
// "Cannot read properties of undefined"); after initSync or initAsync: everything works, the
// cache made before included.   Usage: node tests/runtimes/manual-entry.mjs
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const NOT_LOADED = /^simple-memory-cache: the wasm is not loaded yet: with simple-memory-cache\/manual, call initSync\(\{ module \}\) or await initAsync\(\{ module_or_path \}\)/;

// The child: runs the checks in this runtime, prints one JSON line of failures.
async function child(how) {
  const failures = [];
  const check = (ok, what) => ok || failures.push(what);
  const { CachedVar, GLOBAL_CACHE, MemoryCache, initAsync, initSync } = await import(join(ROOT, "pkg/entry/manual.js"));
  const notLoaded = (what, f) => {
    try {
      f();
      check(false, `${what}: did not throw`);
    } catch (e) {
      check(e instanceof Error && NOT_LOADED.test(e.message), `${what}: threw ${e}`);
    }
  };
  const early = new MemoryCache(); // no options: its machine is made at first use
  notLoaded("new CachedVar", () => new CachedVar("x"));
  notLoaded("new MemoryCache({ maxEntries })", () => new MemoryCache({ maxEntries: 5 }));
  notLoaded("GLOBAL_CACHE.set", () => GLOBAL_CACHE.set("k", 1));
  notLoaded("memoryCachedVar", () => early.memoryCachedVar("k"));
  const bytes = readFileSync(join(ROOT, "pkg/glue/simple_memory_cache_bg.wasm"));
  // Both resolve (return) nothing, as manual.d.ts says: the glue's initAsync handed out the
  // wasm's raw exports.
  const result = how === "sync" ? initSync({ module: bytes }) : await initAsync({ module_or_path: bytes });
  check(result === undefined, `init${how === "sync" ? "Sync" : "Async"} gave ${typeof result}, not undefined`);
  const v = new CachedVar("x");
  v.onFirstAccess(() => 41);
  check((await v.get()) === 41 && (await v.get()) === 41, "a var after init");
  early.set("k", 2);
  check(early.peek("k") === 2, "the cache made before init");
  check(new MemoryCache({ maxEntries: 5 }).size === 0, "a bounded cache after init");
  console.log(JSON.stringify(failures));
}

if (process.argv[2] === "--child") {
  await child(process.argv[3]);
} else {
  const self = fileURLToPath(import.meta.url);
  const runtimes = {
    node: (how) => ["node", [self, "--child", how]],
    bun: (how) => ["bun", [self, "--child", how]],
    deno: (how) => ["deno", ["run", "--no-prompt", `--allow-read=${ROOT}`, self, "--child", how]],
  };
  let passed = 0;
  let failed = 0;
  for (const [runtime, command] of Object.entries(runtimes)) {
    for (const how of ["sync", "async"]) {
      const [cmd, args] = command(how);
      const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}`, DENO_NO_UPDATE_CHECK: "1" } });
      let failures;
      try {
        failures = JSON.parse(r.stdout.trim().split("\n").pop());
      } catch {
        failures = [`exit ${r.status}: ${r.stderr || r.stdout}`];
      }
      const ok = failures.length === 0;
      ok ? passed++ : failed++;
      console.log(`${ok ? "ok  " : "FAIL"} ${runtime}: manual entry before and after init${how === "sync" ? "Sync" : "Async"}${ok ? "" : `\n     ${failures.join("\n     ")}`}`);
    }
  }
  console.log(`manual entry: ${passed} passed, ${failed} failed`);
}
