# The two commands: `make run` and `make test`. Both install missing Debian packages first.
BUILD_DIR      ?= build
SANITIZE_DIR   ?= build-sanitize
FUZZ_DIR       ?= build-fuzz
FUZZ_SECONDS   ?= 60
JOBS           ?= 2
DATA_DIR       ?= ./data
CMAKE_FLAGS    ?=
# CI builds turn warnings into errors.
ifneq ($(CI),)
  CMAKE_FLAGS += -DTIDEMARK_WERROR=ON
endif

.PHONY: deps configure build build-server run demo test test-sanitize fuzz-build fuzz-smoke fuzz fuzz-seeds bench format clean

deps:
	@bash scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

# Everything: libraries, the server, tests, benchmarks, examples.
build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

# Only the `tidemark` binary and what it links: what `make run` and `make demo` need.
build-server: configure
	cmake --build $(BUILD_DIR) -j$(JOBS) --target tidemark

# `make run` starts the server on ./data: OTLP/gRPC :4317, OTLP/HTTP :4318, HTTP API and
# remote_write :9090. Stop it with Ctrl-C (SIGINT): it flushes and exits.
run: build-server
	$(BUILD_DIR)/server/tidemark serve --data-dir $(DATA_DIR)

# The realistic dataset in a separate directory, and what `tidemark inspect` finds in it.
demo: build-server
	@if [ ! -d $(DATA_DIR)-demo ]; then \
	  $(BUILD_DIR)/server/tidemark generate $(DATA_DIR)-demo --series 10000 --hours 6; \
	fi
	$(BUILD_DIR)/server/tidemark inspect $(DATA_DIR)-demo

test: build fuzz-build
	@bash scripts/install-test-clients.sh
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 600
	cd $(FUZZ_DIR) && ctest --output-on-failure -L fuzz

# The libFuzzer targets (tests/fuzz/, docs/fuzzing.md): clang with ASan and UBSan in their own
# build directory, which builds only the libraries they link. Incremental after the first build.
# The compiler is chosen only when the directory is first configured (naming it again would make
# CMake discard the cache and rebuild everything).
fuzz-build: deps
	@if [ -f $(FUZZ_DIR)/CMakeCache.txt ]; then cmake -S . -B $(FUZZ_DIR) $(CMAKE_FLAGS); else \
	  cmake -S . -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
	    -DTIDEMARK_FUZZ=ON $(CMAKE_FLAGS); fi
	cmake --build $(FUZZ_DIR) -j$(JOBS)

# Each target for a few seconds on its seed corpus (part of `make test`).
fuzz-smoke: fuzz-build
	cd $(FUZZ_DIR) && ctest --output-on-failure -L fuzz

# Each target for FUZZ_SECONDS (`make fuzz FUZZ_SECONDS=1800`); crashes in $(FUZZ_DIR)/crashes/.
fuzz: fuzz-build
	bash scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# Rewrites the checked-in seed corpora from the encoders and ../shared/peer/otlp.
fuzz-seeds: fuzz-build
	$(FUZZ_DIR)/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus ../shared/peer/otlp

test-sanitize: deps
	@bash scripts/install-test-clients.sh
	cmake -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE=Debug -DTIDEMARK_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_DIR) -j$(JOBS)
	cd $(SANITIZE_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 1200

bench: build
	$(BUILD_DIR)/benchmarks/tidemark_storage_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

format:
	find include util storage query ingest datagen server benchmarks tests examples -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR)
