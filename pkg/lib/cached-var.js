// CachedVar: the JS side of one cached variable. It holds the value, the promises and the
// loader; every decision other than "this stored value is still fresh" is made by the Rust core
// (`Machine`), which JS consults with plain numbers. A warm hit never leaves this file: it is a
// field read, optionally a clock read, and a cached resolved promise.

import { createMachine } from "./machine.js";
import { describe, mergeOptions, steadyNow as realNow, rangeError, readClock, varLabel, DEFAULTS } from "./options.js";
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
// What onError is told of an async storage.set that rejected: it came after its get() answered.
const STORAGE_WRITE = Object.freeze({ background: true });

// On workerd, how long past its bound, and at least how long after joining (see #armDeadline),
// joiners still wait on a load: one whose request is alive reports its own timeout first.
const JOIN_GRACE_MS = 50;
// How late a load's timeout timer may fire before it counts as a freeze (see #timedOut): well past
// timer jitter and a busy event loop's usual delays.
const FROZEN_MS = 1000;

// Set by MemoryCache while it constructs one of its vars.
let owner = null;

/**
 * @internal Constructs a var belonging to `cache` (see MemoryCache#memoryCachedVar), over the
 * cache's var `defaults`; `bounded`: the cache has a finite maxEntries. (Passed, not read off the
 * cache: a subclass's own fields named so would replace them.)
 */
