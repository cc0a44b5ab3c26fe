import type { SharedAdapter } from "../index.js";

/** What the adapter uses of a Workers `Cache` (`caches.default`, `await caches.open(name)`). */
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
 * are `Response`s with `Cache-Control: max-age` of the var's ttl. Default cache:
 * `caches.default`. The same cache and options give the same adapter.
 */
export declare function workersCache(cache?: CacheLike, options?: WorkersCacheOptions): SharedAdapter;
