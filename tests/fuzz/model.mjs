// The reference model of the package fuzzer (issue 11): what ONE cached var of the package must do,
// written from the README and issue 11's list of semantics (not from pkg/lib/ or src/core/). It is
// driven online by the fuzzer (tests/fuzz/fuzz.mjs): every call into the package and every event
// the package causes (a loader call, a timeout, a load's result being handed over, a shared-tier
// read) is told to the model at the moment it happens, and the model answers what the package
// must do: which get() is a hit, which starts or joins which load, what each caller may be
// resolved or rejected with, what is stored, and the counters.
//
// Rules encoded (the fixed package's; "NEW" marks the ones issue 11 adds; issue 12 adds a
// value's own lifetime, `ctx.ttl`, the backoff of `retryInterval`, `delete` and forgetting):
//   - fresh while at <= now < at + ttl (NEW: a clock stepped back before `at` counts as expired;
//     assumed: ttl Infinity stays fresh whatever the clock says, and an "expired" value of a step
//     back is within both stale windows when they are > 0); a fresh value is a hit.
//   - expired and staleWhileRevalidate > 0 and now < at + ttl + swr (or now < at): the stale value
//     at once, and one background load unless a joinable one runs.
//   - otherwise join the joinable load (one that began after the last effective invalidate()/set(),
//     the "epoch", and is neither settled nor timed out) or start one: one load per epoch.
//   - a load stores its value only if it began after the epoch and after the stored value's own
//     load/set (fencing); NEW: when a load stores, every caller still waiting for a value of the
//     var is resolved with it; a fenced load's own waiters get its value.
//   - a failed or timed-out load: its waiters get the stale value when staleIfError covers it
//     (the stored value until at + ttl + sie, or now < at; with nothing stored, the value the last
//     effective invalidate() dropped, until the moment it counted as expired + sie), else its error.
//   - invalidate() within [from, from + cooldown) of the last store or effective invalidate is a
//     skip; else the value is dropped (kept as the stale-if-error answer) and the epoch moves.
//   - set(v) stores v now and moves the epoch.
//   - (issue 12) a value is fresh for its own lifetime: the ctx.ttl its load set last (valid
//     values only; an invalid one fails the load), a tier entry's `l`, else the var's ttl.
//   - (issue 12) delete() (MemoryCache by name): the value, the fallback, the backoff and the
//     cooldown window are forgotten and the epoch moves (running loads fenced; their own waiters
//     still get their outcome); with a tier, the next load skips it. True iff a value was stored.
//   - (issue 12) a name the cache forgot keeps nothing but its counters (and the tier skip).
//   - backoff (retryInterval): after a failure, callers staleIfError covers (with the stored
//     value, or the one the last invalidate() dropped) get it at once; one background retry per
//     retryInterval from the last failure or retry.
//   - every get() is one hit or one miss (NEW: gets rejected before a decision, i.e. aborted
//     signal, no loader, the own-var guard, a faulty clock, count as misses).
//   - a clock fault makes the call that read it report it; while a load's result is handled:
//     that load's waiters are rejected with it, nothing is stored, the var keeps what it had.
//
// Values are objects the fuzzer makes, compared by identity (or by `tag` when they came back
// through the shared tier's JSON).

/** The counters of `stats()` the model predicts. */
export function emptyStats() {
  return { hits: 0, misses: 0, loads: 0, errors: 0, staleServed: 0, timeouts: 0, coalesced: 0, cooldownSkips: 0 };
}

export const STAT_KEYS = Object.keys(emptyStats());

/**
 * One var. `spec`: { index, name, mode: "memory" | "custom", ttl, swr, sie, timeout, cooldown,
 * tier (null or a mode), transform (bool), loader (bool: registered from the start) }.
 * `rules`: which NEW rules to hold the package to (all true by default; turning one off lets the
 * fuzzer look for the other bugs on a build that predates that rule).
 */
