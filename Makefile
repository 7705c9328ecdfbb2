# Aurora: the two commands are `make server` and `make test`; everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PRESET ?= ci
BUILD_DIR := build/$(PRESET)
JOBS ?= 2
FUZZ_SECONDS ?= 20

.PHONY: help deps configure build test test-unit fuzz-smoke fuzz bench asan tsan format clean \
        server dev-setup dev-start dev-stop migrate-up migrate-down migrate-down-all migrate-create \
        db-connect db-reset docker-up docker-down docker-logs docker-clean

help:
	@echo "make server   install what is missing, build, and start aurora-server on http://localhost:9999"
	@echo "make test     install what is missing, build (warnings as errors) and run every test"
	@echo "make bench    build optimised and run the benchmarks (see docs/benchmarks.md)"
	@echo "make fuzz     long libFuzzer runs (FUZZ_SECONDS=$(FUZZ_SECONDS) each)"
	@echo "make asan     build and test with AddressSanitizer + UBSan"

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

# Every tier: unit and CLI tests, then short fuzz runs when clang is present.
test: build
	ctest --preset $(PRESET) -j $(JOBS)
	@$(MAKE) --no-print-directory fuzz-smoke FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-smoke:
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz:
	@bash scripts/fuzz.sh $(if $(filter 20,$(FUZZ_SECONDS)),600,$(FUZZ_SECONDS))

bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	./build/release/bench/engine/aurora_engine_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

asan:
	@$(MAKE) --no-print-directory test-preset PRESET=asan
tsan:
	@$(MAKE) --no-print-directory test-preset PRESET=tsan
test-preset: build
	ctest --preset $(PRESET) -j $(JOBS)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
