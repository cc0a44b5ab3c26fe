import type { SharedAdapter } from "../index.js";

/** What the adapter uses of a Workers `Cache` (`caches.default`, or one kept from `await caches.open(name)`). */
export interface CacheLike {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
}

export interface WorkersCacheOptions {
  /** `http(s)://host` of the synthetic URLs entries are stored under. Default `"https://simple-memory-cache.internal"`. */
  origin?: string | undefined;
  /** How long a read may take before the load goes to the origin instead. Default 250 ms. */
  readTimeout?: number | undefined;
}

/**
 * A shared tier on the Workers Cache API (per data center; no effect on workers.dev). Entries
 * are `Response`s with `Cache-Control: max-age` of the var's ttl. `cache`: a Cache (default
 * `caches.default`), or the name of one, e.g. `"jwks"`, which the adapter opens with
 * `caches.open(name)` at its first read or write. The same cache (or name) and options give the
 * same adapter, so the call may be written in every request. Give a named cache by its name:
 * `await caches.open(name)` resolves a new object on each call, and a var looked up again with
 * another adapter throws.
 * @throws TypeError when `cache` is neither a Cache nor a string (or `caches.open` is missing for
 * a name), or `origin` is not `"http(s)://host"`.
 */
export declare function workersCache(cache?: CacheLike | string, options?: WorkersCacheOptions): SharedAdapter;
