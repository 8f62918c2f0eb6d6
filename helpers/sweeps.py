"""Run one setting over seeds and summarise what it produced."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

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


def best_log2_rate(losses: Sequence[float], rates: Sequence[float]) -> float:
    """log2 of the best learning rate on a grid: the vertex of a parabola through the
    grid minimum and its two neighbours, in (log2 rate, log loss).

    ``rates`` must be increasing and geometrically spaced; a diverged run's loss is
    inf or NaN. The vertex is kept between the two neighbours; where a neighbour
    diverged, or the three points do not curve upwards, the grid minimum is returned.
    """
    losses = np.asarray(losses, dtype=float)
    rates = np.asarray(rates, dtype=float)
    if losses.ndim != 1 or losses.shape != rates.shape or len(rates) < 3:
        raise ValueError(
            "losses and rates must be 1-D, of the same length, at least 3, got "
            f"{losses.shape} and {rates.shape}"
        )
    if not (rates > 0).all() or not (np.diff(rates) > 0).all():
        raise ValueError("rates must be positive and increasing")
    finite = np.where(np.isfinite(losses), losses, np.inf)
    if not np.isfinite(finite).any():
        raise ValueError("every run diverged: no best rate")
    low = int(np.argmin(finite))
    i = int(np.clip(low, 1, len(rates) - 2))
    x, f = np.log2(rates[i - 1 : i + 2]), np.log(finite[i - 1 : i + 2])
    if not np.isfinite(f).all():
        return float(np.log2(rates[low]))
    curvature, slope, _ = np.polyfit(x, f, 2)
    if curvature <= 0:
        return float(np.log2(rates[low]))
    return float(np.clip(-slope / (2 * curvature), x[0], x[-1]))
