# dac — the two commands a user needs: `make run` and `make test`.
# Every target bootstraps first (installs missing Debian packages; see scripts/bootstrap).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build

.PHONY: all bootstrap build run test bench fuzz clean

all: build

bootstrap:
	@scripts/bootstrap

build: bootstrap
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	@echo "dac built: $(BUILD)/dac"

# The default study in its quick form (`dac run --quick -o out/`, under a minute): the
# page to open is out/report.html.
run: build
	@scripts/run-study $(BUILD)/dac

# Warnings are errors here; then the whole suite again under ASan + UBSan. The test of
# the report page renders it in headless Chromium, which the bootstrap adds for tests.
test: export DAC_BOOTSTRAP_TEST=1
test: bootstrap
	cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDAC_WERROR=ON >/dev/null
	cmake --build build-test -j $(JOBS)
	cd build-test && ctest --output-on-failure -j $(JOBS)
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDAC_WERROR=ON -DDAC_SANITIZE=ON >/dev/null
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

bench: export DAC_BOOTSTRAP_BENCH=1
bench: build
	@for b in $(BUILD)/bench/*; do echo "== $$b"; $$b || exit 1; done

# Fuzz every reader for FUZZ_SECONDS each with libFuzzer (needs clang).
FUZZ_SECONDS ?= 60
fuzz: export DAC_BOOTSTRAP_FUZZ=1
fuzz: bootstrap
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DDAC_FUZZ=ON >/dev/null
	cmake --build build-fuzz -j $(JOBS) --target $(notdir $(basename $(wildcard tests/fuzz/fuzz_*.c)))
	@for src in tests/fuzz/fuzz_*.c; do n=$$(basename $$src .c); mkdir -p build-fuzz/corpus/$$n; \
	  build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

clean:
	rm -rf build build-test build-asan build-fuzz out
