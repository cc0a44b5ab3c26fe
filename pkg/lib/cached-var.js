// CachedVar: the JS side of one cached variable. It holds the value, the promises and the
// loader; every decision other than "this stored value is still fresh" is made by the Rust core
// (`Machine`), which JS consults with plain numbers. A warm hit never leaves this file: it is a
// field read, optionally a clock read, and a cached resolved promise.

import { Machine } from "../glue/simple_memory_cache.js";
import { describe, mergeOptions, rangeError, readClock, varLabel, DEFAULTS } from "./options.js";
import { platform } from "./platform.js";
import { SharedTier } from "./shared-tier.js";
import { ensureStack } from "./stack.js";

/** What custom storage returns when it holds nothing, and what `invalidate()` stores there. */
export const NO_VALUE_STORED = Symbol.for("simple-memory-cache.NO_VALUE_STORED");

/** Thrown by `getStoredValue()` when nothing is stored. */
export class NoStoredValue extends Error {
  constructor(message) {
    super(message);
    this.name = "NoStoredValue";
  }
}

// Decision kinds packed by the wasm adapter as `load * 8 + kind` (src/wasm.rs).
const HIT = 0;
const STALE = 1;
const STALE_REVALIDATE = 2;
const JOIN = 3;
const START = 4;

const STATES = ["empty", "loading", "fresh", "stale"];
const noop = () => {};

// On workerd, how long a caller waits on another request's load when the var has no timeout.
export const JOIN_BOUND_MS = 10_000;

// Set by MemoryCache while it constructs one of its vars.
let owner = null;

/**
 * @internal The warm-hit counts of the vars of one machine, indexed by var id. A hit increments
 * an entry of this compact array rather than a field of its var: hits spread over many vars then
 * dirty a few cache lines instead of one per var (in Node 20, over 10,000 vars, a counter field
 * in each var put a warm hit at 1.24-1.51x the memo across processes, this array at 1.26-1.35x).
 */
export class HitCounts {
  hits = new Float64Array(1);

  /** Makes room for var `id`. */
  reserve(id) {
    if (id < this.hits.length) return;
    const grown = new Float64Array(Math.max(id + 1, this.hits.length * 2));
    grown.set(this.hits);
    this.hits = grown;
  }
}

/** @internal Constructs a var belonging to `cache` (see MemoryCache#memoryCachedVar). */
export function createInCache(cache, machine, counts, name, options) {
  owner = { cache, machine, counts };
  try {
    return new CachedVar(name, options);
  } finally {
    owner = null;
  }
}

function checkName(name) {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`CachedVar name must be a non-empty string, got ${describe(name)}`);
  }
}

// A clock reading is compared only if it is a number: anything else takes the slow path, whose
// readClock() names the problem (here a Symbol would throw a bare "Cannot convert", a BigInt
// would compare).
function before(now, until) {
  return typeof now === "number" && now < until;
}

function unpack(d) {
  const kind = d % 8;
  return [kind, (d - kind) / 8];
}

export class CachedVar {
  // The warm-hit path first: fields are laid out in declaration order, so a hit over many vars
  // reads one or two cache lines of the var. `#forever` is the stored value's resolved promise
  // while that value never expires (no ttl), no transform is set and storage is memory (else
  // null): such a hit reads no boxed number (`#freshUntil` is a heap number in V8).
  #forever = null;
  #counts;
  #id;
  #bounded;
  #transform = null;
  #storage;
  // The stored value (memory storage), its resolved promise (null: nothing stored) and until
  // when it is fresh.
  #hit = null;
  #freshUntil = -Infinity;
  #clock;
  #value = undefined;
  #machine;
  #cache;
  #options;
  #tier;
  // Set by an effective invalidate(): the next load goes to the origin, not the shared tier.
  #forced = false;
  #loader = null;
  // The value the last effective invalidate() dropped: the stale-if-error answer and the
  // loader's `previous` until a new value is stored (the core decides when it may serve).
  #dropped = undefined;
  // The load the core last told a get() on this empty var to join (or start): while nothing it
  // weighs has changed — no value stored, no invalidate()/set(), that load still running and not
  // abandoned — its answer to the next such get() is the same, so JS reuses it without crossing
  // into wasm (a stampede's joiners cost what a memo's do). Cleared on every such change.
  #joinable = null;
  #fastJoins = 0;
  // Running loads by id, or null while none runs (most vars, most of the time: an empty Map
  // costs ~200 B per var).
  #loads = null;
  #starting = false;

