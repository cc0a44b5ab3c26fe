// Issue 3, "Request-safe single-flight on workerd": the cases in real local workerd, with a
// loader that fetch()es a slow local origin (safety-worker.js). Cases marked "guard alone" switch
// off the entry's waitUntil registration of loads, to show the joiners' bounded wait and takeover
// (CachedVar#join) also hold on their own. Prints a line per case, last
// `workerd: N passed, N failed`; exits non-zero on any failure.
// Usage: node tests/workerd/request-safety.mjs [text]   (only the cases whose name has `text`)

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { JOIN_BOUND_MS } from "../../pkg/lib/platform.js";
import { startOrigin } from "../support/counting-origin.mjs";
import { startWorker } from "./launch.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const DELAY = 300; // the origin's answer time
const TIMEOUT = 2000; // the `data` var's timeout (safety-worker.js)
const SLACK = 1000;
const JOINERS = 5;

function check(cond, message) {
  if (!cond) throw new Error(message);
}

// Drives one Worker: each call returns the route's JSON and how long it took, in ms.
function client(worker) {
  return async (path, bound = JOIN_BOUND_MS + DELAY + SLACK) => {
    const started = Date.now();
    const res = await fetch(worker.url + path, { signal: AbortSignal.timeout(bound) });
    const body = await res.json();
    return { ...body, status: res.status, ms: Date.now() - started };
  };
}

const show = (r) => (r.ok ? JSON.stringify(r.value) : `${r.error.name}: ${r.error.message}`);

// All `results` got the same value, each within `bound` ms.
function allValued(results, bound) {
  for (const r of results) check(r.ok, `a request got no value: ${show(r)}`);
  const first = JSON.stringify(results[0].value);
  check(results.every((r) => JSON.stringify(r.value) === first), `values differ: ${results.map(show).join(", ")}`);
  const slowest = Math.max(...results.map((r) => r.ms));
  check(slowest < bound, `slowest took ${slowest} ms, bound ${bound} ms`);
  return `value ${first}, slowest ${slowest} ms`;
}

// Starts a load from a leader that answers at once (mode), then fires the joiners while the
// origin has not answered yet. Returns the joiners' results and the var's load count.
async function leaderThenJoiners(call, origin, { mode, var: name = "data", bound }) {
  const before = await call(`/stats?var=${name}`);
  const leader = await call(`/get?var=${name}&mode=${mode}`);
  check(leader.ok && leader.detached, `leader did not answer at once: ${JSON.stringify(leader)}`);
  check(origin.answered === 0, "the origin answered before the joiners were fired");
  const joiners = await Promise.all(Array.from({ length: JOINERS }, () => call(`/get?var=${name}`, bound)));
  const after = await call(`/stats?var=${name}`);
  return { leader, joiners, loads: after.loads - before.loads };
}

