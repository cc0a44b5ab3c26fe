// The public API, shared by every runtime entry in ../entry/.
export { CachedVar, NO_VALUE_STORED, NoStoredValue } from "./cached-var.js";
export { MemoryCache, GLOBAL_CACHE } from "./memory-cache.js";
