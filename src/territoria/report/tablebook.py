"""A formatted workbook of one result table: what every table command writes for ``-o x.xlsx``.

The first sheet holds the table as it is (column names are the stable English ids scripts read; values
unrounded): a bold, frozen, filtered header; widths fitted to the content; number formats by column
(grouped thousands, the decimals of the indicator when the column is an indicator id, years as plain
integers, codes as text). The second sheet, ``about``, says which command wrote it and when, the
sources and provenance the table carries, and documents each column with its labels in ru / kk / en.

The sheets are written in openpyxl's write-only mode: rows stream to the file, so a 100 000-row table
does not hold every cell object in memory at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.errors import DataError
from territoria.report.formats import (
    column_decimals,
    format_number,
    indicator_decimals,
    is_plain_integer_column,
    value_decimals,
)
from territoria.report.messages import LANGS
from territoria.report.tablebook_about import (
    ABOUT_SHEET,
    DATE_FORMAT,
    HEADER_FONT,
    PROVENANCE_COLUMNS,
    cell_value,
    write_about_sheet,
)

__all__ = ["ABOUT_SHEET", "PROVENANCE_COLUMNS", "TABLE_SHEET", "column_formats", "write_table_workbook"]

#: The sheet names: fixed (not translated) so that scripts can open them by name.
TABLE_SHEET = "table"
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
#: Cells sampled per column to fit its width (the widest of a large table's first rows is close enough).
_WIDTH_SAMPLE = 1000


def _number_format(decimals: int) -> str:
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals


def _is_year_column(name: str) -> bool:
    return len(name) == 4 and name.isdigit()


def column_formats(frame: pd.DataFrame, *, catalogue: Catalogue,
                   decimals: Mapping[str, int] | None = None) -> dict[str, str]:
    """The Excel number format of each column of ``frame``: ``@`` for text (codes keep their leading zeros),
    ``0`` for years and identifiers, ``#,##0.0…`` with the decimals of :func:`column_decimals` (the catalogue's
    for an indicator column), a date format for timestamps; ``General`` for flags."""
    digits = column_decimals(frame, catalogue=catalogue, decimals=dict(decimals or {}))
    out: dict[str, str] = {}
    for col in frame.columns:
        key, series = str(col), frame[col]
        if pd.api.types.is_bool_dtype(series):
            out[key] = "General"
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[key] = DATE_FORMAT
        elif key in digits:
            out[key] = "0" if is_plain_integer_column(key) and not _is_year_column(key) else \
                _number_format(digits[key])
        else:
            out[key] = "@"
    return out


def _row_formats(frame: pd.DataFrame, catalogue: Catalogue) -> tuple[list[str], list[str | None]] | None:
    """Formats that change row by row: a long table (``indicator``, ``value``) takes the decimals of each row's
    indicator; a table by year (``indicator`` or ``code``, then year columns) the same for its year columns,
    or the row's own values when the indicator is unknown. ``None`` when the table is neither."""
    columns = [str(c) for c in frame.columns]
    key = next((c for c in ("indicator", "code", "indicator_id") if c in columns), None)
    numeric = set(column_decimals(frame))
    targets = [c for c in ("value",) if key is not None and c in numeric]
    years = [c for c in columns if _is_year_column(c) and c in numeric]
    if len(years) > 1:
        targets += years
    if not targets:
        return None
    formats: list[str | None] = []
    codes = frame[key].astype(str).tolist() if key is not None else [""] * len(frame)
    for position, code in enumerate(codes):
        if code in catalogue:
            formats.append(_number_format(indicator_decimals(catalogue[code])))
        elif len(years) > 1 and "value" not in targets:
            formats.append(_number_format(value_decimals(frame[years].iloc[position])))
        else:
            formats.append(None)  # the column's format (from its values) stands
    return targets, formats


def _widths(frame: pd.DataFrame, formats: Mapping[str, str]) -> list[float]:
    head = frame.head(_WIDTH_SAMPLE)
    widths = []
    for col in frame.columns:
        fmt = formats[str(col)]
        if fmt.startswith("#,##0"):
            places = len(fmt.split(".")[1]) if "." in fmt else 0
            texts = [format_number(v, places) for v in head[col] if cell_value(v) is not None]
        else:
            texts = [str(cell_value(v)) for v in head[col] if cell_value(v) is not None]
        longest = max([len(t) for t in texts] + [len(str(col))], default=8)
        widths.append(min(max(longest + 2, 8), 60))
    return widths


