# awsmith developer tasks. Needs only Python 3.11+ and make: the first target that needs
# it installs uv (pinned, with hashes: requirements/uv.txt) into .venv-tools, and uv
# installs every environment from a committed lock, so a clone builds the same
# environment today and next month:
#
#   .venv                 uv.lock                    make demo, make test, make docs
#   .venv-botocore-min    locks/botocore-min/uv.lock make test-botocore-min (part of test)
#   .venv-dist            locks/dist/uv.lock         make dist (part of test)
#   .venv-bench           locks/bench/uv.lock        make bench
#   .venv-latest          no lock: newest releases   make test-latest (not part of test)
#
# Another Python: `make test PYTHON=python3.13` (any target) uses environments of its
# own, named for its version (.venv-3.13, .venv-botocore-min-3.13, ...), so the
# environments of different Pythons live side by side instead of replacing each other.

PYTHON ?= python3
ifeq ($(origin PYTHON),file)
ENV_SUFFIX :=
else
# The interpreter's path (.ci/find-python: python3.13 is found through pyenv even where
# its shim does not run it), and its X.Y names the environments.
override PYTHON := $(shell .ci/find-python '$(PYTHON)')
ifeq ($(PYTHON),)
$(error no Python to run: see the message above)
endif
ENV_SUFFIX := -$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
endif
VENV := .venv$(ENV_SUFFIX)
BIN := $(VENV)/bin
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv

# uv uses the interpreter make was given and never downloads one of its own.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
# A stale lock is an error that says what to run, not a silent re-resolution.
LOCK_HINT := run 'make lock' and commit the refreshed uv.lock files

.PHONY: demo test check test-botocore-min test-latest lock lock-check sync lint typecheck \
	codegen bench docs dist mutation clean

$(UV): requirements/uv.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "awsmith needs Python 3.11+; set PYTHON=python3.11")'
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--require-hashes -r requirements/uv.txt
	touch $(UV)

## Fails, naming the fix, when pyproject.toml (or a lock project's) changed without
## its lock being refreshed.
lock-check: $(UV)
	@$(UV) lock --check --quiet || { echo "uv.lock is out of date with pyproject.toml: $(LOCK_HINT)" >&2; exit 1; }
	@$(UV) lock --check --quiet --project locks/botocore-min || { echo "locks/botocore-min/uv.lock is out of date: $(LOCK_HINT)" >&2; exit 1; }
	@$(UV) lock --check --quiet --project locks/bench || { echo "locks/bench/uv.lock is out of date: $(LOCK_HINT)" >&2; exit 1; }
	@$(UV) lock --check --quiet --project locks/dist || { echo "locks/dist/uv.lock is out of date: $(LOCK_HINT)" >&2; exit 1; }

## .venv (or .venv-X.Y) made exactly as uv.lock says (packages not in the lock are removed).
sync: lock-check
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(VENV) $(UV) sync --locked --quiet --extra dev

## Re-resolves every lock after a change to pyproject.toml: the versions already locked
## are kept where they still fit. `make lock UPGRADE=1` moves everything to the newest.
lock: $(UV)
	$(UV) lock $(if $(UPGRADE),--upgrade)
	$(UV) lock --project locks/botocore-min $(if $(UPGRADE),--upgrade)
	$(UV) lock --project locks/bench $(if $(UPGRADE),--upgrade)
	$(UV) lock --project locks/dist $(if $(UPGRADE),--upgrade)

## Runs the demo against local servers it starts itself (no AWS account needed).
demo: sync
	$(BIN)/python examples/demo.py

## The whole test suite from the locked environment: generated code in sync, lint,
## types, tests, the runtime and unit tests again against the lowest supported
## botocore, and the sdist and wheel built and the wheel tested alone (make dist).
test: sync
	$(MAKE) --no-print-directory check CHECK_BIN=$(BIN)
	$(MAKE) --no-print-directory test-botocore-min
	$(MAKE) --no-print-directory dist

## The checks and tests of `make test`, run by the environment in CHECK_BIN.
CHECK_BIN ?= $(BIN)
check:
	$(CHECK_BIN)/python -m codegen --check
	$(CHECK_BIN)/ruff check .
	$(CHECK_BIN)/mypy
	$(CHECK_BIN)/pyright --pythonpath $(CHECK_BIN)/python
	$(CHECK_BIN)/python -m pytest

