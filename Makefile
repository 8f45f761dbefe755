# The project's interface: operators, CI and later issues rely on these target names.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench stop clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

run: setup
	$(PY) manage.py runsite

# Tests keep their blobs apart from the site's (they share the embedded PostgreSQL
# cluster, in a database of their own).
test: setup lint
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
