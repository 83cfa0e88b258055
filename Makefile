# Set-up and everyday commands. `make demo` and `make test` work on a fresh clone.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXTRAS ?= dev

.PHONY: demo test venv bench lint clean examples browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/airdefense run examples/02_layered_city.yaml --out out/demo

# The report test loads the HTML report in Debian's headless chromium: installed here when
# missing (apt-get, with sudo when not root). Where it cannot be installed the test is skipped
# outside CI and fails in CI (CI=1).
browser:
	@test -x /usr/bin/chromium || { \
	  SUDO=""; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi; \
	  echo "installing Debian's chromium for the report's browser test"; \
	  { $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	    && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || echo "warning: chromium could not be installed: the browser test is skipped (fails in CI)"; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

examples: $(STAMP)
	$(BIN)/python -m pytest -q tests/simulation/test_invariants.py -k examples

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -m benchmark -s -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) out .pytest_cache
