# Emerald: `make run` starts the demo, `make test` runs every test. Both set up .venv on first use.
# Recipes use tabs. Override the interpreter with `make PYTHON=python3.12 ...`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.emerald-installed
PORT   ?= 8000
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help install run test test-sqlite lint bench messages reset-demo clean

help:
	@echo "make run         set up .venv if needed, migrate, load the Oz demo into an empty database, serve on 127.0.0.1:\$$PORT (8000)"
	@echo "make test        every test on SQLite, then on PostgreSQL if one answers (ARGS=... goes to pytest)"
	@echo "make test-sqlite every test on SQLite only"
	@echo "make lint        ruff"
	@echo "make bench       every bench/*.py at --scale small"
	@echo "make messages    compile the translations (.po -> .mo) of every app"
	@echo "make reset-demo  delete the local SQLite database (var/), so the next 'make run' loads the demo afresh"

# The venv is (re)installed when pyproject.toml changes; otherwise this is a no-op.
$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  echo "Creating $(VENV) with $$($(PYTHON) --version 2>&1)"; \
	  $(PYTHON) -m venv $(VENV) || { \
	    echo "ERROR: '$(PYTHON) -m venv' failed. On Debian/Ubuntu: sudo apt-get install python3-venv" >&2; \
	    rm -rf $(VENV); exit 1; }; \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(BIN)/emerald run

test: $(STAMP)
	$(BIN)/python scripts/test.py $(ARGS)

test-sqlite: $(STAMP)
	env -u EMERALD_DATABASE_URL $(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	@set -e; found=0; for f in bench/*.py; do \
	  [ -e "$$f" ] || continue; found=1; \
	  echo "=== $$f --scale small"; $(BIN)/python "$$f" --scale small; \
	done; [ $$found = 1 ] || echo "No benchmarks in bench/ yet (see bench/README.md)."

# Per app, from inside the app (never the repository root, which would also walk .venv).
messages: $(STAMP)
	@set -e; for d in emerald/*/locale; do \
	  [ -d "$$d" ] || continue; app=$${d%/locale}; echo "compilemessages: $$app"; \
	  (cd "$$app" && env -u DJANGO_SETTINGS_MODULE $(CURDIR)/$(BIN)/django-admin compilemessages --ignore=.venv -v 0); \
	done

reset-demo:
	rm -f var/emerald.sqlite3 var/emerald.sqlite3-wal var/emerald.sqlite3-shm
	@echo "Removed the local SQLite database; 'make run' will load the Oz demo again."

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
