// Compiled by `tsc --noEmit` in `make test`: the typed API accepts what users write and refuses
// what it should (each `@ts-expect-error` fails the build if the line stops being an error).
import { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue, type Storage } from "simple-memory-cache";
import { cacheDirectives, freshnessLifetime } from "simple-memory-cache/http";

interface Jwks {
  keys: { kid: string; kty: string }[];
}

const jwks = GLOBAL_CACHE.memoryCachedVar<Jwks>("jwks", { ttl: 600_000, staleIfError: 86_400_000, cooldown: 30_000, timeout: 5_000 });
// A var given its type: the loader's context is typed by it, and onFirstAccess returns the var.
const same = jwks.onFirstAccess(async ({ signal, previous, name }) => {
  const res = await fetch(`https://example.test/${name}`, { signal });
  const fallback: Jwks = previous ?? { keys: [] };
  return res.ok ? ((await res.json()) as Jwks) : fallback;
});
same satisfies CachedVar<Jwks>;

// A load may set its value's freshness lifetime; backoff and error reporting are options.
const flags = new CachedVar<Record<string, boolean>>("flags", {
  staleIfError: 3_600_000,
  retryInterval: 10_000,
  onError: (error, { name, background, timedOut }) => console.warn(name, background, timedOut, error),
});
flags.onFirstAccess(async (ctx) => {
  ctx.ttl = 30_000;
  // @ts-expect-error ctx.ttl is a number of milliseconds
  ctx.ttl = "30s";
  return { beta: true };
});
// @ts-expect-error onError is a function
new CachedVar("bad", { onError: "log" });

async function handler(ctx: { waitUntil(p: Promise<unknown>): void }): Promise<string[]> {
  const keys: Jwks = await jwks.get({ waitUntil: (p) => ctx.waitUntil(p) });
  const maybe: Jwks | undefined = jwks.peek();
  const state: "empty" | "loading" | "fresh" | "stale" = jwks.state;
  const hits: number = jwks.stats().hits;
  void maybe, state, hits;
  return keys.keys.map((k) => k.kid);
}
void handler;

const counter = new CachedVar<number>("counter");
// invalidate() says whether it took effect (false: skipped under cooldown).
const invalidated: boolean = counter.invalidate();
void invalidated;
counter.onFirstAccess(() => 1);
counter.onEachAccess((n) => n + 1);
counter.set(5);
// @ts-expect-error a string is not a number
counter.set("five");
// @ts-expect-error the loader must produce the var's type
counter.onFirstAccess(() => "one");
// @ts-expect-error unknown option
new CachedVar("x", { ttlMs: 5 });
// @ts-expect-error maxEntries belongs to a MemoryCache
new CachedVar("x", { maxEntries: 5 });

const perRequest: Storage = { get: () => NO_VALUE_STORED, set: () => {} };
const scoped = new MemoryCache({ maxEntries: 100 }).memoryCachedVar<string>("user", { storage: perRequest });
try {
  const s: string = scoped.getStoredValue();
  void s;
} catch (e) {
  if (e instanceof NoStoredValue) console.log(e.message);
}

// simple-memory-cache/http reads a Response, a { headers } or a Headers; undefined = nothing said.
const lifetimeMs: number | undefined = freshnessLifetime(new Response(""));
const ttl: number = freshnessLifetime({ headers: new Headers() }) ?? 60_000;
const swr: number | undefined = cacheDirectives(new Headers()).staleWhileRevalidate;
void lifetimeMs, ttl, swr;
// @ts-expect-error a plain object of headers is not read (wrap it: new Headers(obj))
freshnessLifetime({ headers: { "cache-control": "max-age=60" } });
