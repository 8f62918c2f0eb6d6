"""Copies of one multilayer perceptron trained side by side, Keras-style epochs.

``StackedMLP(models)`` stacks the weights of M copies of one ``nn.Sequential`` of
``Linear`` layers, element-wise activations and ``BatchNorm1d``: layer ``i``'s weights
become one ``(M, in, out)`` tensor, and a forward pass is one batched matrix product per
layer.
The copies' own modules keep working (for evaluation, snapshots, plots): their
parameters are views of the stacked tensors, so they always show the current weights.
An element-wise optimizer over the stacked tensors (SGD, Adam, ``KerasAdam`` ...)
updates every copy exactly as it would update it alone, and the per-copy losses are
summed before ``backward``, so each copy gets exactly its own gradient.

``fit_epochs_stacked`` is ``helpers.fit_epochs`` for a stack: each copy draws the
same shuffles as ``fit_epochs`` with its own seed, so a copy's run is the run
``fit_epochs`` gives it alone, up to the order in which matrix products add. On two
CPU cores it trains 784-128-10 networks at batch 32 about twice as fast per model as
one at a time (benchmarks/fashion_epoch.py). ``torch.vmap`` (``train_batched``) is
the general tool; this is the fast path for MLPs trained in minibatch epochs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from ._checks import positive_int
from .training import EpochHistory, LossFn, default_dtype, parameter_dtype

ELEMENTWISE_ACTIVATIONS = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.GELU, nn.Identity)
LAYERS = (nn.Linear, nn.BatchNorm1d, *ELEMENTWISE_ACTIVATIONS)


class StackedMLP:
    """M copies of one MLP (``nn.Sequential`` of ``Linear``, ``BatchNorm1d`` and
    element-wise activations, same shapes, dtype and device), with stacked weights.

    ``named_parameters()`` gives the stacked tensors by the modules' names, for an
    optimizer and its parameter groups: ``"0.weight"`` of a ``Linear`` has shape
    (M, in, out) (each copy's weight transposed, so that no product needs a transposed
    copy), every other parameter (M, *shape). ``models`` are the copies, whose
    parameters and BatchNorm statistics are now views of the stacked ones (their
    parameters no longer require gradients). A stacked BatchNorm normalises each copy
    over its own batch and updates its running statistics as ``BatchNorm1d`` does in
    training mode.
    """

    def __init__(self, models: Sequence[nn.Module]) -> None:
        if (
            isinstance(models, nn.Module)
            or not isinstance(models, Sequence)
            or len(models) == 0
            or not all(isinstance(m, nn.Sequential) for m in models)
        ):
            raise TypeError("models must be a non-empty list of nn.Sequential")
        template = models[0]
        for layer in template:
            if not isinstance(layer, LAYERS):
                accepted = ", ".join(c.__name__ for c in LAYERS)
                raise TypeError(
                    f"StackedMLP takes layers {accepted}; got {type(layer).__name__}"
                )
            if isinstance(layer, nn.BatchNorm1d) and not (
                layer.affine and layer.track_running_stats and layer.momentum
            ):
                raise ValueError(
                    "a stacked BatchNorm1d needs affine=True, track_running_stats=True "
                    "and a momentum (torch's defaults)"
                )
        layout = _layout(template)
        if any(_layout(m) != layout for m in models):
            raise ValueError(
                "models must share one architecture (same layers, shapes, dtype and "
                "device)"
            )
        self.models = list(models)
        self._layers = list(template)
        self._stacked: dict[str, torch.Tensor] = {}
        self._statistics: dict[str, torch.Tensor] = {}
        with torch.no_grad():
            for i, layer in enumerate(template):
                linear = isinstance(layer, nn.Linear)
                for attribute, _ in layer.named_parameters():
                    copies = [getattr(m[i], attribute) for m in models]
                    if linear and attribute == "weight":  # stored (in, out)
                        copies = [c.t() for c in copies]
                    stacked = torch.stack(copies).contiguous().requires_grad_(True)
                    self._stacked[f"{i}.{attribute}"] = stacked
                for attribute, _ in layer.named_buffers():
                    stacked = torch.stack([getattr(m[i], attribute) for m in models])
                    self._statistics[f"{i}.{attribute}"] = stacked
        for copy_index, model in enumerate(self.models):  # the copies become views
            for name, stacked in self._stacked.items():
                i, attribute = name.split(".")
                view = stacked.detach()[copy_index]
                if (
                    isinstance(self._layers[int(i)], nn.Linear)
                    and attribute == "weight"
                ):
                    view = view.t()
                setattr(
                    model[int(i)], attribute, nn.Parameter(view, requires_grad=False)
                )
            for name, stacked in self._statistics.items():
                i, attribute = name.split(".")
                setattr(model[int(i)], attribute, stacked[copy_index])

    def __len__(self) -> int:
        return len(self.models)

    def named_parameters(self) -> dict[str, torch.Tensor]:
        return dict(self._stacked)

    def parameters(self) -> list[torch.Tensor]:
        return list(self._stacked.values())

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        """Training-mode outputs (M, batch, out) for inputs (M, batch, in), or shared
        inputs (batch, in) when no BatchNorm comes before the first ``Linear``."""
        h = inputs
        for i, layer in enumerate(self._layers):
            if isinstance(layer, nn.Linear):
                h = self._linear(str(i), h)
            elif isinstance(layer, nn.BatchNorm1d):
                h = self._batch_norm(str(i), layer, h)
            else:
                h = layer(h)
        return h

    def _linear(self, i: str, h: torch.Tensor) -> torch.Tensor:
        weight, bias = self._stacked[f"{i}.weight"], self._stacked.get(f"{i}.bias")
        if h.ndim == 2:  # shared inputs: one product broadcast over the copies
            h = torch.matmul(h, weight)
            return h if bias is None else h + bias[:, None, :]
        if bias is None:
            return torch.bmm(h, weight)
        return torch.baddbmm(bias[:, None, :], h, weight)

    def _batch_norm(
        self, i: str, layer: nn.BatchNorm1d, h: torch.Tensor
    ) -> torch.Tensor:
        if h.ndim != 3:
            raise ValueError("a stacked BatchNorm1d needs inputs (M, batch, features)")
        mean = h.mean(dim=1, keepdim=True)
        var = h.var(dim=1, unbiased=False, keepdim=True)
        with torch.no_grad():  # running statistics, as BatchNorm1d keeps them
            n, momentum = h.shape[1], layer.momentum
            running_mean = self._statistics[f"{i}.running_mean"]
            running_var = self._statistics[f"{i}.running_var"]
            running_mean.mul_(1 - momentum).add_(momentum * mean[:, 0])
            running_var.mul_(1 - momentum).add_(momentum * var[:, 0] * n / (n - 1))
            self._statistics[f"{i}.num_batches_tracked"].add_(1)
        normalised = (h - mean) / torch.sqrt(var + layer.eps)
        weight, bias = self._stacked[f"{i}.weight"], self._stacked[f"{i}.bias"]
        return normalised * weight[:, None, :] + bias[:, None, :]


def _layout(model: nn.Module) -> tuple:
    return tuple(
        (
            type(layer).__name__,
            *((t.shape, t.dtype, t.device) for t in layer.parameters()),
            *((t.shape, t.dtype, t.device) for t in layer.buffers()),
        )
        for layer in model
    )


def _shuffles(
    seeds: Sequence[int], epoch: int, num_samples: int, batch_size: int
) -> torch.Tensor:
    """Each copy's sample order in ``epoch``, as ``fit_epochs`` draws it."""
    if batch_size >= num_samples:  # one full batch: no shuffle
        return torch.arange(num_samples).expand(len(seeds), -1)
    return torch.stack(
        [
            torch.randperm(
                num_samples, generator=torch.Generator().manual_seed(1000 * s + epoch)
            )
            for s in seeds
        ]
    )


