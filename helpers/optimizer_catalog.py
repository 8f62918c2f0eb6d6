"""Every optimizer in ``torch.optim``, in the configurations the book measures, with
what multiplying the loss by a constant alpha is equivalent to (derived in chapter 3).

Each entry names the optimizer's configuration (an ``OptimizerSpec`` sized for the
book's small full-batch regression problems), the map the derivation predicts, the
one-line reason, and the kind of model it needs (Muon takes matrices only, SparseAdam
sparse gradients). ``candidates(alpha)`` lists the settings an equivalence study tries.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch

from .equivalence import NO_EQUIVALENT, OptimizerSpec, Setting

INVARIANT = "invariant"
LR_MAP = "≡ lr × α"
EPS_MAP = "≡ eps / α"
MODEL_KINDS = ("dense", "matrices only", "sparse embedding")

Composite = Callable[[float], tuple[Setting, OptimizerSpec]]


@dataclass(frozen=True)
class CatalogEntry:
    """One optimizer configuration and the derived effect of loss × alpha on it."""

    name: str
    spec: OptimizerSpec
    loss_scale: str
    why: str
    model: str = "dense"
    composite: Composite | None = None
    # what makes a layer's parameters and steps × beta for the same gradient (a change
    # of units): (setting, power of beta) pairs, applied to one layer
    frame: tuple[tuple[str, int], ...] = (("lr", 1),)

    def __post_init__(self) -> None:
        if self.model not in MODEL_KINDS:
            raise ValueError(f"model must be one of {MODEL_KINDS}, got {self.model!r}")

    def candidates(
        self, alpha: float
    ) -> list[tuple[str, Setting] | tuple[str, Setting, OptimizerSpec]]:
        """What an equivalence study tries against loss × ``alpha``, in order: nothing,
        learning rate × alpha, eps / alpha, and the entry's own composite map if any."""
        if not alpha > 0:
            raise ValueError(f"alpha must be positive, got {alpha!r}")
        tried: list = [
            (INVARIANT, Setting()),
            (LR_MAP, Setting(lr=alpha)),
            (EPS_MAP, Setting(eps=1 / alpha)),
        ]
        if self.composite is not None:
            tried.append((self.loss_scale, *self.composite(alpha)))
        return tried


def torch_optimizers() -> list[type[torch.optim.Optimizer]]:
    """Every optimizer class that ``torch.optim`` exports (the base class excluded)."""
    return sorted(
        (
            cls
            for cls in vars(torch.optim).values()
            if inspect.isclass(cls)
            and issubclass(cls, torch.optim.Optimizer)
            and cls is not torch.optim.Optimizer
        ),
        key=lambda cls: cls.__name__,
    )


def _with_options(
    spec: OptimizerSpec, setting: Callable[[float], Setting], scaled: dict[str, float]
) -> Composite:
    """A map that applies ``setting(alpha)`` and multiplies the named options of
    ``spec`` by ``alpha ** power`` (``scaled`` maps option name to power)."""

    def composite(alpha: float) -> tuple[Setting, OptimizerSpec]:
        options = dict(spec.options)
        for name, power in scaled.items():
            options[name] = spec.options[name] * alpha**power
        return setting(alpha), replace(spec, options=options)

    return composite


