// Runs the semantics suite in Deno with no permission flags, importing `simple-memory-cache` by its
// bare name from node_modules (Deno finds the workspace package.json and resolves bare names there).
// Usage: deno run --no-prompt --node-modules-dir=manual tests/runtimes/deno.mjs [test-name filter]
import { checkEntry, report, setupFailure } from "./report.mjs";

const runtime = "deno";
let result;
try {
  const { runSuite } = await import("../js/suite.mjs");
  // Deno's resolver, under its conditions (`deno`, `node`, `import`, `default`): the inlined wasm,
  // which needs no --allow-read.
  checkEntry(runtime, import.meta.resolve("simple-memory-cache"), "inline.js");
  result = await runSuite({ runtime, filter: Deno.args[0] });
} catch (error) {
  result = setupFailure(error);
}
Deno.exitCode = report(runtime, result);
