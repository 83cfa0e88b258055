# Set-up and everyday commands. `make demo` and `make test` work on a fresh clone.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev

.PHONY: demo test venv bench lint clean examples

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/airdefense run examples/02_layered_city.yaml --out out/demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

examples: $(STAMP)
	$(BIN)/python -m pytest -q tests/simulation/test_invariants.py -k examples

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -m benchmark -s -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
