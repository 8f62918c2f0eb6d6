import pytest

from helpers import (
    Measured,
    Verdict,
    check,
    decide,
    glue_outcome,
    summarize,
    verdict_table,
)


def test_measured_prints_rounded():
    assert (
        repr(Measured(0.338512345)) == "0.3385"
        and str(Measured(12.91543, ".3g")) == "12.9"
    )
    assert Measured(2.5) * 2 == 5.0


def test_check_passes_and_glues_a_rounded_value(monkeypatch):
    import myst_nb

    glued = {}
    monkeypatch.setattr(
        myst_nb,
        "glue",
        lambda name, value, display: glued.update({name: (repr(value), display)}),
    )
    assert check("ratio", 100.0004, expected=100, rel_tol=1e-5) is None
    check("bound", 0.5, at_most=1, at_least=0, fmt=".2f")
    assert glued == {"ratio": ("100", False), "bound": ("0.50", False)}


def test_check_failure_names_claim_and_numbers():
    with pytest.raises(
        AssertionError, match=r"claim 'ratio' failed: measured 10; expected 100"
    ):
        check("ratio", 10.0, expected=100, rel_tol=0.01)
    with pytest.raises(AssertionError, match="at most"):
        check("small", 2.0, at_most=1)
    with pytest.raises(AssertionError, match="not finite"):
        check("nan", float("nan"), at_most=1)


def test_check_rejects_bad_arguments():
    with pytest.raises(ValueError, match="expected"):
        check("x", 1.0)
    with pytest.raises(TypeError, match="measured"):
        check("x", "1.0", at_most=2)
    with pytest.raises(ValueError, match="rel_tol"):
        check("x", 1.0, expected=1, rel_tol=-1)
    with pytest.raises(ValueError, match="format"):
        Measured(1.0, "not-a-format")


def test_decide_computes_the_verdict():
    assert decide("c", holds=False, evidence="e").label == "false"
    assert decide("c", holds=True, evidence="e").label == "holds"
    assert (
        decide("c", holds=True, evidence="e", only_when="eps = 0").label
        == "holds only when eps = 0"
    )
    with pytest.raises(TypeError, match="holds"):
        decide("c", holds=1, evidence="e")


def test_verdict_validation_and_table():
    with pytest.raises(ValueError, match="status"):
        Verdict("c", "maybe", "e")
    with pytest.raises(ValueError, match="condition"):
        Verdict("c", "holds only when", "e")
    table = verdict_table([Verdict("a | b", "holds", "x")])._repr_markdown_()
    assert "a \\| b" in table and "**holds**" in table
    with pytest.raises(TypeError, match="verdicts"):
        verdict_table([])


def test_glue_value_rejects_bad_input():
    from helpers import glue_value

    with pytest.raises(TypeError, match="name"):
        glue_value("", 1.0)
    with pytest.raises(TypeError, match="value"):
        glue_value("x", "1.0")


def test_check_can_glue_the_bound_for_rounding_level_values(monkeypatch):
    import myst_nb

    glued = {}
    monkeypatch.setattr(
        myst_nb, "glue", lambda name, value, display: glued.update({name: repr(value)})
    )
    check("tiny", 3.7e-16, at_most=1e-12, fmt=".0e", shown="bound")
    assert glued == {"tiny": "≤ 1e-12"}
    with pytest.raises(ValueError, match="needs at_most"):
        check("x", 1e-9, at_most=2e-9, at_least=0, shown="bound")
    with pytest.raises(ValueError, match="shown"):
        check("x", 1.0, at_most=2, shown="digits")


def test_checks_are_logged_for_the_seed_stress_run(tmp_path, monkeypatch):
    import json

    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda *args, **kwargs: None)
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv("SCALEBOOK_CLAIMS_LOG", str(log))
    check("ok", 0.5, at_most=1.0)
    with pytest.raises(AssertionError):
        check("bad", 2.0, expected=1.0, rel_tol=0.1)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records == [
        {"name": "ok", "value": 0.5, "passed": True, "at_most": 1.0},
        {"name": "bad", "value": 2.0, "passed": False, "expected": 1.0, "rel_tol": 0.1},
    ]


def test_glue_outcome_glues_the_outcome_text(monkeypatch):
    glued = {}
    monkeypatch.setattr(
        "myst_nb.glue",
        lambda name, value, display=True: glued.update({name: repr(value)}),
    )
    glue_outcome("a", summarize([1.0, 2.0, 3.0]))
    assert glued == {"a": "2.0 ± 1.0 (n = 3)"}
    with pytest.raises(TypeError, match="name"):
        glue_outcome("", summarize([1.0]))
    with pytest.raises(TypeError, match="outcome must be a helpers.Outcome"):
        glue_outcome("a", 2.5)


def test_check_an_outcome_over_seeds(monkeypatch):
    glued = {}
    monkeypatch.setattr(
        "myst_nb.glue",
        lambda name, value, display=True: glued.update({name: repr(value)}),
    )
    check("loss", summarize([0.58, 0.60, 0.62]), expected=0.6, abs_tol=0.01)
    check("every", summarize([0.58, 0.60, 0.62]), at_least=0.55, per_seed=True)
    assert glued == {"loss": "0.600 ± 0.020 (n = 3)", "every": "0.600 ± 0.020 (n = 3)"}
    with pytest.raises(AssertionError, match="expected at least 0.59"):
        check("every", summarize([0.58, 0.60, 0.62]), at_least=0.59, per_seed=True)
    with pytest.raises(AssertionError, match="1 of 3 runs diverged"):
        check("div", summarize([0.5, 0.6, float("nan")]), at_most=1.0)
    check("div", summarize([0.5, 0.6, float("nan")]), at_most=1.0, allow_diverged=True)
    assert glued["div"] == "0.55 ± 0.07 (n = 2; 1 of 3 diverged)"


@pytest.mark.parametrize(
    "kwargs, word",
    [
        (dict(measured=0.5, at_most=1.0, shown="bound"), "rounding-level"),
        (dict(measured=1e-9, at_least=0.0, shown="bound"), "needs at_most"),
        (
            dict(measured=summarize([1e-9, 2e-9]), at_most=1e-6, shown="bound"),
            "not outcomes",
        ),
        (
            dict(measured=0.5, at_most=1.0, per_seed=True),
            "per_seed=True needs an Outcome",
        ),
    ],
)
def test_check_refuses_bounds_that_hide_a_measurement(kwargs, word):
    with pytest.raises(ValueError, match=word):
        check("x", **kwargs)


def test_glue_verdicts_glues_label_and_evidence_per_claim(monkeypatch):
    import myst_nb

    from helpers import glue_verdicts

    glued = {}

    def glue(name, value, display):
        shown = value.data if hasattr(value, "data") else repr(value)
        glued[name] = (shown, display)

    monkeypatch.setattr(myst_nb, "glue", glue)
    glue_verdicts(
        [
            decide("a", holds=True, evidence="e1"),
            decide("b", holds=True, evidence="e2", only_when="eps = 0"),
        ]
    )
    assert glued == {
        "claim_1": ("a", False),
        "claim_2": ("b", False),
        "verdict_1": ("**holds**", False),
        "evidence_1": ("e1", False),
        "verdict_2": ("**holds only when eps = 0**", False),
        "evidence_2": ("e2", False),
    }
    with pytest.raises(TypeError, match="verdicts"):
        glue_verdicts(["holds"])
