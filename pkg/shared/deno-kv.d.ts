import type { SharedAdapter } from "../index.js";

/** A Deno KV key part. */
export type KvKeyPart = Uint8Array | string | number | bigint | boolean | symbol;

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
 * Entries expire after the var's ttl; values over 64 KiB stay in memory only. The same Kv and
 * options give the same adapter.
 */
export declare function denoKv(kv: DenoKvLike, options?: DenoKvOptions): SharedAdapter;
