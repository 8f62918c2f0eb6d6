"""The browser test's own logic (no browser needed): links, anchors, images, console
parsing.
"""

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import check_html  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def test_links_and_anchors(tmp_path):
    (tmp_path / "a.html").write_text('<main id="top"><h2 id="sec">x</h2></main>')
    page = tmp_path / "b.html"
    page.write_text("<main></main>")
    assert check_html.link_problem(page, "a.html#sec", tmp_path) is None
    assert "no element with id 'nope'" in check_html.link_problem(
        page, "a.html#nope", tmp_path
    )
    assert (
        check_html.link_problem(page, "missing.html", tmp_path) == "target file missing"
    )
    assert check_html.link_problem(page, "https://example.org/x", tmp_path) is None


def test_images(tmp_path):
    png = tmp_path / "x.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    text = tmp_path / "y.png"
    text.write_text("not an image")
    assert check_html.image_problem(png) is None
    assert check_html.image_problem(text) == "not a PNG, JPEG or SVG image"
    assert check_html.image_problem(tmp_path / "z.png") == "missing"


def test_console_lines_are_parsed():
    line = (
        '[1:1:1125/170230.165975:INFO:CONSOLE:63] "Uncaught SyntaxError: boom", '
        "source: file:///x/book/a.html (63)"
    )
    match = check_html.CONSOLE.search(line)
    assert match and match.group("message") == "Uncaught SyntaxError: boom"
    assert check_html.ERROR_WORDS.search(match.group("message"))
    assert not check_html.ERROR_WORDS.search(
        "[PST]: Changed to auto mode using the light theme."
    )


CHAPTER = """<html><body><main>
<a class="btn-download" href="../_sources/book/01-x.ipynb">.ipynb</a>
<a href="https://mybinder.org/v2/gh/x/y/main">Binder</a>
<a href="https://colab.research.google.com/github/x/y/blob/main/b.ipynb">Colab</a>
<a class="btn-source-repository-button" href="https://github.com/x/y">repository</a>
<button class="copybtn">copy</button>
<button class="btn search-button search-button__button">Search</button>
<dialog><form class="bd-search" action="../search.html" method="get">
<input type="search" name="q"></form></dialog>
<p>Use the search box to find a term.</p>
</main></body></html>"""


def _chapter(tmp_path, html: str) -> tuple:
    (tmp_path / "book").mkdir()
    (tmp_path / "search.html").write_text("<main>search</main>")
    page = tmp_path / "book" / "01-x.html"
    page.write_text(html)
    return page, html, check_html.parse(html)


REPO = "https://github.com/x/y"


def test_complete_chapter_page_has_every_convenience(tmp_path):
    page, source, rendered = _chapter(tmp_path, CHAPTER)
    assert check_html.convenience_problems(page, source, rendered, REPO) == []


def test_launch_buttons_without_a_repository_are_dead_links(tmp_path):
    """Planted fault: launch and repository buttons in a book built for no repo."""
    page, source, rendered = _chapter(tmp_path, CHAPTER)
    problems = check_html.convenience_problems(page, source, rendered)
    assert len(problems) == 3 and all("dead link" in p for p in problems), problems
    for marker in check_html.LAUNCH_MARKERS.values():
        source = source.replace(marker, "removed")
    assert check_html.convenience_problems(page, source, rendered) == []


def test_buttons_must_point_to_the_configured_repository(tmp_path):
    page, source, rendered = _chapter(tmp_path, CHAPTER)
    problems = check_html.convenience_problems(
        page, source, rendered, "https://github.com/a/b"
    )
    assert problems == ["no link to the repository https://github.com/a/b"]


def test_search_check_can_fail(tmp_path):
    """Planted fault: no search button or form; the word 'search' still on the page."""
    html = CHAPTER.replace("search-button", "other-button")
    html = html.replace('name="q"', 'name="x"')
    page, source, rendered = _chapter(tmp_path, html)
    assert "search" in source  # the old check ("search" in source) passed this page
    problems = check_html.convenience_problems(page, source, rendered, REPO)
    assert problems == ["search: no search button (.search-button)"]
    rendered.classes.add("search-button")
    assert "no search form" in check_html.search_problem(page, rendered)


def test_search_form_must_reach_the_search_page(tmp_path):
    page, source, rendered = _chapter(tmp_path, CHAPTER)
    (tmp_path / "search.html").unlink()
    problem = check_html.search_problem(page, rendered)
    assert "target is missing (../search.html)" in problem


