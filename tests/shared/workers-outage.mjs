// Issue 6: "the second tier failing or slow never fails a get()", in plain real workerd
// (tests/workerd/launch.mjs) with real KV bindings whose backend is down (503) or stuck
// (answers after 5 s), and caches.default when workerd has no cache service configured (every
// call throws).   Usage: node tests/shared/workers-outage.mjs

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_READ_TIMEOUT_MS } from "../../pkg/lib/shared-tier.js";
import { startWorker } from "../workerd/launch.mjs";
import { check, getJson, startOrigin, steps, until } from "./support.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ORIGIN_DELAY = 50;
const SLACK = 500;

const origin = await startOrigin({ delay: ORIGIN_DELAY });
const { step, finish } = steps("workers-outage");
let worker;
try {
  worker = await startWorker({
    entry: join(HERE, "outage-worker.js"),
    bindings: [
      `(name = "ORIGIN", text = ${JSON.stringify(origin.url)})`,
      `(name = "KV_DOWN", kvNamespace = (name = "main", entrypoint = "KvDown"))`,
      `(name = "KV_HANGING", kvNamespace = (name = "main", entrypoint = "KvHanging"))`,
    ],
    name: "shared tier outage",
  });
  const call = (path) => getJson(worker.url + path);

  await step("KV down (503 on every request): get() is served from the origin; the failed read and write are counted", async () => {
    const r = await call("/get?tier=down");
    check(r.ok && r.value.version === 1 && origin.hits === 1, `got ${JSON.stringify(r)}, origin fetches ${origin.hits}`);
    const s = await until(async () => ((await call("/stats?tier=down")).sharedErrors === 2 ? call("/stats?tier=down") : null));
    check(s && s.sharedHits === 0 && s.sharedWrites === 0, `stats ${JSON.stringify(await call("/stats?tier=down"))}`);
    return `${r.ms} ms`;
  });

  await step(`KV stuck (answers after 5 s): get() gives up on the tier after ${DEFAULT_READ_TIMEOUT_MS} ms and is served from the origin`, async () => {
    const hits = origin.hits;
    const r = await call("/get?tier=hanging");
    check(r.ok && r.value.version === 1 && origin.hits === hits + 1, `got ${JSON.stringify(r)}, origin fetches ${origin.hits - hits}`);
    const bound = DEFAULT_READ_TIMEOUT_MS + ORIGIN_DELAY + SLACK;
    check(r.ms >= DEFAULT_READ_TIMEOUT_MS && r.ms < bound, `took ${r.ms} ms (bound ${bound} ms)`);
    const s = await call("/stats?tier=hanging");
    check(s.sharedErrors === 1 && s.sharedHits === 0, `stats ${JSON.stringify(s)}`);
    const again = await call("/get?tier=hanging");
    check(again.ok && again.ms < SLACK && origin.hits === hits + 1, `second get ${JSON.stringify(again)}: should be a memory hit`);
    return `${r.ms} ms, then a memory hit in ${again.ms} ms`;
  });

  await step("plain workerd without a cache service: caches.default throws \"No Cache was configured\"; get() is unaffected, errors counted", async () => {
    const r = await call("/get?tier=cache");
    check(r.ok && r.value.version === 1, `got ${JSON.stringify(r)}`);
    const s = await until(async () => ((await call("/stats?tier=cache")).sharedErrors === 2 ? call("/stats?tier=cache") : null));
    check(s && s.sharedWrites === 0 && s.sharedMisses === 0, `stats ${JSON.stringify(await call("/stats?tier=cache"))} (expected the read and the write to fail)`);
    const read = await call("/tier?tier=cache");
    check(/No Cache was configured/.test(read.error), `the adapter's read gave ${JSON.stringify(read)}`);
    return read.error;
  });
} catch (error) {
  await step("setup", () => {
    throw error;
  });
} finally {
  await worker?.stop();
  await origin.close();
}
finish();
