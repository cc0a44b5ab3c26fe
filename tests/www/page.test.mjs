// The demo page in a real browser: starts www/serve.mjs on a free port, opens the page in Debian
// Chromium (playwright-core), clicks through issue 5's scenario and checks the stats() counters
// and the marks drawn on the timeline, a clean console, and that no request left 127.0.0.1.
// Saves a screenshot to tests/artifacts/www.png; with UPDATE_SCREENSHOT=1 also to
// www/screenshot.png (the README's), which is committed and so not rewritten by every run.
// Steps depend on each other: after the first failure the rest are reported as not run.
// Last line: "www: N passed, N failed"; exit status 1 on any failure.

import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { MemoryCache } from "simple-memory-cache";
import { assert } from "../js/harness.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const ARTIFACT = join(ROOT, "tests/artifacts/www.png");
const README_SHOT = join(ROOT, "www/screenshot.png");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const RUN_BOUND_MS = 60_000;
const WAIT_MS = 8_000;

// The scenario's var options and origin latency; see each step for why the numbers add up.
const OPTIONS = { ttl: "1000", staleWhileRevalidate: "0", staleIfError: "60000", timeout: "2000", cooldown: "800" };
const LATENCY = 250;

const ZERO = { hits: 0, misses: 0, loads: 0, coalesced: 0, staleServed: 0, errors: 0, timeouts: 0, cooldownSkips: 0 };

