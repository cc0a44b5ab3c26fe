// A TypeScript CommonJS project on "module": "node16" that cannot switch to node20/nodenext: the
// package imported dynamically, its types with resolution-mode (docs/typescript.md).
import type { CachedVar } from "simple-memory-cache" with { "resolution-mode": "import" };

async function main(): Promise<void> {
  const { GLOBAL_CACHE } = await import("simple-memory-cache");
  const answer: CachedVar<number> = GLOBAL_CACHE.memoryCachedVar("answer").onFirstAccess(() => 41);
  console.log(`RESULT ${(await answer.get()) + 1}`);
}
void main();
