"""Equivalence studies: is training with a rescaling the same as training without it,
with other settings changed?

A study fixes what is trained (a model per seed, data, loss, steps); a ``Setting``
multiplies parts of it (loss, targets, inputs, learning rate, eps, weight decay,
clipping threshold, and the same for the first layer's weight alone); an
``OptimizerSpec`` names the optimizer and its base hyper-parameters. ``find_equivalent``
trains the rescaled set-up and each candidate for every seed and reports the first
candidate whose whole parameter trajectory matches within a tolerance.

Element-wise optimizers train all seeds at once (``train_batched``); others (Adafactor)
train one seed at a time with ``train``. Clipping has no guard by default (torch's
fixed 1e-6 does not scale with the gradient, so the exact maps need ``clip_guard=0``).
Both trainers run a float64 model with float64 as torch's default dtype, in which
optimizers keep their scalar state (ASGD's step size: in float32, lr × f rounds unlike
lr); see ``helpers.training.parameter_dtype``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from ._checks import positive_float, positive_int
from .batched import (
    ELEMENTWISE_OPTIMIZERS,
    BatchedResult,
    clip_per_model_,
    train_batched,
)
from .compare import run_distance
from .training import LossFn, train

NO_EQUIVALENT = "no simple equivalent"
NO_EPS = "n/a (no eps)"
SINGLE_GROUP_OPTIMIZERS = (torch.optim.LBFGS,)  # no per-parameter options


@dataclass(frozen=True)
class Setting:
    """Multipliers on a study's set-up (1 = unchanged).

    ``targets`` multiplies the targets and the network's output together; the
    ``first_*`` factors act on the first layer's weight only, on top of the global ones.
    """

    loss: float = 1.0
    targets: float = 1.0
    inputs: float = 1.0
    lr: float = 1.0
    eps: float = 1.0
    decay: float = 1.0
    clip: float = 1.0
    first_init: float = 1.0
    first_lr: float = 1.0
    first_eps: float = 1.0
    first_decay: float = 1.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            positive_float(name, value)

    @property
    def changes_eps(self) -> bool:
        return self.eps != 1 or self.first_eps != 1


def _same(eps: float) -> float:
    return eps


@dataclass(frozen=True)
class OptimizerSpec:
    """A ``torch.optim`` class with its base learning rate, eps (None: it has none),
    weight decay and other options.

    ``eps_option`` turns the (multiplied) eps into the keyword's value, e.g.
    ``lambda e: (e, 1e-3)`` for Adafactor's pair. ``first_options`` override options
    for the first layer's weight alone (ASGD's ``lambd``, Rprop's ``step_sizes``,
    Adagrad's ``initial_accumulator_value``).
    """

    cls: type[torch.optim.Optimizer]
    lr: float
    eps: float | None = None
    weight_decay: float = 0.0
    options: Mapping[str, Any] = field(default_factory=dict)
    eps_option: Callable[[float], Any] = _same
    first_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (
            isinstance(self.cls, type) and issubclass(self.cls, torch.optim.Optimizer)
        ):
            raise TypeError(
                f"cls must be a torch.optim.Optimizer class, got {self.cls!r}"
            )
        positive_float("lr", self.lr)
        if self.eps is not None:
            positive_float("eps", self.eps)
        positive_float("weight_decay", self.weight_decay, allow_zero=True)

    def build(
        self,
        first: list[torch.Tensor],
        others: list[torch.Tensor],
        setting: Setting,
        weight_decay: float,
    ) -> torch.optim.Optimizer:
        """The optimizer with ``setting``'s multipliers: one group for the first
        layer's weight, one for every other parameter."""

        def group(params, lr_factor, eps_factor, decay_factor) -> dict:
            options = {
                "params": params,
                "lr": self.lr * setting.lr * lr_factor,
                "weight_decay": weight_decay * setting.decay * decay_factor,
            }
            if self.eps is not None:
                options["eps"] = self.eps_option(self.eps * setting.eps * eps_factor)
            return options

        if issubclass(self.cls, SINGLE_GROUP_OPTIMIZERS):
            first_layer = (setting.first_lr, setting.first_eps, setting.first_decay)
            if first_layer != (1.0, 1.0, 1.0) or self.first_options:
                raise ValueError(
                    f"{self.cls.__name__} takes one parameter group: first-layer "
                    f"factors must be 1, got {first_layer}, {dict(self.first_options)}"
                )
            return self.cls([group(first + others, 1.0, 1.0, 1.0)], **self.options)
        first_group = group(
            first, setting.first_lr, setting.first_eps, setting.first_decay
        )
        groups = [first_group | dict(self.first_options), group(others, 1.0, 1.0, 1.0)]
        optimizer = self.cls(groups, **self.options)
        start = self.first_options.get("initial_accumulator_value")
        if start is not None:  # Adagrad reads it from its constructor only
            for param in first:
                optimizer.state[param]["sum"].fill_(start)
        return optimizer


