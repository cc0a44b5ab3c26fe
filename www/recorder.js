// One demo configuration: a fresh MemoryCache and its var "jwks" loading from its own simulated
// origin, plus the record the timeline draws. Callers are classified from what the package
// reports — the stats() delta across each synchronous get()/invalidate() call, and which load
// produced the value a caller finally received — never by re-deciding the cache's policy here.

import { MemoryCache } from "simple-memory-cache";
import { Origin } from "./origin.js";

// Callers closer than this (ms) in one row would overlap on screen; the next row is used.
const ROW_GAP_MS = 120;

function delta(after, before) {
  const d = {};
  for (const k of Object.keys(after)) d[k] = after[k] - before[k];
  return d;
}

export class Recorder {
  /** Every get(): { t, end, kind: "hit"|"miss"|"joined"|"stale"|"error", started, row, value, error }. */
  callers = [];
  /** Every invalidate(): { t, effective }. */
  invalidations = [];
  /** The var's `state` over time: { state, from, to } (to: null for the current one). */
  bands = [];
  /** When invalidate() would be ignored: merged [from, to) windows after each store or effective invalidate. */
  cooldowns = [];
  #rowEnds = [];
  #lastStored = null;

  /**
   * Throws the package's own error when `options` are invalid.
   * @param {object} options CachedVar options (ttl, staleWhileRevalidate, …)
   * @param {() => number} clock the page clock, shared by the var, the origin and the timeline
   */
  constructor(options, clock) {
    this.clock = clock;
    this.var = new MemoryCache({ clock }).memoryCachedVar("jwks", options);
    this.cooldown = this.var.options.cooldown;
    this.origin = new Origin(clock);
    this.var.onFirstAccess(this.origin.loader);
    this.t0 = clock();
    this.sample();
  }

  stats() {
    return this.var.stats();
  }

  /** One get(); returns its caller record, whose `settled` promise never rejects. */
  get() {
    const before = this.var.stats();
    const t = this.clock();
    const promise = this.var.get();
    const d = delta(this.var.stats(), before);
    // The decision is taken synchronously inside get(); its counters say which one it was.
    const kind = d.hits > 0 ? "hit" : d.staleServed > 0 ? "stale" : d.coalesced > 0 ? "joined" : "miss";
    const caller = { t, end: null, kind, started: d.loads > 0, row: this.#row(t), value: undefined, error: null };
    this.callers.push(caller);
    caller.settled = promise.then(
      (value) => {
        caller.value = value;
        // A waiter that receives a value stored before it asked was served stale (staleIfError).
        if ((kind === "miss" || kind === "joined") && value.loadedAt < t) caller.kind = "stale";
      },
      (error) => {
        caller.kind = "error";
        caller.error = `${error.name}: ${error.message}`;
      },
    ).then(() => {
      caller.end = this.clock();
      this.#rowEnds[caller.row] = caller.end;
      this.sample();
      return caller;
    });
    this.sample();
    return caller;
  }

  /** One invalidate(); returns whether it took effect (false: ignored under cooldown). */
  invalidate() {
    const before = this.var.stats().cooldownSkips;
    const t = this.clock();
    this.var.invalidate();
    const effective = this.var.stats().cooldownSkips === before;
    this.invalidations.push({ t, effective });
    if (effective) this.#cooldownFrom(t);
    this.sample();
    return effective;
  }

  /** Records the var's current state and any newly stored value; call often (every frame). */
  sample() {
    const now = this.clock();
    const state = this.var.state;
    const band = this.bands.at(-1);
    if (band?.state !== state) {
      if (band) band.to = now;
      this.bands.push({ state, from: now, to: null });
    }
    const stored = this.var.peek();
    if (stored !== undefined && stored !== this.#lastStored) {
      this.#lastStored = stored;
      this.#cooldownFrom(stored.loadedAt);
    }
  }

  #cooldownFrom(t) {
    if (this.cooldown === 0) return;
    const to = t + this.cooldown;
    const last = this.cooldowns.at(-1);
    if (last && t <= last.to) last.to = Math.max(last.to, to);
    else this.cooldowns.push({ from: t, to });
  }

  // The lowest caller row free at time t (a pending caller holds its row).
  #row(t) {
    let row = this.#rowEnds.findIndex((end) => end !== null && end + ROW_GAP_MS <= t);
    if (row === -1) row = this.#rowEnds.length;
    this.#rowEnds[row] = null;
    return row;
  }
}
