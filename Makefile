# ownstack: `make run` starts the server on the embedded default, `make test` runs the tests.
# Both create .venv and install what they need on first use: `make run` only the server's own
# dependencies (RUN_STAMP), `make test`/`check`/`bench` the dev tools too (STAMP). Either may come
# first on the same .venv: the dev install includes the server's, so it stamps both.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: run test test-quick check bench coverage-doc config-doc clean venv runtimes

$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@if [ $(STAMP) -nt pyproject.toml ]; then :; else $(BIN)/pip install -q -e .; fi
	@touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP) $(RUN_STAMP)

venv: $(STAMP)

# Lambda's managed runtimes: AWS's runtime interface clients and SDKs at pinned versions, for each
# python3.10-3.13 and node 18/20/22 found on this host, in $OWNSTACK_RUNTIMES_DIR (default
# ~/.cache/ownstack/runtimes). `make test` installs them once (the stamp) and goes on if one fails
# (its functions are refused, its tests skip); `make runtimes` fails loudly. `make run` does not
# wait for them (a Node.js build takes minutes): when they are not current it installs them in the
# background, niced, logging to RUNTIMES_LOG. Until a runtime is ready CreateFunction refuses it
# with the reason; once ready it works without a restart (each create and cold start reads the
# bundle). Installs lock per runtime, so a `make test` or `make runtimes` meanwhile waits for it.
RUNTIMES_DIR := $(or $(OWNSTACK_RUNTIMES_DIR),$(HOME)/.cache/ownstack/runtimes)
RUNTIMES_STAMP := $(RUNTIMES_DIR)/.installed
RUNTIMES_SRC := src/ownstack/backends/process/runtimes
RUNTIME_PINS := $(RUNTIMES_SRC)/bundles.py $(wildcard $(RUNTIMES_SRC)/python/*.txt $(RUNTIMES_SRC)/nodejs/*)
RUNTIMES_LOG := $(RUNTIMES_DIR)/background-install.log

$(RUNTIMES_STAMP): $(RUN_STAMP) $(RUNTIME_PINS)
	@mkdir -p $(RUNTIMES_DIR)
	@if $(BIN)/python -m ownstack.backends.process.runtimes install; then touch $@; \
	else echo "runtimes: not all installed (see above): their functions are refused, tests skip"; fi

runtimes: $(RUN_STAMP)
	$(BIN)/python -m ownstack.backends.process.runtimes install
	@mkdir -p $(RUNTIMES_DIR) && touch $(RUNTIMES_STAMP)

# The runtimes are current when their stamp is newer than the install and the pins (checked in
# the shell: a sub-make line would run even under `make -n`). A background job of make's
# non-interactive shell ignores SIGINT: stopping the server with ^C leaves an install running to
# its end (interrupting it is safe too: bundles are renamed into place whole).
run: $(RUN_STAMP)
	@if [ -f $(RUNTIMES_STAMP) ] && \
	[ -z "$$(find $(RUN_STAMP) $(RUNTIME_PINS) -newer $(RUNTIMES_STAMP))" ]; then :; else \
	mkdir -p $(RUNTIMES_DIR); \
	echo "Lambda runtimes: installing in the background (log: $(RUNTIMES_LOG))"; \
	(nice $(BIN)/python -m ownstack.backends.process.runtimes install && touch $(RUNTIMES_STAMP)) \
	>$(RUNTIMES_LOG) 2>&1 </dev/null & fi
	$(BIN)/ownstack serve

# docs/testing.md. Five workers (pytest-xdist) on two cores: much of the suite waits on servers,
# restarts and clocks, and the other workers use that time (with four, the cores stood half idle
# while the slow files waited: 6.2 min against 5.4). Each test file stays on one worker (its
# module-scoped servers start once); files go out in the order tests/suiteplan.py gives them,
# the long ones first. Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: every test
# server would otherwise compile ownstack anew, and every worker rewrite the test modules'
# asserts anew (__pycache__ is ignored by git).
TEST_WORKERS ?= 5
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q --dist loadfile

test: $(STAMP) $(RUNTIMES_STAMP)
	$(PYTEST) -n $(TEST_WORKERS) --no-loadscope-reorder $(PYTEST_ARGS)

# The inner loop (under 90 s): stops at the first failure and leaves out what only `make test`
# runs: slow and clients tests, tests starting servers of their own, non-default engines. It
# waits less than the whole suite does, so three workers suffice (each collects the suite);
# having no long file, it keeps xdist's own order (files of most tests first).
QUICK_WORKERS ?= 3
QUICK_SKIPS := not slow and not clients and not own_server and not engine_matrix
test-quick: $(STAMP) $(RUNTIMES_STAMP)
	$(PYTEST) -n $(QUICK_WORKERS) -x -m "$(QUICK_SKIPS)" $(PYTEST_ARGS)

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

config-doc: $(RUN_STAMP)
	$(BIN)/python scripts/gen_config_doc.py > docs/configuration.md

# Tools' caches and the venv only: a data dir (./.ownstack of older versions) holds user data.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
