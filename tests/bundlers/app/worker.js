// A Cloudflare Worker, bundled by `wrangler deploy --dry-run` with no configuration beyond
// wrangler.toml's name, main and compatibility date.
import { twoGets } from "./app.js";

export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/__ready") return new Response(null, { status: 204 });
    return Response.json(await twoGets());
  },
};
