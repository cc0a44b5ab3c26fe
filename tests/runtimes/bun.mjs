// Runs the semantics suite in Bun, importing `simple-memory-cache` by its bare name.
// Usage: bun tests/runtimes/bun.mjs [test-name filter]
import { checkEntry, report, setupFailure } from "./report.mjs";

const runtime = "bun";
let result;
try {
  const { runSuite } = await import("../js/suite.mjs");
  // Bun lists every module it has loaded, ES modules included, in require.cache.
  const entries = Object.keys(require.cache).filter((path) => path.includes("/pkg/entry/"));
  checkEntry(runtime, entries.join(", "), "inline.js");
  result = await runSuite({ runtime, filter: process.argv[2] });
} catch (error) {
  result = setupFailure(error);
}
process.exitCode = report(runtime, result);
