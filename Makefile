# Two commands do everything on a fresh machine:
#   make run    the whole system locally (emulator, tables, API on :8080)
#   make test   the whole test suite (lint, unit, integration, coverage)

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Lambda runs python3.12, so the venv prefers it; pyenv keeps it off PATH here.
PYTHON ?= $(shell for candidate in python3.12 $$(ls -d $$HOME/.pyenv/versions/3.12*/bin/python3 2>/dev/null | sort -V | tail -n 1) python3; do \
	"$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo "$$candidate"; break; }; done)

.PHONY: run test lint bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11+ not found"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m infra.local.run

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test: $(VENV)/.installed lint
	$(PY) -m pytest

bench: $(VENV)/.installed
	$(PY) -m bench.cold_start
	$(PY) -m bench.api_latency

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage coverage.xml htmlcov test-artifacts
