"""Outcomes of training over seeds: mean ± sample sd (n), divergences apart.

``summarize`` turns per-seed values into an :class:`Outcome`, whose text is what a
scientist reports: the sample standard deviation (ddof = 1) to one or two significant
digits, the mean to the same decimal, the number of seeds, and the runs that diverged
counted separately, never averaged in. ``parse_outcomes`` reads that text back and
``consistent`` decides whether a fresh execution agrees with a stored one within the
stated uncertainty; the test suite uses it to compare statistical outputs of the
chapters (``conftest.py``), while everything else is compared digit for digit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Real

#: Two means of n seeds drawn afresh differ with standard error sqrt((s1² + s2²) / n);
#: a chapter prints dozens of them, so a stored mean is accepted within this many
#: standard errors (the stored and the new sd both count: a stored sd that came out
#: small by chance must not make the test fail).
MEAN_TOLERANCE_SDS = 4.0
#: The sd of a few seeds scatters by large factors between executions; a new sd outside
#: this factor of the stored one means the setting behaves differently, not by chance.
SD_RATIO_LIMIT = 10.0
#: ...when both sds come from at least this many seeds. For normal data a tenfold ratio
#: of two sample sds happens with probability about 0.13 at n = 2 and 0.02 at n = 3
#: (F distribution with n - 1 and n - 1 degrees of freedom), about 0.001 at n = 5.
SD_RATIO_MIN_N = 5
#: n assumed when a printed outcome does not state it: 2 gives the widest tolerance.
DEFAULT_N = 2


def _decimals_for(sd: float) -> int:
    """Decimals that show ``sd`` to two significant digits if it starts with 1 or 2."""
    exponent = math.floor(math.log10(sd))
    leading = sd / 10**exponent
    digits = 2 if leading < 2.95 else 1
    return digits - 1 - exponent


def _fixed(value: float, decimals: int) -> str:
    if decimals <= 0:
        return f"{round(value, decimals):.0f}"
    return f"{value:.{decimals}f}"


def format_mean_sd(mean: float, sd: float) -> str:
    """ "0.60 ± 0.04": sd to 1-2 significant digits, the mean to the same decimal.

    Tiny or huge values use a shared power of ten: "(3.2 ± 0.4)e-07".
    """
    for name, value in (("mean", mean), ("sd", sd)):
        if isinstance(value, bool) or not isinstance(value, Real):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
    if sd < 0:
        raise ValueError(f"sd must be >= 0, got {sd}")
    if sd == 0:
        return f"{mean:.4g} ± 0"
    magnitude = max(abs(mean), sd)
    if magnitude < 1e-3 or magnitude >= 1e5:
        exponent = math.floor(math.log10(magnitude))
        inner = format_mean_sd(mean / 10**exponent, sd / 10**exponent)
        return f"({inner})e{exponent:+03d}"
    decimals = _decimals_for(sd)
    return f"{_fixed(mean, decimals)} ± {_fixed(sd, decimals)}"


@dataclass(frozen=True)
class Outcome:
    """One setting's outcome over seeds.

    values : the outcome of each seed (NaN or inf for a run that diverged).
    diverged_at : for each seed, the step at which it diverged, or None.
    """

    values: tuple[float, ...]
    diverged_at: tuple[int | None, ...]

    @property
    def n(self) -> int:
        """Seeds run (diverged ones included)."""
        return len(self.values)

    @property
    def finite(self) -> tuple[float, ...]:
        return tuple(v for v in self.values if math.isfinite(v))

    @property
    def num_diverged(self) -> int:
        return self.n - len(self.finite)

    def mean(self) -> float:
        """Mean over the runs that did not diverge (NaN if none)."""
        finite = self.finite
        return math.fsum(finite) / len(finite) if finite else math.nan

    def sd(self) -> float:
        """Sample standard deviation (ddof = 1) over the finite runs (NaN below two)."""
        finite = self.finite
        if len(finite) < 2:
            return math.nan
        mean = self.mean()
        return math.sqrt(math.fsum((v - mean) ** 2 for v in finite) / (len(finite) - 1))

    def standard_error(self) -> float:
        """Standard error of the mean, sd / sqrt(n), over the finite runs."""
        return self.sd() / math.sqrt(len(self.finite)) if self.finite else math.nan

    def standard_errors_from(self, reference: float) -> float:
        """How many standard errors the mean lies above ``reference`` (negative: below);
        a paired difference counts as real when this exceeds about 4 in size."""
        return (self.mean() - float(reference)) / self.standard_error()

    def text(self, *, show_n: bool = True) -> str:
        """ "0.60 ± 0.04 (n = 5)", "0.60 ± 0.04 (n = 4; 1 of 5 diverged, step 12)"."""
        finite = self.finite
        if not finite:
            return f"all {self.n} diverged" + self._steps()
        if len(finite) == 1:
            core = f"{finite[0]:.3g}"
        else:
            core = format_mean_sd(self.mean(), self.sd())
        extra = [f"n = {len(finite)}"] if show_n else []
        if self.num_diverged:
            extra.append(f"{self.num_diverged} of {self.n} diverged" + self._steps())
        return core + (f" ({'; '.join(extra)})" if extra else "")

    def _steps(self) -> str:
        steps = [s for s in self.diverged_at if s is not None]
        if not steps:
            return ""
        return ", step " + ", ".join(str(s) for s in sorted(steps))

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__


def summarize(
    values: Iterable[float], diverged_at: Sequence[int | None] | None = None
) -> Outcome:
    """An :class:`Outcome` from one value per seed (non-finite: diverged)."""
    if isinstance(values, (str, bytes)):
        raise TypeError("values must be an iterable of numbers, one per seed")
    values = list(values)
    if not values:
        raise ValueError("values must hold at least one seed's outcome")
    cleaned = []
    for i, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, Real):
            try:
                value = float(value)  # numpy and 0-d torch scalars
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"values[{i}] must be a real number, got {type(value).__name__}"
                ) from exc
        cleaned.append(float(value))
    if diverged_at is None:
        diverged_at = [None] * len(cleaned)
    diverged_at = list(diverged_at)
    if len(diverged_at) != len(cleaned):
        raise ValueError(
            f"diverged_at must have one entry per value ({len(cleaned)}), "
            f"got {len(diverged_at)}"
        )
    for i, (value, step) in enumerate(zip(cleaned, diverged_at, strict=True)):
        if step is not None and math.isfinite(value):
            raise ValueError(
                f"values[{i}] is finite but diverged_at[{i}] = {step}: a diverged "
                "run's value must be NaN or inf"
            )
    return Outcome(tuple(cleaned), tuple(diverged_at))


_NUMBER = r"[-+]?\d+(?:\.\d+)?"
_OUTCOME = re.compile(
    rf"(?P<paren>\()?(?P<mean>{_NUMBER}) ± (?P<sd>{_NUMBER})"
    r"(?(paren)\)e(?P<exp>[-+]\d+))"
    r"(?: \(n = (?P<n>\d+))?"  # the rest of the parenthesis is compared as text
)


@dataclass(frozen=True)
class PrintedOutcome:
    """A "mean ± sd" found in text, with the decimals it was printed to."""

    mean: float
    sd: float
    n: int | None
    unit: float  # one unit of the last printed digit of the mean
    span: tuple[int, int]


def parse_outcomes(text: str) -> list[PrintedOutcome]:
    """Every "mean ± sd" (optionally "(…)e±XX" and "(n = N…)") in ``text``, in order."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    found = []
    for match in _OUTCOME.finditer(text):
        scale = 10.0 ** int(match["exp"]) if match["exp"] else 1.0
        mean_text = match["mean"]
        decimals = len(mean_text.split(".")[1]) if "." in mean_text else 0
        found.append(
            PrintedOutcome(
                mean=float(mean_text) * scale,
                sd=float(match["sd"]) * scale,
                n=int(match["n"]) if match["n"] else None,
                unit=10.0**-decimals * scale,
                span=match.span(),
            )
        )
    return found


