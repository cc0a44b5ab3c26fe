// Static evidence that no panic of OUR code can trap the wasm the package ships.
//
// A Rust panic in wasm ends in `unreachable` (a trap), which kills the instance and every cached
// value in it. This builds the release wasm as `make build` does, runs wasm-bindgen (the module
// it writes still has function names), and inspects that module with binaryen's disassembler:
//   1. the shipped pkg/glue wasm is exactly `wasm-opt` of this module, so what holds here holds
//      for the shipped bytes (wasm-opt preserves behaviour: it cannot add a path to a panic);
//   2. no source file of this crate appears in the data section: every panic site (unwrap,
//      expect, panic!, indexing, division) embeds its `Location`, i.e. its file path, so a
//      surviving site in src/ would leave "src/….rs" behind;
//   3. on the call graph from the exports (direct calls, and every table entry for an indirect
//      call), each edge into the panic/abort machinery comes from a std/alloc function on the
//      allow-list below — std's internal assertions and allocation failure — never from a
//      function of this crate or of wasm-bindgen's runtime.
// It does not show that those std assertions cannot fire, that memory never runs out, or
// anything about traps that are not panics (stack exhaustion, out-of-bounds access: the crate
// has no unsafe code). Prints each check, every remaining edge with an export that reaches it,
// and `no-panic-paths: N passed, N failed`.   Usage: node tests/soak/no-panic-paths.mjs
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "node_modules/.bin");
const CARGO_OUT = join(ROOT, "target/wasm32-unknown-unknown/release/simple_memory_cache.wasm");
const SHIPPED = join(ROOT, "pkg/glue/simple_memory_cache_bg.wasm");
// The same flags as the Makefile's `build` target.
const WASM_OPT_FLAGS = ["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--strip-debug", "--strip-producers"];

// Functions that are the panic/abort machinery: reaching one of them traps the instance.
const MACHINERY = /::panicking::|rust_begin_unwind|rust_panic|__rust_start_panic|__rust_abort|unwrap_failed|expect_failed|slice_index_fail|panic_bounds_check|capacity_overflow|handle_alloc_error|rust_oom|alloc_error/;
// std/alloc functions allowed to call into it, and why that cannot be triggered by input; an
// optional third element narrows an entry to the machinery it may reach.
const ALLOWED = [
  // At opt-level 3 (Cargo.toml) wasm-bindgen's `Rc::new` of the exported object is inlined into
  // the export: only its out-of-memory edge, for an object whose size no input changes.
  [/^machine_create$/, "Machine::create's own allocation, Rc::new inlined: out of memory only (a fixed size)", /handle_alloc_error/],
  [/^<?alloc(\[\w+\])?::collections::btree::/, "BTreeMap's internal invariant assertions (std)"],
  [/^<?alloc(\[\w+\])?::raw_vec::/, "RawVec: capacity overflow / out of memory, and an internal shrink assertion (std)"],
  [/^alloc::rc::Rc<T>::new::/, "Rc::new: out of memory (the Machine's allocation)"],
];
// Source files whose panic sites may survive: std's. (The allocator, talc, leaves none: with
// dlmalloc, Rust's default, its internal assertions were allowed here.)
const ALLOWED_FILES = /^\/rustc\/[0-9a-f]+\/library\//;

let passed = 0;
let failed = 0;
function check(ok, what, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `\n     ${detail.replaceAll("\n", "\n     ")}` : ""}`);
}

const run = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 256 << 20, env: { ...process.env, PATH: `${BIN}:${process.env.HOME}/.cargo/bin:${process.env.PATH}` } });

// The wasm-dis text of a module: functions (their direct calls, whether they call indirectly),
// exported functions, table entries, and the bytes of the data segments.
function parse(wat) {
  const NAME = String.raw`\$("(?:[^"\\]|\\.)*"|[^\s()]+)`;
  const unquote = (n) => (n.startsWith('"') ? n.slice(1, -1) : n);
  const funcs = new Map();
  const exports = [];
  let table = [];
  const data = [];
  let cur = null;
  for (const line of wat.split("\n")) {
    let m;
    if ((m = new RegExp(`^ \\(func ${NAME}`).exec(line))) {
      cur = { calls: new Set(), indirect: false };
      funcs.set(unquote(m[1]), cur);
    } else if ((m = new RegExp(`^ \\(import .*\\(func ${NAME}`).exec(line))) {
      funcs.set(unquote(m[1]), { calls: new Set(), indirect: false });
    } else if ((m = new RegExp(`^ \\(export "([^"]+)" \\(func ${NAME}\\)`).exec(line))) {
      exports.push([m[1], unquote(m[2])]);
    } else if (line.startsWith(" (elem ")) {
      table = [...line.matchAll(new RegExp(`func ${NAME}|${NAME}`, "g"))].map((x) => unquote(x[1] ?? x[2])).slice(2);
    } else if ((m = /^ \(data \S+ \(i32\.const \d+\) "(.*)"\)$/.exec(line))) {
      data.push(decodeWatString(m[1]));
    } else if (cur !== null) {
      for (const c of line.matchAll(new RegExp(`\\((?:return_)?call ${NAME}`, "g"))) cur.calls.add(unquote(c[1]));
      if (/\((?:return_)?call_indirect/.test(line)) cur.indirect = true;
    }
  }
  for (const f of funcs.values()) if (f.indirect) for (const t of table) f.calls.add(t);
  return { funcs, exports, table, data: Buffer.concat(data) };
}

