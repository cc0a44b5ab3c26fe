// Compiled by `tsc -p tests/types/tsconfig.exact.json` (exactOptionalPropertyTypes): an optional
// option may be passed as `undefined`, which the package reads as "not given" — a wrapper
// forwarding its own optional arguments needs no spreading tricks.
import { CachedVar, type GetOptions, MemoryCache } from "simple-memory-cache";
import { workersKv } from "simple-memory-cache/shared/workers-kv";

declare const maybeSignal: AbortSignal | undefined;
declare const maybeWaitUntil: ((p: Promise<unknown>) => void) | undefined;
declare const maybeTtl: number | undefined;

const v = new CachedVar("v", { ttl: maybeTtl, timeout: undefined, storage: undefined, shared: undefined, clock: undefined, onError: undefined });
v.onFirstAccess(() => 1);
v.get({ signal: undefined });
v.get({ signal: maybeSignal, waitUntil: maybeWaitUntil });
const opts: GetOptions = { signal: maybeSignal };
v.get(opts);
new MemoryCache({ maxEntries: undefined, onFirstAccess: undefined, cooldown: maybeTtl });
workersKv({ get: async () => null, put: async () => {} }, { prefix: undefined, readTimeout: maybeTtl });
// @ts-expect-error null is not "not given" for a number option
new CachedVar("w", { ttl: null });
