/**
 * simple-memory-cache: a lazily populated cached variable whose value lives in module globals,
 * so it survives warm invocations of an isolate (Cloudflare Workers, Deno, Node, Bun, browsers).
 * Single-flight loads, TTL, stale-while-revalidate, stale-if-error, load timeouts and an
 * invalidate cooldown; decided by a Rust state machine compiled to WebAssembly.
 */

/** What custom storage returns when it holds nothing, and what `invalidate()` stores there. */
export declare const NO_VALUE_STORED: unique symbol;

/** Thrown by `getStoredValue()` when nothing is stored. */
export declare class NoStoredValue extends Error {
  constructor(message?: string);
}

/**
 * Where a var keeps its value instead of the cache itself: the seed's hook pair. Storage may be
 * scoped per request (e.g. backed by AsyncLocalStorage); a var with custom storage therefore
 * never shares a load between concurrent callers.
 */
export interface Storage {
  /**
   * The stored value, or `NO_VALUE_STORED` when empty. Synchronous: what it returns is the value,
   * a Promise included (an async store such as Redis or KV belongs in `shared`, not here).
   */
  get(name: string): unknown;
  /**
   * Stores `value` as is (`NO_VALUE_STORED` on `invalidate()`). Synchronous: a promise it returns
   * anyway is not awaited, and its rejection goes to `onError` (as a background failure).
   */
  set(name: string, value: unknown): void;
}

/**
 * A shared second tier: a store many isolates read (Workers KV, the Workers Cache API, Deno KV,
 * or your own). Entries are JSON text; adapters only move text.
 */
export interface SharedAdapter {
  /** The text stored for `name`, or null/undefined. May be slow or fail: reads are bounded. */
  read(name: string): Promise<string | null | undefined> | string | null | undefined;
  /** Stores `text` for `name`; `ttl` (ms, may be Infinity) is how long it stays useful. */
  write(name: string, text: string, options: { ttl: number }): Promise<void> | void;
  /**
   * How long (ms, > 0) a read may take before the load goes to the origin instead. Default 250
   * ms. At most 2147483647 (runtimes fire longer timers at once), or `Infinity`: no bound (the
   * var's `timeout` still bounds the load). Otherwise making the var throws (`TypeError`,
   * `RangeError`).
   */
  readTimeout?: number | undefined;
}

/** What a loader is called with. */
export interface LoaderContext<T> {
  /** The var's name. */
  readonly name: string;
  /** Aborted when the load exceeds the var's `timeout`. Pass it to `fetch()`. (Read-only: assigning it throws a `TypeError`.) */
  readonly signal: AbortSignal;
  /**
   * The value stored when this load started, fresh or stale (a conditional request can revalidate
   * it); after `invalidate()`, the value it dropped, until a new value is stored; with custom
   * `storage`, what its `get(name)` returned. `undefined` when there is none: never loaded,
   * evicted by `maxEntries`, or `delete()`d — or, in a cache with `maxEntries`, dropped by an
   * `invalidate()` whose clock reading came before the value's store time (a clock that stepped
   * back: the value is past every window, no stale answer, and the name may be forgotten).
   */
  readonly previous: T | undefined;
  /**
   * How long (ms) the value this load stores stays fresh: starts as the var's `ttl`; set it to
   * honour the origin, e.g. `ctx.ttl = freshnessLifetime(res) ?? 60_000` (see
   * `simple-memory-cache/http`; RFC 9111 §4.2.1). `0`: served to this load's callers, the next
   * `get()` loads again (a `0` value is stale at once: the var's `staleWhileRevalidate` and
   * `staleIfError` still serve it stale; keep them 0 where the origin forbids that);
   * `Infinity`: never expires. Setting anything else (negative, `NaN`, not a
   * number) throws a `RangeError` naming the var, at the assignment. It travels with the value
   * through the shared tier (a finite one). Ignored with custom `storage`.
   */
  ttl: number;
}

/** Produces a var's value. Its result is cached; its rejections never are. */
export type Loader<T> = (ctx: LoaderContext<T>) => T | PromiseLike<T>;

