# ownstack: `make run` starts the server on the embedded default, `make test` runs the tests.
# Both create .venv and install what they need on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check bench coverage-doc clean venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/ownstack serve

# Two workers (pytest-xdist), each test file kept on one worker so module-scoped servers are
# started once: the suite mostly waits on server processes, so two workers halve its time.
test: $(STAMP)
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
