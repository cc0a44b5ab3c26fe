// MemoryCache: a named registry of CachedVars sharing defaults and an optional size bound — used
// through its vars (memoryCachedVar) or by name (get, peek, set, invalidate, delete, has, size,
// stats) — and GLOBAL_CACHE, the module-level instance (created at import; its wasm machine
// only on first use).
//
// Memory is bounded by the names, not just the values: the core forgets a name that holds
// nothing and runs nothing — in a bounded cache once its value was evicted, its load failed or it
// never loaded (a refused get(), a var looked up and left), in any cache once delete()d; a
// forgotten name starts afresh (its cooldown window ends with it) — and reuses its slot for the
// next new name. This file then drops
// the name's var: a var no user holds is garbage; one memoryCachedVar() handed out is kept
// weakly, so while a user holds it, it stays the one var of its name (it takes a new slot when
// next used, see CachedVar#_detach), and once they drop it, nothing of the name is left.

import { createMachine } from "./machine.js";
import { addStats, CachedVar, createInCache, zeroStats } from "./cached-var.js";
import { DEFAULTS, describe, mergeOptions, rangeError, varLabel } from "./options.js";
import { ensureStack } from "./stack.js";

// Hits of a bounded cache are queued in JS and handed to the core in one call, before anything
// that reads or changes the least-recently-used order (and when this many have piled up).
const TOUCH_BATCH = 4096;

// How many forgotten names a cache remembers as invalidated (or deleted) with a shared tier, so
// that their next load still skips the tier (its entry may be what was found wrong). Beyond it
// the oldest is let go (its next load may then read the tier): the names' memory stays bounded.
const SKIP_TIER_NAMES = 10_000;

const KEYS = Object.keys(DEFAULTS);

function validate(merged, varDefaults) {
  ensureStack();
  const bounded = createMachine(merged.maxEntries);
  if (bounded === undefined) throw rangeError("MemoryCache", 6 * 16 + 3, merged);
  bounded.free();
  const probe = createMachine(Infinity);
  const d = varDefaults;
  const code = probe.add_var(d.storage !== null, d.ttl, d.staleWhileRevalidate, d.staleIfError, d.timeout, d.cooldown, d.retryInterval);
  probe.free();
  if (code < 0) throw rangeError("MemoryCache (a default for its vars)", -code, varDefaults);
}

function checkName(method, name) {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`MemoryCache ${method}(name): name must be a non-empty string, got ${describe(name)}`);
  }
}

export class MemoryCache {
  // The vars whose names the core holds, by name and by slot.
  #vars = new Map();
  #byId = [];
  // Unbounded caches: name → the stored value's resolved promise, for the names whose value never
  // expires and whose var no user holds (kept by each var as its `#forever` changes:
  // CachedVar#setForever), and the keyed hits served from here. A keyed warm hit then reads one
  // Map entry and nothing of the var: over 10,000 names, as fast as a hand-written memo, where
  // reading the var cost 1.3-1.6x and a slot held here plus arrays by slot 1.10-1.22x (one more
  // random read per hit; Bun's lru-cache is only 1.6x the memo). No per-name counter: a held var
  // is never indexed, so its stats() see every hit (CachedVar#_handOut).
  #index = new Map();
  #indexHits = 0;
  // Vars handed out by memoryCachedVar() whose names were forgotten, held weakly (null: none),
  // and the registry that removes an entry once its var is collected.
  #detached = null;
  #finalizer = null;
  // Counters of the slots of forgotten names.
  #retired = null;
  // Made with the first var (nothing at import but this object: GLOBAL_CACHE is built then).
  #machine = null;
  #touched = [];
  // Names forgotten while their next load was to skip the shared tier (oldest first; null: none).
  #skipTier = null;
  #maxEntries;
  #loader;
  // The var options every var starts from (frozen).
  #defaults;

  /**
   * `options`: `maxEntries` (values held at once; default Infinity), `onFirstAccess` (the loader
   * of every var without one of its own), and defaults for every var option.
   */
  constructor(options) {
    const merged = mergeOptions("MemoryCache", options, { ...DEFAULTS, maxEntries: Infinity, onFirstAccess: null }, true);
    const { maxEntries, onFirstAccess, ...varDefaults } = merged;
    // Validate the bound and the var defaults now, so a bad default fails here and not later.
    // (Not for GLOBAL_CACHE: it is built while the module loads, before the wasm is ready.)
    if (options !== undefined) validate(merged, varDefaults);
    this.#maxEntries = maxEntries;
    this.#loader = onFirstAccess;
    this.#defaults = Object.freeze(varDefaults);
  }

  /** The var called `name`, created on first request. Same name, same instance. */
  memoryCachedVar(name, options) {
    let v = this.#vars.get(name);
    if (v === undefined) {
      v = this.#detached?.get(name)?.deref();
      if (v !== undefined) this._reattach(v);
    }
    if (v !== undefined) {
      if (options !== undefined) {
        this.#checkSame(v, options);
        // An option getter (user code) may have deleted the name, so that the cache forgot
        // this var: hand out the name's one var — this one taking a slot again, or a newer one.
        if (v._id < 0) v = this._reattach(v);
      }
      v._handOut(true);
    } else {
      v = this.#create(name, options);
      v._handOut(false);
    }
    return v;
  }

