// What the adapter factories share: their options are read once and checked at the call — a
// bad one throws there, naming the factory and the option, and no adapter is kept for it — and
// the key each adapter is kept under tells every accepted option apart (`Infinity` from the
// default), so the same store and options give the same adapter (a var refuses to be looked up
// with another).

const MAX_TIMER_MS = 2 ** 31 - 1;
// The shared tier's default read bound (pkg/lib/shared-tier.js): omitted and 250 are one adapter.
const DEFAULT_READ_TIMEOUT_MS = 250;

// How a bad value is named in an error (as the package's own options say it; its lib/ is not
// shipped for subpaths to import: the bundle holds it).
function describe(v) {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" || typeof v === "function" ? `a${typeof v === "object" ? "n object" : " function"}` : String(v);
}

/**
 * The options given to factory `fn` (undefined, or a plain object whose own keys are among
 * `allowed`), each read once into a plain object, with `readTimeout` checked as a var checks
 * it: a number of ms > 0, at most 2^31 − 1 or Infinity. Throws a TypeError (a RangeError for a
 * too large readTimeout).
 */
export function adapterOptions(fn, options, allowed) {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TypeError(`${fn}: unknown option ${JSON.stringify(key)} (its options: ${allowed.join(", ")})`);
  }
  const read = {};
  for (const key of allowed) read[key] = options[key];
  const { readTimeout } = read;
  if (readTimeout !== undefined) {
    if (!(typeof readTimeout === "number" && readTimeout > 0)) {
      throw new TypeError(`${fn}: readTimeout must be a number of milliseconds > 0 (or Infinity), got ${describe(readTimeout)}`);
    }
    if (readTimeout > MAX_TIMER_MS && readTimeout !== Infinity) {
      throw new RangeError(`${fn}: readTimeout must be at most ${MAX_TIMER_MS} ms (or Infinity: no bound), got ${readTimeout}`);
    }
  }
  return read;
}

/** The part of an adapter's key its readTimeout gives: omitted and the default are one. */
export function readTimeoutKey(readTimeout) {
  return String(readTimeout ?? DEFAULT_READ_TIMEOUT_MS);
}
