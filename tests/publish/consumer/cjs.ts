// A TypeScript CommonJS project using the package: compiled by tsc under several `module`
// settings, then run by Node, which require()s the ES module package (Node >= 20.19).
import { GLOBAL_CACHE, type CachedVar } from "simple-memory-cache";

const answer: CachedVar<number> = GLOBAL_CACHE.memoryCachedVar<number>("answer");
answer.onFirstAccess(() => 41);
answer.get().then((n) => console.log(`RESULT ${n + 1}`));
