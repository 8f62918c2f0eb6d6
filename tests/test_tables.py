import pytest

from helpers import Table


def test_markdown_and_text_forms():
    table = Table(["name", "value"], [["a|b", 0.123456], ["c", 12345.6]])
    md = table._repr_markdown_()
    assert md.splitlines()[0] == "| name | value |" and "a\\|b" in md and "0.1235" in md
    text = repr(table).splitlines()
    assert text[0].startswith("name") and text[2].split() == ["c", "1.235e+04"]


@pytest.mark.parametrize("header, rows, err, word", [
    ("ab", [[1, 2]], TypeError, "header"),
    (["a", "b"], [[1]], ValueError, r"rows\[0\]"),
    (["a"], [], ValueError, "at least one row"),
])
def test_rejects_bad_tables(header, rows, err, word):
    with pytest.raises(err, match=word):
        Table(header, rows)
