"""Outcomes over seeds: formatting, parsing, and the statistical comparison of stored
outputs.
"""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest

from helpers.outcomes import consistent, format_mean_sd, parse_outcomes, summarize

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("mean", "sd", "text"),
    [
        (0.09635, 0.029, "0.096 ± 0.029"),
        (0.6012, 0.0412, "0.60 ± 0.04"),
        (85.6, 3.4, "86 ± 3"),
        (1234.0, 340.0, "1200 ± 300"),
        (12.918, 0.0113, "12.918 ± 0.011"),
        (3.2e-7, 4.1e-8, "(3.2 ± 0.4)e-07"),
        (0.5, 0.0, "0.5 ± 0"),
    ],
)
def test_format_mean_sd_rounds_to_the_spread(mean, sd, text):
    assert format_mean_sd(mean, sd) == text


def test_summarize_uses_the_sample_sd_and_counts_divergences():
    outcome = summarize(
        [1.0, 2.0, 3.0, float("nan")], diverged_at=[None, None, None, 12]
    )
    assert outcome.n == 4 and outcome.num_diverged == 1
    assert outcome.mean() == 2.0 and outcome.sd() == pytest.approx(1.0)  # ddof = 1
    assert outcome.standard_error() == pytest.approx(1 / math.sqrt(3))  # finite runs
    assert str(outcome) == "2.0 ± 1.0 (n = 3; 1 of 4 diverged, step 12)"
    assert str(summarize([float("inf")] * 2)) == "all 2 diverged"
    assert str(summarize([0.25])) == "0.25 (n = 1)"
    assert math.isnan(summarize([0.25]).sd())


@pytest.mark.parametrize(
    ("values", "kwargs", "error"),
    [
        ("abc", {}, TypeError),
        ([], {}, ValueError),
        ([1.0, "x"], {}, TypeError),
        ([1.0, 2.0], {"diverged_at": [None]}, ValueError),
        ([1.0, 2.0], {"diverged_at": [None, 3]}, ValueError),
    ],
)
def test_summarize_rejects_bad_input(values, kwargs, error):
    with pytest.raises(error, match="values|diverged_at"):
        summarize(values, **kwargs)


def test_format_mean_sd_rejects_bad_input():
    with pytest.raises(ValueError, match="sd must be >= 0"):
        format_mean_sd(1.0, -0.1)
    with pytest.raises(ValueError, match="mean must be finite"):
        format_mean_sd(float("nan"), 0.1)
    with pytest.raises(TypeError, match="sd must be a real number"):
        format_mean_sd(1.0, "0.1")


def test_parse_reads_back_what_format_writes():
    text = "loss 0.60 ± 0.04 (n = 5), ratio (3.2 ± 0.4)e-07 and 86 ± 3"
    found = parse_outcomes(text)
    assert [(o.mean, o.sd, o.n) for o in found] == [
        (0.60, 0.04, 5),
        (pytest.approx(3.2e-7), pytest.approx(4e-8), None),
        (86.0, 3.0, None),
    ]
    assert found[0].unit == pytest.approx(0.01)


@pytest.mark.parametrize(
    ("stored", "new", "same"),
    [
        ("0.60 ± 0.04 (n = 5)", "0.60 ± 0.04 (n = 5)", True),
        (
            "0.60 ± 0.04 (n = 5)",
            "0.66 ± 0.05 (n = 5)",
            True,
        ),  # 4 * sqrt((0.04² + 0.05²) / 5) = 0.11
        ("0.60 ± 0.04 (n = 5)", "0.71 ± 0.04 (n = 5)", False),
        # both sds count: a stored sd that came out small by chance (seen on one thread)
        ("0.529 ± 0.005 (n = 3)", "0.546 ± 0.017 (n = 3)", True),
        ("0.529 ± 0.005 (n = 3)", "0.60 ± 0.005 (n = 3)", False),
        # below 5 seeds the sd ratio is not tested (tenfold happens by chance)
        ("7.512 ± 0.028 (n = 3)", "7.4 ± 0.3 (n = 3)", True),
        ("0.0392 ± 0.0026 (n = 2)", "0.07 ± 0.04 (n = 2)", True),
        ("0.60 ± 0.04 (n = 5)", "0.60 ± 0.04 (n = 4)", False),  # seed counts are strict
        ("0.60 ± 0.04 (n = 5)", "0.60 ± 0.5 (n = 5)", False),  # sd 12 times larger
        ("a  0.60 ± 0.04  b", "a  0.601 ± 0.012  b", True),
        ("a 0.60 ± 0.04 b", "c 0.60 ± 0.04 b", False),  # the text around is strict
        (
            "x 1.0 ± 0.1 (n = 3; 1 of 4 diverged)",
            "x 1.0 ± 0.1 (n = 3; 2 of 4 diverged)",
            False,
        ),
        ("12.9 ± 0", "12.9 ± 0", True),
        ("12.9 ± 0", "13.0 ± 0", False),
        ("0.3385", "0.3386", False),  # not an outcome: strict
        ("(3.2 ± 0.4)e-07", "(3.4 ± 0.4)e-07", True),
    ],
)
def test_consistent(stored, new, same):
    assert consistent(stored, new) is same


def test_a_table_realigned_around_new_outcomes_is_consistent():
    stored = "setting  loss\nraw      0.60 ± 0.04\n/255     0.33 ± 0.01"
    new = "setting  loss\nraw      0.612 ± 0.029\n/255     0.33 ± 0.01"
    assert consistent(stored, new)


def _notebook_with_stored_output(path: Path, stored: str) -> None:
    cell = nbformat.v4.new_code_cell(
        'print("loss 0.60 ± 0.04 (n = 5)")', execution_count=1
    )
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored + "\n")]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)


EDITED_OUTPUTS = [  # stored output, and what nbval must make of it
    ("loss 0.60 ± 0.04 (n = 5)", "PASSED"),
    ("loss 0.63 ± 0.05 (n = 5)", "PASSED"),  # edited within its uncertainty
    ("loss 0.75 ± 0.04 (n = 5)", "FAILED"),  # edited beyond it
    ("loss 0.60 ± 0.04 (n = 6)", "FAILED"),  # another seed count
    ("lose 0.60 ± 0.04 (n = 5)", "FAILED"),  # other text
]


def test_nbval_compares_stored_outcomes_within_their_uncertainty(pytester):
    """The repository's conftest.py plugin, run by nbval on notebooks whose stored
    output was edited (one pytest run, one notebook per case).
    """
    pytester.makeconftest((ROOT / "conftest.py").read_text())
    for i, (stored, _) in enumerate(EDITED_OUTPUTS):
        _notebook_with_stored_output(pytester.path / f"edited_{i}.ipynb", stored)
    result = pytester.runpytest_subprocess(
        "--nbval", "--nbval-current-env", "-p", "no:randomly", "-v"
    )
    result.stdout.fnmatch_lines_random(
        [
            f"edited_{i}*Cell 0 {outcome}*"
            for i, (_, outcome) in enumerate(EDITED_OUTPUTS)
        ]
    )
    result.assert_outcomes(passed=2, failed=3)


def test_standard_errors_from_a_reference():
    outcome = summarize([1.0, 2.0, 3.0])  # mean 2, sd 1, standard error 1/sqrt(3)
    assert outcome.standard_errors_from(1.0) == pytest.approx(3**0.5)
    assert outcome.standard_errors_from(3.0) == pytest.approx(-(3**0.5))
