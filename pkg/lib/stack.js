// Stack headroom before entering wasm.
//
// A JS stack overflow ("Maximum call stack size exceeded") raised while a wasm call runs unwinds
// its frames without their epilogues: wasm-bindgen's borrow flag of that Machine and the Rust
// shadow-stack pointer stay taken. The Machine then throws "recursive use of an object detected"
// on every call, and each such throw leaks more shadow stack until every call of the instance —
// every cache of the isolate — traps. So a public method called from user code (which may be
// deep in a recursion) first spreads HEADROOM arguments, which needs that many stack slots
// (8 KB; our deepest wasm call needs under 2 KB in Node): when they do not fit, the RangeError is
// raised here, in JS, before any wasm frame exists. Calls made from promise callbacks and
// timers run on a fresh stack and skip it.

const HEADROOM = new Array(1024).fill(0);
const probe = () => {};

export function ensureStack() {
  Reflect.apply(probe, undefined, HEADROOM);
}
