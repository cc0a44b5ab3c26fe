// Validation of the options users pass, with errors that name the var and the option.
// Types are checked here; ranges are checked by the Rust core (`core::options`), whose error
// codes are turned into messages by `rangeError`.

const DURATIONS = ["ttl", "staleWhileRevalidate", "staleIfError", "timeout", "cooldown", "retryInterval"];
const VAR_OPTIONS = new Set(["storage", "shared", "clock", "onError", ...DURATIONS]);
const CACHE_OPTIONS = new Set([...VAR_OPTIONS, "maxEntries", "onFirstAccess"]);

// Option names by the core's `OptionName` codes; rules by its `Problem` codes.
const CODE_OPTIONS = [undefined, "ttl", "staleWhileRevalidate", "staleIfError", "timeout", "cooldown", "maxEntries", "retryInterval"];
const CODE_RULES = [
  undefined,
  "must be a number of milliseconds >= 0 (or Infinity)",
  "must be a number of milliseconds > 0 (or Infinity)",
  "must be a whole number from 1 to 4294967295 (or Infinity)",
  "cannot be combined with custom storage: the storage owns the value and its lifetime (of the timing options, only timeout applies)",
];

// The default clock's state: the last reading, and how far the wall clock has stepped back in
// all (one clock for every var of the module, so all of them measure the same elapsed time).
// Fields of a constant object, not module-level `let`s: those are checked for their temporal dead
// zone on every access, which cost ~8 ns on every warm hit with a ttl (Node 20).
const steady = { last: -Infinity, back: 0 };
// How far behind its last reading the wall clock must go to count as a step (absorbed) rather
// than jitter (waited out: at most this much freshness can be gained from it).
const STEP_MS = 1000;

/**
 * The default clock: `Date.now()` made steady. When the wall clock steps back (NTP, a resumed VM)
 * by more than STEP_MS the step is absorbed — the clock carries on from its last reading — so it
 * never runs backwards and no step can stretch a value's freshness by more than STEP_MS or make
 * the windows disagree; a step forward can only make values expire early. Not `performance.now()`: it costs twice a
 * `Date.now()` in Deno (~90 vs ~47 ns here), on every warm hit of a var with a ttl.
 */
export function steadyNow() {
  const t = Date.now() + steady.back;
  if (t >= steady.last) {
    steady.last = t;
    return t;
  }
  // Behind the last reading by up to STEP_MS: jitter, waited out without an offset (workerd
  // times a timer callback at its scheduled time, a few ms behind readings already seen:
  // absorbing those made the clock run ahead on a busy isolate). Beyond: a step, absorbed.
  if (steady.last - t > STEP_MS) steady.back += steady.last - t;
  return steady.last;
}

/** Default values of every var option. */
export const DEFAULTS = Object.freeze({
  storage: null,
  shared: null,
  clock: steadyNow,
  ttl: Infinity,
  staleWhileRevalidate: 0,
  staleIfError: 0,
  timeout: Infinity,
  cooldown: 0,
  // The core's DEFAULT_RETRY_INTERVAL_MS (src/core/options.rs), which says why 5 s.
  retryInterval: 5_000,
  onError: null,
});

function describe(v) {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "function") return "a function";
  if (v === null) return "null";
  if (typeof v === "object") return isArray(v) === null ? "a revoked Proxy" : isArray(v) ? "an array" : "an object";
  if (typeof v === "symbol" || typeof v === "bigint") return `a ${typeof v}`;
  return String(v);
}

export { describe };

// Array.isArray, or null for a revoked Proxy (on which it throws).
function isArray(v) {
  try {
    return Array.isArray(v);
  } catch {
    return null;
  }
}

// setTimeout fires at once for delays over 2^31 - 1 ms, in every runtime.
const MAX_TIMEOUT = 2 ** 31 - 1;

// A delay no timer can wait (runtimes fire longer ones at once) is a RangeError; Infinity means none.
function checkTimerDelay(option, v) {
  if (v > MAX_TIMEOUT && v !== Infinity) {
    throw new RangeError(`${option} must be at most ${MAX_TIMEOUT} ms (about 24.8 days: runtimes fire longer timers at once) or Infinity (got ${v})`);
  }
}

/**
 * Checks an options object's shape and types and merges it over `base`.
 * `what` names the owner in messages, e.g. `CachedVar "jwks"` or `MemoryCache`.
 *
 * Options are read as WebIDL reads a dictionary (fetch's `RequestInit`) and lru-cache reads its
 * options: `given[name]` once for each known name, so an option inherited through a prototype or
 * served by a getter counts, and a getter is asked once. Typos are looked for among the object's
 * own enumerable keys only, the ones a reader of the call site sees.
 * A shared adapter's `readTimeout` is read here too, once, into `sharedReadTimeout`.
 */
