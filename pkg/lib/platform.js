// workerd: how long after a load started its joiners stop waiting on it when the var has no
// timeout: 30 s, the earliest workerd may cut a request kept alive by waitUntil (30 s after its
// response, which comes no earlier than the load's start). A load still running then may
// belong to a request that ended without a word, on older compatibility dates.
export const JOIN_BOUND_MS = 30_000;

// What the runtime entry tells the JS layer about its runtime. Entries set it once, at import,
// before any var exists; nothing else writes it but tests of one mechanism alone.
export const platform = {
  // workerd: `waitUntil` of `cloudflare:workers`, which keeps the current request alive until a
  // promise settles. Every load is registered with it so that callers from other requests that
  // joined the load still get its result after the request that started it has returned.
  waitUntil: null,
  // workerd: a caller that joined a load started by another request bounds its wait and takes
  // the load over (see CachedVar#join) instead of trusting that request to live long enough.
  guardJoins: false,
  // workerd: see JOIN_BOUND_MS.
  joinBoundMs: JOIN_BOUND_MS,
  // workerd: `(value) => string | null`, what to call an I/O object (a Response, a stream…)
  // that is `value` or sits inside it: its type name, and then where, e.g. "Response (at .res)".
  // It belongs to the request that created it: no other request can read it, so a var refuses
  // to store or share a value holding one.
  ioObject: null,
};

export function configurePlatform(settings) {
  Object.assign(platform, settings);
}
