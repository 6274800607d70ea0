# EvalOrg: `make run` serves the demo, `make test` runs every test (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= 2
# The type checker; point it elsewhere to run one outside the project's venv (MYPY=/path/mypy).
MYPY ?= .venv/bin/mypy
export DJANGO_SETTINGS_MODULE := evalorg.settings

.PHONY: help sysdeps setup run test test-sqlite test-postgres test-browser lint typecheck format bench clean \
	bench-lists bench-docs bench-bank bench-surge bench-throughput bench-transitions bench-rankings \
	bench-letters

help:
	@echo "make run   - set up, migrate, load reference and demo data, serve http://127.0.0.1:8000"
	@echo "             (RUN_ADDR=0.0.0.0:8000 make run: another address)"
	@echo "             (with the task worker and run_sweeps every 5 minutes)"
	@echo "make test  - set up and run lint + the whole suite (SQLite, PostgreSQL, Chromium)"
	@echo "make lint  - ruff check, ruff format --check, make typecheck and the migration linter"
	@echo "make typecheck - mypy with django-stubs (pyproject [tool.mypy]: strict on evalorg/core and the transitions)"
	@echo "make bench-lists | bench-docs | bench-bank | bench-surge | bench-throughput - issue 12 benchmarks"
	@echo "make bench-transitions - issue 18: audited writes on 8 cases in parallel"
	@echo "make bench-rankings - issue 24: both rankings and decision POSTs at 1,000 and 10,000 cases"
	@echo "make bench-letters - issue 21: login and staff pages while a batch of 100 letters renders"
	@echo "make sysdeps - install Chromium and the CJK fonts with apt when missing (setup runs it)"

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

# System packages the browser tests and the PDFs need: installed when running as root (CI, a
# container), otherwise the exact command is printed and make stops.
sysdeps:
	@need=""; \
	command -v chromium >/dev/null 2>&1 || need="$$need chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need="$$need fonts-noto-cjk"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "== apt-get install$$need"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	  else \
	    echo "Missing system packages:$$need. Run:" >&2; \
	    echo "  sudo apt-get install -y chromium fonts-noto-cjk" >&2; \
	    exit 1; \
	  fi; \
	fi

setup: sysdeps .venv/.synced
	mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_reference_data

run: setup
	$(PY) manage.py load_demo
	PY=$(PY) scripts/run-dev.sh

lint: .venv/.synced typecheck
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(PY) manage.py lint_migrations -v0

# mypy and the django-stubs plugin (they import the settings): strict on evalorg/core and every
# evalorg/*/transitions.py, the other modules analysed but not yet reported ([tool.mypy]).
typecheck: .venv/.synced
	$(MYPY)

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
	elif [ "$${EVALORG_REQUIRE_PG:-0}" != 0 ]; then \
	  echo "== PostgreSQL not reachable at $(PG_URL) and EVALORG_REQUIRE_PG is set: failing" >&2; \
	  exit 1; \
	else \
	  echo "== PostgreSQL not reachable at $(PG_URL): skipped (set EVALORG_REQUIRE_PG=1 to fail; CI does)"; \
	fi

bench: setup
	$(PY) bench/run.py

# Benchmarks of issue 12 (figures in docs/performance.md). Not tests: each prints its figures
# and exits non-zero when a target is missed. SURGE_PG_URL names a database that is dropped
# and created again (never `test`).
SURGE_PG_URL ?= postgres://postgres@127.0.0.1:5432/helper_bench_surge
THROUGHPUT_PG_URL ?= postgres://postgres@127.0.0.1:5432/helper_bench_throughput
TRANSITIONS_PG_URL ?= postgres://postgres@127.0.0.1:5432/helper_bench_transitions
LETTERS_PG_URL ?= postgres://postgres@127.0.0.1:5432/helper_bench_letters

bench-lists: setup
	$(PY) bench/lists.py

bench-rankings: setup
	$(PY) bench/rankings.py --sizes 1000
	$(PY) bench/rankings.py --sizes 10000

bench-docs: setup
	$(PY) bench/docs.py
	$(PY) bench/exports.py

bench-bank: setup
	$(PY) bench/banks.py

bench-surge: setup
	$(PY) bench/surge.py --pg-url $(SURGE_PG_URL)

bench-throughput: setup
	$(PY) bench/throughput.py --pg-url $(THROUGHPUT_PG_URL)

bench-transitions: setup
	$(PY) bench/transitions.py --pg-url $(TRANSITIONS_PG_URL)

bench-letters: setup
	$(PY) bench/letters.py --pg-url $(LETTERS_PG_URL)

clean:
	rm -rf .venv .tools var/static
