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

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
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
from territoria.report.messages import LANGS, fill, header, in_language, indicator_name, unit_name

__all__ = ["ABOUT_SHEET", "COLUMN_WORDS", "PROVENANCE_COLUMNS", "TABLE_SHEET", "column_formats", "write_table_workbook"]

#: The sheet names: fixed (not translated) so that scripts can open them by name.
TABLE_SHEET = "table"
ABOUT_SHEET = "about"
#: Columns whose values say where a row's data came from; the about sheet counts their values.
PROVENANCE_COLUMNS = ("source", "source_id", "sources", "provenance", "citation", "origin", "how_obtained",
                      "imputed", "capped", "method", "import_id")

#: The words of the about sheet: key -> (en, ru, kk).
WORDS: dict[str, tuple[str, str, str]] = {
    "field": ("Item", "Пункт", "Тармақ"),
    "setting": ("Value", "Значение", "Мәні"),
    "command": ("Command", "Команда", "Команда"),
    "written": ("Written (UTC)", "Записано (UTC)", "Жазылған уақыты (UTC)"),
    "version": ("Territoria version", "Версия Territoria", "Territoria нұсқасы"),
    "size": ("Rows × columns", "Строк × столбцов", "Жолдар × бағандар"),
    "sheet": ("The table is on sheet", "Таблица на листе", "Кесте мына парақта"),
    "names": ("Column names are stable identifiers that scripts read; their labels in Russian, Kazakh and "
              "English are below.",
              "Имена столбцов — постоянные идентификаторы, которые читают скрипты; их заголовки на русском, "
              "казахском и английском — ниже.",
              "Баған атаулары — скриптер оқитын тұрақты идентификаторлар; олардың орыс, қазақ және ағылшын "
              "тілдеріндегі тақырыптары төменде."),
    "provenance": ("Provenance in the table", "Происхождение данных в таблице", "Кестедегі деректердің шығу тегі"),
    "rows": ("{n} row(s)", "строк: {n}", "жол саны: {n}"),
    "catalogue_sources": ("Sources of the indicators (catalogue)", "Источники показателей (каталог)",
                          "Көрсеткіштердің дереккөздері (каталог)"),
    "sources": ("Sources", "Источники", "Дереккөздер"),
    "columns": ("Columns", "Столбцы", "Бағандар"),
    "column": ("Column", "Столбец", "Баған"),
    "label_en": ("Label (English)", "Заголовок (английский)", "Тақырып (ағылшынша)"),
    "label_ru": ("Label (Russian)", "Заголовок (русский)", "Тақырып (орысша)"),
    "label_kk": ("Label (Kazakh)", "Заголовок (казахский)", "Тақырып (қазақша)"),
    "shown_as": ("Shown as", "Формат", "Пішімі"),
    "content": ("Content", "Содержание", "Мазмұны"),
    "text": ("text", "текст", "мәтін"),
    "whole": ("whole number, no separators", "целое число без разделителей", "бөлгішсіз бүтін сан"),
    "number": ("number, {n} decimal(s), thousands grouped", "число, знаков после запятой: {n}, разряды разделены",
               "сан, үтірден кейін {n} таңба, разрядтар бөлінген"),
    "by_row": ("number, decimals of each row's indicator", "число, знаки после запятой по показателю строки",
               "сан, үтірден кейінгі таңбалар жолдың көрсеткіші бойынша"),
    "date": ("date and time", "дата и время", "күні мен уақыты"),
    "flag": ("TRUE / FALSE", "TRUE / FALSE (да / нет)", "TRUE / FALSE (иә / жоқ)"),
    "indicator": ("indicator, {unit}", "показатель, {unit}", "көрсеткіш, {unit}"),
}
#: Labels of common columns that the message catalogue's headers lack: column -> (en, ru, kk).
COLUMN_WORDS: dict[str, tuple[str, str, str]] = {
    "parent": ("Parent unit (code)", "Вышестоящая единица (код)", "Жоғары тұрған бірлік (коды)"),
    "lat": ("Latitude", "Широта", "Ендік"),
    "lon": ("Longitude", "Долгота", "Бойлық"),
    "district_centre": ("District centre", "Районный центр", "Аудан орталығы"),
    "single_industry": ("Single-industry town", "Моногород", "Моноқала"),
    "first_year": ("First year", "Первый год", "Бірінші жыл"),
    "last_year": ("Last year", "Последний год", "Соңғы жыл"),
    "cells": ("Values", "Значений", "Мәндер саны"),
    "units": ("Units", "Единиц", "Бірліктер"),
    "source_id": ("Source id", "Код источника", "Дереккөз коды"),
    "title": ("Title", "Название", "Атауы"),
    "publisher": ("Publisher", "Издатель", "Баспагер"),
    "url": ("Address", "Адрес", "Мекенжай"),
    "licence": ("Licence", "Лицензия", "Лицензия"),
    "retrieved": ("Retrieved", "Получено", "Алынған күні"),
    "source": ("Source", "Источник", "Дереккөз"),
}
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_HEADER_FONT = Font(bold=True)
_DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
#: Cells sampled per column to fit its width (the widest of a large table's first rows is close enough).
_WIDTH_SAMPLE = 1000


def _word(key: str, lang: str, **params: object) -> str:
    text = in_language(WORDS[key], lang)
    return fill(text, params, lang) if params else text


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
            out[key] = _DATE_FORMAT
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


def _cell_value(value: object) -> object:
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


