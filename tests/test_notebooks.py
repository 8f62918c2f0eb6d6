"""Guards that nbval cannot give: every page of the book that holds code is executed
(and compared) by nbval, top to bottom, with no marker that skips a cell or lets it
fail; twins in sync; a real table of contents.

The pages guarded come from ``_toc.yml`` (plus every notebook nbval would collect under
``book/``), not from a file-name pattern. Each guard is a function returning the
problems it finds, so tests/test_planted_faults.py can plant faults in a small temporary
book and show that the guards report them.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
import warnings
from collections.abc import Iterator
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from jupytext.config import load_jupytext_config
from nbval.plugin import find_comment_markers, find_metadata_tags

ROOT = Path(__file__).resolve().parent.parent
PAGE_SUFFIXES = (".ipynb", ".md", ".rst")
# A MyST-NB code cell: ```{code-cell}, ~~~{code-cell} or :::{code-cell} (any length).
CODE_CELL = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\s*\{code-cell\}", re.M)
REASON = re.compile(r"^\s*#\s*reason:\s*\S", re.M)
# nbval options (as its find_* functions return them) that no book cell may carry.
FORBIDDEN = {
    "skip": "makes nbval skip the cell (a pytest skip, which counts as a pass)",
    "check_exception": "lets the cell raise (a failing check() would pass)",
}


# ---------------------------------------------------------------- the table of contents


def _toc_entries(node: object) -> Iterator[tuple[str, str]]:
    """Every ("root" | "file" | "glob", value) pair of a parsed _toc.yml, any depth."""
    if isinstance(node, dict):
        for key in ("root", "file", "glob"):
            if isinstance(node.get(key), str):
                yield key, node[key]
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from _toc_entries(value)
    elif isinstance(node, list):
        for value in node:
            yield from _toc_entries(value)


def toc_pages(root: Path) -> tuple[list[Path], list[str]]:
    """The source files _toc.yml lists (in order), and entries that resolve to none."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages, problems = [], []
    for key, name in _toc_entries(toc):
        if key != "glob" and Path(name).suffix in PAGE_SUFFIXES:
            found = [root / name] if (root / name).is_file() else []
        else:
            found = [
                p for p in sorted(root.glob(name + ".*")) if p.suffix in PAGE_SUFFIXES
            ]
        if not found:
            problems.append(f"_toc.yml lists {name}, which does not exist")
        elif key != "glob" and len(found) > 1:
            names = [p.name for p in found]
            problems.append(
                f"_toc.yml lists {name}, which matches several files: {names}"
            )
        else:
            pages += found
    return pages, problems


def _collected_by_pytest(path: Path, root: Path) -> bool:
    """Whether a plain ``pytest`` (pyproject's testpaths, norecursedirs) collects it."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    ini = pyproject.get("tool", {}).get("pytest", {}).get("ini_options", {})
    skip_dirs = ini.get("norecursedirs", [])
    for testpath in ini.get("testpaths", ["."]):
        base = (root / testpath).resolve()
        if path.resolve().is_relative_to(base):
            dirs = path.resolve().relative_to(base).parts[:-1]
            return not any(fnmatch.fnmatch(d, pat) for d in dirs for pat in skip_dirs)
    return False


def notebooks_to_guard(root: Path) -> list[Path]:
    """Every notebook that is a page of the book or that nbval executes under book/."""
    listed = [p for p in toc_pages(root)[0] if p.suffix == ".ipynb"]
    under_book = [
        p for p in (root / "book").rglob("*.ipynb") if _collected_by_pytest(p, root)
    ]
    return sorted(set(listed) | set(under_book))


def page_problems(root: Path) -> list[str]:
    """What is wrong with the set of pages: missing, unexecuted or unbuilt ones."""
    pages, problems = toc_pages(root)
    for page in pages:
        name = page.relative_to(root)
        if page.suffix == ".ipynb" and not _collected_by_pytest(page, root):
            problems.append(
                f"{name} is a page of the book but pytest never collects it, so nbval "
                "never executes it: move it under book/ (pyproject's testpaths)"
            )
        if page.suffix in (".md", ".rst") and CODE_CELL.search(page.read_text()):
            problems.append(
                f"{name} has code cells, but the book is built from stored outputs "
                "(execute_notebooks: off) and nbval executes only .ipynb files, so "
                "they would never be executed: make it a paired notebook "
                "book/NAME.ipynb"
            )
    for notebook in notebooks_to_guard(root):
        if notebook not in pages:
            problems.append(
                f"{notebook.relative_to(root)} is executed by nbval but is not a page "
                "of the book: list it in _toc.yml or delete it"
            )
    return problems


# ------------------------------------------------------------- one notebook's guards


def _cells(path: Path) -> list[nbformat.NotebookNode]:
    """The code cells of ``path``, read the way nbval reads them (nbformat v4)."""
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def _code_cells(path: Path) -> list[nbformat.NotebookNode]:
    return [c for c in _cells(path) if c.source.strip()]


def execution_problems(path: Path) -> list[str]:
    """nbval runs but does not compare a cell without an execution count: want 1..n."""
    counts = [c.execution_count for c in _code_cells(path)]
    if counts == list(range(1, len(counts) + 1)):
        return []
    return [
        f"{path.name} was not executed top to bottom in one fresh kernel "
        f"(execution counts {counts}); run: make execute NB={path.name}"
    ]


def volatile_problems(path: Path) -> list[str]:
    """Timing metadata and progress bars, which change on every run."""
    problems = []
    for cell in _code_cells(path):
        if "execution" in cell.metadata:
            problems.append(f"{path.name}: timing metadata stored; use make execute")
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr" and "\r" in output.get("text", ""):
                problems.append(f"{path.name}: a progress bar is stored in the outputs")
    return problems


def nbval_markers(cell: nbformat.NotebookNode) -> list[tuple[str, bool]]:
    """The (option, value) pairs nbval itself reads from a cell's tags and comments."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbval warns about conflicting markers
        return [*find_metadata_tags(cell.metadata), *find_comment_markers(cell.source)]


