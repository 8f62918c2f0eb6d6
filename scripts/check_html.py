"""Browser test of the built book: every page opened in headless Chromium.

Usage: python scripts/check_html.py [_build/html] [--screenshots DIR]

For each page it checks that the page loads, that equations are typeset by the bundled
MathJax (<mjx-container> present, no raw $$ or \\( left in the text), that every image
exists and is a readable PNG/JPEG/SVG, that every internal link (and #anchor) resolves,
that the console shows no errors besides the documented harmless ones (HARMLESS), and,
on chapter pages, that the reader conveniences are there (download and copy buttons,
search; launch buttons and the repository link only with --repository, since without a
public repository they would be dead links), and that no link goes to the placeholder
repository address. It is part of `make test`. Without Chromium it
fails and says so (Debian: apt-get install chromium). With --screenshots it also saves
full-page screenshots at laptop and phone widths, to look at.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--virtual-time-budget=8000",
    "--hide-scrollbars",
]
# Console messages that are known and harmless, each with the reason.
HARMLESS = {
    "Identifier 'THEBE_JS_URL' has already been declared": (
        "sphinx-thebe declares its script URL twice on every Jupyter Book 1 page; "
        "thebe is not used here"
    ),
}
CONSOLE = re.compile(
    r':CONSOLE(?::\d+)?\]? ?(?:\(\d+\))?\s*"(?P<message>.*)", source: (?P<source>\S*)'
)
ERROR_WORDS = re.compile(r"Uncaught|Failed to load|Error|error|refused|ERR_", re.ASCII)
WIDTHS = {"laptop": 1280, "phone": 390}


class PageParser(HTMLParser):
    """Collects image sources, link targets, element ids and a few class names of one
    HTML page.
    """

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.classes: set[str] = set()
        self.search_forms: list[str] = []  # actions of forms with an input named q
        self._form_action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        self.classes.update((values.get("class") or "").split())
        if tag == "img" and values.get("src"):
            self.images.append(values["src"])
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"])
        if tag == "form":
            self._form_action = values.get("action") or ""
        in_form = self._form_action is not None
        if tag == "input" and values.get("name") == "q" and in_form:
            self.search_forms.append(self._form_action)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form_action = None


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


def open_in_chromium(page: Path, chromium: str) -> tuple[str, list[str]]:
    """The DOM after scripts ran, and the console messages Chromium logged."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--enable-logging=stderr",
                "--v=0",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    messages = [
        m.group("message") for m in map(CONSOLE.search, done.stderr.splitlines()) if m
    ]
    return done.stdout, messages


# A page taller than one screenshot is shot in slices: the page framed at its full
# height and shifted up by one slice per shot (Chromium's window is at most 16000 px).
SLICE = 16000
FRAMED = """<!doctype html><html><body style="margin:0;overflow:hidden">
<iframe src="{src}" width="{width}" height="{height}"
 style="border:0;position:absolute;left:0;top:-{offset}px"></iframe></body></html>"""


