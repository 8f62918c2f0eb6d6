"""helpers.over_seeds: one run per seed, divergences counted apart."""

from dataclasses import dataclass

import numpy as np
import pytest

import helpers
from helpers import over_seeds


@dataclass
class FakeRun:
    loss: float
    diverged_at: int | None = None


def test_over_seeds_runs_each_seed_and_summarises():
    sweep = over_seeds(lambda seed: FakeRun(float(seed)), [1, 2, 3], lambda r: r.loss)
    assert sweep.seeds == (1, 2, 3) and [r.loss for r in sweep.runs] == [1, 2, 3]
    assert sweep.outcome.mean() == 2.0 and sweep.outcome.n == 3


def test_a_diverged_run_is_counted_apart_whatever_its_value():
    sweep = over_seeds(
        lambda seed: FakeRun(0.5, diverged_at=7 if seed == 2 else None),
        [1, 2, 3],
        lambda r: r.loss,
    )
    assert sweep.outcome.num_diverged == 1 and sweep.outcome.finite == (0.5, 0.5)
    assert str(sweep.outcome) == "0.5 ± 0 (n = 2; 1 of 3 diverged, step 7)"
    assert [r.diverged_at for r in sweep.finished] == [None, None]


def test_plain_values_have_no_divergence():
    assert over_seeds(lambda seed: seed * 2, [1, 2], float).outcome.mean() == 3.0


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="callables"):
        over_seeds(3, [1], float)
    with pytest.raises(ValueError, match="seeds"):
        over_seeds(float, [], float)


def test_best_log2_rate_finds_a_parabola_vertex_between_grid_points():
    rates = 2.0 ** np.arange(-6, 1)
    losses = np.exp((np.log2(rates) + 2.3) ** 2)  # log loss is a parabola, vertex -2.3
    assert helpers.best_log2_rate(losses, rates) == pytest.approx(-2.3)


def test_best_log2_rate_edges_and_divergence():
    rates = 2.0 ** np.arange(4)
    assert helpers.best_log2_rate([1.0, 2.0, 3.0, 4.0], rates) == pytest.approx(0.0)
    # a diverged neighbour: the grid minimum itself
    assert helpers.best_log2_rate([3.0, 2.0, 1.0, np.inf], rates) == 2.0
    # symmetric neighbours: halfway; no upward curvature: the grid minimum
    assert helpers.best_log2_rate([2.0, 1.0, 1.0, 2.0], rates) == pytest.approx(1.5)
    assert helpers.best_log2_rate([1.0, 2.0, 1.0, 0.5], rates) == 3.0
    with pytest.raises(ValueError, match="diverged"):
        helpers.best_log2_rate([np.nan] * 4, rates)
    with pytest.raises(ValueError, match="increasing"):
        helpers.best_log2_rate([1.0, 2.0, 3.0], [1.0, 0.5, 2.0])
    with pytest.raises(ValueError, match="same length"):
        helpers.best_log2_rate([1.0, 2.0], [1.0, 2.0])
