"""The shared script layer (scripts/chapters.py): listing, executing, glue reading."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import chapters  # noqa: E402


def test_chapters_are_the_numbered_notebooks_in_reading_order():
    names = [p.name for p in chapters.chapters()]
    assert names == sorted(names) and len(names) >= 6
    assert names[0].startswith("01-") and all(n.endswith(".ipynb") for n in names)


def test_glued_values_reads_the_printed_form():
    notebook = nbformat.read(chapters.BOOK / "06-rescaling-cheat-sheet.ipynb", 4)
    glued = chapters.glued_values(notebook)
    assert glued["factor_f"] == "10" and "verdict_1" in glued


def _notebook(tmp_path: Path, *sources: str) -> Path:
    path = tmp_path / "tiny.ipynb"
    cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_execute_runs_in_the_notebooks_folder_without_timing(tmp_path):
    path = _notebook(tmp_path, "import os; print(os.getcwd())")
    notebook, seconds = chapters.execute(path, timeout=60)
    assert notebook.cells[0].outputs[0]["text"].strip() == str(tmp_path)
    assert "execution" not in notebook.cells[0].metadata and seconds > 0
    assert nbformat.read(path, 4).cells[0].outputs == []  # the file is not written


def test_execute_attaches_the_partly_executed_notebook_to_a_failure(tmp_path):
    path = _notebook(tmp_path, "print('ran')", "1 / 0", "print('never')")
    with pytest.raises(CellExecutionError) as failure:
        chapters.execute(path, timeout=60)
    cells = failure.value.notebook.cells
    assert cells[0].outputs[0]["text"] == "ran\n" and cells[2].outputs == []
