"""The one script layer for the book's chapters: list them, execute one, read its glues,
describe the machine.

Used by ``execute_notebooks.py``, ``seed_stress.py``, ``show_outputs.py`` and
``benchmarks/run.py``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
#: where myst-nb keeps a glued value's printed form
GLUE_MIME = "application/papermill.record/text/plain"


def chapters() -> list[Path]:
    """The chapter notebooks, in reading order (``book/NN-name.ipynb``)."""
    return sorted(BOOK.glob("[0-9][0-9]-*.ipynb"))


def execute(
    path: Path, *, timeout: int = 1800, allow_errors: bool = False
) -> tuple[nbformat.NotebookNode, float]:
    """Execute a notebook top to bottom in a fresh kernel, in its own folder.

    Returns the executed notebook (without timing metadata; the file is not written)
    and the wall time in seconds. The kernel inherits this process's environment. A
    failing cell raises nbclient's ``CellExecutionError`` with the partly executed
    notebook attached as its ``notebook`` attribute.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        error.notebook = notebook
        raise
    elapsed = time.perf_counter() - start
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    return notebook, elapsed


def glued_values(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Each glued value's printed form, by name."""
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                values[name] = output.get("data", {}).get(GLUE_MIME, "")
    return values


def machine() -> str:
    """The device the chapters run on, e.g. "cpu: Intel Xeon ..., 2 of 2 cores"."""
    import torch

    sys.path.insert(0, str(ROOT))
    from helpers import cpu_model, pick_device

    device = pick_device()
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"cpu: {cpu_model()}, {torch.get_num_threads()} of {os.cpu_count()} cores"
