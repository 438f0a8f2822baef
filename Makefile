# awsmith developer tasks. Needs only Python 3.11+ and make; everything else is
# installed into .venv by the first target that needs it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-botocore-min lint typecheck codegen bench docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "awsmith needs Python 3.11+; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Runs the demo against local servers it starts itself (no AWS account needed).
demo: $(STAMP)
	$(BIN)/python examples/demo.py

## The whole test suite: generated code in sync, lint, types, tests, and the runtime
## and unit tests again against the lowest supported botocore.
test: $(STAMP)
	$(BIN)/python -m codegen --check
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pyright
	$(BIN)/python -m pytest
	$(MAKE) test-botocore-min

BENCH_STAMP := .venv-bench/.installed

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet --upgrade pip
	.venv-bench/bin/python -m pip install --quiet -e . aiobotocore
	touch $(BENCH_STAMP)

## Side-by-side benchmark (awsmith, aiobotocore, raw aiohttp); see docs/performance.md.
bench: $(BENCH_STAMP)
	.venv-bench/bin/python benchmarks/run.py

## The runtime and unit tests against the lowest botocore awsmith supports (pyproject's
## lower bound): its endpoint rules, credential chain and loaders must keep working.
BOTOCORE_MIN := 1.29.61
MIN_VENV := .venv-botocore-min
MIN_STAMP := $(MIN_VENV)/.installed-$(BOTOCORE_MIN)

$(MIN_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "awsmith needs Python 3.11+; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(MIN_VENV)/bin/python -m pip install --quiet -e '.[dev]' 'botocore==$(BOTOCORE_MIN)'
	touch $(MIN_STAMP)

test-botocore-min: $(MIN_STAMP)
	$(MIN_VENV)/bin/python -c 'import botocore, sys; v = botocore.__version__; sys.exit(0 if v == "$(BOTOCORE_MIN)" else f"expected botocore $(BOTOCORE_MIN), got {v}")'
	$(MIN_VENV)/bin/python -m pytest -p no:cacheprovider tests/runtime $(wildcard tests/unit)

## The documentation site (mkdocs-material + mkdocstrings) into site/, warnings as errors.
## `make test` builds it too (tests/docs), into a temporary directory.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

codegen: $(STAMP)
	$(BIN)/python -m codegen

clean:
	rm -rf $(VENV) .venv-bench .pytest_cache .mypy_cache .ruff_cache .hypothesis
