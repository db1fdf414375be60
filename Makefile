# The README's two commands: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint kernels snapshot-update screenshots bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/kvm-workbench

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Real kernel sources for tests/realsrc (Debian linux-source-6.1/6.12, cached outside the repo;
# prints why and succeeds when apt is unavailable, and the tests then skip).
kernels: $(VENV)/.installed-test
	$(BIN)/python tests/realsrc/fetch_kernels.py

test: lint kernels
	$(BIN)/python -m pytest -q

snapshot-update: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q tests/snapshots --snapshot-update

screenshots: $(VENV)/.installed
	$(BIN)/kvm-workbench screenshots --out screenshots

# The CLI fuzzer at full length (make test runs a bounded number of its examples).
fuzz: $(VENV)/.installed-test
	FUZZ_EXAMPLES=100000 FUZZ_SEED=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_fuzz.py

bench: $(VENV)/.installed
	$(BIN)/python bench/history.py
	$(BIN)/python bench/sim.py
	$(BIN)/python bench/facts.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/fixes.py

clean:
	rm -rf $(VENV)