def fit_epochs_stacked(
    stack: StackedMLP,
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    num_epochs: int,
    batch_size: int,
    seeds: Sequence[int],
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    histories: Sequence[EpochHistory] | None = None,
) -> list[EpochHistory]:
    """``helpers.fit_epochs`` for every copy of ``stack`` at once: ``seeds[i]`` is
    copy i's seed (its shuffles), ``optimizer`` is built on ``stack``'s stacked
    parameters, ``evaluate(model)`` is called on each copy after each epoch. Continues
    ``histories`` when given (one per copy). A copy whose loss becomes NaN/inf is
    recorded as diverged (``diverged_at``: its first such step) and its history stops
    there; the others go on.
    """
    if not isinstance(stack, StackedMLP):
        raise TypeError(f"stack must be a StackedMLP, got {type(stack).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    num_epochs = positive_int("num_epochs", num_epochs)
    batch_size = positive_int("batch_size", batch_size)
    seeds = [positive_int("seeds[i]", s, allow_zero=True) for s in seeds]
    if len(seeds) != len(stack):
        raise ValueError(f"seeds must hold one seed per copy ({len(stack)})")
    if evaluate is not None and not callable(evaluate):
        raise TypeError("evaluate must be a callable taking a model, or None")
    if histories is None:
        histories = [EpochHistory() for _ in seeds]
    if len(histories) != len(stack) or not all(
        isinstance(h, EpochHistory) for h in histories
    ):
        raise TypeError(f"histories must be {len(stack)} EpochHistory, or None")
    num_samples = inputs.shape[0]
    if targets.shape[0] != num_samples or num_samples == 0:
        raise ValueError(
            "inputs and targets must hold the same, non-zero number of samples"
        )
    batch_size = min(batch_size, num_samples)
    steps_per_epoch = math.ceil(num_samples / batch_size)
    with default_dtype(parameter_dtype(stack.parameters())):
        for _ in range(num_epochs):
            active = [i for i, h in enumerate(histories) if h.diverged_at is None]
            if not active:
                break
            epoch = histories[active[0]].epochs
            if any(histories[i].epochs != epoch for i in active):
                raise ValueError("histories must have completed the same epochs")
            orders = _shuffles(seeds, epoch, num_samples, batch_size).to(inputs.device)
            losses = []
            for position in range(steps_per_epoch):
                index = orders[:, position * batch_size : (position + 1) * batch_size]
                outputs = stack(inputs[index])
                batch_targets = targets[index]
                per_copy = torch.stack(
                    [loss_fn(outputs[i], batch_targets[i]) for i in range(len(seeds))]
                )
                optimizer.zero_grad(set_to_none=True)
                per_copy.sum().backward()
                optimizer.step()
                losses.append(per_copy.detach())
            losses = torch.stack(losses).double().cpu()  # (steps, copies)
            for i in active:
                bad = (~torch.isfinite(losses[:, i])).nonzero()
                if len(bad):
                    histories[i].diverged_at = epoch * steps_per_epoch + int(bad[0])
                    continue
                histories[i].train_loss.append(float(losses[:, i].mean()))
                metrics = evaluate(stack.models[i]) if evaluate else {}
                for name, value in metrics.items():
                    histories[i].metrics.setdefault(name, []).append(float(value))
    return list(histories)
