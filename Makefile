# The two commands a reader needs:  make book   (build the HTML)   and   make test   (run every test).
# Both set everything up themselves (virtual environment, pinned packages, data) and are idempotent.

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: help setup data mathjax book test test-gpu execute sync check-html clean

help:
	@echo "make book      build the HTML book into _build/html (sets up everything first)"
	@echo "make test      unit tests, notebook drift checks, strict nbval, warnings-as-errors HTML build"
	@echo "make execute   re-execute notebooks in place (NB=book/NAME.ipynb for one) and refresh twins"
	@echo "make test-gpu  every chapter on CUDA: nbval in lax mode, so all in-notebook asserts run"
	@echo "make check-html  open every built page in headless Chromium (maths typeset, images, links)"
	@echo "make clean     remove _build (keeps the environment)"

setup: $(STAMP) data mathjax

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found. The pinned set is tested on Python 3.11;" \
	  "install it (Debian: apt-get install python3.11 python3.11-venv) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

data: $(STAMP)
	@PY=$(BIN)/python bash scripts/get-data.sh

mathjax:
	@bash scripts/get-mathjax.sh

book: setup
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	@echo "Open _build/html/index.html in a browser."

test: setup
	$(BIN)/python -m pytest
	$(BIN)/jupyter-book build . --all -W -n --keep-going --quiet

test-gpu: setup
	SCALEBOOK_DEVICE=cuda $(BIN)/python -m pytest tests book -p no:randomly \
	  --override-ini addopts="--nbval-lax --nbval-current-env"

execute: setup
	$(BIN)/python scripts/execute_notebooks.py $(NB)

sync: $(STAMP)
	$(BIN)/jupytext --sync book/*.ipynb

check-html: book
	$(BIN)/python scripts/check_html.py _build/html

clean:
	rm -rf _build