export function mergeOptions(what, given, base, forCache = false) {
  if (given === undefined) return { ...base };
  if (given === null || typeof given !== "object" || isArray(given) !== false) {
    throw new TypeError(`${what}: options must be an object, got ${describe(given)}`);
  }
  const allowed = forCache ? CACHE_OPTIONS : VAR_OPTIONS;
  for (const key of Object.keys(given)) {
    if (!allowed.has(key)) {
      throw new TypeError(`${what}: unknown option ${JSON.stringify(key)} (known: ${[...allowed].join(", ")})`);
    }
  }
  const out = { ...base };
  for (const key of allowed) {
    const v = given[key];
    if (v === undefined) continue;
    if (key === "storage") {
      if (v !== null && (typeof v !== "object" || typeof v.get !== "function" || typeof v.set !== "function")) {
        throw new TypeError(`${what}: option storage must be an object with get(name) and set(name, value) methods, got ${describe(v)}`);
      }
    } else if (key === "shared") {
      if (v !== null && (typeof v !== "object" || typeof v.read !== "function" || typeof v.write !== "function")) {
        // A store itself rather than its adapter (a KV binding, a Cache, a Deno.Kv): say which factory makes one.
        const hint = typeof v === "object" && (typeof v.put === "function" || typeof v.set === "function") ? " (a store itself? wrap it: workersKv(env.KV), workersCache(caches.default) or denoKv(kv))" : "";
        throw new TypeError(`${what}: option shared must be an adapter with read(name) and write(name, text, { ttl }) methods, got ${describe(v)}${hint}`);
      }
      const readTimeout = v === null ? undefined : v.readTimeout;
      if (readTimeout !== undefined && !(typeof readTimeout === "number" && readTimeout > 0)) {
        throw new TypeError(`${what}: option shared: readTimeout must be a number of milliseconds > 0, got ${describe(readTimeout)}`);
      }
      checkTimerDelay(`${what}: option shared: readTimeout`, readTimeout);
      out.sharedReadTimeout = readTimeout;
    } else if (key === "clock") {
      if (typeof v !== "function") throw new TypeError(`${what}: option clock must be a function returning milliseconds, got ${describe(v)}`);
    } else if (key === "onFirstAccess") {
      if (v !== null && typeof v !== "function") throw new TypeError(`${what}: option onFirstAccess must be a loader function (ctx) => value, got ${describe(v)}`);
    } else if (key === "onError") {
      if (v !== null && typeof v !== "function") throw new TypeError(`${what}: option onError must be a function (error, { name, background, timedOut }), got ${describe(v)}`);
    } else if (typeof v !== "number") {
      throw new TypeError(`${what}: option ${key} must be a number, got ${describe(v)}`);
    } else if (key === "timeout") {
      checkTimerDelay(`${what}: option timeout`, v);
    }
    out[key] = v;
  }
  return out;
}

/** The error for a core validation code (`option * 16 + problem`). */
export function rangeError(what, code, options, base = DEFAULTS) {
  const option = CODE_OPTIONS[Math.floor(code / 16)] ?? "?";
  const rule = CODE_RULES[code % 16] ?? "is invalid";
  const got = option in options ? ` (got ${describe(options[option])})` : "";
  // A var's value that is its cache's default for its vars (`base`): say so, and how to override it.
  const inherited = base !== DEFAULTS && option in base && Object.is(options[option], base[option]) && option in DEFAULTS ? `; ${describe(base[option])} is also its MemoryCache's default for its vars: such a var must pass ${option}: ${describe(DEFAULTS[option])}` : "";
  const Ctor = code % 16 === 4 ? TypeError : RangeError;
  return new Ctor(`${what}: option ${option} ${rule}${got}${inherited}`);
}

/** How messages name the var called `name`. */
export function varLabel(name) {
  return `CachedVar ${JSON.stringify(name)}`;
}

/**
 * Reads the clock of the var called `name`, which must return a finite number (the var's label
 * is built only for the error: this runs on every clock read outside the warm-hit fast path).
 */
export function readClock(clock, name) {
  const now = clock();
  if (typeof now !== "number" || !Number.isFinite(now)) {
    throw new TypeError(`${varLabel(name)}: option clock must return a finite number of milliseconds, got ${describe(now)}`);
  }
  return now;
}

