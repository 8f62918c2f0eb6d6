# The two commands a reader needs:  make book   (build the HTML)   and   make test   (run every test).
# Both set everything up themselves (virtual environment, pinned packages, data) and are idempotent.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup data mathjax chromium book test unit lint format lab test-variant test-variants test-gpu seed-stress benchmark execute import-md check-html dist clean

# Python and chapter code that ruff lints and formats (line length 88, pyproject.toml)
LINTED := helpers tests scripts benchmarks conftest.py book/[0-9][0-9]-*.ipynb

help:
	@echo "make book      build the HTML book into _build/html (sets up everything first)"
	@echo "make test      lint, unit tests, notebook guards, nbval, warnings-as-errors HTML build, browser test"
	@echo "make unit      the fast loop: lint, unit tests and notebook guards, no chapter executed (under a minute)"
	@echo "make lint      ruff check and ruff format --check; make format applies the formatter"
	@echo "make lab       set up, then open JupyterLab on the chapters"
	@echo "make test-variant  nbval (outcomes within their uncertainty) with ATEN_CPU_CAPABILITY=default, one thread (CI runs it)"
	@echo "make test-variants nbval with each of OMP_NUM_THREADS=1 and ATEN_CPU_CAPABILITY=default"
	@echo "make seed-stress   every chapter's claims re-checked with 5+ other seeds (report: _build/seed-stress.md)"
	@echo "make benchmark     set-up, build, chapter and trainer timings into BENCHMARKS.md (about 9 min)"
	@echo "make execute   re-execute notebooks in place (NB=book/NAME.ipynb for one), regenerate twins"
	@echo "make import-md NB=book/NAME.ipynb  take an edited md/NAME.md twin into its notebook"
	@echo "make test-gpu  every chapter on CUDA: nbval in lax mode, so all in-notebook asserts run"
	@echo "make dist      the built HTML as one archive (dist/), browser-tested after unpacking"
	@echo "make check-html  browser test of the built book, plus laptop/phone screenshots in _build/screenshots"
	@echo "make clean     remove _build (keeps the environment)"

setup: $(STAMP) data mathjax chromium

$(STAMP): requirements.lock requirements-nodeps.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found. The pinned set is tested on Python 3.11;" \
	  "install it (Debian: apt-get install python3.11 python3.11-venv) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

data: $(STAMP)
	@PY=$(BIN)/python bash scripts/get-data.sh

mathjax:
	@bash scripts/get-mathjax.sh

chromium:
	@bash scripts/get-chromium.sh

# A build for the public repository gets its repository, Binder and Colab buttons:
#   make book REPOSITORY_URL=https://github.com/OWNER/NAME   (the default build has none)
REPOSITORY_URL ?=
PUBLISH_CONFIG := _build/publish-config.yml
BUILD = $(if $(REPOSITORY_URL),$(BIN)/python scripts/publish_config.py $(REPOSITORY_URL) $(PUBLISH_CONFIG) && )$(BIN)/jupyter-book build . --all -W -n --keep-going $(if $(REPOSITORY_URL),--config $(PUBLISH_CONFIG))
CHECK_HTML = $(BIN)/python scripts/check_html.py $(if $(REPOSITORY_URL),--repository $(REPOSITORY_URL))

book: setup
	$(BUILD)
	@echo "Open _build/html/index.html in a browser."

# Tests and chapters run side by side, one pytest-xdist worker per CPU (--dist loadscope keeps
# a notebook's cells together, in order, on one worker), each on one thread: the chapters' small
# tensors gain little from a second thread, and two chapters at once run almost twice as fast.
# The stored outputs come from two threads, so this also checks another thread count. The
# slowest chapter starts first (conftest.py orders it ahead, --no-loadscope-reorder keeps that).
PARALLEL := OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n auto --dist loadscope --no-loadscope-reorder

test: setup lint
	$(PARALLEL)
	$(BUILD) --quiet
	$(CHECK_HTML) _build/html

# The built HTML as one archive that works offline from file:// (browser-tested unpacked).
DIST := dist/scale-in-training-html.tar.gz
dist: book
	@mkdir -p dist && rm -rf _build/dist-check
	tar -czf $(DIST) -C _build html
	mkdir -p _build/dist-check && tar -xzf $(DIST) -C _build/dist-check
	$(CHECK_HTML) _build/dist-check/html
	@echo "$(DIST): the book's HTML; unpack it and open html/index.html"

# two workers, one thread each, as make test runs them
unit: $(STAMP) lint
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 tests

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: $(STAMP)
	$(BIN)/ruff format $(LINTED)

lab: setup
	$(BIN)/jupyter lab book/

# Another thread count and another CPU code path must reproduce the stored outputs too: strict nbval
# with one OpenMP thread and torch's generic (non-vectorised) kernels. CI runs this after make test.
test-variant: setup
	ATEN_CPU_CAPABILITY=default $(PARALLEL) book

# Maintainer check: each variant on its own, strictly.
test-variants: setup
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest book
	ATEN_CPU_CAPABILITY=default $(BIN)/python -m pytest book

seed-stress: setup
	$(BIN)/python scripts/seed_stress.py

benchmark: setup
	$(BIN)/python benchmarks/run.py

test-gpu: setup
	SCALEBOOK_DEVICE=cuda $(BIN)/python -m pytest tests book -p no:randomly \
	  --override-ini addopts="--nbval-lax --nbval-current-env"

execute: setup
	$(BIN)/python scripts/execute_notebooks.py $(NB)

# The notebook is the source of a chapter (MAINTAINERS.md). An edited Markdown twin is brought
# into its notebook only on request: inputs from md/NAME.md, outputs kept; then make execute.
import-md: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make import-md NB=book/NN-name.ipynb"; exit 2; }
	$(BIN)/jupytext --quiet --update --to ipynb --output $(NB) md/$(basename $(notdir $(NB))).md

check-html: book
	$(CHECK_HTML) _build/html --screenshots _build/screenshots

clean:
	rm -rf _build
