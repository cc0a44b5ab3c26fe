// Cloudflare Workers (workerd): a `.wasm` import is a compiled WebAssembly.Module (compiling
// bytes at run time is refused there). Loads are kept alive with the request-scoped waitUntil of
// `cloudflare:workers`, and joiners of another request's load bound their wait (see platform.js).
import { waitUntil } from "cloudflare:workers";
import wasm from "../glue/simple_memory_cache_bg.wasm";
import { configurePlatform, initSync } from "../glue/bundle.js";

// Objects workerd binds to the request that created them ("Cannot perform I/O on behalf of a
// different request" when another request reads them). A Promise too: one a request made (a
// forgotten `await`, `{ keys: res.json() }`) never settles for another — older workerd hung
// every later request on it, newer ones reject ("created by a request that has since ended").
const IO_TYPES = [Request, Response, ReadableStream, WritableStream, TransformStream, WebSocket, Promise];

// How many values (properties, array elements, Map keys and values, Set members) the search for
// an I/O object inside a value looks at before it gives up: what lies past them is not looked at,
// and is cached as it is. The bound keeps a load or set() of a large value cheap: 10 000 values
// in small objects take ~1.7 ms in Node 20 on a 2-core VM (parsing them from JSON takes more).
const IO_SEARCH_LIMIT = 10_000;

// The containers searched: the shapes plain data takes (object literals, JSON, arrays) and the
// two built-in collections, read through the intrinsics captured here, which run no user code.
// Other objects (class instances) are not searched: their state may be private and their
// accessors are user code.
const OBJECT = 0;
const ARRAY = 1;
const MAP = 2;
const SET = 3;
const mapEntries = Map.prototype.entries;
const setValues = Set.prototype.values;

// Where a value sits in its container: a property key, an index, a Map key (for a Map value), or
// the position of a Map key or Set member.
const PROPERTY = 0;
const INDEX = 1;
const MAP_VALUE = 2;
const MAP_KEY = 3;
const SET_MEMBER = 4;

// What `value` is: a container kind to search, the name of an I/O type, or null. A Proxy cannot
// be told apart, so its traps run (getPrototypeOf here); one that throws makes it neither.
function kindOf(value) {
  if (value === null || typeof value !== "object") return null;
  try {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null || proto === Array.prototype) return Array.isArray(value) ? ARRAY : OBJECT;
    if (proto === Map.prototype) return MAP;
    if (proto === Set.prototype) return SET;
    return IO_TYPES.find((type) => value instanceof type)?.name ?? null;
  } catch {
    return null;
  }
}

/**
 * The I/O object in `value`, for the refusal's message: its type name, and where it is when it is
 * not `value` itself ("Response (at .res)"); null when there is none. Searches breadth first, each
 * object once (cycles end), up to IO_SEARCH_LIMIT values: the elements of arrays, the own
 * enumerable string-keyed properties of plain objects (what JSON and structuredClone copy; an
 * object of 100 000 keys costs ~16 ms to list in V8, bound or not), the entries of Maps and Sets.
 * Properties are read through their descriptors, so no getter runs (an accessor is not searched).
 * Never throws: a container that throws while read (a Proxy's trap, a revoked Proxy) is not
 * searched further.
 */
function ioObject(value) {
  const kind = kindOf(value);
  if (kind === null || typeof kind === "string") return kind;
  const seen = new Set([value]);
  const queue = [{ value, kind, parent: null, how: PROPERTY, key: undefined }];
  let budget = IO_SEARCH_LIMIT;
  // Looks at `child`, found in `node`'s container: its description if it is an I/O object; a
  // container not seen yet is queued.
  const look = (node, child, how, key) => {
    budget--;
    if (child === null || typeof child !== "object" || seen.has(child)) return null;
    const childKind = kindOf(child);
    if (childKind === null) return null;
    if (typeof childKind === "string") return `${childKind} (at ${path({ parent: node, how, key })})`;
    seen.add(child);
    queue.push({ value: child, kind: childKind, parent: node, how, key });
    return null;
  };
  for (let i = 0; i < queue.length && budget > 0; i++) {
    const node = queue[i];
    const container = node.value;
    let io = null;
    try {
      if (node.kind === ARRAY) {
        const length = Object.getOwnPropertyDescriptor(container, "length")?.value;
        for (let index = 0; io === null && index < length && budget > 0; index++) {
          const d = Object.getOwnPropertyDescriptor(container, index);
          if (d !== undefined && "value" in d) io = look(node, d.value, INDEX, index);
        }
      } else if (node.kind === OBJECT) {
        const keys = Object.keys(container);
        for (let k = 0; io === null && k < keys.length && budget > 0; k++) {
          const d = Object.getOwnPropertyDescriptor(container, keys[k]);
          if (d !== undefined && "value" in d) io = look(node, d.value, PROPERTY, keys[k]);
        }
      } else if (node.kind === MAP) {
        const entries = mapEntries.call(container);
        for (let n = 0, r = entries.next(); io === null && !r.done && budget > 0; n++, r = entries.next()) {
          io = look(node, r.value[0], MAP_KEY, n) ?? look(node, r.value[1], MAP_VALUE, r.value[0]);
        }
      } else {
        const members = setValues.call(container);
        for (let n = 0, r = members.next(); io === null && !r.done && budget > 0; n++, r = members.next()) {
          io = look(node, r.value, SET_MEMBER, n);
        }
      }
    } catch {
      // A Proxy's trap threw (or it was revoked): the rest of this container is not searched.
    }
    if (io !== null) return io;
  }
  return null;
}

// Where `node` sits in the top-level value, as a short JavaScript-like path: `.res`, `[2].body`,
// `.byUrl.get("https://…")`; a deep path keeps its first and last segments.
function path(node) {
  const segments = [];
  for (let n = node; n.parent !== null; n = n.parent) segments.push(segment(n.how, n.key));
  segments.reverse();
  return (segments.length > 8 ? [...segments.slice(0, 3), "…", ...segments.slice(-4)] : segments).join("");
}

function segment(how, key) {
  switch (how) {
    case INDEX:
      return `[${key}]`;
    case MAP_VALUE:
      return `.get(${keyText(key)})`;
    case MAP_KEY:
      return `.keys()[${key}]`;
    case SET_MEMBER:
      return `.values()[${key}]`;
    default:
      return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${keyText(key)}]`;
  }
}

// A Map key or property name in a path: strings quoted and cut short, other primitives as
// written, objects as `…`.
function keyText(key) {
  if (typeof key === "string") return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
  if (typeof key === "bigint") return `${key}n`;
  if (key === null || (typeof key !== "object" && typeof key !== "function")) return String(key);
  return "…";
}

initSync({ module: wasm });
configurePlatform({ waitUntil, guardJoins: true, ioObject });

// The public API only (the bundle also exports the entries' and tests' internals).
export { CachedVar, GLOBAL_CACHE, MemoryCache, NO_VALUE_STORED, NoStoredValue } from "../glue/bundle.js";
