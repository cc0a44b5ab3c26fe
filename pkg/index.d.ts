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
  /** The stored value, or `NO_VALUE_STORED` when empty. */
  get(name: string): unknown;
  /** Stores `value` as is (`NO_VALUE_STORED` on `invalidate()`). */
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
  /** How long a read may take before the load goes to the origin instead. Default 250 ms. */
  readTimeout?: number;
}

/** What a loader is called with. */
export interface LoaderContext<T> {
  /** The var's name. */
  name: string;
  /** Aborted when the load exceeds the var's `timeout`. Pass it to `fetch()`. */
  signal: AbortSignal;
  /** The value stored when this load started (stale or invalidated values excluded: `undefined`). */
  previous: T | undefined;
  /**
   * How long (ms) the value this load stores stays fresh: starts as the var's `ttl`; set it to
   * honour the origin, e.g. `ctx.ttl = freshnessLifetime(res) ?? 60_000` (see
   * `simple-memory-cache/http`; RFC 9111 §4.2.1). `0`: served to this load's callers, the next
   * `get()` loads again; `Infinity`: never expires. Setting anything else (negative, `NaN`, not a
   * number) throws a `RangeError` naming the var, at the assignment. It travels with the value
   * through the shared tier (a finite one). Ignored with custom `storage`.
   */
  ttl: number;
}

/** Produces a var's value. Its result is cached; its rejections never are. */
export type Loader<T> = (ctx: LoaderContext<T>) => T | PromiseLike<T>;

/** Options of a var. Durations are milliseconds; `Infinity` is allowed wherever noted. */
export interface CachedVarOptions<T = unknown> {
  /** Keep the value here instead of in the cache. Only `timeout` combines with it. */
  storage?: Storage | null;
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
  shared?: SharedAdapter | null;
  /**
   * A stored value is fresh for this long after it was stored (RFC 9111's freshness lifetime),
   * unless its load set `ctx.ttl`. Default `Infinity`.
   */
  ttl?: number;
  /**
   * For this long after expiry, `get()` resolves the stale value at once and starts exactly one
   * background reload, passed to the caller's `waitUntil`. Default 0.
   */
  staleWhileRevalidate?: number;
  /** For this long after expiry, a failed reload resolves callers with the stale value. Default 0. */
  staleIfError?: number;
  /**
   * A load not settled in time rejects its waiters with a `TimeoutError` and aborts its signal.
   * Default `Infinity`. On workerd it also bounds how long after another request's load started
   * a caller waits on it before taking it over (30 000 ms when `Infinity`: the earliest workerd
   * may cut a request kept alive by `waitUntil`).
   */
  timeout?: number;
  /**
   * An `invalidate()` less than this long after the last store or forced reload is ignored:
   * the value stays and nothing reloads. Bounds "unknown key id → invalidate" floods. Default 0.
   */
  cooldown?: number;
  /**
   * After a load fails or times out, callers that `staleIfError` covers are served the stale
   * value at once and never wait on the origin again until a load succeeds; the origin is retried
   * in the background (handed to `waitUntil`) at most once per this many ms, counted from the last
   * failure or retry. Callers nothing stale covers still load (single-flight; errors are never
   * cached). No effect without `staleIfError`. Default 5000: a dead origin sees at most one
   * request per 5 s per isolate, a recovered one is noticed within 5 s. `>= 0` or `Infinity`.
   */
  retryInterval?: number;
  /**
   * Called once per failed load, foreground or background (a stale-while-revalidate reload or a
   * retry), with the load's error — a `TimeoutError` `DOMException` when it timed out — and
   * `{ name, background, timedOut }`. Also when a loaded value could not be kept (the clock or
   * the storage failed as it arrived). Whatever it does (throw, reject) never breaks the cache.
   * Default `null`.
   */
  onError?: ((error: unknown, info: { name: string; background: boolean; timedOut: boolean }) => void) | null;
  /**
   * Milliseconds now, read for every window. Default: `Date.now()` made steady — a step back of
   * the wall clock over 1 s is absorbed (time keeps counting from the last reading), a smaller one
   * is waited out, a step forward can only expire values early. Inject one to drive time in tests; it should not step back: a
   * reading earlier than a window's start counts as past every window (stale, no stale answer,
   * cooldown over). The shared tier stamps entries with it, or with `Date.now()` by default.
   */
  clock?: () => number;
}

/** Options of a `MemoryCache`: defaults for its vars, and a bound. */
export interface MemoryCacheOptions extends CachedVarOptions<unknown> {
  /** At most this many stored values; the least recently used are dropped. Default `Infinity`. */
  maxEntries?: number;
}

/** Options of one `get()` call. */
export interface GetOptions {
  /**
   * Receives the promise of any load this call starts, before its loader runs (Workers:
   * `(p) => ctx.waitUntil(p)`). If it throws, the load never starts and `get()` rejects with
   * that error.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
  /**
   * Ends this caller's wait (rejecting with its reason; an already aborted signal rejects at
   * once); the shared load goes on, and the caller leaves nothing behind.
   */
  signal?: AbortSignal;
}

/** Counters since the var was created. */
export interface CachedVarStats {
  /** `get()`s resolved from a fresh value without waiting. */
  hits: number;
  /** Every other `get()`, including those refused before anything was decided. */
  misses: number;
  /** Loads started. */
  loads: number;
  /** Loads that failed, timeouts included. */
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

/** A lazily populated cached variable. */
export declare class CachedVar<T = unknown> {
  constructor(name: string, options?: CachedVarOptions<T>);
  readonly name: string;
  /** `"empty"` nothing stored; `"loading"` a get() would join a load; `"fresh"`; `"stale"` past ttl. */
  readonly state: "empty" | "loading" | "fresh" | "stale";
  /** Registers the loader the first `get()` (and every reload) calls. Returns it (decorator style). */
  onFirstAccess<F extends Loader<T>>(loader: F): F;
  /** Registers a transform: `get()` resolves `fn(stored value)`. Returns it. */
  onEachAccess<F extends (value: T) => T>(fn: F): F;
  /** Resolves the value. Never throws: every problem is a rejection. */
  get(options?: GetOptions): Promise<T>;
  /** The stored value, fresh or stale, without loading. Throws `NoStoredValue` when empty. */
  getStoredValue(): T;
  /** The stored value or `undefined`. Never loads, never throws. */
  peek(): T | undefined;
  /** Stores `value` as if loaded now; a running load can no longer overwrite it. */
  set(value: T): void;
  /** Drops the value (unless under `cooldown`); loads that began before can no longer store. */
  invalidate(): void;
  /** Counters since creation. */
  stats(): CachedVarStats;
}

/** A named set of vars sharing defaults and an optional size bound. */
export declare class MemoryCache {
  constructor(defaults?: MemoryCacheOptions);
  /** The var called `name`, created on first request; the same instance afterwards. */
  memoryCachedVar<T = unknown>(name: string, options?: CachedVarOptions<T>): CachedVar<T>;
  /** `invalidate()` on every var of this cache (each under its own cooldown). */
  invalidateAll(): void;
}

/** The module-level cache. */
export declare const GLOBAL_CACHE: MemoryCache;
