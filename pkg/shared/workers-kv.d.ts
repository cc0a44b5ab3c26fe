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
 * A shared tier on Workers KV. Entries expire after the var's ttl (at least 60 s, KV's minimum).
 * The same namespace and options give the same adapter.
 */
export declare function workersKv(namespace: KvNamespaceLike, options?: WorkersKvOptions): SharedAdapter;
