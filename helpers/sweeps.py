"""Run one setting over seeds (or a learning-rate grid over seeds) and summarise
what it produced."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import torch
from torch import nn

from .batched import BatchedResult, train_batched
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


@dataclass(frozen=True)
class Crossing:
    """Where a falling curve first reaches a level: between snapshots ``index - 1``
    and ``index``, at ``fraction`` of the way (interpolated in the log of the curve).
    """

    index: int
    fraction: float

    def at(self, values: Sequence[float]) -> float:
        """Another quantity recorded at the same snapshots, read at the crossing."""
        values = np.asarray(values, dtype=float)
        before, after = values[self.index - 1], values[self.index]
        return float(before + self.fraction * (after - before))


def first_crossing(curve: Sequence[float], level: float) -> Crossing | None:
    """The first snapshot at which ``curve`` (positive, e.g. a loss) is at or below
    ``level``, with the crossing interpolated linearly in log(curve) from the snapshot
    before. None if the curve never gets there, or starts there (nothing to
    interpolate). NaN and inf entries (a diverged run) never count as reaching it.
    """
    curve = np.asarray(curve, dtype=float)
    if curve.ndim != 1:
        raise ValueError(f"curve must be 1-D, got shape {curve.shape}")
    if not (isinstance(level, int | float) and level > 0 and math.isfinite(level)):
        raise ValueError(f"level must be a positive finite number, got {level!r}")
    finite = curve[np.isfinite(curve)]
    if (finite <= 0).any():
        raise ValueError(
            "curve must be positive where finite (it is interpolated in log)"
        )
    hits = np.flatnonzero(np.isfinite(curve) & (curve <= level))
    if len(hits) == 0 or hits[0] == 0:
        return None
    j = int(hits[0])
    before, after = np.log(curve[j - 1]), np.log(curve[j])
    if not np.isfinite(before):  # the snapshot before had diverged: no interpolation
        return Crossing(j, 1.0)
    fraction = (before - math.log(level)) / (before - after) if before > after else 1.0
    return Crossing(j, float(fraction))


OptimizerAtRate = Callable[[dict[str, torch.Tensor], float], torch.optim.Optimizer]


@dataclass(frozen=True)
class RateSweep:
    """Models trained at every (learning rate, seed) pair, side by side.

    Model ``i`` of ``result`` ran at ``rates[i // len(seeds)]`` with seed
    ``seeds[i % len(seeds)]``.
    """

    rates: np.ndarray
    seeds: tuple[int, ...]
    result: BatchedResult

    def curves(self, data: str = "train") -> np.ndarray:
        """(rate, seed, snapshot) loss on ``data``; a diverged run reads +inf."""
        if data not in self.result.evaluations:
            known = ", ".join(sorted(self.result.evaluations))
            raise ValueError(
                f"data must be one of the evaluated sets ({known}), got {data!r}"
            )
        values = self.result.evaluations[data].reshape(
            len(self.rates), len(self.seeds), -1
        )
        return np.where(np.isfinite(values), values, np.inf)

    def at_step(self, step: int, data: str = "train") -> np.ndarray:
        """(rate, seed) loss on ``data`` at a recorded ``step``."""
        recorded = [int(s) for s in self.result.evaluated_at]
        if step not in recorded:
            raise ValueError(f"step must be a recorded step ({recorded}), got {step!r}")
        return self.curves(data)[:, :, recorded.index(step)]

    def best_log2_rates(self, step: int, data: str = "train") -> np.ndarray:
        """Per seed, :func:`best_log2_rate` of the losses at ``step``."""
        losses = self.at_step(step, data)
        return np.array(
            [best_log2_rate(losses[:, s], self.rates) for s in range(len(self.seeds))]
        )


def sweep_rates(
    make_model: Callable[[int], nn.Module],
    rates: Sequence[float],
    seeds: Sequence[int],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    inputs: torch.Tensor,
    targets: torch.Tensor,
    make_optimizer: OptimizerAtRate,
    *,
    num_steps: int,
    evaluate_on: dict[str, tuple[torch.Tensor, torch.Tensor]],
    **options,
) -> tuple[RateSweep, list[nn.Module]]:
    """Train ``make_model(seed)`` at every learning rate in ``rates`` (increasing) for
    every seed, side by side with :func:`helpers.train_batched`.

    ``make_optimizer(params, lr)`` builds the optimizer at the first rate; each model's
    step is then scaled to its own rate (``lr_scales``, exact for optimizers whose
    update is the learning rate times a direction). ``options`` go to
    ``train_batched`` (``batch_size``, ``sample_seed``, ``record_every``, ...).
    Returns the sweep and the trained models (in the order of the sweep's models).
    """
    rates = np.asarray(rates, dtype=float)
    if rates.ndim != 1 or len(rates) == 0 or not (rates > 0).all():
        raise ValueError("rates must be a non-empty 1-D sequence of positive numbers")
    if not (np.diff(rates) > 0).all():
        raise ValueError("rates must be increasing")
    seeds = tuple(seeds)
    if not seeds or not all(isinstance(s, int) for s in seeds):
        raise ValueError(f"seeds must be a non-empty sequence of ints, got {seeds!r}")
    if not callable(make_model) or not callable(make_optimizer):
        raise TypeError(
            "make_model (seed -> module) and make_optimizer ((params, lr) -> "
            "optimizer) must be callables"
        )
    if "lr_scales" in options:
        raise ValueError("lr_scales is set by sweep_rates from rates; do not pass it")
    if not evaluate_on:
        raise ValueError("evaluate_on must name at least one data set to record")
    per_model = np.repeat(rates, len(seeds))
    result, trained = train_batched(
        [make_model(seed) for _ in rates for seed in seeds],
        loss_fn,
        inputs,
        targets,
        lambda params: make_optimizer(params, float(rates[0])),
        num_steps=num_steps,
        lr_scales=torch.tensor(per_model / rates[0]),
        evaluate_on=evaluate_on,
        **options,
    )
    return RateSweep(rates, seeds, result), trained
