#!/usr/bin/env bash
# Make sure headless Chromium is available for the browser test (make test opens every built page).
# Installs Debian's package when running as root; otherwise says what to do and fails.
set -euo pipefail
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing Chromium for the browser test (apt-get install chromium) ..."
  apt-get install -y -qq chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
  exit 0
fi
echo "error: the browser test in 'make test' needs Chromium (Debian: sudo apt-get install chromium)" >&2
exit 1
