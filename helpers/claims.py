"""Claims, checks and verdicts.

``check`` asserts a measured number against a prediction with a stated tolerance and
glues it (myst-nb) so the prose quotes the computed value. ``Verdict`` and
``verdict_table`` close a chapter with one computed verdict per claim.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Real

from ._checks import one_of
from .outcomes import Outcome
from .tables import Table


class Measured(float):
    """A float printed rounded to ``fmt`` (stable stored outputs and glued prose)."""

    fmt: str

    def __new__(cls, value: float, fmt: str = ".4g", prefix: str = "") -> Measured:
        obj = super().__new__(cls, value)
        format(0.0, fmt)  # raises ValueError for a bad format spec
        obj.fmt = fmt
        obj.prefix = prefix
        return obj

    def __repr__(self) -> str:
        return self.prefix + format(float(self), self.fmt)

    __str__ = __repr__


def _real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    return float(value)


def glue_value(name: str, value: float, fmt: str = ".4g") -> None:
    """Glue ``value``, shown rounded to ``fmt``, under ``name`` without displaying it.

    Returns None on purpose, so that a cell ending in a glue shows nothing (a trailing
    ``;`` is not honoured when nbval re-executes a cell).
    """
    from myst_nb import glue

    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    glue(name, Measured(_real("value", value), fmt), display=False)


class Text(str):
    """A string that glues and prints without quotes."""

    def __repr__(self) -> str:
        return str(self)


def glue_text(name: str, text: str) -> None:
    """Glue ``text`` (shown without quotes) under ``name``, not displayed."""
    from myst_nb import glue

    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    glue(name, Text(text), display=False)


def glue_outcome(name: str, outcome: Outcome) -> None:
    """Glue an outcome over seeds ("0.60 ± 0.04 (n = 5)") under ``name``, not shown."""
    from myst_nb import glue

    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    if not isinstance(outcome, Outcome):
        raise TypeError(
            f"outcome must be a helpers.Outcome (helpers.summarize), "
            f"got {type(outcome).__name__}"
        )
    glue(name, Text(outcome.text()), display=False)


CLAIMS_LOG_ENV_VAR = "SCALEBOOK_CLAIMS_LOG"


def _log_claim(name: str, value: float, passed: bool, **bounds: float | None) -> None:
    """Append a checked claim to the JSON-lines file ``$SCALEBOOK_CLAIMS_LOG``."""
    path = os.environ.get(CLAIMS_LOG_ENV_VAR)
    if not path:
        return
    record = {
        "name": name,
        "value": value if math.isfinite(value) else str(value),
        "passed": passed,
        **{k: v for k, v in bounds.items() if v not in (None, 0.0)},
    }
    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")


#: Bounds (≤) are shown only for distances at rounding level, whose digits are noise.
ROUNDING_LEVEL = 1e-6


def check(
    name: str,
    measured: float | Outcome,
    *,
    expected: float | None = None,
    rel_tol: float = 0.0,
    abs_tol: float = 0.0,
    at_most: float | None = None,
    at_least: float | None = None,
    fmt: str = ".4g",
    shown: str = "value",
    per_seed: bool = False,
    allow_diverged: bool = False,
) -> None:
    """Assert a measured value and glue it under ``name``.

    With ``expected``: |measured - expected| <= max(rel_tol * |expected|, abs_tol). With
    ``at_most`` / ``at_least``: a one-sided bound (both may be given). A failure raises
    AssertionError naming the claim, the measured value and what was expected.

    ``measured`` may be an :class:`Outcome` over seeds: then the bounds apply to its
    mean (or, with ``per_seed=True``, to every seed), no run may have diverged unless
    ``allow_diverged``, and the glued text is the outcome ("0.60 ± 0.04 (n = 5)"), which
    the tests compare within its uncertainty. A plain number is glued rounded to
    ``fmt``, or, with ``shown="bound"``, as its checked bound ("≤ 1e-09"): only for
    distances at rounding level (``at_most`` <= ``ROUNDING_LEVEL``), whose digits change
    between CPUs.
    """
    one_of("shown", shown, ("value", "bound"))
    if shown == "bound" and (at_most is None or at_least is not None):
        raise ValueError('shown="bound" needs at_most (and no at_least)')
    if shown == "bound" and not _real("at_most", at_most) <= ROUNDING_LEVEL:
        raise ValueError(
            f'shown="bound" is for rounding-level distances: at_most must be <= '
            f"{ROUNDING_LEVEL:g}, got {at_most}; show the value instead"
        )
    if expected is None and at_most is None and at_least is None:
        raise ValueError("give expected (with rel_tol/abs_tol), at_most or at_least")
    for label, tol in (("rel_tol", rel_tol), ("abs_tol", abs_tol)):
        if _real(label, tol) < 0:
            raise ValueError(f"{label} must be >= 0, got {tol}")
    outcome = measured if isinstance(measured, Outcome) else None
    if outcome is not None and shown == "bound":
        raise ValueError(
            'shown="bound" is for rounding-level distances, not outcomes over seeds'
        )
    if per_seed and outcome is None:
        raise ValueError(
            "per_seed=True needs an Outcome (helpers.summarize) as measured"
        )
    problems = []
    if outcome is not None:
        if outcome.num_diverged and not allow_diverged:
            problems.append(f"{outcome.num_diverged} of {outcome.n} runs diverged")
        values = list(outcome.finite) if per_seed else [outcome.mean()]
        value = outcome.mean()
    else:
        value = _real("measured", measured)
        values = [value]
    for v in values:
        problems += _bound_problems(v, expected, rel_tol, abs_tol, at_most, at_least)
    _log_claim(
        name,
        value,
        not problems,
        expected=expected,
        rel_tol=rel_tol,
        abs_tol=abs_tol,
        at_most=at_most,
        at_least=at_least,
    )
    if problems:
        shown_value = outcome.text() if outcome is not None else f"{value:.6g}"
        raise AssertionError(
            f"claim {name!r} failed: measured {shown_value}; "
            + "; ".join(dict.fromkeys(problems))
        )
    if outcome is not None:
        glue_outcome(name, outcome)
    elif shown == "bound":
        from myst_nb import glue

        glue(name, Measured(_real("bound", at_most), fmt, "≤ "), display=False)
    else:
        glue_value(name, value, fmt)


def _bound_problems(
    value: float,
    expected: float | None,
    rel_tol: float,
    abs_tol: float,
    at_most: float | None,
    at_least: float | None,
) -> list[str]:
    problems = []
    if not math.isfinite(value):
        problems.append("it is not finite")
    if expected is not None:
        expected = _real("expected", expected)
        tolerance = max(rel_tol * abs(expected), abs_tol)
        if not abs(value - expected) <= tolerance:
            problems.append(
                f"expected {expected:.6g} within {tolerance:.3g} "
                f"(rel_tol={rel_tol:g}, abs_tol={abs_tol:g})"
            )
    if at_most is not None and not value <= _real("at_most", at_most):
        problems.append(f"expected at most {at_most:.6g}")
    if at_least is not None and not value >= _real("at_least", at_least):
        problems.append(f"expected at least {at_least:.6g}")
    return problems


VERDICTS = ("holds", "holds only when", "false")


@dataclass(frozen=True)
class Verdict:
    """A claim's verdict: "holds", "holds only when <condition>" or "false"."""

    claim: str
    status: str
    evidence: str
    condition: str = ""

    def __post_init__(self) -> None:
        if self.status not in VERDICTS:
            raise ValueError(f"status must be one of {VERDICTS}, got {self.status!r}")
        if (self.status == "holds only when") != bool(self.condition):
            raise ValueError(
                "condition must be given exactly when status is 'holds only when'"
            )

    @property
    def label(self) -> str:
        return f"holds only when {self.condition}" if self.condition else self.status


