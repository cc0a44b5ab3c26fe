// Every fenced code block of README.md and docs/*.md, extracted and run in the runtime its info
// string names (`make test`). The convention, stated for readers in docs/README.md:
//
//   ```js worker       a Cloudflare Worker module, bundled and served by real local workerd
//                      (tests/workerd/launch.mjs; the package by its bare name). A block without
//                      `export default` gets a handler answering 200, so its module scope runs.
//                      Every request must get a real Response (status < 500).
//   ```js worker auth  a Worker that verifies tokens: 200 for valid ES256 and RS256 tokens; 401
//                      for a missing, malformed (its signature not base64url too), unknown-kid,
//                      badly signed, expired or wrong-audience token, and for a token whose alg
//                      does not fit its key (a key published without `alg`); the key set fetched
//                      at most twice. Then the issuer rotates its keys (past the Worker's 30 s
//                      cooldown): a batch of 20 tokens verified together, then 10 concurrent
//                      requests (POST /batch, which its test comment adds: a JSON array of
//                      tokens → an array of "ok" or the error's message) with the new key all
//                      pass, for one refetch.
//   ```js node         run by `node` (exit code 0)
//   ```js deno         run by `deno run --no-prompt --allow-net=127.0.0.1 --allow-env`
//   ```js bun          run by `bun`
//   ```ts types        type-checked by tsc (strict), not run
//   ```<lang> skip: <reason>   not run; the reason says why (it must not be empty)
//
// A block may be a fragment: an HTML comment right before its fence, `<!-- test: … -->`, holds the
// code around it, `{{block}}` marking where the block goes; the block's `import` statements are
// moved to the top of the file, and its `export default` becomes `const exported =`. Every block and comment sees these bindings: in workerd
// `env.JWKS_URL`, `env.JWT_ISSUER`, `env.JWT_AUDIENCE`; in node, deno and bun the same names as
// environment variables. They point at a local JWKS origin this script starts (an ES256 and an
// RS256 key; tokens minted by jose). Ends with "docs blocks: N passed, N failed".
// Usage: node tests/docs/run-blocks.mjs [file or block filter, e.g. README.md:12]
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { startWorker } from "../workerd/launch.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = join(ROOT, "node_modules/.bin");
const SCRATCH = join(ROOT, "target/docs-blocks");
const RUN_BOUND_MS = 30_000;
// The quick start Worker's `cooldown`: its refetch on an unknown kid waits this long after a fetch.
const AUTH_COOLDOWN_MS = 30_000;
const only = process.argv[2];
const execFileP = promisify(execFile);

// --- extraction -----------------------------------------------------------------------------

const MODES = new Set(["worker", "node", "deno", "bun", "types", "skip"]);

/** The fenced blocks of one markdown file: { file, line, lang, mode, flags, reason, code, template }. */
export function extractBlocks(file) {
  const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^(\s*)(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[2][0] === fence[0] && close[2].length >= fence.length) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    // A `<!-- test: … -->` comment ending on the line before the fence (blank lines allowed).
    let template = null;
    let k = i - 1;
    while (k >= 0 && lines[k].trim() === "") k--;
    if (k >= 0 && lines[k].trim().endsWith("-->")) {
      let s = k;
      while (s >= 0 && !lines[s].includes("<!--")) s--;
      const comment = lines.slice(s, k + 1).join("\n");
      const m = /<!--\s*test:\s*([\s\S]*?)-->\s*$/.exec(comment);
      if (m) template = m[1].split("\n").map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join("\n");
    }
    const words = info.trim().split(/\s+/);
    const lang = words[0] ?? "";
    const rest = info.trim().slice(lang.length).trim();
    const skip = /^skip:\s*(.*)$/.exec(rest);
    const [mode = "", ...flags] = skip ? ["skip"] : rest.split(/\s+/).filter(Boolean);
    blocks.push({ file, line: i + 1, lang, mode, flags, reason: skip?.[1].trim() ?? "", code: body.join("\n") + "\n", template });
    i = j;
  }
  return blocks;
}

