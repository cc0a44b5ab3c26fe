// A local JWKS origin for the demo: an identity provider in miniature. It publishes ES256 public
// keys at /.well-known/jwks.json, mints tokens signed with them, and can misbehave on purpose —
// add latency, go down (answer 503, or refuse connections), rotate keys — while counting every
// request for the key set, so the demo can prove how often the Worker really fetched it. Each
// origin is one issuer (its URL is the tokens' `iss`); the multi-issuer demo starts several.
//
//   const origin = await startOrigin({ latencyMs: 100, cacheControl: "max-age=300" });
//   origin.jwksUrl; origin.fetches; await origin.mint(); await origin.mintUnknownKid();
//   origin.rotate(); await origin.down("503" | "refused"); await origin.up(); await origin.stop();
//
// `node examples/jwks-origin/origin.mjs` runs one on its own (see the end of this file).
// For curl sessions it also answers (loopback only) GET /admin/token[?unknown=1] with a fresh
// token (plain text), and POST /admin/rotate, /admin/down (503) and /admin/up.

import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair } from "jose";

const ALG = "ES256";
export const AUDIENCE = "jwks-demo-api";
// Published keys: the current signing key and the one before it, so tokens signed just before a
// rotation keep verifying (what real issuers do).
const PUBLISHED = 2;

async function newKey() {
  const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: ALG, use: "sig" } };
}

/**
 * Starts the origin on 127.0.0.1 (free port). `cacheControl` is the Cache-Control header its key
 * set is served with (how long the issuer says the keys stay good).
 */
export async function startOrigin({ latencyMs = 0, cacheControl = "max-age=300" } = {}) {
  let keys = [await newKey()];
  // A key nobody publishes: tokens signed with it carry a kid the Worker can never find.
  const stranger = await newKey();
  let outage = null; // null | "503" | "refused"
  let fetches = 0;
  let lastServedAt = -Infinity;
  let port = 0;

  const sign = (key, ttl) =>
    new SignJWT({ scope: "demo" })
      .setProtectedHeader({ alg: ALG, kid: key.kid, typ: "JWT" })
      .setIssuer(`http://127.0.0.1:${port}`)
      .setAudience(AUDIENCE)
      .setSubject("user-42")
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(key.privateKey);

  const rotate = async () => {
    keys = [await newKey(), ...keys].slice(0, PUBLISHED);
    return keys[0].kid;
  };

  const server = createServer(async (req, res) => {
    const { pathname: path, searchParams } = new URL(req.url, "http://origin");
    if (path === "/.well-known/jwks.json") {
      fetches++;
      if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
      if (outage === "503") return reply(res, 503, { error: "origin is down (demo outage)" });
      lastServedAt = Date.now();
      return reply(res, 200, { keys: keys.map((k) => k.jwk) }, { "cache-control": cacheControl });
    }
    if (req.method === "GET" && path === "/admin/token") {
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end(await (searchParams.has("unknown") ? mintUnknownKid("1h") : sign(keys[0], "1h")));
    }
    if (req.method === "POST" && path === "/admin/rotate") return reply(res, 200, { kid: await rotate() });
    if (req.method === "POST" && path === "/admin/down") return reply(res, 200, { outage: (outage = "503") });
    if (req.method === "POST" && path === "/admin/up") return reply(res, 200, { outage: (outage = null) });
    reply(res, 404, { error: "not found" });
  });

  const listen = () =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        port = server.address().port;
        resolve();
      });
    });
  // Refusing connections means not listening at all, and dropping kept-alive connections too
  // (workerd reuses them).
  const close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const mintUnknownKid = (ttl = "10m") => sign({ ...stranger, kid: randomUUID() }, ttl);

  await listen();
  const origin = {
    url: `http://127.0.0.1:${port}`,
    get jwksUrl() {
      return `${this.url}/.well-known/jwks.json`;
    },
    get issuer() {
      return this.url;
    },
    /** Requests for the key set so far (a 503 counts; a refused connection cannot). */
    get fetches() {
      return fetches;
    },
    /** When the key set was last served (Date.now()); a Worker's copy was stored just after. */
    get lastServedAt() {
      return lastServedAt;
    },
    /** A token signed with the current key. */
    mint: ({ ttl = "10m" } = {}) => sign(keys[0], ttl),
    /** A well-formed token whose kid is in no published key set. */
    mintUnknownKid,
    rotate,
    async down(mode) {
      if (mode !== "503" && mode !== "refused") throw new TypeError(`down(mode): "503" or "refused", got ${mode}`);
      if (mode === "refused" && outage !== "refused") await close();
      outage = mode;
    },
    async up() {
      if (outage === "refused") await listen();
      outage = null;
    },
    async stop() {
      if (server.listening) await close();
    },
  };
  return origin;
}

function reply(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

// Run on its own (`node examples/jwks-origin/origin.mjs`): one origin, until Ctrl-C, e.g. for
// `wrangler dev` of examples/jwks-worker with JWKS_URL pointing here. ("refused" has no curl
// route: it closes the port the admin routes answer on.)
if (import.meta.main ?? import.meta.url === `file://${process.argv[1]}`) {
  const origin = await startOrigin();
  console.log(`JWKS origin: ${origin.jwksUrl}  (issuer ${origin.issuer}, audience ${AUDIENCE}); Ctrl-C stops it
curl -s ${origin.url}/admin/token                 # a token signed with the current key
curl -s "${origin.url}/admin/token?unknown=1"     # a token whose kid is in no key set
curl -s -X POST ${origin.url}/admin/rotate        # a new signing key
curl -s -X POST ${origin.url}/admin/down          # answer 503 until /admin/up
curl -s -X POST ${origin.url}/admin/up`);
  process.once("SIGINT", () => origin.stop().then(() => process.exit(0)));
}
