"""Check the built book in headless Chromium: equations typeset, images present, internal links resolve.

Usage: python scripts/check_html.py [_build/html]   (a maintainer check; not yet part of `make test`)
Needs Debian's chromium. Console errors are not inspected yet (that needs the DevTools protocol).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--virtual-time-budget=8000"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img" and values.get("src"):
            self.images.append(values["src"])
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"])


def rendered_dom(page: Path, chromium: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                              capture_output=True, text=True, timeout=120).stdout


def check_page(page: Path, chromium: str) -> list[str]:
    problems = []
    source = page.read_text()
    dom = rendered_dom(page, chromium)
    if not dom:
        return [f"{page}: Chromium returned no DOM"]
    has_math = 'class="math' in source or "\\(" in source
    if has_math and "<mjx-container" not in dom:
        problems.append(f"{page}: maths present but not typeset (no <mjx-container>)")
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", dom, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    if "$$" in text or "\\(" in text:
        problems.append(f"{page}: raw TeX delimiters left in the rendered text")
    parser = Links()
    parser.feed(source)
    for src in parser.images:
        if not src.startswith(("http:", "https:", "data:")) and not (page.parent / src.split("?")[0]).is_file():
            problems.append(f"{page}: missing image {src}")
    for href in parser.hrefs:
        target = href.split("#")[0].split("?")[0]
        if target and not href.startswith(("http:", "https:", "mailto:")) and not (page.parent / target).exists():
            problems.append(f"{page}: broken internal link {href}")
    return problems


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html").resolve()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("error: chromium not found (Debian: apt-get install chromium); the HTML was not checked")
    pages = sorted(root.glob("book/*.html"))
    if not pages:
        raise SystemExit(f"error: no pages under {root}/book; build the book first (make book)")
    problems = [p for page in pages for p in check_page(page, chromium)]
    for line in problems:
        print(line)
    print(f"{len(pages)} pages checked, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
