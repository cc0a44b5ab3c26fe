// A Node HTTP server that loads the calling user's profile once per request, however many
// helpers ask for it, and never hands one user's profile to another even when their requests
// overlap. Run: node examples/per-request-storage/server.mjs [port] (default 8788; 0 for any free
// port), then
//   curl -H 'x-user: ada' http://127.0.0.1:8788/
import { createServer } from "node:http";
import { GLOBAL_CACHE } from "simple-memory-cache";
import { createRequestStorage } from "./request-storage.mjs";

const { storage, runInRequest, currentRequest } = createRequestStorage();
export const currentUser = GLOBAL_CACHE.memoryCachedVar("currentUser", { storage, timeout: 2000 });

currentUser.onFirstAccess(async () => {
  const req = currentRequest();
  await new Promise((r) => setTimeout(r, 20)); // stands for a call to a profile service
  return { id: req.headers["x-user"] ?? "anonymous" };
});

async function greeting() {
  return `hello ${(await currentUser.get()).id}`;
}

export function handle(req, res) {
  runInRequest(req, async () => {
    const user = await currentUser.get();
    const text = await greeting(); // a hit: same request scope
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ greeting: text, user: user.id }));
  });
}

if (import.meta.main ?? import.meta.url === `file://${process.argv[1]}`) {
  // 8788: not wrangler dev's 8787, which the README's Worker may be holding.
  const port = Number(process.argv[2] ?? 8788);
  const server = createServer(handle);
  server.on("error", (error) => {
    console.error(`per-request-storage: cannot listen on 127.0.0.1:${port} (${error.code ?? error.message}); pass another port: node examples/per-request-storage/server.mjs 0`);
    process.exit(1);
  });
  server.listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
}