def decide(claim: str, *, holds: bool, evidence: str, only_when: str = "") -> Verdict:
    """Verdict from a computed truth: false unless ``holds``, else holds (only when)."""
    if not isinstance(holds, bool):
        raise TypeError(
            f"holds must be a bool computed in the notebook, got {type(holds).__name__}"
        )
    if not holds:
        return Verdict(claim, "false", evidence)
    return Verdict(
        claim, "holds only when" if only_when else "holds", evidence, only_when
    )


def glue_verdicts(verdicts: Iterable[Verdict]) -> None:
    """Glue each verdict's claim, label and evidence as ``claim_<i>``, ``verdict_<i>``
    and ``evidence_<i>`` (i from 1), for the chapter's short answer at the top.

    The label is glued as Markdown in bold (paste it with ``{glue:md}``), the others as
    text.
    """
    from IPython.display import Markdown
    from myst_nb import glue

    verdicts = list(verdicts)
    if not verdicts or not all(isinstance(v, Verdict) for v in verdicts):
        raise TypeError("verdicts must be a non-empty iterable of Verdict")
    for i, verdict in enumerate(verdicts, start=1):
        glue_text(f"claim_{i}", verdict.claim)
        glue(f"verdict_{i}", Markdown(f"**{verdict.label}**"), display=False)
        glue_text(f"evidence_{i}", verdict.evidence)


def verdict_table(verdicts: Iterable[Verdict]) -> Table:
    """A table (claim | verdict | evidence) for the end of a chapter."""
    verdicts = list(verdicts)
    if not verdicts or not all(isinstance(v, Verdict) for v in verdicts):
        raise TypeError("verdicts must be a non-empty iterable of Verdict")
    return Table(
        ["claim", "verdict", "evidence"],
        [[v.claim, f"**{v.label}**", v.evidence] for v in verdicts],
    )
