"""Argument checks shared by the public helpers (private module)."""

from __future__ import annotations

from collections.abc import Iterable
from numbers import Integral, Real


def positive_int(name: str, value: object, *, allow_zero: bool = False) -> int:
    """Return ``value`` as an int, or raise naming ``name`` and the accepted range."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    low = 0 if allow_zero else 1
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value}")
    return int(value)


def positive_float(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (or >= 0), or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(
            f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value}"
        )
    return value


def one_of(name: str, value: object, accepted: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``accepted``, else raise naming the accepted
    values.
    """
    accepted = tuple(accepted)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {accepted}, got {type(value).__name__}")
    if value not in accepted:
        raise ValueError(f"{name} must be one of {accepted}, got {value!r}")
    return value
