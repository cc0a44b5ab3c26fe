// The shared second tier: a var's value also kept in a platform store that many isolates read
// (Workers KV, the Workers Cache API, Deno KV — adapters in ../shared/). Read-through on a cold
// load, write-behind after a fresh load, and nothing here can fail or stall a get(): every
// read is bounded and every error falls back to the loader.
//
// Entries are JSON text `{"t": storedAt, "v": value}`; `t` travels with the value so another
// isolate knows how old it is. Only entries still within the var's ttl are used.

import { describe } from "./options.js";

/** How long a read may take before the load goes to the origin instead. */
export const DEFAULT_READ_TIMEOUT_MS = 250;

function bounded(promise, ms) {
  let timer;
  const expire = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`shared tier read took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, expire]).finally(() => clearTimeout(timer));
}

// A JSON.stringify replacer that refuses what JSON would silently change (a Map becomes {}, a
// Date a string, NaN null): another isolate must get the very value this one loaded.
function plainData(key, value) {
  const raw = this[key];
  if (typeof raw === "number" && !Number.isFinite(raw)) throw new TypeError(`${raw} would become null`);
  if (typeof raw === "object" && raw !== null) {
    const proto = Object.getPrototypeOf(raw);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
      throw new TypeError(`a ${raw.constructor?.name ?? "non-plain object"} would not survive JSON`);
    }
  }
  return value;
}

export class SharedTier {
  #what;
  #adapter;
  #ttl;
  #readTimeout;
  // The value text and store time of the entry last read from or written to the tier. A fresh
  // load is written when its value differs, or when that entry is no longer fresh: otherwise an
  // unchanged value would leave only an expired entry there, and every isolate would go to the
  // origin once per ttl.
  #valueText;
  #entryAt = -Infinity;
  #warned = false;
  counts = { sharedHits: 0, sharedMisses: 0, sharedWrites: 0, sharedErrors: 0 };

  // `readTimeout`: the adapter's, as read once with the var's options (see mergeOptions).
  constructor(what, adapter, ttl, readTimeout = DEFAULT_READ_TIMEOUT_MS) {
    this.#what = what;
    this.#adapter = adapter;
    this.#ttl = ttl;
    this.#readTimeout = readTimeout;
  }

  /** `{ value, at }` of a fresh shared entry, or undefined (missing, stale, slow or failing). */
  async read(name, now) {
    let text;
    try {
      text = await bounded(Promise.resolve(this.#adapter.read(name)), this.#readTimeout);
    } catch {
      this.counts.sharedErrors++;
      return undefined;
    }
    let entry;
    try {
      entry = typeof text === "string" ? JSON.parse(text) : undefined;
    } catch {
      entry = undefined;
    }
    if (entry === null || typeof entry !== "object" || typeof entry.t !== "number" || !("v" in entry) || !(now < entry.t + this.#ttl)) {
      if (text != null && (entry === undefined || typeof entry?.t !== "number")) this.counts.sharedErrors++;
      else this.counts.sharedMisses++;
      return undefined;
    }
    this.counts.sharedHits++;
    this.#valueText = JSON.stringify(entry.v);
    // An entry from a clock ahead of ours counts from now, not from its future.
    const at = Math.min(entry.t, now);
    this.#entryAt = at;
    return { value: entry.v, at };
  }

  /** Writes a freshly loaded value if it changed; the write's promise, or undefined. */
  write(name, value, now) {
    let valueText;
    try {
      valueText = JSON.stringify(value, plainData);
    } catch (error) {
      return this.#unserialisable(error.message);
    }
    if (typeof valueText !== "string") return this.#unserialisable(`JSON.stringify gives nothing for ${describe(value)}`);
    if (valueText === this.#valueText && now < this.#entryAt + this.#ttl) return undefined;
    this.#valueText = valueText;
    this.#entryAt = now;
    const text = `{"t":${now},"v":${valueText}}`;
    const ttl = this.#ttl;
    return Promise.resolve()
      .then(() => this.#adapter.write(name, text, { ttl }))
      .then(
        () => {
          this.counts.sharedWrites++;
        },
        () => {
          this.counts.sharedErrors++;
          this.#valueText = undefined;
        },
      );
  }

  #unserialisable(why) {
    this.counts.sharedErrors++;
    if (!this.#warned) {
      this.#warned = true;
      console.warn(new TypeError(`${this.#what}: the value is not JSON-serialisable (${why}); it stays in this isolate's memory only and is not written to the shared tier`));
    }
    return undefined;
  }
}
