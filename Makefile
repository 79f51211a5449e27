# netinv: two commands do all the set-up on a fresh machine.
#   make demo   create .venv, install netinv with its extras, run the bundled retail scenario end to end
#   make test   same set-up, then the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test install lint bench clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch is pinned: the CPU build 2.13.0 lies on this machine's disk; any other version pulls CUDA wheels.
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/netinv demo scenarios/retail_network.yaml

# the HTML report's browser test renders the page in Debian's chromium; installed here when missing
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium could not be installed: the HTML report's browser test will be skipped"

# the suite runs on every core (pytest-xdist; worksteal evens out the long tests); TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= auto
test: $(STAMP) chromium
	$(PY) -m pytest -q --durations=30 -n $(TEST_WORKERS) --dist worksteal

lint: $(STAMP)
	$(VENV)/bin/ruff check netinv tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/bench_simulator.py
	$(PY) benchmarks/bench_load.py

clean:
	rm -rf $(VENV) build *.egg-info