## The runtime, unit and differential tests against the lowest botocore awsmith supports
## (pyproject's lower bound): its endpoint rules, credential chain and loaders must keep
## working, and every comparison with botocore must hold there too (what its older
## models lack is stated, not skipped: tests/differential/test_botocore_versions.py).
BOTOCORE_MIN := 1.29.61
MIN_VENV := $(CURDIR)/.venv-botocore-min$(ENV_SUFFIX)

test-botocore-min: lock-check
	UV_PROJECT_ENVIRONMENT=$(MIN_VENV) $(UV) sync --locked --quiet --project locks/botocore-min
	$(MIN_VENV)/bin/python -c 'import botocore, sys; v = botocore.__version__; sys.exit(0 if v == "$(BOTOCORE_MIN)" else f"expected botocore $(BOTOCORE_MIN), got {v}: see locks/botocore-min")'
	$(MIN_VENV)/bin/python -m pytest -p no:cacheprovider tests/runtime tests/unit tests/differential

## The whole suite against the newest releases the registry serves today (no lock):
## how a maintainer learns that a new botocore, ruff or mypy changed something.
## Not part of `make test`; the venv is rebuilt on every run.
LATEST_VENV := .venv-latest$(ENV_SUFFIX)

test-latest: $(UV)
	rm -rf $(LATEST_VENV)
	$(UV) venv --quiet $(LATEST_VENV)
	$(UV) pip install --quiet --refresh --python $(LATEST_VENV)/bin/python \
		--resolution highest -e '.[dev]'
	$(UV) pip list --python $(LATEST_VENV)/bin/python | grep -E '^(botocore|httpx|moto|mypy|pyright|ruff) '
	$(MAKE) --no-print-directory check CHECK_BIN=$(LATEST_VENV)/bin

## Side-by-side benchmark (awsmith, aiobotocore, raw aiohttp), the whole-process cold
## start (benchmarks/coldstart.py), then a 150 MB attachment up and down through nginx
## beside plain httpx and aiohttp (benchmarks/attachments.py); see docs/performance.md.
BENCH_VENV := $(CURDIR)/.venv-bench$(ENV_SUFFIX)

bench: lock-check
	UV_PROJECT_ENVIRONMENT=$(BENCH_VENV) $(UV) sync --locked --quiet --project locks/bench
	$(BENCH_VENV)/bin/python benchmarks/run.py
	$(BENCH_VENV)/bin/python benchmarks/coldstart.py
	$(BENCH_VENV)/bin/python benchmarks/attachments.py

## The sdist and the wheel in dist/, built with the locked tools (locks/dist): the wheel
## built from the sdist must equal the one built from the tree; twine check --strict,
## check-wheel-contents; then the wheel alone, with its runtime dependencies at the
## versions of uv.lock, in a fresh venv of $(PYTHON), passing tests/dist/smoke.py
## (both clients against a stub server of its own). Details: tests/dist/make_dist.py.
DIST_VENV := $(CURDIR)/.venv-dist$(ENV_SUFFIX)

dist: lock-check
	UV_PROJECT_ENVIRONMENT=$(DIST_VENV) $(UV) sync --locked --quiet --project locks/dist
	$(DIST_VENV)/bin/python tests/dist/make_dist.py --uv $(UV) --python $(PYTHON) --out dist

## The documentation site (mkdocs-material + mkdocstrings) into site/, warnings as errors.
## `make test` builds it too (tests/docs), into a temporary directory.
docs: sync
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

## Mutation testing of the runtime's core modules with mutmut (docs/testing.md); not part
## of `make test`: hours of CPU for the whole set. Results are kept in mutants/ and a
## second run tries only the mutants not tried yet; `make mutation MODULES="retry
## adaptive"` (module names under awsmith._core) runs those modules' mutants again.
## One worker at the lowest priority: the machine is shared. The figures per module,
## and every survivor not listed as equivalent in docs/testing.md, are printed last.
MODULES ?=
MUTATION_VENV := $(CURDIR)/.venv-mutation$(ENV_SUFFIX)
mutation: lock-check
	UV_PROJECT_ENVIRONMENT=$(MUTATION_VENV) $(UV) sync --locked --quiet --extra dev --extra mutation
	-nice -n 19 $(MUTATION_VENV)/bin/mutmut run --max-children 1 $(foreach m,$(MODULES),"awsmith._core.$(m).*")
	$(MUTATION_VENV)/bin/python tests/mutation_report.py --survivors --check $(MODULES)

lint: sync
	$(BIN)/ruff check .

typecheck: sync
	$(BIN)/mypy

codegen: sync
	$(BIN)/python -m codegen

## Every environment (of every Python), cache and build output.
clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache .hypothesis mutants dist build \
		src/awsmith.egg-info
