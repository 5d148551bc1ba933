# The two commands of the README: `make demo` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint assets setup-app setup-test browser scanner clean

demo: setup-app assets
	$(BIN)/bordercase demo

test: setup-test assets browser scanner
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n auto --dist worksteal

lint: setup-test
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "bordercase needs Python 3.11 or newer: run with PYTHON=python3.11 (or newer), e.g. make PYTHON=python3.12 demo"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.app-installed

setup-app: $(VENV)/.app-installed
setup-test: $(VENV)/.test-installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: node_modules/.package-lock.json
	npm run --silent build

browser:
	@scripts/ensure-chromium

# The upload tests start ClamAV's daemon of their own.
scanner:
	@scripts/ensure-clamav

clean:
	rm -rf $(VENV) node_modules src/bordercase/web/static/bordercase/build test-artifacts
