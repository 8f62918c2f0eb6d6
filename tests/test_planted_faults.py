"""Planted faults: each fault that the guards of tests/test_notebooks.py exist for,
planted in a small temporary book, is reported (issue #17)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
import test_notebooks as guards
from jupytext.config import load_jupytext_config
from test_notebooks import book_problems, notebooks_to_guard, twin_path

ROOT = guards.ROOT

TOC = """format: jb-book
root: book/intro
parts:
  - caption: Chapters
    chapters:
      - file: book/01-demo
"""


def _notebook(*sources: str, executed: bool = True) -> nbformat.NotebookNode:
    """A notebook: a markdown cell, then code cells ``sources`` with stored outputs
    (execution counts 1..n, or none if not ``executed``)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells.append(nbformat.v4.new_markdown_cell("# Demo"))
    for count, source in enumerate(sources, start=1):
        cell = nbformat.v4.new_code_cell(source)
        cell.execution_count = count if executed else None
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text=f"{count}\n")
        ]
        nb.cells.append(cell)
    return nb


CHAPTER_CELLS = (
    "# NBVAL_IGNORE_OUTPUT\n# reason: versions differ\nprint(versions())",
    "check('ratio', ratio(), expected=2.0)",
    "verdict_table()",
)


def save_notebook(root: Path, relative: str, nb: nbformat.NotebookNode) -> Path:
    """Write ``root/relative`` and, under book/, its twin (as make execute would)."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    twin = twin_path(path, root)
    if twin is not None:
        twin.parent.mkdir(parents=True, exist_ok=True)
        config = load_jupytext_config(str(path.parent))
        text = jupytext.writes(jupytext.read(path), fmt="md:myst", config=config)
        twin.write_text(text)
    return path


@pytest.fixture
def mini_book(tmp_path: Path) -> Path:
    """A book with one page and one chapter that passes every guard."""
    for name in (
        "jupytext.toml",
        "pyproject.toml",
        "environment.yml",
        "nbval_sanitize.cfg",
    ):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "_toc.yml").write_text(TOC)
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n\nText.\n")
    save_notebook(tmp_path, "book/01-demo.ipynb", _notebook(*CHAPTER_CELLS))
    return tmp_path


def _add_to_toc(root: Path, *files: str) -> None:
    toc = root / "_toc.yml"
    toc.write_text(toc.read_text() + "".join(f"      - file: {f}\n" for f in files))


def _plant_marker(root: Path, marker: str) -> None:
    """Put ``marker`` (comment lines, or 'tag:NAME') into the chapter's check() cell."""
    path = root / "book" / "01-demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = nb.cells[2]
    if marker.startswith("tag:"):
        cell.metadata["tags"] = [marker.removeprefix("tag:")]
    else:
        cell.source = marker + "\n" + cell.source
    save_notebook(root, "book/01-demo.ipynb", nb)


def test_the_mini_book_passes_every_guard(mini_book):
    assert book_problems(mini_book) == []


@pytest.mark.parametrize(
    "marker, expected",
    [
        ("## NBVAL_SKIP", "skip"),
        ("# NBVAL_SKIP", "skip"),
        ("# NBVAL_SKIP\n# reason: slow", "skip"),  # a reason does not excuse a skip
        ("tag:nbval-skip", "skip"),
        ("# NBVAL_RAISES_EXCEPTION", "lets the cell raise"),
        ("# NBVAL_RAISES_EXCEPTION\n# reason: shows an error", "lets the cell raise"),
        ("tag:raises-exception", "lets the cell raise"),
        ("tag:nbval-raises-exception", "lets the cell raise"),
        ("# PYTEST_VALIDATE_IGNORE_OUTPUT", "needs a '# reason: ...' comment"),
        ("tag:nbval-ignore-output", "needs a '# reason: ...' comment"),
        ("##  NBVAL_CHECK_OUTPUT", "the only one is NBVAL_IGNORE_OUTPUT"),
    ],
)
def test_planted_nbval_marker_fails_the_guards(mini_book, marker, expected):
    _plant_marker(mini_book, marker)
    problems = book_problems(mini_book)
    assert len(problems) == 1 and expected in problems[0], problems


def test_ignore_output_marker_with_a_reason_is_allowed(mini_book):
    _plant_marker(mini_book, "## PYTEST_VALIDATE_IGNORE_OUTPUT\n# reason: a demo")
    assert book_problems(mini_book) == []


