# Two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
OUT ?= out

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/territoria --db $(OUT)/territoria.duckdb run --output-dir $(OUT)

# every core; a file's tests stay on one worker (module fixtures and the order of a file's tests); files go
# out heaviest first (tests/durations.json, tests/file_order.py), not in xdist's order of test counts.
# Bytecode is written even where the environment says PYTHONDONTWRITEBYTECODE: the suite starts dozens of
# Python processes (CLI runs, Dask workers, fuzz targets), and each would otherwise compile the package again.
test: $(STAMP_TEST)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -q -n auto --dist loadfile --no-loadscope-reorder

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks scripts

bench: $(STAMP_TEST)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(OUT)
