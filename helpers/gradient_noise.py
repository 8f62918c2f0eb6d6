"""How noisy a minibatch gradient is: per-example gradients and the noise scale.

The gradient of a minibatch of ``B`` examples drawn from ``N`` is an estimate of the
full gradient ``G`` with covariance ``Σ / B`` (sampling with replacement), where ``Σ``
is the covariance of the per-example gradients. McCandlish et al. (2018) call
``B_simple = tr(Σ) / |G|²`` the *simple noise scale*: below it a step is dominated by
noise, above it by signal, and it estimates the batch size past which larger batches
stop saving steps. Per-example gradients come from ``torch.func.vmap`` of
``torch.func.grad``, a chunk of examples at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from ._checks import positive_int

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class GradientNoise:
    """Statistics of the per-example gradients over a data set.

    mean_gradient_sq : |G|², the squared norm of the full-data gradient.
    trace_covariance : tr(Σ), the mean squared distance of a per-example gradient
        from G (population covariance, divided by N).
    num_examples : N.
    """

    mean_gradient_sq: float
    trace_covariance: float
    num_examples: int

    @property
    def simple_noise_scale(self) -> float:
        """B_simple = tr(Σ) / |G|²."""
        return self.trace_covariance / self.mean_gradient_sq


def gradient_noise(
    model: nn.Module,
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    *,
    chunk_size: int = 1024,
) -> GradientNoise:
    """Per-example gradient statistics of ``loss_fn(model(x), y)`` over all examples.

    ``loss_fn`` is called on one example at a time (a batch of one), so a mean and a
    sum reduction give the same per-example gradient. Sums are accumulated in float64.
    The model is not changed and no ``.grad`` is touched.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not (isinstance(inputs, torch.Tensor) and isinstance(targets, torch.Tensor)):
        raise TypeError("inputs and targets must be torch tensors")
    num_examples = inputs.shape[0]
    if num_examples < 2 or targets.shape[0] != num_examples:
        raise ValueError(
            "inputs and targets must hold the same number (at least 2) of examples, "
            f"got {inputs.shape[0]} and {targets.shape[0]}"
        )
    chunk_size = positive_int("chunk_size", chunk_size)
    params = {name: p.detach() for name, p in model.named_parameters()}
    if not params:
        raise ValueError("model has no parameters")

    def example_loss(p: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor):
        return loss_fn(functional_call(model, p, (x.unsqueeze(0),)), y.unsqueeze(0))

    per_example = vmap(grad(example_loss), in_dims=(None, 0, 0))
    total = None
    total_sq = torch.zeros((), dtype=torch.float64)
    for start in range(0, num_examples, chunk_size):
        grads = per_example(
            params,
            inputs[start : start + chunk_size],
            targets[start : start + chunk_size],
        )
        flat = torch.cat([g.reshape(g.shape[0], -1) for g in grads.values()], dim=1)
        flat = flat.double().cpu()
        total = flat.sum(0) if total is None else total + flat.sum(0)
        total_sq += (flat**2).sum()
    mean = total / num_examples
    mean_sq = float(mean @ mean)
    trace = float(total_sq / num_examples) - mean_sq
    return GradientNoise(mean_sq, trace, num_examples)
