import numpy as np
import pytest
import torch
from torch import nn

import helpers
from helpers import clip_per_model_, train, train_batched


def _nets(n, dtype=torch.float64, seed0=0):
    return [
        helpers.mlp(
            [3, 5, 1],
            activation="tanh",
            generator=torch.Generator().manual_seed(seed0 + i),
        ).to(dtype)
        for i in range(n)
    ]


def _data(n=16, dtype=torch.float64):
    gen = torch.Generator().manual_seed(0)
    return torch.randn(n, 3, generator=gen, dtype=dtype), torch.randn(
        n, 1, generator=gen, dtype=dtype
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        lambda p: torch.optim.Adam(p, lr=1e-2),
        lambda p: torch.optim.AdamW(p, lr=1e-2),
        lambda p: torch.optim.NAdam(p, lr=1e-2),
        lambda p: torch.optim.RAdam(p, lr=1e-2),
        lambda p: torch.optim.Adagrad(p, lr=1e-2),
        lambda p: torch.optim.RMSprop(p, lr=1e-3),
        lambda p: torch.optim.Rprop(p, lr=1e-3),
        lambda p: torch.optim.ASGD(p, lr=1e-2),
    ],
)
def test_batched_runs_match_single_runs(make):
    X, y = _data()
    singles = []
    for model in _nets(3):
        singles.append(
            train(
                model,
                nn.functional.mse_loss,
                X,
                y,
                make(model.parameters()),
                num_steps=20,
                record_trajectory=True,
                record_every=5,
            ).trajectory
        )
    result, trained = train_batched(
        _nets(3),
        nn.functional.mse_loss,
        X,
        y,
        lambda p: make(p.values()),
        num_steps=20,
        record_trajectory=True,
        record_every=5,
    )
    assert result.trajectory.shape == (3, 5, np.stack(singles).shape[2])
    assert np.abs(result.trajectory - np.stack(singles)).max() < 1e-13
    assert np.allclose(helpers.flat_parameters(trained[1]), singles[1][-1], atol=1e-13)
    assert result.losses.shape == (3, 20) and result.diverged_at == [None] * 3


def test_loss_scales_and_per_model_data():
    X, y = _data()
    plain, _ = train_batched(
        _nets(2),
        nn.functional.mse_loss,
        X,
        y,
        lambda p: torch.optim.SGD(p.values(), lr=0.1),
        num_steps=5,
        record_trajectory=True,
    )
    scaled, _ = train_batched(
        _nets(2),
        nn.functional.mse_loss,
        torch.stack([X, X]),
        torch.stack([y, y]),
        lambda p: torch.optim.SGD(p.values(), lr=0.1 / 4),
        num_steps=5,
        per_model_data=True,
        loss_scales=torch.tensor([4.0, 4.0]),
        record_trajectory=True,
    )
    assert np.array_equal(
        plain.trajectory, scaled.trajectory
    )  # power-of-two map: bitwise


def test_per_model_clipping_matches_torch_clip_grad_norm():
    X, y = _data()
    single = _nets(1, seed0=1)[0]
    opt = torch.optim.SGD(single.parameters(), lr=0.1)
    reference = train(
        single,
        nn.functional.mse_loss,
        X,
        y,
        opt,
        num_steps=10,
        record_trajectory=True,
        before_step=lambda m: nn.utils.clip_grad_norm_(m.parameters(), 0.05),
    ).trajectory
    result, _ = train_batched(
        _nets(2),
        nn.functional.mse_loss,
        X,
        y,
        lambda p: torch.optim.SGD(p.values(), lr=0.1),
        num_steps=10,
        max_grad_norm=0.05,
        record_trajectory=True,
    )
    assert np.abs(result.trajectory[1] - reference).max() < 1e-14
    assert (result.grad_norms > 0.05).all()


def test_clip_per_model_scales_each_row_separately():
    grads = [torch.tensor([[3.0, 4.0], [0.3, 0.4]])]
    norms = clip_per_model_(grads, 1.0, guard=0.0)
    assert torch.allclose(norms, torch.tensor([5.0, 0.5]))
    assert torch.allclose(grads[0], torch.tensor([[0.6, 0.8], [0.3, 0.4]]))


def test_divergence_is_recorded_per_model_and_the_others_go_on():
    X, y = _data()
    nets = _nets(2)
    with torch.no_grad():
        nets[0][0].weight.fill_(float("nan"))
    result, _ = train_batched(
        nets,
        nn.functional.mse_loss,
        X,
        y,
        lambda p: torch.optim.Adam(p.values(), lr=1e-2),
        num_steps=4,
        record_trajectory=True,
    )
    assert result.diverged_at == [0, None]
    assert np.isnan(result.losses[0, 1:]).all() and np.isfinite(result.losses[1]).all()
    assert np.isfinite(result.trajectory[1]).all()