const CASES = [
  {
    date: "2025-09-01",
    name: "1. 20 concurrent cold requests: 1 origin fetch, all 20 get the value",
    async run(call, origin) {
      const results = await Promise.all(Array.from({ length: 20 }, () => call("/get?var=data")));
      const detail = allValued(results, DELAY + SLACK);
      check(origin.hits === 1, `origin fetched ${origin.hits} times`);
      return `${detail}, origin fetches 1`;
    },
  },
  {
    date: "2025-09-01",
    name: "2. leader returns at once without waitUntil: joiners get the value promptly",
    async run(call, origin) {
      const { joiners, loads } = await leaderThenJoiners(call, origin, { mode: "detach" });
      const detail = allValued(joiners, DELAY + SLACK);
      check(loads === 1 && origin.hits === 1, `loads ${loads}, origin fetches ${origin.hits} (the entry's waitUntil should keep the leader's load)`);
      return `${detail}, loads 1, origin fetches 1`;
    },
  },
  {
    date: "2025-09-01",
    registration: "off",
    name: "2. (guard alone) leader returns at once: joiners take over and get the value promptly",
    async run(call, origin) {
      const { joiners, loads } = await leaderThenJoiners(call, origin, { mode: "detach" });
      const detail = allValued(joiners, DELAY + SLACK);
      check(loads === 2, `loads ${loads}; expected the leader's and one takeover shared by all joiners`);
      return `${detail}, loads 2, origin fetches ${origin.hits}`;
    },
  },
  {
    date: "2024-01-01",
    name: "3. leader returns at once on an old compatibility date: joiners complete within the timeout",
    async run(call, origin) {
      const { joiners, loads } = await leaderThenJoiners(call, origin, { mode: "detach" });
      const detail = allValued(joiners, TIMEOUT + DELAY + SLACK);
      check(loads === 1 && origin.hits === 1, `loads ${loads}, origin fetches ${origin.hits} (the entry's waitUntil should keep the leader's load)`);
      return `${detail}, loads 1, origin fetches 1`;
    },
  },
  {
    date: "2024-01-01",
    registration: "off",
    name: `3. (guard alone) old date, var timeout ${TIMEOUT} ms: joiners take over within the timeout`,
    async run(call, origin) {
      const { joiners, loads } = await leaderThenJoiners(call, origin, { mode: "detach" });
      const detail = allValued(joiners, TIMEOUT + DELAY + SLACK);
      check(loads === 2, `loads ${loads}; expected the leader's and one takeover shared by all joiners`);
      return `${detail}, loads 2, origin fetches ${origin.hits}`;
    },
  },
  {
    date: "2024-01-01",
    registration: "off",
    name: `3. (guard alone) old date, no timeout: joiners take over within the default ${JOIN_BOUND_MS} ms bound`,
    async run(call, origin) {
      const { joiners, loads } = await leaderThenJoiners(call, origin, { mode: "detach", var: "unbounded" });
      const detail = allValued(joiners, JOIN_BOUND_MS + DELAY + SLACK);
      check(loads === 2, `loads ${loads}; expected the leader's and one takeover shared by all joiners`);
      return `${detail}, loads 2, origin fetches ${origin.hits}`;
    },
  },
  {
    date: "2024-01-01",
    registration: "off",
    name: "3. (guard alone) old date: joiners that give up after set() stored a value are served it, no second load",
    async run(call, origin) {
      const before = await call("/stats?var=data");
      const leader = await call("/get?var=data&mode=detach");
      check(leader.ok && leader.detached, `leader did not answer at once: ${JSON.stringify(leader)}`);
      const pending = Promise.all(Array.from({ length: JOINERS }, () => call("/get?var=data", TIMEOUT + DELAY + SLACK)));
      await new Promise((resolve) => setTimeout(resolve, DELAY / 3)); // joined, well before their deadline
      check((await call("/set?var=data")).ok, "set() failed");
      const joiners = await pending;
      const loads = (await call("/stats?var=data")).loads - before.loads;
      const detail = allValued(joiners, TIMEOUT + DELAY + SLACK);
      check(JSON.stringify(joiners[0].value) === JSON.stringify({ set: true }), `joiners got ${show(joiners[0])}, not the value set() stored`);
      // The leader's own fetch dies with its request (workerd cancels it), so the origin may see none.
      check(loads === 1 && origin.hits <= 1, `loads ${loads}, origin fetches ${origin.hits}: a takeover loaded although a fresh value was stored`);
      return `${detail}, loads 1 (the leader's), origin fetches ${origin.hits}`;
    },
  },
  ...["2025-09-01", "2024-01-01"].map((date) => ({
    date,
    registration: "off",
    name: "4. leader passes waitUntil and returns at once: joiners get the leader's value, 1 origin fetch",
    async run(call, origin) {
      const { joiners, loads } = await leaderThenJoiners(call, origin, { mode: "detach-waituntil" });
      const detail = allValued(joiners, DELAY + SLACK);
      check(loads === 1 && origin.hits === 1, `loads ${loads}, origin fetches ${origin.hits}`);
      return `${detail}, loads 1, origin fetches 1`;
    },
  })),
  {
    date: "2025-09-01",
    name: "5. a loader returning a Response (an I/O object) is refused with a clear error, nothing cached",
    async run(call, origin) {
      const leader = call("/get?var=response");
      await new Promise((resolve) => setTimeout(resolve, DELAY / 3));
      const joiners = await Promise.all(Array.from({ length: 3 }, () => call("/get?var=response")));
      const later = await call("/get?var=response");
      const all = [await leader, ...joiners, later];
      const { state } = await call("/stats?var=response");
      const seen = `observed: ${all.map((r) => show(r)).join(" | ")}; state ${state}, origin fetches ${origin.hits}`;
      const clear = (r) => !r.ok && r.error.name === "TypeError" && r.error.message.includes('"response"') && /Response/.test(r.error.message);
      check(all.every(clear) && state !== "fresh", seen);
      return seen;
    },
  },
  {
    date: "2025-09-01",
    name: "6. a loader returning { res: Response, at } is refused naming the var and .res; each request loads afresh",
    async run(call, origin) {
      const before = await call("/stats?var=nested");
      const all = [];
      for (let i = 0; i < 3; i++) all.push(await call("/get?var=nested"));
      const { state, loads: after } = await call("/stats?var=nested");
      const loads = after - before.loads;
      const seen = `observed: ${all.map((r) => show(r)).join(" | ")}; state ${state}, loads ${loads}, origin fetches ${origin.hits}`;
      const clear = (r) => !r.ok && r.error.name === "TypeError" && r.error.message.includes('CachedVar "nested": cannot cache a Response (at .res)');
      const crossRequest = (r) => !r.ok && /Cannot perform I\/O|Body has already been used/.test(r.error.message);
      check(all.every(clear) && !all.some(crossRequest) && state !== "fresh" && loads === 3 && origin.hits === 3, seen);
      return seen;
    },
  },
];

