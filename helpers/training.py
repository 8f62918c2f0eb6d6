"""A small, explicit training loop that records what the chapters measure.

``train`` records the loss at every step and, on request, the flattened parameters (the
trajectory); ``fit_epochs`` runs it epoch by epoch, Keras-style, and evaluates after
each epoch. A non-finite loss stops the run and is reported as data (``diverged_at``),
never raised.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ._checks import positive_int

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
PROGRESS_ENV_VAR = "SCALEBOOK_PROGRESS"


@contextmanager
def default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """Make ``dtype`` torch's default dtype inside the block (then restore it)."""
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch.dtype, got {dtype!r}")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def parameter_dtype(parameters) -> torch.dtype:
    """The dtype a training run should make torch's default: float64 when the first
    floating-point parameter is float64, else the current default.

    Some optimizers keep scalar state in the default dtype (ASGD's step size, say), so
    a float64 model trained under a float32 default is rounded to float32 there."""
    for p in parameters:
        if p.is_floating_point():
            return (
                torch.float64 if p.dtype == torch.float64 else torch.get_default_dtype()
            )
    return torch.get_default_dtype()


@dataclass
class TrainResult:
    """What a run produced.

    losses : loss before each optimizer step (length = steps taken, plus the diverging
        step).
    diverged_at : index of the first step whose loss was NaN/inf, or None.
    trajectory : flattened parameters (float64) at steps 0, k, 2k, ... (None unless
        recorded).
    """

    losses: np.ndarray
    diverged_at: int | None
    trajectory: np.ndarray | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1]) if len(self.losses) else float("nan")


