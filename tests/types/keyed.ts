// Type tests of the keyed MemoryCache API, compiled by tsc in `make test` (expect-type style:
// `Expect<Equal<…>>` and `@ts-expect-error` lines).
import { type CachedVarStats, GLOBAL_CACHE, MemoryCache } from "simple-memory-cache";
import type { Equal, Expect } from "./expect.js";

interface User {
  id: string;
  admin: boolean;
}
declare function fetchUser(id: string, signal: AbortSignal): Promise<User>;

// T inferred from the cache's loader, also when the loader reads its context.
const users = new MemoryCache({
  maxEntries: 10_000,
  ttl: 60_000,
  onFirstAccess: ({ name, signal }) => fetchUser(name, signal),
});
type _1 = Expect<Equal<typeof users, MemoryCache<User>>>;

async function handler(id: string, signal: AbortSignal): Promise<boolean> {
  const user = await users.get(id, { signal });
  type _get = Expect<Equal<typeof user, User>>;
  const cached = users.peek(id);
  type _peek = Expect<Equal<typeof cached, User | undefined>>;
  const chained = users.set("u1", { id: "u1", admin: true }).set("u2", { id: "u2", admin: false });
  type _set = Expect<Equal<typeof chained, MemoryCache<User>>>;
  const took: boolean = users.invalidate(id);
  const had: boolean = users.delete(id);
  const has: boolean = users.has(id);
  const size: number = users.size;
  const stats: CachedVarStats = users.stats();
  void took, had, has, size, stats;
  return user.admin;
}
void handler;

// @ts-expect-error set() takes the cache's value type
users.set("u3", { id: 3 });
// @ts-expect-error names are strings
users.get(42);
// @ts-expect-error size is read-only
users.size = 0;
// @ts-expect-error the cache's loader produces T
new MemoryCache<User>({ onFirstAccess: async () => ({ id: "x" }) });
// @ts-expect-error unknown option
new MemoryCache({ onFirstAccess: () => 1, ttlMs: 5 });
// @ts-expect-error maxEntries is a number
new MemoryCache({ maxEntries: "10" });

// T given: the loader's context is typed by it (previous included).
const typed = new MemoryCache<User>({
  onFirstAccess: async ({ name, previous, signal }) => previous ?? fetchUser(name, signal),
});
type _2 = Expect<Equal<typeof typed, MemoryCache<User>>>;

// No loader: unknown values; a var's own loader types the var.
const plain = new MemoryCache({ maxEntries: 100 });
type _3 = Expect<Equal<typeof plain, MemoryCache<unknown>>>;
type _4 = Expect<Equal<typeof GLOBAL_CACHE, MemoryCache<unknown>>>;
type _5 = Expect<Equal<ReturnType<typeof GLOBAL_CACHE.get>, Promise<unknown>>>;
const none = new MemoryCache();
type _6 = Expect<Equal<typeof none, MemoryCache<unknown>>>;

// Vars of a typed cache are of its type; one of another type brings its own loader.
const admins = users.memoryCachedVar("admins-count", { ttl: 5_000 });
type _7 = Expect<Equal<ReturnType<typeof admins.get>, Promise<User>>>;
const other = users.memoryCachedVar<number>("n").onFirstAccess(() => 1);
type _8 = Expect<Equal<ReturnType<typeof other.get>, Promise<number>>>;

// A typed cache goes where a MemoryCache is expected; instanceof narrows.
function clear(cache: MemoryCache): void {
  cache.invalidateAll();
}
clear(users);
declare const something: unknown;
if (something instanceof MemoryCache) {
  type _9 = Expect<Equal<typeof something, MemoryCache>>;
}