// Starts the static server on a free port; resolves with its child process and base URL.
function startServer() {
  const child = spawn(process.execPath, [join(ROOT, "www/serve.mjs"), "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok, fail) => {
    let out = "";
    const timer = setTimeout(() => fail(new Error(`serve.mjs printed no address in 5 s: ${out}`)), 5_000);
    child.once("exit", (code) => fail(new Error(`serve.mjs exited with ${code}: ${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /^www: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, base: m[1] });
      }
    });
  });
}

// Everything the test asserts, read from the page in one go: counters, state, log, and the
// timeline's drawn elements counted by class and data attributes.
function snapshot(page) {
  return page.evaluate(() => {
    const n = (sel) => document.querySelectorAll(sel).length;
    const stats = {};
    for (const dd of document.querySelectorAll("[data-stat]")) stats[dd.dataset.stat] = Number(dd.textContent);
    return {
      stats,
      state: document.getElementById("state").dataset.state,
      log: [...document.querySelectorAll("#log li")].map((li) => li.textContent),
      error: document.getElementById("options-error").hidden ? null : document.getElementById("options-error").textContent,
      callers: n(".caller"),
      kinds: Object.fromEntries(["hit", "miss", "joined", "stale", "error"].map((k) => [k, n(`.caller[data-kind="${k}"]`)])),
      started: n('.caller[data-started="true"]'),
      pending: n('.caller[data-pending="true"]'),
      loads: Object.fromEntries(["running", "ok", "failed", "aborted"].map((o) => [o, n(`.load[data-outcome="${o}"]`)])),
      invalidations: { effective: n('.invalidate[data-effective="true"]'), ignored: n('.invalidate[data-effective="false"]') },
      cooldowns: n(".cooldown"),
      bands: Object.fromEntries(["empty", "loading", "fresh", "stale"].map((s) => [s, n(`.band[data-state="${s}"]`)])),
    };
  });
}

// Polls the page until `done(snapshot)` holds (bounded); returns the last snapshot either way,
// so the exact assertions that follow report what the page really showed.
async function waitFor(page, done, ms = WAIT_MS) {
  const until = Date.now() + ms;
  let snap = await snapshot(page);
  while (!done(snap) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 40));
    snap = await snapshot(page);
  }
  return snap;
}

// An action has finished when the log's newest line reports it and every drawn caller settled.
const finished = (pattern, callers) => (s) => pattern.test(s.log[0] ?? "") && s.pending === 0 && s.callers === callers;

async function setRange(page, id, value) {
  await page.evaluate(([id, value]) => {
    const input = document.getElementById(id);
    input.value = String(value);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }, [id, value]);
}

async function setOptions(page, options) {
  for (const [name, value] of Object.entries(options)) await page.fill(`#options input[name="${name}"]`, value);
  await page.click('#options button[type="submit"]');
}

function steps(page, base) {
  return [
    ["the page imports simple-memory-cache by its bare name and runs the wasm", async () => {
      await page.goto(base);
      await page.waitForSelector("body[data-ready=true]", { timeout: WAIT_MS });
      const s = await waitFor(page, (s) => s.bands.empty === 1);
      assert.deepEqual(s.stats, ZERO, "a new var's stats()");
      assert.is(s.state, "empty");
      assert.is(s.bands.empty, 1, "the state band starts empty");
    }],

    ["invalid options show the package's own error and keep the previous var", async () => {
      let expected;
      try {
        new MemoryCache().memoryCachedVar("jwks", { ttl: -5 });
      } catch (e) {
        expected = e.message;
      }
      assert.ok(expected, "the package rejects ttl -5");
      await page.fill('#options input[name="ttl"]', "-5");
      await page.press('#options input[name="ttl"]', "Enter");
      const s = await waitFor(page, (s) => s.error !== null);
      assert.ok(s.error?.includes(expected), `page shows ${JSON.stringify(expected)}; it shows ${JSON.stringify(s.error)}`);
      assert.is(await page.getAttribute('#options input[name="ttl"]', "aria-invalid"), "true");
    }],

    ["a new var with the scenario's options", async () => {
      await setRange(page, "latency", LATENCY);
      await setOptions(page, OPTIONS);
      const s = await waitFor(page, (s) => s.error === null && /new var: ttl 1000,/.test(s.log[0] ?? ""));
      assert.is(s.error, null, "no error once the options are valid");
      assert.ok(/new var: ttl 1000, staleWhileRevalidate 0, staleIfError 60000, timeout 2000, cooldown 800$/.test(s.log[0] ?? ""), `log: ${s.log[0]}`);
      assert.deepEqual(s.stats, ZERO);
      assert.is(s.callers, 0, "the timeline was reset");
      assert.is(await page.textContent("#latency-out"), `${LATENCY} ms`);
    }],

    ["cold get(): one origin load; the caller is a miss", async () => {
      await page.click("#get");
      const s = await waitFor(page, finished(/get\(\) → 1 miss → v1$/, 1));
      assert.deepEqual(s.stats, { ...ZERO, misses: 1, loads: 1 });
      assert.deepEqual(s.kinds, { hit: 0, miss: 1, joined: 0, stale: 0, error: 0 });
      assert.deepEqual(s.loads, { running: 0, ok: 1, failed: 0, aborted: 0 });
      assert.is(s.state, "fresh");
      assert.ok(s.bands.loading >= 1 && s.bands.fresh >= 1, `bands ${JSON.stringify(s.bands)}`);
    }],

    ["burst of 50 on the expired value: one load, 49 callers joined it", async () => {
      // ttl 1000 and no staleWhileRevalidate: once stale, every get() waits for a reload.
      await waitFor(page, (s) => s.state === "stale");
      await page.fill("#burst-n", "50");
      await page.click("#burst");
      const s = await waitFor(page, finished(/burst ×50 → 1 miss · 49 joined → v2$/, 51));
      assert.ok(/burst ×50 → 1 miss · 49 joined → v2$/.test(s.log[0] ?? ""), `log: ${s.log[0]}`);
      assert.deepEqual(s.stats, { ...ZERO, misses: 51, loads: 2, coalesced: 49 });
      assert.deepEqual(s.kinds, { hit: 0, miss: 2, joined: 49, stale: 0, error: 0 });
      assert.deepEqual(s.loads, { running: 0, ok: 2, failed: 0, aborted: 0 });
      assert.ok(s.bands.stale >= 1, "a stale band was drawn");
    }],

    ["origin down with staleIfError: the failed reload serves the stale value", async () => {
      await page.click("#down");
      assert.is(await page.getAttribute("#down", "aria-pressed"), "true");
      await waitFor(page, (s) => s.state === "stale");
      await page.click("#get");
      const s = await waitFor(page, finished(/get\(\) → 1 stale → v2$/, 52));
      assert.ok(/get\(\) → 1 stale → v2$/.test(s.log[0] ?? ""), `log: ${s.log[0]}`);
      assert.deepEqual(s.stats, { ...ZERO, misses: 52, loads: 3, coalesced: 49, errors: 1, staleServed: 1 });
      assert.deepEqual(s.kinds, { hit: 0, miss: 2, joined: 49, stale: 1, error: 0 });
      assert.deepEqual(s.loads, { running: 0, ok: 2, failed: 1, aborted: 0 });
      assert.is(s.started, 3, "the stale caller is the one that started the failed load");
    }],

    ["unknown-kid flood of 20 under cooldown: one reload, 19 invalidate()s ignored", async () => {
      await page.click("#down");
      assert.is(await page.getAttribute("#down", "aria-pressed"), "false");
      await page.fill("#flood-n", "20");
      await page.click("#flood");
      // The origin is back but the var still backs off (no load succeeded since it failed): the
      // first get() waits for the reload its invalidate() asked for, the other 19 are served the
      // dropped value at once instead of waiting on the origin (docs/semantics.md, Backoff).
      const pattern = /unknown-kid flood ×20: invalidate\(\) dropped the value 1×, ignored 19×; get\(\)s → 1 miss · 19 stale → v4, v2$/;
      const s = await waitFor(page, finished(pattern, 72));
      assert.ok(pattern.test(s.log[0] ?? ""), `log: ${s.log[0]}`);
      assert.deepEqual(s.stats, { ...ZERO, misses: 72, loads: 4, coalesced: 49, errors: 1, staleServed: 20, cooldownSkips: 19 });
      assert.deepEqual(s.kinds, { hit: 0, miss: 3, joined: 49, stale: 20, error: 0 });
      assert.deepEqual(s.loads, { running: 0, ok: 3, failed: 1, aborted: 0 });
      assert.deepEqual(s.invalidations, { effective: 1, ignored: 19 });
      // Windows after the stores of v1 and v2 and after the flood's invalidate (merged with
      // the store of v4 250 ms later): stores are > ttl apart, so three separate shadings.
      assert.is(s.cooldowns, 3, "cooldown windows drawn");
      assert.is(s.state, "fresh");
      const later = await snapshot(page);
      assert.is(later.bands.empty + later.bands.loading + later.bands.fresh + later.bands.stale >= 7, true, `bands ${JSON.stringify(later.bands)}`);
    }],

    ["screenshot saved", async () => {
      await mkdir(join(ROOT, "tests/artifacts"), { recursive: true });
      await page.mouse.move(0, 0);
      await page.screenshot({ path: ARTIFACT, fullPage: true });
      if (process.env.UPDATE_SCREENSHOT === "1") await copyFile(ARTIFACT, README_SHOT);
    }],

    ["without cooldown the same flood reloads for every invalidate() (the control)", async () => {
      await setOptions(page, { ...OPTIONS, cooldown: "0" });
      await waitFor(page, (s) => /cooldown 0$/.test(s.log[0] ?? "") && s.callers === 0);
      await page.click("#get");
      await waitFor(page, finished(/get\(\) → 1 miss → v1$/, 1));
      await page.click("#flood");
      const s = await waitFor(page, finished(/unknown-kid flood ×20/, 21));
      assert.deepEqual(s.invalidations, { effective: 20, ignored: 0 });
      assert.is(s.stats.loads, 21, "one load per effective invalidate(), plus the first");
      assert.is(s.stats.cooldownSkips, 0);
      assert.is(s.cooldowns, 0, "no cooldown, no shading");
    }],
  ];
}

async function main() {
  const results = [];
  const consoleErrors = [];
  const requests = [];
  let server;
  let context;
  const profile = await mkdtemp(join(tmpdir(), "www-chromium-"));
  const bound = setTimeout(() => {
    console.error(`www: run exceeded ${RUN_BOUND_MS} ms`);
    server?.child.kill("SIGKILL");
    process.exit(1);
  }, RUN_BOUND_MS);
  try {
    server = await startServer();
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 860 },
      deviceScaleFactor: 1,
    });
    context.on("request", (r) => requests.push(r.url()));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));

    let broken = null;
    for (const [name, fn] of [
      ...steps(page, server.base),
      ["the console shows no errors", () => assert.deepEqual(consoleErrors, [])],
      ["no request left 127.0.0.1", () => {
        const outside = requests.filter((u) => !u.startsWith(server.base) && !u.startsWith("data:"));
        assert.deepEqual(outside, []);
        assert.ok(requests.some((u) => u.endsWith("/node_modules/simple-memory-cache/glue/wasm-inline.js")), "the page fetched the package's (inlined) wasm locally");
      }],
    ]) {
      const t = Date.now();
      if (broken !== null && !name.startsWith("the console") && !name.startsWith("no request")) {
        results.push({ name, ok: false, error: `not run: "${broken}" failed` });
        continue;
      }
      try {
        await fn();
        results.push({ name, ok: true, ms: Date.now() - t });
      } catch (e) {
        broken ??= name;
        results.push({ name, ok: false, ms: Date.now() - t, error: `${e.name}: ${e.message}` });
      }
    }
  } catch (e) {
    results.push({ name: "setup (server and browser)", ok: false, error: `${e.name}: ${e.message}` });
  } finally {
    await context?.close().catch(() => {});
    server?.child.kill("SIGTERM");
    await rm(profile, { recursive: true, force: true });
    clearTimeout(bound);
  }
  for (const r of results) console.log(r.ok ? `  ok   ${r.name} (${r.ms} ms)` : `  FAIL ${r.name}\n       ${r.error}`);
  const passed = results.filter((r) => r.ok).length;
  console.log(`www: ${passed} passed, ${results.length - passed} failed`);
  process.exitCode = results.length === passed ? 0 : 1;
}

await main();