def screenshot(
    page: Path, chromium: str, target: Path, width: int, slices: int = 6
) -> list[Path]:
    """Saves the page as slices target-1.png, target-2.png, ... of SLICE pixels each,
    up to `slices` of them, and returns the paths of those that are not blank.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    saved = []
    for index in range(slices):
        shot = target.with_name(f"{target.stem}-{index + 1}.png")
        with tempfile.TemporaryDirectory() as profile:
            frame = Path(profile) / "frame.html"
            frame.write_text(
                FRAMED.format(
                    src=page.as_uri(),
                    width=width,
                    height=SLICE * slices,
                    offset=SLICE * index,
                )
            )
            subprocess.run(
                [
                    chromium,
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    f"--screenshot={shot}",
                    f"--window-size={width},{SLICE}",
                    frame.as_uri(),
                ],
                capture_output=True,
                timeout=120,
                check=True,
            )
        if blank(shot):
            shot.unlink()
            break
        saved.append(shot)
    return saved


def blank(png: Path) -> bool:
    """Whether a screenshot is past the end of the page: nothing darker than the
    light grey of the sidebar's border.
    """
    from PIL import Image

    with Image.open(png) as image:
        darkest, _ = image.convert("L").getextrema()
    return darkest > 200


# Opens a page in an iframe of the given width and lists the code and output blocks
# whose text is wider than their box (they would scroll sideways): the layout only a
# browser knows. Needs --allow-file-access-from-files to read the framed file page.
LAYOUT_PROBE = """<!doctype html><html><body>
<iframe id="page" src="{src}" width="{width}" height="900"></iframe>
<script>
document.getElementById("page").addEventListener("load", () => {{
  setTimeout(() => {{
    const doc = document.getElementById("page").contentDocument;
    const blocks = [...doc.querySelectorAll("div.cell_input pre, div.cell_output pre")];
    const wide = blocks.filter(p => p.scrollWidth > p.clientWidth + 1)
      .map(p => p.textContent.split("\\n").find(l => l.trim()).trim().slice(0, 60));
    const rules = [...doc.styleSheets].flatMap(sheet => {{
      try {{ return [...sheet.cssRules]; }} catch (error) {{ return []; }}
    }});
    const printRules = rules
      .filter(r => r.media && [...r.media].includes("print"))
      .flatMap(r => [...r.cssRules]);
    const shownInPrint = [{print_hidden}].filter(selector => {{
      const element = doc.querySelector(selector);
      return element && !printRules.some(r => r.style && r.style.display === "none"
        && r.selectorText && element.matches(r.selectorText));
    }});
    const root = doc.documentElement;
    const pageWide = root.scrollWidth > root.clientWidth + 1;
    const figures = [...doc.querySelectorAll("div.cell_output figure > img")];
    const shrunk = figures
      .filter(img => img.clientWidth < Math.min(img.naturalWidth, {min_figure}) - 1)
      .map(img => `${{img.alt.slice(0, 50)}} `
        + `(${{img.clientWidth}} of ${{img.naturalWidth}} px)`);
    const out = document.createElement("pre");
    out.id = "layout";
    out.textContent = JSON.stringify({{
      blocks: blocks.length, wide, shownInPrint, pageWide, shrunk
    }});
    document.body.appendChild(out);
  }}, 500);
}});
</script></body></html>"""
#: the narrowest a figure may be drawn (px), or its own width if smaller: below it the
#: labels of the book's figures (11 pt at 100 dpi) are too small to read on a phone
MIN_FIGURE_WIDTH = 560
#: what printing a page must leave out (the theme's header and sidebars)
PRINT_HIDDEN = (".bd-header", ".bd-sidebar-primary", ".bd-sidebar-secondary")
LAYOUT_RESULT = re.compile(r'<pre id="layout">(?P<json>.*?)</pre>', re.S)


def layout(page: Path, chromium: str, width: int = WIDTHS["laptop"]) -> dict:
    """What only a browser knows about ``page`` at ``width`` pixels: ``wide``, the first
    lines of code and output blocks that scroll sideways; ``shownInPrint``, the
    selectors of ``PRINT_HIDDEN`` present on the page that no print rule hides."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.html"
        selectors = ", ".join(json.dumps(selector) for selector in PRINT_HIDDEN)
        probe.write_text(
            LAYOUT_PROBE.format(
                src=page.as_uri(),
                width=width,
                print_hidden=selectors,
                min_figure=MIN_FIGURE_WIDTH,
            )
        )
        done = subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp}/profile",
                "--allow-file-access-from-files",
                "--dump-dom",
                probe.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    found = LAYOUT_RESULT.search(done.stdout)
    if not found:
        raise RuntimeError(f"the layout probe did not run on {page}: no result")
    return json.loads(html.unescape(found.group("json")))


