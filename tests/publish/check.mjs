// Is the package publishable, and the crate? The checks a maintainer runs before `npm publish`
// and `cargo publish`, on what would be uploaded: `npm publish --dry-run` (no warning about the
// package), publint --strict, @arethetypeswrong/cli (only the CommonJS-under-node16 warning the
// README explains), TypeScript CommonJS consumers compiled by tsc and run (and node16's error the
// README states, and its dynamic-import way out), the escape hatch's types, the docs in the tarball, and `cargo publish --dry-run`
// with exactly the files the crate should ship. Ends with "publish: N passed, N failed".
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const PKG = join(ROOT, "pkg");
const BIN = join(ROOT, "node_modules/.bin");
const ENV = { ...process.env, PATH: `${BIN}:${join(process.env.HOME ?? "/root", ".cargo/bin")}:${process.env.PATH}`, NO_COLOR: "1" };
const REPO = "https://github.com/simple-memory-cache/simple-memory-cache";
const dir = mkdtempSync(join(tmpdir(), "smc-publish-"));

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    const note = await fn();
    passed++;
    console.log(`ok   ${name}${note ? ` — ${note}` : ""}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(error?.message ?? error).split("\n").slice(0, 30).join("\n     ")}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const execFileP = promisify(execFile);
/** Runs a command; resolves { code, out } whatever its exit code (out: stdout + stderr). */
async function run(cmd, args, cwd = dir) {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { cwd, env: ENV, timeout: 120_000, maxBuffer: 16 << 20 });
    return { code: 0, out: stdout + stderr, stdout };
  } catch (e) {
    return { code: e.code ?? e.signal, out: `${e.stdout ?? ""}${e.stderr ?? ""}`, stdout: e.stdout ?? "" };
  }
}
async function ok(cmd, args, cwd) {
  const r = await run(cmd, args, cwd);
  assert(r.code === 0, `${cmd} ${args.join(" ")} exited ${r.code}:\n${r.out}`);
  return r;
}

try {
  const tarball = join(dir, (await ok("npm", ["pack", PKG, "--pack-destination", dir, "--silent"])).stdout.trim().split("\n").pop());

  await check("npm publish --dry-run: succeeds, no warning about the package", async () => {
    const r = await ok("npm", ["publish", "--dry-run"], PKG);
    // The one warning left is about this machine, not the package: no npm login here.
    const warnings = r.out.split("\n").filter((l) => l.startsWith("npm warn") && !/requires you to be logged in/.test(l));
    assert(warnings.length === 0, warnings.join("\n"));
  });

  await check("package.json: repository (pkg/), homepage, bugs, author, license", () => {
    const p = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
    assert(p.repository?.url === `git+${REPO}.git` && p.repository.directory === "pkg", `repository ${JSON.stringify(p.repository)}`);
    assert(p.homepage === `${REPO}#readme` && p.bugs?.url === `${REPO}/issues` && p.author && p.license === "MIT", JSON.stringify({ homepage: p.homepage, bugs: p.bugs, author: p.author, license: p.license }));
  });

  await check("the tarball carries README.md (links absolute), LICENSE (MIT) and CHANGELOG.md", async () => {
    const files = JSON.parse((await ok("npm", ["pack", PKG, "--dry-run", "--json"])).stdout)[0].files.map((f) => f.path);
    for (const f of ["README.md", "LICENSE", "CHANGELOG.md"]) assert(files.includes(f), `${f} missing from ${files.join(", ")}`);
    const readme = readFileSync(join(PKG, "README.md"), "utf8");
    const relative = [...readme.matchAll(/\]\((?!#|https?:)([^)]+)\)/g)].map((m) => m[1]);
    assert(relative.length === 0, `relative links (broken on npm): ${relative.join(", ")}`);
    const license = readFileSync(join(PKG, "LICENSE"), "utf8");
    assert(license.startsWith("MIT License") && license.includes("Copyright (c) 2026 simple-memory-cache contributors"), "LICENSE is not the MIT text of simple-memory-cache contributors, 2026");
    const changelog = readFileSync(join(PKG, "CHANGELOG.md"), "utf8");
    assert(/^## \[Unreleased\]$/m.test(changelog) && /^## Versioning$/m.test(changelog), "CHANGELOG.md lacks its Unreleased or Versioning section");
  });

  await check("publint --strict", async () => {
    const r = await ok("publint", ["--strict", PKG]);
    assert(r.out.includes("All good!"), r.out);
  });

  await check("attw: only CJSResolvesToESM under node16 from CommonJS (README: TypeScript and CommonJS)", async () => {
    // attw exits non-zero on any problem, so only its report is judged.
    const r = await run("attw", [tarball, "--format", "json"]);
    const problems = JSON.parse(r.stdout).analysis?.problems ?? [];
    const other = problems.filter((p) => !(p.kind === "CJSResolvesToESM" && p.resolutionKind === "node16-cjs"));
    assert(other.length === 0, `other problems: ${JSON.stringify(other)}`);
    await ok("attw", [tarball, "--profile", "esm-only"]);
    return `${problems.length} entry points ESM-only for CommonJS under node16; clean with --profile esm-only`;
  });

  // One scratch TypeScript project, CommonJS (no "type"), with the tarball installed.
  const ts = join(dir, "ts");
  cpSync(join(HERE, "consumer"), ts, { recursive: true });
  writeFileSync(join(ts, "package.json"), JSON.stringify({ name: "ts-consumer", private: true, dependencies: { "simple-memory-cache": `file:${tarball}` } }));
  await ok("npm", ["install", "--no-audit", "--no-fund", "--silent"], ts);
  const tsc = (args) => run("tsc", ["--strict", "--target", "es2022", "--lib", "es2022,dom", ...args], ts);

  for (const [module, resolution] of [["commonjs", "node10"], ["node20", "node16"], ["nodenext", "nodenext"]]) {
    await check(`tsc, CommonJS project, module ${module} / moduleResolution ${resolution}: compiles and runs`, async () => {
      const outDir = `out-${module}`;
      const r = await tsc(["--module", module, "--moduleResolution", resolution, "--outDir", outDir, "cjs.ts"]);
      assert(r.code === 0, r.out);
      const out = await ok("node", [join(outDir, "cjs.js")], ts);
      assert(out.stdout.trim() === "RESULT 42", out.out);
    });
  }
  await check("tsc, CommonJS project, module node16: error TS1479, as the README says (use node20 or nodenext)", async () => {
    const r = await tsc(["--module", "node16", "--moduleResolution", "node16", "--noEmit", "cjs.ts"]);
    assert(r.code !== 0 && r.out.includes("error TS1479"), `expected TS1479, got (${r.code}):\n${r.out}`);
  });
  await check("tsc, CommonJS project, module node16: a dynamic import() and a resolution-mode type import compile and run (docs/typescript.md)", async () => {
    const r = await tsc(["--module", "node16", "--moduleResolution", "node16", "--outDir", "out-node16", "node16.ts"]);
    assert(r.code === 0, r.out);
    const out = await ok("node", [join("out-node16", "node16.js")], ts);
    assert(out.stdout.trim() === "RESULT 42", out.out);
  });
  await check("tsc: the escape hatch's types (/manual, the wasm subpath)", async () => {
    const r = await tsc(["--module", "nodenext", "--moduleResolution", "nodenext", "--noEmit", "manual.mts"]);
    assert(r.code === 0, r.out);
  });

  await check("cargo publish --dry-run: passes, ships src/, README.md and LICENSE only", async () => {
    await ok("cargo", ["publish", "--dry-run", "--allow-dirty"], ROOT);
    const files = (await ok("cargo", ["package", "--list", "--allow-dirty"], ROOT)).stdout.trim().split("\n");
    // Cargo adds the lock file, the original manifest and the commit it was packaged from.
    const CARGO_OWN = new Set(["Cargo.toml", "Cargo.toml.orig", "Cargo.lock", ".cargo_vcs_info.json"]);
    const stray = files.filter((f) => !CARGO_OWN.has(f) && f !== "README.md" && f !== "LICENSE" && !f.startsWith("src/"));
    assert(stray.length === 0, `files that should not ship: ${stray.join(", ")}`);
    assert(["README.md", "LICENSE", "src/lib.rs"].every((f) => files.includes(f)), `missing README.md, LICENSE or src/lib.rs: ${files.join(", ")}`);
    const manifest = readFileSync(join(ROOT, "Cargo.toml"), "utf8");
    const missing = ["documentation", "repository", "homepage", "readme", "keywords", "categories"].filter((k) => !new RegExp(`^${k} = `, "m").test(manifest));
    assert(missing.length === 0, `Cargo.toml lacks ${missing.join(", ")}`);
    return `${files.length} files`;
  });
} catch (error) {
  failed++;
  console.log(`FAIL set-up\n     ${error?.message ?? error}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`publish: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
