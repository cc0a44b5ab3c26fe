// The semantics suite: one file, run unchanged in Node (ESM and require), Bun, Deno, workerd and
// Chromium against the built package imported by its bare name. Each runner calls runSuite()
// and prints the results.

import * as api from "simple-memory-cache";
import { assert, createSuite } from "./harness.mjs";

const { GLOBAL_CACHE, CachedVar } = api;

export async function runSuite({ runtime = "unknown", filter } = {}) {
  const suite = createSuite();
  const { test } = suite;

  test("lazy: creating a var and registering a loader calls nothing; first get() loads once", async () => {
    let calls = 0;
    const v = new CachedVar("lazy");
    v.onFirstAccess(() => ++calls);
    assert.is(calls, 0);
    assert.is(await v.get(), 1);
    assert.is(await v.get(), 1);
    assert.is(calls, 1);
  });

  test("GLOBAL_CACHE returns the same var for the same name", () => {
    assert.is(GLOBAL_CACHE.memoryCachedVar("same"), GLOBAL_CACHE.memoryCachedVar("same"));
  });

  return { runtime, ...(await suite.run({ filter })) };
}
