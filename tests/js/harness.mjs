// A tiny test harness that runs unchanged in Node, Bun, Deno, workerd and a browser page.
// Written here rather than taken from a library because the same file must run inside a
// workerd fetch handler and a bare browser page, where node:test and node:assert do not exist,
// and because results must come back as plain data for each runner to print.

export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = "AssertionError";
  }
}

function show(v) {
  try {
    return typeof v === "string" ? JSON.stringify(v) : typeof v === "symbol" || typeof v === "bigint" ? String(v) : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export const assert = {
  ok(cond, message = "expected a truthy value") {
    if (!cond) throw new AssertionError(message);
  },
  is(actual, expected, message = "") {
    if (!Object.is(actual, expected)) throw new AssertionError(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
  },
  deepEqual(actual, expected, message = "") {
    if (show(actual) !== show(expected)) throw new AssertionError(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
  },
  throws(fn, check, message = "expected a throw") {
    let threw = false;
    try {
      fn();
    } catch (error) {
      threw = true;
      matchError(error, check);
    }
    if (!threw) throw new AssertionError(message);
  },
  async rejects(promiseOrFn, check, message = "expected a rejection") {
    let rejected = false;
    try {
      await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
    } catch (error) {
      rejected = true;
      matchError(error, check);
    }
    if (!rejected) throw new AssertionError(message);
  },
};

// `check`: an error constructor, a RegExp for the message, or { name, message: RegExp, is: error }.
function matchError(error, check) {
  if (check === undefined) return;
  if (typeof check === "function") {
    if (!(error instanceof check)) throw new AssertionError(`expected ${check.name}, got ${error?.name}: ${error?.message}`);
  } else if (check instanceof RegExp) {
    if (!check.test(String(error?.message))) throw new AssertionError(`expected message matching ${check}, got ${show(error?.message)}`);
  } else {
    if (check.is !== undefined && error !== check.is) throw new AssertionError(`expected the very same error object, got ${error?.name}: ${error?.message}`);
    if (check.type !== undefined && !(error instanceof check.type)) throw new AssertionError(`expected ${check.type.name}, got ${error?.name}: ${error?.message}`);
    if (check.name !== undefined && error?.name !== check.name) throw new AssertionError(`expected error name ${check.name}, got ${error?.name}: ${error?.message}`);
    if (check.message !== undefined && !check.message.test(String(error?.message))) {
      throw new AssertionError(`expected message matching ${check.message}, got ${show(error?.message)}`);
    }
  }
}

/** Collects tests; `run()` executes them in order, each under a time bound, and reports data. */
export function createSuite() {
  const tests = [];
  return {
    test(name, fn, { timeoutMs = 5000 } = {}) {
      tests.push({ name, fn, timeoutMs });
    },
    async run({ filter } = {}) {
      const results = [];
      for (const t of tests) {
        if (filter && !t.name.includes(filter)) continue;
        const started = Date.now();
        let timer;
        try {
          await Promise.race([
            t.fn(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new AssertionError(`timed out after ${t.timeoutMs} ms`)), t.timeoutMs);
            }),
          ]);
          results.push({ name: t.name, ok: true, ms: Date.now() - started });
        } catch (error) {
          results.push({ name: t.name, ok: false, ms: Date.now() - started, error: `${error?.name}: ${error?.message}` });
        } finally {
          clearTimeout(timer);
        }
      }
      const passed = results.filter((r) => r.ok).length;
      return { passed, failed: results.length - passed, results };
    },
  };
}

/** A clock tests move by hand. */
export function fakeClock(start = 1_000_000) {
  let now = start;
  const clock = () => now;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (t) => {
    now = t;
  };
  return clock;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A promise with its resolve/reject exposed (a loader the test settles by hand). */
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
