# Set-up and entry points. `make demo` and `make test` work on a fresh machine:
# they create .venv, install the project with its dev extra, then run.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench system-deps clean

$(STAMP): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Graphviz draws the process maps of the mining report; install it when missing
# and when we are allowed to (root or passwordless sudo).
system-deps:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq graphviz >/dev/null; \
	  else echo "graphviz (dot) is missing: process maps will be drawn without it"; fi; }

demo: $(STAMP) system-deps
	$(VENV)/bin/odsc demo -o out/demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) system-deps lint
	$(PY) -m pytest -q
	$(PY) -m pytest -q --nbmake notebooks

bench: $(STAMP)
	$(PY) bench/bench_mining.py
	$(PY) bench/bench_simulation.py

clean:
	rm -rf out build *.egg-info