function decodeWatString(s) {
  const bytes = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== "\\") bytes.push(...Buffer.from(s[i], "latin1"));
    else if (/[0-9a-f]{2}/i.test(s.slice(i + 1, i + 3))) bytes.push(parseInt(s.slice(i + 1, (i += 2) + 1), 16));
    else bytes.push({ n: 10, t: 9, r: 13 }[s[++i]] ?? s.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

const dir = mkdtempSync(join(tmpdir(), "smc-no-panic-"));
try {
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--features", "js", "--quiet"]);
  run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", dir, CARGO_OUT]);
  const analysed = join(dir, "simple_memory_cache_bg.wasm");

  const optimised = join(dir, "optimised.wasm");
  run("wasm-opt", [...WASM_OPT_FLAGS, analysed, "-o", optimised]);
  const same = existsSync(SHIPPED) && readFileSync(optimised).equals(readFileSync(SHIPPED));
  check(same, "the shipped pkg/glue wasm is exactly wasm-opt of the analysed module", same ? "" : existsSync(SHIPPED) ? "it differs: run make build (or the wasm-opt flags here no longer match the Makefile's)" : "pkg/glue is missing: run make build");

  const { funcs, exports, table, data } = parse(run("wasm-dis", [analysed]));
  const ours = [...funcs.keys()].filter((n) => n.startsWith("simple_memory_cache::"));
  const machinery = [...funcs.keys()].filter((n) => MACHINERY.test(n));
  check(exports.some(([e]) => e === "machine_get") && ours.length > 0 && machinery.length > 0 && table.length > 0, `the module was read: ${funcs.size} functions (${ours.length} of this crate), ${exports.length} exported, ${table.length} in the table, ${machinery.length} of the panic/abort machinery`);

  // Strings are packed end to end, so a std path may be glued to the text before it ("capacity"
  // + "/rustc/…"): cut a match back to where a std path starts. Anything else stays as matched.
  const unglue = (f) => f.replace(/^.*?(?=\/rustc\/|\/rust\/deps\/)/, "");
  const files = [...new Set((data.toString("latin1").match(/[\w/.\-]+\.rs/g) ?? []).map(unglue))];
  const foreign = files.filter((f) => !ALLOWED_FILES.test(f));
  check(foreign.length === 0, "no panic location in the data section names a source file of this crate", `panic locations left, all std/allocator: ${files.filter((f) => ALLOWED_FILES.test(f)).join(", ")}${foreign.length ? `\nNOT ALLOWED: ${foreign.join(", ")}` : ""}`);

  // Breadth-first from each export, stopping at the machinery; remember one path per edge into it.
  const edges = new Map();
  for (const [exported, start] of exports) {
    const parent = new Map([[start, null]]);
    const queue = [start];
    while (queue.length > 0) {
      const name = queue.shift();
      if (MACHINERY.test(name)) continue;
      for (const callee of funcs.get(name)?.calls ?? []) {
        if (parent.has(callee)) continue;
        parent.set(callee, name);
        queue.push(callee);
        if (!MACHINERY.test(callee)) continue;
        const key = `${name} -> ${callee}`;
        if (edges.has(key)) continue;
        const path = [];
        for (let n = name; n !== null; n = parent.get(n)) path.unshift(n);
        edges.set(key, { caller: name, callee, via: `${exported}: ${path.join(" > ")}` });
      }
    }
  }
  const lines = [];
  const bad = [];
  for (const { caller, callee, via } of edges.values()) {
    const why = ALLOWED.find(([re, , to]) => re.test(caller) && (to === undefined || to.test(callee)))?.[1];
    if (why === undefined) bad.push(`${caller} -> ${callee}\n  reached from ${via}`);
    else lines.push(`${caller.replace(/::h[0-9a-f]{16}$/, "")} -> ${callee}  [${why}]`);
  }
  check(bad.length === 0, `every path from an export into the panic machinery enters it in std/alloc (${edges.size} edges)`, [...lines, ...bad.map((b) => `NOT ALLOWED: ${b}`)].join("\n"));
} catch (error) {
  check(false, "build and analyse the release wasm", error.stderr?.toString() || error.message);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`no-panic-paths: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
