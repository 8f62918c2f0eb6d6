"""helpers.over_seeds: one run per seed, divergences counted apart."""

from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

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


# --- first_crossing ---------------------------------------------------------------


def test_first_crossing_interpolates_in_log():
    crossing = helpers.first_crossing([4.0, 2.0, 0.5, 0.25], 1.0)
    # log 2 -> log 0.5 passes log 1 half way
    assert crossing.index == 2 and crossing.fraction == pytest.approx(0.5)
    assert crossing.at([0, 10, 20, 30]) == pytest.approx(15.0)


def test_first_crossing_none_when_never_or_already_there():
    assert helpers.first_crossing([3.0, 2.0, 1.5], 1.0) is None
    assert helpers.first_crossing([0.9, 0.5], 1.0) is None


def test_first_crossing_ignores_diverged_snapshots():
    assert helpers.first_crossing([2.0, np.nan, np.inf], 1.0) is None
    crossing = helpers.first_crossing([2.0, 1.0, np.nan], 1.0)
    assert crossing.index == 1 and crossing.fraction == pytest.approx(1.0)


def test_first_crossing_refuses_bad_input():
    with pytest.raises(ValueError, match="level"):
        helpers.first_crossing([2.0, 1.0], 0.0)
    with pytest.raises(ValueError, match="positive"):
        helpers.first_crossing([2.0, -1.0], 1.0)
    with pytest.raises(ValueError, match="1-D"):
        helpers.first_crossing([[2.0, 1.0]], 1.0)


# --- sweep_rates ------------------------------------------------------------------


def _problem():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    return x, y


def test_sweep_rates_matches_separate_runs_per_rate_and_seed():
    x, y = _problem()
    rates, seeds = [0.01, 0.02, 0.04], (0, 1, 2)
    sweep, trained = helpers.sweep_rates(
        lambda seed: helpers.mlp([3, 4, 1], seed=seed),
        rates,
        seeds,
        nn.functional.mse_loss,
        x,
        y,
        lambda params, lr: torch.optim.SGD(params.values(), lr=lr),
        num_steps=6,
        record_every=3,
        evaluate_on={"train": (x, y)},
    )
    assert sweep.curves().shape == (3, 3, 3)
    for i, lr in enumerate(rates):
        for s, seed in enumerate(seeds):
            alone, _ = helpers.train_batched(
                [helpers.mlp([3, 4, 1], seed=seed)],
                nn.functional.mse_loss,
                x,
                y,
                lambda params, lr=lr: torch.optim.SGD(params.values(), lr=lr),
                num_steps=6,
                record_every=3,
                evaluate_on={"train": (x, y)},
            )
            np.testing.assert_allclose(
                sweep.curves()[i, s], alone.evaluations["train"][0], rtol=1e-5
            )
    np.testing.assert_array_equal(sweep.at_step(6), sweep.curves()[:, :, -1])
    assert sweep.best_log2_rates(6).shape == (3,)
    assert len(trained) == 9


def test_sweep_rates_reads_a_diverged_run_as_inf():
    x, y = _problem()
    sweep, _ = helpers.sweep_rates(
        lambda seed: helpers.mlp([3, 4, 1], seed=seed),
        [0.01, 0.1, 1e4],
        (0,),
        nn.functional.mse_loss,
        x,
        y,
        lambda params, lr: torch.optim.SGD(params.values(), lr=lr),
        num_steps=40,
        record_every=20,
        evaluate_on={"train": (x, y)},
    )
    assert sweep.result.diverged_at[2] is not None
    assert np.isposinf(sweep.at_step(40)[2, 0])


def test_sweep_rates_refuses_bad_input():
    x, y = _problem()

    def call(**overrides):
        arguments = dict(
            make_model=lambda seed: helpers.mlp([3, 4, 1], seed=seed),
            rates=[0.1, 0.2],
            seeds=(0,),
            loss_fn=nn.functional.mse_loss,
            inputs=x,
            targets=y,
            make_optimizer=lambda p, lr: torch.optim.SGD(p.values(), lr=lr),
            num_steps=2,
            evaluate_on={"train": (x, y)},
        )
        arguments.update(overrides)
        return helpers.sweep_rates(**arguments)

    with pytest.raises(ValueError, match="increasing"):
        call(rates=[0.2, 0.1])
    with pytest.raises(ValueError, match="positive"):
        call(rates=[0.0, 0.1])
    with pytest.raises(ValueError, match="seeds"):
        call(seeds=())
    with pytest.raises(ValueError, match="lr_scales"):
        call(lr_scales=torch.ones(2))
    with pytest.raises(ValueError, match="evaluate_on"):
        call(evaluate_on={})
    with pytest.raises(TypeError, match="make_model"):
        call(make_model=None)
    sweep, _ = call()
    with pytest.raises(ValueError, match="recorded step"):
        sweep.at_step(5)
    with pytest.raises(ValueError, match="evaluated sets"):
        sweep.curves("test")