/** Options of a var. Durations are milliseconds; `Infinity` is allowed wherever noted. */
export interface CachedVarOptions<T = unknown> {
  /**
   * Keep the value here instead of in the cache. The storage owns the value and its lifetime:
   * `ttl`, `staleWhileRevalidate`, `staleIfError`, `cooldown` and `shared` do not combine with
   * it (a `TypeError`); `timeout`, `onError` and `clock` do.
   */
  storage?: Storage | null | undefined;
  /**
   * A shared second tier. A cold or expired load first reads it and uses an entry still within
   * `ttl` (by its own store time) without calling the loader; a value fresh from the loader is
   * written behind (through `waitUntil`) when it changed. After an effective `invalidate()` the
   * next load skips the tier and goes to the origin, and its value propagates through the tier.
   * The tier failing or slow never fails a `get()`. Only values JSON gives back unchanged are
   * written (plain objects and arrays of strings, finite numbers, booleans and null); any other
   * value — `undefined`, a function, `-0`, `NaN`, a `Map`, a getter, a cycle… at any depth — stays
   * in memory only (a console warning, and `sharedErrors`).
   */
  shared?: SharedAdapter | null | undefined;
  /**
   * A stored value is fresh for this long after it was stored (RFC 9111's freshness lifetime),
   * unless its load set `ctx.ttl`. Default `Infinity`.
   */
  ttl?: number | undefined;
  /**
   * For this long after expiry, `get()` resolves the stale value at once and starts exactly one
   * background reload, passed to the caller's `waitUntil`. Default 0.
   */
  staleWhileRevalidate?: number | undefined;
  /** For this long after expiry, a failed reload resolves callers with the stale value. Default 0. */
  staleIfError?: number | undefined;
  /**
   * A load not settled in time rejects its waiters with a `TimeoutError` and aborts its signal.
   * A timer that fires over 1 s late (a frozen process — AWS Lambda between invocations — or a
   * blocked event loop) grants one grace of this or 1 s, whichever is less, so an answer that
   * arrived meanwhile is still read.
   * Default `Infinity`. On workerd it also bounds how long after another request's load started
   * a caller waits on it before taking it over (30 000 ms when `Infinity`: the earliest workerd
   * may cut a request kept alive by `waitUntil`).
   */
  timeout?: number | undefined;
  /**
   * An `invalidate()` less than this long (ms) after the last store or the last effective
   * `invalidate()` is ignored: the value stays and nothing reloads. Bounds "unknown key id → invalidate" floods. Default 0.
   */
  cooldown?: number | undefined;
  /**
   * After a load fails or times out, callers that `staleIfError` covers are served the stale
   * value at once and never wait on the origin again until a load succeeds; the origin is retried
   * in the background (handed to `waitUntil`) at most once per this many ms, counted from the last
   * failure (a failed retry is one) — within `staleWhileRevalidate` too. The stale value is the stored one or,
   * after `invalidate()`, the one it dropped (the reload an `invalidate()` during a backoff asks
   * for goes to the origin at once: the first `get()` after it waits for it, the callers while
   * it runs are served the dropped value; its failure starts a new backoff). A retry that never settles
   * holds back the next one: with `staleIfError`, set a `timeout`. Callers nothing stale covers still load (single-flight; errors are never
   * cached). No effect without `staleIfError`. Default 5000: a dead origin sees at most one
   * request per 5 s per isolate, a recovered one is noticed by the first `get()` after 5 s (plus
   * what is left of a retry still in flight: its `timeout` at most). `>= 0` or `Infinity`.
   */
  retryInterval?: number | undefined;
  /**
   * Called once per failed load, foreground or background (a stale-while-revalidate reload or a
   * retry), with the load's error — a `TimeoutError` `DOMException` when it timed out — and
   * `{ name, background, timedOut }`. Also when a loaded value could not be kept (the clock or
   * the storage failed as it arrived). Whatever it does (throw, reject) never breaks the cache.
   * Default `null`.
   */
  onError?: ((error: unknown, info: { name: string; background: boolean; timedOut: boolean }) => void) | null | undefined;
  /**
   * Milliseconds now, read for every window. Default: `Date.now()` made steady — a step back of
   * the wall clock over 1 s is absorbed (time keeps counting from the last reading), a smaller one
   * is waited out, a step forward can only expire values early. Inject one to drive time in tests; it should not step back: a
   * reading earlier than a window's start counts as past every window (stale, no stale answer,
   * cooldown over). The shared tier stamps entries with it, or with `Date.now()` by default.
   */
  clock?: (() => number) | undefined;
  /**
   * Not a var option: a `MemoryCache`'s (a var given it throws a `TypeError`, "unknown option").
   * Typed `never` so that a cache's options object is refused here at compile time too.
   */
  maxEntries?: never;
  /** Not a var option: a `MemoryCache`'s; a var's loader is `onFirstAccess(loader)`. Typed `never` likewise. */
  onFirstAccess?: never;
}

