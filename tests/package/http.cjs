// The `simple-memory-cache/http` subpath from CommonJS, through Node's require(esm).
const { freshnessLifetime } = require("simple-memory-cache/http");

console.log(JSON.stringify({ lifetime: freshnessLifetime(new Response("", { headers: { "cache-control": "max-age=60", age: "10" } })) }));
