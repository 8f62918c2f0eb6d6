"""What the book costs and how fast its training engine is: one table, in BENCHMARKS.md.

Usage: python benchmarks/run.py [--skip-chapters] [--output BENCHMARKS.md]
       (or: make benchmark)
       python benchmarks/run.py --only-chapters 07-width 08-batch-size
       (times those chapters alone and updates their rows, dated, in BENCHMARKS.md)

Measures, on this machine: the set-up on a warm machine (`make setup` when everything is
already installed), the HTML build from stored outputs, each chapter's execution in a
fresh kernel (median of 3 where a run takes under 30 s, else one run), Chapter 1's
seconds per epoch per run (one run alone, and the chapter's 18 main runs trained one
after the other as the chapter does, one epoch each), and the batched many-model trainer
against a loop of single runs (8, 64, 256 MLPs). Not part of `make test`: timings depend
on the machine. Runs in about 9 minutes on 2 CPU cores.
Never run it while anything else is using the CPU.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

import helpers

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "scripts")]
import batched_trainer  # noqa: E402
import chapters  # noqa: E402
import fashion_epoch  # noqa: E402


def timed(command: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def execute_chapter(path: Path) -> float:
    return chapters.execute(path)[1]


def chapter_row(path: Path) -> str:
    """One table row: a chapter's execution time (median of 3 under 30 s)."""
    first = execute_chapter(path)
    times = [first] + (
        [execute_chapter(path), execute_chapter(path)] if first < 30 else []
    )
    note = "median of 3" if len(times) == 3 else "one run"
    return f"| execute {path.stem} | {statistics.median(times):.0f} s | {note} |"


def update_chapter_rows(names: list[str], output: Path) -> None:
    """Re-time the named chapters and replace (or insert, in chapter order) their rows
    of an existing BENCHMARKS.md table; each updated row says when and where."""
    known = {p.stem: p for p in chapters.chapters()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown chapters {unknown}; known: {sorted(known)}")
    lines = output.read_text().splitlines()
    stamp = f"; {dt.date.today().isoformat()}, {chapters.machine()}"
    for name in names:
        row = chapter_row(known[name])
        row = row[: -len(" |")] + stamp + " |"
        print(row, flush=True)
        prefix = f"| execute {name} |"
        at = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        if at:
            lines[at[0]] = row
            continue
        earlier = [
            i
            for i, line in enumerate(lines)
            if line.startswith("| execute ") and line.split()[2] < name
        ]
        lines.insert(earlier[-1] + 1 if earlier else len(lines), row)
    output.write_text("\n".join(lines) + "\n")
    print(f"updated {output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--skip-chapters", action="store_true", help="leave out the chapter executions"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--only-chapters",
        nargs="+",
        metavar="NAME",
        help="time only these chapters and update their rows in the existing file",
    )
    args = parser.parse_args()
    if args.only_chapters:
        update_chapter_rows(args.only_chapters, args.output)
        return
    device = helpers.pick_device()
    machine = f"{chapters.machine()}, torch {torch.__version__}"
    rows: list[tuple[str, str, str]] = []

    def add(what: str, value: str, note: str = "") -> None:
        rows.append((what, value, note))
        print(f"{what}: {value} {note}", flush=True)

    setup = timed(["make", "setup"], 3)
    add(
        "set-up on a warm machine (make setup)",
        f"{statistics.median(setup):.1f} s",
        "median of 3",
    )
    build = timed(
        [str(ROOT / ".venv/bin/jupyter-book"), "build", ".", "--all", "--quiet"], 3
    )
    add(
        "HTML build from stored outputs",
        f"{statistics.median(build):.1f} s",
        "median of 3",
    )
    if not args.skip_chapters:
        for path in chapters.chapters():
            first = execute_chapter(path)
            times = [first] + (
                [execute_chapter(path), execute_chapter(path)] if first < 30 else []
            )
            add(
                f"execute {path.stem}",
                f"{statistics.median(times):.0f} s",
                "median of 3" if len(times) == 3 else "one run",
            )
    alone, full_set = fashion_epoch.epoch_timings(device)
    add(
        "Fashion-MNIST epoch, one run alone (ch. 1 set-up)",
        f"{alone:.2f} s/epoch",
        "training only, median of 3; target ≤ 0.8",
    )
    add(
        "Fashion-MNIST epoch, ch. 1's 18 runs in sequence",
        f"{full_set:.2f} s/epoch/run",
        "one epoch each, with test evaluation",
    )
    add(
        "Fashion-MNIST epoch, 5 seeds stacked (ch. 1's trainer)",
        f"{fashion_epoch.stacked_epoch(device):.2f} s/epoch/model",
        "helpers.fit_epochs_stacked, with test evaluation",
    )
    for row in batched_trainer.measure(
        [8, 64, 256], steps=100, repeats=3, device=device
    ):
        add(
            f"batched trainer, {row['models']} MLPs, {row['dtype']}",
            f"{row['speedup']:.1f}× faster",
            f"loop {row['loop_s']:.2f} s, batched {row['batched_s']:.2f} s, gap "
            f"{row['gap']:.0e}; "
            f"median of {row['repeats']}"
            + ("; target ≥ 5×" if row["models"] == 64 else ""),
        )

    lines = [
        "# Benchmarks",
        "",
        f"Measured {dt.date.today().isoformat()} with `make benchmark` on: {machine}.",
        "",
        "| what | result | notes |",
        "|---|---|---|",
    ] + [f"| {w} | {v} | {n} |" for w, v, n in rows]
    lines += [
        "",
        "Timings depend on the machine and on what else runs; compare rows measured "
        "on the same machine.",
        "The batched trainer's problem is Chapter 6's (8-16-16-1 tanh MLPs, 128 "
        "samples, full-batch Adam,",
        "100 steps); 'gap' is the largest relative difference between batched and "
        "looped final parameters.",
    ]
    args.output.write_text("\n".join(lines) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