/**
 * Options of a `MemoryCache`: defaults for its vars (any var option), a bound, and a loader for
 * the names it is asked for. `T`: the type of the values its loader produces.
 */
export interface MemoryCacheOptions<T = unknown> extends Omit<CachedVarOptions<T>, "maxEntries" | "onFirstAccess"> {
  /**
   * At most this many values held (an integer from 1 to 4 294 967 295, or `Infinity`): stored
   * ones and those `invalidate()` kept as the stale-if-error answer; the least recently used are
   * dropped and load again on their next `get()`. Default `Infinity`.
   */
  maxEntries?: number | undefined;
  /**
   * The loader of every name this cache is asked for (`cache.get(name)`, and vars of
   * `memoryCachedVar(name)` without a loader of their own), called with `ctx.name` = the name.
   * A var's own loader (`onFirstAccess`) overrides it. Default: none (`get()` of a name with no
   * stored value and no loader rejects, naming it; `null` says the same).
   */
  onFirstAccess?: Loader<T> | null | undefined;
}

/** Options of one `get()` call. */
export interface GetOptions {
  /**
   * Called with a promise of any load this call starts, before its loader runs (Workers:
   * `(p) => ctx.waitUntil(p)`): it fulfils with `undefined` once the load has ended, however it
   * ended (it never rejects); with a `shared` tier, called again with the promise of the value's
   * write there. If it
   * throws, the load never starts and `get()` rejects with that error — also where the call
   * would have been answered with a stale value while a background reload starts
   * (stale-while-revalidate, a retry under `staleIfError`): nothing stored is lost, and the next
   * `get()` starts the reload (serving the stale value would hide the fault, and drop the reload).
   */
  waitUntil?: ((promise: Promise<unknown>) => void) | undefined;
  /**
   * Ends this caller's wait (rejecting with its reason; an already aborted signal rejects at
   * once); the shared load goes on, and the caller leaves nothing behind.
   */
  signal?: AbortSignal | undefined;
}

/**
 * Counters since the var was created — or, for the var of a name keyed calls
 * (`MemoryCache#get(name)`, …) used first, since `memoryCachedVar(name)` first returned it; the
 * cache's `stats()` hold every count. (The shared tier's counters of `CachedVar#stats()` —
 * `sharedHits`, … — count since creation; the cache's `stats()` do not have them.)
 */
export interface CachedVarStats {
  /** `get()`s resolved from a fresh value without waiting. */
  hits: number;
  /** Every other `get()`, including those refused before anything was decided. */
  misses: number;
  /** Loads started. */
  loads: number;
  /**
   * Loads that failed, timeouts included. (A loaded value that could not be kept — the clock or
   * the storage failed as it arrived — reaches `onError` but is not counted here.)
   */
  errors: number;
  /** Callers resolved with a stale value (stale-while-revalidate or stale-if-error). */
  staleServed: number;
  /** Loads that timed out. */
  timeouts: number;
  /** Callers that joined a load another caller started. */
  coalesced: number;
  /** `invalidate()`s ignored under `cooldown`. */
  cooldownSkips: number;
  /** With a shared tier: loads served from it. */
  sharedHits?: number;
  /** With a shared tier: reads that found nothing fresh. */
  sharedMisses?: number;
  /** With a shared tier: values written to it. */
  sharedWrites?: number;
  /** With a shared tier: failed or timed-out reads and writes, unreadable or future entries, values not written because JSON would change them. */
  sharedErrors?: number;
}

/**
 * A lazily populated cached variable.
 *
 * `T` is the type of the stored value: what the loader produces, `set()` takes, `peek()` and
 * `getStoredValue()` return and the loader sees as `ctx.previous`. `Out` is what `get()`
 * resolves to: `T`, or what the `onEachAccess` transform returns. A var made without a `T` is a
 * `CachedVar<unknown>` until `onFirstAccess(loader)` returns it typed by what the loader
 * produces: keep the var that call returns (the same object, re-typed). See docs/typescript.md.
 */