def layout_problems(page: Path, chromium: str) -> list[str]:
    """A chapter page's layout problems at laptop width (code that scrolls sideways,
    sidebars in print) and at phone width (a page that scrolls sideways, figures shrunk
    below a legible size); empty: none."""
    result = layout(page, chromium)
    if result["blocks"] == 0:
        return ["the layout probe found no code blocks (page not loaded?)"]
    width = WIDTHS["laptop"]
    problems = [f"scrolls sideways at {width} px: {line!r}" for line in result["wide"]]
    problems += [
        f"printing shows {selector} (no print rule hides it)"
        for selector in result["shownInPrint"]
    ]
    phone = layout(page, chromium, WIDTHS["phone"])
    width = WIDTHS["phone"]
    if phone["pageWide"]:
        problems.append(f"the page scrolls sideways at {width} px")
    problems += [
        f"figure shrunk below {MIN_FIGURE_WIDTH} px at {width} px: {figure}"
        for figure in phone["shrunk"]
    ]
    return problems


def image_problem(path: Path) -> str | None:
    if not path.is_file():
        return "missing"
    head = path.read_bytes()[:512]
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8") or b"<svg" in head:
        return None
    return "not a PNG, JPEG or SVG image"


def link_problem(page: Path, href: str, root: Path) -> str | None:
    if href.startswith(("http:", "https:", "mailto:", "javascript:")):
        return None
    target, _, anchor = href.partition("#")
    target = target.split("?")[0]
    path = (page.parent / target).resolve() if target else page
    if not path.exists():
        return "target file missing"
    if path.is_dir():
        path = path / "index.html"
    if anchor and path.suffix == ".html" and path.is_relative_to(root):
        if anchor not in parse(path.read_text(errors="replace")).ids:
            return f"no element with id {anchor!r} in {path.name}"
    return None


def search_problem(page: Path, rendered: PageParser) -> str | None:
    """Why the page offers no working search, or None.

    Working: a search button, and a search form (an input named q) whose action is a
    search page that exists.
    """
    if "search-button" not in rendered.classes:
        return "no search button (.search-button)"
    targets = [page.parent / action.split("?")[0] for action in rendered.search_forms]
    if not targets:
        return 'no search form (a <form> with an <input name="q">)'
    if not any(t.name == "search.html" and t.is_file() for t in targets):
        actions = ", ".join(rendered.search_forms)
        return f"the search form's target is missing ({actions})"
    return None


#: The address the book's buttons once pointed to; no such repository exists.
PLACEHOLDER = "github.com/scalebook/scale-in-training"
LAUNCH_MARKERS = {
    "Binder launch button": "mybinder.org",
    "Colab launch button": "colab.research.google.com",
    "repository link": "repository-button",
}


def convenience_problems(
    page: Path, source: str, rendered: PageParser, repository: str | None = None
) -> list[str]:
    """What is wrong with a chapter page's reader conveniences (empty: nothing).

    ``source`` is the built HTML, ``rendered`` the parsed DOM after scripts ran.
    Download and copy buttons and a working search are always wanted. Launch buttons
    and the repository link are wanted when the book was built for a public
    ``repository`` (https://github.com/OWNER/NAME) and must point to it; without one
    they would be dead links and must be absent.
    """
    wanted = {
        "download button (.ipynb)": ".ipynb" in source and "btn-download" in source,
        "copy buttons": "copybtn" in rendered.classes,
    }
    problems = [f"missing {what}" for what, present in wanted.items() if not present]
    if repository:
        slug = repository.rstrip("/").removeprefix("https://github.com/")
        for what, marker in LAUNCH_MARKERS.items():
            if marker not in source:
                problems.append(f"missing {what}")
        if slug not in source:
            problems.append(f"no link to the repository {repository}")
    else:
        problems += [
            f"{what} present, but no public repository is configured (a dead link)"
            for what, marker in LAUNCH_MARKERS.items()
            if marker in source
        ]
    search = search_problem(page, rendered)
    return problems + ([f"search: {search}"] if search else [])


