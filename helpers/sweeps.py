"""Run one setting over seeds and summarise what it produced."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .outcomes import Outcome, summarize

Run = TypeVar("Run")


@dataclass(frozen=True)
class Sweep(Generic[Run]):
    """Each seed's run, in order, and the summary of one value per run."""

    seeds: tuple[int, ...]
    runs: list[Run]
    outcome: Outcome

    @property
    def finished(self) -> list[Run]:
        """The runs that did not diverge."""
        return [r for r in self.runs if getattr(r, "diverged_at", None) is None]


def over_seeds(
    run: Callable[[int], Run], seeds: Iterable[int], value: Callable[[Run], float]
) -> Sweep[Run]:
    """``run(seed)`` for every seed, and an :class:`Outcome` of ``value(result)``.

    A result whose ``diverged_at`` is not None counts as diverged at that step: its
    value is NaN, whatever ``value`` would say, and the outcome reports it apart.
    """
    if not callable(run) or not callable(value):
        raise TypeError("run and value must be callables (run: seed -> result)")
    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    runs = [run(seed) for seed in seeds]
    diverged_at = [getattr(r, "diverged_at", None) for r in runs]
    values = [
        math.nan if step is not None else float(value(r))
        for r, step in zip(runs, diverged_at, strict=True)
    ]
    return Sweep(seeds, runs, summarize(values, diverged_at))
