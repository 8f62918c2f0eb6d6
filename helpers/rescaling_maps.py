"""What a rescaling is equivalent to: the optimizer settings that reproduce a rescaled
training run without the rescaling, derived from each optimizer's loss-scale map.

``equivalent_settings(optimizer, rescaling)`` answers for one configuration of
``helpers.optimizer_catalog`` and one rescaling by a factor f. The answer is a list of
(setting, power of f) pairs, shown as "eps / f, clip / f" and turned into numbers by
``apply``. Chapter 6 measures every answer it prints; chapter 3 measures the loss row
for every configuration.

Every rule is composed from two maps per optimizer, both in the catalog: its
loss-scale map L (what multiplying every gradient by alpha is equivalent to: "lr × α"
for SGD-type steps, "eps / α" for Adam-type ones, "lr × α, eps / α²" for Adadelta ...)
and its frame map (what makes one layer's parameters and steps × beta for the same
gradient: "lr × β" for most, plus "lambd / β" for ASGD and "step
sizes × β" for Rprop; nothing for Adafactor, whose step is relative to the
parameters' size). Inputs × f on a plain first layer is init × f with L(f) and the
frame map (f) on that layer; a first-layer init × f before a normalisation is the
inverse; lr, eps, weight decay and clipping threshold × f follow from L by solving
for the setting. Any rescaling that multiplies every gradient by f^p (the loss,
squared-error targets with the output, absolute-error targets) is L(f^p). Rules for
the configurations whose model is not a dense MLP (Muon, SparseAdam) and for LBFGS
(one parameter group) are derived for those gradient rows only; elsewhere the answer
is "not derived" rather than a claim that none exists.

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
from dataclasses import dataclass, replace
from fractions import Fraction

from ._checks import one_of, positive_float
from .equivalence import NO_EPS, NO_EQUIVALENT, OptimizerSpec, Setting
from .optimizer_catalog import EPS_MAP, INVARIANT, LR_MAP, optimizer_catalog

NOT_DERIVED = "not derived (measure it)"
NO_DECAY = "n/a (no weight decay)"
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
DECOUPLED_DECAY = ("AdamW", "Muon", "Adafactor")  # decay × lr, outside the gradient
SIGN_BASED = ("Rprop",)  # steps from gradient signs: clipping by a norm is invisible
RECTIFIED = ("RAdam",)  # unnormalised first steps, normalised later ones
SINGLE_GROUP = ("LBFGS",)  # one parameter group: no per-layer setting
ORDER = (
    "loss",
    "init",
    "lr",
    "eps",
    "lambd",
    "initial_accumulator_value",
    "step_sizes",
    "decay",
    "clip",
)
SHOWN_AS = {
    "initial_accumulator_value": "initial accumulator",
    "step_sizes": "step sizes",
}
SETTING_FIELDS = ("loss", "init", "lr", "eps", "decay", "clip")  # helpers.Setting's
HYPER_PARAMETERS = {  # apply(): setting -> keyword of the hyper-parameter it scales
    "lr": "lr",
    "eps": "eps",
    "decay": "weight_decay",
    "clip": "max_grad_norm",
    "lambd": "lambd",
    "initial_accumulator_value": "initial_accumulator_value",
    "step_sizes": "step_sizes",
}
OPTION_DEFAULTS = {"step_sizes": (1e-6, 50.0)}  # torch's, when a spec leaves them out

Power = int | Fraction
Change = dict[str, Power]


@dataclass(frozen=True)
class Equivalent:
    """The settings that reproduce a rescaled run without the rescaling.

    ``change`` holds (setting, power of f) pairs: ("eps", -1) means eps / f; an empty
    change means the rescaling changes nothing. ``first_layer`` says the change applies
    to the first layer's weight only. ``verdict`` is set instead of a change when there
    is none (``NO_EQUIVALENT``), the optimizer has no eps (``NO_EPS``) or no weight
    decay (``NO_DECAY``), or the rule is not derived here (``NOT_DERIVED``); ``why``
    gives the reason.
    """

    optimizer: str
    rescaling: str
    change: tuple[tuple[str, Power], ...] | None
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

    def _require(self) -> None:
        if self.change is None:
            raise ValueError(f"{self.optimizer}, {self.rescaling}: {self.label()}")

    def setting(self, factor: float) -> Setting:
        """The change as a ``helpers.Setting`` of multipliers, for factor ``factor``."""
        factor = positive_float("factor", factor)
        self._require()
        for name, _ in self.change:
            if name not in SETTING_FIELDS:
                raise ValueError(
                    f"{name} is an option of {self.optimizer}, not a Setting field: "
                    "use candidate() or apply()"
                )
        return self.candidate(factor, None)[0]

    def candidate(
        self, factor: float, spec: OptimizerSpec | None
    ) -> tuple[Setting, OptimizerSpec | None]:
        """The change for factor ``factor`` as what an equivalence study trains: a
        ``Setting`` of multipliers and ``spec`` with its options (``lambd``, ``step
        sizes``, initial accumulator) scaled, for the first layer alone if the change
        is a first-layer one."""
        factor = positive_float("factor", factor)
        self._require()
        multipliers: dict[str, float] = {}
        options: dict[str, object] = {}
        for name, power in self.change:
            if name in SETTING_FIELDS:
                key = f"first_{name}" if self.first_layer else name
                multipliers[key] = factor ** float(power)
                continue
            if spec is None:
                raise ValueError(f"the change scales {name}: give the optimizer's spec")
            base = _option(spec, name)
            options[name] = _scaled(base, factor ** float(power))
        setting = Setting(**multipliers)
        if not options:
            return setting, spec
        if self.first_layer:
            first = {**spec.first_options, **options}
            return setting, replace(spec, first_options=first)
        return setting, replace(spec, options={**spec.options, **options})

    def apply(self, factor: float, **hyper_parameters: object) -> dict[str, object]:
        """The equivalent values of the given hyper-parameters (``lr``, ``eps``,
        ``weight_decay``, ``max_grad_norm``, ``lambd``, ``initial_accumulator_value``,
        ``step_sizes``) for a rescaling by ``factor``; the ones the change leaves
        alone are returned unchanged. A change that rescales the loss itself, or the
        first layer alone, is refused: it is not a value of the optimizer."""
        factor = positive_float("factor", factor)
        self._require()
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
        values = {k: _checked(k, v) for k, v in hyper_parameters.items()}
        for name, power in self.change:
            keyword = HYPER_PARAMETERS[name]
            if keyword not in values:
                raise ValueError(f"the change scales {keyword}: give its value")
            values[keyword] = _scaled(values[keyword], factor ** float(power))
        return values


def _checked(name: str, value: object) -> object:
    if name == "step_sizes":
        if not (isinstance(value, tuple) and len(value) == 2):
            raise TypeError(f"step_sizes must be a pair (min, max), got {value!r}")
        return tuple(positive_float("step_sizes[i]", v) for v in value)
    return positive_float(name, value, allow_zero=True)


def _scaled(value: object, multiplier: float) -> object:
    if isinstance(value, tuple):
        return tuple(v * multiplier for v in value)
    return value * multiplier


def _option(spec: OptimizerSpec, name: str) -> object:
    if name in spec.options:
        return spec.options[name]
    if name in OPTION_DEFAULTS:
        return OPTION_DEFAULTS[name]
    return inspect.signature(spec.cls).parameters[name].default


def _power_text(power: Power, symbol: str) -> str:
    sign = "×" if power > 0 else "/"
    size = abs(Fraction(power))
    if size == Fraction(1, 2):
        return f"{sign} √{symbol}"
    if size.denominator == 1:
        exponent = {1: "", 2: "²", 3: "³", 4: "⁴"}.get(int(size), f"^{size}")
        return f"{sign} {symbol}{exponent}"
    return f"{sign} {symbol}^{size}"


def _ordered(change: Change) -> tuple[tuple[str, Power], ...]:
    rank = {name: i for i, name in enumerate(ORDER)}
    return tuple(
        (name, _simplest(power))
        for name, power in sorted(change.items(), key=lambda kv: rank[kv[0]])
        if power != 0
    )


def _simplest(power: Power) -> Power:
    power = Fraction(power)
    return int(power) if power.denominator == 1 else power


def _sum(*changes: Change) -> Change:
    total: Change = {}
    for change in changes:
        for name, power in change.items():
            total[name] = total.get(name, 0) + power
    return total


def _times(change: Change, k: Power) -> Change:
    return {name: power * k for name, power in change.items()}


@dataclass(frozen=True)
class _Rule:
    change: Change | None
    why: str
    verdict: str | None = None
    first_layer: bool = False


@dataclass(frozen=True)
class _Maps:
    """One optimizer's two maps and how it treats decay and clipping."""

    loss: Change | None  # L(alpha) as powers of alpha; None: no equivalent
    frame: Change
    coupled: bool  # weight decay added to the gradient
    decoupled: bool  # weight decay × lr, outside the gradient
    clips: bool  # a clipping norm changes its steps (not sign-based)
    has_eps: bool
    has_decay: bool


