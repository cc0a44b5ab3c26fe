// Node's require(): the package through require(esm), then the app that uses it.
require("simple-memory-cache");
require("./app.js").run();