def optimizer_catalog() -> dict[str, CatalogEntry]:
    """The configurations, by display name, in the order of the book's tables."""
    optim, S = torch.optim, OptimizerSpec
    momentum = {"momentum": 0.9}
    asgd = S(optim.ASGD, 1e-4, options={"lambd": 1e-4})
    adadelta = S(optim.Adadelta, 1.0, 1e-6)
    adagrad_start = S(
        optim.Adagrad, 0.01, 1e-10, options={"initial_accumulator_value": 0.1}
    )
    moments = "m and √v both scale by α; only eps does not"
    entries = [
        CatalogEntry("SGD", S(optim.SGD, 1e-4), LR_MAP, "the step is lr × g"),
        CatalogEntry(
            "SGD + momentum",
            S(optim.SGD, 1e-5, options=momentum),
            LR_MAP,
            "the buffer is a sum of gradients",
        ),
        CatalogEntry(
            "SGD + Nesterov",
            S(optim.SGD, 1e-5, options={**momentum, "nesterov": True}),
            LR_MAP,
            "the buffer and the look-ahead are sums of gradients",
        ),
        CatalogEntry(
            "SGD + momentum, dampening 0.5",
            S(optim.SGD, 1e-5, options={**momentum, "dampening": 0.5}),
            LR_MAP,
            "dampening weights gradients, a constant factor",
        ),
        CatalogEntry(
            "ASGD",
            asgd,
            "≡ lr × α, lambd / α",
            "its step size lr / (1 + lambd lr t)^0.75 and decay lambd × step size "
            "follow lr × α only with lambd / α",
            composite=_with_options(asgd, lambda a: Setting(lr=a), {"lambd": -1}),
            frame=(("lr", 1), ("lambd", -1)),  # its decay factor 1 - lambd × step
        ),
        CatalogEntry(
            "ASGD, lambd = 0",
            S(optim.ASGD, 1e-4, options={"lambd": 0.0}),
            LR_MAP,
            "without lambd the step is lr × g",
        ),
        CatalogEntry(
            "Rprop",
            S(optim.Rprop, 1e-3),
            INVARIANT,
            "steps depend on gradient signs only",
            frame=(("lr", 1), ("step_sizes", 1)),  # step sizes, clamped to bounds
        ),
        CatalogEntry(
            "Adagrad",
            S(optim.Adagrad, 0.01, 1e-10),
            EPS_MAP,
            "g and √(Σg²) both scale by α",
        ),
        CatalogEntry(
            "Adagrad, initial accumulator 0.1",
            adagrad_start,
            "≡ eps / α, initial accumulator / α²",
            "the accumulator's start does not scale with g²",
            composite=_with_options(
                adagrad_start,
                lambda a: Setting(eps=1 / a),
                {"initial_accumulator_value": -2},
            ),
        ),
        CatalogEntry(
            "Adadelta",
            adadelta,
            "≡ lr × α, eps / α²",
            "eps sits under both square roots: with eps / α² the accumulated updates "
            "and so every step shrink by α, which lr × α restores",
            composite=_with_options(adadelta, lambda a: Setting(lr=a, eps=a**-2), {}),
        ),
        CatalogEntry("RMSprop", S(optim.RMSprop, 1e-3, 1e-8), EPS_MAP, moments),
        CatalogEntry(
            "RMSprop, centered",
            S(optim.RMSprop, 1e-3, 1e-8, options={"centered": True}),
            EPS_MAP,
            "the centred √(v − m²) scales by α too",
        ),
        CatalogEntry(
            "RMSprop + momentum",
            S(optim.RMSprop, 2e-4, 1e-8, options=momentum),
            EPS_MAP,
            "the buffer sums normalised steps",
        ),
        CatalogEntry("Adam", S(optim.Adam, 1e-3, 1e-8), EPS_MAP, moments),
        CatalogEntry(
            "Adam, amsgrad",
            S(optim.Adam, 1e-3, 1e-8, options={"amsgrad": True}),
            EPS_MAP,
            "the running maximum of v scales by α² too",
        ),
        CatalogEntry(
            "AdamW",
            S(optim.AdamW, 1e-3, 1e-8, weight_decay=1e-2),
            EPS_MAP,
            "decoupled decay does not involve the gradient",
        ),
        CatalogEntry("NAdam", S(optim.NAdam, 2e-3, 1e-8), EPS_MAP, moments),
        CatalogEntry(
            "RAdam",
            S(optim.RAdam, 1e-3, 1e-8),
            NO_EQUIVALENT,
            "early steps are unnormalised momentum steps (lr × α), later ones Adam's",
        ),
        CatalogEntry(
            "Adamax",
            S(optim.Adamax, 2e-3, 1e-8),
            EPS_MAP,
            "the infinity norm max(β u, |g| + eps) scales by α but for eps",
        ),
        CatalogEntry(
            "Adafactor",
            S(
                optim.Adafactor,
                1e-2,
                torch.finfo(torch.float64).eps,
                eps_option=lambda e: (e, 1e-3),
            ),
            INVARIANT,
            "two floors from eps1 (machine epsilon by default): a matrix's mean of "
            "g² at eps1 (≡ eps1 / α²) and the second moment at eps1² (≡ eps1 / α); "
            "neither binds in float64",
            frame=(),  # its step is relative to the parameters' RMS
        ),
        CatalogEntry(
            "LBFGS (one iteration per step)",
            S(optim.LBFGS, 0.1, options={"max_iter": 1, "history_size": 10}),
            INVARIANT,
            "H g is scale-free, but only while torch's fixed thresholds stay "
            "inactive: |g|₁ ≥ 1 at step 1 (step min(1, 1/|g|₁) lr), max |g| > "
            "tolerance_grad, gᵀd < -tolerance_change, and every curvature pair's "
            "yᵀs > 1e-10 (hard-coded: no map)",
        ),
        CatalogEntry(
            "Muon (matrices only)",
            S(optim.Muon, 1e-3, 1e-7, weight_decay=0.1),
            INVARIANT,
            "Newton-Schulz starts from X / max(‖X‖, eps), scale-free while the "
            "momentum's norm exceeds eps (exactly: ≡ eps / α); its decay is decoupled",
            model="matrices only",
        ),
        CatalogEntry(
            "SparseAdam (sparse embedding)",
            S(optim.SparseAdam, 1e-2, 1e-8),
            EPS_MAP,
            moments + ", on the rows a batch touches",
            model="sparse embedding",
        ),
    ]
    return {entry.name: entry for entry in entries}
