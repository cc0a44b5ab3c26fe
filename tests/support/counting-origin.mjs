// A counting local origin for the tests that must see how often the package went to the origin
// (the shared-tier scripts, the workerd request-safety cases).

import http from "node:http";

/**
 * Listens on 127.0.0.1 (a free port) and answers every request after `delay` ms (settable as
 * `origin.delay`) with the JSON of `body(n, origin)`, n being that request's count; by default
 * `{ version }`, settable as `origin.version`. Counts requests as they arrive (`hits`) and as
 * they are answered (`answered`). While `origin.gate` is a promise, requests arriving wait for it
 * before their delay starts.
 */
export async function startOrigin({ delay = 0, body = (n, origin) => ({ version: origin.version }) } = {}) {
  const origin = { hits: 0, answered: 0, version: 1, delay, gate: undefined };
  const server = http.createServer(async (req, res) => {
    const text = JSON.stringify(body(++origin.hits, origin));
    await origin.gate;
    setTimeout(() => {
      origin.answered++;
      res.setHeader("content-type", "application/json");
      res.end(text);
    }, origin.delay);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin.url = `http://127.0.0.1:${server.address().port}/`;
  origin.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return origin;
}