  constructor(name, options) {
    checkName(name);
    const what = varLabel(name);
    const base = owner === null ? DEFAULTS : owner.cache.defaults;
    const opts = mergeOptions(what, options, base);
    // A standalone var gets a machine of its own, freed with the var (wasm-bindgen's
    // finalizer), so vars created and dropped at run time leak nothing in wasm memory.
    ensureStack();
    const machine = owner?.machine ?? Machine.create(Infinity);
    if (opts.storage !== null && opts.shared !== null) {
      throw new TypeError(`${what}: options storage and shared cannot be combined: custom storage keeps the value per caller, the shared tier across isolates`);
    }
    const id = machine.add_var(opts.storage !== null, opts.ttl, opts.staleWhileRevalidate, opts.staleIfError, opts.timeout, opts.cooldown);
    if (id < 0) throw rangeError(what, -id, opts);
    const counts = owner?.counts ?? new HitCounts();
    counts.reserve(id);
    Object.defineProperty(this, "name", { value: name, enumerable: true });
    this.#machine = machine;
    this.#id = id;
    this.#counts = counts;
    this.#cache = owner?.cache ?? null;
    this.#bounded = owner !== null && owner.cache.bounded;
    // Vars made without options share their defaults' frozen object (one less per var).
    this.#options = options === undefined ? base : Object.freeze(opts);
    this.#clock = opts.clock;
    this.#storage = opts.storage;
    this.#tier = opts.shared === null ? null : new SharedTier(what, opts.shared, opts.ttl, opts.sharedReadTimeout);
  }

