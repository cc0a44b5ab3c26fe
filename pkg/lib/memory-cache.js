// MemoryCache: a named registry of CachedVars sharing defaults and an optional size bound, and
// GLOBAL_CACHE, the module-level instance (created at import; its wasm machine only on first use).

import { Machine } from "../glue/simple_memory_cache.js";
import { CachedVar, createInCache, HitCounts } from "./cached-var.js";
import { DEFAULTS, describe, mergeOptions, rangeError, varLabel } from "./options.js";
import { ensureStack } from "./stack.js";

// Hits of a bounded cache are queued in JS and handed to the core in one call, before anything
// that reads or changes the least-recently-used order (and when this many have piled up).
const TOUCH_BATCH = 4096;

const KEYS = Object.keys(DEFAULTS);

function validate(merged, varDefaults) {
  ensureStack();
  const bounded = Machine.create(merged.maxEntries);
  if (bounded === undefined) throw rangeError("MemoryCache", 6 * 16 + 3, merged);
  bounded.free();
  const probe = Machine.create(Infinity);
  const d = varDefaults;
  const code = probe.add_var(d.storage !== null, d.ttl, d.staleWhileRevalidate, d.staleIfError, d.timeout, d.cooldown, d.retryInterval);
  probe.free();
  if (code < 0) throw rangeError("MemoryCache (a default for its vars)", -code, varDefaults);
}

export class MemoryCache {
  #vars = new Map();
  #byId = [];
  // Made with the first var (nothing at import but this object: GLOBAL_CACHE is built then).
  #machine = null;
  #counts = null;
  #touched = [];
  #maxEntries;

  constructor(defaults) {
    const merged = mergeOptions("MemoryCache", defaults, { ...DEFAULTS, maxEntries: Infinity }, true);
    const { maxEntries, ...varDefaults } = merged;
    // Validate the bound and the var defaults now, so a bad default fails here and not later.
    // (Not for GLOBAL_CACHE: it is built while the module loads, before the wasm is ready.)
    if (defaults !== undefined) validate(merged, varDefaults);
    this.#maxEntries = maxEntries;
    /** @internal */
    this.defaults = Object.freeze(varDefaults);
    /** @internal */
    this.bounded = maxEntries !== Infinity;
  }

  /** The var called `name`, created on first request. Same name, same instance. */
  memoryCachedVar(name, options) {
    let v = this.#vars.get(name);
    if (v !== undefined) {
      if (options !== undefined) this.#checkSame(v, options);
      return v;
    }
    ensureStack();
    this.#machine ??= Machine.create(this.#maxEntries);
    this.#counts ??= new HitCounts();
    v = createInCache(this, this.#machine, this.#counts, name, options);
    this.#vars.set(name, v);
    this.#byId.push(v);
    return v;
  }

  #checkSame(v, options) {
    const wanted = mergeOptions(varLabel(v.name), options, this.defaults);
    const differs = KEYS.filter((k) => !Object.is(wanted[k], v.options[k]));
    if (differs.length > 0) {
      throw new TypeError(
        `${varLabel(v.name)} already exists with other options (${differs.map((k) => `${k}: ${describe(v.options[k])}`).join(", ")}); pass the same options, or none, when looking it up again`,
      );
    }
  }

  /**
   * Calls `invalidate()` on every var of this cache (each under its own cooldown). A var that
   * throws (its clock or storage is broken) does not stop the others; its error is thrown after.
   */
  invalidateAll() {
    const errors = [];
    for (const v of this.#vars.values()) {
      try {
        v.invalidate();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `MemoryCache: invalidateAll(): ${errors.length} vars could not be invalidated`);
  }

  /** @internal A fast-path hit of var `id` (bounded caches). */
  _touch(id) {
    if (this.#touched.push(id) >= TOUCH_BATCH) {
      ensureStack();
      this._flushTouches();
    }
  }

  /** @internal Hands the queued hits to the core, oldest first. */
  _flushTouches() {
    if (this.#touched.length === 0) return;
    this.#machine.touch_all(this.#touched);
    this.#touched = [];
  }

  /** @internal Drops the values the core evicted to respect maxEntries. */
  _dropEvicted() {
    for (const id of this.#machine.take_evicted()) this.#byId[id]?._evicted();
  }
}

/** The module-level cache: the seed's GLOBAL_CACHE. */
export const GLOBAL_CACHE = new MemoryCache();
