// The JWKS flavour of cases 1 and 2, the seed's own use: resolving a token's verification key from
// a remote key set, against jose's `createRemoteJWKSet` (which caches the set itself). Ours and the
// memo cache `createLocalJWKSet(json)` loaded from the same local origin; the origin counts fetches.

import { CachedVar } from "simple-memory-cache";
import { createLocalJWKSet, createRemoteJWKSet } from "jose";
import { memoTtl } from "../lib/memo.mjs";
import { KID } from "../lib/kid.mjs";

// jose's default cacheMaxAge, used by every contender.
const MAX_AGE = 600_000;
// Smaller than case 2's stampede: on workerd jose turns coalescing off, so each waiter fetches.
export const JWKS_WAITERS = 1_000;
const HEADER = { alg: "ES256", kid: KID };

const loadSet = (url) => async () => createLocalJWKSet(await (await fetch(url)).json());

async function hits(origin) {
  return (await fetch(`${origin}/hits`)).json();
}

export async function variants({ origin }) {
  const url = (label) => `${origin}/${label}/jwks.json`;

  const v = new CachedVar("jwks", { ttl: MAX_AGE });
  v.onFirstAccess(loadSet(url("ours")));
  const oursKey = async (header) => (await v.get())(header);
  const m = memoTtl(loadSet(url("memo")), MAX_AGE);
  const memoKey = async (header) => (await m.get())(header);
  const jose = createRemoteJWKSet(new URL(url("jose")), { cacheMaxAge: MAX_AGE });
  await Promise.all([oursKey(HEADER), memoKey(HEADER), jose(HEADER)]);

  // Stampede contenders: each sample starts from an empty set.
  let coldJose = null;
  const stampede = (name, label, flags, empty, getKey) => ({
    name,
    label,
    ...flags,
    ops: JWKS_WAITERS,
    setup: empty,
    run() {
      const waiting = new Array(JWKS_WAITERS);
      for (let i = 0; i < JWKS_WAITERS; i++) waiting[i] = getKey(HEADER);
      return Promise.all(waiting);
    },
  });
  const cold = [
    stampede("simple-memory-cache + createLocalJWKSet", "ours", { ours: true }, () => v.invalidate(), oursKey),
    stampede("hand-written memo + createLocalJWKSet", "memo", { ref: true }, () => m.invalidate(), memoKey),
    stampede(
      "jose createRemoteJWKSet",
      "jose-cold",
      {},
      () => {
        coldJose = createRemoteJWKSet(new URL(url("jose-cold")), { cacheMaxAge: MAX_AGE });
      },
      (header) => coldJose(header),
    ),
  ];

  return [
    {
      id: "jwks-warm",
      case: 1,
      title: "JWKS key lookup, warm set: await getKey(header)",
      unit: "ns/op",
      contenders: [
        { name: "simple-memory-cache + createLocalJWKSet", ours: true, fn: () => oursKey(HEADER) },
        { name: "hand-written memo + createLocalJWKSet", ref: true, fn: () => memoKey(HEADER) },
        { name: "jose createRemoteJWKSet", fn: () => jose(HEADER) },
      ],
    },
    {
      id: "jwks-stampede",
      case: 2,
      title: `JWKS cold stampede: ${JWKS_WAITERS.toLocaleString("en")} concurrent key lookups on an empty set`,
      unit: "ns/waiter",
      contenders: cold,
      // Origin fetches per stampede: one stampede per contender, counted at the origin.
      async check() {
        const out = {};
        for (const c of cold) {
          const before = (await hits(origin))[c.label] ?? 0;
          await c.setup();
          await c.run();
          out[c.name] = { originFetchesPerStampede: ((await hits(origin))[c.label] ?? 0) - before };
        }
        return out;
      },
    },
  ];
}
