// The printer every runner shares: failing tests (name and error), then exactly one summary line
// `<runtime>: N passed, N failed` (all.sh adds these up). Returns the process exit code.

export function report(runtime, { passed, failed, results }) {
  for (const r of results) if (!r.ok) console.log(`FAIL ${r.name}\n     ${r.error}`);
  console.log(`${runtime}: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

/** The result of a runner that could not load the suite or the package: one failure, no tests. */
export function setupFailure(error) {
  const message = error?.stack ?? `${error?.name}: ${error?.message ?? error}`;
  return { passed: 0, failed: 1, results: [{ name: "load the suite and simple-memory-cache", ok: false, error: message }] };
}

/** Throws unless `loaded` (a path or URL of the entry module the runtime loaded) is `expected`. */
export function checkEntry(runtime, loaded, expected) {
  if (!String(loaded).endsWith(`/pkg/entry/${expected}`)) throw new Error(`${runtime} loaded ${loaded}, expected pkg/entry/${expected}`);
  console.log(`${runtime}: package entry pkg/entry/${expected}`);
}