/** The block's file text: its template with the block inside, imports first. */
function assemble(block) {
  if (block.template === null) return block.code;
  const imports = [];
  const code = block.code.replace(/^import\s[\s\S]*?from\s*["'][^"']+["'];?[ \t]*\n|^import\s*["'][^"']+["'];?[ \t]*\n/gm, (s) => {
    imports.push(s);
    return "";
  });
  if (!block.template.includes("{{block}}")) throw new Error("its <!-- test: … --> comment has no {{block}}");
  // The comment's code reaches the block's default export as `exported`.
  return imports.join("") + block.template.replace("{{block}}", () => code.replace(/^export default /m, "const exported = "));
}

// --- the local JWKS origin ------------------------------------------------------------------

async function startOrigin() {
  const audience = "docs-api";
  const es = await generateKeyPair("ES256", { extractable: true });
  const rs = await generateKeyPair("RS256", { extractable: true });
  const stranger = await generateKeyPair("ES256");
  const noAlg = await generateKeyPair("ES256");
  const rotated = await generateKeyPair("ES256");
  const keys = [
    { ...(await exportJWK(es.publicKey)), kid: "es-1", alg: "ES256", use: "sig" },
    { ...(await exportJWK(rs.publicKey)), kid: "rs-1", alg: "RS256", use: "sig" },
  ];
  const published = keys.length;
  const rotatedKeys = [
    { ...(await exportJWK(rotated.publicKey)), kid: "es-2", alg: "ES256", use: "sig" },
    // Some issuers publish keys without `alg`: a token naming another alg must still be a 401.
    { ...(await exportJWK(noAlg.publicKey)), kid: "es-noalg", use: "sig" },
  ];
  const origin = {
    fetches: 0,
    lastFetch: 0,
    // The issuer's key rotation: new keys published (the old ones stay) until `unrotate()`
    // (other blocks expect the two keys).
    rotate: () => keys.push(...rotatedKeys),
    unrotate: () => keys.splice(published),
  };
  const server = createServer((req, res) => {
    if (new URL(req.url, "http://x").pathname !== "/.well-known/jwks.json") return res.writeHead(404).end();
    origin.fetches++;
    origin.lastFetch = Date.now();
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" }).end(JSON.stringify({ keys }));
  });
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const sign = (alg, kid, key, { exp = "10m", aud = audience } = {}) =>
    new SignJWT({ scope: "docs" }).setProtectedHeader({ alg, kid, typ: "JWT" }).setIssuer(issuer).setAudience(aud).setSubject("user-42").setIssuedAt().setExpirationTime(exp).sign(key);
  const es256 = await sign("ES256", "es-1", es.privateKey);
  const tokens = {
    es256,
    rs256: await sign("RS256", "rs-1", rs.privateKey),
    unknownKid: await sign("ES256", "nobody", stranger.privateKey),
    badSignature: `${es256.slice(0, es256.lastIndexOf(".") + 1)}${"A".repeat(86)}`,
    signatureNotBase64: `${es256.slice(0, es256.lastIndexOf(".") + 1)}@@@`,
    headerNull: `bnVsbA.${es256.split(".").slice(1).join(".")}`, // the header is JSON `null`
    algNotTheKeys: await sign("RS256", "es-noalg", rs.privateKey),
    rotated: await sign("ES256", "es-2", rotated.privateKey),
    expired: await sign("ES256", "es-1", es.privateKey, { exp: Math.floor(Date.now() / 1000) - 3600 }),
    wrongAudience: await sign("ES256", "es-1", es.privateKey, { aud: "someone-else" }),
  };
  return {
    origin,
    tokens,
    env: { JWKS_URL: `${issuer}/.well-known/jwks.json`, JWT_ISSUER: issuer, JWT_AUDIENCE: audience },
    close: () => {
      server.closeAllConnections();
      return new Promise((done) => server.close(done));
    },
  };
}

// --- runners --------------------------------------------------------------------------------

let counter = 0;
function scratchFile(block, ext) {
  const name = `${block.file.replace(/[^\w]+/g, "_")}_${block.line}_${++counter}${ext}`;
  const path = join(SCRATCH, name);
  writeFileSync(path, assemble(block));
  return path;
}

