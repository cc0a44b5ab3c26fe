// Every bundler and platform issue 13 names, from the packed tarball, with no configuration beyond
// what the tool itself needs: `npm pack` of pkg/ once, installed into one scratch project (and
// into a Next.js project under target/, as Next finds next and react only above its project), the
// same small app (tests/bundlers/app/make-app.js) built by each tool and RUN in its runtime: Node,
// Bun, Deno, headless Chromium, workerd, Vercel's edge runtime, Next.js. Each run reads a var with
// a loader twice: the loader must run once and both reads give its value. The tools are the
// workspace's pinned devDependencies. Ends with "bundlers: N passed, N failed".
// Usage: node tests/bundlers/run.mjs [name filter]
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as esbuild from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import { chromium } from "playwright-core";
import { startBundle } from "../workerd/launch.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const BIN = join(ROOT, "node_modules/.bin");
const ENV = { ...process.env, PATH: `${BIN}:${process.env.PATH}`, DENO_NO_UPDATE_CHECK: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
const RUN_BOUND_MS = 90_000;
const only = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), "smc-bundlers-"));
const out = (name) => join(dir, "out", name);

const results = [];
async function target(name, fn) {
  if (only && !name.includes(only)) return;
  const t0 = performance.now();
  let error = null;
  try {
    await fn();
  } catch (e) {
    error = e;
  }
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  results.push({ name, ok: error === null });
  console.log(error === null ? `ok   ${name} (${s} s)` : `FAIL ${name} (${s} s)\n     ${String(error?.stack ?? error).split("\n").slice(0, 12).join("\n     ")}`);
}

const execFileP = promisify(execFile);
async function sh(cmd, args, { cwd = dir, env = {} } = {}) {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { cwd, env: { ...ENV, ...env }, timeout: RUN_BOUND_MS, maxBuffer: 16 << 20 });
    return stdout + stderr;
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${e.code ?? e.signal}):\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

/** The app's verdict: one load, and both reads gave its value. `result` is what twoGets() returned. */
function checkTwoGets(result, where) {
  const ok = result?.first?.load === 1 && result?.second?.load === 1 && result.same === true && result.loads === 1;
  if (!ok) throw new Error(`${where}: expected one load and the same value twice, got ${JSON.stringify(result)}`);
}

/** The RESULT line an app printed (stdout or browser console), checked. */
function checkOutput(text, where) {
  const line = text.split("\n").find((l) => l.startsWith("RESULT ") || l.startsWith("ERROR "));
  if (line === undefined) throw new Error(`${where}: the app printed no result:\n${text}`);
  if (line.startsWith("ERROR ")) throw new Error(`${where}: ${line}`);
  checkTwoGets(JSON.parse(line.slice("RESULT ".length)), where);
}

const node = async (file) => checkOutput(await sh("node", [file]), file);

