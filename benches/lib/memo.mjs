// The hand-written memos every ratio refers to: what a user writes instead of a library. Each
// keeps the loader's promise, drops it if the load rejects (caching a rejection forever is the
// classic memo bug), and can be invalidated; the ttl flavour adds one `Date.now()` check per hit.

/** A cached promise alone. `get()` returns it; `invalidate()` drops it. */
export function memo(loader) {
  let promise = null;
  const load = () => {
    const p = Promise.resolve(loader());
    p.catch(() => {
      if (promise === p) promise = null;
    });
    return (promise = p);
  };
  return {
    get: () => promise ?? load(),
    invalidate() {
      promise = null;
    },
  };
}

/** A cached promise plus a `Date.now()` freshness check against `ttl` ms. */
export function memoTtl(loader, ttl) {
  let promise = null;
  let until = 0;
  const load = () => {
    const p = Promise.resolve(loader());
    p.catch(() => {
      if (promise === p) promise = null;
    });
    until = Date.now() + ttl;
    return (promise = p);
  };
  return {
    get: () => (promise !== null && Date.now() < until ? promise : load()),
    invalidate() {
      promise = null;
    },
  };
}
