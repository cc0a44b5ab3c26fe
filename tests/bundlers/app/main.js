// Entry of the script builds (esbuild, rollup, bun build, webpack, Vite, deno bundle) and of the
// unbundled runs (Node, Deno, a browser through an import map).
import { run } from "./app.js";

run();