export declare class CachedVar<T = unknown, Out = T> {
  /**
   * A standalone var (not in a cache). Throws a `TypeError` if `name` is not a non-empty string,
   * if an option is unknown or of the wrong type, or if options cannot be combined (`storage` with
   * `shared`, or with `ttl`, `staleWhileRevalidate`, `staleIfError` or `cooldown` — `retryInterval`
   * is taken and does nothing); a `RangeError` if a duration (ms) is out of
   * range (README, Options).
   */
  constructor(name: string, options?: CachedVarOptions<T>);
  readonly name: string;
  /**
   * `"empty"` nothing stored; `"loading"` nothing stored and a get() would join a load;
   * `"fresh"`; `"stale"` past ttl — also while a stale value is being reloaded or the origin is
   * backed off. Reads the clock: throws a `TypeError` if the `clock` option returns anything but
   * a finite number. With custom `storage`: `"fresh"` when its `get(name)` has a value, else
   * `"empty"` (never `"loading"`: the storage holds no load); what that `get` throws is thrown.
   */
  readonly state: "empty" | "loading" | "fresh" | "stale";
  /**
   * Registers the loader the first `get()` (and every reload) calls; a later call replaces it.
   * Returns this var, so calls chain: `const cfg = cache.memoryCachedVar("cfg").onFirstAccess(load)`.
   * Throws a `TypeError` if `loader` is not a function.
   *
   * Types: on a var with a `T`, the loader must produce a `T` (or a promise of one) and the var
   * is returned as it is. On a var whose `T` is `unknown` (none given), `T` is inferred from what
   * the loader produces, awaited, and the var is returned as a `CachedVar` of that type; the
   * loader's `ctx.previous` is then `unknown` (TypeScript cannot type a parameter from the same
   * function's result: give `T` to type it). A transform registered before keeps its type.
   */
  onFirstAccess<R>(
    this: T extends {} ? never : T extends null | undefined ? never : CachedVar<T, Out>,
    loader: (ctx: LoaderContext<unknown>) => R | PromiseLike<R>,
  ): CachedVar<R, Out extends {} ? Out : Out extends null | undefined | void ? Out : R>;
  /** The same, for a loader declared beforehand with its type (`Loader<Jwks>`, `(ctx: LoaderContext<Jwks>) => …`). */
  onFirstAccess<R>(
    this: T extends {} ? never : T extends null | undefined ? never : CachedVar<T, Out>,
    loader: Loader<R>,
  ): CachedVar<R, Out extends {} ? Out : Out extends null | undefined | void ? Out : R>;
  /** Registers the loader of a var given a `T` (see above); returns this var. Throws a `TypeError` if `loader` is not a function. */
  onFirstAccess(loader: Loader<T>): this;
  /**
   * Registers a transform: every `get()` resolves `fn(stored value)` instead of the stored value
   * (awaited, if `fn` returns a promise); the stored value itself is unchanged (`peek()`,
   * `getStoredValue()`, the loader's `previous`). It runs once per `get()`, its throw or rejection
   * rejects that `get()` only; a later call replaces it. The seed's use: store a JWKS's key set,
   * resolve a lookup function built from it. Returns this var, typed so that `get()` resolves
   * what `fn` returns: keep the var this returns (the one you called it on still says `Out`).
   * Throws a `TypeError` if `fn` is not a function.
   */
  onEachAccess<U>(fn: (value: T) => U): CachedVar<T, Awaited<U>>;
  /** Resolves the value (through the `onEachAccess` transform, if any). Never throws: every problem is a rejection. */
  get(options?: GetOptions): Promise<Out>;
  /** The stored value, fresh or stale, without loading. Throws `NoStoredValue` when empty. */
  getStoredValue(): T;
  /** The stored value or `undefined`. Never loads, never throws. */
  peek(): T | undefined;
  /**
   * Stores `value` as if loaded now; a running load can no longer overwrite it. Throws a
   * `TypeError` naming the var if `value` is a promise or any thenable (a loader's promise is
   * awaited, `set()` cannot wait: await it first) or the clock reads no finite number, and on
   * workerd for a value holding an I/O object; a clock or custom storage that throws, its own
   * error unchanged. Nothing stored is lost when it throws.
   */
  set(value: T): void;
  /**
   * Drops the value (unless under `cooldown`); loads that began before can no longer store.
   * Returns `false` when `cooldown` skipped it (counted in `stats().cooldownSkips`), else `true`
   * — on a var that holds nothing too, whose `cooldown` window it starts likewise.
   * Throws a `TypeError` if the `clock` option returns anything but a finite number (nothing is
   * dropped then).
   */
  invalidate(): boolean;
  /**
   * Counters since creation, or since `memoryCachedVar(name)` first returned this var when keyed
   * calls made it (the cache's `stats()` hold the counts before).
   */
  stats(): CachedVarStats;
}

