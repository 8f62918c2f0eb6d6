#!/usr/bin/env bash
# Make sure verified Fashion-MNIST files are available locally (never fetched at run time).
# Order: $FASHION_MNIST_DIR, Debian's dataset-fashion-mnist, the user cache (see helpers/data.py).
set -euo pipefail
PY=${PY:-.venv/bin/python}
if "$PY" -m helpers.data >/dev/null 2>&1; then
  exit 0
fi
echo "Fashion-MNIST not found locally; installing Debian's package dataset-fashion-mnist ..."
if command -v apt-get >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null || true
fi
if ! "$PY" -m helpers.data; then
  echo "error: could not install Fashion-MNIST automatically (see the message above)." >&2
  exit 1
fi
