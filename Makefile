# hookd: `make run` starts the server, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
BUILD ?= build/release
ASAN_BUILD ?= build/asan
JOBS ?= $(shell nproc)

.PHONY: bench all deps build run install package package-test test unit-test asan-test integration-test integration-test-pg compat-test node-deps pg-check clean format fuzz-build fuzz-test fuzz soak tsan-test test-tools

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target hookd

run: build
	./$(BUILD)/hookd serve

# `make install` puts hookd, /etc/hookd/hookd.toml (an existing one is kept), the systemd unit and
# the man page under PREFIX, then (unless DESTDIR is set) runs the package's postinst: the hookd
# user, /var/lib/hookd, and the service enabled and started where systemd runs.
PREFIX ?= /usr
install: deps $(BUILD)/build.ninja
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target hookd
	cmake --install $(BUILD) --strip
	@[ -n "$(DESTDIR)" ] || sh packaging/debian/postinst configure

# The Debian package: $(BUILD)/hookd_VERSION_ARCH.deb (cmake/Packaging.cmake).
package: deps $(BUILD)/build.ninja
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target hookd
	cd $(BUILD) && cpack -G DEB

# Installs the package on this machine, runs it as its service would, backs it up, purges it.
package-test: package
	bash tests/package/check.sh $(BUILD)

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

# What the integration suites need beside hookd: the disk-fault shim.
test-tools: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target fault_fs

TSAN_BUILD ?= build/tsan
$(TSAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
	  -DHOOKD_TSAN=ON

# Unit and engine tests (the store suites on both backends) under ThreadSanitizer.
tsan-test: deps $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target unit_tests
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ./$(TSAN_BUILD)/unit_tests

integration-test: build test-tools node-deps
	HOOKD_BIN=$(CURDIR)/$(BUILD)/hookd node --test --test-concurrency=2 tests/integration/

# The integration suites again with every server on PostgreSQL (a private cluster per test file;
# config.test.mjs is about SQLite paths, multinode.test.mjs runs on PostgreSQL anyway).
integration-test-pg: build test-tools node-deps
	HOOKD_IT_STORE=postgres HOOKD_BIN=$(CURDIR)/$(BUILD)/hookd node --test --test-concurrency=2 \
	  $$(ls tests/integration/*.test.mjs | grep -v -e /config.test.mjs -e /multinode.test.mjs)

compat-test: build node-deps
	HOOKD_BIN=$(CURDIR)/$(BUILD)/hookd node --test tests/e2e/

# libFuzzer targets (tests/fuzz) built with clang: `fuzz-test` runs each for FUZZ_SECONDS over the
# seed corpus (part of `make test`), `make fuzz` FUZZ_RUNS executions each. Inputs that crash are
# written to build/fuzz/artifacts/.
FUZZ_BUILD ?= build/fuzz
FUZZ_TARGETS := json_intake url_template form signatures http_request
FUZZ_SECONDS ?= 10
FUZZ_RUNS ?= 1000000

$(FUZZ_BUILD)/build.ninja: | deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOOKD_FUZZ=ON \
	  -DHOOKD_TESTS=OFF -DCMAKE_C_COMPILER=clang-16 -DCMAKE_CXX_COMPILER=clang++-16

fuzz-build: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

define run_fuzz
	@mkdir -p $(FUZZ_BUILD)/artifacts
	@for t in $(FUZZ_TARGETS); do mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  echo "fuzz $$t: $(1)"; \
	  ./$(FUZZ_BUILD)/fuzz_$$t $(1) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	    2>&1 | grep -E "^stat::number_of_executed_units|ERROR|SUMMARY" ; \
	  [ $${PIPESTATUS[0]} -eq 0 ] || exit 1; done
endef

fuzz-test: fuzz-build
	$(call run_fuzz,-max_total_time=$(FUZZ_SECONDS))

fuzz: fuzz-build
	$(call run_fuzz,-runs=$(FUZZ_RUNS))

test: unit-test asan-test tsan-test integration-test integration-test-pg compat-test fuzz-test package-test

# The long forms of the reliability suite: 100 SIGKILL cycles under load on SQLite and on
# PostgreSQL (the short form, 10 cycles, runs in the integration suites).
soak: build node-deps
	HOOKD_CRASH_CYCLES=100 HOOKD_BIN=$(CURDIR)/$(BUILD)/hookd node --test tests/integration/crash_loop.test.mjs
	HOOKD_IT_STORE=postgres HOOKD_CRASH_CYCLES=100 HOOKD_BIN=$(CURDIR)/$(BUILD)/hookd \
	  node --test tests/integration/crash_loop.test.mjs

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
