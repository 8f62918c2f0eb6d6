"""The stacked trainer: each copy's run is fit_epochs' run of that copy alone."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from helpers import KerasAdam, fit_epochs, mlp
from helpers.stacked import StackedMLP, fit_epochs_stacked

F64 = torch.float64


def _data(n: int = 96, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 6, generator=gen, dtype=F64)
    y = torch.randint(0, 3, (n,), generator=gen)
    return x, y


def _models(seeds, activation="relu") -> list[nn.Sequential]:
    return [mlp([6, 8, 3], activation=activation, seed=s, dtype=F64) for s in seeds]


def _accuracy(x, y):
    def evaluate(model: nn.Module) -> dict[str, float]:
        with torch.no_grad():
            return {"acc": float((model(x).argmax(1) == y).double().mean())}

    return evaluate


def _alone_and_stacked(alone, seeds, x, y, num_epochs, lr=1e-3, evaluate=None):
    """Train copies of ``alone`` one at a time (fit_epochs) and as one stack; return
    both histories and the stacked copies."""
    stacked_models = [copy.deepcopy(m) for m in alone]
    options = dict(num_epochs=num_epochs, batch_size=16, evaluate=evaluate)
    loss_fn = nn.functional.cross_entropy
    expected = [
        fit_epochs(
            m, loss_fn, x, y, KerasAdam(m.parameters(), lr=lr), seed=s, **options
        )
        for m, s in zip(alone, seeds, strict=True)
    ]
    stack = StackedMLP(stacked_models)
    optimizer = KerasAdam(stack.parameters(), lr=lr)
    got = fit_epochs_stacked(stack, loss_fn, x, y, optimizer, seeds=seeds, **options)
    for a, b in zip(expected, got, strict=True):
        np.testing.assert_allclose(b.train_loss, a.train_loss, rtol=1e-12)
    return expected, got, stacked_models


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_each_copy_runs_as_it_would_alone(activation):
    x, y = _data()
    seeds = [0, 1, 2]
    alone = _models(seeds, activation)
    expected, got, stacked_models = _alone_and_stacked(
        alone, seeds, x, y, num_epochs=3, lr=1e-2, evaluate=_accuracy(x, y)
    )
    for a, b, m_alone, m_stacked in zip(
        expected, got, alone, stacked_models, strict=True
    ):
        assert b["acc"] == a["acc"]
        for p, q in zip(m_alone.parameters(), m_stacked.parameters(), strict=True):
            torch.testing.assert_close(q, p, rtol=1e-12, atol=1e-12)


def test_batch_norm_copies_run_as_they_would_alone():
    x, y = _data()
    x = 50 * x + 3  # off-scale inputs, as chapter 1's raw pixels

    def build(seed: int) -> nn.Sequential:
        return nn.Sequential(nn.BatchNorm1d(6, dtype=F64), *_models([seed])[0])

    alone = [build(s) for s in (0, 1)]
    *_, stacked_models = _alone_and_stacked(alone, [0, 1], x, y, num_epochs=2)
    for m_alone, m_stacked in zip(alone, stacked_models, strict=True):
        m_alone.eval(), m_stacked.eval()  # running statistics: the same too
        torch.testing.assert_close(m_stacked(x), m_alone(x), rtol=1e-10, atol=1e-12)
        assert int(m_stacked[0].num_batches_tracked) == 2 * len(x) // 16


def test_continuing_equals_one_longer_run():
    x, y = _data()
    loss_fn = nn.functional.cross_entropy
    once = StackedMLP(_models([3, 4]))
    whole = fit_epochs_stacked(
        once,
        loss_fn,
        x,
        y,
        KerasAdam(once.parameters()),
        num_epochs=4,
        batch_size=32,
        seeds=[3, 4],
    )
    twice = StackedMLP(_models([3, 4]))
    opt = KerasAdam(twice.parameters())
    first = fit_epochs_stacked(
        twice, loss_fn, x, y, opt, num_epochs=1, batch_size=32, seeds=[3, 4]
    )
    parts = fit_epochs_stacked(
        twice,
        loss_fn,
        x,
        y,
        opt,
        num_epochs=3,
        batch_size=32,
        seeds=[3, 4],
        histories=first,
    )
    for a, b in zip(whole, parts, strict=True):
        assert a.train_loss == b.train_loss


def test_a_diverging_copy_is_recorded_and_the_others_go_on():
    x, y = _data()
    models = _models([0, 1])
    with torch.no_grad():
        models[1][0].weight.fill_(float("nan"))
    stack = StackedMLP(models)
    histories = fit_epochs_stacked(
        stack,
        nn.functional.cross_entropy,
        x,
        y,
        torch.optim.SGD(stack.parameters(), lr=0.1),
        num_epochs=2,
        batch_size=32,
        seeds=[0, 1],
    )
    assert histories[0].diverged_at is None and histories[0].epochs == 2
    assert histories[1].diverged_at == 0 and histories[1].epochs == 0


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="nn.Sequential"):
        StackedMLP([])
    with pytest.raises(TypeError, match="StackedMLP takes layers"):
        StackedMLP([nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2))])
    with pytest.raises(ValueError, match="track_running_stats"):
        StackedMLP([nn.Sequential(nn.BatchNorm1d(2, track_running_stats=False))])
    with pytest.raises(ValueError, match="one architecture"):
        StackedMLP([mlp([2, 3, 1], seed=0), mlp([2, 4, 1], seed=0)])
    x, y = _data()
    stack = StackedMLP(_models([0]))
    opt = torch.optim.SGD(stack.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="one seed per copy"):
        fit_epochs_stacked(
            stack,
            nn.functional.cross_entropy,
            x,
            y,
            opt,
            num_epochs=1,
            batch_size=8,
            seeds=[0, 1],
        )
    with pytest.raises(TypeError, match="stack must be a StackedMLP"):
        fit_epochs_stacked(
            _models([0])[0],
            nn.functional.cross_entropy,
            x,
            y,
            opt,
            num_epochs=1,
            batch_size=8,
            seeds=[0],
        )