  // A new var for `name` (no var of that name is attached or held).
  #create(name, options) {
    ensureStack();
    this.#machine ??= createMachine(this.#maxEntries);
    this.#reclaim();
    const v = createInCache(this, this.#machine, name, options, this.#loader, this.#defaults, this.#maxEntries !== Infinity);
    if (this.#skipTier?.delete(name)) v._skipTier();
    // An option getter (user code) that made a var of this very name meanwhile: two vars cannot
    // share a name, so the new one gives its slot back and the call fails, losing nothing.
    if (this.#vars.has(name) || this.#detached?.get(name)?.deref() !== undefined) {
      v._delete();
      this.#reclaim();
      throw new TypeError(`MemoryCache memoryCachedVar(${JSON.stringify(name)}, options): reading the options made a var of the same name meanwhile (an option getter called into the cache); pass options that are plain values`);
    }
    this.#vars.set(name, v);
    this.#byId[v._id] = v;
    return v;
  }

  // The var of `name` for a by-name call that needs one: attached, re-attached, or new.
  #entry(method, name) {
    const v = this.#vars.get(name);
    if (v !== undefined) return v;
    checkName(method, name);
    const held = this.#detached?.get(name)?.deref();
    if (held === undefined) return this.#create(name, undefined);
    this._reattach(held);
    return held;
  }

  /**
   * `get(name, { waitUntil, signal })`: the value of `name`, as its var's `get()` resolves it
   * (loaded by the cache's `onFirstAccess` unless the var has its own loader). Never throws: a
   * name that is not a non-empty string is a rejected TypeError.
   */
  get(name, options) {
    try {
      // (A cache whose values all expire indexes none: its hits skip the lookup.)
      if (options === undefined && this.#index.size !== 0) {
        const hit = this.#index.get(name);
        if (hit !== undefined) {
          this.#indexHits++;
          return hit;
        }
      }
      const v = this.#vars.get(name);
      if (v !== undefined) return v.get(options);
      // (#entry made or re-attached the var, and checked the stack doing so.)
      return this.#entry("get", name)._getChecked(options);
    } catch (error) {
      if (!(this instanceof MemoryCache)) {
        return Promise.reject(new TypeError(`MemoryCache get() was called on ${describe(this)}, not on a MemoryCache: call it as cache.get(name), or pass (name) => cache.get(name) where a callback is wanted`));
      }
      return Promise.reject(error);
    }
  }

  /** The value stored for `name`, fresh or stale, or undefined. Never loads; counts nothing. */
  peek(name) {
    return this.#var(name)?.peek();
  }

  /** Stores `value` for `name` as if loaded now (see CachedVar#set). Returns the cache. */
  set(name, value) {
    this.#entry("set", name).set(value);
    return this;
  }

  /** `invalidate()` of `name`'s var: `true` if it took effect (a known name, not in cooldown). */
  invalidate(name) {
    // (A held var of a forgotten name too: its invalidate() starts its cooldown window.)
    const v = this.#var(name);
    if (v === undefined) this.#unknownSkipsTier(name);
    return v?.invalidate() ?? false;
  }

  /**
   * Forgets `name`: its value, stale-if-error fallback, backoff and cooldown; loads running for
   * it can no longer store (their callers still get their outcome), and the next `get(name)`
   * loads afresh from the origin. Its memory is given back once those loads have ended. Returns
   * whether a value was stored.
   */
  delete(name) {
    ensureStack();
    // (A held var of a forgotten name too: it holds nothing, but its next load skips the tier.)
    const v = this.#var(name);
    if (v === undefined) {
      this.#unknownSkipsTier(name);
      return false;
    }
    const had = v._delete();
    this.#reclaim();
    return had;
  }

  /** Whether a value is stored for `name`, fresh or stale. */
  has(name) {
    return this.#var(name)?._has() ?? false;
  }

