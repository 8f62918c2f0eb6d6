"""Curvature of a loss at the current weights: the largest Hessian eigenvalue.

The sharpness ``λ_max`` decides which learning rates gradient descent tolerates on a
quadratic (``η < 2/λ_max``). It is found by power iteration on Hessian-vector products,
each one reverse-mode differentiation of the gradient (``torch.func.vjp`` of
``torch.func.grad``), so the Hessian itself is never formed.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call, grad, vjp

from ._checks import positive_int

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def sharpness(
    model: nn.Module,
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    iterations: int = 20,
    seed: int = 0,
) -> float:
    """The largest-magnitude eigenvalue of the Hessian of ``loss_fn(model(inputs),
    targets)`` with respect to the model's parameters, by ``iterations`` steps of power
    iteration from a random start drawn with ``seed``. The model is not changed and no
    ``.grad`` is touched, so it can be called between a backward pass and a step.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    iterations = positive_int("iterations", iterations)
    params = {name: p.detach() for name, p in model.named_parameters()}
    if not params:
        raise ValueError("model has no parameters")

    def loss(p: dict[str, torch.Tensor]) -> torch.Tensor:
        return loss_fn(functional_call(model, p, (inputs,)), targets)

    _, hessian_times = vjp(grad(loss), params)
    gen = torch.Generator().manual_seed(seed)
    vector = {
        name: torch.randn(p.shape, generator=gen, dtype=p.dtype).to(p.device)
        for name, p in params.items()
    }
    eigenvalue = 0.0
    for _ in range(iterations):
        norm = torch.sqrt(sum((v**2).sum() for v in vector.values()))
        vector = {name: v / norm for name, v in vector.items()}
        product = hessian_times(vector)[0]
        eigenvalue = float(sum((product[n] * vector[n]).sum() for n in vector))
        vector = product
    return eigenvalue
