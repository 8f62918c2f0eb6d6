import pytest
import sympy as sp

from helpers import prove_identity


def test_proves_a_true_identity_and_renders_latex():
    x, s = sp.symbols("x s", positive=True)
    identity = prove_identity(
        (s * sp.tanh(x) - 3) ** 2, s**2 * (sp.tanh(x) - 3 / s) ** 2, name="scale"
    )
    assert identity._repr_latex_().startswith("$\\displaystyle")
    assert "scale:" in repr(identity)


def test_rejects_a_false_identity():
    x = sp.symbols("x")
    with pytest.raises(AssertionError, match="not proven"):
        prove_identity(sp.sin(x) ** 2, 1 - sp.cos(x))


def test_matrix_identities():
    a, b = sp.symbols("a b")
    m = sp.Matrix([[a, b], [b, a]])
    prove_identity(m * 2, m + m)
    with pytest.raises(AssertionError):
        prove_identity(m, m.T * 2)
    with pytest.raises(ValueError, match="shapes"):
        prove_identity(m, sp.Matrix([a, b]))


def test_rejects_non_expressions():
    with pytest.raises(TypeError, match="lhs and rhs"):
        prove_identity("x +", 1)
    with pytest.raises(TypeError, match="name"):
        prove_identity(1, 1, name=3)
    with pytest.raises(TypeError, match="both be matrices"):
        prove_identity(sp.Matrix([1]), 1)


def test_shown_as_changes_only_the_display():
    x = sp.symbols("x")
    identity = prove_identity(
        2 * x + 2, 2 * (x + 1), shown_as=(sp.Symbol("A"), sp.Symbol("B"))
    )
    assert identity.latex() == "A = B" and repr(identity) == "A = B"
    with pytest.raises(TypeError, match="shown_as"):
        prove_identity(x, x, shown_as=x)


def test_power_identities_that_plain_simplify_misses():
    p, g = sp.symbols("p gamma", positive=True)
    prove_identity((1 - p) ** g, (1 - p) * (1 - p) ** (g - 1))
    prove_identity(-p * (1 - p) ** (g - 1) - (1 - p) ** g + (1 - p) ** (g - 1), 0)


def test_shown_as_accepts_raw_latex_strings():
    x = sp.symbols("x")
    identity = prove_identity(x + x, 2 * x, shown_as=(r"\partial_\theta L_A", 2 * x))
    assert identity.latex() == r"\partial_\theta L_A = 2 x"
