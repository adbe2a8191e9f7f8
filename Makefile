# ownstack: `make run` starts the server on the embedded default, `make test` runs the tests.
# Both create .venv and install what they need on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench coverage-doc clean venv runtimes

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

# Lambda's managed runtimes: AWS's runtime interface clients and SDKs at pinned versions, for each
# python3.10-3.13 and node 18/20/22 found on this host, in $OWNSTACK_RUNTIMES_DIR (default
# ~/.cache/ownstack/runtimes). `make test` and `make run` install them once (the stamp) and go on
# if one fails (its functions are refused, its tests skip); `make runtimes` fails loudly.
RUNTIMES_DIR := $(or $(OWNSTACK_RUNTIMES_DIR),$(HOME)/.cache/ownstack/runtimes)
RUNTIMES_STAMP := $(RUNTIMES_DIR)/.installed
RUNTIMES_SRC := src/ownstack/backends/process/runtimes
RUNTIME_PINS := $(RUNTIMES_SRC)/bundles.py $(wildcard $(RUNTIMES_SRC)/python/*.txt $(RUNTIMES_SRC)/nodejs/*)

$(RUNTIMES_STAMP): $(STAMP) $(RUNTIME_PINS)
	@mkdir -p $(RUNTIMES_DIR)
	@if $(BIN)/python -m ownstack.backends.process.runtimes install; then touch $@; \
	else echo "runtimes: not all installed (see above): their functions are refused, tests skip"; fi

runtimes: $(STAMP)
	$(BIN)/python -m ownstack.backends.process.runtimes install
	@mkdir -p $(RUNTIMES_DIR) && touch $(RUNTIMES_STAMP)

run: $(STAMP) $(RUNTIMES_STAMP)
	$(BIN)/ownstack serve

# Two workers (pytest-xdist), each test file kept on one worker so module-scoped servers are
# started once: the suite mostly waits on server processes, so two workers halve its time.
test: $(STAMP) $(RUNTIMES_STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	@# Installed packages start from bytecode; an editable install would compile every module at
	@# each start (none is written where PYTHONDONTWRITEBYTECODE is set), and bench times starts.
	$(BIN)/python -m compileall -q src
	$(BIN)/python -m benchmarks.run

coverage-doc: $(STAMP)
	$(BIN)/python scripts/gen_coverage.py > docs/coverage.md

clean:
	rm -rf $(VENV) .ownstack .pytest_cache .mypy_cache .ruff_cache
