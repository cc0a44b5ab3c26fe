// Compiled by `tsc -p tests/shared/tsconfig.json`: the adapters' declarations accept the stores as
// their platforms type them (the shapes below are the relevant overloads of @cloudflare/workers-types'
// KVNamespace and of Deno's Deno.Kv; the DOM's Cache stands for caches.default) and refuse bad options.
import { GLOBAL_CACHE, type SharedAdapter } from "simple-memory-cache";
import { denoKv } from "simple-memory-cache/shared/deno-kv";
import { workersCache } from "simple-memory-cache/shared/workers-cache";
import { workersKv } from "simple-memory-cache/shared/workers-kv";

interface KVNamespace<Key extends string = string> {
  get(key: Key, options?: { type?: "text"; cacheTtl?: number }): Promise<string | null>;
  get(key: Key, type: "json"): Promise<unknown>;
  put(key: Key, value: string | ArrayBuffer | ReadableStream, options?: { expiration?: number; expirationTtl?: number; metadata?: unknown }): Promise<void>;
}
type KvKey = readonly (Uint8Array | string | number | bigint | boolean | symbol)[];
interface DenoKv {
  get<T = unknown>(key: KvKey, options?: { consistency?: "strong" | "eventual" }): Promise<{ key: KvKey; value: T | null; versionstamp: string | null }>;
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): Promise<{ ok: true; versionstamp: string }>;
}
declare const env: { KV: KVNamespace };
declare const cache: Cache;
declare const kv: DenoKv;

const adapters: SharedAdapter[] = [
  workersKv(env.KV),
  workersKv(env.KV, { prefix: "app:", readTimeout: 100 }),
  workersCache(),
  workersCache(cache, { origin: "https://cache.example" }),
  workersCache("jwks", { readTimeout: 100 }),
  denoKv(kv),
  denoKv(kv, { prefix: ["app", 1n], readTimeout: 50 }),
];
const config = GLOBAL_CACHE.memoryCachedVar<{ flag: boolean }>("config", { ttl: 60_000, shared: adapters[0] });
void config;

// @ts-expect-error a KV prefix is a string
workersKv(env.KV, { prefix: ["app"] });
// @ts-expect-error a Deno KV prefix is an array of key parts
denoKv(kv, { prefix: "app" });
// @ts-expect-error Deno KV refuses a symbol key part (Deno.KvKeyPart lists it; denoKv() throws)
denoKv(kv, { prefix: [Symbol("app")] });
// @ts-expect-error not a store
workersCache({});
// @ts-expect-error a cache is a Cache or its name
workersCache(1);