// Static files for the browser cases: `root` over HTTP on 127.0.0.1.
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".cjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };
async function serve(root) {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      const file = resolve(root, `.${path}${path.endsWith("/") ? "index.html" : ""}`);
      if (!file.startsWith(root + sep)) throw new Error("outside");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

let browser;
/** Opens `url` in headless Chromium and checks the app's console line; a page error, an HTTP error, a failed request or a console error fails it. */
async function inChromium(url, where, initScript) {
  browser ??= await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage();
  if (initScript) await page.addInitScript(initScript);
  const problems = [];
  try {
    const line = new Promise((found) => {
      page.on("console", (m) => {
        if (/^(RESULT|ERROR) /.test(m.text())) found(m.text());
        else if (m.type() === "error") problems.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => found(`ERROR page error: ${e.message}`));
      page.on("response", (r) => r.status() >= 400 && found(`ERROR HTTP ${r.status()}: ${r.url()}`));
    });
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    await page.goto(url);
    let timer;
    const bound = new Promise((done) => {
      timer = setTimeout(() => done("ERROR no result within 15 s"), 15_000);
    });
    const text = await Promise.race([line, bound]).finally(() => clearTimeout(timer));
    if (problems.length > 0) throw new Error(`${where}: ${problems.join("; ")}`);
    checkOutput(text, where);
  } finally {
    await page.close();
  }
}

const page = (name, script, classic = false) =>
  writeFileSync(join(out(name), "index.html"), `<!doctype html><link rel="icon" href="data:,"><script${classic ? "" : ' type="module"'} src="./${script}"></script>\n`);

// `.wasm?module` imports as Vercel's edge bundler makes them (@vercel/node's edge-wasm-plugin): a
// global binding `wasm_<sha1 of the file>` that the platform fills with the compiled module. Plain
// `.wasm` imports too, for the escape hatch's made-up platform.
function vercelWasmModules(bindings) {
  return {
    name: "vercel-wasm",
    setup(build) {
      build.onResolve({ filter: /\.wasm(\?module)?$/ }, async (args) => {
        if (args.pluginData === "inner") return undefined; // the file's own resolution, below
        const file = (await build.resolve(args.path.replace(/\?module$/, ""), { resolveDir: args.resolveDir, kind: args.kind, pluginData: "inner" })).path;
        const bytes = readFileSync(file);
        const name = `wasm_${createHash("sha1").update(bytes).digest("hex")}`;
        bindings[name] = bytes;
        return { path: name, namespace: "vercel-wasm" };
      });
      build.onLoad({ filter: /.*/, namespace: "vercel-wasm" }, (args) => ({ contents: `export default globalThis[${JSON.stringify(args.path)}];`, loader: "js" }));
    },
  };
}

/** `entry` (a function's default export) bundled under `conditions`, called twice in Vercel's edge runtime with wasm compilation refused (as on Vercel Edge). */
async function inEdgeRuntime(entry, conditions) {
  const bindings = {};
  const built = await esbuild.build({
    entryPoints: [join(dir, entry)],
    bundle: true,
    write: false,
    platform: "browser",
    format: "iife",
    globalName: "edgeFunction",
    conditions,
    plugins: [vercelWasmModules(bindings)],
    logLevel: "silent",
  });
  const runtime = new EdgeRuntime({
    initialCode: built.outputFiles[0].text,
    codeGeneration: { strings: false, wasm: false },
    // The platform compiles the function's wasm modules; the function itself may not.
    extend: (context) => Object.assign(context, Object.fromEntries(Object.entries(bindings).map(([k, bytes]) => [k, new WebAssembly.Module(bytes)]))),
  });
  for (const call of [1, 2]) checkTwoGets(await (await runtime.evaluate("edgeFunction.default()")).json(), `call ${call}`);
}

/** Starts a server process, waits for `ready` on its output (a match giving the port), returns its URL and a stop (of its process group). */
async function startServer(cmd, args, ready, { env = {}, cwd = dir } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...ENV, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  const port = await new Promise((found, fail) => {
    const timer = setTimeout(() => fail(new Error(`${cmd} did not start within 30 s:\n${output}`)), 30_000);
    const scan = (chunk) => {
      output += chunk;
      const m = ready.exec(output);
      if (m) {
        clearTimeout(timer);
        found(m[1]);
      }
    };
    child.stdout.on("data", scan);
    child.stderr.on("data", scan);
    child.on("exit", (code) => fail(new Error(`${cmd} exited (${code}):\n${output}`)));
  });
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop: () => process.kill(-child.pid, "SIGKILL") };
}

const t0 = performance.now();
let files = null;
try {
  // The tarball, once; one scratch project; the app.
  const tarball = (await sh("npm", ["pack", join(ROOT, "pkg"), "--pack-destination", dir, "--silent"])).trim().split("\n").pop();
  const tarballPath = join(dir, tarball);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module", dependencies: { "simple-memory-cache": `file:./${tarball}` } }));
  await sh("npm", ["install", "--no-audit", "--no-fund", "--silent"]);
  cpSync(join(HERE, "app"), dir, { recursive: true });
  files = await serve(dir);

  await target("node: import (unbundled)", () => node("main.js"));
  await target("node: require (unbundled)", () => node("require.cjs"));

  await target("esbuild --platform=browser → Chromium", async () => {
    await sh("esbuild", ["main.js", "--bundle", "--platform=browser", `--outfile=${out("esbuild-browser")}/bundle.js`, "--log-level=warning"]);
    page("esbuild-browser", "bundle.js", true);
    await inChromium(`${files.url}/out/esbuild-browser/`, "esbuild browser");
  });
  await target("esbuild --platform=node --format=esm → node", async () => {
    await sh("esbuild", ["main.js", "--bundle", "--platform=node", "--format=esm", `--outfile=${out("esbuild-node-esm")}/bundle.mjs`, "--log-level=warning"]);
    await node(`${out("esbuild-node-esm")}/bundle.mjs`);
  });
  await target("esbuild --platform=node (CommonJS) → node", async () => {
    await sh("esbuild", ["main.js", "--bundle", "--platform=node", `--outfile=${out("esbuild-node-cjs")}/bundle.cjs`, "--log-level=warning"]);
    await node(`${out("esbuild-node-cjs")}/bundle.cjs`);
  });
  await target("esbuild --platform=neutral → node", async () => {
    await sh("esbuild", ["main.js", "--bundle", "--platform=neutral", `--outfile=${out("esbuild-neutral")}/bundle.mjs`, "--log-level=warning"]);
    await node(`${out("esbuild-neutral")}/bundle.mjs`);
  });
  await target("AWS Lambda: esbuild CommonJS node20 (CDK NodejsFunction) → 3 warm invocations in one node process", async () => {
    const asset = out("lambda");
    await sh("esbuild", ["lambda.js", "--bundle", "--platform=node", "--format=cjs", "--target=node20", `--outfile=${asset}/index.js`, "--log-level=warning"]);
    writeFileSync(join(asset, "package.json"), '{ "type": "commonjs" }\n'); // a Lambda asset directory holds no ES-module package.json
    const invoke = `const { handler } = require(${JSON.stringify(`${asset}/index.js`)});
      (async () => { for (let i = 0; i < 3; i++) console.log(JSON.stringify(await handler({}, {}))); })();`;
    const lines = (await sh("node", ["-e", invoke])).trim().split("\n").map((l) => JSON.parse(l));
    if (lines.map((r) => r.invocation).join() !== "1,2,3") throw new Error(`expected invocations 1,2,3, got ${JSON.stringify(lines)}`);
    lines.forEach((r) => checkTwoGets(r, `invocation ${r.invocation} (the value survives warm invocations)`));
  });

  await target("rollup + @rollup/plugin-node-resolve → node", async () => {
    await sh("rollup", ["main.js", "--plugin", join(ROOT, "node_modules/@rollup/plugin-node-resolve/dist/es/index.js"), "--format", "es", "--file", `${out("rollup")}/bundle.mjs`, "--silent"]);
    await node(`${out("rollup")}/bundle.mjs`);
  });

  await target("bun build --target=bun → bun", async () => {
    await sh("bun", ["build", "main.js", "--target=bun", `--outfile=${out("bun-bun")}/bundle.mjs`]);
    checkOutput(await sh("bun", [`${out("bun-bun")}/bundle.mjs`]), "bun");
  });
  await target("bun build --target=node → node", async () => {
    await sh("bun", ["build", "main.js", "--target=node", `--outfile=${out("bun-node")}/bundle.mjs`]);
    await node(`${out("bun-node")}/bundle.mjs`);
  });
  await target("bun build --target=browser → Chromium", async () => {
    await sh("bun", ["build", "main.js", "--target=browser", `--outfile=${out("bun-browser")}/bundle.js`]);
    page("bun-browser", "bundle.js");
    await inChromium(`${files.url}/out/bun-browser/`, "bun build browser");
  });

  await target("webpack 5 --target web → Chromium", async () => {
    await sh("webpack", ["./main.js", "--mode", "production", "--target", "web", "--output-path", out("webpack-web")]);
    page("webpack-web", "main.js", true);
    await inChromium(`${files.url}/out/webpack-web/`, "webpack web");
  });
  await target("webpack 5 --target node → node", async () => {
    await sh("webpack", ["./main.js", "--mode", "production", "--target", "node", "--output-path", out("webpack-node"), "--output-filename", "main.cjs"]);
    await node(`${out("webpack-node")}/main.cjs`);
  });

  await target("vite build → Chromium", async () => {
    await sh("vite", ["build", "--outDir", out("vite"), "--logLevel", "warn"]);
    const built = await serve(out("vite")); // its index.html loads /assets/…
    try {
      await inChromium(`${built.url}/`, "vite build");
    } finally {
      built.close();
    }
  });
  await target("vite dev server → Chromium", async () => {
    const vite = await startServer("vite", ["--host", "127.0.0.1", "--port", "0", "--strictPort"], /http:\/\/127\.0\.0\.1:(\d+)/);
    try {
      await inChromium(`${vite.url}/`, "vite dev");
    } catch (error) {
      throw new Error(`${error.message}\n${vite.output()}`);
    } finally {
      vite.stop();
    }
  });

  await target("wrangler deploy --dry-run → workerd, two requests", async () => {
    const report = await sh("wrangler", ["deploy", "--dry-run", "--outdir", out("wrangler")]);
    const wasm = readdirSync(out("wrangler")).filter((f) => f.endsWith(".wasm"));
    const worker = await startBundle({ dir: out("wrangler"), main: "worker.js", wasm });
    try {
      for (const request of [1, 2]) checkTwoGets(await (await fetch(worker.url)).json(), `request ${request}`);
    } catch (error) {
      throw new Error(`${error.message}\n${worker.output()}`);
    } finally {
      await worker.stop();
    }
    console.log(`     wrangler: ${/Total Upload:.*/.exec(report)?.[0]}`);
  });

  await target("Vercel Edge (edge-light) bundle → edge-runtime refusing wasm compilation, two calls", () =>
    inEdgeRuntime("api/edge.js", ["edge-light", "browser", "module", "import", "require"]),
  );
  // The check above only means something if that runtime refuses what Vercel Edge refuses.
  await target("control: without edge-light, edge-runtime refuses the inline entry (compiling wasm from bytes)", async () => {
    const refused = await inEdgeRuntime("api/edge.js", ["browser", "module", "import", "require"]).then(() => null, (e) => e);
    if (!/Wasm code generation disallowed/.test(String(refused?.message))) throw new Error(`expected a refusal to compile wasm, got ${refused ?? "success"}`);
  });
  await target("escape hatch: simple-memory-cache/manual + the exported .wasm, where no entry fits (edge-runtime, no workerd/edge-light condition)", () =>
    inEdgeRuntime("api/manual.js", ["worker", "browser"]),
  );
  await target("vercel dev (@vercel/node's edge function server) → two requests", async () => {
    const dev = await startServer("node", [join(ROOT, "node_modules/@vercel/node/dist/dev-server.mjs")], /Dev server listening: .*port: (\d+)/, { env: { VERCEL_DEV_ENTRYPOINT: "api/edge.js" } });
    try {
      for (const request of [1, 2]) {
        const res = await fetch(dev.url);
        if (!res.ok) throw new Error(`request ${request}: HTTP ${res.status} ${await res.text()}`);
        checkTwoGets(await res.json(), `request ${request}`);
      }
    } catch (error) {
      throw new Error(`${error.message}\n${dev.output()}`);
    } finally {
      dev.stop();
    }
  });

  await target("Next.js: an edge route, next build (Turbopack) → next start, two requests", async () => {
    // Next resolves next and react from the project's node_modules or above: this project lives
    // under the workspace (whose node_modules has them) and holds only the tarball itself.
    const app = mkdtempSync(join(ROOT, "target", "bundlers-next-"));
    let server;
    try {
      cpSync(join(HERE, "next"), app, { recursive: true });
      for (const f of ["app.js", "make-app.js"]) cpSync(join(HERE, "app", f), join(app, "lib", f));
      writeFileSync(join(app, "package.json"), JSON.stringify({ name: "next-scratch", private: true, type: "module", dependencies: { "simple-memory-cache": `file:${tarballPath}` } }));
      await sh("npm", ["install", "--no-audit", "--no-fund", "--silent", "--no-package-lock"], { cwd: app });
      const env = { NEXT_TELEMETRY_DISABLED: "1" };
      await sh("next", ["build"], { cwd: app, env });
      server = await startServer("next", ["start", "--hostname", "127.0.0.1", "--port", "0"], /http:\/\/127\.0\.0\.1:(\d+)/, { cwd: app, env });
      for (const request of [1, 2]) {
        const res = await fetch(`${server.url}/api/cache`);
        if (!res.ok) throw new Error(`request ${request}: HTTP ${res.status} ${await res.text()}\n${server.output()}`);
        checkTwoGets(await res.json(), `request ${request}`);
      }
      const manifest = readFileSync(join(app, ".next/server/middleware-manifest.json"), "utf8");
      const functions = Object.values(JSON.parse(manifest).functions ?? {});
      if (!functions.some((f) => f.wasm?.length > 0)) throw new Error(`the edge route carries no wasm binding (not the edge-light entry?): ${manifest}`);
    } finally {
      server?.stop();
      rmSync(app, { recursive: true, force: true });
    }
  });

  await target("deno run, no permission flags (Deno Deploy, Netlify Edge)", async () =>
    checkOutput(await sh("deno", ["run", "--no-prompt", "--node-modules-dir=manual", "main.js"]), "deno"),
  );
  await target("deno bundle → deno run", async () => {
    await sh("deno", ["bundle", "--platform=deno", "--node-modules-dir=manual", "-o", `${out("deno-bundle")}/bundle.js`, "main.js"]);
    checkOutput(await sh("deno", ["run", "--no-prompt", `${out("deno-bundle")}/bundle.js`]), "deno bundle");
  });

  await target("Chromium, unbundled through an import map", async () => {
    writeFileSync(
      join(dir, "importmap.html"),
      `<!doctype html><link rel="icon" href="data:,"><script type="importmap">{ "imports": { "simple-memory-cache": "/node_modules/simple-memory-cache/entry/inline.js" } }</script><script type="module" src="/main.js"></script>\n`,
    );
    await inChromium(`${files.url}/importmap.html`, "import map");
  });
  await target("Chromium through the import map, as a browser without Uint8Array.fromBase64 (the atob path)", () =>
    inChromium(`${files.url}/importmap.html`, "import map, no fromBase64", () => delete Uint8Array.fromBase64),
  );
} catch (error) {
  results.push({ name: "scratch project set-up", ok: false });
  console.log(`FAIL scratch project set-up\n     ${error?.stack ?? error}`);
} finally {
  await browser?.close();
  files?.close();
  rmSync(dir, { recursive: true, force: true });
}
const passed = results.filter((r) => r.ok).length;
console.log(`bundlers: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(`bundlers: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length && passed > 0 ? 0 : 1);
