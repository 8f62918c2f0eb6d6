"""Small result tables that render as Markdown in the book and as aligned text under
nbval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real


def _format(value: object, fmt: str) -> str:
    if isinstance(value, Real) and not isinstance(value, bool):
        return format(float(value), fmt)
    return str(value)


class Table:
    """A table of already-computed values; numbers are formatted with ``fmt`` (about 4
    digits).

    ``links`` maps a first-column value to a MyST target label: in the book that cell
    becomes a cross-reference to the section that derives the row (the plain-text form
    is unchanged).
    """

    def __init__(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[object]],
        fmt: str = ".4g",
        links: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(header, str) or not isinstance(header, Sequence) or not header:
            raise TypeError(
                f"header must be a non-empty sequence of column names, got {header!r}"
            )
        format(0.0, fmt)
        self.header = [str(h) for h in header]
        self.rows = []
        for i, row in enumerate(rows):
            if (
                isinstance(row, str)
                or not isinstance(row, Sequence)
                or len(row) != len(self.header)
            ):
                raise ValueError(
                    f"rows[{i}] must have {len(self.header)} cells, got {row!r}"
                )
            self.rows.append([_format(v, fmt) for v in row])
        if not self.rows:
            raise ValueError("rows must hold at least one row")
        if links is not None and not isinstance(links, Mapping):
            raise TypeError(
                "links must be a mapping from first-column values to target labels, "
                f"got {type(links).__name__}"
            )
        self.links = dict(links or {})
        unknown = sorted(set(self.links) - {row[0] for row in self.rows})
        if unknown:
            raise ValueError(f"links names rows that are not in the table: {unknown}")

    def _repr_markdown_(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", " ")

        lines = [
            "| " + " | ".join(cell(h) for h in self.header) + " |",
            "|" + "|".join("---" for _ in self.header) + "|",
        ]

        def first(text: str) -> str:
            return (
                f"{{ref}}`{cell(text)} <{self.links[text]}>`"
                if text in self.links
                else cell(text)
            )

        lines += [
            "| " + " | ".join([first(row[0]), *(cell(v) for v in row[1:])]) + " |"
            for row in self.rows
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        widths = [
            max(len(r[i]) for r in [self.header, *self.rows])
            for i in range(len(self.header))
        ]
        lines = [
            "  ".join(
                h.ljust(w) for h, w in zip(self.header, widths, strict=True)
            ).rstrip()
        ]
        lines += [
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            for row in self.rows
        ]
        return "\n".join(lines)
