"""Seed stress: re-run every chapter's claim checks with other seeds; report each claim.

Usage: python scripts/seed_stress.py [book/NN-name.ipynb ...]
           [--offset 100] [--min-seeds 5]

Each chapter is executed in a fresh kernel on a temporary copy (the stored notebooks are
not touched) with $SCALEBOOK_SEED_OFFSET and $SCALEBOOK_MIN_SEEDS set, so
`helpers.seeds(n)` hands it at least --min-seeds seeds none of which the stored outputs
used. Every `check(...)` logs its value and whether it passed; every failing cell (a
plain `assert`) is reported too. The table compares each claim's value with the stored
run's (the spread between seed sets) and is written to _build/seed-stress.md. Exit
status 1 if any claim failed. Takes about as long as executing the book with
--min-seeds / 3 times the seeds (about 8 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from chapters import ROOT, chapters, execute, glued_values

REPORT = ROOT / "_build" / "seed-stress.md"


def stress(
    path: Path, offset: int, min_seeds: int
) -> tuple[list[dict], list[str], float]:
    """Execute one chapter with other seeds; return its logged claims, its failing
    cells, seconds.
    """
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "claims.jsonl"
        os.environ.update(
            SCALEBOOK_SEED_OFFSET=str(offset),
            SCALEBOOK_MIN_SEEDS=str(min_seeds),
            SCALEBOOK_CLAIMS_LOG=str(log),
        )
        notebook, elapsed = execute(path, allow_errors=True)
        claims = (
            [json.loads(line) for line in log.read_text().splitlines()]
            if log.exists()
            else []
        )
    errors = [
        f"cell {i}: {out.get('ename')}: {out.get('evalue', '')[:160]}"
        for i, cell in enumerate(notebook.cells)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    return claims, errors, elapsed


def bound_text(claim: dict) -> str:
    parts = []
    if "expected" in claim:
        tol = max(
            claim.get("rel_tol", 0) * abs(claim["expected"]), claim.get("abs_tol", 0)
        )
        parts.append(f"{claim['expected']:.4g} ± {tol:.2g}")
    if "at_most" in claim:
        parts.append(f"≤ {claim['at_most']:.3g}")
    if "at_least" in claim:
        parts.append(f"≥ {claim['at_least']:.3g}")
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument(
        "--offset",
        type=int,
        default=100,
        help="first seed of the stress run (default 100)",
    )
    parser.add_argument(
        "--min-seeds",
        type=int,
        default=5,
        help="at least this many seeds per claim (default 5)",
    )
    args = parser.parse_args()
    paths = [p.resolve() for p in args.notebooks] or chapters()
    seeds = (
        f"{args.offset}..{args.offset + args.min_seeds - 1} "
        "(or more where a chapter uses more)"
    )
    lines = [
        f"# Seed stress: seeds {seeds}",
        "",
        "| chapter | claim | bound | stored run | stress run | result |",
        "|---|---|---|---|---|---|",
    ]
    failures = total = 0
    for path in paths:
        print(f"stress {path.name} ...", flush=True)
        claims, errors, elapsed = stress(path, args.offset, args.min_seeds)
        stored = glued_values(nbformat.read(path, as_version=4))
        for claim in claims:
            total += 1
            failures += not claim["passed"]
            value = claim["value"]
            shown = f"{value:.4g}" if isinstance(value, float) else str(value)
            lines.append(
                f"| {path.stem[:2]} | `{claim['name']}` | {bound_text(claim)} | "
                f"{stored.get(claim['name'], '')} "
                f"| {shown} | {'pass' if claim['passed'] else '**FAIL**'} |"
            )
        for error in errors:
            failures += 1
            lines.append(f"| {path.stem[:2]} | {error} | | | | **FAIL** |")
        print(
            f"  {len(claims)} checked claims, {len(errors)} failing cells, "
            f"{elapsed:.0f} s",
            flush=True,
        )
    lines += [
        "",
        f"{total} checked claims over {len(paths)} chapters; {failures} failures.",
    ]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"report written to {REPORT.relative_to(ROOT)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
