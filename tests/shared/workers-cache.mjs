// Issue 6 on the Workers Cache API (`caches.default`), against the real local cache (Miniflare's
// cache service, as `wrangler dev` persists it) in the project's workerd: two workerd processes
// sharing one persistence directory play two isolates of one data center. (Plain workerd without
// a cache service stores nothing: see workers-outage.mjs.)   Usage: node tests/shared/workers-cache.mjs

import { tierIsolates } from "./isolate.mjs";
import { check, sleep, startOrigin, steps, until } from "./support.mjs";

const TTL = 3000; // every var's ttl, ms: the entries' max-age is 3 s
const GAP = 1200; // between A's first load and its forced refresh

const origin = await startOrigin();
const tier = await tierIsolates({ tier: "cache", ttl: TTL, origin });
const entryText = async (isolate) => (await isolate.call("/tier")).text;
const { step, finish } = steps("workers-cache");

try {
  const a = await tier.start();
  let firstAnswer;
  await step("isolate A, cold: 1 origin fetch, and the value is put in caches.default as {t, v}", async () => {
    const r = await a.get();
    firstAnswer = Date.now();
    check(r.ok && r.value.version === 1, `A got ${JSON.stringify(r)}`);
    check(origin.hits === 1, `origin fetches ${origin.hits}`);
    check(await until(async () => (await a.stats()).sharedWrites === 1), `A's write-behind did not land: ${JSON.stringify(await a.stats())}`);
    const e = JSON.parse(await entryText(a));
    check(e.v.version === 1 && e.t <= firstAnswer, `cached entry ${JSON.stringify(e)}`);
  });

  const b = await tier.start();
  await step("isolate B (a second workerd process on the same cache directory), cold start → 0 origin fetches, same value", async () => {
    check(a.workerdPid && b.workerdPid && a.workerdPid !== b.workerdPid, `workerd pids A ${a.workerdPid}, B ${b.workerdPid}`);
    const r = await b.get();
    check(r.ok && r.value.version === 1, `B got ${JSON.stringify(r)}`);
    check(origin.hits === 1, `origin fetches ${origin.hits}`);
    check((await b.stats()).sharedHits === 1, `B stats ${JSON.stringify(await b.stats())}`);
    return `workerd pids ${a.workerdPid} and ${b.workerdPid}`;
  });

  await sleep(Math.max(0, firstAnswer + GAP - Date.now()));
  origin.version = 2;
  let refreshed;
  await step("forced refresh on A: invalidate() → origin → the new value replaces the cached one; B keeps its copy meanwhile", async () => {
    await a.call("/invalidate");
    const r = await a.get();
    refreshed = Date.now();
    check(r.ok && r.value.version === 2 && origin.hits === 2, `A got ${JSON.stringify(r)}, origin fetches ${origin.hits}`);
    check(await until(async () => JSON.parse((await entryText(a)) ?? "null")?.v.version === 2), `cache holds ${await entryText(a)}`);
    const rb = await b.get();
    check(rb.ok && rb.value.version === 1 && origin.hits === 2, `B got ${JSON.stringify(rb)}, origin fetches ${origin.hits}`);
  });

  await sleep(Math.max(0, firstAnswer + TTL + 300 - Date.now()));
  await step("after B's ttl expires, B's reload finds A's refresh in the cache: version 2, 0 origin fetches", async () => {
    const r = await b.get();
    check(r.ok && r.value.version === 2 && origin.hits === 2, `B got ${JSON.stringify(r)}, origin fetches ${origin.hits}`);
  });

  // max-age is whole seconds, rounded up: the entry may live up to 1 s past the ttl.
  await sleep(Math.max(0, refreshed + TTL + 1300 - Date.now()));
  await step("the cache honours the entries' max-age: gone after the ttl, and the next load goes to the origin", async () => {
    const text = await entryText(a);
    check(text === null, `cache still holds ${text}`);
    const r = await b.get();
    check(r.ok && r.value.version === 2 && origin.hits === 3, `B got ${JSON.stringify(r)}, origin fetches ${origin.hits}`);
  });
} catch (error) {
  await step("setup", () => {
    throw error;
  });
} finally {
  await tier.stop();
}

// A named cache, given by its name as the adapter's docs say (`await caches.open(name)` in each
// request resolved a new Cache each time, so the second request's look-up threw "already exists
// with other options").
const named = await tierIsolates({ tier: "named-cache", ttl: TTL, origin });
try {
  const hitsBefore = origin.hits;
  const a = await named.start();
  await step('a named cache, workersCache("smc-tier") in every request: isolate A loads once and its later requests are hits', async () => {
    const r1 = await a.get("named");
    const r2 = await a.get("named");
    check(r1.ok && r2.ok && r2.value.version === r1.value.version, `A got ${JSON.stringify(r1)} then ${JSON.stringify(r2)}`);
    check(origin.hits === hitsBefore + 1, `origin fetches ${origin.hits - hitsBefore}`);
    check(await until(async () => (await a.stats("named")).sharedWrites === 1), `A's write-behind did not land: ${JSON.stringify(await a.stats("named"))}`);
  });
  const b = await named.start();
  await step("a named cache: isolate B, cold, is served from it (0 origin fetches)", async () => {
    const r = await b.get("named");
    check(r.ok && origin.hits === hitsBefore + 1, `B got ${JSON.stringify(r)}, origin fetches ${origin.hits - hitsBefore}`);
    check((await b.stats("named")).sharedHits === 1, `B stats ${JSON.stringify(await b.stats("named"))}`);
  });
} catch (error) {
  await step("setup (named cache)", () => {
    throw error;
  });
} finally {
  await named.stop();
  await origin.close();
}
finish();
