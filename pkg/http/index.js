// `simple-memory-cache/http`: the freshness lifetime a response allows (RFC 9111), for loaders
// that honour it; the rules are in index.d.ts. The main entry never loads this file. Our own
// parser, as no npm one fits: http-cache-semantics adds 3.1 KB gzip, reads a fetch Headers as
// empty and never says "nothing said"; the small parsers read no Expires, Date or Age and misread
// duplicates, junk values or the 2^31 cap (measured: index.d.ts). This adds 1.2 KB gzip.

const MAX_S = 2 ** 31; // RFC 9111 1.2.2: a larger delta-seconds counts as 2^31
const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

// A list element: name [= token | quoted-string] (which may hold commas), junk up to the next comma.
const ELEMENT = /\s*([^\s,=]*)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^\s,"]*))?\s*([^,]*),?/y;

// Cache-Control: lowercased name → value (unquoted), null if none, false if junk. First one wins.
function directives(field) {
  const found = new Map();
  if (field === null) return found;
  ELEMENT.lastIndex = 0;
  while (ELEMENT.lastIndex < field.length) {
    const [, name, value, junk] = ELEMENT.exec(field);
    const key = name.toLowerCase();
    if (name && !found.has(key)) {
      found.set(key, junk ? false : value === undefined ? null : value[0] === '"' ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value);
    }
  }
  return found;
}

// delta-seconds (1*DIGIT, RFC 9111 1.2.2) → ms; NaN if invalid.
function ms(value) {
  return typeof value === "string" && /^\d+$/.test(value) ? Math.min(Number(value), MAX_S) * 1000 : NaN;
}

// A field's first HTTP-date (IMF-fixdate, rfc850 or asctime; RFC 9110 5.6.7) → ms; NaN if none.
const IMF_OR_RFC850 = /^\s*[A-Z][a-z]+, (?<d>\d\d)[ -](?<mon>[A-Z][a-z]{2})[ -](?<y>\d\d|\d{4}) (?<h>\d\d):(?<m>\d\d):(?<s>\d\d) GMT\s*(?:,|$)/;
const ASCTIME = /^\s*[A-Z][a-z]{2} (?<mon>[A-Z][a-z]{2}) (?<d>[ \d]\d) (?<h>\d\d):(?<m>\d\d):(?<s>\d\d) (?<y>\d{4})\s*(?:,|$)/;
function httpDate(field) {
  const g = field === null ? undefined : (IMF_OR_RFC850.exec(field) ?? ASCTIME.exec(field))?.groups;
  if (g === undefined) return NaN;
  const month = MONTHS.indexOf(g.mon) / 3;
  let year = Number(g.y);
  // rfc850's two-digit year: the latest one at most 50 years ahead.
  if (g.y.length === 2) year += year + 2000 > new Date().getUTCFullYear() + 50 ? 1900 : 2000;
  const day = Date.UTC(year, month, Number(g.d));
  if (month % 1 !== 0 || new Date(day).getUTCDate() !== Number(g.d) || g.h > 23 || g.m > 59 || g.s > 60) return NaN;
  return day + ((g.h * 60 + Number(g.m)) * 60 + Number(g.s)) * 1000;
}

function describe(v) {
  if (typeof v === "string") return JSON.stringify(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return typeof v === "function" || typeof v === "symbol" || typeof v === "bigint" ? `a ${typeof v}` : String(v);
}

// `name` → the header's value or null, from a Response (anything with headers.get) or a Headers.
function reader(response, fn) {
  const headers = response !== null && typeof response === "object" ? (typeof response.headers?.get === "function" ? response.headers : response) : undefined;
  if (typeof headers?.get !== "function") {
    const plain = response !== null && typeof response === "object" && response.headers !== null && typeof response.headers === "object";
    const hint = plain ? " (its headers are a plain object: wrap them, { headers: new Headers(headers) })" : "";
    throw new TypeError(`${fn}(response): response must be a Response, a Headers or an object with headers.get(name), got ${describe(response)}${hint}`);
  }
  return (name) => {
    const value = headers.get(name);
    return value == null ? null : String(value);
  };
}

/** The freshness lifetime the response allows, in ms, less its Age; undefined if it says none. */
export function freshnessLifetime(response) {
  const header = reader(response, "freshnessLifetime");
  const cc = directives(header("cache-control"));
  if (cc.has("no-store") || cc.has("no-cache") || cc.has("private")) return 0;
  let lifetime;
  if (cc.has("s-maxage")) lifetime = ms(cc.get("s-maxage"));
  else if (cc.has("max-age")) lifetime = ms(cc.get("max-age"));
  else {
    const expires = header("expires");
    if (expires === null) return undefined;
    const date = httpDate(header("date"));
    // The same 2^31 s cap as a delta-seconds (index.d.ts): an Expires in year 9999 is not 8,000 years.
    lifetime = Math.min(httpDate(expires) - (Number.isNaN(date) ? Date.now() : date), MAX_S * 1000);
  }
  if (Number.isNaN(lifetime)) return 0;
  // Age: the first value of a repeated field; an invalid one counts as 0.
  const age = ms(header("age")?.split(",")[0].trim()) || 0;
  return Math.max(0, lifetime - age);
}

/** The response's RFC 5861 stale windows (ms), whether it may be served stale, and `immutable`. */
export function cacheDirectives(response) {
  const cc = directives(reader(response, "cacheDirectives")("cache-control"));
  const window = (name) => (cc.has(name) ? ms(cc.get(name)) || 0 : undefined);
  return {
    staleWhileRevalidate: window("stale-while-revalidate"),
    staleIfError: window("stale-if-error"),
    mustRevalidate: cc.has("must-revalidate") || cc.has("proxy-revalidate") || cc.has("s-maxage"),
    immutable: cc.has("immutable"),
  };
}
