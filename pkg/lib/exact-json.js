// What the shared tier may write: the JSON text of a value, only if JSON.parse of that text gives
// back the very same value. JSON.stringify alone changes many values without a word: `undefined`,
// functions and symbol keys vanish from objects (`{ kid, verify: fn }` arrives as `{ kid }`),
// array holes and `undefined` elements become null, -0 becomes 0, NaN null, a Map `{}`, a Date a
// string, `toJSON` and getters run. Another isolate would then get a value this one never loaded.
//
// Our own walk rather than a serializer library (devalue, superjson…): JSON is the format every
// adapter and store already holds, a serializer would change every entry and add its size to a
// package with a size budget, and most values worth sharing (JWKS, config) are plain data.
//
// The walk reads properties through their descriptors, so it calls no getter; what it passes is
// plain data, which JSON.stringify then writes as fast as the engine can. (A Proxy could still
// answer JSON.stringify otherwise than the walk: a value that lies to its readers is beyond any
// check.)

// Past these bounds a value is not written: the walk runs before the load's callers get the
// value, and a huge or hostile value must not stall them. 100 000 values take 15-40 ms in Node,
// Deno and Bun on a small machine (JSON.stringify alone: 1-5 ms); most of it is reading each
// property's descriptor, the only way to see a getter without calling it.
const MAX_NODES = 100_000;
const MAX_DEPTH = 1000;

const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;
const step = (key) => (typeof key === "number" ? `[${key}]` : PLAIN_KEY.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

/** The JSON text of `value`; a TypeError saying why not, if JSON would not give it back. */
export function exactJson(value) {
  // Objects on the path to the node being read: meeting one again is a cycle. (An object met
  // twice elsewhere is not: JSON writes it twice, and it arrives as two equal copies.)
  const open = new Set();
  let nodes = 0;
  let refusal;
  let placed; // whether the refusal is about a place in the value (not about a bound)
  // Keys from the node that failed up to the top, gathered only as a failure unwinds.
  const path = [];
  const refuse = (what, at = true) => {
    refusal = what;
    placed = at;
    throw what;
  };
  const tooMany = () => refuse(`more than ${MAX_NODES} values, the most checked`, false);

  const property = (holder, key, depth) => {
    try {
      const d = Reflect.getOwnPropertyDescriptor(holder, key);
      if (d === undefined) refuse("a hole in an array");
      if (!("value" in d)) refuse("a getter or setter");
      if (!d.enumerable) refuse("a non-enumerable property");
      walk(d.value, depth);
    } catch (error) {
      path.push(key);
      throw error;
    }
  };

  const walk = (node, depth) => {
    if (++nodes > MAX_NODES) tooMany();
    switch (typeof node) {
      case "string":
      case "boolean":
        return;
      case "number":
        if (Object.is(node, -0)) refuse("-0");
        if (!Number.isFinite(node)) refuse(`${node}`);
        return;
      case "object":
        if (node === null) return;
        break;
      default:
        refuse(node === undefined ? "undefined" : `a ${typeof node}`);
    }
    if (depth === MAX_DEPTH) refuse(`nesting deeper than ${MAX_DEPTH}, the most checked`, false);
    if (open.has(node)) refuse("a cycle");
    const array = Array.isArray(node);
    const proto = Object.getPrototypeOf(node);
    // (Not a null prototype either: JSON.parse gives another isolate an object with one, where
    // `"constructor" in value` and the like answer otherwise.)
    if (proto === null) refuse("an object without a prototype (Object.create(null)): JSON gives it back with one");
    if (array ? proto !== Array.prototype : proto !== Object.prototype) {
      // The class whose prototype it is (not one further up, as Object.create(proto) inherits).
      const name = Object.hasOwn(proto, "constructor") && proto.constructor?.name;
      refuse(name ? `an instance of ${name}` : "an object with a prototype of its own");
    }
    if ("toJSON" in node) refuse("a toJSON method");
    const length = array ? node.length : 0;
    if (nodes + length > MAX_NODES) tooMany();
    const keys = Reflect.ownKeys(node);
    open.add(node);
    if (array) {
      // Own keys are the indices and "length": more is an extra property, fewer a hole (a hole
      // that an extra property makes up for is found by its index).
      if (keys.length !== length + 1) refuse(keys.length > length + 1 ? "an array with properties besides its elements" : "a hole in an array");
      for (let i = 0; i < length; i++) property(node, i, depth + 1);
    } else {
      for (const key of keys) {
        if (typeof key === "symbol") refuse("a symbol key");
        property(node, key, depth + 1);
      }
    }
    open.delete(node);
  };

  try {
    walk(value, 0);
    return JSON.stringify(value);
  } catch (error) {
    // `value.keys[0].verify`: the first steps of a deep path, then "…".
    const at = `value${path.reverse().slice(0, 16).map(step).join("")}${path.length > 16 ? "…" : ""}`;
    if (refusal !== undefined) throw new TypeError(placed ? `JSON would not give back ${refusal} at ${at}` : refusal);
    // Not our refusal: the value itself threw (a revoked Proxy, a throwing trap), and what it
    // threw may be hostile too.
    let thrown;
    try {
      thrown = String(error);
    } catch {
      thrown = "an error";
    }
    throw new TypeError(`reading ${at} threw ${thrown}`);
  }
}