def _widths(frame: pd.DataFrame, formats: Mapping[str, str]) -> list[float]:
    head = frame.head(_WIDTH_SAMPLE)
    widths = []
    for col in frame.columns:
        fmt = formats[str(col)]
        if fmt.startswith("#,##0"):
            places = len(fmt.split(".")[1]) if "." in fmt else 0
            texts = [format_number(v, places) for v in head[col] if _cell_value(v) is not None]
        else:
            texts = [str(_cell_value(v)) for v in head[col] if _cell_value(v) is not None]
        longest = max([len(t) for t in texts] + [len(str(col))], default=8)
        widths.append(min(max(longest + 2, 8), 60))
    return widths


def _styled(ws: object, value: object, template: Cell | None) -> object:
    if template is None:
        return value
    cell = WriteOnlyCell(ws, value)
    # sharing the template's style array: setting number_format per cell costs twice the write time
    cell._style = template._style
    return cell


def _template(ws: object, number_format: str) -> Cell:
    cell = WriteOnlyCell(ws, None)
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
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(vertical="top")
        head.append(cell)
    ws.append(head)
    templates = {c: (None if formats[c] == "General" else _template(ws, formats[c])) for c in columns}
    by_format: dict[str, Cell] = {}
    targets, per_row = row_formats if row_formats is not None else ([], [])
    target_positions = [columns.index(c) for c in targets]
    values = [frame.iloc[:, j].tolist() for j in range(len(columns))]
    kinds = [templates[c] for c in columns]
    for i, row in enumerate(zip(*values, strict=True)):
        cells = [_styled(ws, _cell_value(v), t) for v, t in zip(row, kinds, strict=True)]
        own = per_row[i] if per_row else None
        if own is not None:
            template = by_format.get(own) or by_format.setdefault(own, _template(ws, own))
            for j in target_positions:
                cells[j] = _styled(ws, _cell_value(row[j]), template)
        for j, cell in enumerate(cells):
            # a text beginning with "=" stays text: never a formula the spreadsheet would run
            if isinstance(cell, Cell) and cell.data_type == "f":
                cell.data_type = "s"
            elif isinstance(cell, str) and cell.startswith("="):
                cells[j] = _styled(ws, cell, _template(ws, "@"))
                cells[j].data_type = "s"
        ws.append(cells)


def _content(column: str, series: pd.Series, fmt: str, by_row: bool, catalogue: Catalogue,
             lang: str) -> tuple[str, str]:
    """What ``column`` holds and how it is shown, in ``lang``."""
    if by_row:
        shown = _word("by_row", lang)
    elif fmt == "@":
        shown = _word("text", lang)
    elif fmt == "0":
        shown = _word("whole", lang)
    elif fmt == _DATE_FORMAT:
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
    if column in COLUMN_WORDS:
        return in_language(COLUMN_WORDS[column], lang)
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


def _write_about(book: Workbook, frame: pd.DataFrame, formats: Mapping[str, str], by_row: Sequence[str],
                 command: str | None, sources: pd.DataFrame | None, catalogue: Catalogue, lang: str,
                 written: datetime) -> None:
    from territoria import __version__  # lazy: the package root imports the assessment layer

    ws = book.create_sheet(ABOUT_SHEET)
    widths = [36, 60, 28, 28, 34, 70]
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width

    def bold(*texts: str) -> list[Cell]:
        cells = []
        for text in texts:
            cell = WriteOnlyCell(ws, text)
            cell.font = _HEADER_FONT
            cells.append(cell)
        return cells

    ws.append(bold(_word("field", lang), _word("setting", lang)))
    if command:
        ws.append([_word("command", lang), _text(ws, command)])
    ws.append([_word("written", lang), written.strftime("%Y-%m-%d %H:%M:%S")])
    ws.append([_word("version", lang), __version__])
    ws.append([_word("size", lang), f"{len(frame)} × {frame.shape[1]}"])
    ws.append([_word("sheet", lang), TABLE_SHEET])
    provenance = _provenance(frame, catalogue, lang)
    if provenance:
        ws.append([])
        ws.append(bold(_word("provenance", lang)))
        for label, value in provenance:
            ws.append([_text(ws, str(label)), _text(ws, str(value))])
    if sources is not None and len(sources):
        ws.append([])
        ws.append(bold(_word("sources", lang)))
        ws.append(bold(*[_label(str(c), sources[c], catalogue, lang) for c in sources.columns]))
        for row in sources.itertuples(index=False, name=None):
            ws.append([_text(ws, "" if _cell_value(v) is None else str(_cell_value(v))) for v in row])
    ws.append([])
    ws.append(bold(_word("columns", lang)))
    ws.append([_word("names", lang)])
    ws.append(bold(_word("column", lang), _word("content", lang), _word("label_en", lang), _word("label_ru", lang),
                   _word("label_kk", lang), _word("shown_as", lang)))
    for col in map(str, frame.columns):
        shown, what = _content(col, frame[col], formats[col], col in by_row, catalogue, lang)
        ws.append([_text(ws, col), _text(ws, what), *[_text(ws, t) for t in _labels(col, frame[col], catalogue)],
                   _text(ws, shown)])


def _text(ws: object, value: str) -> Cell:
    cell = WriteOnlyCell(ws, value)
    if cell.data_type == "f":  # a command line or a source title beginning with "=" is text
        cell.data_type = "s"
    return cell


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
    _write_about(book, frame, formats, row_formats[0] if row_formats else [], command, sources, catalogue, lang,
                 written or datetime.now(UTC))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        book.save(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path
