// Stack headroom before entering wasm.
//
// A JS stack overflow ("Maximum call stack size exceeded") raised while a wasm call runs unwinds
// its frames without their epilogues: wasm-bindgen's borrow flag of that Machine and the Rust
// shadow-stack pointer stay taken. The Machine then throws "recursive use of an object detected"
// on every call, and each such throw leaks more shadow stack until every call of the instance —
// every cache of the isolate — traps. So a public method called from user code (which may be
// deep in a recursion) first spreads HEADROOM arguments, which needs that many stack slots: when
// they do not fit, the RangeError is raised here, in JS, before any wasm frame exists and before
// the core decides anything. 48 KB: the path after the check must not overflow either, and V8
// compiles a function on its first call only with 40 KB of stack to spare
// (`kStackSpaceRequiredForCompilation`, src/common/globals.h) — with 8 KB here, the first load of
// a var started near the limit left a Promise executor uncompiled, its resolvers unset and the
// var loading for ever. Our deepest wasm call needs under 2 KB in Node, our frames up to it a few
// more. The price: ~3.5 µs per check (V8 copies the arguments; nothing cheaper reserves stack
// from JS), once per miss, set() or invalidate() — never on a warm hit. Calls made from promise
// callbacks and timers run on a fresh stack and skip it.

const HEADROOM = new Array(6144).fill(0);
// A call that goes on to call public methods (MemoryCache#invalidateAll): 4 KB more, so that when
// it passes, the checks of the methods it calls pass too. An array of its own (the usual check made
// beneath a 512-argument call missed the window in Bun, 1 run in 3), made on first use: few apps
// call invalidateAll().
let outerHeadroom = null;
const probe = () => {};

/** Throws a RangeError unless the stack has the headroom above; `outer`: 4 KB more. */
export function ensureStack(outer = false) {
  Reflect.apply(probe, undefined, outer ? (outerHeadroom ??= new Array(6144 + 512).fill(0)) : HEADROOM);
}
