"""What a rescaling is equivalent to: the optimizer settings that reproduce a rescaled
training run without the rescaling, derived from each optimizer's loss-scale map.

``equivalent_settings(optimizer, rescaling)`` answers for one configuration of
``helpers.optimizer_catalog`` and one rescaling by a factor f. The answer is a list of
(setting, power of f) pairs, shown as "eps / f, clip / f" and turned into numbers by
``apply``. Chapter 6 measures every answer it prints; chapter 3 measures the loss row
for every configuration.

Two families carry every rule: optimizers whose step is proportional to the gradient
(SGD and its momentum variants: loss × f is learning rate × f) and normalised ones
(Adam-type: loss × f is eps / f). Any rescaling that multiplies every gradient by f^p
(the loss, squared-error targets with the output, absolute-error targets) follows the
optimizer's own loss-scale map with alpha = f^p, whatever its family. The other
rescalings (inputs, a first-layer initialisation, lr, eps, weight decay, clipping
threshold) are derived for the two families only; elsewhere the answer is "not
derived" rather than a claim that none exists.

Conditions the answers assume (as chapter 6's measurements do): clipping by global
norm without torch's 1e-6 guard (``clip_grad_norm_`` adds it to the norm, so a "clip /
f" answer then holds only to about 1e-6 / norm per step); a "normalised first layer" is
bias-free and followed by a normalisation with eps 0 (with eps the map needs eps / f²
on it); coupled weight decay is added to the gradient after clipping, as torch's
optimizers do. Invariance answers of LBFGS, Muon and Adafactor hold while their fixed
thresholds stay inactive (the answer's ``why`` says which).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from ._checks import one_of, positive_float
from .equivalence import NO_EPS, NO_EQUIVALENT, Setting
from .optimizer_catalog import EPS_MAP, INVARIANT, LR_MAP, optimizer_catalog

NOT_DERIVED = "not derived (measure it)"
GRADIENT_POWER = {  # rescalings that multiply every gradient by f ** power
    "loss": 1,
    "targets and output (squared error)": 2,  # both multiplied by f
    "targets and output (absolute error)": 1,
}
RESCALINGS = (
    *GRADIENT_POWER,
    "inputs",
    "inputs (normalised first layer)",
    "inputs (per feature)",
    "first-layer init",
    "first-layer init (normalised first layer)",
    "lr",
    "eps",
    "weight decay",
    "clip threshold",
)
# each catalog loss-scale map as (setting, power of alpha) pairs; None: no equivalent
LOSS_SCALE_POWERS: dict[str, tuple[tuple[str, int], ...] | None] = {
    INVARIANT: (),
    LR_MAP: (("lr", 1),),
    EPS_MAP: (("eps", -1),),
    "≡ lr × α, lambd / α": (("lr", 1), ("lambd", -1)),
    "≡ eps / α, initial accumulator / α²": (
        ("eps", -1),
        ("initial_accumulator_value", -2),
    ),
    "≡ lr × α, eps / α²": (("lr", 1), ("eps", -2)),
    NO_EQUIVALENT: None,
}
DECOUPLED_DECAY = ("AdamW", "Muon", "Adafactor")  # decay outside the gradient
SIGN_BASED = ("Rprop",)  # steps from gradient signs: clipping by a norm is invisible
RECTIFIED = ("RAdam",)  # unnormalised first steps, normalised later ones
ORDER = (
    "loss",
    "init",
    "lr",
    "eps",
    "lambd",
    "initial_accumulator_value",
    "decay",
    "clip",
)
SHOWN_AS = {"initial_accumulator_value": "initial accumulator"}
SETTING_FIELDS = ("loss", "init", "lr", "eps", "decay", "clip")  # helpers.Setting's
HYPER_PARAMETERS = {  # apply(): setting -> keyword of the hyper-parameter it scales
    "lr": "lr",
    "eps": "eps",
    "decay": "weight_decay",
    "clip": "max_grad_norm",
    "lambd": "lambd",
    "initial_accumulator_value": "initial_accumulator_value",
}


@dataclass(frozen=True)
class Equivalent:
    """The settings that reproduce a rescaled run without the rescaling.

    ``change`` holds (setting, power of f) pairs: ("eps", -1) means eps / f; an empty
    change means the rescaling changes nothing. ``first_layer`` says the change applies
    to the first layer's weight only. ``verdict`` is set instead of a change when there
    is none (``NO_EQUIVALENT``), the optimizer has no eps (``NO_EPS``), or the rule is
    not derived here (``NOT_DERIVED``); ``why`` gives the reason.
    """

    optimizer: str
    rescaling: str
    change: tuple[tuple[str, int], ...] | None
    why: str
    first_layer: bool = False
    verdict: str | None = None

    @property
    def exists(self) -> bool:
        return self.change is not None

    def label(self, symbol: str = "f") -> str:
        """As chapter 6 prints it: "lr × f, decay / f", "invariant", or the verdict."""
        if self.change is None:
            return self.verdict
        if not self.change:
            return INVARIANT
        parts = [
            f"{SHOWN_AS.get(name, name)} {_power_text(power, symbol)}"
            for name, power in self.change
        ]
        text = ", ".join(parts)
        return f"layer 1: {text}" if self.first_layer else text

    def setting(self, factor: float) -> Setting:
        """The change as a ``helpers.Setting`` of multipliers, for factor ``factor``."""
        factor = positive_float("factor", factor)
        if self.change is None:
            raise ValueError(f"{self.optimizer}, {self.rescaling}: {self.label()}")
        multipliers: dict[str, float] = {}
        for name, power in self.change:
            if name not in SETTING_FIELDS:
                raise ValueError(
                    f"{name} is an option of {self.optimizer}, not a Setting field: "
                    "use apply()"
                )
            key = f"first_{name}" if self.first_layer else name
            multipliers[key] = factor**power
        return Setting(**multipliers)

    def apply(self, factor: float, **hyper_parameters: float) -> dict[str, float]:
        """The equivalent values of the given hyper-parameters (``lr``, ``eps``,
        ``weight_decay``, ``max_grad_norm``, ``lambd``, ``initial_accumulator_value``)
        for a rescaling by ``factor``; the ones the change leaves alone are returned
        unchanged. A change that rescales the loss itself, or the first layer alone,
        is refused: it is not a value of the optimizer."""
        factor = positive_float("factor", factor)
        if self.change is None:
            raise ValueError(f"{self.optimizer}, {self.rescaling}: {self.label()}")
        if self.first_layer or any(name == "loss" for name, _ in self.change):
            raise ValueError(
                f"{self.label()} changes the loss or the first layer, not only "
                "hyper-parameters: apply it by hand"
            )
        unknown = set(hyper_parameters) - set(HYPER_PARAMETERS.values())
        if unknown:
            accepted = ", ".join(sorted(set(HYPER_PARAMETERS.values())))
            raise TypeError(
                f"unknown hyper-parameters {sorted(unknown)}; accepted: {accepted}"
            )
        values = {
            k: positive_float(k, v, allow_zero=True)
            for k, v in hyper_parameters.items()
        }
        for name, power in self.change:
            keyword = HYPER_PARAMETERS[name]
            if keyword not in values:
                raise ValueError(f"the change scales {keyword}: give its value")
            values[keyword] = values[keyword] * factor**power
        return values


def _power_text(power: int, symbol: str) -> str:
    sign = "×" if power > 0 else "/"
    exponent = {1: "", 2: "²", 3: "³"}.get(abs(power), f"^{abs(power)}")
    return f"{sign} {symbol}{exponent}"


def _family(optimizer: str, entry) -> str | None:
    if optimizer in RECTIFIED:
        return "rectified"
    if entry.loss_scale == LR_MAP:
        return "gradient step"
    if entry.loss_scale == EPS_MAP:
        return "normalised"
    return None


def _ordered(change: dict[str, int]) -> tuple[tuple[str, int], ...]:
    rank = {name: i for i, name in enumerate(ORDER)}
    return tuple(
        (name, power)
        for name, power in sorted(change.items(), key=lambda kv: rank[kv[0]])
        if power != 0
    )


@dataclass(frozen=True)
class _Rule:
    change: dict[str, int] | None
    why: str
    verdict: str | None = None
    first_layer: bool = False


def _family_rule(
    normalised: bool,
    rescaling: str,
    *,
    coupled: bool,
    decoupled: bool,
    clipping: bool,
    has_eps: bool,
) -> _Rule:
    """The rule for a gradient-step (SGD-type) or normalised (Adam-type) optimizer,
    for the rescalings that are not plain gradient factors. Coupled decay is added to
    the gradient after clipping (as torch's optimizers do)."""
    step = {"eps": -1} if normalised else {"lr": 1}  # what undoes a loss / f
    decay = {"decay": -1} if coupled else {}
    clip = {"clip": -1} if clipping else {}
    if rescaling == "inputs":
        if clipping:
            return _Rule(None, "the global norm mixes the first layer with the rest")
        change = {"init": 1, **({"lr": 1, "eps": -1} if normalised else {"lr": 2})}
        if coupled or decoupled:
            change["decay"] = -2 if coupled else -1
        return _Rule(
            change, "the first layer's weights carry the factor", first_layer=True
        )
    if rescaling == "first-layer init (normalised first layer)":
        if clipping:
            return _Rule(None, "the global norm mixes the first layer with the rest")
        change = {"lr": -1, "eps": 1} if normalised else {"lr": -2}
        if coupled or decoupled:
            change["decay"] = 2 if coupled else 1
        return _Rule(
            change,
            "the same function (bias-free first layer, normalisation eps 0); its "
            "gradient shrinks by f",
            first_layer=True,
        )
    if rescaling == "first-layer init":
        return _Rule(
            None,
            "a different function: no optimizer setting alone undoes it (inputs × f "
            "with the inputs rule inverted is an equivalent that changes the data)",
        )
    if rescaling == "lr":
        if normalised or decoupled:
            return _Rule(None, "the step is lr × a direction that does not scale")
        change = {"loss": 1, **({"decay": 1} if coupled else {})}
        return _Rule(change | ({"clip": 1} if clipping else {}), "the step is lr × g")
    if rescaling == "eps":
        if not has_eps:
            return _Rule(None, "the optimizer has no eps", verdict=NO_EPS)
        if not normalised:
            return _Rule(
                None, "eps is not next to a gradient scale", verdict=NOT_DERIVED
            )
        return _Rule(
            {"loss": -1} | decay | clip, "eps × f next to √v ≡ √v / f next to eps"
        )
    if rescaling == "weight decay":
        if not coupled:
            return _Rule(None, "the decay does not pass through the gradient")
        return _Rule({"loss": -1} | step | clip, "g + fλθ = f (g / f + λθ)")
    # clip threshold
    return _Rule(
        {"loss": -1} | step | decay, "clipping g at fM = f × clipping g / f at M"
    )


def equivalent_settings(
    optimizer: str,
    rescaling: str,
    *,
    weight_decay: bool = False,
    clipping: bool = False,
) -> Equivalent:
    """What rescaling by f is equivalent to for the catalog configuration ``optimizer``.

    ``rescaling`` is one of ``RESCALINGS``. ``weight_decay`` says the run uses the
    optimizer's weight decay (added to the gradient, unless the optimizer decouples
    it); ``clipping`` says the gradient is clipped by its global norm.
    """
    catalog = optimizer_catalog()
    one_of("optimizer", optimizer, tuple(catalog))
    one_of("rescaling", rescaling, RESCALINGS)
    for name, flag in (("weight_decay", weight_decay), ("clipping", clipping)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if rescaling == "weight decay" and not weight_decay:
        raise ValueError('rescaling "weight decay" needs weight_decay=True')
    if rescaling == "clip threshold" and not clipping:
        raise ValueError('rescaling "clip threshold" needs clipping=True')
    entry = catalog[optimizer]
    if (
        weight_decay
        and "weight_decay" not in inspect.signature(entry.spec.cls).parameters
    ):
        raise ValueError(f"{optimizer} has no weight decay: give weight_decay=False")
    decoupled = weight_decay and (
        any(optimizer.startswith(n) for n in DECOUPLED_DECAY)
        or bool(entry.spec.options.get("decoupled_weight_decay", False))
    )
    coupled = weight_decay and not decoupled

    def result(rule: _Rule) -> Equivalent:
        change = None if rule.change is None else _ordered(rule.change)
        verdict = rule.verdict or (NO_EQUIVALENT if change is None else None)
        return Equivalent(
            optimizer, rescaling, change, rule.why, rule.first_layer, verdict
        )

    if rescaling in GRADIENT_POWER:
        p = GRADIENT_POWER[rescaling]
        powers = LOSS_SCALE_POWERS[entry.loss_scale]
        if powers is None:
            return result(_Rule(None, entry.why))
        change = {name: power * p for name, power in powers}
        if coupled:
            change["decay"] = -p  # f^p g + λθ = f^p (g + λθ / f^p)
        if clipping and optimizer not in SIGN_BASED:
            change["clip"] = -p  # clipping f^p g at M = f^p × clipping g at M / f^p
        return result(_Rule(change, f"every gradient × f^{p}: {entry.why}"))
    if rescaling == "inputs (normalised first layer)":
        return result(
            _Rule(
                {},
                "a bias-free first layer followed by a normalisation with eps 0 "
                "removes the inputs' scale exactly",
            )
        )
    if rescaling == "inputs (per feature)":
        return result(
            _Rule(
                None,
                "input column j × f_j needs, column by column, the inputs rule with "
                "f_j (init × f_j and lr × f_j², or lr × f_j and eps / f_j), and one "
                "weight tensor takes one lr and one eps; a normalisation over the "
                "hidden units does not remove it either",
            )
        )
    family = _family(optimizer, entry)
    if family is None:
        return result(
            _Rule(
                None,
                "derived here for gradient-step and normalised optimizers only; "
                f"{optimizer}'s loss map is {entry.loss_scale}",
                verdict=NOT_DERIVED,
            )
        )
    options = dict(
        coupled=coupled,
        decoupled=decoupled,
        clipping=clipping,
        has_eps=entry.spec.eps is not None,
    )
    if family != "rectified":
        return result(_family_rule(family == "normalised", rescaling, **options))
    # RAdam: unnormalised momentum steps first (5 at beta2 = 0.999, without eps),
    # Adam's later: both rules must agree
    early, late = (_family_rule(n, rescaling, **options) for n in (False, True))
    if rescaling == "eps":
        early = _Rule({}, "its unnormalised first steps do not use eps")
    if early.change == late.change and early.first_layer == late.first_layer:
        return result(late)
    return result(
        _Rule(
            None,
            f"its unnormalised first steps need {result(early).label()}, the later, "
            f"normalised ones {result(late).label()}",
        )
    )
