// Runs the semantics suite in headless Chromium: serves the repository on 127.0.0.1, opens a page
// whose import map points `simple-memory-cache` at the package's browser entry, runs the suite
// there and prints the results. Any console error or failed request in the page is a failure.
// Usage: node tests/runtimes/browser.mjs [test-name filter]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { checkEntry, report, setupFailure } from "./report.mjs";

const runtime = "chromium";
const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
// The import map: the package's default (inline) entry, and each subpath export (`simple-memory-cache/http`)
// at its `default` target, as pkg/package.json's `exports` says.
const { exports } = JSON.parse(await readFile(resolve(ROOT, "pkg/package.json"), "utf8"));
const imports = { "simple-memory-cache": "/pkg/entry/inline.js" };
for (const [subpath, target] of Object.entries(exports)) {
  if (subpath !== "." && typeof target === "object") imports[`simple-memory-cache${subpath.slice(1)}`] = `/pkg/${target.default.slice(2)}`;
}
const PAGE = `<!doctype html>
<link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify({ imports })}</script>
<title>simple-memory-cache suite</title>`;
const RUN_BOUND_MS = 300_000;
// A page whose Content-Security-Policy refuses to compile wasm (no 'wasm-unsafe-eval'): importing
// the package must still succeed (the rest of the page runs), and the first var made must throw
// an error saying which directive is missing.
const CSP = "script-src 'self' 'unsafe-inline'";
const CSP_PAGE = `<!doctype html>
<link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify({ imports })}</script>
<script type="module">
  const out = { imported: false, errors: [] };
  try {
    const { CachedVar, GLOBAL_CACHE } = await import("simple-memory-cache");
    out.imported = true;
    for (const make of [() => new CachedVar("x"), () => GLOBAL_CACHE.memoryCachedVar("y")]) {
      try {
        make();
        out.errors.push(null);
      } catch (e) {
        out.errors.push({ name: e.name, message: e.message, cause: e.cause?.name });
      }
    }
  } catch (e) {
    out.importError = String(e);
  }
  window.cspResult = out;
</script>
<title>simple-memory-cache under a strict CSP</title>`;

// Paths the page fetched: which package entry the browser really loaded.
const requested = [];
const server = createServer(async (req, res) => {
  try {
    const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    requested.push(path);
    if (path === "/") return void res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    if (path === "/csp") return void res.writeHead(200, { "content-type": "text/html", "content-security-policy": CSP }).end(CSP_PAGE);
    const file = resolve(ROOT, `.${path}`);
    const type = TYPES[extname(file)];
    if (!type || !file.startsWith(ROOT + sep)) throw new Error("not served");
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(await readFile(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ready) => server.listen(0, "127.0.0.1", ready));

const pageErrors = [];
let browser;
let result;
try {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage();
  page.on("console", (m) => m.type() === "error" && pageErrors.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => pageErrors.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => pageErrors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => r.status() >= 400 && pageErrors.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  let timer;
  const run = page.evaluate(async ({ runtime, filter }) => {
    const { runSuite } = await import("/tests/js/suite.mjs");
    return runSuite({ runtime, filter });
  }, { runtime, filter: process.argv[2] });
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`suite did not finish within ${RUN_BOUND_MS} ms`)), RUN_BOUND_MS);
  });
  result = await Promise.race([run, bound]).finally(() => clearTimeout(timer));
  checkEntry(runtime, requested.filter((p) => p.startsWith("/pkg/entry/")).join(", "), "inline.js");
  const csp = await strictCsp(browser);
  result.results.push(csp);
  result[csp.ok ? "passed" : "failed"] += 1;
} catch (error) {
  result = setupFailure(error);
} finally {
  await browser?.close();
  server.close();
}
// The strict-CSP page's outcome, as one result: imported, and both makers threw the explained error.
async function strictCsp(browser) {
  const name = "a page whose CSP lacks 'wasm-unsafe-eval' imports the package; the first var or cache throws, naming the directive";
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/csp`);
    await page.waitForFunction(() => window.cspResult !== undefined, undefined, { timeout: 30_000 });
    const out = await page.evaluate(() => window.cspResult);
    const explained = (e) => e !== null && e.name === "Error" && e.message.includes("'wasm-unsafe-eval'") && e.message.startsWith("simple-memory-cache: the wasm could not be compiled at import") && e.cause === "CompileError";
    const ok = out.imported && out.errors.length === 2 && out.errors.every(explained);
    return ok ? { name, ok } : { name, ok, error: JSON.stringify(out) };
  } finally {
    await page.close();
  }
}

if (pageErrors.length > 0) {
  result.results.push({ name: "no console errors or failed requests in the page", ok: false, error: pageErrors.join("\n     ") });
  result.failed += 1;
}
process.exitCode = report(runtime, result);
