// Type tests of inference (issue 13, "Types that infer"), compiled by tsc in `make test`: each
// `Expect<Equal<…>>` fails the build if a type drifts, each `@ts-expect-error` if a line stops
// being an error. docs/typescript.md explains the rules tested here.
import { CachedVar, GLOBAL_CACHE, MemoryCache, type Loader, type LoaderContext } from "simple-memory-cache";
import type { Equal, Expect } from "./expect.js";

interface Jwk {
  kid: string;
  kty: string;
}
interface Jwks {
  keys: Jwk[];
}

// 1. T comes from the loader when none is given: onFirstAccess returns the var, re-typed.
const cfg = GLOBAL_CACHE.memoryCachedVar("cfg").onFirstAccess(async () => ({ a: 1 }));
type _1 = Expect<Equal<typeof cfg, CachedVar<{ a: number }>>>;
type _1get = Expect<Equal<ReturnType<typeof cfg.get>, Promise<{ a: number }>>>;
type _1peek = Expect<Equal<ReturnType<typeof cfg.peek>, { a: number } | undefined>>;
// @ts-expect-error the inferred type is enforced from then on
cfg.set({ a: "1" });

// …also when the loader reads its context (an unannotated parameter): `previous` is then unknown.
const byName = new CachedVar("user:1").onFirstAccess(async ({ name, signal, previous }) => {
  type _ctx = Expect<Equal<typeof previous, unknown>>;
  void signal;
  return { id: name.slice(5), hits: 1 };
});
type _2 = Expect<Equal<typeof byName, CachedVar<{ id: string; hits: number }>>>;

// …and from a loader declared beforehand with its type: `previous` is then typed (it was a
// compile error, "LoaderContext<unknown> is not assignable to LoaderContext<Jwks>").
const loadJwks: Loader<Jwks> = async ({ previous }) => previous ?? { keys: [] };
async function loadJwks2(ctx: LoaderContext<Jwks>): Promise<Jwks> {
  return ctx.previous ?? { keys: [] };
}
const declared = GLOBAL_CACHE.memoryCachedVar("declared").onFirstAccess(loadJwks);
type _2declared = Expect<Equal<typeof declared, CachedVar<Jwks>>>;
const declared2 = new CachedVar("declared2").onFirstAccess(loadJwks2);
type _2declared2 = Expect<Equal<typeof declared2, CachedVar<Jwks>>>;

// A synchronous loader, a PromiseLike, ctx.ttl set from the loader.
const n = new CachedVar("n").onFirstAccess((ctx) => {
  ctx.ttl = 1_000;
  return 42;
});
type _3 = Expect<Equal<typeof n, CachedVar<number>>>;
declare const thenable: PromiseLike<"x" | "y">;
const t = new CachedVar("t").onFirstAccess(() => thenable);
type _4 = Expect<Equal<typeof t, CachedVar<"x" | "y">>>;

// `res.json()` is `any` in lib.dom, so a loader returning it makes a CachedVar<any>: cast it.
const raw = new CachedVar("raw").onFirstAccess(async ({ signal }) => (await fetch("https://example.test", { signal })).json());
type _5 = Expect<Equal<typeof raw, CachedVar<any>>>;
const cast = new CachedVar("cast").onFirstAccess(async ({ signal }) => (await (await fetch("https://example.test", { signal })).json()) as Jwks);
type _6 = Expect<Equal<typeof cast, CachedVar<Jwks>>>;

// A given T wins: the loader is checked against it, its context is typed by it, the var is returned as is.
const jwks = GLOBAL_CACHE.memoryCachedVar<Jwks>("jwks", { ttl: 600_000 });
const again = jwks.onFirstAccess(async ({ previous }) => {
  type _prev = Expect<Equal<typeof previous, Jwks | undefined>>;
  return previous ?? { keys: [] };
});
type _7 = Expect<Equal<typeof again, CachedVar<Jwks>>>;
// @ts-expect-error a var given a type keeps it: the loader must produce a Jwks
jwks.onFirstAccess(async () => ({ a: 1 }));
// An annotated context works on a typed var.
jwks.onFirstAccess((ctx: LoaderContext<Jwks>) => ctx.previous ?? { keys: [] });

// 2. onEachAccess changes what get() resolves (the seed's transform: stored key set → key lookup),
// not what is stored.
const lookup = GLOBAL_CACHE.memoryCachedVar("jwks-lookup")
  .onFirstAccess(async (): Promise<Jwks> => ({ keys: [{ kid: "a", kty: "RSA" }] }))
  .onEachAccess((set) => {
    const byKid = new Map(set.keys.map((k) => [k.kid, k]));
    return (kid: string) => byKid.get(kid);
  });
