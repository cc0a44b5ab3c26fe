// The shared second tier: a var's value also kept in a platform store that many isolates read
// (Workers KV, the Workers Cache API, Deno KV — adapters in ../shared/). Read-through on a cold
// load, write-behind after a fresh load, and nothing here can fail or stall a get(): every
// read is bounded and every error falls back to the loader.
//
// Entries are JSON text `{"t": storedAt, "v": value}`; `t` travels with the value so another
// isolate knows how old it is. Only entries still within the var's ttl are used, and only values
// that JSON gives back unchanged are written (./exact-json.js).

import { exactJson } from "./exact-json.js";
import { describe } from "./options.js";

/** How long a read may take before the load goes to the origin instead. */
export const DEFAULT_READ_TIMEOUT_MS = 250;

/**
 * How far ahead of the reader's clock an entry's store time may be. Isolates' clocks differ a
 * little (and workerd's only advances on I/O), so an entry within this counts from the reader's
 * now. One further ahead is refused: counted from now, it would be fresh again at every expiry
 * until the reader's clock caught up with it — for an entry stamped years ahead, forever.
 */
const MAX_CLOCK_SKEW_MS = 1000;

function bounded(promise, ms) {
  if (ms === Infinity) return promise;
  let timer;
  const expire = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`shared tier read took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, expire]).finally(() => clearTimeout(timer));
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
  #entryTtl = 0;
  // One console warning per var for each kind of trouble that may last (a value JSON cannot
  // carry, a write the store refuses: a key or value over its limits, a ttl it cannot take);
  // later ones are only counted. Failed reads are not logged: a slow read is expected now and then.
  #warnedValue = false;
  #warnedWrite = false;
  counts = { sharedHits: 0, sharedMisses: 0, sharedWrites: 0, sharedErrors: 0 };

  // `readTimeout`: the adapter's, as read once with the var's options (see mergeOptions).
  constructor(what, adapter, ttl, readTimeout = DEFAULT_READ_TIMEOUT_MS) {
    this.#what = what;
    this.#adapter = adapter;
    this.#ttl = ttl;
    this.#readTimeout = readTimeout;
  }

  /**
   * `{ value, at, ttl }` of a fresh shared entry, or undefined (missing, stale, slow or failing).
   * `ttl`: the freshness lifetime its writer stored it with (its load's `ctx.ttl`), else the var's.
   */
  async read(name, now) {
    let text;
    try {
      text = await this.#readText(name);
    } catch {
      this.counts.sharedErrors++;
      return undefined;
    }
    if (text == null) {
      this.counts.sharedMisses++;
      return undefined;
    }
    let entry;
    try {
      entry = typeof text === "string" ? JSON.parse(text) : undefined;
    } catch {
      entry = undefined;
    }
    // Not an entry, one without its value, or one from too far in the future: an error (the
    // origin's value then replaces it), never a miss that would hide it.
    if (entry === null || typeof entry !== "object" || !Number.isFinite(entry.t) || !Object.hasOwn(entry, "v") || entry.t > now + MAX_CLOCK_SKEW_MS) {
      this.counts.sharedErrors++;
      return undefined;
    }
    // An entry from a clock a little ahead of ours counts from our now, not from its future.
    const at = Math.min(entry.t, now);
    const ttl = typeof entry.l === "number" && entry.l >= 0 ? entry.l : this.#ttl;
    if (!(now < at + ttl)) {
      this.counts.sharedMisses++;
      return undefined;
    }
    this.counts.sharedHits++;
    // JSON.parse gives plain data, whose JSON.stringify text is the text exactJson() gives.
    this.#valueText = JSON.stringify(entry.v);
    this.#entryAt = at;
    this.#entryTtl = ttl;
    return { value: entry.v, at, ttl };
  }

  /**
   * Writes a freshly loaded value, fresh for `ttl` ms (its load's `ctx.ttl`), if it changed or
   * the entry there is no longer fresh; the write's promise, or undefined. `forced` (a load
   * after an invalidate()): an unchanged value is compared with the tier's entry first (one
   * bounded read), since another isolate may have written another value since this one last
   * saw it — and only the origin's answer counts now. A value with a ttl of 0 is not written:
   * its entry would be expired already.
   */
  write(name, value, now, ttl = this.#ttl, forced = false) {
    if (!(ttl > 0)) return undefined;
    let valueText;
    try {
      valueText = exactJson(value);
    } catch (error) {
      return this.#notWritten(error.message);
    }
    if (valueText === this.#valueText && now < this.#entryAt + this.#entryTtl) {
      if (!forced) return undefined;
      return this.#entryValueText(name).then((there) => (there === valueText ? undefined : this.#put(name, valueText, now, ttl)));
    }
    return this.#put(name, valueText, now, ttl);
  }

  // The adapter's text for `name`, read within readTimeout (rejects past it).
  #readText(name) {
    return bounded(Promise.resolve(this.#adapter.read(name)), this.#readTimeout);
  }

  // The text of the value in the tier's entry for `name` (a bounded read), or undefined.
  async #entryValueText(name) {
    try {
      const text = await this.#readText(name);
      const entry = typeof text === "string" ? JSON.parse(text) : undefined;
      return entry !== null && typeof entry === "object" && Object.hasOwn(entry, "v") ? JSON.stringify(entry.v) : undefined;
    } catch {
      return undefined;
    }
  }

  #put(name, valueText, now, ttl) {
    this.#valueText = valueText;
    this.#entryAt = now;
    this.#entryTtl = ttl;
    // `l`: a lifetime of its own (JSON has no Infinity: none is written, the var's applies).
    const own = ttl !== this.#ttl && Number.isFinite(ttl) ? `"l":${ttl},` : "";
    const text = `{"t":${now},${own}"v":${valueText}}`;
    return Promise.resolve()
      .then(() => this.#adapter.write(name, text, { ttl }))
      .then(
        () => {
          this.counts.sharedWrites++;
        },
        (error) => {
          this.counts.sharedErrors++;
          this.#valueText = undefined;
          if (!this.#warnedWrite) {
            this.#warnedWrite = true;
            // What the store threw may be hostile (a throwing getter, a revoked Proxy), and the
            // console inspects a warning's `cause` (Node's throws on a revoked Proxy): then the
            // warning goes without it. Nothing here may throw: no one handles this rejection.
            let why;
            try {
              why = error instanceof Error ? String(error.message) : describe(error);
            } catch {
              why = "an error";
            }
            const message = `${this.#what}: a write to the shared tier failed (${why}); the value is served and stays in this isolate's memory only. Later failures of this var are counted in stats().sharedErrors, not logged`;
            try {
              console.warn(new Error(message, { cause: error }));
            } catch {
              try {
                console.warn(new Error(message));
              } catch {
                // A console that throws: the count stands.
              }
            }
          }
        },
      );
  }

  // A value JSON would not give back: served and kept here, never written; one warning per var.
  #notWritten(why) {
    this.counts.sharedErrors++;
    if (!this.#warnedValue) {
      this.#warnedValue = true;
      try {
        console.warn(new TypeError(`${this.#what}: the value stays in this isolate's memory only and is not written to the shared tier: ${why}`));
      } catch {
        // A console that throws: the count stands.
      }
    }
    return undefined;
  }
}
