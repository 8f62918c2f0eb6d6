"""Train many small models at once: stacked parameters, one vmapped forward pass, one
optimizer.

Every model must have the same architecture; their parameters are stacked along a new
leading axis (``torch.func.stack_module_state``) and the forward pass is vectorised with
``torch.vmap``. The per-model losses are summed before ``backward``, so each model
receives exactly its own gradient. An element-wise optimizer (SGD, Adam, AdamW, NAdam,
RAdam, Adagrad, RMSprop, Adamax, Adadelta) then updates each model as if it were alone;
optimizers that mix entries of a tensor (Adafactor, LBFGS) would couple the models and
are refused. Clipping by global norm is applied per model, with the formula of
``torch.nn.utils.clip_grad_norm_``.

Every step sees all samples (full batch, as the chapters' exact-map experiments do),
or, with ``batch_size``, each model its own minibatch: the samples are reshuffled for
every model at the start of every epoch and taken in consecutive slices (an incomplete
last slice is dropped). Buffers are stacked and passed along, but buffers updated in
place (BatchNorm's running statistics) are not supported under ``vmap``: use LayerNorm,
or BatchNorm with ``track_running_stats=False``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, stack_module_state

from ._checks import positive_float, positive_int
from .training import LossFn, default_dtype, parameter_dtype

ELEMENTWISE_OPTIMIZERS = (
    torch.optim.SGD,
    torch.optim.Rprop,
    torch.optim.ASGD,
    torch.optim.Adam,
    torch.optim.AdamW,
    torch.optim.NAdam,
    torch.optim.RAdam,
    torch.optim.Adagrad,
    torch.optim.RMSprop,
    torch.optim.Adamax,
    torch.optim.Adadelta,
)
OptimizerFactory = Callable[[dict[str, torch.Tensor]], torch.optim.Optimizer]


@dataclass
class BatchedResult:
    """What a batch of runs produced (model ``i`` is row ``i`` everywhere).

    losses : (num_models, steps) loss before each step, NaN after a model diverged.
    diverged_at : per model, the first step whose loss was NaN/inf, or None.
    trajectory : (num_models, snapshots, num_params) float64 parameters at steps 0, k,
        2k, ... in the order of ``model.parameters()`` (None unless recorded); NaN after
        a model diverged.
    grad_norms : (num_models, steps) gradient norm before clipping (None unless
        clipping).
    evaluations : per name in ``evaluate_on``, (num_models, snapshots) loss on that
        data at steps 0, k, 2k, ... (``record_every``), NaN after a model diverged.
    evaluated_at : the steps of those snapshots.
    """

    losses: np.ndarray
    diverged_at: list[int | None]
    trajectory: np.ndarray | None = None
    grad_norms: np.ndarray | None = None
    evaluations: dict[str, np.ndarray] = field(default_factory=dict)
    evaluated_at: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def final_losses(self) -> np.ndarray:
        return self.losses[:, -1]


def _flat(
    params: dict[str, torch.Tensor], names: list[str], num_models: int
) -> np.ndarray:
    return torch.cat(
        [params[n].detach().reshape(num_models, -1).double().cpu() for n in names],
        dim=1,
    ).numpy()


def _per_model(
    name: str, value: torch.Tensor | None, num_models: int, reference: torch.Tensor
) -> torch.Tensor | None:
    if value is None:
        return None
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch tensor of shape ({num_models},) or None, got "
            f"{type(value).__name__}"
        )
    if value.shape != (num_models,):
        raise ValueError(
            f"{name} must have shape ({num_models},) (one value per model), got "
            f"{tuple(value.shape)}"
        )
    return value.to(reference.device, reference.dtype)


def _check_data(
    name: str, data: torch.Tensor, num_models: int, per_model: bool
) -> None:
    if not isinstance(data, torch.Tensor):
        raise TypeError(f"{name} must be a torch tensor, got {type(data).__name__}")
    if per_model and (data.ndim < 2 or data.shape[0] != num_models):
        raise ValueError(
            f"{name} is per model, so it must have shape ({num_models}, samples, ...), "
            f"got {tuple(data.shape)}"
        )


def clip_per_model_(
    grads: Sequence[torch.Tensor], max_norm: float, guard: float = 1e-6
) -> torch.Tensor:
    """Clip each model's gradient (row ``i`` of every tensor) to global norm
    ``max_norm``, in place.

    Same formula as ``torch.nn.utils.clip_grad_norm_`` (norm of the per-tensor norms,
    coefficient ``max_norm / (norm + guard)`` capped at 1; torch's guard is 1e-6).
    ``guard=0`` gives the exact scaling laws (a fixed guard does not scale with the
    gradient). Returns the norms before clipping.
    """
    max_norm = positive_float("max_norm", max_norm)
    guard = positive_float("guard", guard, allow_zero=True)
    if not grads:
        raise ValueError("grads must hold at least one tensor")
    num_models = grads[0].shape[0]
    per_tensor = torch.stack(
        [torch.linalg.vector_norm(g.reshape(num_models, -1), dim=1) for g in grads]
    )
    norms = torch.linalg.vector_norm(per_tensor, dim=0)
    coefficient = torch.clamp(max_norm / (norms + guard), max=1.0)
    for g in grads:
        g.mul_(coefficient.reshape(-1, *([1] * (g.ndim - 1))))
    return norms


def train_batched(
    models: Sequence[nn.Module],
    loss_fn: LossFn,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    make_optimizer: OptimizerFactory,
    *,
    num_steps: int,
    per_model_data: bool = False,
    loss_scales: torch.Tensor | None = None,
    max_grad_norm: float | None = None,
    clip_guard: float = 1e-6,
    record_trajectory: bool = False,
    record_every: int = 1,
    batch_size: int | None = None,
    sample_seed: int = 0,
    lr_scales: torch.Tensor | None = None,
    evaluate_on: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
) -> tuple[BatchedResult, list[nn.Module]]:
    """Train ``models`` (same architecture) side by side, full batch, for ``num_steps``
    steps.

    ``make_optimizer(params)`` receives the stacked parameters by name (``"0.weight"``
    ...), each of shape ``(num_models, *shape)``, and returns an element-wise
    ``torch.optim`` optimizer; use parameter groups for per-layer settings.
    ``inputs``/``targets`` are shared by all models, or, with ``per_model_data=True``,
    have a leading model axis. Model ``i``'s loss is multiplied by ``loss_scales[i]``
    when given. ``max_grad_norm`` clips each model's gradient by its global norm
    (``clip_per_model_`` with ``clip_guard``).

    ``batch_size`` gives each model its own minibatches (drawn with ``sample_seed``;
    the losses recorded are then minibatch losses). ``lr_scales[i]`` multiplies model
    ``i``'s update: the step is taken, then scaled, which for optimizers whose update is
    the learning rate times a direction (all element-wise ones, weight decay included)
    is learning rate × ``lr_scales[i]`` up to rounding. ``evaluate_on`` maps names to
    ``(inputs, targets)`` on which every model's loss is recorded, without gradients,
    every ``record_every`` steps. Returns the history and the trained models (copies).
    """
    if (
        isinstance(models, nn.Module)
        or not isinstance(models, Sequence)
        or len(models) == 0
    ):
        raise TypeError(
            "models must be a non-empty list of torch.nn.Module with the same "
            "architecture"
        )
    if not all(isinstance(m, nn.Module) for m in models):
        raise TypeError(
            "models must be a non-empty list of torch.nn.Module with the same "
            "architecture"
        )
    shapes = [tuple((n, p.shape) for n, p in m.named_parameters()) for m in models]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(
            "models must share one architecture (same parameter names and shapes)"
        )
    if not callable(make_optimizer):
        raise TypeError(
            "make_optimizer must be a callable taking the stacked parameters and "
            "returning an optimizer"
        )
    num_models = len(models)
    _check_data("inputs", inputs, num_models, per_model_data)
    _check_data("targets", targets, num_models, per_model_data)
    sample_axis = 1 if per_model_data else 0
    if (
        inputs.shape[sample_axis] != targets.shape[sample_axis]
        or inputs.shape[sample_axis] == 0
    ):
        raise ValueError(
            f"inputs and targets must hold the same, non-zero number of samples, "
            f"got {inputs.shape[sample_axis]} and {targets.shape[sample_axis]}"
        )
    num_steps = positive_int("num_steps", num_steps)
    record_every = positive_int("record_every", record_every)
    if max_grad_norm is not None:
        max_grad_norm = positive_float("max_grad_norm", max_grad_norm)
    clip_guard = positive_float("clip_guard", clip_guard, allow_zero=True)
    num_samples = inputs.shape[sample_axis]
    if batch_size is not None:
        batch_size = positive_int("batch_size", batch_size)
        if batch_size > num_samples:
            raise ValueError(
                f"batch_size must be at most the number of samples ({num_samples}), "
                f"got {batch_size}"
            )
    sample_seed = positive_int("sample_seed", sample_seed, allow_zero=True)
    evaluate_on = _check_evaluations(evaluate_on)

    params, buffers = stack_module_state(list(models))
    names = [n for n, _ in models[0].named_parameters()]
    reference = params[names[0]]
    loss_scales = _per_model("loss_scales", loss_scales, num_models, reference)
    lr_scales = _per_model("lr_scales", lr_scales, num_models, reference)
    # optimizers keep scalar state in the default dtype: the models' dtype here
    with default_dtype(parameter_dtype(params.values())):
        optimizer = make_optimizer(params)
        if not isinstance(optimizer, ELEMENTWISE_OPTIMIZERS):
            accepted = ", ".join(o.__name__ for o in ELEMENTWISE_OPTIMIZERS)
            raise TypeError(
                f"make_optimizer must return an element-wise optimizer ({accepted}), "
                f"got {type(optimizer).__name__}"
            )
        template = models[0]

        def model_loss(
            p: dict[str, torch.Tensor],
            b: dict[str, torch.Tensor],
            x: torch.Tensor,
            y: torch.Tensor,
        ) -> torch.Tensor:
            return loss_fn(functional_call(template, (p, b), (x,)), y)

        data_axis = 0 if per_model_data or batch_size is not None else None
        batched_loss = torch.vmap(model_loss, in_dims=(0, 0, data_axis, data_axis))
        shared_loss = torch.vmap(model_loss, in_dims=(0, 0, None, None))
        batches = (
            _minibatches(
                inputs, targets, num_models, batch_size, sample_seed, sample_axis
            )
            if batch_size is not None
            else None
        )
        evaluations: dict[str, list[np.ndarray]] = {name: [] for name in evaluate_on}
        evaluated_at: list[int] = []

        def evaluate(step: int) -> None:
            with torch.no_grad():
                for name, (x, y) in evaluate_on.items():
                    values = shared_loss(params, buffers, x, y)
                    evaluations[name].append(values.detach().double().cpu().numpy())
            evaluated_at.append(step)

        losses = np.full((num_models, num_steps), np.nan)
        diverged_at: list[int | None] = [None] * num_models
        snapshots = [_flat(params, names, num_models)] if record_trajectory else []
        grad_norms = (
            np.full((num_models, num_steps), np.nan)
            if max_grad_norm is not None
            else None
        )
        if evaluate_on:
            evaluate(0)
        for step in range(num_steps):
            optimizer.zero_grad(set_to_none=True)
            x, y = next(batches) if batches is not None else (inputs, targets)
            per_model = batched_loss(params, buffers, x, y)
            if loss_scales is not None:
                per_model = per_model * loss_scales
            values = per_model.detach().double().cpu().numpy()
            for i in np.flatnonzero(~np.isfinite(values)):
                if diverged_at[i] is None:
                    diverged_at[i] = step
            alive = np.array([d is None or d == step for d in diverged_at])
            losses[alive, step] = values[alive]
            if all(d is not None for d in diverged_at):
                losses = losses[:, : step + 1]
                grad_norms = None if grad_norms is None else grad_norms[:, : step + 1]
                break
            per_model.sum().backward()
            if max_grad_norm is not None:
                norms = clip_per_model_(
                    [params[n].grad for n in names], max_grad_norm, clip_guard
                )
                grad_norms[:, step] = norms.detach().double().cpu().numpy()
            if lr_scales is None:
                optimizer.step()
            else:
                before = {n: params[n].detach().clone() for n in names}
                optimizer.step()
                with torch.no_grad():
                    for n in names:
                        scale = lr_scales.reshape(-1, *([1] * (params[n].ndim - 1)))
                        params[n].copy_(before[n] + scale * (params[n] - before[n]))
            if record_trajectory and (step + 1) % record_every == 0:
                snapshots.append(_flat(params, names, num_models))
            if evaluate_on and (step + 1) % record_every == 0:
                evaluate(step + 1)
    trajectory = np.stack(snapshots, axis=1) if record_trajectory else None
    if trajectory is not None:
        for i, d in enumerate(diverged_at):
            if d is not None:
                trajectory[i, d // record_every + 1 :] = np.nan
    recorded = {name: np.stack(v, axis=1) for name, v in evaluations.items()}
    for values in recorded.values():
        for i, d in enumerate(diverged_at):
            if d is not None:
                values[i, d // record_every + 1 :] = np.nan
    trained = [_unstack(template, params, buffers, i) for i in range(num_models)]
    result = BatchedResult(
        losses,
        diverged_at,
        trajectory,
        grad_norms,
        recorded,
        np.asarray(evaluated_at, dtype=int),
    )
    return result, trained


def _check_evaluations(
    evaluate_on: dict[str, tuple[torch.Tensor, torch.Tensor]] | None,
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    if evaluate_on is None:
        return {}
    if not isinstance(evaluate_on, dict):
        raise TypeError(
            "evaluate_on must be a dict mapping names to (inputs, targets), got "
            f"{type(evaluate_on).__name__}"
        )
    for name, pair in evaluate_on.items():
        if not (
            isinstance(name, str)
            and isinstance(pair, tuple)
            and len(pair) == 2
            and all(isinstance(t, torch.Tensor) for t in pair)
        ):
            raise TypeError(
                "evaluate_on must map str names to (inputs, targets) tensor pairs, "
                f"got {name!r}: {type(pair).__name__}"
            )
    return evaluate_on


def _minibatches(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    num_models: int,
    batch_size: int,
    seed: int,
    sample_axis: int,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless (num_models, batch_size, ...) minibatches: each model reshuffles the
    samples every epoch and takes consecutive slices (the last incomplete one dropped).
    """
    generator = torch.Generator().manual_seed(seed)
    num_samples = inputs.shape[sample_axis]
    rows = torch.arange(num_models).unsqueeze(1)
    while True:
        # float32 draws whatever the default dtype: the same order for every model dtype
        uniform = torch.rand(
            num_models, num_samples, generator=generator, dtype=torch.float32
        )
        order = torch.argsort(uniform)
        order = order.to(inputs.device)
        for start in range(0, num_samples - batch_size + 1, batch_size):
            index = order[:, start : start + batch_size]
            if sample_axis == 0:
                yield inputs[index], targets[index]
            else:
                r = rows.to(inputs.device)
                yield inputs[r, index], targets[r, index]


def _unstack(
    template: nn.Module,
    params: dict[str, torch.Tensor],
    buffers: dict[str, torch.Tensor],
    index: int,
) -> nn.Module:
    model = copy.deepcopy(template)
    with torch.no_grad():
        for name, tensor in model.named_parameters():
            tensor.copy_(params[name][index])
        for name, tensor in model.named_buffers():
            tensor.copy_(buffers[name][index])
    return model