// Issue 11's workerd scenarios.
CASES.push(
  {
    date: "2025-09-01",
    name: "issue 11 #3: get() at module scope either works or rejects clearly; the first request then loads at once",
    async run(call, origin) {
      const { status, ms, ...early } = await call("/early");
      const seen = JSON.stringify(early);
      check(status === 200 && Object.keys(early).length === 2, `/early answered ${status}: ${seen}`);
      for (const [name, r] of Object.entries(early)) {
        const m = r.atModuleScope;
        const clear = m.ok || (m.error.message.includes(`"${name}"`) && /could not be started/.test(m.error.message) && /module scope/.test(m.error.message));
        check(m !== "still waiting" && clear, `${name}: the module-scope get() neither worked nor rejected clearly: ${seen}`);
        check(r.inRequest.ok && r.ms < DELAY + SLACK, `${name}: the first request was not served at once: ${seen}`);
        check(r.stats.loads === 1, `${name}: a load that could not start left a trace (loads ${r.stats.loads}): ${seen}`);
      }
      return seen;
    },
  },
  ...["2025-09-01", "2024-01-01"].map((date) => ({
    date,
    name: "issue 11 #10: a healthy load of 12 s (no timeout), 5 requests: 1 origin fetch, everyone served when it answers",
    async run(call, origin) {
      origin.delay = 12_000;
      try {
        const results = await Promise.all(Array.from({ length: JOINERS }, () => call("/get?var=unbounded", 12_000 + SLACK * 3)));
        const detail = allValued(results, 12_000 + SLACK);
        check(origin.hits === 1, `origin fetches ${origin.hits}: a joiner gave up on a live load within its bound`);
        return `${detail}, origin fetches 1`;
      } finally {
        origin.delay = DELAY;
      }
    },
  })),
  {
    date: "2024-01-01",
    bound: 1000,
    name: "issue 11 #10: past a (lowered, 1 s) bound joiners take over, and the first load's late value still serves them all when it lands",
    async run(call, origin) {
      // The first load answers at 1.6 s: after the joiners' bound, before a takeover's answer.
      origin.delay = 1600;
      try {
        const results = await Promise.all(Array.from({ length: JOINERS }, () => call("/get?var=unbounded", 1600 + DELAY + SLACK * 3)));
        const detail = allValued(results, 1600 + DELAY);
        check(JSON.stringify(results[0].value) === JSON.stringify({ n: 1 }), `served ${show(results[0])}, not the first load's value`);
        check(origin.hits === 2, `origin fetches ${origin.hits}: expected the first load and one takeover past its bound`);
        return `${detail}, origin fetches 2 (the takeover's answer came later and was not waited for)`;
      } finally {
        origin.delay = DELAY;
      }
    },
  },
);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Rounds of /spin that block the isolate for about `ms` (measured from here, twice: the second
// run is the optimised loop's).
async function spinRounds(call, ms) {
  const probe = 50_000_000;
  let took = 0;
  for (let i = 0; i < 2; i++) took = (await call(`/spin?n=${probe}`, 30_000)).ms;
  return Math.ceil((probe * ms) / Math.max(1, took));
}

// A freeze: the isolate blocked well past a load's timeout (400 ms). Its overdue timeout timer
// grants a grace (CachedVar#timedOut) in which the origin's answer, held back until after the
// freeze, is read. A joiner arriving after the freeze, or during it (whether its request or the
// overdue timer runs first when it thaws), waits that grace out; taking over after its own 50 ms
// would be a second origin request.
CASES.push(
  ...["after", "during"].map((when) => ({
    date: "2025-09-01",
    name: `freeze: a joiner arriving ${when} a freeze past the load's timeout waits out the load's grace: 1 origin fetch, the value`,
    async run(call, origin) {
      const rounds = await spinRounds(call, 2000);
      let open;
      origin.gate = new Promise((resolve) => (open = resolve));
      origin.delay = 0; // answers as soon as the gate opens, well within the 400 ms grace
      try {
        const leader = await call("/get?var=frozen&mode=detach");
        check(leader.ok && leader.detached, `leader did not answer at once: ${JSON.stringify(leader)}`);
        const spin = call(`/spin?n=${rounds}`, 30_000);
        let joiner;
        if (when === "during") {
          await sleep(200);
          joiner = call("/get?var=frozen");
        }
        const froze = (await spin).ms;
        check(froze >= 1500, `the freeze lasted ${froze} ms; the case needs over 1.4 s (the 400 ms timeout, then over 1 s late)`);
        if (when === "after") joiner = call("/get?var=frozen");
        await sleep(150); // past the 50 ms a joiner waits beyond a load's bound
        open();
        const r = await joiner;
        check(r.ok, `the joiner got no value: ${show(r)}`);
        check(origin.hits === 1, `origin fetches ${origin.hits}: the joiner took over a load within its grace`);
        return `freeze ${froze} ms, joiner answered in ${r.ms} ms with ${JSON.stringify(r.value)}, origin fetches 1`;
      } finally {
        origin.gate = undefined;
        origin.delay = DELAY;
        open?.();
      }
    },
  })),
);

const only = process.argv[2];
if (only !== undefined) CASES.splice(0, CASES.length, ...CASES.filter((c) => c.name.includes(only)));
let passed = 0;
let failed = 0;
// The slow origin: answers each request after DELAY ms with `{ n }`, n its count.
const origin = await startOrigin({ delay: DELAY, body: (n) => ({ n }) });
const workers = new Map();
try {
  for (const date of new Set(CASES.map((c) => c.date))) {
    const bindings = [`(name = "ORIGIN", text = ${JSON.stringify(origin.url)})`];
    workers.set(date, await startWorker({ entry: join(HERE, "safety-worker.js"), compatibilityDate: date, bindings, name: `safety ${date}` }));
  }
  for (const c of CASES) {
    const label = `[${c.date}] ${c.name}`;
    const call = client(workers.get(c.date));
    try {
      await call(`/reset?registration=${c.registration ?? "on"}${c.bound === undefined ? "" : `&bound=${c.bound}`}`);
      origin.hits = 0;
      origin.answered = 0;
      console.log(`ok   ${label}: ${await c.run(call, origin)}`);
      passed++;
    } catch (error) {
      console.log(`FAIL ${label}: ${error.message}`);
      failed++;
    }
  }
} finally {
  for (const w of workers.values()) await w.stop();
  await origin.close();
}
console.log(`workerd: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
