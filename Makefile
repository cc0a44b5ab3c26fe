# The two commands the README promises: `make demo` (the example Worker in local workerd) and
# `make test` (every test). Each installs what it needs on a fresh machine of this kind.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/node_modules/.bin:$(PATH)

WASM_BINDGEN_VERSION := 0.2.130
WASM := target/wasm32-unknown-unknown/release/simple_memory_cache.wasm
GLUE := pkg/glue

.PHONY: setup setup-rust setup-node setup-browser build demo test www bench lint soak

setup-rust:
	rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

setup-node:
	[ -x node_modules/.bin/workerd ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund

setup-browser:
	[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] || \
	  { apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver; }

setup: setup-rust setup-node

build: setup
	cargo build --release --target wasm32-unknown-unknown
	rm -rf $(GLUE) && mkdir -p $(GLUE)
	wasm-bindgen --target web --no-typescript --out-dir $(GLUE) $(WASM)
	wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --strip-debug --strip-producers \
	  $(GLUE)/simple_memory_cache_bg.wasm -o $(GLUE)/simple_memory_cache_bg.wasm
	@printf 'wasm: %s bytes (%s gzip)\n' $$(stat -c %s $(GLUE)/simple_memory_cache_bg.wasm) $$(gzip -9c $(GLUE)/simple_memory_cache_bg.wasm | wc -c)

lint:
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown -- -D warnings

# The main job: the JWKS Worker in real local workerd against a local origin it starts itself.
# `make demo KEEP=1` keeps both running and prints curl commands.
demo: build
	node examples/demo.mjs

# Every test: Rust core (native + wasm), types, the JS suite in every runtime, workerd cases,
# examples, the demo page, and a quick run of the benchmarks. Ends with "N passed, N failed".
test: build setup-browser
	node tests/run-all.mjs

# The demo page: builds, then serves www/ and the package on 127.0.0.1 and prints the address.
www: build
	node www/serve.mjs

# The benchmarks of issue 4 in Node, Deno, Bun and workerd (about 4 minutes); results and the
# chart land in benches/results/.
bench: build
	node benches/bench.mjs

# Reliability under hostile input, load and faults: ten minutes of fuzzing the core, the static
# no-panic check of the release wasm, and the full soaks in Node and in workerd.
soak: build
	tests/soak/fuzz.sh 600
	node tests/soak/no-panic-paths.mjs
	node tests/soak/node-soak.mjs
	node tests/soak/workerd-soak.mjs