export class VarModel {
  constructor(spec, rules) {
    this.spec = spec;
    this.rules = rules;
    this.seq = 0;
    this.epoch = 0;
    // { value, at, seq, tag }
    this.stored = null;
    // The value the last effective invalidate() dropped: { value, expiredAt }.
    this.dropped = null;
    // What the next load's ctx.previous must be: the value stored last (kept by an
    // invalidate(), whatever the clock says), until delete(), eviction or forgetting; undefined if none.
    this.prev = undefined;
    this.cooldownFrom = null;
    // Since when the origin counts as failing (the last failed load, or the last background retry
    // started since); null once a value is stored. See decideGet's backoff.
    this.failingSince = null;
    // Set by an effective invalidate(): the next load skips the shared tier.
    this.forced = false;
    this.hasLoader = spec.loader;
    // Loads not yet done (settled, failed, timed out), oldest first.
    this.running = [];
    // Every get() record of this var not yet settled.
    this.pending = new Set();
    this.stats = emptyStats();
    // Set when a fault made the detailed counters uncertain (hits + misses stay exact).
    this.statsInexact = false;
  }

  isFresh(now) {
    const s = this.stored;
    if (s === null) return false;
    if (s.ttl === Infinity) return true;
    if (this.rules.stepBack && now < s.at) return false;
    return now < s.at + s.ttl;
  }

  // A reading before the store time (a clock stepped back) is past every window (stepBack rule).
  staleServable(now) {
    const s = this.stored;
    if (s === null || this.spec.swr <= 0) return false;
    if (now < s.at) return !this.rules.stepBack;
    return now < s.at + s.ttl + this.spec.swr;
  }

  sieCovered(now) {
    const sie = this.spec.sie;
    if (sie <= 0) return false;
    const s = this.stored;
    if (s !== null) return now < s.at ? !this.rules.stepBack : now < s.at + s.ttl + sie;
    if (this.dropped === null) return false;
    if (this.rules.stepBack && now < this.dropped.expiredAt) return false;
    return now < this.dropped.expiredAt + sie;
  }

  /** What the var's `state` getter must read at `now` (index.d.ts). */
  expectedState(now) {
    if (this.stored !== null) return this.isFresh(now) ? "fresh" : "stale";
    return this.joinable() !== null ? "loading" : "empty";
  }

  staleValue() {
    return this.stored !== null ? this.stored.value : this.dropped?.value;
  }

  joinable() {
    return this.running.find((l) => !l.done && l.seq > this.epoch) ?? null;
  }

  startLoad(now) {
    const load = {
      seq: ++this.seq,
      var: this.spec.index,
      done: false,
      // How the package gets its value: "call" (the loader, at once), "tier" (a shared-tier read
      // first; `tierRead` says which kind), then "called" once the loader was called.
      phase: this.spec.tier !== null && !this.forced ? "tier" : "call",
      tierRead: null,
      nowAtStart: now,
      waiters: new Set(),
      startedAt: Date.now(),
      // ctx.previous due to its loader, and whether it is a background load (onError's info).
      prev: this.prev,
      background: false,
    };
    this.stats.loads++;
    this.running.push(load);
    return load;
  }

