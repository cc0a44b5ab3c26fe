// Case 5, size: the package's JS and wasm as `npm pack` ships them (entries, the bundle of lib/ and
// the glue, the shared-tier adapters, http/; not the .d.ts), raw and gzip -9, and what it adds to
// a Worker: the workerd entry bundled and minified by esbuild, plus the wasm module; and, apart,
// what importing `simple-memory-cache/http` adds (the main entry never loads it).

import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const PKG = new URL("../../pkg/", import.meta.url);
const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

// The shipped files whose name ends with `ext`.
async function files(ext) {
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: PKG, encoding: "utf8" }));
  const names = packed[0].files.map((f) => f.path).filter((n) => n.endsWith(ext)).sort();
  return Promise.all(names.map(async (n) => ({ path: n, bytes: await readFile(new URL(n, PKG)) })));
}

const total = (list) => ({ raw: list.reduce((a, f) => a + f.bytes.length, 0), gzip: list.reduce((a, f) => a + gz(f.bytes), 0) });

// The package (or one subpath of it) as a Worker gets it: one minified bundle (the wasm stays a
// separate module).
async function workerBundle(specifier = "simple-memory-cache") {
  const out = await esbuild.build({
    stdin: { contents: `export * from "${specifier}";`, resolveDir: new URL("..", import.meta.url).pathname },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*", "*.wasm"],
    logLevel: "silent",
  });
  const bytes = out.outputFiles[0].contents;
  return { raw: bytes.length, gzip: gz(bytes) };
}

/** Sizes in bytes; gzip figures are per file, summed (as files are served). */
export async function size() {
  const wasm = await files(".wasm");
  const js = await files(".js");
  return {
    wasm: total(wasm),
    js: total(js),
    package: total([...wasm, ...js]),
    files: [...js, ...wasm].map((f) => ({ path: f.path, raw: f.bytes.length, gzip: gz(f.bytes) })),
    worker: { js: await workerBundle(), wasm: total(wasm), http: await workerBundle("simple-memory-cache/http") },
  };
}
