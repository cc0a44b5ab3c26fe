// Issue 6 on Workers KV, against the real local KV (Miniflare's, as `wrangler dev` persists it)
// in the project's workerd: separate workerd processes sharing one persistence directory play
// the isolates of one Worker. The point: a second isolate's cold start calls the origin 0 times.
// Then: how a forced refresh propagates, that invalidate() never reaches the tier, that an
// unchanged value stays shared past its ttl, that a real KV failure never fails a get(), and the
// keys' expirations.   Usage: node tests/shared/workers-kv.mjs

import { tierIsolates } from "./isolate.mjs";
import { check, sleep, startOrigin, steps, until } from "./support.mjs";

const TTL = 4000; // every var's ttl, ms
const GAP = 1500; // between A's first load and its forced refresh, so their entries' ages differ

const origin = await startOrigin();
const tier = await tierIsolates({ tier: "kv", ttl: TTL, origin });
const entry = async (isolate) => JSON.parse((await isolate.call("/tier")).text);
const { step, finish } = steps("workers-kv");

try {
  const a = await tier.start();
  let firstAnswer;
  await step("isolate A, cold: 1 origin fetch, and the value is written behind to KV as {t, v}", async () => {
    const r = await a.get();
    firstAnswer = Date.now();
    check(r.ok && r.value.version === 1, `A got ${JSON.stringify(r)}`);
    check(origin.hits === 1, `origin fetches ${origin.hits}`);
    const s = await until(async () => ((await a.stats()).sharedWrites === 1 ? a.stats() : null));
    check(s, `A's write-behind did not land: ${JSON.stringify(await a.stats())}`);
    check(s.sharedMisses === 1 && s.sharedHits === 0, `A's cold read should miss: ${JSON.stringify(s)}`);
    const e = await entry(a);
    check(e.v.version === 1 && typeof e.t === "number" && e.t <= firstAnswer, `KV entry ${JSON.stringify(e)}`);
    return `KV entry {t: ${firstAnswer - e.t} ms before A answered, v: ${JSON.stringify(e.v)}}`;
  });

  await step(`the KV key expires after the var's ttl (${TTL} ms), raised to KV's 60 s minimum`, async () => {
    const keys = await a.call("/kv-keys");
    const key = keys.find((k) => k.name === "smc:cfg");
    check(key && typeof key.expiration === "number", `keys ${JSON.stringify(keys)}`);
    const inS = key.expiration - Date.now() / 1000;
    check(inS > 55 && inS <= 61, `expires in ${inS.toFixed(1)} s`);
    return `expires in ${inS.toFixed(1)} s`;
  });

  const b = await tier.start();
  await step("THE POINT: isolate B (a second workerd process on the same KV directory), cold start → 0 origin fetches, same value", async () => {
    check(a.workerdPid && b.workerdPid && a.workerdPid !== b.workerdPid, `workerd pids A ${a.workerdPid}, B ${b.workerdPid}`);
    const r = await b.get();
    check(r.ok && r.value.version === 1, `B got ${JSON.stringify(r)}`);
    check(origin.hits === 1, `origin fetches ${origin.hits} (B went to the origin)`);
    const s = await b.stats();
    check(s.sharedHits === 1 && s.loads === 1 && s.state === "fresh", `B stats ${JSON.stringify(s)}`);
    return `workerd pids ${a.workerdPid} and ${b.workerdPid}; B served version 1 from KV; origin fetches still 1`;
  });

  await sleep(Math.max(0, firstAnswer + GAP - Date.now()));
  origin.version = 2;
  let refreshed;
  await step("forced refresh on A: invalidate() → the next load skips the tier, fetches the origin, writes the new value", async () => {
    await a.call("/invalidate");
    const r = await a.get();
    refreshed = Date.now();
    check(r.ok && r.value.version === 2, `A got ${JSON.stringify(r)}`);
    check(origin.hits === 2, `origin fetches ${origin.hits}`);
    check(await until(async () => (await a.stats()).sharedWrites === 2), `the refresh was not written: ${JSON.stringify(await a.stats())}`);
    const e = await entry(a);
    check(e.v.version === 2, `KV entry ${JSON.stringify(e)}`);
    return "origin fetches 2, KV entry now version 2";
  });

  await step("B keeps its own copy until its own ttl expires: version 1, 0 origin fetches", async () => {
    const r = await b.get();
    check(r.ok && r.value.version === 1, `B got ${JSON.stringify(r)}`);
    check(origin.hits === 2, `origin fetches ${origin.hits}`);
  });

  await step("10 more invalidate() on A never touch the tier: isolate C, cold → version 2 from KV, 0 origin fetches", async () => {
    for (let i = 0; i < 10; i++) await a.call("/invalidate");
    const c = await tier.start();
    const r = await c.get();
    check(r.ok && r.value.version === 2, `C got ${JSON.stringify(r)}`);
    check(origin.hits === 2, `origin fetches ${origin.hits}`);
    check((await c.stats()).sharedHits === 1, `C stats ${JSON.stringify(await c.stats())}`);
    return `C is workerd pid ${c.workerdPid}`;
  });

  await sleep(Math.max(0, firstAnswer + TTL + 300 - Date.now()));
  await step("after B's ttl expires, B's reload finds A's refresh in KV: version 2, 0 origin fetches", async () => {
    const r = await b.get();
    check(r.ok && r.value.version === 2, `B got ${JSON.stringify(r)}`);
    check(origin.hits === 2, `origin fetches ${origin.hits}`);
    const s = await b.stats();
    check(s.sharedHits === 2 && s.loads === 2, `B stats ${JSON.stringify(s)}`);
    return `B stats: loads ${s.loads}, sharedHits ${s.sharedHits}`;
  });

  await sleep(Math.max(0, refreshed + TTL + 300 - Date.now()));
  await step("an unchanged value stays shared past its ttl: A's reload renews the KV entry, B's reload then comes from KV", async () => {
    const hits = origin.hits;
    const r = await a.get();
    check(r.ok && r.value.version === 2 && origin.hits === hits + 1, `A got ${JSON.stringify(r)}, origin fetches ${origin.hits - hits}`);
    const renewed = await until(async () => (await entry(a)).t > refreshed);
    check(renewed, `A's reload did not renew the KV entry (still ${JSON.stringify(await entry(a))}): every isolate now goes to the origin once per ttl`);
    const rb = await b.get();
    check(rb.ok && rb.value.version === 2 && origin.hits === hits + 1, `B got ${JSON.stringify(rb)}, origin fetches ${origin.hits - hits}`);
  });

  await step("a real KV failure (a key over KV's 512-byte limit) never fails get(): served from the origin, errors counted", async () => {
    const long = "k".repeat(600);
    const hits = origin.hits;
    const r = await a.get(long);
    check(r.ok && r.value.version === 2 && origin.hits === hits + 1, `A got ${JSON.stringify(r)}, origin fetches ${origin.hits - hits}`);
    const s = await until(async () => ((await a.stats(long)).sharedErrors === 2 ? a.stats(long) : null));
    check(s && s.sharedHits === 0 && s.sharedWrites === 0, `stats ${JSON.stringify(await a.stats(long))} (expected the read and the write to fail)`);
    return "the KV read and write both failed; the value was served and stays in memory";
  });

  await step("a var whose ttl is Infinity: its KV key has no expiration", async () => {
    const r = await a.get("forever");
    check(r.ok && r.value.version === 2, `A got ${JSON.stringify(r)}`);
    check(await until(async () => (await a.stats("forever")).sharedWrites === 1), `not written: ${JSON.stringify(await a.stats("forever"))}`);
    const key = (await a.call("/kv-keys")).find((k) => k.name === "smc:forever");
    check(key && key.expiration === undefined, `key ${JSON.stringify(key)}`);
  });
  await step("a var whose ttl is 2^31 s (an origin's far-future Expires): written, its KV key expires in KV's most, 2^31 - 1 s", async () => {
    const r = await a.get("decades");
    check(r.ok && r.value.version === 2, `A got ${JSON.stringify(r)}`);
    check(await until(async () => (await a.stats("decades")).sharedWrites === 1), `not written: ${JSON.stringify(await a.stats("decades"))}`);
    const key = (await a.call("/kv-keys")).find((k) => k.name === "smc:decades");
    const inS = key?.expiration - Date.now() / 1000;
    check(Math.abs(inS - (2 ** 31 - 1)) < 120, `key ${JSON.stringify(key)}`);
  });
} catch (error) {
  await step("setup", () => {
    throw error;
  });
} finally {
  await tier.stop();
  await origin.close();
}
finish();
