// The per-request storage example, exercised over real HTTP with overlapping requests from
// different users: one profile load per request, and no user ever sees another's profile.
// Runs under Node, Bun and Deno (`node|bun|deno run --allow-net=127.0.0.1 <this file>`).
import { createServer } from "node:http";
import { handle, currentUser } from "../../examples/per-request-storage/server.mjs";

const server = createServer(handle);
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}/`;
let passed = 0;
let failed = 0;
const check = (cond, what) => {
  if (cond) passed++;
  else {
    failed++;
    console.log(`FAIL ${what}`);
  }
};
try {
  const users = Array.from({ length: 30 }, (_, i) => `user-${i}`);
  const bodies = await Promise.all(users.map((u) => fetch(base, { headers: { "x-user": u } }).then((r) => r.json())));
  check(bodies.every((b, i) => b.user === users[i] && b.greeting === `hello ${users[i]}`), "every overlapping request saw only its own user");
  const s = currentUser.stats();
  check(s.loads === users.length, `one load per request (loads ${s.loads}, requests ${users.length})`);
  check(s.hits === users.length, `the second get() of each request was a hit (hits ${s.hits})`);
  check(s.coalesced === 0, "no caller joined another caller's load");
  let outside;
  try {
    currentUser.getStoredValue();
  } catch (e) {
    outside = e;
  }
  check(/outside a request scope/.test(String(outside?.message)), "outside a request the storage says so");
} finally {
  server.close();
}
console.log(`per-request storage: ${passed} passed, ${failed} failed`);
if (failed > 0 || passed === 0) process.exit(1);
