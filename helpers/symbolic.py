"""Proving identities with sympy and showing them as LaTeX."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class Identity:
    """A proven identity ``lhs = rhs``; renders as display LaTeX in a notebook."""

    lhs: sp.Basic
    rhs: sp.Basic
    name: str = ""
    shown_as: tuple[sp.Basic | str, sp.Basic | str] | None = None

    def latex(self) -> str:
        lhs, rhs = self.shown_as or (self.lhs, self.rhs)
        return f"{_tex(lhs)} = {_tex(rhs)}"

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self.latex()}$"

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        lhs, rhs = self.shown_as or (self.lhs, self.rhs)
        return f"{label}{_text(lhs)} = {_text(rhs)}"


def _tex(side: sp.Basic | str) -> str:
    """LaTeX for one displayed side: a str is taken as LaTeX already."""
    return side if isinstance(side, str) else sp.latex(side)


def _text(side: sp.Basic | str) -> str:
    return side if isinstance(side, str) else sp.sstr(side)


def _is_zero(expr: sp.Basic) -> bool:
    if isinstance(expr, sp.MatrixBase):
        return all(_is_zero(entry) for entry in expr)
    # exact rewrites, tried in turn; simplify alone misses e.g.
    # (1-p)**g - (1-p)*(1-p)**(g-1)
    for rewrite in (
        lambda e: e,
        sp.expand_power_exp,
        lambda e: sp.powsimp(e.rewrite(sp.exp)),
    ):
        simplified = sp.simplify(rewrite(expr))
        if simplified == 0 or simplified.is_zero is True:
            return True
    return False


def prove_identity(
    lhs: sp.Basic,
    rhs: sp.Basic,
    name: str = "",
    shown_as: tuple[sp.Basic | str, sp.Basic | str] | None = None,
) -> Identity:
    """Return ``Identity(lhs, rhs)`` if ``simplify(lhs - rhs) == 0``, else raise
    AssertionError.

    ``shown_as`` optionally gives a compact pair to display instead of the (possibly
    expanded) expressions that were proven equal: sympy expressions, or strings taken as
    LaTeX.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if shown_as is not None and not (
        isinstance(shown_as, tuple) and len(shown_as) == 2
    ):
        raise TypeError("shown_as must be a pair (lhs, rhs) of sympy expressions")
    try:
        lhs, rhs = sp.sympify(lhs, strict=True), sp.sympify(rhs, strict=True)
    except sp.SympifyError as exc:
        raise TypeError(
            f"lhs and rhs must be sympy expressions or numbers ({exc})"
        ) from exc
    if isinstance(lhs, sp.MatrixBase) != isinstance(rhs, sp.MatrixBase):
        raise TypeError("lhs and rhs must both be matrices or both be scalars")
    if isinstance(lhs, sp.MatrixBase) and lhs.shape != rhs.shape:
        raise ValueError(f"matrix shapes differ: {lhs.shape} and {rhs.shape}")
    if not _is_zero(lhs - rhs):
        raise AssertionError(
            f"identity {name or ''} not proven: simplify(lhs - rhs) = "
            f"{sp.simplify(lhs - rhs)}"
        )
    return Identity(lhs, rhs, name, shown_as)