@dataclass(frozen=True)
class Match:
    """Outcome of ``find_equivalent``.

    label : the first candidate within the tolerance, ``NO_EQUIVALENT``, or ``NO_EPS``
        (the rescaling changes an eps the optimizer does not have).
    distance : that candidate's distance (NaN if none matched).
    distances : every candidate tried, in order (candidates that change a missing eps
        are skipped).
    """

    label: str
    distance: float
    distances: dict[str, float]

    @property
    def misses(self) -> list[float]:
        """Distances of the candidates tried that did not match."""
        return [d for label, d in self.distances.items() if label != self.label]


@dataclass(frozen=True)
class EquivalenceStudy:
    """What is trained: ``make_model(seed)`` for each seed, on ``(inputs, targets)``,
    full batch, ``num_steps`` steps, parameters recorded every ``record_every``.

    ``first_layer`` names the submodule whose ``weight`` the ``first_*`` multipliers act
    on.
    """

    make_model: Callable[[int], nn.Module]
    inputs: torch.Tensor
    targets: torch.Tensor
    seeds: Sequence[int]
    num_steps: int
    record_every: int = 1
    loss_fn: LossFn = nn.functional.mse_loss
    first_layer: str = "0"

    def __post_init__(self) -> None:
        if not callable(self.make_model):
            raise TypeError("make_model must be a callable taking a seed")
        if len(self.seeds) == 0:
            raise ValueError("seeds must hold at least one seed")
        positive_int("num_steps", self.num_steps)
        positive_int("record_every", self.record_every)

    @property
    def first_weight(self) -> str:
        return f"{self.first_layer}.weight"

    def first_weight_shape(self) -> torch.Size:
        return self.make_model(self.seeds[0]).get_parameter(self.first_weight).shape

    def first_weight_slice(self) -> slice:
        """Where the first layer's weight sits in a recorded (flattened) trajectory."""
        start = 0
        for name, param in self.make_model(self.seeds[0]).named_parameters():
            if name == self.first_weight:
                return slice(start, start + param.numel())
            start += param.numel()
        raise ValueError(f"the model has no parameter {self.first_weight!r}")

    def run(
        self,
        optimizer: OptimizerSpec,
        setting: Setting | None = None,
        *,
        weight_decay: float | None = None,
        max_grad_norm: float | None = None,
        clip_guard: float = 0.0,
    ) -> BatchedResult:
        """Train every seed under ``setting``; ``weight_decay`` replaces the optimizer's
        base decay, ``max_grad_norm`` (times ``setting.clip``) clips each run."""
        setting = Setting() if setting is None else setting
        decay = optimizer.weight_decay if weight_decay is None else weight_decay
        models = [self.make_model(seed) for seed in self.seeds]
        return self._train(models, optimizer, setting, decay, max_grad_norm, clip_guard)

    def _train(self, models, optimizer, setting, decay, max_grad_norm, clip_guard):
        with torch.no_grad():
            for model in models:
                model.get_parameter(self.first_weight).mul_(setting.first_init)

        def loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            return setting.loss * self.loss_fn(setting.targets * out, target)

        clip = None if max_grad_norm is None else max_grad_norm * setting.clip
        inputs = self.inputs if setting.inputs == 1 else setting.inputs * self.inputs
        targets = setting.targets * self.targets
        if issubclass(optimizer.cls, ELEMENTWISE_OPTIMIZERS):

            def make(params: dict[str, torch.Tensor]) -> torch.optim.Optimizer:
                first = [params[self.first_weight]]
                others = [p for n, p in params.items() if n != self.first_weight]
                return optimizer.build(first, others, setting, decay)

            result, _ = train_batched(
                models,
                loss,
                inputs,
                targets,
                make,
                num_steps=self.num_steps,
                max_grad_norm=clip,
                clip_guard=clip_guard,
                record_trajectory=True,
                record_every=self.record_every,
            )
            return result
        return self._run_one_by_one(
            models, optimizer, setting, decay, loss, inputs, targets, clip, clip_guard
        )

    def _run_one_by_one(
        self, models, optimizer, setting, decay, loss, inputs, targets, clip, guard
    ) -> BatchedResult:
        losses, diverged_at, trajectories, grad_norms = [], [], [], []
        for model in models:
            named = dict(model.named_parameters())
            first = [named[self.first_weight]]
            others = [p for n, p in named.items() if n != self.first_weight]
            norms: list[float] = []

            def clip_(m: nn.Module, norms: list[float] = norms) -> None:
                grads = [p.grad.unsqueeze(0) for p in m.parameters()]
                norms.append(float(clip_per_model_(grads, clip, guard)[0]))

            result = train(
                model,
                loss,
                inputs,
                targets,
                optimizer.build(first, others, setting, decay),
                num_steps=self.num_steps,
                before_step=None if clip is None else clip_,
                record_trajectory=True,
                record_every=self.record_every,
            )
            losses.append(_padded(result.losses, self.num_steps))
            diverged_at.append(result.diverged_at)
            snapshots = self.num_steps // self.record_every + 1
            trajectories.append(_padded(result.trajectory, snapshots))
            grad_norms.append(_padded(np.asarray(norms), self.num_steps))
        return BatchedResult(
            np.stack(losses),
            diverged_at,
            np.stack(trajectories),
            None if clip is None else np.stack(grad_norms),
        )

    def find_equivalent(
        self,
        optimizer: OptimizerSpec,
        rescaled: Setting,
        candidates: Sequence[tuple[str, Setting] | tuple[str, Setting, OptimizerSpec]],
        *,
        exact: float,
        first_ratio: float | Sequence[float] = 1.0,
        try_all: bool = False,
        weight_decay: float | None = None,
        max_grad_norm: float | None = None,
        clip_guard: float = 0.0,
        rescaled_study: EquivalenceStudy | None = None,
    ) -> Match:
        """Train ``rescaled`` and the candidates (in order) and return the first whose
        trajectory lies within ``exact`` of the rescaled one (``run_distance``, all
        seeds); ``try_all`` measures every candidate. A candidate may carry its own
        ``OptimizerSpec`` (a map that changes an option, e.g. an initial accumulator).

        ``first_ratio``: the rescaled run's first-layer weight is ``first_ratio`` times
        the candidate's (inputs × f: 1/f), so it is divided out before comparing; one
        ratio per input column when the inputs are rescaled feature by feature.
        ``rescaled_study``: train the rescaled set-up on another study (the same seeds,
        steps and architecture; other data, e.g. inputs scaled per feature, or other
        initial weights) and the candidates on this one.
        """
        exact = positive_float("exact", exact, allow_zero=True)
        ratio = self._first_ratio(first_ratio)
        source = self if rescaled_study is None else self._compatible(rescaled_study)
        if optimizer.eps is None and rescaled.changes_eps:
            return Match(NO_EPS, float("nan"), {})
        options = dict(
            weight_decay=weight_decay,
            max_grad_norm=max_grad_norm,
            clip_guard=clip_guard,
        )
        target = source.run(optimizer, rescaled, **options).trajectory
        target[:, :, self.first_weight_slice()] /= ratio
        distances: dict[str, float] = {}
        match = None
        for label, candidate, *spec in candidates:
            if optimizer.eps is None and candidate.changes_eps:
                continue
            own = spec[0] if spec else optimizer
            trajectory = self.run(own, candidate, **options).trajectory
            distances[label] = run_distance(target, trajectory)
            if match is None and distances[label] <= exact:
                match = label
                if not try_all:
                    break
        if match is None:
            return Match(NO_EQUIVALENT, float("nan"), distances)
        return Match(match, distances[match], distances)

    def _first_ratio(self, first_ratio: float | Sequence[float]) -> float | np.ndarray:
        """``first_ratio`` as a factor on the flattened first-layer weight."""
        if np.ndim(first_ratio) == 0:
            return positive_float("first_ratio", first_ratio)
        ratio = np.asarray(first_ratio, dtype=float)
        rows, columns = self.first_weight_shape()
        if ratio.shape != (columns,) or not (np.isfinite(ratio) & (ratio > 0)).all():
            raise ValueError(
                f"first_ratio must be a positive number or {columns} positive numbers "
                f"(one per input column), got {first_ratio!r}"
            )
        return np.tile(ratio, rows)  # row-major: column j of every row

    def _compatible(self, other: EquivalenceStudy) -> EquivalenceStudy:
        """``other``, checked to record trajectories comparable with this study's."""
        if not isinstance(other, EquivalenceStudy):
            raise TypeError(
                f"rescaled_study must be an EquivalenceStudy, got {other!r}"
            )
        same = ("seeds", "num_steps", "record_every", "first_layer")
        differ = [n for n in same if getattr(other, n) != getattr(self, n)]
        if other.inputs.shape != self.inputs.shape:
            differ.append("inputs' shape")
        if other.first_weight_shape() != self.first_weight_shape():
            differ.append("first layer's shape")
        if differ:
            raise ValueError(
                "rescaled_study must train the same architecture for the same seeds "
                f"and steps on data of the same shape; it differs in {differ}"
            )
        return other


def _padded(values: np.ndarray, length: int) -> np.ndarray:
    """``values`` extended with NaN to ``length`` along the first axis."""
    missing = length - values.shape[0]
    if missing <= 0:
        return values
    pad = np.full((missing, *values.shape[1:]), np.nan)
    return np.concatenate([values, pad])
