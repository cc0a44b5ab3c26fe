// Cold start with simple-memory-cache: a var created at module scope, its first get() in the
// first request.
import { CachedVar } from "simple-memory-cache";

const v = new CachedVar("x");
v.onFirstAccess(() => 1);

export default {
  async fetch() {
    return new Response(String(await v.get()));
  },
};