def test_each_convenience_can_go_missing(tmp_path):
    page, _, _ = _chapter(tmp_path, CHAPTER)
    for marker, what in [
        ("btn-download", "download button (.ipynb)"),
        ("mybinder.org", "Binder launch button"),
        ("colab.research.google.com", "Colab launch button"),
        ("repository-button", "repository link"),
        ("copybtn", "copy buttons"),
    ]:
        html = CHAPTER.replace(marker, "removed")
        problems = check_html.convenience_problems(
            page, html, check_html.parse(html), REPO
        )
        assert problems == [f"missing {what}"], (marker, problems)


SHORT_ANSWER_ITEM = (
    '<li><p><span class="pasted-text">1. claim</span>: <strong>false</strong> — '
    '<span class="pasted-text">evidence</span> (<a class="reference internal" '
    'href="#sec">evidence</a>)</p></li>'
)


def _chapter_with_answer(items: str, before: str = "", after: str = "") -> str:
    box = f'<div class="tip short-answer admonition"><ul>{items}</ul></div>'
    cell = '<div class="cell tag_hide-input docutils container">code</div>'
    return f"<main>{before}{box}{after or cell}</main>"


def test_short_answer_must_open_the_chapter_with_every_verdict():
    assert (
        check_html.short_answer_problem(_chapter_with_answer(SHORT_ANSWER_ITEM)) is None
    )
    cell = '<div class="cell docutils container">code</div>'
    late = _chapter_with_answer(SHORT_ANSWER_ITEM, before=cell)
    assert "after the first code cell" in check_html.short_answer_problem(late)
    assert (
        check_html.short_answer_problem("<main>no box</main>") == "no short-answer box"
    )
    unglued = SHORT_ANSWER_ITEM.replace("<strong>false</strong>", "")
    problem = check_html.short_answer_problem(_chapter_with_answer(unglued * 2))
    assert problem == "short answer: 2 claims but only 0 verdicts"
    unlinked = SHORT_ANSWER_ITEM.replace('class="reference internal" ', "")
    problem = check_html.short_answer_problem(_chapter_with_answer(unlinked))
    assert "0 evidence links" in problem
    assert "no claims" in check_html.short_answer_problem(_chapter_with_answer(""))


def _page_with_block(tmp_path: Path, line: str, box: str, style: str = "") -> Path:
    page = tmp_path / f"{box}.html"
    page.write_text(
        f"<html><head><style>{style}</style></head><body>"
        '<div class="bd-sidebar-primary">navigation</div>'
        f'<div style="max-width: 400px"><div class="{box}">'
        f"<pre>short\n{line}</pre></div></div></body></html>"
    )
    return page


PRINT_CSS = "@media print { .bd-sidebar-primary { display: none; } }"


@pytest.mark.skipif(not CHROMIUM, reason="the layout probe needs Chromium")
def test_layout_probe_finds_wide_blocks_and_what_printing_shows(tmp_path):
    wide = _page_with_block(tmp_path, "x = 1  # " + "y" * 200, "cell_input", PRINT_CSS)
    assert check_html.layout_problems(wide, CHROMIUM) == [
        "scrolls sideways at 1280 px: 'short'",
        "the page scrolls sideways at 390 px",  # the test page lets the block overflow
    ]
    unprinted = tmp_path / "unprinted"
    unprinted.mkdir()
    narrow = _page_with_block(unprinted, "x = 1", "cell_output")  # no print rule
    assert check_html.layout_problems(narrow, CHROMIUM) == [
        "printing shows .bd-sidebar-primary (no print rule hides it)"
    ]
    fine = _page_with_block(tmp_path, "x = 1", "cell_output", PRINT_CSS)
    assert check_html.layout_problems(fine, CHROMIUM) == []


@pytest.mark.skipif(not CHROMIUM, reason="the layout probe needs Chromium")
def test_layout_probe_finds_figures_shrunk_on_a_phone(tmp_path):
    from PIL import Image

    Image.new("RGB", (800, 400), "white").save(tmp_path / "figure.png")
    shrinking = "div.cell_output img { max-width: 100%; }"
    book_css = Path(__file__).parents[1] / "_static" / "custom.css"
    for name, style, expected in [
        ("shrunk", shrinking, ["figure shrunk below 560 px at 390 px: a plot ("]),
        ("legible", book_css.read_text(), []),
    ]:
        page = tmp_path / f"{name}.html"
        page.write_text(
            f"<html><head><style>{PRINT_CSS} {style}</style></head><body>"
            '<div class="bd-sidebar-primary">navigation</div>'
            '<div class="cell_input"><pre>x = 1</pre></div>'
            '<div class="cell_output"><figure><img alt="a plot" src="figure.png">'
            "</figure></div></body></html>"
        )
        found = check_html.layout_problems(page, CHROMIUM)
        assert len(found) == len(expected), found
        for problem, start in zip(found, expected, strict=True):
            assert problem.startswith(start), found
