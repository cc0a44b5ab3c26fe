// Cold start with lru-cache: a cache created at module scope, its first fetch() in the first request.
import { LRUCache } from "lru-cache";

const lru = new LRUCache({ max: 1, fetchMethod: () => 1 });

export default {
  async fetch() {
    return new Response(String(await lru.fetch("x")));
  },
};
