# hookd: `make run` starts the server, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
BUILD ?= build/release
ASAN_BUILD ?= build/asan
JOBS ?= $(shell nproc)

.PHONY: bench all deps build run test unit-test asan-test integration-test integration-test-pg compat-test node-deps pg-check clean format

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target hookd

run: build
	./$(BUILD)/hookd serve

node-deps: deps
	@cd tests/e2e && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; }

unit-test: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHOOKD_SANITIZE=ON

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan-test: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target unit_tests
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ./$(ASAN_BUILD)/unit_tests

integration-test: build node-deps
	HOOKD_BIN=$(CURDIR)/$(BUILD)/hookd node --test --test-concurrency=2 tests/integration/

# The integration suites again with every server on PostgreSQL (a private cluster per test file;
# config.test.mjs is about SQLite paths, multinode.test.mjs runs on PostgreSQL anyway).
integration-test-pg: build node-deps
	HOOKD_IT_STORE=postgres HOOKD_BIN=$(CURDIR)/$(BUILD)/hookd node --test --test-concurrency=2 \
	  $$(ls tests/integration/*.test.mjs | grep -v -e /config.test.mjs -e /multinode.test.mjs)

compat-test: build node-deps
	HOOKD_BIN=$(CURDIR)/$(BUILD)/hookd node --test tests/e2e/

test: unit-test asan-test integration-test integration-test-pg compat-test

# Starts a private PostgreSQL cluster (scripts/pg-cluster.sh), asks it for its version, removes it.
pg-check: deps
	@dir=$$(mktemp -d) && trap 'bash scripts/pg-cluster.sh stop "$$dir"' EXIT && \
	url=$$(bash scripts/pg-cluster.sh start "$$dir") && echo "$$url" && \
	bash scripts/pg-cluster.sh psql "$$dir" -Atc 'select version()'

# Benchmarks (not part of `make test`): scenarios against a real hookd on loopback; results and
# plots in bench/results/. `make bench SCENARIOS="ingest e2e"` runs a subset.
bench: deps
	@bash scripts/install-bench-deps.sh
	cmake --build $(BUILD) -j $(JOBS) --target hookd bench_loadgen bench_receiver bench_seed
	bash bench/run.sh $(SCENARIOS)

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'bench/*.cc')

clean:
	rm -rf build
