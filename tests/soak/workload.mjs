// The soak workload, shared by tests/soak/node-soak.mjs (in Node) and tests/soak/workerd-worker.js
// (in workerd, per request): random get / invalidate / set across many vars, with loaders that
// answer at once, after a microtask or a few ms, fail, or outlast the var's timeout; a fake clock
// drives ttl, stale-while-revalidate, stale-if-error and cooldown; custom-storage vars live in
// AsyncLocalStorage scopes. While it runs it checks, and counts as violations:
//   - single-flight: a loader call never starts while another call of the same var is live
//     (not settled, not timed out) and began after the last effective invalidate()/set() —
//     except, with `guardedJoins` (workerd), once that call has run for the var's timeout:
//     joiners from other requests then take the load over by design (counted as takeovers);
//   - cooldown: effective invalidates of a var are at least `cooldown` apart;
//   - every get() resolves a value of its own var, or rejects with the loader's error or a
//     TimeoutError — nothing else;
//   - a custom-storage get() only ever sees values of its own scope;
//   - no get() is left unsettled once the batch it belongs to has had `hangMs` to settle.

const OPTIONS = { ttl: 50, staleWhileRevalidate: 30, staleIfError: 100, timeout: 15, cooldown: 40 };
const SLOW_MS = 4;
const HANG_MS = 25; // past the timeout

/** A seeded xorshift32 generator: `next()` in [0, 1). */
export function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `api`: the package; `AsyncLocalStorage`: node:async_hooks'. The vars are module state of the
 * returned workload, shared by every `run()` (in workerd: by every request of the isolate).
 */
