import type { SharedAdapter } from "../index.js";

/**
 * A Deno KV key part the adapter takes in a prefix. Deno's own `Deno.KvKeyPart` also lists
 * `symbol`, which Deno KV refuses when a key is used, so `denoKv()` refuses it up front.
 */
export type KvKeyPart = Uint8Array | string | number | bigint | boolean;

/** What the adapter uses of a `Deno.Kv`. */
export interface DenoKvLike {
  get(key: readonly KvKeyPart[], options?: { consistency?: "strong" | "eventual" }): Promise<{ value: unknown }>;
  set(key: readonly KvKeyPart[], value: unknown, options?: { expireIn?: number }): Promise<unknown>;
}

export interface DenoKvOptions {
  /** Key parts before the var's name. Default `["simple-memory-cache"]`. */
  prefix?: readonly KvKeyPart[] | undefined;
  /** How long a read may take before the load goes to the origin instead. Default 250 ms. */
  readTimeout?: number | undefined;
}

/**
 * A shared tier on Deno KV (`await Deno.openKv()`; the Deno 2 CLI needs `--unstable-kv`).
 * Entries expire after the var's ttl (`expireIn`, ms); values over 64 KiB stay in memory only.
 * The same Kv and options give the same adapter.
 *
 * @throws TypeError when `kv` has no `get` and `set`, for an unknown option, a `prefix` that is
 *   not an array of key parts, or a `readTimeout` that is not a number of ms > 0; RangeError for a
 *   `readTimeout` over 2^31 − 1 ms.
 */
export declare function denoKv(kv: DenoKvLike, options?: DenoKvOptions): SharedAdapter;
