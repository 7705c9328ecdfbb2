# Aurora: the two commands are `make server` and `make test`; everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PRESET ?= ci
BUILD_DIR := build/$(PRESET)
JOBS ?= 2
FUZZ_SECONDS ?= 20

.PHONY: help deps configure build test test-preset fuzz-smoke fuzz bench asan tsan format clean \
        server server-build dev-setup dev-start dev-stop migrate-up migrate-down migrate-down-all migrate-create \
        db-connect db-reset docker-up docker-down docker-logs docker-clean s3-start s3-stop quickstart bench-propagation

help:
	@echo "make server   install what is missing, build, and start aurora-server on http://localhost:9999"
	@echo "make test     install what is missing, build (warnings as errors) and run every test"
	@echo "make bench    build optimised and run the benchmarks (see docs/benchmarks.md)"
	@echo "make bench-propagation   write-to-SDK propagation latency, streaming and polling"
	@echo "make fuzz     long libFuzzer runs (FUZZ_SECONDS=$(FUZZ_SECONDS) each)"
	@echo "make asan     build and test with AddressSanitizer + UBSan"

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

# Every tier: unit, CLI and server tests (SQLite, and PostgreSQL on a throwaway local
# cluster), then short fuzz runs when clang is present.
test: build
	bash scripts/run-tests.sh $(PRESET)
	@$(MAKE) --no-print-directory fuzz-smoke FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-smoke:
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz:
	@bash scripts/fuzz.sh $(if $(filter 20,$(FUZZ_SECONDS)),600,$(FUZZ_SECONDS))

bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	./build/release/bench/engine/aurora_engine_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

# Write-to-SDK propagation, streaming and polling, N = 1, 100, 1000 (docs/benchmarks.md).
bench-propagation: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target aurora_server_main aurora_propagation_bench
	bash bench/propagation/run.sh

asan:
	@$(MAKE) --no-print-directory test-preset PRESET=asan
tsan:
	@$(MAKE) --no-print-directory test-preset PRESET=tsan
test-preset: build
	bash scripts/run-tests.sh $(PRESET)

# --- running the server -----------------------------------------------------------------
SERVER_BIN := build/release/src/server/aurora-server
CLI_BIN := build/release/src/cli/aurora
CONFIG ?= $(if $(wildcard config.yaml),config.yaml,)
CONFIG_ARG := $(if $(CONFIG),--config $(CONFIG),)

server-build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target aurora_server_main aurora_cli aurora_quickstart

# Installs what is missing, builds, and serves on http://localhost:9999 with SQLite in ./data/.
server: server-build
	@mkdir -p data
	exec $(SERVER_BIN) $(CONFIG_ARG)

dev-setup: server-build
	@mkdir -p data
	$(CLI_BIN) migrate up $(CONFIG_ARG)
	@echo "dev-setup: done; run 'make server' (or 'make dev-start' to run it in the background)"

dev-start: server-build
	@mkdir -p data
	@if [ -f data/aurora-server.pid ] && kill -0 $$(cat data/aurora-server.pid) 2>/dev/null; then \
	  echo "aurora-server already running (pid $$(cat data/aurora-server.pid))"; \
	else \
	  nohup $(SERVER_BIN) $(CONFIG_ARG) >data/aurora-server.log 2>&1 & echo $$! > data/aurora-server.pid; \
	  echo "aurora-server started (pid $$(cat data/aurora-server.pid), log data/aurora-server.log)"; \
	fi

dev-stop:
	@if [ -f data/aurora-server.pid ]; then kill $$(cat data/aurora-server.pid) 2>/dev/null || true; rm -f data/aurora-server.pid; echo "aurora-server stopped"; \
	else echo "aurora-server is not running (no data/aurora-server.pid)"; fi

# A local S3-compatible server for the S3 flow (README): s3rver on 127.0.0.1 behind a SigV4-checking
# proxy, bucket aurora-test, credentials S3RVER / S3RVER, path-style; its files in data/s3/.
s3-start:
	@S3ROOT=$(CURDIR)/data/s3 bash scripts/s3-test.sh start
s3-stop:
	@S3ROOT=$(CURDIR)/data/s3 bash scripts/s3-test.sh stop

# The SDK quickstart (examples/quickstart.cpp) against the running server (AURORA_ENDPOINT,
# AURORA_SDK_KEY, AURORA_S3_* as documented in the example).
quickstart: server-build
	./build/release/examples/aurora_quickstart

migrate-up: server-build
	$(CLI_BIN) migrate up $(CONFIG_ARG)
migrate-down: server-build
	$(CLI_BIN) migrate down $(CONFIG_ARG)
migrate-down-all: server-build
	$(CLI_BIN) migrate down-all $(CONFIG_ARG)
migrate-create: server-build
	@test -n "$(NAME)" || { echo "usage: make migrate-create NAME=add_something"; exit 64; }
	$(CLI_BIN) migrate create $(NAME)

# Opens a SQL shell on the configured database (sqlite3 for SQLite, psql for PostgreSQL).
db-connect:
	@bash scripts/db.sh connect $(CONFIG)
# Drops every table (migrate down-all) and migrates up again: all data is lost.
db-reset: server-build
	$(CLI_BIN) migrate down-all $(CONFIG_ARG)
	$(CLI_BIN) migrate up $(CONFIG_ARG)

docker-up docker-down docker-logs docker-clean:
	@echo "Aurora needs no Docker: SQLite is embedded, and PostgreSQL runs natively."
	@echo "  database for development:  make server (SQLite in ./data/)"
	@echo "  a local PostgreSQL:        scripts/pg-test.sh start   (prints its DSN; set DATABASE_DRIVER=postgres DATABASE_URL=<dsn>)"
	@echo "  stop it:                   scripts/pg-test.sh stop"

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
