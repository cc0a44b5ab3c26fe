// Runs the semantics suite in Node through CommonJS: `require("simple-memory-cache")` loads the
// package's ES module entry synchronously (require(esm), on by default since Node 20.19).
// Usage: node tests/runtimes/node-require.cjs [test-name filter]
const { checkEntry, report, setupFailure } = require("./report.mjs");

const runtime = "node-require";

async function main() {
  const api = require("simple-memory-cache");
  const entries = Object.keys(require.cache).filter((path) => path.includes("/pkg/entry/"));
  checkEntry(runtime, entries.join(", "), "inline.js");
  // The suite is ESM without top-level await, so require() loads it too. Its `import` of the
  // package must be the very module require() returned, or the suite would test another instance.
  if ((await import("simple-memory-cache")) !== api) throw new Error("require() and import gave different module instances");
  const { runSuite } = require("../js/suite.mjs");
  return runSuite({ runtime, filter: process.argv[2] });
}

main()
  .catch(setupFailure)
  .then((result) => {
    process.exitCode = report(runtime, result);
  });