async function runProcess(cmd, args, env) {
  try {
    await execFileP(cmd, args, { cwd: ROOT, env: { ...process.env, PATH: `${BIN}:${process.env.PATH}`, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env }, timeout: RUN_BOUND_MS });
  } catch (e) {
    throw new Error(`${cmd} exited ${e.code ?? e.signal}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

async function runWorker(block, local) {
  let code = assemble(block);
  if (!/^export default\b/m.test(code)) code += '\nexport default { fetch: () => new Response("module evaluated") };\n';
  const entry = join(SCRATCH, `${block.file.replace(/[^\w]+/g, "_")}_${block.line}_${++counter}.js`);
  writeFileSync(entry, code);
  const before = local.origin.fetches;
  const worker = await startWorker({ entry, bindings: Object.entries(local.env).map(([k, v]) => `(name = ${JSON.stringify(k)}, text = ${JSON.stringify(v)})`), name: `${block.file}:${block.line}` });
  try {
    const ask = async (what, token) => {
      const res = await fetch(`${worker.url}/`, { headers: token === undefined ? {} : { authorization: token } });
      return { what, status: res.status, body: await res.text() };
    };
    const { tokens } = local;
    const answers = [
      await ask("valid ES256", `Bearer ${tokens.es256}`),
      await ask("valid RS256", `Bearer ${tokens.rs256}`),
      await ask("valid ES256 again", `Bearer ${tokens.es256}`),
      await ask("no Authorization header", undefined),
      await ask("malformed token", "Bearer not.a.jwt"),
      await ask("unknown kid", `Bearer ${tokens.unknownKid}`),
      await ask("bad signature", `Bearer ${tokens.badSignature}`),
      await ask("signature not base64url", `Bearer ${tokens.signatureNotBase64}`),
      await ask("header JSON null", `Bearer ${tokens.headerNull}`),
      await ask("expired", `Bearer ${tokens.expired}`),
      await ask("wrong audience", `Bearer ${tokens.wrongAudience}`),
      await ask("unknown kid again", `Bearer ${tokens.unknownKid}`),
    ];
    const problems = [];
    for (const a of answers) {
      if (a.status >= 500) problems.push(`${a.what}: HTTP ${a.status} (no real Response?) ${a.body.slice(0, 300)}`);
      else if (block.flags.includes("auth")) {
        const want = a.what.startsWith("valid") ? 200 : 401;
        if (a.status !== want) problems.push(`${a.what}: HTTP ${a.status}, want ${want}: ${a.body.slice(0, 300)}`);
      }
    }
    const fetches = local.origin.fetches - before;
    if (block.flags.includes("auth") && (fetches < 1 || fetches > 2)) problems.push(`the key set was fetched ${fetches} times for ${answers.length} requests (want 1 or 2)`);
    if (block.flags.includes("auth") && problems.length === 0) {
      // Past the Worker's cooldown (30 s from its last fetch), the issuer rotates; a batch of
      // tokens of the new key arrives at once: each must invalidate-or-join, none 401.
      await new Promise((wait) => setTimeout(wait, Math.max(0, local.origin.lastFetch + AUTH_COOLDOWN_MS + 500 - Date.now())));
      local.origin.rotate();
      try {
        const beforeBatch = local.origin.fetches;
        // The batch first: every token sees the old key set in the same turn.
        const batched = await (await fetch(`${worker.url}/batch`, { method: "POST", body: JSON.stringify(Array(20).fill(tokens.rotated)) })).text();
        if (batched !== JSON.stringify(Array(20).fill("ok"))) problems.push(`a batch of 20 tokens of the rotated key: ${batched.slice(0, 300)}`);
        const concurrent = await Promise.all(Array.from({ length: 10 }, () => ask("rotated key", `Bearer ${tokens.rotated}`)));
        const statuses = concurrent.map((a) => a.status).join(" ");
        if (concurrent.some((a) => a.status !== 200)) problems.push(`10 concurrent requests with the rotated key: ${statuses}: ${concurrent.find((a) => a.status !== 200).body.slice(0, 300)}`);
        const refetches = local.origin.fetches - beforeBatch;
        if (refetches !== 1) problems.push(`the rotation cost ${refetches} key set fetches (want 1)`);
        const misfit = await ask("RS256 naming an EC key published without alg", `Bearer ${tokens.algNotTheKeys}`);
        if (misfit.status !== 401) problems.push(`${misfit.what}: HTTP ${misfit.status}, want 401: ${misfit.body.slice(0, 300)}`);
      } finally {
        local.origin.unrotate();
      }
    }
    if (problems.length > 0) throw new Error(`${problems.join("\n")}\n--- workerd output ---\n${worker.output()}`);
  } finally {
    await worker.stop();
  }
}

async function runTypes(blocks) {
  const dir = join(SCRATCH, "types");
  mkdirSync(dir, { recursive: true });
  const files = blocks.map((block) => {
    const name = `${block.file.replace(/[^\w]+/g, "_")}_${block.line}.ts`;
    let code = assemble(block);
    if (!/^\s*(import|export)\s/m.test(code)) code += "\nexport {};\n";
    writeFileSync(join(dir, name), code);
    return name;
  });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", lib: ["es2022", "dom"], types: [], skipLibCheck: false }, files }, null, 2),
  );
  let output = "";
  try {
    await execFileP(join(BIN, "tsc"), ["-p", join(dir, "tsconfig.json")], { cwd: ROOT, timeout: RUN_BOUND_MS });
  } catch (e) {
    output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    if (output.trim() === "") output = String(e);
  }
  // tsc names the files relative to the cwd: give each block the errors of its own file.
  return blocks.map((block, i) => {
    const mine = output.split("\n").filter((l) => l.includes(files[i]));
    return mine.length > 0 || (output !== "" && !files.some((f) => output.includes(f))) ? new Error(mine.join("\n") || output) : null;
  });
}

// --- main -----------------------------------------------------------------------------------

const t0 = performance.now();
const docs = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
const blocks = docs.flatMap(extractBlocks).filter((b) => !only || `${b.file}:${b.line}`.includes(only));
rmSync(SCRATCH, { recursive: true, force: true });
mkdirSync(SCRATCH, { recursive: true });

const results = [];
const report = (block, error, note = "") => {
  const where = `${block.file}:${block.line} (${block.lang} ${block.mode}${block.flags.length ? ` ${block.flags.join(" ")}` : ""})`;
  results.push(error === null);
  if (error === null) console.log(`ok   ${where}${note}`);
  else console.log(`FAIL ${where}\n     ${String(error?.message ?? error).split("\n").slice(0, 30).join("\n     ")}`);
};

const local = await startOrigin();
const processEnv = local.env;
try {
  const typeBlocks = [];
  for (const block of blocks) {
    const t = performance.now();
    const took = () => ` ${Math.round(performance.now() - t)} ms`;
    try {
      if (!MODES.has(block.mode)) throw new Error(`the info string "${block.lang} ${block.mode}" names no way to run it: add worker, node, deno, bun, types or "skip: <reason>" (see docs/README.md)`);
      if (block.mode === "skip") {
        if (block.reason === "") throw new Error('"skip:" without a reason');
        report(block, null, ` — skipped: ${block.reason}`);
        continue;
      }
      if (block.mode === "types") {
        typeBlocks.push(block);
        continue;
      }
      if (block.mode === "worker") await runWorker(block, local);
      else if (block.mode === "node") await runProcess("node", [scratchFile(block, ".mjs")], processEnv);
      else if (block.mode === "deno") await runProcess("deno", ["run", "--no-prompt", "--node-modules-dir=manual", "--allow-net=127.0.0.1", "--allow-env", scratchFile(block, ".mjs")], processEnv);
      else if (block.mode === "bun") await runProcess("bun", [scratchFile(block, ".mjs")], processEnv);
      report(block, null, took());
    } catch (error) {
      report(block, error);
    }
  }
  if (typeBlocks.length > 0) {
    const t = performance.now();
    const errors = await runTypes(typeBlocks);
    typeBlocks.forEach((block, i) => report(block, errors[i], i === 0 ? ` (tsc over all ${typeBlocks.length} blocks: ${Math.round(performance.now() - t)} ms)` : ""));
  }
} finally {
  await local.close();
}
const passed = results.filter(Boolean).length;
console.log(`docs blocks: ${blocks.length} blocks in ${docs.length} files, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(`docs blocks: ${passed} passed, ${results.length - passed} failed`);
process.exit(passed === results.length && passed > 0 ? 0 : 1);