/**
 * A named set of vars sharing defaults and an optional size bound; also a keyed cache
 * (`get(name)`, `set(name, value)`, …) whose names are its vars' names. `T`: the type of the
 * values of its names — what `options.onFirstAccess` produces (inferred from it when no `T` is
 * given; `unknown` without it).
 */
export interface MemoryCache<T = unknown> {
  /**
   * The var called `name`, created on first request with this cache's options overridden by
   * `options`; the same instance afterwards. Throws a `TypeError` if `name` is not a non-empty
   * string, or if the var exists with other options (each option given must be the var's; one
   * left out, or `{}`, is not compared).
   * `U`: the var's type, the cache's `T` by default; a var of another type needs a loader of its
   * own (`onFirstAccess`), which overrides the cache's.
   */
  memoryCachedVar<U = T>(name: string, options?: CachedVarOptions<U>): CachedVar<U>;
  /**
   * Resolves the value of `name`: what `memoryCachedVar(name).get(options)` resolves (its var is
   * created on first use, loaded by the cache's `onFirstAccess` unless the var has a loader of its
   * own). Never throws (project rule, as `CachedVar.get()`): a `name` that is not a non-empty
   * string rejects with a `TypeError`, like every other problem. The type assumes no var of this
   * name has an `onEachAccess` transform changing its type.
   */
  get(name: string, options?: GetOptions): Promise<T>;
  /**
   * The value stored for `name`, fresh or stale, or `undefined` (nothing stored, unknown name).
   * Never loads; does not count as a hit or a miss and does not make `name` recently used (as
   * lru-cache's `peek()`).
   */
  peek(name: string): T | undefined;
  /**
   * Stores `value` for `name` as if loaded now (as `CachedVar.set()`); returns this cache, as
   * `Map.prototype.set` does. Throws a `TypeError` if `name` is not a non-empty string, or as
   * `CachedVar.set()` does (a promise or thenable as `value`).
   */
  set(name: string, value: T): this;
  /**
   * `invalidate()` of `name`'s var. Returns `true` if it took effect, `false` if `name` is unknown
   * or the invalidate was skipped because it came within `cooldown` ms of the last store or the
   * last effective `invalidate()` (the cooldown rule of the options; counted in `stats().cooldownSkips`).
   * Throws a `TypeError` if the `clock` option returns anything but a finite number (nothing is
   * dropped then), as `CachedVar.invalidate()` does.
   */
  invalidate(name: string): boolean;
  /**
   * Forgets `name` entirely — its value, its stale-if-error fallback, its retry backoff and its
   * cooldown — so the next `get(name)` loads afresh. Returns `true` if a value was stored, as
   * `Map.prototype.delete` does.
   */
  delete(name: string): boolean;
  /** Whether a value is stored for `name`, fresh or stale (as `peek(name) !== undefined`, but true for a stored `undefined`). Never loads. */
  has(name: string): boolean;
  /** How many names have a stored value, fresh or stale (as `Map.prototype.size`); at most `maxEntries`. */
  readonly size: number;
  /** Totals over every var this cache ever had (deleted ones included), in the shape of `CachedVar.stats()`. */
  stats(): CachedVarStats;
  /**
   * `invalidate()` on every var of this cache (each under its own cooldown). A var that throws
   * (its clock or storage is broken) does not stop the others; its error is thrown after (an
   * `AggregateError` if several did).
   */
  invalidateAll(): void;
}

/** The `MemoryCache` class: its constructor signatures. */
export interface MemoryCacheConstructor {
  /**
   * A cache whose values are what `options.onFirstAccess` produces: `T` is inferred from the
   * loader (its `ctx.previous` is then `unknown`; give `T` to type it). `_` is never given: it
   * keeps this signature for calls without type arguments (`new MemoryCache<T>(…)` takes the
   * next one). Throws as the next one does.
   */
  new <T, _>(options: Omit<MemoryCacheOptions, "onFirstAccess"> & { onFirstAccess: (ctx: LoaderContext<unknown>) => T | PromiseLike<T> }): MemoryCache<T>;
  /**
   * A cache; `options` are checked at once: a `TypeError` for an unknown option or one of the
   * wrong type, a `RangeError` for a duration (ms) or `maxEntries` out of range.
   */
  new <T = unknown>(options?: MemoryCacheOptions<T>): MemoryCache<T>;
  readonly prototype: MemoryCache;
}

/** A named set of vars sharing defaults and an optional size bound, and a keyed cache. */
export declare const MemoryCache: MemoryCacheConstructor;

/** The module-level cache. */
export declare const GLOBAL_CACHE: MemoryCache;
