// The package as a user gets it: `npm pack` of pkg/, installed by its bare name into a scratch
// project, then used the way the README says in Node (ESM and require), Bun, Deno (no permission
// flags), and a Worker bundled by wrangler and served by real workerd. This is what catches
// packaging faults no in-repo test sees (a missing file, an export condition, a bundler
// tree-shaking the entry's initialisation away).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { startBundle } from "../workerd/launch.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const BIN = join(ROOT, "node_modules/.bin");
const dir = mkdtempSync(join(tmpdir(), "smc-package-"));
let passed = 0;
let failed = 0;
function check(cond, what, detail = "") {
  if (cond) passed++;
  else {
    failed++;
    console.log(`FAIL ${what}${detail ? `\n    ${detail}` : ""}`);
  }
}
// The public API as pkg/lib/index.js declares it: every entry must export exactly these names (the
// entries re-export them from the build's bundle, which also carries internals).
const API = Object.keys(await import("../../pkg/lib/index.js")).sort();
const sameApi = (names) => JSON.stringify(names) === JSON.stringify(API);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });

try {
  const tarball = run("npm", ["pack", join(ROOT, "pkg"), "--pack-destination", dir, "--silent"]).trim().split("\n").pop();
  // What ships: the entries, one bundle of lib/ + glue, the wasm, the shared-tier adapters, types.
  const shipped = JSON.parse(run("npm", ["pack", join(ROOT, "pkg"), "--dry-run", "--json"]))[0].files.map((f) => f.path);
  check(shipped.includes("glue/bundle.js") && shipped.includes("glue/simple_memory_cache_bg.wasm"), "the tarball holds the bundle and the wasm", shipped.join(", "));
  check(!shipped.some((p) => p.startsWith("lib/") || p === "glue/simple_memory_cache.js"), "the tarball holds no unbundled module (every entry imports the bundle alone)", shipped.join(", "));
  check(shipped.includes("http/index.js") && shipped.includes("http/index.d.ts"), "the tarball holds the http subpath and its types", shipped.join(", "));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module", dependencies: { "simple-memory-cache": `file:./${tarball}` } }));
  run("npm", ["install", "--no-audit", "--no-fund", "--silent"]);
  for (const f of ["app.mjs", "app.cjs", "http.mjs", "http.cjs", "worker.js", "wrangler.toml"]) cpSync(join(HERE, f), join(dir, f));

  const expectApp = (runtime, out, loads = 1) => {
    let r;
    try {
      r = JSON.parse(out.trim().split("\n").pop());
    } catch {
      r = {};
    }
    check(r.same === true && r.loads === loads && r.state === "fresh", `${runtime}: one load shared by concurrent gets`, out);
    if (r.exports !== undefined) check(sameApi(r.exports), `${runtime}: exports exactly the public API`, `${r.exports} vs ${API}`);
  };
  expectApp("node (ESM)", run("node", ["app.mjs"]));
  expectApp("node (require)", run("node", ["app.cjs"]));
  expectApp("bun", run(join(BIN, "bun"), ["app.mjs"]));
  expectApp("deno (no permission flags)", run(join(BIN, "deno"), ["run", "app.mjs"]));

  // The subpath `simple-memory-cache/http`: max-age=60 less Age 10 is 50 000 ms in every runtime.
  const expectLifetime = (runtime, out) => check(out.trim().split("\n").pop() === '{"lifetime":50000}', `${runtime}: simple-memory-cache/http reads a Response`, out);
  expectLifetime("node (ESM)", run("node", ["http.mjs"]));
  expectLifetime("node (require)", run("node", ["http.cjs"]));
  expectLifetime("bun", run(join(BIN, "bun"), ["http.mjs"]));
  expectLifetime("deno (no permission flags)", run(join(BIN, "deno"), ["run", "http.mjs"]));
  // A bad option left uncaught: the runtime's report names it and stays short. (Node, Bun and Deno
  // print the source line an error was thrown on; a bundle on one line made that 43 KB of code.)
  writeFileSync(join(dir, "bad-option.mjs"), `import { CachedVar } from "simple-memory-cache";\nnew CachedVar("cfg", { ttl: -1 });\n`);
  for (const [runtime, cmd, args] of [["node", "node", ["bad-option.mjs"]], ["bun", join(BIN, "bun"), ["bad-option.mjs"]], ["deno", join(BIN, "deno"), ["run", "bad-option.mjs"]]]) {
    let report = "";
    try {
      run(cmd, args);
    } catch (error) {
      report = `${error.stderr ?? ""}${error.stdout ?? ""}`;
    }
    const named = report.includes(`CachedVar "cfg": option ttl must be a number of milliseconds >= 0`);
    check(named && report.length < 4000, `${runtime}: an uncaught bad option is reported by name, in a short report (${report.length} characters)`, report.slice(0, 600));
  }

  // A Worker that imports only the main entry carries none of it.
  const { metafile } = await esbuild.build({
    stdin: { contents: `export * from "simple-memory-cache";`, resolveDir: dir },
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*", "*.wasm"],
    logLevel: "silent",
  });
  const inputs = Object.keys(metafile.inputs);
  check(inputs.some((p) => p.includes("simple-memory-cache/entry/")) && !inputs.some((p) => p.includes("simple-memory-cache/http/")), "a bundle of the main entry holds nothing of simple-memory-cache/http", inputs.join(", "));

  run(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", "dist"]);
  const files = readdirSync(join(dir, "dist"));
  const wasm = files.filter((f) => f.endsWith(".wasm"));
  check(wasm.length === 1, "wrangler bundles the .wasm as one module", files.join(", "));
  const worker = await startBundle({ dir: join(dir, "dist"), main: "worker.js", wasm });
  try {
    const first = await (await fetch(worker.url)).json();
    const second = await (await fetch(worker.url)).json();
    check(first.value?.load === 1 && second.value?.load === 1 && second.loads === 1, "workerd (wrangler bundle): value kept across requests", JSON.stringify([first, second]));
    check(second.stats?.hits === first.stats?.hits + 1 && second.state === "fresh", "workerd (wrangler bundle): the second request is a hit", JSON.stringify([first, second]));
    check(sameApi(first.exports), "workerd (wrangler bundle): exports exactly the public API", `${first.exports} vs ${API}`);
    check(first.lifetime === 50_000, "workerd (wrangler bundle): simple-memory-cache/http reads a Response", JSON.stringify(first));
  } catch (error) {
    check(false, "workerd (wrangler bundle) answered", `${error.message}\n${worker.output()}`);
  } finally {
    await worker.stop();
  }
} catch (error) {
  check(false, "scratch project set-up", `${error.message}\n${error.stderr ?? ""}${error.stdout ?? ""}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`package: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
