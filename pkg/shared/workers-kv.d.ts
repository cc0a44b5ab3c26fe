import type { SharedAdapter } from "../index.js";

/** What the adapter uses of a Workers KV namespace binding (`KVNamespace`). */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

export interface WorkersKvOptions {
  /** Prepended to the var's name to make its KV key. Default `"smc:"`. */
  prefix?: string | undefined;
  /** How long a read may take before the load goes to the origin instead. Default 250 ms. */
  readTimeout?: number | undefined;
}

/**
 * A shared tier on Workers KV. Entries expire after the var's ttl, in whole seconds rounded up,
 * kept within KV's bounds on `expirationTtl` (at least 60 s; at most 2^31 − 1 s, about 68 years);
 * a ttl of `Infinity` stores without expiration. KV's own limits apply: a key (prefix + name) of
 * at most 512 bytes, a value of at most 25 MiB, one write per second per key; a read or write KV
 * refuses never fails a `get()` (counted in `stats().sharedErrors`; the first failed write of a var
 * logs one console warning). The same namespace and options give the same adapter.
 *
 * @throws TypeError when `namespace` is not a KV binding (an object with `get` and `put`), or for
 *   an unknown option, a `prefix` that is not a string or a `readTimeout` that is not a number of
 *   ms > 0; RangeError for a `readTimeout` over 2^31 − 1 ms.
 */
export declare function workersKv(namespace: KvNamespaceLike, options?: WorkersKvOptions): SharedAdapter;
