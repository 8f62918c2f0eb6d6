"""The browser test's own logic (no browser needed): links, anchors, images, console parsing."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import check_html  # noqa: E402


def test_links_and_anchors(tmp_path):
    (tmp_path / "a.html").write_text('<main id="top"><h2 id="sec">x</h2></main>')
    page = tmp_path / "b.html"
    page.write_text("<main></main>")
    assert check_html.link_problem(page, "a.html#sec", tmp_path) is None
    assert "no element with id 'nope'" in check_html.link_problem(page, "a.html#nope", tmp_path)
    assert check_html.link_problem(page, "missing.html", tmp_path) == "target file missing"
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
    line = ('[1:1:1125/170230.165975:INFO:CONSOLE:63] "Uncaught SyntaxError: boom", '
            'source: file:///x/book/a.html (63)')
    match = check_html.CONSOLE.search(line)
    assert match and match.group("message") == "Uncaught SyntaxError: boom"
    assert check_html.ERROR_WORDS.search(match.group("message"))
    assert not check_html.ERROR_WORDS.search("[PST]: Changed to auto mode using the light theme.")