type _8 = Expect<Equal<typeof lookup, CachedVar<Jwks, (kid: string) => Jwk | undefined>>>;
async function verify(kid: string): Promise<string | undefined> {
  const find = await lookup.get();
  type _find = Expect<Equal<typeof find, (kid: string) => Jwk | undefined>>;
  const stored = lookup.peek();
  type _stored = Expect<Equal<typeof stored, Jwks | undefined>>;
  type _storedToo = Expect<Equal<ReturnType<typeof lookup.getStoredValue>, Jwks>>;
  lookup.set({ keys: [] });
  // @ts-expect-error set() stores what the loader stores, not what get() resolves
  lookup.set((k: string) => undefined);
  return find(kid)?.kty;
}
void verify;

// An async transform: get() resolves its awaited result.
const label = new CachedVar<number>("label").onEachAccess(async (v) => `#${v}`);
type _9 = Expect<Equal<ReturnType<typeof label.get>, Promise<string>>>;
// @ts-expect-error the transform receives the stored type
new CachedVar<number>("bad").onEachAccess((v: string) => v);

// The loader may be registered after the transform (or replaced later): the transform's type stays.
const late = new CachedVar("late").onEachAccess((v) => String(v)).onFirstAccess(() => 1);
type _10 = Expect<Equal<typeof late, CachedVar<number, string>>>;
const replaced = lookup.onFirstAccess(async () => ({ keys: [] }));
type _11 = Expect<Equal<typeof replaced, typeof lookup>>;

// 3. Vars of a cache: the cache's T by default, or their own.
const users = new MemoryCache({ onFirstAccess: async ({ name }) => ({ name, admin: false }) });
const alice = users.memoryCachedVar("alice");
type _12 = Expect<Equal<typeof alice, CachedVar<{ name: string; admin: boolean }>>>;
const count = users.memoryCachedVar<number>("count", { ttl: 1_000 }).onFirstAccess(() => 0);
type _13 = Expect<Equal<typeof count, CachedVar<number>>>;
const plain = new MemoryCache({ maxEntries: 10 }).memoryCachedVar("x").onFirstAccess(() => true);
type _14 = Expect<Equal<typeof plain, CachedVar<boolean>>>;

// 4. Typed vars still go where a plain CachedVar is expected (e.g. a helper taking any var).
function describeVar(v: CachedVar): string {
  return `${v.name}: ${v.state}`;
}
describeVar(jwks);
describeVar(lookup);
describeVar(cfg);
const anyCache: MemoryCache = users;
void anyCache;

// 5. Found by a types-vs-runtime pass. A transform returning nothing, registered before the
// loader: get() resolves undefined, so it is typed void (it was typed as the loader's value).
const effect = new CachedVar("effect")
  .onEachAccess((v) => {
    console.log(v);
  })
  .onFirstAccess(() => 1);
type _15 = Expect<Equal<ReturnType<typeof effect.get>, Promise<void>>>;
const maybe = new CachedVar("maybe").onEachAccess((v): string | void => (v ? "yes" : undefined)).onFirstAccess(() => 1);
type _16 = Expect<Equal<ReturnType<typeof maybe.get>, Promise<string | void>>>;
// The loader's context is read-only but for ttl (assigning ctx.signal throws at run time).
new CachedVar("ctx").onFirstAccess((ctx) => {
  // @ts-expect-error the load's signal cannot be replaced
  ctx.signal = AbortSignal.timeout(1_000);
  // @ts-expect-error nor its name
  ctx.name = "other";
  ctx.ttl = 5_000;
  return 1;
});
// A cache's options are not a var's: maxEntries and onFirstAccess make `new CachedVar` throw.
const cacheOptions = { ttl: 60_000, maxEntries: 100 };
// @ts-expect-error maxEntries is a MemoryCache option ("unknown option" at run time)
new CachedVar("x", cacheOptions);
// @ts-expect-error likewise through a cache's memoryCachedVar
users.memoryCachedVar("y", { onFirstAccess: () => ({ name: "y", admin: true }) });
// …while options that are only var options still go to both.
const varOptions = { ttl: 60_000, staleIfError: 600_000 };
new CachedVar("z", varOptions);
new MemoryCache({ ...varOptions, maxEntries: 100, onFirstAccess: null });
