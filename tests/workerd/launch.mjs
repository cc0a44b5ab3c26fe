// Starts a Worker in real local workerd (node_modules/.bin/workerd) for tests and scripts.
//
//   const w = await startWorker({ entry, compatibilityDate, compatibilityFlags, bindings, name });
//   await fetch(w.url + "/path");   // w.port is the port alone
//   w.output();                     // workerd's stdout + stderr so far (console.log lands here)
//   await w.stop();                 // SIGKILL (workerd drains on SIGTERM while a request hangs)
//
// `entry` is an ES module path; it may import `simple-memory-cache` by its bare name. It is bundled
// with esbuild using the package's `workerd` export condition; `cloudflare:*` and `node:*` stay
// external, and every `.wasm` import becomes a workerd wasm module (a `WebAssembly.Module`, as
// wrangler's CompiledWasm rule gives). `bindings` are capnp binding texts added verbatim, e.g.
// `(name = "ORIGIN", text = "http://127.0.0.1:1234")`. The Worker's global fetch may reach
// loopback (tests run a local origin). workerd listens on 127.0.0.1 port 0 and reports the port
// it got on a control descriptor, so no port is probed or raced for. Readiness is one
// `GET /__ready` answered by the Worker (any status), so a Worker should answer that path cheaply.

import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const WORKERD = join(ROOT, "node_modules/.bin/workerd");
const START_BOUND_MS = 10_000;

// Every workerd still running (with its temp dir, if ours), killed and cleaned up if the script
// exits (or is interrupted) without stopping it.
const running = new Map();
process.on("exit", () => {
  for (const [child, dir] of running) {
    child.kill("SIGKILL");
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  }
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(1));

// `.wasm` imports → external modules named by file name, copied next to the bundle.
function wasmModules(dir, found) {
  return {
    name: "workerd-wasm",
    setup(build) {
      build.onResolve({ filter: /\.wasm$/ }, async (args) => {
        if (args.pluginData === "workerd-wasm") return undefined; // the bare specifier's own resolution, below
        // A relative path is a file; a bare one (`pkg/x.wasm`) resolves through the package's exports.
        const file = /^\.{0,2}\//.test(args.path)
          ? resolve(args.resolveDir, args.path)
          : (await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: "workerd-wasm" })).path;
        const name = basename(file);
        if (found.has(name) && found.get(name) !== file) throw new Error(`two different wasm files named ${name}`);
        if (!found.has(name)) {
          found.set(name, file);
          await copyFile(file, join(dir, name));
        }
        return { path: `./${name}`, external: true };
      });
    },
  };
}

function configText({ name, main, compatibilityDate, compatibilityFlags, bindings, wasm }) {
  const modules = [`(name = ${JSON.stringify(main)}, esModule = embed ${JSON.stringify(main)})`, ...wasm.map((w) => `(name = ${JSON.stringify(w)}, wasm = embed ${JSON.stringify(w)})`)];
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "main")],
);
# ${name}
const worker :Workerd.Worker = (
  modules = [${modules.join(", ")}],
  compatibilityDate = ${JSON.stringify(compatibilityDate)},
  compatibilityFlags = ${JSON.stringify(compatibilityFlags)},
  bindings = [${bindings.join(", ")}],
  globalOutbound = "internet",
);
`;
}

/**
 * Bundles `entry` into `dir` as `worker.js` with the package's `workerd` condition; every `.wasm`
 * import becomes an external module named by its file name, copied into `dir`. Returns those
 * file names.
 */
export async function bundleWorker(entry, dir) {
  const wasm = new Map();
  await esbuild.build({
    entryPoints: [resolve(entry)],
    outfile: join(dir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    // Entries outside the repository (scratch files) resolve the package too.
    nodePaths: [join(ROOT, "node_modules")],
    external: ["cloudflare:*", "node:*"],
    plugins: [wasmModules(dir, wasm)],
    logLevel: "silent",
  });
  return [...wasm.keys()];
}

/** Bundles `entry`, starts workerd on a free loopback port and resolves once it answers. */
export async function startWorker({ entry, compatibilityDate = "2025-09-01", compatibilityFlags = [], bindings = [], name = basename(entry) }) {
  const dir = await mkdtemp(join(tmpdir(), "smc-workerd-"));
  let wasm;
  try {
    wasm = await bundleWorker(entry, dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return serve({ dir, main: "worker.js", wasm, compatibilityDate, compatibilityFlags, bindings, name, removeDir: true });
}

/**
 * Serves a Worker that is already bundled — e.g. by `wrangler deploy --dry-run --outdir dir` —
 * from `dir`: `main` is its module, `wasm` the file names of its wasm modules. `dir` is kept.
 */
export function startBundle({ dir, main, wasm = [], compatibilityDate = "2025-09-01", compatibilityFlags = [], bindings = [], name = main }) {
  return serve({ dir, main, wasm, compatibilityDate, compatibilityFlags, bindings, name, removeDir: false });
}

async function serve({ dir, main, wasm, compatibilityDate, compatibilityFlags, bindings, name, removeDir }) {
  await writeFile(join(dir, "config.capnp"), configText({ name, main, compatibilityDate, compatibilityFlags, bindings, wasm }));

  const child = spawn(WORKERD, ["serve", "--control-fd=3", join(dir, "config.capnp")], { cwd: dir, stdio: ["ignore", "pipe", "pipe", "pipe"] });
  running.set(child, removeDir ? dir : null);
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((res) => child.once("exit", res));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    running.delete(child);
    if (removeDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    const port = await new Promise((res, rej) => {
      let control = "";
      const timer = setTimeout(() => rej(new Error(`workerd did not listen within ${START_BOUND_MS} ms`)), START_BOUND_MS);
      child.stdio[3].on("data", (d) => {
        const lines = (control + d).split("\n");
        control = lines.pop();
        for (const line of lines) {
          const msg = JSON.parse(line);
          if (msg.event === "listen" && msg.socket === "http") {
            clearTimeout(timer);
            res(msg.port);
          }
        }
      });
      exited.then((code) => {
        clearTimeout(timer);
        rej(new Error(`workerd exited (${code}) before listening`));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    // Listening precedes serving by a hair; one answered request proves the Worker is up.
    await fetch(url + "/__ready", { signal: AbortSignal.timeout(START_BOUND_MS) }).then((r) => r.arrayBuffer());
    return { url, port, stop, output: () => log };
  } catch (error) {
    await stop();
    // A new error: some (a DOMException from AbortSignal.timeout) have a read-only message.
    throw new Error(`${error.message}\n--- workerd output ---\n${log}`, { cause: error });
  }
}