def _styled(ws: object, value: object, number_format: str | None) -> object:
    if number_format is None:
        return value
    cell = WriteOnlyCell(ws, value)
    # the public setter, per cell: on 100 000 rows x 8 columns (CPU, benchmarks/bench_tablebook_styles.py)
    # it took 25-29 s against 24-28 s for copying a template's private _style array (within the noise) and
    # 29-33 s for a registered NamedStyle assigned by name (which also adds a cell style to every cell)
    cell.number_format = number_format
    return cell


def _write_table_sheet(book: Workbook, frame: pd.DataFrame, formats: Mapping[str, str], freeze: int,
                       row_formats: tuple[list[str], list[str | None]] | None) -> None:
    ws = book.create_sheet(TABLE_SHEET)
    columns = [str(c) for c in frame.columns]
    for j, width in enumerate(_widths(frame, formats), start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = f"{get_column_letter(freeze + 1)}2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{len(frame) + 1}"
    head = []
    for name in columns:
        cell = WriteOnlyCell(ws, name)
        cell.font, cell.fill = HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="top")
        head.append(cell)
    ws.append(head)
    kinds = [None if formats[c] == "General" else formats[c] for c in columns]
    targets, per_row = row_formats if row_formats is not None else ([], [])
    target_positions = [columns.index(c) for c in targets]
    values = [frame.iloc[:, j].tolist() for j in range(len(columns))]
    for i, row in enumerate(zip(*values, strict=True)):
        cells = [_styled(ws, cell_value(v), t) for v, t in zip(row, kinds, strict=True)]
        own = per_row[i] if per_row else None
        if own is not None:
            for j in target_positions:
                cells[j] = _styled(ws, cell_value(row[j]), own)
        for j, cell in enumerate(cells):
            # a text beginning with "=" stays text: never a formula the spreadsheet would run
            if isinstance(cell, Cell) and cell.data_type == "f":
                cell.data_type = "s"
            elif isinstance(cell, str) and cell.startswith("="):
                cells[j] = _styled(ws, cell, "@")
                cells[j].data_type = "s"
        ws.append(cells)


def write_table_workbook(table: pd.DataFrame, path: str | Path, *, command: str | None = None,
                         sources: pd.DataFrame | None = None, catalogue: Catalogue | None = None,
                         lang: str = "en", freeze: int = 0, decimals: Mapping[str, int] | None = None,
                         written: datetime | None = None) -> Path:
    """Write ``table`` as a formatted workbook: sheet ``table`` (the values, formatted) and sheet ``about``.

    Parameters
    ----------
    table : DataFrame
        Written with its columns as they are (no index); text should already be neutralised against formulas
        (:func:`territoria.store.export.neutralise_formulas`); a text starting with ``=`` is stored as text.
    command : str, optional
        The command line that made the table, shown in ``about``.
    sources : DataFrame, optional
        The sources behind the table (``source_id, title, publisher, url...``), listed in ``about``.
    lang : {"ru", "kk", "en"}
        The language of the ``about`` sheet; the column names stay the English ids.
    freeze : int, default=0
        Leading columns kept in view besides the header row (the table's key columns).
    decimals : mapping, optional
        Decimals per column, over the catalogue's and the values'.
    written : datetime, optional
        The time shown as written (default: now, UTC).
    """
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise DataError(f"{path}: a workbook is written as .xlsx, not {path.suffix or 'a file without suffix'!r}")
    if lang not in LANGS:
        raise DataError(f"{path}: workbook language {lang!r}; expected one of {', '.join(LANGS)}")
    if isinstance(table.columns, pd.MultiIndex):
        raise DataError(f"{path}: a table with a multi-level header cannot be written as one header row; "
                        f"flatten its columns first")
    catalogue = catalogue if catalogue is not None else load_catalogue()
    frame = table.copy()
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.duplicated().any():
        twice = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise DataError(f"{path}: column(s) {', '.join(twice)} appear more than once; names must be unique")
    formats = column_formats(frame, catalogue=catalogue, decimals=decimals)
    row_formats = _row_formats(frame, catalogue)
    book = Workbook(write_only=True)
    _write_table_sheet(book, frame, formats, min(max(freeze, 0), frame.shape[1]), row_formats)
    write_about_sheet(book, frame, formats=formats, by_row=row_formats[0] if row_formats else [], command=command,
                      sources=sources, catalogue=catalogue, lang=lang, written=written or datetime.now(UTC),
                      table_sheet=TABLE_SHEET)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        book.save(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path
