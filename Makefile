# Two commands do all set-up on a fresh machine:
#   make lab    creates .venv, installs studio, opens JupyterLab on the first notebook
#   make test   creates .venv with the test extras, runs lint and every test layer
# Both are idempotent: a second run reuses .venv and only reinstalls when
# pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NOTEBOOK ?= notebooks/00_start_here.ipynb
PORT   ?= 8888

.PHONY: lab test lint unit browser-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.lab-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.lab-installed

# numba compiles a kernel on its first call; doing it here once (and again when a
# kernel's source changes) spares a learner seconds on each processor's first use.
$(VENV)/.kernels-compiled: $(VENV)/.lab-installed $(wildcard studio/dsp/*.py)
	$(BIN)/python tools/compile_kernels.py
	touch $@

lab: $(VENV)/.lab-installed $(VENV)/.kernels-compiled
	$(BIN)/python tools/lab.py --notebook $(NOTEBOOK) --port $(PORT)

browser-deps:
	@bash tools/ensure_browser.sh

lint: $(VENV)/.test-installed
	$(BIN)/ruff check studio tests benchmarks tools notebooks
	$(BIN)/ruff format --check studio tests benchmarks tools
	$(BIN)/mypy

# The tests compile kernels as a learner's first `make lab` does, so the browser tests
# time what a learner sees (their first notebook run finds the kernels compiled).
test: $(VENV)/.test-installed browser-deps lint $(VENV)/.kernels-compiled
	$(BIN)/python -m pytest

unit: $(VENV)/.test-installed
	$(BIN)/python -m pytest -m "not browser and not notebook"

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-artifacts