def test_minibatches_match_single_runs_on_the_same_slices():
    X, y = _data(n=10)
    result, _ = train_batched(
        _nets(2),
        nn.functional.mse_loss,
        X,
        y,
        lambda p: torch.optim.SGD(p.values(), lr=0.1),
        num_steps=7,
        batch_size=4,
        sample_seed=3,
        record_trajectory=True,
        record_every=7,
    )
    # replay the sampler: per epoch one permutation per model, slices of 4, 2 per epoch
    generator = torch.Generator().manual_seed(3)
    orders = [torch.argsort(torch.rand(2, 10, generator=generator)) for _ in range(4)]
    for i, model in enumerate(_nets(2)):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(7):
            index = orders[step // 2][i, 4 * (step % 2) : 4 * (step % 2) + 4]
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(X[index]), y[index])
            assert abs(loss.item() - result.losses[i, step]) < 1e-13
            loss.backward()
            optimizer.step()
        final = helpers.flat_parameters(model)
        assert np.abs(result.trajectory[i, -1] - final).max() < 1e-13


def test_each_model_draws_its_own_minibatches():
    X, y = _data(n=64)
    nets = _nets(1) * 2  # the same initial weights twice
    result, _ = train_batched(
        nets,
        nn.functional.mse_loss,
        X,
        y,
        lambda p: torch.optim.SGD(p.values(), lr=0.1),
        num_steps=3,
        batch_size=8,
    )
    assert result.losses[0, 0] != result.losses[1, 0]


@pytest.mark.parametrize(
    "make",
    [
        lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
        lambda p, lr: torch.optim.Adam(p, lr=lr),
        lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.1),
    ],
)
def test_lr_scales_act_as_per_model_learning_rates(make):
    X, y = _data()
    result, _ = train_batched(
        _nets(2),
        nn.functional.mse_loss,
        X,
        y,
        lambda p: make(p.values(), 1e-2),
        num_steps=10,
        lr_scales=torch.tensor([1.0, 3.0]),
        record_trajectory=True,
        record_every=10,
    )
    model = _nets(2)[1]
    single = train(
        model,
        nn.functional.mse_loss,
        X,
        y,
        make(model.parameters(), 3e-2),
        num_steps=10,
        record_trajectory=True,
        record_every=10,
    ).trajectory
    assert np.abs(result.trajectory[1] - single).max() < 1e-12


def test_evaluations_are_recorded_every_k_steps_and_blanked_after_divergence():
    X, y = _data()
    nets = _nets(2)
    result, trained = train_batched(
        nets,
        nn.functional.mse_loss,
        X,
        y,
        lambda p: torch.optim.SGD(p.values(), lr=0.1),
        num_steps=6,
        record_every=3,
        lr_scales=torch.tensor([1.0, 1e200]),
        evaluate_on={"train": (X, y), "half": (X[:8], y[:8])},
    )
    assert list(result.evaluated_at) == [0, 3, 6]
    assert result.evaluations["train"].shape == (2, 3)
    with torch.no_grad():
        final = nn.functional.mse_loss(trained[0](X), y).item()
        first = nn.functional.mse_loss(nets[0](X[:8]), y[:8]).item()
    assert abs(result.evaluations["train"][0, -1] - final) < 1e-13
    assert abs(result.evaluations["half"][0, 0] - first) < 1e-13
    assert result.diverged_at[1] is not None
    assert np.isnan(result.evaluations["train"][1, -1])


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        ({"models": []}, TypeError, "models"),
        ({"models": "net"}, TypeError, "models"),
        ({"models": [nn.Linear(3, 1), nn.Linear(4, 1)]}, ValueError, "architecture"),
        ({"make_optimizer": "adam"}, TypeError, "make_optimizer"),
        (
            {"make_optimizer": lambda p: torch.optim.LBFGS(p.values())},
            TypeError,
            "element-wise",
        ),
        ({"num_steps": 0}, ValueError, "num_steps"),
        ({"loss_scales": torch.ones(3)}, ValueError, "loss_scales"),
        ({"loss_scales": [1.0, 1.0]}, TypeError, "loss_scales"),
        ({"max_grad_norm": -1.0}, ValueError, "max_grad_norm"),
        ({"clip_guard": -1.0}, ValueError, "clip_guard"),
        ({"per_model_data": True}, ValueError, "per model"),
        ({"batch_size": 17}, ValueError, "batch_size"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"sample_seed": -1}, ValueError, "sample_seed"),
        ({"lr_scales": torch.ones(3)}, ValueError, "lr_scales"),
        ({"evaluate_on": [1]}, TypeError, "evaluate_on"),
        ({"evaluate_on": {"x": 1}}, TypeError, "evaluate_on"),
        ({"inputs": "x"}, TypeError, "inputs"),
        (
            {"targets": torch.zeros(5, 1)},
            ValueError,
            "same, non-zero number of samples",
        ),
    ],
)
def test_rejects_bad_input(kwargs, error, word):
    X, y = _data()
    arguments = dict(
        models=_nets(2),
        loss_fn=nn.functional.mse_loss,
        inputs=X,
        targets=y,
        make_optimizer=lambda p: torch.optim.SGD(p.values(), lr=0.1),
        num_steps=2,
    )
    arguments.update(kwargs)
    with pytest.raises(error, match=word):
        train_batched(**arguments)


def test_clip_per_model_rejects_bad_input():
    with pytest.raises(ValueError, match="max_norm"):
        clip_per_model_([torch.ones(2, 2)], 0.0)
    with pytest.raises(ValueError, match="grads"):
        clip_per_model_([], 1.0)