def _agree(stored: PrintedOutcome, new: PrintedOutcome) -> bool:
    n = stored.n or DEFAULT_N
    rounding = 0.5 * max(stored.unit, new.unit)
    # the difference of two independent means of n seeds has standard error
    # sqrt((s1² + s2²) / n): both samples' spreads count, not only the stored one's
    standard_error = math.sqrt((stored.sd**2 + new.sd**2) / n)
    tolerance = max(MEAN_TOLERANCE_SDS * standard_error, rounding)
    if not abs(new.mean - stored.mean) <= tolerance + 1e-12 * abs(stored.mean):
        return False
    if n < SD_RATIO_MIN_N:  # two sample sds of so few seeds differ tenfold too often
        return True
    low, high = sorted((stored.sd, new.sd))
    return high <= SD_RATIO_LIMIT * low + 2 * rounding


def _skeleton(text: str, outcomes: list[PrintedOutcome]) -> str:
    parts, start = [], 0
    for outcome in outcomes:
        parts.append(text[start : outcome.span[0]])
        parts.append("\x00")
        start = outcome.span[1]
    parts.append(text[start:])
    return re.sub(r"[ \t]+", " ", "".join(parts))


def consistent(stored: str, new: str) -> bool:
    """Whether ``new`` says what ``stored`` says, within the printed uncertainty.

    Both texts must be identical apart from their "mean ± sd" outcomes (and the spaces
    that align columns around them); each new mean must lie within
    max(4·sqrt((sd_stored² + sd_new²) / n), half a unit of the last printed digit) of
    the stored one (n = 2 where it is not printed), and, from n = 5 seeds on, the two
    sds within a factor of 10. Seed counts ("n = 5") and divergence notes must match
    exactly.
    """
    if stored == new:
        return True
    old_outcomes, new_outcomes = parse_outcomes(stored), parse_outcomes(new)
    if not old_outcomes or len(old_outcomes) != len(new_outcomes):
        return False
    if _skeleton(stored, old_outcomes) != _skeleton(new, new_outcomes):
        return False
    for old, fresh in zip(old_outcomes, new_outcomes, strict=True):
        if old.n != fresh.n or not _agree(old, fresh):
            return False
    return True