  /**
   * A get() at `now`. `ctx`: { aborted, inLoaderSync }. Returns the decision:
   * { kind: "aborted" | "hit" | "noLoader" | "guard" | "stale" | "staleRevalidate" | "join" | "start", value?, load? }.
   */
  decideGet(now, ctx) {
    const s = this.stats;
    if (ctx.aborted) {
      if (this.rules.countEarly) s.misses++;
      return { kind: "aborted", counted: this.rules.countEarly };
    }
    if (this.isFresh(now)) {
      s.hits++;
      return { kind: "hit", value: this.stored.value };
    }
    if (!this.hasLoader) {
      if (this.rules.countEarly) s.misses++;
      return { kind: "noLoader", counted: this.rules.countEarly };
    }
    if (ctx.inLoaderSync) {
      if (this.rules.countEarly) s.misses++;
      return { kind: "guard", counted: this.rules.countEarly };
    }
    s.misses++;
    // Served stale with a reload in the background: within staleWhileRevalidate; and, while
    // the origin fails (backoff, retryInterval), to callers staleIfError covers with the stored
    // value or the one the last invalidate() dropped. While it fails (staleIfError on), a reload
    // starts at most once per interval, in either case.
    const revalidate = this.staleServable(now);
    const asked = this.failingSince === -Infinity && this.joinable() === null;
    if ((revalidate || (this.failingSince !== null && this.sieCovered(now))) && !asked) {
      s.staleServed++;
      const value = this.staleValue();
      if (this.joinable() !== null) return { kind: "stale", value };
      const from = this.failingSince;
      if (from !== null && this.spec.sie > 0) {
        const retry = this.spec.retry ?? 5000;
        if (from <= now && now < from + retry) return { kind: "stale", value };
        this.failingSince = now;
        const l = this.startLoad(now);
        l.background = true;
        return { kind: "staleRevalidate", value, load: l, failingBefore: from };
      }
      const l = this.startLoad(now);
      l.background = true;
      return { kind: "staleRevalidate", value, load: l };
    }
    // A waiting caller hears the loads running when it began waiting (its own included): the
    // first of them to store a value serves it.
    const j = this.joinable();
    if (j !== null) {
      s.coalesced++;
      return { kind: "join", load: j, hears: new Set(this.running) };
    }
    const load = this.startLoad(now);
    return { kind: "start", load, hears: new Set(this.running) };
  }

  /** Undo the counting of a decision that a clock fault turned into a rejection. */
  undoDecision(d) {
    const s = this.stats;
    if (d.kind === "hit") s.hits--;
    else if (d.counted !== false) s.misses--;
    if (d.kind === "stale" || d.kind === "staleRevalidate") s.staleServed--;
    if (d.kind === "join") s.coalesced--;
    if (d.failingBefore !== undefined) this.failingSince = d.failingBefore;
    if (d.load !== undefined && (d.kind === "start" || d.kind === "staleRevalidate")) {
      s.loads--;
      this.seq--;
      this.running = this.running.filter((l) => l !== d.load);
    }
    // A get rejected before a decision is a miss (NEW).
    if (this.rules.countEarly) s.misses++;
  }

  /** invalidate() at `now`: true when effective. */
  invalidate(now) {
    const from = this.cooldownFrom;
    if (from !== null && from <= now && now < from + this.spec.cooldown) {
      this.stats.cooldownSkips++;
      return false;
    }
    this.epoch = ++this.seq;
    // A new question to the origin: its reload goes there at once even during a backoff; the
    // backoff goes on (-Infinity: asked): the next get() waits for that reload, the callers while
    // it runs are served stale.
    this.failingSince = this.failingSince === null ? null : -Infinity;
    const s = this.stored;
    if (s !== null) {
      // Counted as expired now (or at its own expiry if earlier); read before its store time,
      // past every window: no fallback (stepBack rule).
      const readable = !this.rules.stepBack || s.at <= now;
      this.dropped = readable ? { value: s.value, expiredAt: this.isFresh(now) ? now : s.at + s.ttl } : null;
      this.stored = null;
    }
    this.cooldownFrom = now;
    if (this.spec.tier !== null) this.forced = true;
    return true;
  }

  set(value, now) {
    this.epoch = ++this.seq;
    this.stored = { value, at: now, seq: this.epoch, ttl: this.spec.ttl };
    this.prev = value;
    this.dropped = null;
    this.failingSince = null;
    this.cooldownFrom = now;
  }

