// `make build`: copies README.md, LICENSE and CHANGELOG.md into pkg/, so the npm tarball carries
// them (npm shows the tarball's README). The copies are generated (.gitignore). The README's
// relative links point into the repository, not the package: they become absolute URLs.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";

const REPO = "https://github.com/simple-memory-cache/simple-memory-cache";
const root = new URL("../", import.meta.url);
const pkg = new URL("pkg/", root);

const readme = readFileSync(new URL("README.md", root), "utf8").replace(
  /(!?)\]\((?!#|[a-z]+:)([^)\s]+)\)/g,
  (_, image, path) => `${image}](${REPO}/${image ? "raw" : "blob"}/HEAD/${path.replace(/^\.\//, "")})`,
);
writeFileSync(new URL("README.md", pkg), readme);
for (const name of ["LICENSE", "CHANGELOG.md"]) copyFileSync(new URL(name, root), new URL(name, pkg));
