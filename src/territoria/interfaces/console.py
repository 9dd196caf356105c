"""One way to print a DataFrame in the terminal: numbers as people write them, tables that fit the console.

Every command's table goes through :func:`print_frame`:

* numbers have fixed decimals per column (per indicator from the catalogue, see
  :mod:`territoria.report.formats`) and grouped thousands — never ``6.102e+05``; years and ids are
  written as they are; a missing value (None, NaN, NaT) is ``—``;
* codes (KATO, FIPS...) are never wrapped: their column is as wide as the longest code;
* a table wider than the console keeps its key columns (the first one and a following text column)
  and as many others as fit — the first ones, or the last ones for year columns
  (``prefer="last"``) — and says which columns it left out and how to get them (``--columns``,
  ``-o FILE``); a table of one to three rows is transposed instead;
* ``columns`` picks the columns to show (after the key columns); an unknown name is an error that
  lists the table's columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.errors import DataError
from territoria.report.formats import (
    column_decimals,
    format_number,
    indicator_decimals,
    is_plain_integer_column,
    value_decimals,
)

__all__ = ["CODE_COLUMNS", "TableLayout", "format_cells", "parse_columns", "print_frame"]

#: Columns that hold unit codes whatever their values look like.
CODE_COLUMNS = frozenset({"code", "unit", "parent", "kato", "region", "district", "unit_code", "region_code",
                          "indicator"})
#: Codes up to this length are never wrapped (KATO codes, indicator ids); longer "codes" are text.
MAX_CODE_WIDTH = 40
#: Columns that hold a value of the row's indicator: with an ``indicator`` column they take its decimals.
VALUE_COLUMNS = frozenset({"value", "threshold", "baseline_value", "target_value", "expected", "national", "before",
                           "after", "reference_mean"})
#: A text column is never squeezed below this width (it wraps inside it).
MIN_TEXT_WIDTH = 18
#: Nor drawn wider than this (longer texts wrap).
MAX_TEXT_WIDTH = 40
#: Tables of at most this many rows are transposed (columns become rows) when too wide.
TRANSPOSE_ROWS = 3


@dataclass(frozen=True)
class TableLayout:
    """What :func:`print_frame` printed: the columns shown and left out, and whether it transposed."""

    shown: list[str]
    hidden: list[str] = field(default_factory=list)
    transposed: bool = False
    rows_hidden: int = 0


def parse_columns(values: Sequence[str] | None) -> list[str] | None:
    """``--columns a,b --columns c`` as ``["a", "b", "c"]`` (None when not given)."""
    if not values:
        return None
    out = [part.strip() for value in values for part in str(value).split(",") if part.strip()]
    return out or None


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and bool(np.isnan(value))


def _cell(value: object, decimals: int | None, plain: bool) -> str:
    if _missing(value):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (int, np.integer)):
        return str(int(value)) if plain else f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        if plain and float(value).is_integer():
            return str(int(value))
        if decimals is None:
            decimals = value_decimals(pd.Series([float(value)]))
        return format_number(float(value), decimals)
    return str(value)


def _row_valued(name: str) -> bool:
    return name in VALUE_COLUMNS or (name.isdigit() and len(name) == 4)


def format_cells(frame: pd.DataFrame, *, catalogue: Catalogue | None = None,
                 decimals: dict[str, int] | None = None, indicator_column: str | None = "indicator") -> pd.DataFrame:
    """Every cell of ``frame`` as the text the terminal shows (same index and columns, all strings).

    ``indicator_column`` names a column holding an indicator id per row (``show``'s indicator × year
    table, risk flags, measures): when the frame has it, that row's values (the year columns and
    :data:`VALUE_COLUMNS`) take the indicator's decimals from the catalogue.
    """
    catalogue = catalogue if catalogue is not None else load_catalogue()
    by_column = column_decimals(frame, catalogue=catalogue, decimals=decimals)
    row_cols = [c for c in frame.columns if str(c) in by_column and _row_valued(str(c))]
    by_row: list[int | None] = [None] * len(frame)
    if indicator_column is not None and indicator_column in frame.columns and row_cols:
        values = frame[row_cols]
        for i, code in enumerate(frame[indicator_column]):
            if str(code) in catalogue:
                by_row[i] = indicator_decimals(catalogue[str(code)])
            elif len(row_cols) > 1:
                by_row[i] = value_decimals(values.iloc[i])
    out = {}
    for col in frame.columns:
        plain = is_plain_integer_column(col)
        base = by_column.get(str(col))
        per_row = col in row_cols
        out[col] = [_cell(v, by_row[i] if per_row and by_row[i] is not None else base, plain)
                    for i, v in enumerate(frame[col].tolist())]
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def _is_code(name: str, cells: pd.Series) -> bool:
    if name.lower() in CODE_COLUMNS:
        return all(cell_len(v) <= MAX_CODE_WIDTH for v in cells)
    values = [v for v in cells if v != "—"]
    return bool(values) and all(v.isdigit() and len(v) >= 4 for v in values)


def _span(names: list[str]) -> str:
    """Left-out column names, consecutive years shortened to a range (2000–2012)."""
    years = sorted(int(n) for n in names if n.isdigit() and len(n) == 4)
    if len(years) > 2 and years == list(range(years[0], years[-1] + 1)):
        names = [n for n in names if not (n.isdigit() and len(n) == 4)] + [f"{years[0]}–{years[-1]}"]
    shown = names[:8]
    return ", ".join(shown) + (f" and {len(names) - len(shown)} more" if len(names) > len(shown) else "")


def _table_width(widths: Sequence[int]) -> int:
    # one space of padding each side, one vertical line between and around the columns
    return sum(widths) + 3 * len(widths) + 1


@dataclass
class _Column:
    name: str
    header: str
    cells: list[str]
    numeric: bool
    code: bool

    @property
    def need(self) -> int:
        longest = max((cell_len(c) for c in self.cells), default=0)
        need = max(longest, cell_len(self.header))
        return need if (self.numeric or self.code) else min(need, MAX_TEXT_WIDTH)

    @property
    def least(self) -> int:
        """The narrowest the column may be drawn: codes and numbers whole, text down to MIN_TEXT_WIDTH."""
        if self.numeric or self.code:
            return self.need
        return min(self.need, max(MIN_TEXT_WIDTH, min(cell_len(self.header), MAX_TEXT_WIDTH)))


def _fit(columns: list[_Column], keys: list[int], width: int,
         prefer: Literal["first", "last"]) -> tuple[list[int], list[int]]:
    """Positions shown and left out: the key columns, then the others while they fit."""
    if _table_width([c.need for c in columns]) <= width:
        return list(range(len(columns))), []
    chosen = list(keys)
    others = [p for p in range(len(columns)) if p not in keys]
    if prefer == "last":
        others.reverse()
    for n, pos in enumerate(others):
        trial = sorted([*chosen, pos])
        if _table_width([columns[p].least for p in trial]) > width:  # stop here: what is shown stays contiguous
            return sorted(chosen), sorted(others[n:])
        chosen = trial
    return sorted(chosen), []


def _widths(columns: list[_Column], width: int) -> list[int]:
    """Drawn widths: every column as wide as it needs when that fits, else text columns share what is left."""
    drawn = [c.need for c in columns]
    if _table_width(drawn) <= width:
        return drawn
    drawn = [c.least for c in columns]
    spare = width - _table_width(drawn)
    while spare > 0:
        grow = [i for i, c in enumerate(columns) if drawn[i] < c.need]
        if not grow:
            break
        for i in grow:
            if spare <= 0:
                break
            drawn[i] += 1
            spare -= 1
    return drawn


def _default_keys(frame: pd.DataFrame) -> list[str]:
    names = [str(c) for c in frame.columns[:2]]
    if len(names) == 2 and pd.api.types.is_numeric_dtype(frame.iloc[:, 1]):
        return names[:1]
    return names


def print_frame(frame: pd.DataFrame, *, console: Console, title: str | None = None, max_rows: int = 60,
                index: bool = False, columns: Sequence[str] | None = None, keys: Sequence[str] | None = None,
                decimals: dict[str, int] | None = None, catalogue: Catalogue | None = None,
                indicator_column: str | None = "indicator", prefer: Literal["first", "last"] = "first",
                hint: str = "-o FILE writes every column", transpose: bool = True) -> TableLayout:
    """Print ``frame`` as a Rich table that fits ``console`` (see the module's docstring).

    Parameters
    ----------
    columns : list of str, optional
        Columns to show after the key columns (``--columns``); unknown names raise DataError.
    keys : list of str, optional
        Columns always shown (default: the first, and the second when it is text).
    prefer : {"first", "last"}, default="first"
        Which other columns to keep when not all fit: the first ones or the last ones (latest years).
    hint : str
        How to get the left-out columns, printed after their names.
    """
    data = frame.reset_index() if index else frame
    data = data.set_axis([str(c) for c in data.columns], axis=1)
    keys = _default_keys(data) if keys is None else [k for k in keys if k in data.columns]
    if columns:
        unknown = [c for c in columns if c not in data.columns]
        if unknown:
            raise DataError(f"--columns: no column {', '.join(repr(c) for c in unknown)} in this table; "
                            f"its columns are {', '.join(data.columns)}")
        data = data[list(dict.fromkeys([*keys, *columns]))]
    head = data.head(max_rows)
    text = format_cells(head, catalogue=catalogue, decimals=decimals, indicator_column=indicator_column)
    cols = [_Column(c, c, text[c].tolist(), pd.api.types.is_numeric_dtype(head[c])
                    and not pd.api.types.is_bool_dtype(head[c]), False) for c in text.columns]
    for col in cols:
        col.code = not col.numeric and _is_code(col.name, text[col.name])
    width = console.width
    transposed = False
    if transpose and not columns and 0 < len(head) <= TRANSPOSE_ROWS and \
            _table_width([c.need for c in cols]) > width:
        labels = [" ".join(str(v) for v in row) for row in text[keys].itertuples(index=False)]
        rest = [c for c in cols if c.name not in keys]
        cols = [_Column("column", "column", [c.name for c in rest], False, False)] + [
            _Column(label, label, [c.cells[i] for c in rest], False, False) for i, label in enumerate(labels)]
        keys, transposed = ["column"], True
    names = [c.name for c in cols]
    shown, hidden = _fit(cols, [names.index(k) for k in keys], width, prefer)
    out = Table(title=None if title is None else Text(title), show_lines=False, header_style="bold")
    for pos, drawn in zip(shown, _widths([cols[p] for p in shown], width), strict=True):
        col = cols[pos]
        if col.numeric or col.code:
            out.add_column(Text(col.header), justify="right" if col.numeric else "left", no_wrap=True,
                           min_width=col.need)
        else:
            out.add_column(Text(col.header), justify="left", overflow="fold", max_width=drawn)
    for i in range(len(cols[0].cells) if cols else 0):
        out.add_row(*[Text(str(cols[p].cells[i])) for p in shown])  # text from data is not markup
    console.print(out)
    left_out = [cols[p].name for p in hidden]
    if left_out:
        console.print(f"[dim]{len(left_out)} column(s) not shown: {escape(_span(left_out))}; {escape(hint)}[/]",
                      highlight=False)
    rows_hidden = len(data) - len(head)
    if rows_hidden > 0:
        console.print(f"[dim]… {rows_hidden} more rows; use -o FILE to write them all[/]", highlight=False)
    return TableLayout(shown=[cols[p].name for p in shown], hidden=left_out, transposed=transposed,
                       rows_hidden=rows_hidden)
