"""The ``about`` sheet of a table workbook (:mod:`territoria.report.tablebook`): which command wrote the table
and when, the sources and provenance it carries, and each column with its labels in ru / kk / en.

Its words are the message catalogues' (``report/messages/<lang>.yaml``): ``about.*`` for the sheet's own
words, ``headers`` for the columns' labels, as every other table of the reports and pages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from territoria import __version__
from territoria.catalog.catalogue import Catalogue
from territoria.report.messages import fill, header, indicator_name, messages, unit_name

__all__ = ["ABOUT_SHEET", "DATE_FORMAT", "HEADER_FONT", "PROVENANCE_COLUMNS", "cell_value",
           "text_cell", "write_about_sheet"]

ABOUT_SHEET = "about"
#: Columns whose values say where a row's data came from; the about sheet counts their values.
PROVENANCE_COLUMNS = ("source", "source_id", "sources", "provenance", "citation", "origin", "how_obtained",
                      "imputed", "capped", "method", "import_id")

HEADER_FONT = Font(bold=True)
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _word(key: str, lang: str, **params: object) -> str:
    """A word of the about sheet (``about.<key>`` of the message catalogues) in ``lang``."""
    text = str(messages(lang)["messages"][f"about.{key}"])
    return fill(text, params, lang) if params else text


def cell_value(value: object) -> object:
    """A pandas / NumPy value as a cell holds it (``None`` for a missing value, UTC-naive datetimes)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_convert("UTC").tz_localize(None) if value.tzinfo is not None else value
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, (list, tuple, dict, set)):
        return str(value)  # a cell holds one value; the text keeps what a CSV would show
    return value


def _content(column: str, series: pd.Series, fmt: str, by_row: bool, catalogue: Catalogue,
             lang: str) -> tuple[str, str]:
    """What ``column`` holds and how it is shown, in ``lang``."""
    if by_row:
        shown = _word("by_row", lang)
    elif fmt == "@":
        shown = _word("text", lang)
    elif fmt == "0":
        shown = _word("whole", lang)
    elif fmt == DATE_FORMAT:
        shown = _word("date", lang)
    elif fmt == "General" and pd.api.types.is_bool_dtype(series):
        shown = _word("flag", lang)
    else:
        shown = _word("number", lang, n=len(fmt.split(".")[1]) if "." in fmt else 0)
    if column in catalogue:
        entry = catalogue[column]
        what = f"{indicator_name(entry, lang)} — {_word('indicator', lang, unit=unit_name(entry, lang))}"
        if entry.sources:
            what += f" ({_word('sources', lang)}: {', '.join(entry.sources)})"
        return shown, what
    return shown, _label(column, series, catalogue, lang)


def _label(column: str, series: pd.Series, catalogue: Catalogue, lang: str) -> str:
    if column in catalogue:
        return indicator_name(catalogue[column], lang)
    if column == "code" and not any(str(v) in catalogue for v in series.head(50)):
        return header("unit", lang)  # a table of units: "code" is the unit's KATO code, not an indicator's
    return header(column, lang)


def _labels(column: str, series: pd.Series, catalogue: Catalogue) -> list[str]:
    return [_label(column, series, catalogue, lang) for lang in ("en", "ru", "kk")]


def _provenance(frame: pd.DataFrame, catalogue: Catalogue, lang: str) -> list[list[object]]:
    rows: list[list[object]] = []
    for col in (c for c in frame.columns if str(c) in PROVENANCE_COLUMNS):
        if frame[col].is_unique and len(frame) > 1:
            continue  # a key of the table (the sources list itself), not the origin of its rows
        counts = frame[col].astype("string").fillna("—").value_counts(sort=True)
        for value, n in counts.head(50).items():
            rows.append([f"{col} = {value}", _word("rows", lang, n=int(n))])
    indicators = [str(c) for c in frame.columns if str(c) in catalogue]
    for key in ("indicator", "code", "indicator_id"):
        if key in frame.columns:
            indicators += [str(v) for v in frame[key].dropna().unique() if str(v) in catalogue]
    cited = sorted({s for i in dict.fromkeys(indicators) for s in catalogue[i].sources})
    if cited:
        rows.append([_word("catalogue_sources", lang), ", ".join(cited)])
    return rows


def write_about_sheet(book: Workbook, frame: pd.DataFrame, *, formats: Mapping[str, str], by_row: Sequence[str],
                      command: str | None, sources: pd.DataFrame | None, catalogue: Catalogue, lang: str,
                      written: datetime, table_sheet: str) -> None:
    """Append the ``about`` sheet describing ``frame`` (written on sheet ``table_sheet`` with ``formats``)."""

    ws = book.create_sheet(ABOUT_SHEET)
    widths = [36, 60, 28, 28, 34, 70]
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width

    def bold(*texts: str) -> list[Cell]:
        cells = []
        for text in texts:
            cell = WriteOnlyCell(ws, text)
            cell.font = HEADER_FONT
            cells.append(cell)
        return cells

    ws.append(bold(_word("field", lang), _word("setting", lang)))
    if command:
        ws.append([_word("command", lang), text_cell(ws, command)])
    ws.append([_word("written", lang), written.strftime("%Y-%m-%d %H:%M:%S")])
    ws.append([_word("version", lang), __version__])
    ws.append([_word("size", lang), f"{len(frame)} × {frame.shape[1]}"])
    ws.append([_word("sheet", lang), table_sheet])
    provenance = _provenance(frame, catalogue, lang)
    if provenance:
        ws.append([])
        ws.append(bold(_word("provenance", lang)))
        for label, value in provenance:
            ws.append([text_cell(ws, str(label)), text_cell(ws, str(value))])
    if sources is not None and len(sources):
        ws.append([])
        ws.append(bold(_word("sources", lang)))
        ws.append(bold(*[_label(str(c), sources[c], catalogue, lang) for c in sources.columns]))
        for row in sources.itertuples(index=False, name=None):
            ws.append([text_cell(ws, "" if cell_value(v) is None else str(cell_value(v))) for v in row])
    ws.append([])
    ws.append(bold(_word("columns", lang)))
    ws.append([_word("names", lang)])
    ws.append(bold(_word("column", lang), _word("content", lang), _word("label_en", lang), _word("label_ru", lang),
                   _word("label_kk", lang), _word("shown_as", lang)))
    for col in map(str, frame.columns):
        shown, what = _content(col, frame[col], formats[col], col in by_row, catalogue, lang)
        labels = [text_cell(ws, t) for t in _labels(col, frame[col], catalogue)]
        ws.append([text_cell(ws, col), text_cell(ws, what), *labels, text_cell(ws, shown)])


def text_cell(ws: object, value: str) -> Cell:
    """A write-only cell that holds ``value`` as text, even when it begins with ``=``."""
    cell = WriteOnlyCell(ws, value)
    if cell.data_type == "f":  # a command line or a source title beginning with "=" is text
        cell.data_type = "s"
    return cell