  // How messages name this var (made when needed: one string less per var).
  get #what() {
    return varLabel(this.name);
  }

  static #is(v) {
    return v !== null && typeof v === "object" && #machine in v;
  }

  /** @internal The effective options, frozen. */
  get options() {
    return this.#options;
  }

  /** `"empty" | "loading" | "fresh" | "stale"`. */
  get state() {
    if (this.#storage !== null) return this.#storage.get(this.name) === NO_VALUE_STORED ? "empty" : "fresh";
    const now = this.#now();
    ensureStack();
    return STATES[this.#machine.state(this.#id, now)];
  }

  /** Registers the loader the first `get()` (and every reload) calls. Returns it. */
  onFirstAccess(loader) {
    if (typeof loader !== "function") {
      throw new TypeError(`${this.#what}: onFirstAccess(loader) takes a function, got ${describe(loader)}`);
    }
    this.#loader = loader;
    return loader;
  }

  /** Registers a transform applied to the stored value on every `get()`. Returns it. */
  onEachAccess(fn) {
    if (typeof fn !== "function") {
      throw new TypeError(`${this.#what}: onEachAccess(fn) takes a function, got ${describe(fn)}`);
    }
    this.#transform = fn;
    this.#forever = null;
    return fn;
  }

  /**
   * Resolves the value: the stored one while fresh, otherwise per the var's policy. Never
   * throws; every problem is a rejection.
   */
  get(options) {
    try {
      const forever = this.#forever;
      if (forever !== null && options === undefined) {
        this.#counts.hits[this.#id]++;
        if (this.#bounded) this.#cache._touch(this.#id);
        return forever;
      }
      if (options === undefined && this.#transform === null && this.#storage === null) {
        const until = this.#freshUntil;
        if (until === Infinity || (until !== -Infinity && before(this.#clock(), until))) {
          this.#counts.hits[this.#id]++;
          if (this.#bounded) this.#cache._touch(this.#id);
          return this.#hit;
        }
      }
      return this.#get(options);
    } catch (error) {
      return Promise.reject(CachedVar.#is(this) ? error : new TypeError(`CachedVar get() was called on ${describe(this)}, not on a CachedVar: call it as v.get(), or pass () => v.get() where a callback is wanted`));
    }
  }

  #get(options) {
    const { waitUntil, signal } = this.#getOptions(options);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#storage !== null) {
      const v = this.#storage.get(this.name);
      if (v !== NO_VALUE_STORED) {
        this.#counts.hits[this.#id]++;
        return this.#serve(v, signal);
      }
    } else if (this.#hit !== null) {
      const until = this.#freshUntil;
      if (until === Infinity || this.#now() < until) {
        this.#counts.hits[this.#id]++;
        if (this.#bounded) this.#cache._touch(this.#id);
        return this.#serve(this.#value, signal);
      }
    }
    if (this.#loader === null) {
      const why = this.#hit === null ? "nothing is stored" : "the stored value has expired";
      throw new Error(`${this.#what}: get() found no value to serve (${why}) and no loader is registered; call onFirstAccess(loader) first`);
    }
    if (this.#starting) {
      throw new Error(`${this.#what}: its loader called get() on the same var while starting; that load would wait for itself`);
    }
    if (this.#joinable !== null) {
      this.#fastJoins++;
      return this.#join(this.#joinable, signal, waitUntil);
    }
    const now = this.#now();
    ensureStack();
    if (this.#bounded) this.#cache._flushTouches();
    const [kind, id] = unpack(this.#machine.get(this.#id, now));
    switch (kind) {
      case HIT:
      case STALE:
        return this.#serve(this.#value, signal);
      case STALE_REVALIDATE:
        this.#start(id, waitUntil);
        return this.#serve(this.#value, signal);
      case JOIN: {
        const load = this.#loads?.get(id);
        this.#rememberJoinable(load);
        return this.#join(load, signal, waitUntil);
      }
      case START: {
        const load = this.#start(id, waitUntil);
        if (!load.done) this.#rememberJoinable(load);
        return this.#wait(load, signal);
      }
      default:
        throw new Error(`${this.#what}: internal error: unknown decision ${kind}`);
    }
  }

  // Only for an empty var in memory storage: with a value stored, time decides (hit, stale).
  #rememberJoinable(load) {
    if (this.#hit === null && this.#storage === null) this.#joinable = load;
  }

  #getOptions(options) {
    if (options === undefined) return {};
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${this.#what}: get(options) takes an object, got ${describe(options)}`);
    }
    const { waitUntil, signal } = options;
    if (waitUntil !== undefined && typeof waitUntil !== "function") {
      throw new TypeError(`${this.#what}: get() option waitUntil must be a function, got ${describe(waitUntil)}`);
    }
    if (signal !== undefined && (signal === null || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function")) {
      throw new TypeError(`${this.#what}: get() option signal must be an AbortSignal, got ${describe(signal)}`);
    }
    return { waitUntil, signal };
  }

  #now() {
    return readClock(this.#clock, this.name);
  }

  // Resolves `value` for one caller: through the transform, and abandoned if its signal aborts.
  #serve(value, signal) {
    const fn = this.#transform;
    const p = fn === null ? Promise.resolve(value) : new Promise((resolve) => resolve(fn(value)));
    return signal === undefined ? p : raceSignal(p, signal);
  }

  // A caller waiting for `load`.
  #wait(load, signal) {
    load.waiters++;
    const fn = this.#transform;
    const p = fn === null ? load.promise : load.promise.then(fn);
    return signal === undefined ? p : raceSignal(p, signal, () => leave(load));
  }

  // A caller joining a load another caller started. Elsewhere that is plain single-flight. On
  // workerd the load may belong to another request, which can end before the load settles; the
  // joiner then either sees workerd's "request that has since ended" rejection or (older
  // compatibility dates) never hears back. So the joiner bounds its wait in its own request and,
  // on either signal, takes over (see #guarded).
  #join(load, signal, waitUntil) {
    if (!platform.guardJoins) return this.#wait(load, signal);
    const fn = this.#transform;
    const waiter = { load: null };
    const guarded = this.#guarded(load, waitUntil, waiter);
    const p = fn === null ? guarded : guarded.then(fn);
    return signal === undefined ? p : raceSignal(p, signal, () => leave(waiter.load));
  }

  // The value of `load` for a joiner, or — if its wait runs past the bound (the var's timeout,
  // or JOIN_BOUND_MS) or workerd says the load's request ended — what the core hands it instead
  // (see #takeOver).
  #guarded(load, waitUntil, waiter) {
    load.waiters++;
    waiter.load = load;
    return new Promise((resolve, reject) => {
      let settled = false;
      const takeOver = () => {
        if (settled) return;
        settled = true;
        leave(load);
        waiter.load = null;
        // The abandoned load can no longer be joined; forget it even if it never settles.
        this.#forget(load);
        if (this.#joinable === load) this.#joinable = null;
        try {
          resolve(this.#takeOver(load, waitUntil, waiter));
        } catch (error) {
          reject(error);
        }
      };
      this.#joinDeadline(load).then(takeOver);
      load.promise.then(
        (v) => {
          settled = true;
          resolve(v);
        },
        (error) => {
          if (load.done) {
            settled = true;
            reject(error);
          } else takeOver();
        },
      );
    });
  }

  // What a joiner that gave up on `load` gets instead, as the core decides (as for a get(), the raw
  // value: the caller's transform is applied after): a value stored meanwhile, another joiner's
  // takeover (joined under the same guard), or a load it starts in its own request.
  #takeOver(load, waitUntil, waiter) {
    const now = this.#now();
    // (No ensureStack(): this runs from a timer or a rejection callback, on a fresh stack.)
    if (this.#bounded) this.#cache._flushTouches();
    const [kind, id] = unpack(this.#machine.abandon(this.#id, load.id, now));
    switch (kind) {
      case HIT:
      case STALE:
        return this.#value;
      case STALE_REVALIDATE:
        this.#start(id, waitUntil);
        return this.#value;
      case JOIN:
        return this.#guarded(this.#loads?.get(id), waitUntil, waiter);
      case START:
        return this.#start(id, waitUntil).promise;
      default:
        throw new Error(`${this.#what}: internal error: unknown decision ${kind}`);
    }
  }

  // When the joiners of `load` stop waiting. Joiners in one synchronous run share one timer (they
  // are in one request, and workerd allows 10 000 active timers per request); the next run's
  // joiners get their own, set in their own request. Cleared when the load settles.
  #joinDeadline(load) {
    if (load.deadline !== undefined) return load.deadline;
    const bound = this.#options.timeout === Infinity ? JOIN_BOUND_MS : this.#options.timeout;
    let timer;
    const deadline = new Promise((expire) => {
      timer = setTimeout(expire, bound);
    });
    const clear = () => clearTimeout(timer);
    load.promise.then(clear, clear);
    load.deadline = deadline;
    queueMicrotask(() => {
      if (load.deadline === deadline) load.deadline = undefined;
    });
    return deadline;
  }

  // Starts load `id`: calls the loader with its context, arms the timeout, and settles the
  // load's shared promise through the core's decision.
  #start(id, waitUntil) {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // `at`: when the value was stored, if it came from the shared tier (else: when it arrives).
    // `controller` is made only when the loader reads `ctx.signal` (Node's AbortController costs
    // ~2 µs, half of an invalidate-and-reload cycle); `deadline`: see #joinDeadline.
    const load = { id, promise, resolve, reject, controller: undefined, timer: undefined, done: false, waiters: 0, at: undefined, waitUntil, deadline: undefined };
    (this.#loads ??= new Map()).set(id, load);
    const timeout = this.#options.timeout;
    if (timeout !== Infinity) {
      load.timer = setTimeout(() => {
        const error = new DOMException(`${this.#what}: load timed out after ${timeout} ms`, "TimeoutError");
        this.#fail(load, error, true);
      }, timeout);
    }
    const previous = this.#storage === null ? this.#stale() : this.#fromStorage();
    let result;
    this.#starting = true;
    try {
      const ctx = {
        name: this.name,
        previous,
        get signal() {
          load.controller ??= new AbortController();
          return load.controller.signal;
        },
      };
      result = this.#tier === null || this.#forced ? this.#loader(ctx) : this.#readThrough(load, ctx);
    } catch (error) {
      result = Promise.reject(error);
    } finally {
      this.#starting = false;
    }
    Promise.resolve(result).then(
      (value) => this.#loaded(load, value),
      (error) => this.#fail(load, error, false),
    );
    const settled = promise.then(noop, noop);
    if (platform.waitUntil !== null) platform.waitUntil(settled);
    if (waitUntil !== undefined) waitUntil(settled);
    return load;
  }

  // A cold or expired load first asks the shared tier; only a miss calls the loader.
  async #readThrough(load, ctx) {
    const entry = await this.#tier.read(this.name, this.#now());
    if (entry === undefined) return this.#loader(ctx);
    load.at = entry.at;
    return entry.value;
  }

  // A value fresh from the loader goes to the shared tier, if it changed, without delaying anyone.
  #writeBehind(load, value, now) {
    const write = this.#tier.write(this.name, value, now);
    if (write === undefined) return;
    if (platform.waitUntil !== null) platform.waitUntil(write);
    if (load.waitUntil !== undefined) load.waitUntil(write);
  }

  #fromStorage() {
    const v = this.#storage.get(this.name);
    return v === NO_VALUE_STORED ? undefined : v;
  }

  #finish(load) {
    if (load.done) return false;
    load.done = true;
    if (this.#joinable === load) this.#joinable = null;
    clearTimeout(load.timer);
    this.#forget(load);
    return true;
  }

  #forget(load) {
    this.#loads?.delete(load.id);
    if (this.#loads?.size === 0) this.#loads = null;
  }

  // A TypeError when `value` may not be stored (an I/O object on workerd), else null.
  #refusal(value) {
    const io = platform.ioObject === null ? null : platform.ioObject(value);
    if (io === null) return null;
    return new TypeError(
      `${this.#what}: cannot cache a ${io}: on workerd it belongs to the request that created it and no other request can read it; store plain data instead (e.g. await response.json() in the loader)`,
    );
  }

  #loaded(load, value) {
    const refusal = this.#refusal(value);
    if (refusal !== null) return this.#fail(load, refusal, false);
    if (!this.#finish(load)) return;
    try {
      const now = this.#now();
      if (this.#bounded) this.#cache._flushTouches();
      if (this.#machine.loaded(this.#id, load.id, load.at ?? now)) {
        this.#store(value);
        if (this.#tier !== null && load.at === undefined) {
          this.#forced = false;
          this.#writeBehind(load, value, now);
        }
      }
      load.resolve(value);
    } catch (error) {
      load.reject(error);
    }
  }

  #fail(load, error, timedOut) {
    if (!this.#finish(load)) return;
    // A loader that reads ctx.signal only later must still find it aborted.
    if (timedOut) (load.controller ??= new AbortController()).abort(error);
    let stale = false;
    try {
      stale = this.#machine.failed(this.#id, load.id, this.#now(), load.waiters, timedOut);
    } catch {
      // A broken clock cannot turn a failure into a success.
    }
    if (stale) load.resolve(this.#stale());
    else load.reject(error);
  }

  #store(value) {
    if (this.#storage !== null) {
      this.#storage.set(this.name, value);
      return;
    }
    this.#value = value;
    this.#dropped = undefined;
    this.#joinable = null;
    this.#hit = Promise.resolve(value);
    // A thenable stored by set() is resolved by each get(), which reports its failure; left
    // unobserved here, that failure would be an unhandled rejection (fatal in Node, Deno, Bun).
    this.#hit.catch(noop);
    this.#freshUntil = this.#machine.fresh_until(this.#id);
    this.#forever = this.#freshUntil === Infinity && this.#transform === null ? this.#hit : null;
    if (this.#bounded) this.#cache._dropEvicted();
  }

  // The stored value, or else the one the last invalidate() dropped.
  #stale() {
    return this.#hit !== null ? this.#value : this.#dropped;
  }

  #drop() {
    this.#value = undefined;
    this.#hit = null;
    this.#freshUntil = -Infinity;
    this.#forever = null;
  }

  /** @internal Drops the value after the cache evicted it (maxEntries): no fallback is kept. */
  _evicted() {
    this.#joinable = null;
    this.#drop();
    this.#dropped = undefined;
  }

  /** The stored value, fresh or stale; throws NoStoredValue when nothing is stored. Never loads. */
  getStoredValue() {
    if (this.#storage !== null) {
      const v = this.#storage.get(this.name);
      if (v === NO_VALUE_STORED) throw new NoStoredValue(`${this.#what} has no stored value`);
      return v;
    }
    if (this.#hit === null) throw new NoStoredValue(`${this.#what} has no stored value`);
    return this.#value;
  }

  /** The stored value, or undefined. Never loads, never throws. */
  peek() {
    if (this.#storage !== null) {
      try {
        return this.#fromStorage();
      } catch {
        return undefined;
      }
    }
    return this.#value;
  }

  /** Stores `value` as if loaded now; a load already running can no longer overwrite it. */
  set(value) {
    const refusal = this.#refusal(value);
    if (refusal !== null) throw refusal;
    const now = this.#now();
    ensureStack();
    if (this.#bounded) this.#cache._flushTouches();
    this.#machine.set(this.#id, now);
    this.#joinable = null;
    this.#store(value);
  }

  /**
   * Drops the value (unless within `cooldown` of the last store or forced reload); loads that
   * began before can no longer store theirs, and the next `get()` waits for a new load. The
   * dropped value is kept only as the stale-if-error answer (and the loader's `previous`) until
   * a new one is stored: an invalidate during an outage must not turn stale keys into none.
   */
  invalidate() {
    const now = this.#now();
    ensureStack();
    if (!this.#machine.invalidate(this.#id, now)) return;
    this.#forced = true;
    if (this.#storage !== null) {
      this.#storage.set(this.name, NO_VALUE_STORED);
      return;
    }
    this.#joinable = null;
    if (this.#hit !== null) this.#dropped = this.#value;
    this.#drop();
  }

  /** Counters since creation. */
  stats() {
    ensureStack();
    const [hits, misses, loads, errors, staleServed, timeouts, coalesced, cooldownSkips] = this.#machine.stats(this.#id);
    const joins = this.#fastJoins;
    const counts = { hits: hits + this.#counts.hits[this.#id], misses: misses + joins, loads, errors, staleServed, timeouts, coalesced: coalesced + joins, cooldownSkips };
    return this.#tier === null ? counts : { ...counts, ...this.#tier.counts };
  }
}

// A waiter stops counting towards `load` (the count decides how many callers a stale-if-error
// answer serves).
function leave(load) {
  if (load !== null && !load.done) load.waiters--;
}

// A caller's own AbortSignal ends its wait, not the load others share; `left` runs on abort.
function raceSignal(p, signal, left = noop) {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      left();
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