export function createWorkload({ api, AsyncLocalStorage, guardedJoins = false, vars = 64, maxEntries = 24, scopedVars = 8 }) {
  const { CachedVar, MemoryCache, NO_VALUE_STORED } = api;
  let now = 1_700_000_000_000;
  const clock = () => now;
  const counts = { ops: 0, gets: 0, invalidates: 0, effectiveInvalidates: 0, sets: 0, loaderCalls: 0, loaderFailures: 0, loaderHangs: 0, timeouts: 0, rejections: 0, scoped: 0, standalone: 0, maxLiveLoads: 0, takeovers: 0, violations: 0 };
  // The first few violations, and how many there were.
  const violations = [];
  const violate = (what) => {
    counts.violations++;
    if (violations.length < 10) violations.push(what);
  };

  // Shared vars: half in a bounded cache (evictions), half in an unbounded one.
  const bounded = new MemoryCache({ ...OPTIONS, maxEntries, clock });
  const unbounded = new MemoryCache({ ...OPTIONS, clock });
  const shared = Array.from({ length: vars }, (_, i) => {
    const v = (i % 2 === 0 ? bounded : unbounded).memoryCachedVar(`soak-${i}`);
    const s = { v, i, epoch: 0, live: new Set(), lastEffective: -Infinity, loads: 0, detachments: 0 };
    v.onFirstAccess(({ signal }) => load(s, signal));
    return s;
  });

  let next = Math.random;
  async function load(s, signal) {
    counts.loaderCalls++;
    for (const other of s.live) {
      if (other.epoch !== s.epoch) continue;
      const age = Date.now() - other.began;
      if (guardedJoins && age >= OPTIONS.timeout) counts.takeovers++;
      else violate(`two live loads of soak-${s.i} in epoch ${s.epoch} (the other began ${age} ms ago)`);
    }
    const call = { epoch: s.epoch, began: Date.now() };
    s.live.add(call);
    // A timed-out call is over for the cache (and in workerd may never resume).
    signal.addEventListener("abort", () => s.live.delete(call));
    counts.maxLiveLoads = Math.max(counts.maxLiveLoads, s.live.size);
    try {
      const r = next();
      if (r < 0.3) return { var: s.i, n: ++s.loads };
      if (r < 0.6) await null;
      else if (r < 0.85) await sleep(next() * SLOW_MS);
      else if (r < 0.95) {
        counts.loaderFailures++;
        await sleep(next() * SLOW_MS);
        throw new Error("soak: origin failed");
      } else {
        counts.loaderHangs++;
        await sleep(HANG_MS);
      }
      return { var: s.i, n: ++s.loads };
    } finally {
      s.live.delete(call);
    }
  }

  // Custom-storage vars: the value lives in the caller's AsyncLocalStorage scope.
  const als = new AsyncLocalStorage();
  const storage = {
    get: (name) => {
      const scope = als.getStore();
      return scope.values.has(name) ? scope.values.get(name) : NO_VALUE_STORED;
    },
    set: (name, value) => als.getStore().values.set(name, value),
  };
  const scoped = Array.from({ length: scopedVars }, (_, j) => {
    const v = new CachedVar(`soak-scoped-${j}`, { storage, timeout: OPTIONS.timeout });
    v.onFirstAccess(async () => {
      const scope = als.getStore().id;
      if (next() < 0.5) await sleep(next() * SLOW_MS);
      return { scope, var: j };
    });
    return v;
  });
  let scopeIds = 0;

  const expected = (e) => e?.message === "soak: origin failed" || e?.name === "TimeoutError";
  function track(p, i, batch) {
    counts.gets++;
    batch.push(
      p.then(
        (value) => {
          if (value?.var !== i) violate(`get() of soak-${i} resolved ${JSON.stringify(value)}`);
        },
        (e) => {
          counts.rejections++;
          if (e?.name === "TimeoutError") counts.timeouts++;
          if (!expected(e)) violate(`get() of soak-${i} rejected: ${e?.name}: ${e?.message}`);
        },
      ),
    );
  }

  // One request-like scope: a few gets, invalidates and sets of the scoped vars.
  function scopedRequest(batch) {
    const id = ++scopeIds;
    counts.scoped++;
    batch.push(
      als.run({ id, values: new Map() }, async () => {
        for (let k = 0; k < 4; k++) {
          const j = Math.floor(next() * scoped.length);
          const v = scoped[j];
          const r = next();
          if (r < 0.15) v.invalidate();
          else if (r < 0.25) v.set({ scope: id, var: j });
          else {
            try {
              const value = await v.get();
              if (value?.scope !== id || value?.var !== j) violate(`scope ${id} read ${JSON.stringify(value)} from soak-scoped-${j}`);
            } catch (e) {
              if (!expected(e)) violate(`scoped get() rejected: ${e?.name}: ${e?.message}`);
            }
          }
        }
      }),
    );
  }

  function invalidate(s) {
    counts.invalidates++;
    // A var whose name its bounded cache forgot since (nothing held, nothing running) starts
    // afresh: its cooldown window ended with it.
    if (s.v._detachments !== s.detachments) {
      s.detachments = s.v._detachments;
      s.lastEffective = -Infinity;
    }
    const skips = s.v.stats().cooldownSkips;
    const effective = s.v.invalidate();
    if (effective === (s.v.stats().cooldownSkips !== skips)) violate(`soak-${s.i}: invalidate() returned ${effective}, yet cooldownSkips says otherwise`);
    if (!effective) return;
    counts.effectiveInvalidates++;
    if (now - s.lastEffective < OPTIONS.cooldown) violate(`soak-${s.i}: effective invalidates ${now - s.lastEffective} ms apart (cooldown ${OPTIONS.cooldown})`);
    s.lastEffective = now;
    s.epoch++;
  }

  /**
   * Runs `ops` operations in batches of `batchSize`, each batch given `hangMs` to settle.
   * `seed` makes the sequence of choices repeatable (latencies are real timers).
   */
  async function run({ ops, seed, batchSize = 1000, hangMs = 2000 }) {
    next = random(seed);
    let hangs = 0;
    for (let done = 0; done < ops; ) {
      const batch = [];
      for (let k = 0; k < batchSize && done < ops; k++, done++) {
        counts.ops++;
        const r = next();
        if (r < 0.72) {
          const s = shared[Math.floor(next() * shared.length)];
          track(s.v.get(), s.i, batch);
        } else if (r < 0.8) invalidate(shared[Math.floor(next() * shared.length)]);
        else if (r < 0.83) {
          const s = shared[Math.floor(next() * shared.length)];
          counts.sets++;
          s.v.set({ var: s.i, n: ++s.loads });
          s.epoch++;
        } else if (r < 0.9) scopedRequest(batch);
        else if (r < 0.9005) {
          // A var created and dropped at run time: its wasm machine must be freed with it.
          counts.standalone++;
          const v = new CachedVar("soak-standalone", { ttl: 10, clock });
          v.onFirstAccess(() => ({ var: -1 }));
          track(v.get(), -1, batch);
        } else now += Math.floor(next() * 6);
      }
      let timer;
      const settled = await Promise.race([Promise.allSettled(batch).then(() => true), new Promise((r) => (timer = setTimeout(r, hangMs, false)))]);
      clearTimeout(timer);
      if (!settled) {
        hangs++;
        violate(`a batch of ${batch.length} operations did not settle within ${hangMs} ms`);
        await Promise.allSettled(batch);
      }
    }
    return { hangs };
  }

  /** Loads the core counted for the shared vars (each is one loader call). */
  const coreLoads = () => shared.reduce((n, s) => n + s.v.stats().loads, 0);
  const coalesced = () => shared.reduce((n, s) => n + s.v.stats().coalesced, 0);

  return { run, counts, violations, coreLoads, coalesced };
}
