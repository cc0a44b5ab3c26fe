// A local JWKS origin for the JWKS cases: serves one ES256 public key at `/<label>/jwks.json` on
// 127.0.0.1 (a free port) and counts requests per label, readable at `/hits`. It runs in the
// runner's own process (node:http works in Node, Deno and Bun); the workerd runner starts it in
// Node and hands its URL to the Worker.

import { createServer } from "node:http";
import { exportJWK, generateKeyPair } from "jose";

import { KID } from "./kid.mjs";

export async function startOrigin() {
  const { publicKey } = await generateKeyPair("ES256", { extractable: true });
  const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: KID, alg: "ES256", use: "sig" }] });
  const hits = {};
  const server = createServer((req, res) => {
    if (req.url === "/hits") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(hits));
      return;
    }
    const m = /^\/([\w-]+)\/jwks\.json$/.exec(req.url);
    if (m === null) {
      res.writeHead(404).end();
      return;
    }
    hits[m[1]] = (hits[m[1]] ?? 0) + 1;
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  // Idle keep-alive sockets stay open for the whole run: closing them (default after 5 s) races
  // with a client reusing one, which fails the fetch with ECONNRESET.
  server.keepAliveTimeout = 0;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    stop() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections?.();
      return closed;
    },
  };
}