def _rule(maps: _Maps, rescaling: str, loss_why: str) -> _Rule:
    """The rule for a rescaling that is not a plain gradient factor."""
    L, U = maps.loss, maps.frame
    clip = {"clip": -1} if maps.clips else {}
    if L is None:
        return _Rule(None, loss_why)
    if rescaling in ("inputs", "first-layer init (normalised first layer)"):
        if maps.clips:
            return _Rule(None, "the global norm mixes the first layer with the rest")
        k = 1 if rescaling == "inputs" else -1  # inputs: f; the inverse: 1 / f
        change = _times(_sum(L, U), k)
        if maps.coupled:
            change["decay"] = -2 * k  # g / f + λ' f θ must be (g + λ θ) / f
        elif maps.decoupled:
            change["decay"] = -change.get("lr", 0)  # lr × decay stays
        if rescaling == "inputs":
            return _Rule(
                {"init": 1} | change,
                "the first layer's weights carry the factor",
                first_layer=True,
            )
        return _Rule(
            change,
            "the same function (bias-free first layer, normalisation eps 0); its "
            "gradient shrinks by f",
            first_layer=True,
        )
    if rescaling == "lr":
        if L.get("lr") != 1 or maps.decoupled:
            return _Rule(None, "the step is lr × a direction that does not scale")
        rest = {name: -power for name, power in L.items() if name != "lr"}
        change = {"loss": 1} | rest
        change |= {"decay": 1} if maps.coupled else {}
        return _Rule(change | ({"clip": 1} if maps.clips else {}), "the step is lr × g")
    if rescaling == "eps":
        if not maps.has_eps:
            return _Rule(None, "the optimizer has no eps", verdict=NO_EPS)
        if "eps" not in L:
            return _Rule({}, f"eps does not enter while {loss_why}")
        p = Fraction(L["eps"])  # eps × f is loss × alpha with alpha^p = f
        change = {"loss": 1 / p} | {n: -q / p for n, q in L.items() if n != "eps"}
        change |= {"decay": 1 / p} if maps.coupled else {}
        change |= {"clip": 1 / p} if maps.clips else {}
        return _Rule(change, "eps × f next to a gradient scale ≡ that scale / f")
    if rescaling == "weight decay":
        if not maps.has_decay:
            return _Rule(None, "the optimizer has no weight decay", verdict=NO_DECAY)
        if not maps.coupled:
            return _Rule(None, "the decay does not pass through the gradient")
        return _Rule(_sum({"loss": -1}, L, clip), "g + fλθ = f (g / f + λθ)")
    # clip threshold
    if not maps.clips:
        return _Rule({}, "a norm threshold does not change gradient signs")
    decay = {"decay": -1} if maps.coupled else {}
    return _Rule(
        _sum({"loss": -1}, L, decay), "clipping g at fM = f × clipping g / f at M"
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
    it; for an optimizer without one the answer is ``NO_DECAY``); ``clipping`` says the
    gradient is clipped by its global norm.
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
    has_decay = "weight_decay" in inspect.signature(entry.spec.cls).parameters

    def result(rule: _Rule) -> Equivalent:
        change = None if rule.change is None else _ordered(rule.change)
        verdict = rule.verdict or (NO_EQUIVALENT if change is None else None)
        return Equivalent(
            optimizer, rescaling, change, rule.why, rule.first_layer, verdict
        )

    if weight_decay and not has_decay:
        return result(_Rule(None, f"{optimizer} has no weight decay", verdict=NO_DECAY))
    decoupled = weight_decay and (
        any(optimizer.startswith(n) for n in DECOUPLED_DECAY)
        or bool(entry.spec.options.get("decoupled_weight_decay", False))
    )
    coupled = weight_decay and not decoupled
    clips = clipping and optimizer not in SIGN_BASED
    loss_map = LOSS_SCALE_POWERS[entry.loss_scale]
    if rescaling in GRADIENT_POWER:
        p = GRADIENT_POWER[rescaling]
        if loss_map is None:
            return result(_Rule(None, entry.why))
        change = _times(dict(loss_map), p)
        if coupled:
            change["decay"] = -p  # f^p g + λθ = f^p (g + λθ / f^p)
        if clips:
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
    if rescaling == "first-layer init":
        return result(
            _Rule(
                None,
                "a different function: no optimizer setting alone undoes it (inputs × "
                "f with the inputs rule inverted is an equivalent that changes the "
                "data)",
            )
        )
    if entry.model != "dense" or any(optimizer.startswith(n) for n in SINGLE_GROUP):
        return result(
            _Rule(
                None,
                f"derived here for the gradient rows only: {optimizer} takes "
                f"{'one parameter group' if entry.model == 'dense' else entry.model}",
                verdict=NOT_DERIVED,
            )
        )
    maps = _Maps(
        loss=None if loss_map is None else dict(loss_map),
        frame=dict(entry.frame),
        coupled=coupled,
        decoupled=decoupled,
        clips=clips,
        has_eps=entry.spec.eps is not None,
        has_decay=has_decay,
    )
    if optimizer not in RECTIFIED:
        return result(_rule(maps, rescaling, entry.why))
    # RAdam: unnormalised momentum steps first (5 at beta2 = 0.999, without eps),
    # Adam's later: both rules must agree
    early, late = (
        _rule(replace(maps, loss=loss), rescaling, entry.why)
        for loss in ({"lr": 1}, {"eps": -1})
    )
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