def test_planted_misnamed_notebook_in_the_toc_is_guarded(mini_book):
    """A page outside the NN-*.ipynb pattern is guarded like a chapter: saved without
    execution counts (so nbval would compare nothing), it fails."""
    unexecuted = _notebook(*CHAPTER_CELLS, executed=False)
    save_notebook(mini_book, "book/appendix.ipynb", unexecuted)
    _add_to_toc(mini_book, "book/appendix")
    assert mini_book / "book" / "appendix.ipynb" in notebooks_to_guard(mini_book)
    problems = book_problems(mini_book)
    assert len(problems) == 1 and problems[0].startswith(
        "appendix.ipynb was not executed top to bottom"
    ), problems


def test_planted_notebook_outside_the_collected_folders_is_refused(mini_book):
    save_notebook(mini_book, "extra/appendix.ipynb", _notebook(*CHAPTER_CELLS))
    _add_to_toc(mini_book, "extra/appendix")
    problems = book_problems(mini_book)
    assert any(
        "extra/appendix.ipynb is a page of the book but pytest never collects it" in p
        for p in problems
    ), problems


def test_planted_notebook_under_an_excluded_folder_is_refused(mini_book):
    save_notebook(mini_book, "book/.hidden/appendix.ipynb", _notebook(*CHAPTER_CELLS))
    _add_to_toc(mini_book, "book/.hidden/appendix")
    assert any("pytest never collects it" in p for p in book_problems(mini_book))


@pytest.mark.parametrize(
    "fence", ["```{code-cell} ipython3", ":::{code-cell}", "````{code-cell} python"]
)
def test_planted_markdown_page_with_code_is_refused(mini_book, fence):
    close = fence.split("{")[0]
    (mini_book / "book" / "extra.md").write_text(
        f"---\nkernelspec:\n  name: python3\n---\n# Extra\n\n{fence}\n1 + 1\n{close}\n"
    )
    _add_to_toc(mini_book, "book/extra")
    problems = book_problems(mini_book)
    assert len(problems) == 1, problems
    assert "book/extra.md has code cells" in problems[0]
    assert "would never be executed" in problems[0]


def test_planted_unlisted_or_missing_pages_are_refused(mini_book):
    save_notebook(mini_book, "book/02-unlisted.ipynb", _notebook(*CHAPTER_CELLS))
    _add_to_toc(mini_book, "book/03-missing")
    problems = book_problems(mini_book)
    assert sorted(problems) == [
        "_toc.yml lists book/03-missing, which does not exist",
        "book/02-unlisted.ipynb is executed by nbval but is not a page of the book: "
        "list it in _toc.yml or delete it",
    ]


def test_the_guard_file_fails_on_planted_faults(mini_book):
    """End to end: tests/test_notebooks.py, run by pytest on a copy of the book with
    faults planted, fails and names each fault (and passes on the clean copy)."""
    (mini_book / "tests").mkdir()
    for name in ("test_notebooks.py", "conftest.py"):
        shutil.copy(ROOT / "tests" / name, mini_book / "tests" / name)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/test_notebooks.py",
        "-q",
        "-p",
        "no:nbval",
        "-p",
        "no:cacheprovider",
        "--override-ini",
        "addopts=",
    ]

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=mini_book, capture_output=True, text=True, timeout=120
        )

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    _plant_marker(mini_book, "## NBVAL_SKIP")
    unexecuted = _notebook(*CHAPTER_CELLS, executed=False)
    save_notebook(mini_book, "book/appendix.ipynb", unexecuted)
    _add_to_toc(mini_book, "book/appendix")
    planted = run()
    assert planted.returncode == 1, planted.stdout + planted.stderr
    for expected in (
        "test_only_ignore_output_markers_each_with_a_reason[book/01-demo.ipynb]",
        "makes nbval skip the cell",
        "test_executed_top_to_bottom[book/appendix.ipynb]",
        "appendix.ipynb was not executed top to bottom",
    ):
        assert expected in planted.stdout, planted.stdout
    # and nbval (pyproject's options) collects the misnamed notebook's cells to execute
    collect = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "book",
        ],
        cwd=mini_book,
        capture_output=True,
        text=True,
        timeout=120,
    )
    listing = collect.stdout + collect.stderr
    assert "book/appendix.ipynb::Cell 0" in collect.stdout, listing
