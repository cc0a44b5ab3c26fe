// Prints the bad-input table of docs/bad-input.md as markdown: every case of tests/js/hostile-input.mjs, with
// what the package really does, found by making the call now (in Node). A row whose result is not
// what the hostile-input test expects is marked "(test expects otherwise)".
// Usage: node tests/js/hostile-input-table.mjs [module]   (default: the package, by its bare name)
import { CASES, outcome } from "./hostile-input.mjs";

const api = await import(process.argv[2] ?? "simple-memory-cache");

const cell = (text) => String(text).replaceAll("|", "\\|").replaceAll("\n", " ");
const short = (text, max = 170) => (text.length > max ? `${text.slice(0, max)}…` : text);
const error = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

function describe(c, got, boom) {
  const [kind, a, b] = c.expect;
  if (kind.endsWith("-own") && got.value === boom) return `${got.kind === "throws" ? "throws" : "rejects with"} the error the input threw, unchanged`;
  if (got.kind === "throws") return `\`${short(error(got.value))}\``;
  if (got.kind === "rejects") return `rejects: \`${short(error(got.value))}\``;
  if ((kind === "returns" || kind === "resolves") && a(got.value)) return b;
  const value = got.value !== null && typeof got.value === "object" ? `a ${got.value.constructor?.name ?? "object"}` : String(got.value);
  return `${got.kind} ${short(value)}`;
}

function matches(c, got, boom) {
  const [kind, a, b] = c.expect;
  if (kind.endsWith("-own")) return got.kind === kind.slice(0, -4) && got.value === boom;
  if (got.kind !== kind) return false;
  if (kind === "returns" || kind === "resolves") return a(got.value);
  return a === undefined ? got.value === undefined : got.value instanceof a && b.test(String(got.value.message));
}

console.log("| call | bad input | what you get |\n|---|---|---|");
let previous;
for (const c of CASES) {
  const boom = new Error("the input's own error");
  const got = await outcome(() => c.run(api, boom));
  const flag = matches(c, got, boom) ? "" : " **(test expects otherwise)**";
  console.log(`| ${c.entry === previous ? "" : `\`${cell(c.entry)}\``} | ${cell(c.input)} | ${cell(describe(c, got, boom))}${flag} |`);
  previous = c.entry;
}