def short_answer_problem(source: str) -> str | None:
    """Why a chapter page does not open with its short answer (None: it does).

    The box (class ``short-answer``) must come before the first code cell, and each
    claim it lists needs its pasted claim and evidence, its verdict (glued Markdown,
    bold) and a link to the section with the evidence. myst-nb pastes nothing where a
    glue name is missing, so a missing number shows up as a missing span.
    """
    start = source.find('short-answer admonition"')
    if start < 0:
        return "no short-answer box"
    first_cell = source.find('class="cell ')
    if 0 <= first_cell < start:
        return "the short answer comes after the first code cell"
    box = source[start : source.find("</div>", start)]
    claims = box.count("<li>")
    counts = {
        "verdicts": box.count("<strong>"),
        "pasted claims and evidence": box.count('class="pasted-text"') // 2,
        "evidence links": box.count('class="reference internal"'),
    }
    if claims == 0:
        return "the short answer lists no claims"
    missing = [f"{n} {what}" for what, n in counts.items() if n < claims]
    if missing:
        return f"short answer: {claims} claims but only " + ", ".join(missing)
    return None


def check_page(
    page: Path, root: Path, chromium: str, repository: str | None = None
) -> list[str]:
    name = page.relative_to(root)
    source = page.read_text()
    dom, console = open_in_chromium(page, chromium)
    if "<main" not in dom or len(dom) < 1000:
        return [f"{name}: did not load (no <main> in the rendered DOM)"]
    problems = []
    if ('class="math' in source or "\\(" in source) and "<mjx-container" not in dom:
        problems.append(f"{name}: maths present but not typeset (no <mjx-container>)")
    text = re.sub(r"<(script|style|mjx-container)[^>]*>.*?</\1>", "", dom, flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    if "$$" in text or "\\(" in text:
        problems.append(f"{name}: raw TeX delimiters left in the rendered text")
    built = parse(source)
    for src in built.images:
        if not src.startswith(("http:", "https:", "data:")):
            issue = image_problem(page.parent / src.split("?")[0])
            if issue:
                problems.append(f"{name}: image {src}: {issue}")
    for href in sorted(set(built.hrefs)):
        if PLACEHOLDER in href:
            problems.append(f"{name}: link {href}: the placeholder repository address")
        issue = link_problem(page, href, root)
        if issue:
            problems.append(f"{name}: link {href}: {issue}")
    for message in console:
        if ERROR_WORDS.search(message) and not any(
            known in message for known in HARMLESS
        ):
            problems.append(f"{name}: console error: {message[:200]}")
    if page.stem[:2].isdigit():  # a chapter page
        issues = convenience_problems(page, source, parse(dom), repository)
        answer = short_answer_problem(source)
        issues += ([answer] if answer else []) + layout_problems(page, chromium)
        problems += [f"{name}: {issue}" for issue in issues]
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="_build/html")
    parser.add_argument(
        "--screenshots",
        type=Path,
        help="also save laptop and phone screenshots of every page here",
    )
    parser.add_argument(
        "--repository",
        default=None,
        help="the public repository the book was built for (https://github.com/O/N); "
        "without it, launch buttons and repository links count as dead links",
    )
    args = parser.parse_args()
    root = Path(args.root).resolve()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit(
            "error: the browser test needs Chromium, which is not installed (Debian: "
            "apt-get install "
            "chromium, or run make setup as root); the HTML was NOT checked"
        )
    pages = sorted(root.glob("book/*.html")) + [
        p for p in [root / "search.html"] if p.exists()
    ]
    if len(pages) < 2:
        raise SystemExit(
            f"error: no built pages under {root}; build the book first (make book)"
        )
    problems = []
    for page in pages:
        found = check_page(page, root, chromium, args.repository)
        print(f"{'ok ' if not found else 'BAD'} {page.relative_to(root)}")
        problems += found
        if args.screenshots:
            for label, width in WIDTHS.items():
                screenshot(
                    page, chromium, args.screenshots / f"{page.stem}-{label}.png", width
                )
    for line in problems:
        print(line)
    print(
        f"browser test: {len(pages)} pages, {len(problems)} problems"
        + (f"; screenshots in {args.screenshots}" if args.screenshots else "")
    )
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
