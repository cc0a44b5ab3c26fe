// What the shared-tier scripts have in common: a counting local origin, named steps that print
// `ok`/`FAIL` lines and the closing `<label>: N passed, N failed` line, and bounded polling.

export { startOrigin } from "../support/counting-origin.mjs";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** GETs `url` and parses its JSON, within `bound` ms. */
export async function getJson(url, bound = 10_000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(bound) });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

export function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** Polls `fn` until it returns a truthy value or `bound` ms pass; returns the last result. */
export async function until(fn, bound = 3000, every = 25) {
  const end = Date.now() + bound;
  for (;;) {
    const r = await fn();
    if (r || Date.now() >= end) return r;
    await sleep(every);
  }
}

/** Runs named steps in order; `finish()` prints the closing line and sets the exit code. */
export function steps(label) {
  let passed = 0;
  let failed = 0;
  return {
    async step(name, fn) {
      try {
        const detail = await fn();
        console.log(`ok   ${name}${detail ? `: ${detail}` : ""}`);
        passed++;
      } catch (error) {
        console.log(`FAIL ${name}: ${error.message}`);
        failed++;
      }
    },
    finish() {
      console.log(`${label}: ${passed} passed, ${failed} failed`);
      process.exitCode = failed > 0 ? 1 : 0;
    },
  };
}
