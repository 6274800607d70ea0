# EvalOrg: `make run` serves the demo, `make test` runs every test (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= 2
export DJANGO_SETTINGS_MODULE := evalorg.settings

.PHONY: help setup run test test-sqlite test-postgres test-browser lint format bench clean

help:
	@echo "make run   - set up, migrate, load reference and demo data, serve http://127.0.0.1:8000"
	@echo "             (with the task worker and run_sweeps every 5 minutes)"
	@echo "make test  - set up and run lint + the whole suite (SQLite, PostgreSQL, Chromium)"
	@echo "make lint  - ruff check and ruff format --check"

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

setup: .venv/.synced
	mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_reference_data

run: setup
	$(PY) manage.py load_demo
	@echo "Serving http://127.0.0.1:8000 with the task worker and sweeps every 5 minutes (Ctrl-C stops all)"
	PY=$(PY) scripts/run-dev.sh

lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: .venv/.synced
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

test: setup lint test-sqlite test-postgres

test-sqlite: .venv/.synced
	@echo "== pytest on SQLite (with browser tests in headless Chromium)"
	env -u DATABASE_URL .venv/bin/pytest -n $(PYTEST_WORKERS) -q

test-postgres: .venv/.synced
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== pytest on PostgreSQL ($(PG_URL))"; \
	  DATABASE_URL=$(PG_URL) .venv/bin/pytest -n $(PYTEST_WORKERS) -q -m "not browser"; \
	else \
	  echo "== PostgreSQL not reachable at $(PG_URL): skipped (CI starts it)"; \
	fi

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf .venv .tools var/static
