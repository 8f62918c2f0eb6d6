#!/usr/bin/env bash
# Fetch MathJax 3.2.2 from the npm registry once, into _mathjax/ (git-ignored), so the HTML book
# typesets its equations without internet access (the build serves it through html_extra_path).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=3.2.2
DEST=_mathjax/mathjax
if [ -f "$DEST/tex-mml-chtml.js" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq npm >/dev/null
  else
    echo "error: npm is needed once to fetch MathJax $VERSION (Debian: apt-get install npm)" >&2
    exit 1
  fi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "mathjax@$VERSION" --silent >/dev/null && tar xzf "mathjax-$VERSION.tgz")
rm -rf "$DEST" && mkdir -p "$DEST/output"
cp -r "$tmp/package/es5/tex-mml-chtml.js" "$tmp/package/es5/input" "$tmp/package/es5/a11y" \
      "$tmp/package/es5/sre" "$tmp/package/es5/ui" "$DEST/"
cp -r "$tmp/package/es5/output/chtml" "$DEST/output/"
cp "$tmp/package/LICENSE" "$DEST/LICENSE"
echo "$VERSION" > "$DEST/VERSION"
echo "MathJax $VERSION installed in $DEST ($(du -sh "$DEST" | cut -f1))"
