import pytest
import torch
from torch import nn

import helpers
from helpers import gradient_noise


def _problem(n=50):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(n, 1, generator=gen, dtype=torch.float64)
    return x, y


def test_matches_per_example_gradients_by_loop():
    x, y = _problem()
    model = helpers.mlp([3, 4, 1], activation="tanh", seed=1, dtype=torch.float64)
    rows = []
    for i in range(len(x)):
        model.zero_grad()
        nn.functional.mse_loss(model(x[i : i + 1]), y[i : i + 1]).backward()
        rows.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    grads = torch.stack(rows)
    mean = grads.mean(0)
    expected_trace = ((grads - mean) ** 2).sum(1).mean()
    noise = gradient_noise(model, nn.functional.mse_loss, x, y, chunk_size=7)
    assert noise.num_examples == 50
    assert abs(noise.mean_gradient_sq - float(mean @ mean)) < 1e-12
    assert abs(noise.trace_covariance - float(expected_trace)) < 1e-12
    assert noise.simple_noise_scale == pytest.approx(
        float(expected_trace / (mean @ mean)), rel=1e-10
    )


def test_a_minibatch_mean_has_covariance_trace_over_batch_size():
    # linear least squares: the variance of a with-replacement minibatch gradient's
    # squared error is tr(Σ)/B, checked by sampling
    x, y = _problem(200)
    model = nn.Linear(3, 1).double()
    noise = gradient_noise(model, nn.functional.mse_loss, x, y)
    gen = torch.Generator().manual_seed(1)
    full = torch.autograd.grad(
        nn.functional.mse_loss(model(x), y), list(model.parameters())
    )
    full = torch.cat([g.flatten() for g in full])
    errors = []
    for _ in range(2000):
        index = torch.randint(0, 200, (10,), generator=gen)
        g = torch.autograd.grad(
            nn.functional.mse_loss(model(x[index]), y[index]), list(model.parameters())
        )
        errors.append(float(((torch.cat([t.flatten() for t in g]) - full) ** 2).sum()))
    assert sum(errors) / len(errors) == pytest.approx(
        noise.trace_covariance / 10, rel=0.1
    )


def test_rejects_bad_input():
    x, y = _problem()
    model = nn.Linear(3, 1).double()
    with pytest.raises(TypeError, match="model"):
        gradient_noise("net", nn.functional.mse_loss, x, y)
    with pytest.raises(ValueError, match="same number"):
        gradient_noise(model, nn.functional.mse_loss, x, y[:3])
    with pytest.raises(ValueError, match="chunk_size"):
        gradient_noise(model, nn.functional.mse_loss, x, y, chunk_size=0)
