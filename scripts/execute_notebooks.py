"""Re-execute chapters in place, byte-stably; refresh their twins and the status page.

Usage: python scripts/execute_notebooks.py [book/NAME.ipynb ...]
       (default: every chapter)

For each notebook (the source of its chapter): execute top to bottom in a fresh kernel
with nbclient (no timing metadata), write it back and regenerate its Markdown twin
md/NAME.md from it. Timings go to book/status.json and the
page book/status.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
from pathlib import Path

import nbformat
from chapters import BOOK, ROOT, chapters, execute, machine
from nbclient.exceptions import CellExecutionError

STATUS_JSON = BOOK / "status.json"
STATUS_PAGE = BOOK / "status.md"


def write_twin(path: Path) -> Path:
    """Regenerate ``md/NAME.md`` from the notebook (the notebook is the source)."""
    import jupytext
    from jupytext.config import load_jupytext_config

    twin = ROOT / "md" / (path.stem + ".md")
    config = load_jupytext_config(str(path.parent))
    text = jupytext.writes(jupytext.read(path), fmt="md:myst", config=config)
    twin.write_text(text.rstrip("\n") + "\n")
    return twin


def execute_in_place(path: Path, timeout: int) -> float:
    """Execute one notebook, write it back with its twin; return its wall time (s)."""
    try:
        notebook, elapsed = execute(path, timeout=timeout)
    except CellExecutionError as error:
        failed = Path("/tmp") / f"{path.stem}.failed.ipynb"
        nbformat.write(error.notebook, failed)
        print(f"  failed; the partly executed notebook is in {failed}", file=sys.stderr)
        raise
    nbformat.write(notebook, path)
    write_twin(path)
    return elapsed


def environment() -> dict[str, str]:
    # imported only to report their versions
    import jupyter_book
    import matplotlib
    import myst_nb
    import numpy
    import sympy
    import torch

    sys.path.insert(0, str(ROOT))
    from helpers import __version__

    return {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "sympy": sympy.__version__,
        "matplotlib": matplotlib.__version__,
        "jupyter-book": jupyter_book.__version__,
        "myst-nb": myst_nb.__version__,
        "helpers": __version__,
        "device": machine(),
    }


def write_status(records: dict[str, dict]) -> None:
    STATUS_JSON.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    lines = [
        "# Status",
        "",
        "Each chapter's stored outputs (what this book shows) were produced by one "
        "execution, top to",
        "bottom, in a fresh kernel. This page is written by `make execute`; `make "
        "test` re-executes every",
        "chapter under nbval and compares every output with the stored one: "
        "derivations, identities and",
        "data facts digit for digit, outcomes of training (printed as mean ± sd over "
        "n seeds) within",
        "their stated uncertainty. CI repeats that with one thread and torch's "
        "generic CPU kernels",
        "(`make test-variant`). Rounding-level distances are shown as bounds (README, "
        "maintainers' section).",
        "",
        "| chapter | executed on | wall time (s) | device | torch | numpy | sympy | "
        "python |",
        "|---|---|---:|---|---|---|---|---|",
    ]
    for name, rec in sorted(records.items()):
        lines.append(
            f"| [{name}]({name}.ipynb) | {rec['date']} | {rec['seconds']:.1f} | "
            f"{rec['device']} | "
            f"{rec['torch']} | {rec['numpy']} | {rec['sympy']} | {rec['python']} |"
        )
    lines += [
        "",
        "Other packages are pinned in `requirements.lock`; `environment.yml` lists "
        "the same set.",
        "",
    ]
    STATUS_PAGE.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        type=Path,
        help="notebooks to execute (default: all chapters)",
    )
    parser.add_argument(
        "--timeout", type=int, default=1200, help="per-cell timeout in seconds"
    )
    args = parser.parse_args()
    paths = [p.resolve() for p in args.notebooks] or chapters()
    records = json.loads(STATUS_JSON.read_text()) if STATUS_JSON.exists() else {}
    env = environment()
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            raise SystemExit(f"error: {path} is not a notebook file")
        print(f"executing {path.relative_to(ROOT)} ...", flush=True)
        seconds = execute_in_place(path, args.timeout)
        print(f"  done in {seconds:.1f} s", flush=True)
        records[path.stem] = {**env, "seconds": round(seconds, 1)}
    write_status(records)


if __name__ == "__main__":
    main()
