"""One Excel workbook per assessment, ready to circulate: ranking, blocks, uncertainty, diagnosis,
mechanisms, the data used with their provenance, the spec and the sources.

:func:`assessment_sheets` reads a Result (and what the caller adds: names, rank intervals, sources) into
titled tables; :func:`write_workbook` writes them with openpyxl: headers in ru / kk / en, bold, frozen
and filtered; numbers with the decimals of their indicator (:mod:`territoria.report.formats`) and
grouped thousands; widths fitted to the content; grade levels coloured by conditional fills. The
workbook holds the numbers of the Result unrounded: the formats only change how they are shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.diagnosis import reference_gaps, weakest
from territoria.diagnosis.weakness import result_year
from territoria.errors import DataError
from territoria.mechanisms import load_knowledge_base, recommend
from territoria.report.formats import column_decimals, indicator_decimals, value_decimals
from territoria.report.geomap import LEVEL_COLOURS
from territoria.report.messages import (
    LANGS,
    Translator,
    header,
    in_language,
    indicator_name,
    messages,
    term,
    unit_name,
)

__all__ = ["SHEETS", "Sheet", "assessment_sheets", "document_sheets", "sheet_title", "write_workbook"]

#: Sheet names and the headers the message catalogue does not word: key -> (en, ru, kk).
WORDS: dict[str, tuple[str, str, str]] = {
    "ranking": ("Ranking", "Рейтинг", "Рейтинг"),
    "blocks": ("Block scores", "Баллы по блокам", "Блоктар бойынша балл"),
    "uncertainty": ("Uncertainty", "Неопределённость", "Белгісіздік"),
    "sensitivity": ("Sensitivity", "Чувствительность", "Сезімталдық"),
    "diagnosis": ("Diagnosis", "Диагностика", "Диагностика"),
    "mechanisms": ("Mechanisms", "Механизмы", "Тетіктер"),
    "data": ("Data used", "Использованные данные", "Пайдаланылған деректер"),
    "spec": ("Specification", "Спецификация", "Спецификация"),
    "sources": ("Sources", "Источники", "Дереккөздер"),
    "score": ("Score", "Балл", "Балл"),
    "interval_width": ("Interval width, places", "Ширина интервала, мест", "Аралық ені, орын"),
    "imputed": ("Imputed", "Восстановлено", "Толықтырылған"),
    "capped": ("Capped (outlier)", "Ограничено (выброс)", "Шектелген (шығынды мән)"),
    "source": ("Source", "Источник", "Дереккөз"),
    "part": ("Part", "Раздел", "Бөлім"),
    "parameter": ("Parameter", "Параметр", "Параметр"),
    "setting": ("Setting", "Значение", "Мәні"),
    "indicator_name": ("Indicator name", "Наименование показателя", "Көрсеткіш атауы"),
    "unit_name": ("Territory", "Территория", "Аумақ"),
    "item_name": ("Block or indicator", "Блок или показатель", "Блок немесе көрсеткіш"),
    "mechanism_name": ("Mechanism name", "Наименование механизма", "Тетік атауы"),
    "source_id": ("Source id", "Код источника", "Дереккөз коды"),
    "title": ("Title", "Название", "Атауы"),
    "publisher": ("Publisher", "Издатель", "Баспагер"),
    "url": ("Address", "Адрес", "Мекенжай"),
    "retrieved": ("Retrieved", "Получено", "Алынған күні"),
    "licence": ("Licence", "Лицензия", "Лицензия"),
    "how_obtained": ("How obtained", "Как получено", "Қалай алынды"),
    "file_sha256": ("File SHA-256", "SHA-256 файла", "Файлдың SHA-256"),
    "input": ("Uncertain choice", "Неопределённый выбор", "Белгісіз таңдау"),
    "alternatives": ("Alternatives", "Варианты", "Нұсқалар"),
    "S1": ("First-order index S1", "Индекс первого порядка S1", "Бірінші ретті индекс S1"),
    "ST": ("Total index ST", "Полный индекс ST", "Толық индекс ST"),
    "yes": ("yes", "да", "иә"),
    "no": ("no", "нет", "жоқ"),
}
#: The sheets of an assessment workbook, in order.
SHEETS = ("ranking", "blocks", "uncertainty", "sensitivity", "diagnosis", "mechanisms", "data", "spec", "sources")
_HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def _word(key: str, lang: str) -> str:
    return in_language(WORDS[key], lang)


def sheet_title(key: str, lang: str) -> str:
    """The sheet name of ``key`` in ``lang`` (at most 31 characters, none Excel forbids)."""
    return _word(key, lang).translate(_BAD_SHEET_CHARS)[:31]


@dataclass(frozen=True)
class Sheet:
    """One table of the workbook.

    ``decimals`` per column override the catalogue; ``row_indicator`` names a column whose indicator id
    gives the decimals of the ``value`` column row by row; ``levels`` are columns coloured by grade;
    ``freeze`` is how many leading columns stay in view.
    """

    key: str
    frame: pd.DataFrame
    decimals: Mapping[str, int] = field(default_factory=dict)
    row_indicator: str | None = None
    levels: tuple[str, ...] = ()
    freeze: int = 1
    title: str | None = None  # the sheet's name when not one of :data:`SHEETS`


def _head(column: str, lang: str) -> str:
    if column in WORDS:
        return _word(column, lang)
    if column.startswith("rank_") and column[5:] in messages("en")["terms"]["block"]:
        return f"{header('rank', lang)}: {term('block', column[5:], lang)}"
    return header(column, lang)


def _unit_frame(table: pd.DataFrame, names: pd.Series | None) -> pd.DataFrame:
    """``table`` with its index (unit, or unit and year) as columns and the unit's name after the code."""
    frame = table.reset_index()
    first = frame.columns[0]
    frame = frame.rename(columns={first: "unit"})
    frame["unit"] = frame["unit"].astype(str)
    if names is not None:
        frame.insert(1, "name", frame["unit"].map(names).to_numpy())
    return frame


