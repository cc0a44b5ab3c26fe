// Runs the semantics suite in Node, as an ES module importing `simple-memory-cache` by its bare name.
// Usage: node tests/runtimes/node-esm.mjs [test-name filter]
import { checkEntry, report, setupFailure } from "./report.mjs";

const runtime = "node-esm";
let result;
try {
  const { runSuite } = await import("../js/suite.mjs");
  // Node's ESM resolver, under the conditions it applied to the suite's import (`node`, `import`).
  checkEntry(runtime, import.meta.resolve("simple-memory-cache"), "inline.js");
  result = await runSuite({ runtime, filter: process.argv[2] });
} catch (error) {
  result = setupFailure(error);
}
process.exitCode = report(runtime, result);
