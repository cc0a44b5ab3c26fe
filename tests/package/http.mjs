// The `simple-memory-cache/http` subpath as a user imports it (ESM; http.cjs requires it).
import { freshnessLifetime } from "simple-memory-cache/http";

console.log(JSON.stringify({ lifetime: freshnessLifetime(new Response("", { headers: { "cache-control": "max-age=60", age: "10" } })) }));
