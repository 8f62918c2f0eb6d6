"""The pytest configuration turns a check that always passes into a failure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def test_an_empty_match_fails():
    """Planted fault: ``pytest.raises(..., match="")`` matches any message. pyproject's
    filterwarnings makes pytest's warning about it an error, so the check fails."""
    empty = ""
    with pytest.raises(pytest.PytestWarning, match="matching against an empty string"):
        with pytest.raises(ValueError, match=empty):
            raise ValueError("any message at all")


def test_no_literal_empty_match_in_the_tests():
    found = []
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "match"
                and isinstance(node.value, ast.Constant)
                and node.value.value == ""
            ):
                found.append(f"{path.name}:{node.value.lineno}")
    assert not found, f"pytest.raises(..., match='') always passes: {found}"