def _flatten(mapping: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(mapping, Mapping):
        rows: list[tuple[str, str]] = []
        for key, value in mapping.items():
            rows += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return rows
    text = mapping if isinstance(mapping, str) else json.dumps(mapping, ensure_ascii=False, default=str)
    return [(prefix, text)]


def _named(frame: pd.DataFrame, names: pd.Series | None) -> pd.DataFrame:
    """``frame`` with the unit's name inserted after its ``unit`` column (as ``unit_name``)."""
    if names is None or "unit" not in frame:
        return frame
    out = frame.copy()
    out.insert(out.columns.get_loc("unit") + 1, "unit_name", out["unit"].map(names).to_numpy())
    return out


def _mechanisms(result: Any, weak: pd.DataFrame, kb: Any, lang: str, catalogue: Catalogue) -> pd.DataFrame:
    tr = Translator(lang, catalogue=catalogue)
    frames = []
    # each unit's weakest rows split off once (a filter of the whole table per unit was O(units²))
    weak_of = dict(tuple(weak.groupby("unit", sort=False)))
    for unit in dict.fromkeys(map(str, result.tables["aggregated"].index.get_level_values(0))):
        package = recommend(unit, kb, weak=weak_of.get(unit, weak.iloc[:0]), lang=lang)
        if "reason_codes" in package:
            package["reasons"] = ["; ".join(tr.codes(c)) if isinstance(c, str) else r
                                  for c, r in zip(package["reason_codes"], package["reasons"], strict=True)]
        cols = [c for c in ("horizon", "years", "mechanism", "name", "score", "reasons") if c in package]
        frames.append(package[cols].assign(unit=unit))
    if not frames:
        return pd.DataFrame(columns=["unit", "horizon", "years", "mechanism", "name", "score", "reasons"])
    table = pd.concat(frames, ignore_index=True)
    table["horizon"] = [term("horizon", h, lang) for h in table["horizon"]]
    return table[["unit", *[c for c in table.columns if c != "unit"]]].rename(columns={"name": "mechanism_name"})


def assessment_sheets(result: Any, *, names: pd.Series | None = None, intervals: pd.DataFrame | None = None,
                      sensitivity: pd.DataFrame | None = None, sources: pd.DataFrame | None = None,
                      catalogue: Catalogue | None = None, kb: Any = None, lang: str = "en",
                      n_weakest: int = 3) -> list[Sheet]:
    """The tables of ``result``'s workbook, in the order of :data:`SHEETS`.

    Parameters
    ----------
    names : Series, optional
        Unit code -> name in ``lang``.
    intervals : DataFrame, optional
        ``rank_median, rank_p05, rank_p95`` per unit (the Monte-Carlo summary); without it there is no
        uncertainty sheet.
    sensitivity : DataFrame, optional
        The Sobol indices of the uncertain choices, added under the intervals.
    sources : DataFrame, optional
        The Store's sources (``source_id, title, publisher, url, ...``).
    kb : KnowledgeBase, optional
        The mechanisms' knowledge base (default: the package's).
    n_weakest : int, default=3
        Weakest blocks and indicators per unit in the diagnosis sheet.
    """
    if lang not in LANGS:
        raise DataError(f"workbook: language {lang!r}; expected one of {', '.join(LANGS)}")
    catalogue = catalogue if catalogue is not None else load_catalogue()
    # most vulnerable first (the highest rank number), as the ranking report; a panel: year by year
    frame = result.to_frame()
    order = [c for c in ("year",) if c in frame.index.names]
    frame = frame.reset_index(order).sort_values([*order, "rank"], ascending=[True] * len(order) + [False],
                                                 kind="stable").set_index(order, append=True) if order else \
        frame.sort_values("rank", ascending=False, kind="stable")
    root, aggregates = result.root, [a for a in result.aggregates if a != result.root]
    index_cols = list(frame.index.names)
    levels = {str(v): term("level", v, lang) for v in frame["level"].dropna().unique()}
    ranking = frame[[root, "rank", "level"]].copy()
    if intervals is not None:
        ranking = ranking.join(intervals[[c for c in ("rank_median", "rank_p05", "rank_p95") if c in intervals]])
    ranking["level"] = ranking["level"].map(lambda v: levels.get(str(v), v) if pd.notna(v) else v)
    ranking = _unit_frame(ranking.rename(columns={root: "score"}), names)
    block_ranks = result.tables["ranks"][aggregates].add_prefix("rank_").astype("Int64")
    blocks = _unit_frame(frame[aggregates].join(block_ranks), names)
    key = len(index_cols) + (1 if names is not None else 0)
    sheets = [Sheet("ranking", ranking, decimals={"score": 1}, levels=("level",), freeze=key),
              Sheet("blocks", blocks, decimals=dict.fromkeys(aggregates, 1), freeze=key)]
    if intervals is not None:
        spread = intervals[["rank_median", "rank_p05", "rank_p95"]].copy()
        spread["interval_width"] = spread["rank_p95"] - spread["rank_p05"]
        sheets.append(Sheet("uncertainty", _unit_frame(frame[["rank"]].join(spread), names), freeze=key,
                            decimals={"interval_width": 1}))
    if sensitivity is not None and len(sensitivity):
        sens = sensitivity.reset_index() if sensitivity.index.name else sensitivity.reset_index(drop=True)
        sheets.append(Sheet("sensitivity", sens, decimals={"S1": 3, "ST": 3}, freeze=1))
    year = result_year(result)
    gaps = reference_gaps(result, year=year)
    weak_blocks = weakest(gaps, n=min(n_weakest, max(len(aggregates), 1)), kind="block")
    weak = weakest(gaps, n=n_weakest)
    diagnosis = pd.concat([weak_blocks.assign(part="block"),
                           weak.assign(part="indicator")], ignore_index=True)
    diagnosis["name"] = [term("block", c, lang) if p == "block" else
                         (indicator_name(catalogue[c], lang) if c in catalogue else c)
                         for c, p in zip(diagnosis["code"], diagnosis["part"], strict=True)]
    diagnosis["part"] = [header("block" if p == "block" else "indicator", lang) for p in diagnosis["part"]]
    diagnosis = diagnosis.sort_values(["unit", "part", "rank"], kind="stable")
    diagnosis = diagnosis[["unit", "part", "rank", "code", "name", "value", "contribution", "gap_national"]]
    diagnosis = diagnosis.rename(columns={"name": "item_name"})
    named = 2 if names is not None else 1
    sheets.append(Sheet("diagnosis", _named(diagnosis, names), decimals={"value": 1, "contribution": 2,
                                                                         "gap_national": 1}, freeze=named))
    kb = kb if kb is not None else load_knowledge_base(None)
    sheets.append(Sheet("mechanisms", _named(_mechanisms(result, weak, kb, lang, catalogue), names),
                        decimals={"score": 2}, freeze=named))
    sheets.append(Sheet("data", _named(_data_used(result, catalogue, lang), names), row_indicator="indicator",
                        freeze=named + 1))
    spec_rows = [*_flatten(result.spec.to_mapping()), ("data_sha256", result.data_sha256),
                 *[(f"versions.{k}", v) for k, v in result.versions.items()]]
    sheets.append(Sheet("spec", pd.DataFrame(spec_rows, columns=["parameter", "setting"]), freeze=1))
    if sources is not None:
        sheets.append(Sheet("sources", sources.reset_index(drop=True), freeze=1))
    return sheets


def document_sheets(doc: Any) -> list[Sheet]:
    """A report document's tables (:class:`~territoria.report.document.Document`) as sheets named by their
    section titles, the unit codes and names kept in view; the first sheet holds the title and the texts."""
    lines = [doc.title, doc.subtitle]
    for section in doc.sections:
        lines += ["", section.title, *section.text]
    sheets = [Sheet("summary", pd.DataFrame({doc.title: lines[1:]}), title=doc.title[:31] or "summary", freeze=0)]
    for section in doc.sections:
        if section.table is None or not len(section.table.columns):
            continue
        table = section.table.reset_index(drop=True)
        levels = tuple(c for c in ("level", "region_level") if c in table)
        freeze = 2 if list(table.columns[:2]) == ["unit", "name"] else 1
        sheets.append(Sheet(section.id, table, levels=levels, freeze=freeze, title=section.title))
    return sheets


def _data_used(result: Any, catalogue: Catalogue, lang: str) -> pd.DataFrame:
    """The raw values the assessment read, one row per unit × indicator, flagged imputed or capped."""
    raw = result.tables["raw"]
    long = raw.stack(future_stack=True).rename("value")
    parts = [long]
    yes, no = _word("yes", lang), _word("no", lang)
    for mask, name in (("imputed_mask", "imputed"), ("treated_mask", "capped")):
        table = result.tables.get(mask)
        flags = table.reindex_like(raw).fillna(False).astype(bool).stack(future_stack=True) if table is not None \
            else pd.Series(False, index=long.index)
        parts.append(flags.map({True: yes, False: no}).rename(name))
    data = pd.concat(parts, axis=1).reset_index()
    data = data.rename(columns={data.columns[0]: "unit", data.columns[len(raw.index.names)]: "indicator"})
    data["unit"] = data["unit"].astype(str)
    known = [c in catalogue for c in data["indicator"]]
    data.insert(data.columns.get_loc("indicator") + 1, "indicator_name",
                [indicator_name(catalogue[c], lang) if k else c for c, k in zip(data["indicator"], known, strict=True)])
    data.insert(data.columns.get_loc("value") + 1, "unit_of_measure",
                [unit_name(catalogue[c], lang) if k else "" for c, k in zip(data["indicator"], known, strict=True)])
    data["source"] = ["; ".join(catalogue[c].sources) if k else "" for c, k in zip(data["indicator"], known,
                                                                                   strict=True)]
    return data


def _number_format(decimals: int) -> str:
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals


def _write_sheet(book: Workbook, sheet: Sheet, lang: str, catalogue: Catalogue) -> None:
    name = sheet.title.translate(_BAD_SHEET_CHARS)[:31] if sheet.title else sheet_title(sheet.key, lang)
    used = set(book.sheetnames)
    while name in used:
        name = f"{name[:28]}_{len(used)}"
    ws = book.create_sheet(name)
    frame = sheet.frame
    columns = [str(c) for c in frame.columns]
    ws.append([_head(c, lang) for c in columns])
    width = range(1, len(columns) + 1)
    # the row just appended is addressed by its number: ws.max_row scans every cell, once per row was O(n²)
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        ws.append([None if (not isinstance(v, str) and pd.isna(v)) else
                   (v.item() if hasattr(v, "item") else v) for v in row])
        for j in width:
            cell = ws.cell(i, j)
            if cell.data_type == "f":  # a text beginning with "=" stays text: never a formula Excel would run
                cell.data_type = "s"
    decimals = column_decimals(frame, catalogue=catalogue, decimals=dict(sheet.decimals))
    n = len(frame)
    for j, col in enumerate(columns, start=1):
        letter = get_column_letter(j)
        if col in decimals:
            fmt = "0" if "year" in col else _number_format(decimals[col])
            for cell in ws[letter][1:]:
                cell.number_format = fmt
        if pd.api.types.is_object_dtype(frame[col]) or pd.api.types.is_string_dtype(frame[col]):
            for cell in ws[letter][1:]:
                cell.number_format = "@"  # codes stay text
    if sheet.row_indicator is not None and "value" in columns:
        letter = get_column_letter(columns.index("value") + 1)
        for i, code in enumerate(frame[sheet.row_indicator], start=2):
            if str(code) in catalogue:
                ws[f"{letter}{i}"].number_format = _number_format(indicator_decimals(catalogue[str(code)]))
    years = [c for c in columns if c.isdigit() and len(c) == 4 and c in decimals]
    if sheet.row_indicator is None and len(years) > 1:  # a table by year: each row is one series
        for i, (_, values) in enumerate(frame[years].iterrows(), start=2):
            fmt = _number_format(value_decimals(values))
            for col in years:
                ws.cell(i, columns.index(col) + 1).number_format = fmt
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for j, col in enumerate(columns, start=1):
        longest = max([len(str(v)) for v in frame[col].head(500)] + [min(len(_head(col, lang)), 24)], default=8)
        ws.column_dimensions[get_column_letter(j)].width = min(max(longest + 2, 8), 60)
    ws.freeze_panes = f"{get_column_letter(sheet.freeze + 1)}2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(columns), 1))}{n + 1}"
    for col in sheet.levels:
        if col not in columns or n == 0:
            continue
        letter = get_column_letter(columns.index(col) + 1)
        cells = f"{letter}2:{letter}{n + 1}"
        for level, colour in LEVEL_COLOURS.items():
            word = term("level", level, lang).replace('"', '""')
            ws.conditional_formatting.add(cells, FormulaRule(
                formula=[f'${letter}2="{word}"'], fill=PatternFill("solid", fgColor=colour.lstrip("#"),
                                                                    bgColor=colour.lstrip("#"))))


def write_workbook(sheets: Sequence[Sheet], path: str | Path, *, lang: str = "en",
                   catalogue: Catalogue | None = None) -> Path:
    """Write ``sheets`` as one .xlsx workbook (written to a temporary sibling, then renamed)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise DataError(f"{path}: a workbook is written as .xlsx, not {path.suffix or 'a file without suffix'!r}")
    if lang not in LANGS:
        raise DataError(f"workbook: language {lang!r}; expected one of {', '.join(LANGS)}")
    catalogue = catalogue if catalogue is not None else load_catalogue()
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _write_sheet(book, sheet, lang, catalogue)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    book.save(tmp)
    tmp.replace(path)
    return path
