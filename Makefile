# Patron — the two commands a newcomer needs:
#   make demo   set everything up and serve the demo on http://127.0.0.1:8000
#   make test   lint, type checks and the whole suite on SQLite, then on PostgreSQL
# Stamp files inside .venv/ and node_modules/ make re-runs fast.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
.NOTPARALLEL:

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PATRON := $(BIN)/patron
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
DEMO_ARGS ?=
PG_URL ?= postgres://postgres@127.0.0.1:5432/patron

export PATRON_DATA_DIR ?= $(CURDIR)/var
# Playwright's sync API runs an event loop in the test thread; let the ORM work beside it.
PYTEST := DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -n $(PYTEST_WORKERS)

ECHARTS := patron/web/static/vendor/echarts/echarts.min.js
I18N_IGNORE := --ignore=.venv --ignore=node_modules --ignore=var --ignore=bench --ignore=tests

# Debian packages, installed only when the file is missing (PATH=PACKAGE).
APT_DEMO := /usr/bin/msgfmt=gettext
APT_TEST := $(APT_DEMO) /usr/bin/chromium=chromium \
	/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc=fonts-noto-cjk \
	/usr/bin/pg_ctlcluster=postgresql

.PHONY: help demo test install install-dev assets compilemessages system-demo system-test \
	postgres lint typecheck checks test-sqlite test-postgres bench messages clean clean-data

help:
	@echo "make demo          set up and serve the demo world on http://127.0.0.1:8000"
	@echo "make test          lint, type checks, the suite on SQLite and PostgreSQL (what CI runs)"
	@echo "make lint          ruff check, ruff format --check, import-linter"
	@echo "make typecheck     mypy patron config"
	@echo "make checks        makemigrations --check, check --deploy with production settings"
	@echo "make test-sqlite   the suite on SQLite          (PYTEST_ARGS='-k x' to filter)"
	@echo "make test-postgres the suite on PostgreSQL      (PG_URL=$(PG_URL))"
	@echo "make bench         benchmarks (bench/run_all.py)"
	@echo "make messages      extract translatable strings for en and zh_Hans"
	@echo "make clean         remove .venv, node_modules, vendored assets and caches (keeps var/)"
	@echo "make clean-data    remove the demo data folder $(PATRON_DATA_DIR)"

# --- the two commands ---------------------------------------------------------------------

demo: system-demo install assets compilemessages
	$(PATRON) demo $(DEMO_ARGS)

test: system-test install-dev assets compilemessages postgres lint typecheck checks \
	test-sqlite test-postgres

# --- environment --------------------------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.stamp-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.stamp-runtime

install: $(VENV)/.stamp-runtime
install-dev: $(VENV)/.stamp-dev

node_modules/.stamp: package.json $(wildcard package-lock.json)
	if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; \
	else npm install --no-audit --no-fund; fi
	touch $@

$(ECHARTS): node_modules/.stamp
	scripts/vendor-assets.sh

assets: $(ECHARTS)

compilemessages: install
	@if [ -d patron/locale ]; then $(PATRON) compilemessages $(I18N_IGNORE); \
	else echo "compilemessages: no patron/locale yet, nothing to compile"; fi

system-demo:
	scripts/apt-ensure.sh $(APT_DEMO)

system-test:
	scripts/apt-ensure.sh $(APT_TEST)

postgres:
	scripts/ensure-postgres.sh

# --- gates --------------------------------------------------------------------------------

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy patron config

checks: install
	$(PATRON) makemigrations --check --dry-run
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	PATRON_DEBUG=0 PATRON_SECURE_COOKIES=1 PATRON_HSTS_SECONDS=31536000 PATRON_SSL_REDIRECT=1 \
	PATRON_ALLOWED_HOSTS=patron.example.com \
	PATRON_CSRF_TRUSTED_ORIGINS=https://patron.example.com \
		$(PATRON) check --deploy --fail-level WARNING

test-sqlite: install-dev assets
	env -u DATABASE_URL $(PYTEST) $(PYTEST_ARGS)

test-postgres: install-dev assets postgres
	DATABASE_URL=$(PG_URL) $(PYTEST) $(PYTEST_ARGS)

# --- other tools --------------------------------------------------------------------------

bench: install-dev
	@if [ -f bench/run_all.py ]; then $(BIN)/python bench/run_all.py; \
	else echo "bench: no bench/run_all.py yet"; fi

messages: install system-demo
	$(PATRON) makemessages -l en -l zh_Hans $(I18N_IGNORE)

clean:
	rm -rf $(VENV) node_modules patron/web/static/vendor .mypy_cache .ruff_cache \
		.pytest_cache test-results
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

clean-data:
	rm -rf $(PATRON_DATA_DIR)