  // The var of `name` if the cache has one — attached, or a held var of a forgotten name (whose
  // custom storage may still hold a value).
  #var(name) {
    return this.#vars.get(name) ?? this.#detached?.get(name)?.deref();
  }

  /** How many names have a value stored in memory, fresh or stale (O(names)). */
  get size() {
    if (this.#machine === null) return 0;
    ensureStack();
    this._flushTouches();
    return this.#machine.stored_count();
  }

  /**
   * Counters summed over every var this cache ever had (forgotten names included), with the keyed
   * hits the cache served itself. O(names).
   */
  stats() {
    ensureStack();
    let total = this.#retired ?? zeroStats();
    for (const v of this.#vars.values()) total = addStats(total, v._slotCounts());
    return { ...total, hits: total.hits + this.#indexHits };
  }

  // Each option given must match the var's; one left out (or undefined) is not compared, so `{}`
  // is no options, as in the constructors.
  #checkSame(v, options) {
    const wanted = mergeOptions(varLabel(v.name), options, v.options);
    // (=== for numbers: 0 and -0 are the same duration; NaN never gets this far.)
    const differs = KEYS.filter((k) => wanted[k] !== v.options[k]);
    if (differs.length > 0) {
      // Its value and the one given ("an object, given another object": not the same adapter).
      const clash = (k) => {
        const [has, given] = [describe(v.options[k]), describe(wanted[k])];
        return `${k}: ${has}, given ${given === has ? given.replace(/^an? /, "another ") : given}`;
      };
      throw new TypeError(
        `${varLabel(v.name)} already exists with other options (${differs.map(clash).join("; ")}); pass the same options, or none, when looking it up again`,
      );
    }
  }

  /**
   * Calls `invalidate()` on every var of this cache (each under its own cooldown), and on every
   * var memoryCachedVar() handed out that is still held. A var that
   * throws (its clock or storage is broken) does not stop the others; its error is thrown after.
   */
  invalidateAll() {
    // With too little stack left, one RangeError before any var is touched, not an
    // AggregateError of each var's own.
    ensureStack(true);
    const errors = [];
    // Handed-out vars whose names were forgotten too: an invalidate() starts their cooldown
    // window and sends their next load to the origin, as for any other var.
    const held = [];
    for (const ref of this.#detached?.values() ?? []) {
      const v = ref.deref();
      if (v !== undefined) held.push(v);
    }
    for (const v of [...this.#vars.values(), ...held]) {
      try {
        v.invalidate();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `MemoryCache: invalidateAll(): ${errors.length} vars could not be invalidated`);
  }

  // Drops the vars of the names the core forgot; their slots go to the next new names.
  #reclaim() {
    if (this.#machine === null) return;
    // Queued hits name slots: handed over before a slot can change hands.
    this._flushTouches();
    for (;;) {
      const id = this.#machine.next_forgettable();
      if (id < 0 || !this.#machine.forget(id)) break;
      const v = this.#byId[id];
      if (v === undefined) continue;
      this.#byId[id] = undefined;
      this.#vars.delete(v.name);
      this.#retired = addStats(this.#retired ?? zeroStats(), v._detach());
      if (v._handedOut) this.#hold(v);
      else if (v._skipsTier) this.#rememberSkipTier(v.name);
    }
  }

  // invalidate(name) or delete(name) of a name the cache holds nothing of (never used, or
  // forgotten): with a shared tier by default, its next load still skips the tier, whose entry
  // may be exactly what was found wrong.
  #unknownSkipsTier(name) {
    if (this.#defaults.shared !== null && typeof name === "string" && name !== "") this.#rememberSkipTier(name);
  }

  // A var no one holds is forgotten while its next load was to skip the shared tier (after an
  // invalidate() or delete()): the next var of its name does too.
  #rememberSkipTier(name) {
    this.#skipTier ??= new Set();
    this.#skipTier.delete(name);
    this.#skipTier.add(name);
    if (this.#skipTier.size > SKIP_TIER_NAMES) this.#skipTier.delete(this.#skipTier.values().next().value);
  }

  // Keeps a weak reference to a handed-out var whose name was forgotten. Where the runtime has
  // no weak references (workerd before its `enable_weak_ref` compatibility date, 2025-05-05),
  // a strong one: the var object stays (a few hundred bytes, no core slot) — the price of never
  // having two vars for one name.
  #hold(v) {
    this.#detached ??= new Map();
    if (typeof WeakRef !== "function" || typeof FinalizationRegistry !== "function") {
      this.#detached.set(v.name, { deref: () => v });
      return;
    }
    this.#finalizer ??= this.#newFinalizer();
    this.#detached.set(v.name, new WeakRef(v));
    this.#finalizer.register(v, v.name);
  }

  // Made apart from #hold: a callback made there shares its scope's context, `v` included (the
  // `() => v` above), and the registry kept the first var it saw alive for good.
  #newFinalizer() {
    return new FinalizationRegistry((name) => {
      if (this.#detached?.get(name)?.deref() === undefined) this.#detached?.delete(name);
    });
  }

  /**
   * @internal A detached var `v` is used again: it takes a slot and its name back, and is
   * returned — unless a newer var of its name is attached (see CachedVar#attached), returned
   * instead.
   */
  _reattach(v) {
    ensureStack();
    const current = this.#vars.get(v.name);
    if (current !== undefined && current !== v) return current;
    this.#reclaim();
    const id = v._attach(this.#machine);
    this.#vars.set(v.name, v);
    this.#byId[id] = v;
    this.#detached?.delete(v.name);
    return v;
  }

  /** @internal Var `name`, held by no user, now holds a value that never expires; `hit` is its promise. */
  _index(name, hit) {
    this.#index.set(name, hit);
  }

  /** @internal Var `name` no longer holds that value, or was handed out. */
  _unindex(name) {
    this.#index.delete(name);
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

  /** @internal Drops the values the core evicted to respect maxEntries, then the names it forgot. */
  _dropEvicted() {
    for (const id of this.#machine.take_evicted()) this.#byId[id]?._evicted();
    this.#reclaim();
  }
}

/** The module-level cache: the seed's GLOBAL_CACHE. */
export const GLOBAL_CACHE = new MemoryCache();
