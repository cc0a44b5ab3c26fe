// A tiny static server for the demo page: www/ at `/` and the built package at
// `/node_modules/simple-memory-cache/` (where the page's import map points), on 127.0.0.1 only.
// Usage: node www/serve.mjs [--port N]   (default: 4173, or any free port if that one is taken;
// --port 0 always picks a free one). Prints "www: http://127.0.0.1:PORT/" once listening.

import { createServer } from "node:http";
import { readFile, realpath } from "node:fs/promises";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const WWW = dirname(fileURLToPath(import.meta.url));
const PKG = resolve(WWW, "..", "pkg");
const PKG_PREFIX = "/node_modules/simple-memory-cache/";
const DEFAULT_PORT = 4173;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

// Maps a URL path to a file under one of the two roots; null for anything outside them.
function locate(pathname) {
  let root = WWW;
  let rel = pathname;
  if (pathname.startsWith(PKG_PREFIX)) {
    root = PKG;
    rel = pathname.slice(PKG_PREFIX.length);
  } else if (pathname === "/") {
    rel = "index.html";
  }
  const file = resolve(root, "." + sep + decodeURIComponent(rel));
  return file.startsWith(root + sep) ? { root, file } : null;
}

async function handle(req, res) {
  try {
    const { pathname } = new URL(req.url, "http://localhost");
    const found = req.method === "GET" || req.method === "HEAD" ? locate(pathname) : null;
    if (found === null || !TYPES[extname(found.file)]) throw Object.assign(new Error("not served"), { code: "ENOENT" });
    // Symlinks must not lead out of the root either.
    const real = await realpath(found.file);
    if (!real.startsWith((await realpath(found.root)) + sep)) throw Object.assign(new Error("outside"), { code: "ENOENT" });
    const body = await readFile(real);
    res.writeHead(200, { "content-type": TYPES[extname(real)], "content-length": body.length, "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch (error) {
    const missing = error.code === "ENOENT" || error.code === "EISDIR" || error.code === "ENOTDIR" || error instanceof URIError;
    res.writeHead(missing ? 404 : 500, { "content-type": "text/plain; charset=utf-8" });
    res.end(missing ? "not found\n" : "server error\n");
  }
}

function listen(server, port) {
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", fail);
      ok(server.address().port);
    });
  });
}

const arg = process.argv.indexOf("--port");
const wanted = arg === -1 ? DEFAULT_PORT : Number(process.argv[arg + 1]);
if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
  console.error(`www: --port takes a port number, got ${process.argv[arg + 1]}`);
  process.exit(2);
}
await readFile(join(PKG, "glue", "simple_memory_cache_bg.wasm")).catch(() => {
  console.error("www: pkg/glue/ is missing; run `make build` first");
  process.exit(1);
});

const server = createServer((req, res) => void handle(req, res));
let port;
try {
  port = await listen(server, wanted);
} catch (error) {
  if (error.code !== "EADDRINUSE" || arg !== -1) throw error;
  port = await listen(server, 0);
}
console.log(`www: http://127.0.0.1:${port}/`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
