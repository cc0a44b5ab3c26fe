// Builds examples/rust-worker as worker-build 0.8 would, without it (it downloads its own tools —
// esbuild, wasm-bindgen — at build time; cargo still fetches the crates, as any build does):
// cargo (wasm32, release, into target/rust-worker, shared with tests/rust-worker and
// benches/rust) → wasm-bindgen --target web with worker-build's panic-recovery flags → a small
// entry shim that instantiates the wasm module workerd hands over and resets the instance after a
// trap (worker-build's shim.js does the same). tests/workerd/launch.mjs then bundles the entry and
// makes the .wasm a workerd wasm module.
//   const { entry, cleanup } = buildRustWorker();

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const TARGET = join(ROOT, "target/rust-worker");
const NAME = "smc_example_rust_worker";

export function buildRustWorker() {
  const env = { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.HOME}/.cargo/bin:${process.env.PATH}`, CARGO_TARGET_DIR: TARGET };
  execFileSync("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--quiet", "--locked"], { cwd: HERE, env, stdio: "inherit" });
  const dir = mkdtempSync(join(tmpdir(), "smc-example-rust-worker-"));
  const wasm = join(TARGET, `wasm32-unknown-unknown/release/${NAME}.wasm`);
  const flags = ["--experimental-reset-state-function", "--force-enable-abort-handler"];
  try {
    execFileSync("wasm-bindgen", ["--target", "web", "--no-typescript", "--omit-default-module-path", ...flags, "--out-dir", join(dir, "glue"), wasm], { env, stdio: "inherit" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(
    join(dir, "entry.mjs"),
    `import { initSync, fetch as rustFetch, __wbg_reset_state, __worker_init_state } from "./glue/${NAME}.js";
import module from "./glue/${NAME}_bg.wasm";
initSync({ module });
const initState = __worker_init_state();
export default {
  async fetch(req, env, ctx) {
    if (initState.criticalError) {
      __wbg_reset_state();
      initState.criticalError = false;
      initState.instanceId++;
    }
    try {
      return await rustFetch(req, env, ctx);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) initState.criticalError = true;
      throw e;
    }
  },
};
`,
  );
  return { entry: join(dir, "entry.mjs"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