export function createInCache(cache, machine, name, options, loader, defaults, bounded) {
  owner = { cache, machine, loader, defaults, bounded };
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

// Whether a clock reading lies in the core's freshness window `[from, until)`. A reading is
// compared only if it is a number: anything else takes the slow path, whose readClock() names
// the problem (here a Symbol would throw a bare "Cannot convert", a BigInt would compare).
function within(now, from, until) {
  return typeof now === "number" && from <= now && now < until;
}

const ZERO_STATS = Object.freeze({ hits: 0, misses: 0, loads: 0, errors: 0, staleServed: 0, timeouts: 0, coalesced: 0, cooldownSkips: 0 });

/** @internal The sum of two `stats()` counter objects (the eight counters only). */
export function addStats(a, b) {
  const out = {};
  for (const k in ZERO_STATS) out[k] = a[k] + b[k];
  return out;
}

// `a` less `b` (the eight counters only).
function subtractStats(a, b) {
  const out = {};
  for (const k in ZERO_STATS) out[k] = a[k] - b[k];
  return out;
}

/** @internal Zeroed counters. */
export function zeroStats() {
  return { ...ZERO_STATS };
}

// Adds a var with options `opts` (`base`: the defaults they were merged over) to `machine`: its
// slot, or the RangeError the core's code names.
function addVar(machine, what, opts, base) {
  const id = machine.add_var(opts.storage !== null, opts.ttl, opts.staleWhileRevalidate, opts.staleIfError, opts.timeout, opts.cooldown, opts.retryInterval);
  if (id < 0) throw rangeError(what, -id, opts, base);
  return id;
}

function unpack(d) {
  const kind = d % 8;
  return [kind, (d - kind) / 8];
}

// A var's running loads: by id, and — with memory storage — those that may still store a value,
// in start (id) order, so that the ones a floor fences are a prefix (see CachedVar#newGroup).
class RunningLoads {
  byId = new Map();
  storable = new Map();

  add(load, storable) {
    this.byId.set(load.id, load);
    if (storable) this.storable.set(load.id, load);
  }

  delete(load) {
    this.byId.delete(load.id);
    this.storable.delete(load.id);
  }

  // Loads at or below the core's `floor` (begun before its last invalidate(), set() or
  // delete()) can no longer store.
  fence(floor) {
    for (const id of this.storable.keys()) {
      if (id > floor) break;
      this.storable.delete(id);
    }
  }
}

export class CachedVar {
  // The warm-hit path first: fields are laid out in declaration order, so a hit over many vars
  // reads one or two cache lines of the var. `#forever` is the stored value's resolved promise
  // while that value never expires (no ttl), no transform is set and storage is memory (else
  // null): such a hit reads no boxed number (`#freshUntil` is a heap number in V8). `#hits`:
  // the warm hits served here since the var took its slot (the core counts the rest), a field
  // on the line the hit reads anyway — measured against a compact per-machine Float64Array of
  // counts by slot, in one process (benches/ab: 10,000 keyed vars), it made a keyed warm hit
  // 0.03-0.1x of the memo cheaper in Node, Deno and Bun.
  #forever = null;
  #hits = 0;
  #id;
  #bounded;
  #transform = null;
  #storage;
  // The stored value (memory storage), its resolved promise (null: nothing stored), and the
  // core's window in which it is fresh: `#freshFrom <= now < #freshUntil` (always, when
  // `#freshUntil` is Infinity). Both are read from the core after every store, never computed.
  #hit = null;
  #freshFrom = Infinity;
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
  // Running loads (a RunningLoads; null while none runs: most vars, most of the time). A load
  // stays here from the core's decision to start it until the core has been told how it ended —
  // the one place where JS and the core must agree, and they change together (see #start,
  // #settle).
  #loads = null;
  // Depth of this var's loader calls (and load set-up) running right now: a get() of this var
  // made from inside one would wait for itself.
  #starting = 0;
  // The core's answer to the last get() of this var while empty, when it was "join load L" (or
  // "start L", whose next answer is "join L"): L's record. Until the core is told anything else
  // about this var its answer stays the same, so the next such get() joins L without crossing
  // into wasm (a stampede's waiter then costs what a memo's does, not a ~1 µs stack probe and
  // call). Every other call into the core for this var clears it first — before the call, so no
  // user code can run between a change and the clearing — and it is set before any user code
  // runs after the answer. Memory storage only (custom storage never joins).
  #joinable = null;
  #fastJoins = 0;
  // A var of a MemoryCache whose name the cache forgot (idle after an eviction or delete(); see
  // MemoryCache) is detached: `#id` is -1, it holds nothing and runs nothing, and it takes a new
  // slot on its next get() or set(). `#handedOut`: memoryCachedVar() gave it to a user, who may
  // still hold it; `#carried`: its counters from the slots it left (kept for such a var only),
  // less those of its current slot when it was first handed out (CachedVar#firstHandOut). (No
  // field of its own for that: one more field made a var hit 1.05-1.3x slower in Bun.)
  #handedOut = false;
  #carried = null;
  // How many times its name was forgotten (tests tell a var's windows apart by it).
  #detachments = 0;

  constructor(name, options) {
    // Taken before any user code runs (an option getter may make a var, standalone or of a
    // cache: that var must not see this one's owner, nor this one lose it).
    const own = owner;
    owner = null;
    checkName(name);
    const what = varLabel(name);
    const base = own === null ? DEFAULTS : own.defaults;
    const opts = mergeOptions(what, options, base);
    // A standalone var gets a machine of its own, freed with the var (wasm-bindgen's
    // finalizer), so vars created and dropped at run time leak nothing in wasm memory. (A var a
    // cache makes: the cache checked the stack a frame above, see MemoryCache#create.)
    if (own === null) ensureStack();
    const machine = own?.machine ?? createMachine(Infinity);
    if (opts.storage !== null && opts.shared !== null) {
      throw new TypeError(`${what}: options storage and shared cannot be combined: custom storage keeps the value per caller, the shared tier across isolates`);
    }
    const id = addVar(machine, what, opts, base);
    Object.defineProperty(this, "name", { value: name, enumerable: true });
    this.#machine = machine;
    this.#id = id;
    this.#loader = own?.loader ?? null;
    this.#cache = own?.cache ?? null;
    this.#bounded = own !== null && own.bounded;
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
    if (this.#id < 0) return "empty";
    const now = this.#now();
    ensureStack();
    return STATES[this.#machine.state(this.#id, now)];
  }

  /** Registers the loader the first `get()` (and every reload) calls. Returns this var. */
  onFirstAccess(loader) {
    if (typeof loader !== "function") {
      throw new TypeError(`${this.#what}: onFirstAccess(loader) takes a function, got ${describe(loader)}`);
    }
    this.#loader = loader;
    return this;
  }

  /** Registers a transform applied to the stored value on every `get()`. Returns this var. */
  onEachAccess(fn) {
    if (typeof fn !== "function") {
      throw new TypeError(`${this.#what}: onEachAccess(fn) takes a function, got ${describe(fn)}`);
    }
    this.#transform = fn;
    this.#setForever(null);
    return this;
  }

  /**
   * Resolves the value: the stored one while fresh, otherwise per the var's policy. Never
   * throws; every problem is a rejection. Every call counts once as a hit or a miss.
   */
  get(options) {
    try {
      const forever = this.#forever;
      if (forever !== null && options === undefined) {
        this.#hits++;
        if (this.#bounded) this.#cache._touch(this.#id);
        return forever;
      }
      if (options === undefined && this.#transform === null && this.#storage === null) {
        const until = this.#freshUntil;
        if (until === Infinity || (until !== -Infinity && within(this.#clock(), this.#freshFrom, until))) {
          this.#hits++;
          if (this.#bounded) this.#cache._touch(this.#id);
          return this.#hit;
        }
      }
      return this.#get(options, false);
    } catch (error) {
      if (!CachedVar.#is(this)) {
        return Promise.reject(new TypeError(`CachedVar get() was called on ${describe(this)}, not on a CachedVar: call it as v.get(), or pass () => v.get() where a callback is wanted`));
      }
      return this.#rejectRefused(error);
    }
  }

  // A get() refused before the core decided anything (bad options, aborted signal, no loader,
  // the own-var guard, a broken clock): still a get(), counted as a miss.
  #rejectRefused(error) {
    this.#refused();
    return Promise.reject(error);
  }

  #refused() {
    try {
      ensureStack();
      const self = this.#attached();
      self.#machine.refused(self.#id);
    } catch {
      // Counting must never replace the caller's error.
    }
  }

  // Everything that may throw comes before the core's decision; after it, nothing throws
  // (#apply reports every failure as a rejection), so no decision is left half carried out.
  // `checked`: the caller checked the stack a frame or two above (MemoryCache#get of a var it
  // just made or re-attached), so this call needs no check of its own.
  #get(options, checked) {
    const { waitUntil, signal } = this.#getOptions(options);
    if (signal?.aborted) throw signal.reason;
    if (this.#storage !== null) {
      const v = this.#storage.get(this.name);
      if (v !== NO_VALUE_STORED) {
        // (A var whose name was forgotten takes a slot again to count the hit.)
        let self = this;
        if (this.#id < 0) {
          ensureStack();
          self = this.#attached();
        }
        self.#hits++;
        return this.#serve(v, signal);
      }
    } else if (this.#hit !== null) {
      const until = this.#freshUntil;
      if (until === Infinity || within(this.#now(), this.#freshFrom, until)) {
        this.#hits++;
        if (this.#bounded) this.#cache._touch(this.#id);
        return this.#serve(this.#value, signal);
      }
    }
    if (this.#loader === null) {
      const why = this.#hit === null ? "nothing is stored" : "the stored value has expired";
      const how = this.#cache === null ? "call onFirstAccess(loader) first" : "call onFirstAccess(loader) on the var first, or give its MemoryCache an onFirstAccess option";
      throw new Error(`${this.#what}: get() found no value to serve (${why}) and no loader is registered; ${how}`);
    }
    if (this.#starting > 0) {
      throw new Error(`${this.#what}: get() was called while this var's load was starting (synchronously from its loader or from the waitUntil it was handed, directly or through another var's loader); a load cannot wait for itself`);
    }
    const joinable = this.#joinable;
    if (joinable !== null && this.#hit === null) {
      this.#fastJoins++;
      return this.#join(joinable, signal, waitUntil, true);
    }
    const now = this.#now();
    if (!checked) ensureStack();
    return this.#attached().#decide(now, waitUntil, signal);
  }

  /** @internal `get(options)` of a var its cache has just made or re-attached (see #get). */
  _getChecked(options) {
    try {
      return this.#get(options, true);
    } catch (error) {
      return this.#rejectRefused(error);
    }
  }

  // The core's answer to a get() at `now`, carried out (the rest of #get, on the var to go on
  // with: see #attached).
  #decide(now, waitUntil, signal) {
    if (this.#bounded) this.#cache._flushTouches();
    this.#joinable = null;
    const [kind, id] = unpack(this.#machine.get(this.#id, now));
    return this.#apply(kind, id, waitUntil, signal, null);
  }

  // Carries out a decision of the core for one caller (`group` null), or for a group of waiters
  // that gave up on their load (workerd: see #takeOver). Never throws.
  #apply(kind, id, waitUntil, signal, group) {
    switch (kind) {
      case HIT:
        return group === null ? this.#serve(this.#value, signal) : this.#settleGroup(group, { value: this.#value });
      case STALE: {
        // (The stored value, or the one the last invalidate() dropped: the core serves it while
        // the origin fails, as stale-if-error.)
        const value = this.#stale();
        return group === null ? this.#serve(value, signal) : this.#settleGroup(group, { value });
      }
      case STALE_REVALIDATE: {
        // The value decided on, taken before the loader runs: it may invalidate or set the var.
        const value = this.#stale();
        try {
          this.#start(id, waitUntil, true);
        } catch (error) {
          // The reload could not start (a waitUntil that throws; #start told the core, so the
          // next get() starts it). This caller is told, as on a cold var: serving the stale
          // value instead would hide the fault, and each such get() would drop its reload — a
          // value frozen for the whole stale window, a recovered origin never retried.
          return this.#answerError(group, error);
        }
        return group === null ? this.#serve(value, signal) : this.#settleGroup(group, { value });
      }
      case JOIN:
      case START: {
        let load = this.#loads?.byId.get(id);
        if (kind === START) {
          try {
            load = this.#start(id, waitUntil);
          } catch (error) {
            return this.#answerError(group, error);
          }
        }
        if (kind === JOIN) this.#remember(load);
        if (load === undefined) {
          // Unreachable while #loads and the core agree; said plainly if they ever do not.
          const error = new Error(`${this.#what}: internal error: the core named load ${id}, which is not running`);
          return this.#answerError(group, error);
        }
        return group === null ? this.#join(load, signal, waitUntil, kind === JOIN) : this.#regroup(group, load, kind === JOIN);
      }
      default: {
        const error = new Error(`${this.#what}: internal error: unknown decision ${kind}`);
        return this.#answerError(group, error);
      }
    }
  }

  // #apply's failure for one caller (`group` null: its promise) or for a group of waiters.
  #answerError(group, error) {
    return group === null ? Promise.reject(error) : this.#settleGroup(group, { error });
  }

  #remember(load) {
    if (load !== undefined && this.#hit === null && this.#storage === null && this.#machine.joins_stand(this.#id)) this.#joinable = load;
  }

  #getOptions(options) {
    if (options === undefined) return {};
    if (options === null || typeof options !== "object") {
      throw new TypeError(`${this.#what}: get(options) takes an object, got ${describe(options)}`);
    }
    // Unknown own keys are refused, as the constructors do (a `waitUntill` typo would otherwise
    // silently drop a Worker's background registration). for…in: no array allocated per call.
    for (const key in options) {
      if (key !== "waitUntil" && key !== "signal" && Object.hasOwn(options, key)) {
        throw new TypeError(`${this.#what}: get() has no option ${JSON.stringify(key)} (known: waitUntil, signal)`);
      }
    }
    const { waitUntil, signal } = options;
    if (waitUntil !== undefined && typeof waitUntil !== "function") {
      throw new TypeError(`${this.#what}: get() option waitUntil must be a function, got ${describe(waitUntil)}`);
    }
    if (signal !== undefined && (signal === null || typeof signal.aborted !== "boolean" || typeof signal.addEventListener !== "function" || typeof signal.removeEventListener !== "function")) {
      throw new TypeError(`${this.#what}: get() option signal must be an AbortSignal, got ${describe(signal)}`);
    }
    return { waitUntil, signal };
  }

  #now() {
    return readClock(this.#clock, this.name);
  }

  // The clock for a load that settles: the reading, or NaN and the error when the clock fails
  // (the core then stores nothing and serves nothing stale: it cannot time them).
  #settleTime() {
    try {
      return { now: this.#now(), clockError: null };
    } catch (error) {
      return { now: NaN, clockError: error };
    }
  }

  // Wall-clock milliseconds for the shared tier's entries (other isolates read their age), given
  // this var's clock reading `now`: that reading itself if the clock is injected (no second read),
  // else Date.now() (the default clock absorbs steps back, so it may run behind the wall).
  #wall(now) {
    return this.#clock === DEFAULTS.clock ? Date.now() : now;
  }

  // Resolves `value` for one caller: through the transform, and abandoned if its signal aborts.
  #serve(value, signal) {
    const fn = this.#transform;
    const p = fn === null ? Promise.resolve(value) : new Promise((resolve) => resolve(fn(value)));
    return signal === undefined ? p : raceSignal(p, signal);
  }

  // One caller waits for a value, with `load` deciding its fate if no other load stores first.
  //
  // Callers wait in groups. A group hears the loads that were running when it began waiting and
  // could still store (not fenced by an invalidate(), set() or delete()), and those it later
  // joins or starts (`hears`; each load's `heardBy`, off workerd): the first to store serves it;
  // otherwise its own load's outcome does (value, stale value or error). Callers without a
  // signal share the group's promise (a stampede of 10,000 costs one promise); a caller with a
  // signal has its own entry, removed when it aborts, so an aborted caller leaves nothing behind
  // however long the load hangs. Elsewhere than on workerd, a group per load, settled directly
  // by the load that ends its wait (#publish). On workerd a promise must be settled by the
  // request that created it (on older compatibility dates a continuation resumed from another
  // request never runs), and a waiting request must own a pending timer or it is cancelled as
  // hung: so a group per load per synchronous run (one request), which hears outcomes through
  // reactions it registers itself on the loads' `outcome` promises (#listen) — which is why a
  // group hears only the loads it knew of — and bounds its wait with a timer of its own (see
  // #takeOver).
  #join(load, signal, waitUntil, joined) {
    let g = load.group;
    if (g === undefined || g.done || g.load !== load) {
      g = this.#newGroup(load, waitUntil, joined);
      load.group = g;
      if (platform.guardJoins) {
        queueMicrotask(() => {
          if (load.group === g) load.group = undefined;
        });
      }
    }
    load.waiters++;
    const fn = this.#transform;
    if (signal === undefined) {
      g.shared++;
      return fn === null ? g.promise : g.promise.then(fn);
    }
    return new Promise((resolve, reject) => {
      const w = { resolve, reject, signal, onAbort: null };
      w.onAbort = () => {
        if (!g.own.delete(w)) return;
        g.load.waiters--;
        reject(abortReason(signal));
        if (g.shared === 0 && g.own.size === 0) this.#retire(g);
      };
      listenAbort(signal, w.onAbort);
      g.own.add(w);
      // Aborted since get() checked it: by code this get() ran (the loader, waitUntil, the
      // clock), whose abort event came before the listener.
      if (signal.aborted) w.onAbort();
    }).then(fn ?? undefined);
  }

  // `joined`: the first caller joined a load another caller started (on workerd, maybe another
  // request: the group bounds its wait); else it started the load in its own request.
  #newGroup(load, waitUntil, joined) {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A group whose callers all have signals never hands its promise out.
    promise.catch(noop);
    const g = { load, promise, resolve, reject, shared: 0, own: new Set(), hears: new Set(), done: false, timer: undefined, waitUntil };
    // Its own load, and the others that may still store (a load that began before the last
    // invalidate(), set() or delete() cannot: not listening to those keeps a storm of
    // invalidate() + get() linear — every group used to hear every running load, N² of them).
    this.#listen(g, load);
    for (const running of this.#loads.storable.values()) if (running !== load) this.#listen(g, running);
    if (platform.guardJoins && joined) this.#armDeadline(g);
    return g;
  }

  // `g` hears how `load` ends: on workerd, in its own request.
  #listen(g, load) {
    g.hears.add(load);
    if (!platform.guardJoins) {
      (load.heardBy ??= new Set()).add(g);
      return;
    }
    load.outcome.then(
      (outcome) => this.#heard(g, load, outcome),
      // "This promise was created by a request that has since ended": for the load `g` waits
      // on, nobody will settle it: take over. (For another load: nothing to lose.)
      () => {
        if (!g.done && g.load === load) this.#takeOver(g);
      },
    );
  }

  // workerd: a load's outcome reached group `g`: a value some load stored serves every group;
  // any other outcome only the group waiting on that load.
  #heard(g, load, outcome) {
    if (g.done) return;
    if (outcome.stored || g.load === load) this.#settleGroup(g, outcome);
  }

  // workerd: `g` stops waiting on its load once the load is past its bound (its timeout, or
  // platform.joinBoundMs) — counted from the load's start, so no joiner gives up on a load still
  // within its bound — and the group has itself waited JOIN_GRACE_MS: a load that outlives its
  // bound may belong to a request that has ended without a word (older compatibility dates).
  // The grace counts from the join too because an isolate can stall (workerd's waitUntil and
  // AbortController were measured pausing 50–95 ms under load, mid set-up): a joiner arriving
  // after such a stall must still leave the load's own, overdue timeout timer its turn to fire.
  // A load whose timeout granted a grace since (#timedOut: the joiner came during a freeze) has
  // moved its bound: the group then waits that out too — re-armed here, in its own request.
  #armDeadline(g) {
    const bound = this.#options.timeout === Infinity ? platform.joinBoundMs : this.#options.timeout;
    const { load } = g;
    const extended = load.extended;
    const delay = Math.max(0, load.startedAt + bound + extended - realNow()) + JOIN_GRACE_MS;
    try {
      g.timer = setTimeout(() => (g.load === load && load.extended !== extended ? this.#armDeadline(g) : this.#takeOver(g)), delay);
    } catch {
      // No timers here (workerd outside a request): the group waits for its load alone.
    }
  }

  // workerd: the callers of `g` give up on their load together, and are answered as a get()
  // would be now — a value stored meanwhile, a load another group started, or a new one started
  // in this request. They keep listening to the loads they heard of: whichever stores first
  // serves them.
  #takeOver(g) {
    if (g.done) return;
    if (g.timer !== undefined) clearTimeout(g.timer);
    const { now, clockError } = this.#settleTime();
    if (clockError !== null) return this.#settleGroup(g, { error: clockError });
    const callers = g.shared + g.own.size;
    // (No ensureStack(): this runs from a timer or a reaction, on a fresh stack. A var with
    // waiters has a load running, so its name is not forgotten: #attached() is this var.)
    this.#attached();
    if (this.#bounded) this.#cache._flushTouches();
    this.#joinable = null;
    const [kind, id] = unpack(this.#machine.abandon(this.#id, g.load.id, now, callers));
    this.#apply(kind, id, g.waitUntil, undefined, g);
  }

  // workerd: group `g` now waits on `load`, which it `joined` or started after a takeover.
  #regroup(g, load, joined) {
    const callers = g.shared + g.own.size;
    g.load.waiters -= callers;
    g.load = load;
    load.waiters += callers;
    this.#listen(g, load);
    if (joined) this.#armDeadline(g);
  }

  // Ends the wait of every caller of `g`: `{ value }` or `{ error }`.
  #settleGroup(g, outcome) {
    if (g.done) return;
    this.#retire(g);
    g.load.waiters -= g.shared + g.own.size;
    if ("error" in outcome) g.reject(outcome.error);
    else g.resolve(outcome.value);
    for (const w of g.own) {
      try {
        unlistenAbort(w.signal, w.onAbort);
      } catch {
        // A signal-like object whose removeEventListener throws: its caller is answered anyway.
      }
      if ("error" in outcome) w.reject(outcome.error);
      else w.resolve(outcome.value);
    }
  }

  #retire(g) {
    g.done = true;
    // Only when set: in Deno, code from npm packages sees Node's timer globals, and the first
    // clearTimeout() loads node:timers (~5 ms on the first get() of a var without a timeout).
    if (g.timer !== undefined) clearTimeout(g.timer);
    if (!platform.guardJoins) for (const load of g.hears) load.heardBy?.delete(g);
    if (g.load.group === g) g.load.group = undefined;
  }

  // Starts load `id`, which the core just decided: first everything that may fail without
  // calling the loader (its timeout timer, registrations with waitUntil) — if any fails, the
  // core is told the load never started and the error is thrown, naming the var — then the
  // loader, whose outcome settles the load through the core (#loaded, #fail).
  // `background`: nobody waits for it (stale-while-revalidate, or a retry while the origin fails).
  #start(id, waitUntil, background = false) {
    let release;
    const outcome = new Promise((resolve) => {
      release = resolve;
    });
    // `outcome`: settled with how the load ended (`{ value, stored }` or `{ error }`); passed
    // to waitUntil, and the promise workerd groups listen to. `at`: when the value was stored,
    // if it came from the shared tier. `ttl`: its freshness lifetime (`ctx.ttl`). `controller`
    // is made only when the loader reads `ctx.signal` (Node's AbortController costs ~2 µs, half
    // of an invalidate-and-reload cycle).
    const load = { id, outcome, release, controller: undefined, timer: undefined, extended: 0, done: false, waiters: 0, at: undefined, ttl: this.#options.ttl, background, waitUntil, startedAt: realNow(), group: undefined, heardBy: undefined };
    (this.#loads ??= new RunningLoads()).add(load, this.#storage === null);
    // (A background reload is never joined: while it runs the core serves its callers stale —
    // the stored value, or, while the origin fails, the one an invalidate() dropped.)
    if (!background) this.#remember(load);
    this.#starting++;
    // The caller's own waitUntil comes last: what it throws is thrown unchanged (the runtime's
    // refusals are explained).
    let own = false;
    try {
      const timeout = this.#options.timeout;
      if (timeout !== Infinity) {
        const due = performance.now() + timeout;
        load.timer = setTimeout(() => this.#timedOut(load, timeout, due), timeout);
      }
      if (platform.waitUntil !== null) platform.waitUntil(outcome);
      own = true;
      // Not `outcome` itself: the record it resolves to is read by joiners later, and the
      // caller's code must not reach it (what its then() did to it would change their answer).
      if (waitUntil !== undefined) waitUntil(outcome.then(noop));
    } catch (cause) {
      // The core first; clearTimeout only for a timer set: in Deno, npm code's first timer call
      // loads node:timers, and setTimeout failing there (no stack left) breaks clearTimeout too.
      this.#starting--;
      load.done = true;
      this.#forget(load);
      this.#joinable = null;
      this.#machine.cancel(this.#id, id);
      if (load.timer !== undefined) clearTimeout(load.timer);
      if (own) throw cause;
      throw new Error(`${this.#what}: a load could not be started (${cause?.message ?? describe(cause)}); on Workers, call get() while handling a request, not at module scope`, { cause });
    }
    let result;
    try {
      const previous = this.#storage === null ? this.#stale() : this.#fromStorage();
      const what = this.#what;
      const ctx = {
        name: this.name,
        previous,
        get signal() {
          load.controller ??= new AbortController();
          return load.controller.signal;
        },
        // How long the value this load stores stays fresh (ms): the var's ttl unless the
        // loader says otherwise, e.g. from the origin's Cache-Control (see simple-memory-cache/http).
        get ttl() {
          return load.ttl;
        },
        set ttl(ms) {
          if (typeof ms !== "number" || !(ms >= 0)) {
            throw new RangeError(`${what}: ctx.ttl must be a number of milliseconds >= 0 (or Infinity), got ${describe(ms)}`);
          }
          load.ttl = ms;
        },
      };
      result = this.#tier === null || this.#forced ? callLoader(this.#loader, ctx) : this.#readThrough(load, ctx);
    } catch (error) {
      result = Promise.reject(error);
    } finally {
      this.#starting--;
    }
    Promise.resolve(result).then(
      (value) => this.#loaded(load, value),
      (error) => this.#fail(load, error, false),
    );
    return load;
  }

  // A cold or expired load first asks the shared tier; only a miss calls the loader (under the
  // same own-var guard as a loader called at once).
  async #readThrough(load, ctx) {
    const now = this.#now();
    const wall = this.#wall(now);
    const entry = await this.#tier.read(this.name, wall);
    if (entry === undefined) {
      this.#starting++;
      try {
        return callLoader(this.#loader, ctx);
      } finally {
        this.#starting--;
      }
    }
    // The entry's age in the tier's (wall) clock, carried over to this var's clock.
    load.at = now - Math.max(0, wall - entry.at);
    load.ttl = entry.ttl;
    return entry.value;
  }

  // The timeout of `load`, due at `due` (performance.now(): the timers' own monotonic clock, not
  // the wall clock, whose steps would look like freezes), fired. Over FROZEN_MS late, the process
  // was frozen (AWS Lambda freezes it between invocations) or its event loop blocked: what the load
  // awaits may have arrived meanwhile and wait to be read — timers run before I/O callbacks — so
  // the first such firing grants a grace of min(timeout, FROZEN_MS) instead: enough for a few turns
  // of the loop, short enough that an overloaded server still sheds hung loads. Without it, a
  // background reload started late in an invocation timed out on every thaw, and staleIfError
  // served the stale value for its whole window. `load.extended`: how far that moved the load's
  // end past startedAt + timeout (workerd joiners' bound follows it, see #armDeadline).
  #timedOut(load, timeout, due) {
    if (load.done) return;
    if (load.extended === 0 && performance.now() - due > FROZEN_MS) {
      const grace = Math.min(timeout, FROZEN_MS);
      try {
        load.timer = setTimeout(() => this.#timedOut(load, timeout, Infinity), grace);
        load.extended = Math.max(1, realNow() + grace - (load.startedAt + timeout));
        return;
      } catch {
        // No timer for the grace: the load times out now.
      }
    }
    this.#fail(load, new DOMException(`${this.#what}: load timed out after ${timeout} ms`, "TimeoutError"), true);
  }

  // A value fresh from the loader goes to the shared tier, if it changed, without delaying anyone.
  #writeBehind(load, value, now, forced) {
    try {
      const write = this.#tier.write(this.name, value, this.#wall(now), load.ttl, forced);
      if (write === undefined) return;
      if (platform.waitUntil !== null) platform.waitUntil(write);
      if (load.waitUntil !== undefined) load.waitUntil(write);
    } catch {
      // The value is served and stored in memory; the tier counts its own errors.
    }
  }

  // storage.set(name, value). It is typed synchronous; one that returns a promise anyway (an
  // async store) is not awaited, and its rejection goes to onError (as a background failure)
  // instead of being unhandled, which is fatal in Node, Deno and Bun.
  #storageSet(value) {
    const result = this.#storage.set(this.name, value);
    if (result === null || (typeof result !== "object" && typeof result !== "function")) return;
    try {
      if (typeof result.then === "function") result.then(undefined, (error) => this.#reportError(STORAGE_WRITE, error, false));
    } catch (error) {
      // A `then` getter that throws: a promise resolved with it would reject with that error.
      this.#reportError(STORAGE_WRITE, error, false);
    }
  }

  #fromStorage() {
    const v = this.#storage.get(this.name);
    return v === NO_VALUE_STORED ? undefined : v;
  }

  // The core moved its floor (invalidate, set, delete): the loads below it can no longer store.
  #fenced() {
    this.#loads?.fence(this.#machine.floor(this.#id));
  }

  #forget(load) {
    this.#loads?.delete(load);
    if (this.#loads?.byId.size === 0) this.#loads = null;
  }

  // A TypeError when `value` may not be stored (an I/O object on workerd), else null.
  #refusal(value) {
    const io = platform.ioObject === null ? null : platform.ioObject(value);
    if (io === null) return null;
    return new TypeError(
      `${this.#what}: cannot cache a ${io}: on workerd it belongs to the request that created it and no other request can read it; store plain data instead (e.g. await response.json() in the loader)`,
    );
  }

  // Load `load` resolved with `value`. User code that may run here (a refusal check, a `then`
  // getter of the value) runs first; then the core decides, JS records it, and the waiters hear.
  #loaded(load, value) {
    if (load.done) return;
    const refusal = this.#refusal(value);
    if (refusal !== null) return this.#fail(load, refusal, false);
    const hit = this.#storage === null ? resolved(value) : null;
    const { now, clockError } = this.#settleTime();
    this.#end(load);
    if (this.#bounded) this.#cache._flushTouches();
    this.#joinable = null;
    const stored = this.#machine.loaded(this.#id, load.id, clockError !== null ? NaN : (load.at ?? now), load.ttl);
    if (clockError !== null) return this.#failed(load, clockError, false);
    if (stored && this.#storage !== null) {
      try {
        this.#storageSet(value);
      } catch (error) {
        return this.#failed(load, error, false);
      }
    } else if (stored) {
      this.#store(value, hit);
    }
    this.#publish(load, { value, stored: stored && this.#storage === null });
    if (stored && this.#tier !== null && load.at === undefined) {
      const forced = this.#forced;
      this.#forced = false;
      this.#writeBehind(load, value, now, forced);
    }
  }

  // Load `load` failed (or timed out): the core decides between the stale value and the error.
  #fail(load, error, timedOut) {
    if (load.done) return;
    const { now } = this.#settleTime();
    this.#end(load);
    this.#joinable = null;
    const stale = this.#machine.failed(this.#id, load.id, now, load.waiters, timedOut);
    this.#publish(load, stale ? { value: this.#stale() } : { error });
    this.#reportError(load, error, timedOut);
    // A loader that reads ctx.signal only later must still find it aborted. Last: aborting
    // runs the loader's abort listeners, which may call back into this var.
    if (timedOut) (load.controller ??= new AbortController()).abort(error);
  }

  // A load whose value arrived but could not be kept (the clock or the storage failed): its
  // callers get the error, and onError hears of it as of any failed load.
  #failed(load, error, timedOut) {
    this.#publish(load, { error });
    this.#reportError(load, error, timedOut);
  }

  // `onError(error, { name, background, timedOut })`, once per failed load. Whatever it does —
  // throw, return a rejecting promise — cannot break the cache.
  #reportError(load, error, timedOut) {
    const onError = this.#options.onError;
    if (onError === null) return;
    try {
      const result = onError(error, { name: this.name, background: load.background, timedOut });
      if (result !== null && typeof result === "object" && typeof result.then === "function") result.then(undefined, noop);
    } catch {
      // An observer's failure is not the cache's.
    }
  }

  #end(load) {
    load.done = true;
    if (load.timer !== undefined) clearTimeout(load.timer);
    this.#forget(load);
  }

  // How `load` ended, to everyone waiting: a stored value to every group that hears that load;
  // anything else to the groups waiting on it. On workerd, groups hear it through `outcome`.
  #publish(load, outcome) {
    load.release(outcome);
    if (platform.guardJoins || load.heardBy === undefined) return;
    const stored = outcome.stored === true;
    for (const g of [...load.heardBy]) {
      if (g.load === load || stored) this.#settleGroup(g, outcome);
      else g.hears.delete(load);
    }
    load.heardBy = undefined;
  }

  // Records a stored value (memory storage); `hit` is its resolved promise, made beforehand.
  // No user code runs here.
  #store(value, hit) {
    this.#value = value;
    this.#dropped = undefined;
    this.#hit = hit;
    this.#freshFrom = this.#machine.stored_at(this.#id);
    this.#freshUntil = this.#machine.fresh_until(this.#id);
    this.#setForever(this.#freshUntil === Infinity && this.#transform === null ? hit : null);
    if (this.#bounded) this.#cache._dropEvicted();
  }

  // The stored value, or else the one the last invalidate() dropped.
  #stale() {
    return this.#hit !== null ? this.#value : this.#dropped;
  }

  #drop() {
    this.#value = undefined;
    this.#hit = null;
    this.#freshFrom = Infinity;
    this.#freshUntil = -Infinity;
    this.#setForever(null);
  }

  // Sets `#forever` (nothing else does). In an unbounded MemoryCache, while no user holds this
  // var, the promise is also indexed there by name, for keyed hits that skip the var (a bounded
  // cache must hear of every hit, for its LRU order; a held var counts every hit in its stats()).
  // No user code runs here.
  #setForever(p) {
    const old = this.#forever;
    if (old === p) return;
    const index = this.#indexedIn();
    if (old !== null && index !== null) index._unindex(this.name);
    this.#forever = p;
    if (p !== null && index !== null) index._index(this.name, p);
  }

  // The cache that indexes this var's never-expiring value, or null (see #setForever).
  #indexedIn() {
    return this.#cache !== null && !this.#bounded && !this.#handedOut ? this.#cache : null;
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

  /**
   * Stores `value` as if loaded now; a load already running can no longer overwrite it (its
   * waiters still get that load's value).
   */
  set(value) {
    // A loader's promise is awaited; set() cannot wait, and a stored promise that rejects would
    // be a cached error (every get() a hit that rejects). A `then` getter's throw is thrown.
    // (First: on workerd a Promise is also an I/O object; this says what to do instead.)
    if (value !== null && (typeof value === "object" || typeof value === "function") && typeof value.then === "function") {
      // A promise refused here is the caller's to handle, but its rejection would be unhandled
      // (fatal in Node) once the caller caught this error.
      if (value instanceof Promise) Promise.prototype.then.call(value, undefined, noop);
      throw new TypeError(`${this.#what}: set() stores a value, not a promise or thenable (errors are never cached): await it first, then set() the value`);
    }
    const refusal = this.#refusal(value);
    if (refusal !== null) throw refusal;
    const hit = this.#storage === null ? resolved(value) : null;
    const now = this.#now();
    ensureStack();
    this.#attached().#setAt(value, hit, now);
  }

  // The rest of set(), on the var to go on with (see #attached).
  #setAt(value, hit, now) {
    if (this.#bounded) this.#cache._flushTouches();
    this.#joinable = null;
    if (this.#storage !== null) {
      this.#storageSet(value);
      this.#machine.set(this.#id, now);
      return;
    }
    this.#machine.set(this.#id, now);
    this.#fenced();
    this.#store(value, hit);
  }

  /**
   * Drops the value (unless within `cooldown` of the last store or forced reload); loads that
   * began before can no longer store theirs, and the next `get()` waits for a new load. The
   * dropped value is kept only as the stale-if-error answer (and the loader's `previous`) until
   * a new one is stored: an invalidate during an outage must not turn stale keys into none.
   * Returns `true` if it took effect, `false` if `cooldown` skipped it.
   */
  invalidate() {
    const now = this.#now();
    ensureStack();
    return this.#attached().#invalidateAt(now);
  }

  // The rest of invalidate(), on the var to go on with (see #attached).
  #invalidateAt(now) {
    this.#joinable = null;
    if (!this.#machine.invalidate(this.#id, now)) return false;
    this.#fenced();
    this.#forced = true;
    if (this.#storage !== null) {
      this.#storageSet(NO_VALUE_STORED);
      return true;
    }
    if (this.#hit !== null) this.#dropped = this.#value;
    this.#drop();
    return true;
  }

  /**
   * @internal MemoryCache#delete: forgets the value, the stale-if-error fallback, the backoff
   * and the cooldown; running loads can no longer store theirs (their callers still get their
   * outcome); the next get() loads afresh, from the origin. Whether a value was stored.
   */
  _delete() {
    const had = this._has();
    this.#forced = true;
    // (A var whose name was forgotten holds nothing in the core; its custom storage may still.)
    // (No stack check: MemoryCache#delete checked, and a throw here would leave the cache's
    // maps and the core disagreeing.)
    if (this.#id >= 0) {
      if (this.#bounded) this.#cache._flushTouches();
      this.#joinable = null;
      this.#machine.delete(this.#id);
      this.#fenced();
    }
    if (this.#storage !== null) this.#storageSet(NO_VALUE_STORED);
    this.#dropped = undefined;
    this.#drop();
    return had;
  }

  /** @internal Whether a value is stored, fresh or stale (MemoryCache#has). */
  _has() {
    if (this.#storage !== null) {
      try {
        return this.#storage.get(this.name) !== NO_VALUE_STORED;
      } catch {
        return false;
      }
    }
    return this.#hit !== null;
  }

  /** @internal Whether the core holds a value for this var, stored or fallback (for tests). */
  _holds() {
    if (this.#id < 0) return false;
    ensureStack();
    return this.#machine.holds(this.#id);
  }

  /** @internal This var's slot in its machine (-1: detached). */
  get _id() {
    return this.#id;
  }

  /** @internal How many times its cache forgot its name (for tests). */
  get _detachments() {
    return this.#detachments;
  }

  /**
   * @internal memoryCachedVar() handed this var to a user; `used`: it may have counted calls
   * already (keyed calls made it). Its stats() count from the first hand-out on: keyed hits
   * before it were served by the cache's index, which counts them in the cache's totals only.
   */
  _handOut(used) {
    // (Written once: memoryCachedVar(name) on a warm path then only reads the var.)
    if (!this.#handedOut) {
      // A var a keyed call made reads its slot's counts from the core: the stack is checked
      // first, as before every call into the core (a new var's was checked when it was made).
      if (used) ensureStack();
      this.#firstHandOut(used);
    }
  }

  #firstHandOut(used) {
    const index = this.#forever !== null ? this.#indexedIn() : null;
    if (index !== null) index._unindex(this.name);
    // Its stats() count from now: the counts so far stay in the cache's totals only. (Not the
    // shared tier's counters, which the cache does not total: they count since creation.)
    if (used) this.#carried = subtractStats(ZERO_STATS, this.#slotStats());
    this.#handedOut = true;
  }

  /** @internal Whether this var's next load skips its shared tier (after invalidate() or delete()). */
  get _skipsTier() {
    return this.#forced && this.#tier !== null;
  }

  /** @internal The next load skips the shared tier: a forgotten var of this name's was to. */
  _skipTier() {
    this.#forced = true;
  }

  /** @internal Whether a user may hold this var (see #handedOut). */
  get _handedOut() {
    return this.#handedOut;
  }

  /**
   * @internal Its cache forgot this var's name (idle: nothing held, nothing running): the slot
   * goes to another name. Returns the counters of the slot, which the cache keeps in its totals.
   */
  _detach() {
    const slot = this.#slotStats();
    this.#drop();
    this.#hits = 0;
    this.#fastJoins = 0;
    this.#id = -1;
    this.#detachments++;
    this.#joinable = null;
    // (#forced stays: a var invalidated, then forgotten, still skips the shared tier next.)
    this.#dropped = undefined;
    if (this.#handedOut) this.#carried = this.#carried === null ? slot : addStats(this.#carried, slot);
    return slot;
  }

  /** @internal Takes a new slot in `machine` (see _detach). Returns it. */
  _attach(machine) {
    const id = addVar(machine, this.#what, this.#options);
    this.#id = id;
    return id;
  }

  // The var a call goes on with once it is about to tell the core something: this one — which,
  // detached, first takes a slot again — or, if user code this very call ran (a getter of its
  // options or value, the clock, custom storage) let the cache forget this var's name and a keyed
  // call then made a new var for it, that var: the one var of the name. (This var was then never
  // handed out: a held var is found again by its name, so no new one is made while it lives.)
  #attached() {
    return this.#id < 0 ? this.#cache._reattach(this) : this;
  }

  /** @internal The counters of the current slot (MemoryCache#stats: its totals). */
  _slotCounts() {
    return this.#slotStats();
  }

  // The counters of the current slot: the core's, plus the hits and joins served in JS. No stack
  // check: _detach runs it in the middle of MemoryCache#reclaim, after the core forgot the slot
  // (a throw there left a var the cache no longer knew serving another name's slot); public
  // callers check first.
  #slotStats() {
    if (this.#id < 0) return { ...ZERO_STATS };
    const [hits, misses, loads, errors, staleServed, timeouts, coalesced, cooldownSkips] = this.#machine.stats(this.#id);
    const joins = this.#fastJoins;
    return { hits: hits + this.#hits, misses: misses + joins, loads, errors, staleServed, timeouts, coalesced: coalesced + joins, cooldownSkips };
  }

  /** Counters since creation, or since memoryCachedVar() first returned this var. */
  stats() {
    ensureStack();
    const slot = this.#slotStats();
    const counts = this.#carried === null ? slot : addStats(this.#carried, slot);
    return this.#tier === null ? counts : { ...counts, ...this.#tier.counts };
  }
}

// A loader is called as a plain function (`this` undefined), never as a method of the var: that
// would hand the var to user code without memoryCachedVar().
function callLoader(loader, ctx) {
  return loader(ctx);
}

// `value`'s resolved promise, made before the core records the value: `Promise.resolve` reads a
// `then` property, which may be a getter that runs user code. A thenable stored by set() is
// resolved by each get(), which reports its failure; left unobserved here, that failure would be
// an unhandled rejection (fatal in Node, Deno, Bun).
function resolved(value) {
  const p = Promise.resolve(value);
  p.catch(noop);
  return p;
}

// The waits each signal ends: { listener, waits }, while any. A signal gets one "abort" listener
// from this package however many get()s pass it: Node warns of a leak past 10 listeners on one
// signal (MaxListenersExceededWarning), which a server passing its shutdown signal to every get()
// met with 11 concurrent cold requests.
const abortWaits = new WeakMap();

// `onAbort` runs when `signal` aborts, unless unlistenAbort() took it off first. Throws what the
// signal's addEventListener throws (a signal-like object), having registered nothing.
function listenAbort(signal, onAbort) {
  let entry = abortWaits.get(signal);
  if (entry === undefined) {
    const waits = new Set();
    const listener = () => {
      abortWaits.delete(signal);
      for (const run of waits) run();
    };
    // Recorded first: a signal-like object's addEventListener that calls get() with the same
    // signal then shares this listener instead of leaving one of its own behind.
    entry = { listener, waits };
    abortWaits.set(signal, entry);
    try {
      signal.addEventListener("abort", listener, { once: true });
    } catch (error) {
      abortWaits.delete(signal);
      throw error;
    }
  }
  entry.waits.add(onAbort);
}

// Takes `onAbort` off `signal`; the signal's listener goes with its last wait. Throws what the
// signal's removeEventListener throws (a signal-like object), having taken the wait off anyway.
function unlistenAbort(signal, onAbort) {
  const entry = abortWaits.get(signal);
  if (entry === undefined || !entry.waits.delete(onAbort) || entry.waits.size > 0) return;
  abortWaits.delete(signal);
  signal.removeEventListener("abort", entry.listener);
}

// Why `signal` aborted: its reason, or what its `reason` getter threw (a signal-like object), so
// the wait ends either way.
function abortReason(signal) {
  try {
    return signal.reason;
  } catch (error) {
    return error;
  }
}

// A caller's own AbortSignal ends its wait, not what others wait for.
function raceSignal(p, signal) {
  if (signal.aborted) {
    // Aborted by what this get() ran: its transform's failure is nobody's to handle now (an
    // unhandled rejection ends a Node process).
    p.catch(noop);
    return Promise.reject(abortReason(signal));
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    listenAbort(signal, onAbort);
    // The caller is answered even if its signal-like object's removeEventListener throws.
    const done = (settle) => (outcome) => {
      try {
        unlistenAbort(signal, onAbort);
      } catch {
        // Nothing to undo that matters: the listener only rejects an already settled promise.
      }
      settle(outcome);
    };
    p.then(done(resolve), done(reject));
  });
}
