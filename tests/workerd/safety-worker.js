// The Worker behind request-safety.mjs: GLOBAL_CACHE vars whose loader fetch()es the slow local
// origin (binding ORIGIN), and routes that make the requesting request behave as each case needs.
//   GET /get?var=V&mode=M   M: await (default) | detach (start the load, answer at once, no
//                           waitUntil) | detach-waituntil (the same, passing ctx.waitUntil)
//                           → { ok: true, value } or { ok: false, error: { name, message } }
//   GET /reset?registration=on|off&bound=MS   invalidates every var; `off` switches off the
//                           entry's own waitUntil registration of loads, leaving the joiners'
//                           guard alone; `bound` sets the joiners' bound (default: the package's)
//   GET /early              how the vars used at module scope fared (see the bottom of the file)
//   GET /set?var=V          → stores { set: true } with set()
//   GET /stats?var=V        → stats() and state
//   GET /spin?n=N           blocks the isolate for N rounds of arithmetic (a freeze: workerd's
//                           clocks stand still while it runs, its timers fall due)
import { GLOBAL_CACHE } from "simple-memory-cache";
// The package's internal platform switches, from the bundle its entry imports (the same module
// instance: esbuild resolves node_modules/simple-memory-cache to pkg/), so a case can test one
// mechanism alone.
import { configurePlatform, platform } from "../../pkg/glue/bundle.js";

const entryWaitUntil = platform.waitUntil;
const entryBound = platform.joinBoundMs;

// data: a JSON value with a timeout; unbounded: the same without one (joiners use the package's
// default bound); response: a loader that caches the origin's Response itself (an I/O object);
// nested: one that caches it inside a plain value.
const VARS = {
  data: { options: { timeout: 2000 }, loader: (env) => fetch(env.ORIGIN).then((r) => r.json()) },
  unbounded: { options: {}, loader: (env) => fetch(env.ORIGIN).then((r) => r.json()) },
  response: { options: { timeout: 2000 }, loader: (env) => fetch(env.ORIGIN) },
  nested: { options: { ttl: 60_000 }, loader: async (env) => ({ res: await fetch(env.ORIGIN), at: Date.now() }) },
  frozen: { options: { timeout: 400 }, loader: (env) => fetch(env.ORIGIN).then((r) => r.json()) },
};

function cachedVar(name, env) {
  const spec = VARS[name];
  if (spec === undefined) throw new TypeError(`unknown var ${name}`);
  const v = GLOBAL_CACHE.memoryCachedVar(name, spec.options);
  v.onFirstAccess(() => spec.loader(env));
  return v;
}

// A Response value, or one at `.res`, is read here, in this request, as a caller would.
async function read(v) {
  const value = await v.get();
  const body = async (res) => ({ status: res.status, body: await res.json() });
  if (value instanceof Response) return body(value);
  return value?.res instanceof Response ? { ...value, res: await body(value.res) } : value;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const param = (k, d) => url.searchParams.get(k) ?? d;
    switch (url.pathname) {
      case "/reset":
        configurePlatform({ waitUntil: param("registration", "on") === "off" ? null : entryWaitUntil, joinBoundMs: Number(param("bound", entryBound)) });
        GLOBAL_CACHE.invalidateAll();
        return Response.json({ ok: true });
      case "/set": {
        const v = cachedVar(param("var", "data"), env);
        v.set({ set: true });
        return Response.json({ ok: true });
      }
      case "/stats": {
        const v = cachedVar(param("var", "data"), env);
        return Response.json({ ...v.stats(), state: v.state });
      }
      case "/get": {
        const v = cachedVar(param("var", "data"), env);
        const mode = param("mode", "await");
        if (mode === "detach" || mode === "detach-waituntil") {
          const options = mode === "detach" ? undefined : { waitUntil: ctx.waitUntil.bind(ctx) };
          v.get(options).catch(() => {});
          return Response.json({ ok: true, detached: true });
        }
        try {
          return Response.json({ ok: true, value: await read(v) });
        } catch (error) {
          return Response.json({ ok: false, error: { name: error?.name, message: String(error?.message) } });
        }
      }
      case "/spin": {
        let x = 0;
        for (let i = Number(param("n", 0)); i > 0; i--) x = (x * 31 + i) % 1_000_003;
        return Response.json({ ok: true, x });
      }
      case "/early":
        return Response.json(await early(env));
      default:
        return new Response("ready");
    }
  },
};

// Issue 11, scenario 3: get() at module scope, where workerd refuses timers and I/O. Each var
// records how its module-scope get() ended; /early then asks each once more, in a request.
const EARLY = { "early-timeout": { timeout: 5000 }, "early-plain": {} };
const earlyOutcomes = {};
let earlyOrigin = null;
for (const [name, options] of Object.entries(EARLY)) {
  const v = GLOBAL_CACHE.memoryCachedVar(name, options);
  v.onFirstAccess(() => fetch(earlyOrigin).then((r) => r.json()));
  earlyOutcomes[name] = v.get().then(
    (value) => ({ ok: true, value }),
    (error) => ({ ok: false, error: { name: error?.name, message: String(error?.message) } }),
  );
}

async function early(env) {
  earlyOrigin = env.ORIGIN;
  const out = {};
  for (const name of Object.keys(EARLY)) {
    const v = GLOBAL_CACHE.memoryCachedVar(name);
    const atModuleScope = await Promise.race([earlyOutcomes[name], new Promise((r) => setTimeout(() => r("still waiting"), 50))]);
    const started = Date.now();
    let inRequest;
    try {
      inRequest = { ok: true, value: await v.get() };
    } catch (error) {
      inRequest = { ok: false, error: { name: error?.name, message: String(error?.message) } };
    }
    out[name] = { atModuleScope, inRequest, ms: Date.now() - started, stats: v.stats() };
  }
  return out;
}
