# Haven: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := .make
FRONTEND := frontend
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help run test lint openapi openapi-check test-backend test-sqlite test-postgres \
        test-frontend test-e2e test-web web chromium bench clean

help:
	@echo "make run     install, build the web client, migrate, seed the demo, serve on http://$(HOST):$(PORT)/"
	@echo "make test    lint, contract check, backend on SQLite and PostgreSQL, web unit tests, browser tests"
	@echo "make bench   benchmarks (not part of make test)"

# --- installation (re-run only when the lock files change) -----------------------------

$(STAMP)/venv: pyproject.toml
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

$(STAMP)/node: $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	@mkdir -p $(STAMP)
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

chromium:
	@if [ -z "$$HAVEN_CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing: install Debian's chromium package (or set HAVEN_CHROMIUM)"; exit 1; \
	  fi; \
	fi

# The web client is rebuilt when a source file, the lock file or a build setting changed.
WEB_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) \
  $(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig*.json)

web: $(FRONTEND)/dist/index.html

$(FRONTEND)/dist/index.html: $(STAMP)/node $(WEB_SOURCES)
	cd $(FRONTEND) && npm run --silent build
	@touch $@

# --- the two commands ------------------------------------------------------------------

run: $(STAMP)/venv web
	$(BIN)/haven db upgrade
	$(BIN)/haven seed-demo
	$(BIN)/haven serve --host $(HOST) --port $(PORT)

# After the quick checks, three lanes run side by side (two cores are enough): the backend
# on SQLite, the backend on PostgreSQL, and the web client's unit tests then browser tests.
# Each lane prints its output when it ends.
test: lint openapi-check web chromium
	@echo "Running the SQLite, PostgreSQL and web client suites side by side..."
	@$(MAKE) --no-print-directory -j3 --output-sync=recurse test-sqlite test-postgres test-web
	@echo "All test suites passed."

# --- parts -----------------------------------------------------------------------------

lint: $(STAMP)/venv $(STAMP)/node
	$(BIN)/ruff check backend tests bench migrations
	$(BIN)/ruff format --check backend tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd $(FRONTEND) && npm run --silent typecheck

openapi: $(STAMP)/venv $(STAMP)/node
	$(BIN)/haven openapi > openapi/openapi.json
	cd $(FRONTEND) && npm run --silent gen:api

openapi-check: $(STAMP)/venv $(STAMP)/node
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(BIN)/haven openapi > "$$tmp/openapi.json"; \
	diff -q openapi/openapi.json "$$tmp/openapi.json" >/dev/null || \
	  { echo "openapi/openapi.json is stale: run 'make openapi'"; exit 1; }; \
	(cd $(FRONTEND) && npx openapi-typescript "$$tmp/openapi.json" -o "$$tmp/schema.d.ts" >/dev/null 2>&1); \
	diff -q $(FRONTEND)/src/api/schema.d.ts "$$tmp/schema.d.ts" >/dev/null || \
	  { echo "frontend/src/api/schema.d.ts is stale: run 'make openapi'"; exit 1; }; \
	echo "OpenAPI contract and generated client types are up to date."

# The two databases' suites run side by side (each prints its output when it ends).
test-backend: $(STAMP)/venv
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: $(STAMP)/venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(STAMP)/venv
	PATH="$(CURDIR)/$(BIN):$$PATH" tests/with-postgres.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

test-web: $(STAMP)/venv $(STAMP)/node
	@$(MAKE) --no-print-directory test-frontend test-e2e

test-frontend: $(STAMP)/node
	cd $(FRONTEND) && npm test --silent

test-e2e: $(STAMP)/venv web chromium
	cd $(FRONTEND) && HAVEN_BIN="$(CURDIR)/$(BIN)/haven" npm run --silent e2e

bench: $(STAMP)/venv
	$(BIN)/python -m bench

clean:
	rm -rf $(STAMP) $(VENV) $(FRONTEND)/node_modules $(FRONTEND)/dist $(FRONTEND)/.e2e
