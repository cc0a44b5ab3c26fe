// The Worker that runs tests/js/suite.mjs inside workerd: GET /run?filter=… runs the suite in
// that request and answers its results as JSON (see run-suite.mjs). Other paths answer "ready".
import { runSuite } from "../js/suite.mjs";

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname !== "/run") return new Response("ready");
    const filter = url.searchParams.get("filter") ?? undefined;
    return Response.json(await runSuite({ runtime: "workerd", filter }));
  },
};
