import pytest

from helpers import Table


def test_markdown_and_text_forms():
    table = Table(["name", "value"], [["a|b", 0.123456], ["c", 12345.6]])
    md = table._repr_markdown_()
    assert md.splitlines()[0] == "| name | value |" and "a\\|b" in md and "0.1235" in md
    text = repr(table).splitlines()
    assert text[0].startswith("name") and text[2].split() == ["c", "1.235e+04"]


@pytest.mark.parametrize(
    "header, rows, err, word",
    [
        ("ab", [[1, 2]], TypeError, "header"),
        (["a", "b"], [[1]], ValueError, r"rows\[0\]"),
        (["a"], [], ValueError, "at least one row"),
    ],
)
def test_rejects_bad_tables(header, rows, err, word):
    with pytest.raises(err, match=word):
        Table(header, rows)


def test_links_turn_first_cells_into_cross_references_in_markdown_only():
    table = Table(["row", "value"], [["a", 1.0], ["b", 2.0]], links={"a": "sec-a"})
    assert "| {ref}`a <sec-a>` | 1 |" in table._repr_markdown_()
    assert "| b | 2 |" in table._repr_markdown_()
    assert "{ref}" not in repr(table)


@pytest.mark.parametrize(
    "links, error", [(["a"], TypeError), ({"missing": "sec"}, ValueError)]
)
def test_links_must_map_existing_rows(links, error):
    with pytest.raises(error, match="links"):
        Table(["row", "value"], [["a", 1.0]], links=links)
