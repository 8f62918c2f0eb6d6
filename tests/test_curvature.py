import pytest
import torch
from torch import nn

from helpers import sharpness


def test_sharpness_of_least_squares_is_the_top_eigenvalue_of_its_hessian():
    gen = torch.Generator().manual_seed(0)
    inputs = torch.randn(50, 4, generator=gen, dtype=torch.float64)
    targets = torch.randn(50, 1, generator=gen, dtype=torch.float64)
    model = nn.Linear(4, 1, dtype=torch.float64)
    # MSE of a linear model: the Hessian is 2/N [x 1]^T [x 1] for (weights, bias)
    design = torch.cat([inputs, torch.ones(50, 1, dtype=torch.float64)], dim=1)
    exact = float(torch.linalg.eigvalsh(2 / 50 * design.T @ design)[-1])
    measured = sharpness(model, nn.functional.mse_loss, inputs, targets, iterations=200)
    assert measured == pytest.approx(exact, rel=1e-9)


def test_sharpness_leaves_model_and_gradients_alone():
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 1))
    inputs, targets = torch.randn(8, 3), torch.randn(8, 1)
    nn.functional.mse_loss(model(inputs), targets).backward()
    before = [(p.detach().clone(), p.grad.clone()) for p in model.parameters()]
    sharpness(model, nn.functional.mse_loss, inputs, targets, iterations=3)
    for (weight, gradient), p in zip(before, model.parameters(), strict=True):
        assert torch.equal(weight, p) and torch.equal(gradient, p.grad)


def test_sharpness_rejects_bad_arguments():
    with pytest.raises(TypeError, match="model"):
        sharpness("net", nn.functional.mse_loss, torch.ones(1), torch.ones(1))
    with pytest.raises(ValueError, match="iterations"):
        sharpness(
            nn.Linear(1, 1),
            nn.functional.mse_loss,
            torch.ones(1, 1),
            torch.ones(1, 1),
            iterations=0,
        )