def marker_problems(path: Path) -> list[str]:
    """Only 'ignore output' (with a '# reason: ...' comment) may change how nbval treats
    a cell; skip and raises markers are forbidden outright."""
    problems = []
    for index, cell in enumerate(_cells(path)):
        tags = cell.metadata.get("tags")
        where = (
            f"{path.name}, nbval's Cell {index} (tags {tags}, source "
            f"{cell.source[:150]!r})"
        )
        if tags is not None and not isinstance(tags, list):
            problems.append(f"{where}: tags must be a list (else nbval ignores them)")
        for option, value in nbval_markers(cell):
            if option in FORBIDDEN:
                problems.append(
                    f"{where}: an nbval marker {FORBIDDEN[option]}; remove it"
                )
            elif option == "check" and not value:
                if not REASON.search(cell.source):
                    problems.append(
                        f"{where}: an 'ignore output' marker needs a "
                        "'# reason: ...' comment"
                    )
            else:
                problems.append(
                    f"{where}: nbval marker {(option, value)} (e.g. "
                    "NBVAL_CHECK_OUTPUT) is not allowed; the only one is "
                    "NBVAL_IGNORE_OUTPUT with a reason"
                )
    return problems


def claims_problems(path: Path) -> list[str]:
    """A chapter checks what it claims and shows a verdict table."""
    source = "\n".join(c.source for c in _code_cells(path))
    problems = []
    if not re.search(r"\bassert\b|\bcheck\(", source):
        problems.append(f"{path.name} asserts nothing")
    if "verdict_table(" not in source:
        problems.append(f"{path.name} has no verdict table")
    return problems


def twin_path(path: Path, root: Path) -> Path | None:
    """md/NAME.md for book/NAME.ipynb (jupytext.toml); None outside book/."""
    if not path.is_relative_to(root / "book"):
        return None
    return root / "md" / path.relative_to(root / "book").with_suffix(".md")


def twin_problems(path: Path, root: Path) -> list[str]:
    """The MyST twin exists and is what jupytext writes for the notebook now."""
    twin = twin_path(path, root)
    if twin is None:
        return [f"{path.relative_to(root)} is outside book/, so it has no twin"]
    if not twin.is_file():
        return [
            f"{path.name} has no twin {twin.relative_to(root)}; "
            f"run: make execute NB=book/{path.name}"
        ]
    # the API with the project's jupytext.toml (the CLI ignores the metadata filters on
    # stdout)
    config = load_jupytext_config(str(path.parent))
    regenerated = jupytext.writes(jupytext.read(path), fmt="md:myst", config=config)
    if regenerated.strip() != twin.read_text().strip():
        return [
            f"{twin.relative_to(root)} and {path.name} have drifted apart; the "
            f"notebook is the source: run make execute NB=book/{path.name} (or, to "
            f"keep an edit of the twin, make import-md NB=book/{path.name} first)"
        ]
    return []


def orphan_problems(root: Path) -> list[str]:
    """Twins whose notebook is gone."""
    notebooks = {twin_path(p, root) for p in notebooks_to_guard(root)}
    orphans = [
        t.relative_to(root)
        for t in sorted((root / "md").rglob("*.md"))
        if t not in notebooks
    ]
    return [f"twins without a notebook: {[str(o) for o in orphans]}"] if orphans else []


def notebook_problems(path: Path, root: Path) -> list[str]:
    """Every per-notebook guard."""
    return (
        execution_problems(path)
        + volatile_problems(path)
        + marker_problems(path)
        + claims_problems(path)
        + twin_problems(path, root)
    )


def book_problems(root: Path) -> list[str]:
    """Everything the guards find in the book at ``root``."""
    problems = page_problems(root) + orphan_problems(root)
    for path in notebooks_to_guard(root):
        problems += notebook_problems(path, root)
    return problems


# -------------------------------------------------------------- the book's own guards

NOTEBOOKS = notebooks_to_guard(ROOT)
_IDS = {"ids": lambda p: str(p.relative_to(ROOT))}


def _ok(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


def test_there_are_chapters_to_test():
    assert NOTEBOOKS, "no notebooks in _toc.yml or under book/: nbval tests nothing"


def test_every_page_is_executed_and_listed():
    _ok(page_problems(ROOT))


@pytest.mark.parametrize("path", NOTEBOOKS, **_IDS)
def test_executed_top_to_bottom(path):
    _ok(execution_problems(path))


@pytest.mark.parametrize("path", NOTEBOOKS, **_IDS)
def test_no_volatile_metadata_or_progress_bars(path):
    _ok(volatile_problems(path))


@pytest.mark.parametrize("path", NOTEBOOKS, **_IDS)
def test_only_ignore_output_markers_each_with_a_reason(path):
    _ok(marker_problems(path))


@pytest.mark.parametrize("path", NOTEBOOKS, **_IDS)
def test_chapter_checks_its_claims(path):
    _ok(claims_problems(path))


@pytest.mark.parametrize("path", NOTEBOOKS, **_IDS)
def test_markdown_twin_matches_notebook(path):
    _ok(twin_problems(path, ROOT))


def test_no_orphan_twins():
    _ok(orphan_problems(ROOT))


def test_environment_yml_uses_the_pinned_set():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip_lines = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-r requirements.lock" in pip_lines and "-e ." in pip_lines