def flat_parameters(model: nn.Module, *, grad: bool = False) -> np.ndarray:
    """All parameters of ``model`` (or, with ``grad``, their gradients) concatenated
    into one float64 vector."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    tensors = list(model.parameters())
    if grad:
        if any(p.grad is None for p in tensors):
            raise ValueError("grad=True needs every parameter's .grad (call backward)")
        tensors = [p.grad for p in tensors]
    return torch.cat([t.detach().reshape(-1).double().cpu() for t in tensors]).numpy()


def _progress_enabled(progress: bool | None) -> bool:
    if progress is not None:
        return progress
    return os.environ.get(PROGRESS_ENV_VAR, "") == "1"


def train(
    model: nn.Module,
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    num_steps: int | None = None,
    num_epochs: int | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    before_step: Callable[[nn.Module], None] | None = None,
    record_trajectory: bool = False,
    record_every: int = 1,
    progress: bool | None = None,
) -> TrainResult:
    """Train ``model`` in place on ``(inputs, targets)`` and return the recorded
    history.

    Give exactly one of ``num_steps`` and ``num_epochs``. ``batch_size=None`` means full
    batch; otherwise minibatches are drawn without replacement from a permutation seeded
    by ``seed``. ``before_step(model)`` runs after ``backward`` and before
    ``optimizer.step`` (clipping, say). ``torch.optim.LBFGS`` gets a closure that
    re-evaluates loss and gradients (one iteration per step with ``max_iter=1``;
    ``before_step`` runs inside it too). A progress bar goes to stderr only when
    ``progress`` is true or ``$SCALEBOOK_PROGRESS=1``, so executed notebooks never store
    one.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    if not (isinstance(inputs, torch.Tensor) and isinstance(targets, torch.Tensor)):
        raise TypeError("inputs and targets must be torch tensors")
    if inputs.shape[0] != targets.shape[0] or inputs.shape[0] == 0:
        raise ValueError(
            f"inputs and targets must hold the same, non-zero number of samples, "
            f"got {inputs.shape[0]} and {targets.shape[0]}"
        )
    if (num_steps is None) == (num_epochs is None):
        raise ValueError("give exactly one of num_steps and num_epochs")
    num_samples = inputs.shape[0]
    batch_size = (
        num_samples
        if batch_size is None
        else min(positive_int("batch_size", batch_size), num_samples)
    )
    steps_per_epoch = math.ceil(num_samples / batch_size)
    total = (
        positive_int("num_steps", num_steps)
        if num_steps is not None
        else (positive_int("num_epochs", num_epochs) * steps_per_epoch)
    )
    record_every = positive_int("record_every", record_every)

    with default_dtype(parameter_dtype(model.parameters())):
        gen = torch.Generator().manual_seed(seed)
        losses: list[float] = []
        snapshots = [flat_parameters(model)] if record_trajectory else []
        diverged_at = None
        show = _progress_enabled(progress)
        order = torch.arange(num_samples)
        for step in range(total):
            position = step % steps_per_epoch
            if position == 0 and batch_size < num_samples:
                order = torch.randperm(num_samples, generator=gen)
            index = order[position * batch_size : (position + 1) * batch_size].to(
                inputs.device
            )
            x, y = (
                (inputs, targets)
                if batch_size == num_samples
                else (inputs[index], targets[index])
            )
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            value = float(loss.detach())
            losses.append(value)
            if not math.isfinite(value):
                diverged_at = step
                break
            if isinstance(
                optimizer, torch.optim.LBFGS
            ):  # it evaluates loss and gradient

                def closure(x=x, y=y) -> torch.Tensor:
                    optimizer.zero_grad(set_to_none=True)
                    again = loss_fn(model(x), y)
                    again.backward()
                    if before_step is not None:
                        before_step(model)
                    return again

                optimizer.step(closure)
            else:
                loss.backward()
                if before_step is not None:
                    before_step(model)
                optimizer.step()
            if record_trajectory and (step + 1) % record_every == 0:
                snapshots.append(flat_parameters(model))
            if show and (step + 1) % max(1, total // 50) == 0:
                print(
                    f"\rstep {step + 1}/{total} loss {value:.4g}",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
    if show:
        print(file=sys.stderr)
    trajectory = np.stack(snapshots) if record_trajectory else None
    return TrainResult(np.asarray(losses, dtype=np.float64), diverged_at, trajectory)


@dataclass
class EpochHistory:
    """What ``fit_epochs`` recorded, one entry per completed epoch.

    ``history["train_loss"]`` is the mean minibatch loss of each epoch;
    ``history[name]`` any metric ``evaluate`` returned. ``diverged_at`` is the global
    step of the first NaN/inf loss, or None.
    """

    train_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    diverged_at: int | None = None

    def __getitem__(self, name: str) -> list[float]:
        if name == "train_loss":
            return self.train_loss
        if name not in self.metrics:
            known = ", ".join(["train_loss", *self.metrics])
            raise KeyError(f"no metric {name!r}; recorded: {known}")
        return self.metrics[name]

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def fit_epochs(
    model: nn.Module,
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    num_epochs: int,
    batch_size: int,
    seed: int = 0,
    evaluate: Callable[[nn.Module], dict[str, float]] | None = None,
    history: EpochHistory | None = None,
) -> EpochHistory:
    """Train ``model`` for ``num_epochs`` epochs of minibatches, Keras-style.

    Epoch ``e`` shuffles with seed ``1000 * seed + e`` (so a run continued with
    ``history`` draws the shuffles it would have drawn uninterrupted); after each epoch
    ``evaluate(model)`` returns metrics to record. Stops at the first non-finite loss.
    """
    num_epochs = positive_int("num_epochs", num_epochs)
    batch_size = positive_int("batch_size", batch_size)
    seed = positive_int("seed", seed, allow_zero=True)
    if evaluate is not None and not callable(evaluate):
        raise TypeError("evaluate must be a callable taking the model, or None")
    history = EpochHistory() if history is None else history
    if not isinstance(history, EpochHistory):
        raise TypeError(
            f"history must be an EpochHistory, got {type(history).__name__}"
        )
    steps_per_epoch = math.ceil(inputs.shape[0] / batch_size)
    for _ in range(num_epochs):
        epoch = history.epochs
        run = train(
            model,
            loss_fn,
            inputs,
            targets,
            optimizer,
            num_epochs=1,
            batch_size=batch_size,
            seed=1000 * seed + epoch,
        )
        if run.diverged:
            history.diverged_at = epoch * steps_per_epoch + run.diverged_at
            break
        history.train_loss.append(float(run.losses.mean()))
        for name, value in (evaluate(model) if evaluate else {}).items():
            history.metrics.setdefault(name, []).append(float(value))
    return history


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    batch_size: int = 10_000,
) -> float:
    """Mean of ``loss_fn`` over ``(inputs, targets)`` in batches (``loss_fn`` must
    average).
    """
    batch_size = positive_int("batch_size", batch_size)
    total, count = 0.0, 0
    for start in range(0, inputs.shape[0], batch_size):
        x, y = inputs[start : start + batch_size], targets[start : start + batch_size]
        total += float(loss_fn(model(x), y)) * x.shape[0]
        count += x.shape[0]
    if count == 0:
        raise ValueError("inputs must hold at least one sample")
    return total / count
