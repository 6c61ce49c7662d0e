# Set-up and entry points. `make demo` and `make test` work on a fresh machine:
# they create .venv, install the project with its dev extra, then run.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench system-deps clean prosimos

$(STAMP): setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

# Prosimos (the BPMN simulator the interoperability tests run our exports in) pins its
# own numpy and pandas, so it lives in a venv of its own; tests/interop finds it here.
PROSIMOS_VENV ?= .venv-prosimos
PROSIMOS_VERSION = 2.1.0

$(PROSIMOS_VENV)/.installed:
	python3 -m venv $(PROSIMOS_VENV)
	$(PROSIMOS_VENV)/bin/python -m pip install -q --upgrade pip
	$(PROSIMOS_VENV)/bin/python -m pip install -q prosimos==$(PROSIMOS_VERSION)
	touch $@

prosimos: $(PROSIMOS_VENV)/.installed

# Graphviz draws the process maps of the mining report; Chromium and its driver open every
# report in a real browser in the tests (tests/odsc/test_browser.py); a font with Lao glyphs
# other than DejaVu Sans (Debian's fonts-lao: Phetsarath OT) lets browsers and
# Graphviz draw Lao names;
# install what is missing when we are allowed to (root or passwordless sudo).
SYSTEM_PACKAGES = $(if $(shell command -v dot),,graphviz) \
  $(if $(shell fc-list :lang=lo family 2>/dev/null | grep -iv dejavu),,fonts-lao) \
  $(if $(shell command -v chromium),,chromium) \
  $(if $(shell command -v chromedriver),,chromium-driver)

system-deps:
	@missing="$(strip $(SYSTEM_PACKAGES))"; [ -z "$$missing" ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  elif sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing $$missing: process maps are drawn without Graphviz, Lao names may show as boxes"; fi; }

demo: $(STAMP) system-deps
	$(VENV)/bin/odsc demo -o out/demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# The notebooks run once, inside the suite (tests/test_notebooks.py checks their figures).
test: $(STAMP) prosimos system-deps lint
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) bench/bench_mining.py
	$(PY) bench/bench_simulation.py
	$(PY) bench/bench_waiting_causes.py
	$(PY) bench/bench_optimize.py
	$(PY) bench/bench_xes.py
	$(PY) bench/bench_programme.py

clean:
	rm -rf out build *.egg-info