  /**
   * MemoryCache#delete(name) (issue 12): forgets the value, the stale-if-error fallback, the
   * backoff and the cooldown window; running loads are fenced (they store nothing, their own
   * callers still get their outcome); the next get() loads afresh, skipping the shared tier.
   * Returns whether a value was stored.
   */
  delete() {
    const had = this.stored !== null;
    this.epoch = ++this.seq;
    this.stored = null;
    this.dropped = null;
    this.prev = undefined;
    this.failingSince = null;
    this.cooldownFrom = null;
    if (this.spec.tier !== null) this.forced = true;
    return had;
  }

  /**
   * The cache forgot the name (issue 12: idle, holding nothing; its cooldown window ends): a
   * held var of it keeps working with nothing of its old state but its counters (and, kept by
   * the package, that its next load skips the shared tier after an invalidate()).
   */
  forgotten() {
    this.dropped = null;
    this.prev = undefined;
    this.failingSince = null;
    this.cooldownFrom = null;
  }

  /** The cache dropped the value to respect maxEntries. */
  evict() {
    this.stored = null;
    this.dropped = null;
    this.prev = undefined;
  }

  #finish(load) {
    if (load.done) return false;
    load.done = true;
    this.running = this.running.filter((l) => l !== load);
    return true;
  }

  /**
   * Load `load` resolved with `value` (`at`: its store time when it came from the shared tier;
   * `ttl`: the lifetime the tier entry carried). A value's freshness lifetime (issue 12): the
   * tier entry's, else the `ctx.ttl` its loader set last (`load.ttl`), else the var's ttl.
   * Returns { stored, resolve: [[rec, value]...] }: the callers to resolve and with what.
   */
  loaded(load, value, now, at, ttl) {
    if (!this.#finish(load)) return { discarded: true, resolve: [] };
    const resolve = [];
    const stores = load.seq > this.epoch && (this.stored === null || load.seq > this.stored.seq);
    if (stores) {
      const storedAt = at ?? now;
      this.stored = { value, at: storedAt, seq: load.seq, ttl: ttl ?? load.ttl ?? this.spec.ttl };
      this.prev = value;
      this.dropped = null;
      this.failingSince = null;
      this.cooldownFrom = storedAt;
      if (at === undefined) this.forced = false;
      const hears = (r) => r.load === load || r.hears === undefined || r.hears.has(load);
      const everyone = this.rules.resolveAll ? [...this.pending].filter((r) => r.load !== null && r.expected === null && hears(r)) : [...load.waiters];
      for (const r of everyone) resolve.push([r, value]);
    } else {
      for (const r of load.waiters) resolve.push([r, value]);
    }
    return { stored: stores, resolve };
  }

  /** Load `load` failed with `error` (a TimeoutError when `timedOut`). */
  failed(load, now, timedOut) {
    if (!this.#finish(load)) return { discarded: true, stale: false, waiters: [] };
    this.stats.errors++;
    if (timedOut) this.stats.timeouts++;
    // A load begun before the last invalidate() leaves the reload that invalidate asked for.
    if (!(this.failingSince === -Infinity && load.seq <= this.epoch)) this.failingSince = now;
    const waiters = [...load.waiters].filter((r) => r.expected === null);
    const stale = this.sieCovered(now);
    if (stale) this.stats.staleServed += waiters.length;
    return { stale, value: stale ? this.staleValue() : undefined, waiters };
  }

  /** A clock fault while the package handled `load`'s result: nothing stored from it. */
  faulted(load) {
    const first = this.#finish(load);
    this.statsInexact = true;
    return { first, waiters: [...load.waiters].filter((r) => r.expected === null) };
  }
}

/** Outcome descriptions for messages. */
export function describeValue(v) {
  if (v === undefined) return "undefined";
  if (v !== null && typeof v === "object") {
    if ("wrapped" in v) return `wrapped(${describeValue(v.wrapped)})`;
    if ("tag" in v) return `value ${v.tag}`;
  }
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function describeError(e) {
  if (e === null || e === undefined) return String(e);
  return `${e.name ?? typeof e}: ${e.message ?? String(e)}`;
}
