// The Deno program of deno-kv.mjs: one process = one Deno Deploy instance. Its vars keep their
// shared tier in the Deno KV store at KV_PATH (Deno's local, SQLite-backed store), their loader
// fetch()es ORIGIN, their ttl is TTL ms. It serves on a free loopback port, printed first as
// `{"port": N}`:
//   GET /get?var=V | /invalidate?var=V | /stats?var=V | /tier?var=V (the raw entry text)
// The var "big" loads a value over Deno KV's 64 KiB limit.
// Usage: deno run --unstable-kv --node-modules-dir=manual --allow-env --allow-net=127.0.0.1
//        --allow-read=KV_PATH_DIR --allow-write=KV_PATH_DIR tests/shared/deno-kv-app.mjs
import { GLOBAL_CACHE } from "simple-memory-cache";
import { denoKv } from "simple-memory-cache/shared/deno-kv";

const ORIGIN = Deno.env.get("ORIGIN");
const TTL = Number(Deno.env.get("TTL"));
const kv = await Deno.openKv(Deno.env.get("KV_PATH"));
const shared = denoKv(kv);

async function load(name) {
  const value = await (await fetch(ORIGIN)).json();
  return name === "big" ? { ...value, padding: "x".repeat(70_000) } : value;
}

function cachedVar(name) {
  const v = GLOBAL_CACHE.memoryCachedVar(name, { ttl: TTL, shared });
  v.onFirstAccess(() => load(name));
  return v;
}

// The big value's padding is left out of answers.
const brief = (value) => (value?.padding === undefined ? value : { ...value, padding: value.padding.length });

Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(JSON.stringify({ port })) }, async (request) => {
  const url = new URL(request.url);
  const v = cachedVar(url.searchParams.get("var") ?? "cfg");
  switch (url.pathname) {
    case "/get":
      try {
        return Response.json({ ok: true, value: brief(await v.get()) });
      } catch (error) {
        return Response.json({ ok: false, error: `${error.name}: ${error.message}` });
      }
    case "/invalidate":
      v.invalidate();
      return Response.json({ ok: true });
    case "/stats":
      return Response.json({ ...v.stats(), state: v.state });
    case "/tier":
      return Response.json({ text: (await shared.read(v.name)) ?? null });
    default:
      return new Response("not found", { status: 404 });
  }
});
