# The two commands a newcomer needs:
#   make run    installs what is missing, builds, and starts `vigil serve` (SQLite in ./var)
#   make test   installs what is missing, builds, and runs every test suite (CTest)
# CI (.ci/run) calls `make test`, then the sanitizer build, the fuzz smoke run and the linters.

BUILD      ?= build
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: all deps build run test test-asan fuzz fuzz-smoke lint format bench clean

all: build

deps:
	scripts/deps.sh build

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

run: build
	mkdir -p var
	$(BUILD)/vigil serve

test:
	scripts/deps.sh build test
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	VIGIL_REQUIRE_CHECKERS=1 VIGIL_SARIF_VALIDATE=$$(command -v npx >/dev/null && echo 1) \
	  ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS); rc=$$?; \
	if ctest --test-dir $(BUILD) -N -R '^pg/start$$' | grep -q 'pg/start'; then \
	  echo "PostgreSQL pass: ran (unit/store/*-pg, api-pg, api-pg-2servers on a throwaway cluster in $(BUILD)/pg)"; \
	else \
	  echo "PostgreSQL pass: skipped (no /usr/lib/postgresql/*/bin/initdb when CMake ran; scripts/deps.sh test installs postgresql)"; \
	fi; exit $$rc

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan:
	$(MAKE) test BUILD=build-asan CMAKE_ARGS="-DVIGIL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug"

fuzz:
	scripts/deps.sh build fuzz
	CC=clang cmake -S . -B build-fuzz -DVIGIL_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-fuzz -j $(JOBS)

# Runs each fuzz target for FUZZ_SECONDS over its seed corpus.
FUZZ_SECONDS ?= 20
fuzz-smoke: fuzz
	scripts/fuzz-smoke.sh build-fuzz $(FUZZ_SECONDS)

lint:
	scripts/deps.sh lint
	scripts/lint.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

bench: build
	scripts/deps.sh bench
	bench/run.sh

clean:
	rm -rf build build-asan build-fuzz
