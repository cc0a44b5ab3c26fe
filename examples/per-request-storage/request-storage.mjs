// Per-request storage: the JS counterpart of the seed's Flask `g`. A var whose storage is this
// object keeps its value for the current request only (AsyncLocalStorage, available in Node,
// Bun, Deno, and workerd with the nodejs_als flag), so a value loaded for one user never reaches
// another. Within one request, the first get() loads and later ones hit. (Concurrent get()s
// that find the scope empty each load: the package cannot tell that they share a scope.)
import { AsyncLocalStorage } from "node:async_hooks";
import { NO_VALUE_STORED } from "simple-memory-cache";

export function createRequestStorage() {
  const als = new AsyncLocalStorage();
  const scope = (name) => {
    const s = als.getStore();
    if (s === undefined) throw new Error(`request storage: ${JSON.stringify(name)} used outside a request scope; wrap the handler in runInRequest()`);
    return s.values;
  };
  const storage = {
    get(name) {
      const values = scope(name);
      return values.has(name) ? values.get(name) : NO_VALUE_STORED;
    },
    set(name, value) {
      if (value === NO_VALUE_STORED) scope(name).delete(name);
      else scope(name).set(name, value);
    },
  };
  return {
    storage,
    // Runs `fn` in a fresh, empty scope for `request`: call it once per incoming request.
    runInRequest: (request, fn) => als.run({ request, values: new Map() }, fn),
    // The request of the current scope (loaders run in their caller's scope).
    currentRequest: () => als.getStore()?.request,
  };
}
