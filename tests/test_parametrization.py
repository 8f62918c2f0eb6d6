import math

import mup
import pytest
import torch
from torch import nn

import helpers
from helpers.parametrization import (
    lr_multipliers,
    mlp_at_width,
    mup_reference,
    param_groups,
)

F64 = torch.float64


def _net(width, parametrization, seed=0):
    return mlp_at_width(
        width,
        parametrization,
        base_width=16,
        in_features=5,
        out_features=3,
        seed=seed,
        dtype=F64,
    )


def test_both_parametrizations_agree_at_the_base_width():
    standard, mu = _net(16, "standard"), _net(16, "mup")
    x = torch.randn(7, 5, dtype=F64)
    assert torch.equal(standard(x), mu(x))
    assert lr_multipliers(mu, "mup", width=16, base_width=16) == dict.fromkeys(
        (n for n, _ in mu.named_parameters()), 1.0
    )


def test_mup_rescales_hidden_biases_and_the_output_layer():
    raw = helpers.mlp([5, 64, 64, 3], seed=3, dtype=F64)
    mu = _net(64, "mup", seed=3)
    root = math.sqrt(64 / 16)
    assert torch.equal(mu[0].weight, raw[0].weight)
    assert torch.equal(mu[0].bias, raw[0].bias)
    assert torch.equal(mu[2].weight, raw[2].weight)
    assert torch.allclose(mu[2].bias, raw[2].bias * root)
    assert torch.allclose(mu[5].weight, raw[4].weight * root)
    assert torch.allclose(mu[5].bias, raw[4].bias * root)
    assert mu[4].factor == pytest.approx(16 / 64)
    factors = lr_multipliers(mu, "mup", width=64, base_width=16)
    assert factors == {
        "0.weight": 1.0,
        "0.bias": 1.0,
        "2.weight": 0.25,
        "2.bias": 1.0,
        "5.weight": 1.0,
        "5.bias": 1.0,
    }


def test_mup_matches_the_reference_package_step_by_step():
    """Same raw weights; our muP net with Adam on our groups against mup's MuReadout
    + set_base_shapes + MuAdam: every layer equal after three steps."""
    width, base = 128, 16  # sqrt(m) irrational: rescaling must happen in float64

    theirs = mup_reference(
        width, base_width=base, in_features=5, out_features=3, seed=1, dtype=F64
    )
    ours = _net(width, "mup", seed=1)
    factors = lr_multipliers(ours, "mup", width=width, base_width=base)
    optimizers = [
        torch.optim.Adam(param_groups(dict(ours.named_parameters()), factors, 1e-2)),
        mup.MuAdam(theirs.parameters(), lr=1e-2),
    ]
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 5, generator=gen, dtype=F64), torch.randn(32, 3, dtype=F64)
    for _ in range(3):
        for model, optimizer in zip((ours, theirs), optimizers, strict=True):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
    pairs = [(0, 0), (2, 2), (5, 4)]
    for i, j in pairs:
        assert torch.allclose(ours[i].weight, theirs[j].weight, rtol=0, atol=1e-12)
        assert torch.allclose(ours[i].bias, theirs[j].bias, rtol=0, atol=1e-12)
    assert torch.allclose(ours(x), theirs(x), rtol=0, atol=1e-12)


def test_param_groups_split_by_multiplier():
    mu = _net(64, "mup")
    factors = lr_multipliers(mu, "mup", width=64, base_width=16)
    groups = param_groups(dict(mu.named_parameters()), factors, 0.1)
    assert sorted(g["lr"] for g in groups) == pytest.approx([0.025, 0.1])
    assert sum(len(g["params"]) for g in groups) == 6
    with pytest.raises(ValueError, match="lacks"):
        param_groups(dict(mu.named_parameters()), {}, 0.1)


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: _net(16, "ntk"), ValueError, "parametrization"),
        (lambda: _net(5, "mup"), ValueError, "width"),
        (lambda: _net(0, "mup"), ValueError, "width"),
        (
            lambda: lr_multipliers("net", "mup", width=4, base_width=2),
            TypeError,
            "model",
        ),
    ],
)
def test_rejects_bad_input(call, error, word):
    with pytest.raises(error, match=word):
        call()


def test_mup_reference_refuses_bad_widths():
    with pytest.raises(ValueError, match="width"):
        mup_reference(0, base_width=16, in_features=5, out_features=3)
    with pytest.raises(ValueError, match="base_width"):
        mup_reference(32, base_width=-1, in_features=5, out_features=3)
