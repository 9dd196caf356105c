"""Read official statistical tables (CSV, XLSX) into long observations, reporting every bad cell.

Three layouts are understood, per sheet:

``long``
    one observation per row: columns unit, indicator, year, value, optionally measure unit, source, note
    (header words in English, Russian or Kazakh: "Регион", "Показатель", "Год", "Значение", "Единица
    измерения"...).
``wide_indicators``
    a table about one unit as statistical offices publish it (the seeds' Bulaevo and Mamlyutka tables): one row
    per indicator, an optional unit-of-measure column, one column per year ("2015", "2016 г.", "2017 год"). The
    unit comes from ``unit=`` or from the sheet name.
``wide_units``
    one row per unit, one column per year; the indicator comes from ``indicator=`` or the sheet name.

Cells are read as text (a spreadsheet's numeric cells as numbers) and parsed by
:func:`territoria.ingest.numbers.parse_numbers`; values are converted to the catalogue's canonical unit with
the factors of ``Indicator.accepts_units`` (value × factor). Rows are numbered as the user sees them: spreadsheet
row, or line of the text file (1-based; a header on the first line is row 1).

Nothing here writes anywhere: the Store calls :func:`read_table` and stores ``ReadResult.observations`` in one
transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from territoria.catalog.catalogue import Catalogue, Indicator
from territoria.errors import CellProblem, InputFileError, UnknownNameError
from territoria.ingest.matching import NameMatcher, name_key
from territoria.ingest.numbers import EXPECTED_NUMBER, parse_numbers

__all__ = ["YEAR_RANGE", "Layout", "ReadResult", "indicator_matcher", "read_table", "unit_factor"]

Layout = Literal["auto", "long", "wide_indicators", "wide_units"]
#: Years accepted in a table (inclusive).
YEAR_RANGE: tuple[int, int] = (1990, 2100)
_HEADER_SCAN = 30

OBSERVATION_COLUMNS = ["unit", "indicator", "year", "value", "file", "sheet", "row", "measure_unit",
                       "source", "note"]
REJECTED_COLUMNS = ["file", "sheet", "row", "column", "value", "expected"]


def _words(*items: str) -> frozenset[str]:
    return frozenset(_norm_header(i) for i in items)


def _norm_header(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.casefold().replace("ё", "е").replace("_", " ")
    return re.sub(r"[^\w%]+", " ", text).strip()


_ROLES: dict[str, frozenset[str]] = {
    "measure_unit": _words("measure unit", "unit of measure", "unit of measurement", "units of measurement",
                           "measurement unit", "units", "uom", "единица измерения", "единицы измерения",
                           "ед. изм.", "ед.изм", "ед", "өлшем бірлігі", "өлш. бірл."),
    "unit_code": _words("code", "kato", "unit code", "kato code", "код", "като", "код като"),
    "unit": _words("unit", "unit name", "territory", "region", "district", "settlement", "locality", "place",
                   "регион", "район", "область", "город", "территория", "населенный пункт", "наименование территории",
                   "аудан", "аймақ", "облыс", "өңір", "елді мекен"),
    "indicator": _words("indicator", "indicators", "indicator name", "indicator id", "показатель", "показатели",
                        "наименование показателя", "индикатор", "көрсеткіш", "көрсеткіштер", "variable", "series"),
    "year": _words("year", "год", "жыл", "period", "период", "кезең"),
    "value": _words("value", "values", "значение", "величина", "мән", "мәні", "amount", "obs value"),
    "source": _words("source", "source id", "источник", "дереккөз", "көзі"),
    "note": _words("note", "notes", "comment", "примечание", "ескерту", "ескертпе"),
    "name": _words("name", "наименование", "название", "атауы"),
}
_YEAR_HEADER = re.compile(r"^(\d{4})(?:\s*(?:г|гг|год|года|году|жыл|жылы|ж|y|yr|year))?$")

# Spellings of one measure unit that mean the same thing (matched after _unit_key).
_UNIT_CLASSES: tuple[frozenset[str], ...] = (
    frozenset({"%", "percent", "per cent", "percentage", "процент", "проценты", "пайыз", "pct"}),
    frozenset({"person", "persons", "people", "чел", "человек", "адам", "pers"}),
    frozenset({"tenge", "тенге", "теңге", "kzt", "тг"}),
    frozenset({"thousand tenge", "тыс тенге", "мың теңге", "thousand kzt", "тыс тг", "thous tenge"}),
    frozenset({"million tenge", "млн тенге", "млн теңге", "million kzt", "mln tenge"}),
    frozenset({"billion tenge", "млрд тенге", "млрд теңге", "billion kzt", "bln tenge"}),
)


def _unit_key(text: object) -> str:
    return re.sub(r"\s+", " ", str(text).casefold().replace("ё", "е").replace(".", " ")).strip()


def unit_factor(indicator: Indicator, measure_unit: object) -> float | None:
    """Factor by which a value written in ``measure_unit`` is multiplied to reach the canonical unit.

    A blank measure unit or the canonical unit's own spelling (en/ru/kk) gives 1; spellings in
    ``indicator.accepts_units`` give their factor; spellings of the same unit in another language (e.g.
    "тыс. тенге" for a listed "thousand tenge") give the listed factor. ``None`` when the unit is not accepted.
    """
    if measure_unit is None or (isinstance(measure_unit, float) and np.isnan(measure_unit)):
        return 1.0
    key = _unit_key(measure_unit)
    if not key:
        return 1.0
    table = {_unit_key(k): float(v) for k, v in indicator.accepts_units.items()}
    for spelling in (indicator.unit.en, indicator.unit.ru, indicator.unit.kk):
        if spelling:
            table.setdefault(_unit_key(spelling), 1.0)
    if key in table:
        return table[key]
    for cls in _UNIT_CLASSES:
        if key in cls:
            hits = [v for k, v in table.items() if k in cls]
            if hits:
                return hits[0]
    return None


def _accepted_units(indicator: Indicator) -> str:
    names = [s for s in (indicator.unit.en, indicator.unit.ru) if s] + list(indicator.accepts_units)
    return ", ".join(repr(n) for n in dict.fromkeys(names)) or "(none listed)"


_INDICATOR_MATCHERS: weakref.WeakKeyDictionary[Catalogue, NameMatcher] = weakref.WeakKeyDictionary()


def indicator_matcher(catalogue: Catalogue, *, threshold: float = 90) -> NameMatcher:
    """A :class:`NameMatcher` over every id, name (en/ru/kk) and alias of the catalogue (cached)."""
    if catalogue not in _INDICATOR_MATCHERS:
        _INDICATOR_MATCHERS[catalogue] = NameMatcher(catalogue.alias_table(), kind="indicator",
                                                     threshold=threshold, normaliser=name_key)
    return _INDICATOR_MATCHERS[catalogue]


@dataclass
class ReadResult:
    """What :func:`read_table` found in a file.

    Attributes
    ----------
    observations : DataFrame
        Columns unit (code), indicator (id), year (int), value (float, canonical unit), file, sheet, row,
        measure_unit (as written, None when the table gives none), source, note. Missing markers give no row.
    rejected : DataFrame
        One row per problem: file, sheet, row, column, value, expected.
    problems : list of CellProblem
        The same problems as objects, in file order.
    layout : dict
        Layout used for each sheet (key None for a CSV file).
    file_sha256 : str
        SHA-256 of the file's bytes.
    file : str
    encoding, delimiter : str or None
        What was detected for a CSV file.
    n_missing : int
        Cells that held a missing marker ("–", "x", "…").
    """

    observations: pd.DataFrame
    rejected: pd.DataFrame
    problems: list[CellProblem]
    layout: dict[str | None, str]
    file_sha256: str
    file: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    n_missing: int = 0
    sheets: list[str | None] = field(default_factory=list)


@dataclass
class _Grid:
    sheet: str | None
    rows: list[tuple[int, list[object]]]  # (row number as the user sees it, cells)


# -- loading --------------------------------------------------------------------------------------------
def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251"), "cp1251"


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()][:30]
    best, best_score = ",", (-1.0, 0)
    for delim in ("\t", ";", ","):
        rows = list(csv.reader(lines, delimiter=delim))
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistency = sum(len(r) == width for r in rows) / len(rows)
        score = (round(consistency, 1), width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(data: bytes) -> tuple[_Grid, str, str]:
    text, encoding = _decode(data)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    for record in reader:
        rows.append((start, list(record)))
        start = reader.line_num + 1
    return _Grid(None, rows), encoding, delimiter


def _read_xlsx(path: Path, sheets: list[str] | None, file: str) -> tuple[list[_Grid], list[CellProblem]]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = workbook.sheetnames
        problems = [CellProblem(file, None, None, s, f"a sheet of this workbook ({', '.join(names)})", sheet=s)
                    for s in (sheets or []) if s not in names]
        grids = []
        for name in [s for s in (sheets or names) if s in names]:
            rows = [(i, list(r)) for i, r in
                    enumerate(workbook[name].iter_rows(min_row=1, values_only=True), start=1)]
            grids.append(_Grid(name, rows))
        return grids, problems
    finally:
        workbook.close()


# -- cells ------------------------------------------------------------------------------------------------
def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and np.isnan(value))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _year_of(value: object) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else None
    match = _YEAR_HEADER.match(_norm_header(value))
    return int(match.group(1)) if match else None


def _roles(header: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for j, cell in enumerate(header):
        norm = _norm_header(cell)
        for role, words in _ROLES.items():
            if norm in words and role not in found:
                found[role] = j
                break
    return found


# -- layouts ----------------------------------------------------------------------------------------------
@dataclass
class _Plan:
    layout: str
    header_row: int
    header: list[str]
    roles: dict[str, int]
    year_cols: dict[int, int] = field(default_factory=dict)  # column → year
    label_col: int | None = None


def _plan(grid: _Grid, layout: Layout, unit: str | None, indicator: str | None,
          units: NameMatcher, indicators: NameMatcher) -> _Plan | None:
    for position, (rownum, cells) in enumerate(grid.rows[:_HEADER_SCAN]):
        if all(_blank(c) for c in cells):
            continue
        header = [_text(c) for c in cells]
        roles = _roles(cells)
        years = {j: y for j, c in enumerate(cells) if (y := _year_of(c)) is not None and 1000 <= y <= 2999}
        long_ok = "year" in roles and "value" in roles and ("indicator" in roles or indicator) and (
            "unit" in roles or "unit_code" in roles or unit)
        if layout == "long" or (layout == "auto" and long_ok):
            if long_ok:
                return _Plan("long", rownum, header, roles)
            continue
        if not years:
            continue
        label_candidates = [j for j in range(len(cells)) if j not in years and
                            _norm_header(cells[j]) not in _ROLES["measure_unit"] | _ROLES["source"] | _ROLES["note"]]
        data = grid.rows[position + 1:]
        chosen = layout
        if chosen == "auto":
            if "indicator" in roles:
                chosen = "wide_indicators"
            elif "unit" in roles or "unit_code" in roles:
                chosen = "wide_units"
            elif unit and not indicator:
                chosen = "wide_indicators"
            elif indicator and not unit:
                chosen = "wide_units"
            else:
                chosen = _guess_wide(data, label_candidates, units, indicators)
        key = "indicator" if chosen == "wide_indicators" else "unit"
        label = roles.get(key, roles.get("unit_code") if key == "unit" else None)
        if label is None:
            label = roles.get("name")
        if label is None and label_candidates:
            label = max(label_candidates, key=lambda j: len({_text(r[j]) for _n, r in data
                                                             if j < len(r) and not _blank(r[j])}))
        return _Plan(chosen, rownum, header, roles, years, label)
    return None


def _guess_wide(data: list[tuple[int, list[object]]], candidates: list[int], units: NameMatcher,
                indicators: NameMatcher) -> str:
    scores = {"wide_units": 0, "wide_indicators": 0}
    for j in candidates:
        labels = [_text(r[j]) for _n, r in data[:15] if j < len(r) and not _blank(r[j])]
        for lab in labels:
            for lay, matcher in (("wide_units", units), ("wide_indicators", indicators)):
                try:
                    matcher.match(lab)
                    scores[lay] += 1
                except UnknownNameError:
                    pass
    return "wide_units" if scores["wide_units"] > scores["wide_indicators"] else "wide_indicators"


def _column_name(plan: _Plan, j: int | None, xlsx: bool) -> str | None:
    if j is None:
        return None
    if j < len(plan.header) and plan.header[j]:
        return plan.header[j]
    if xlsx:
        from openpyxl.utils import get_column_letter

        return get_column_letter(j + 1)
    return f"#{j + 1}"


def _cell(cells: list[object], j: int | None) -> object:
    return cells[j] if j is not None and j < len(cells) else None


def _records(grid: _Grid, plan: _Plan, file: str, xlsx: bool, fixed_unit: str | None,
             fixed_indicator: str | None) -> tuple[list[dict[str, object]], list[CellProblem]]:
    """Cut a sheet into candidate observations (text still raw) and the problems of its structure."""
    name = lambda j: _column_name(plan, j, xlsx)  # noqa: E731
    records: list[dict[str, object]] = []
    problems: list[CellProblem] = []
    roles = plan.roles
    unit_j = roles.get("unit_code", roles.get("unit")) if plan.layout != "wide_units" else plan.label_col
    if plan.layout == "wide_indicators":
        unit_j = None
    ind_j = plan.label_col if plan.layout == "wide_indicators" else (
        None if plan.layout == "wide_units" else roles.get("indicator"))
    mu_j, src_j, note_j = roles.get("measure_unit"), roles.get("source"), roles.get("note")
    low, high = YEAR_RANGE
    for j, year in plan.year_cols.items():
        if not low <= year <= high:
            problems.append(CellProblem(file, plan.header_row, name(j), plan.header[j],
                                        f"a year between {low} and {high}", sheet=grid.sheet))
    for rownum, cells in grid.rows:
        if rownum <= plan.header_row or all(_blank(c) for c in cells):
            continue
        base = {
            "sheet": grid.sheet, "row": rownum,
            "unit_text": fixed_unit if unit_j is None else _text(_cell(cells, unit_j)),
            "unit_col": name(unit_j), "unit_fixed": unit_j is None,
            "ind_text": fixed_indicator if ind_j is None else _text(_cell(cells, ind_j)),
            "ind_col": name(ind_j), "ind_fixed": ind_j is None,
            "mu": None if _blank(_cell(cells, mu_j)) else _text(_cell(cells, mu_j)), "mu_col": name(mu_j),
            "source": None if _blank(_cell(cells, src_j)) else _text(_cell(cells, src_j)),
            "note": None if _blank(_cell(cells, note_j)) else _text(_cell(cells, note_j)),
        }
        if plan.layout == "long":
            year_j, value_j = roles["year"], roles["value"]
            raw_year = _cell(cells, year_j)
            year = _year_of(raw_year)
            if year is None or not low <= year <= high:
                problems.append(CellProblem(file, rownum, name(year_j), raw_year,
                                            f"a year between {low} and {high} (e.g. 2020, \"2020 г.\")",
                                            sheet=grid.sheet))
                continue
            records.append({**base, "year": year, "value_raw": _cell(cells, value_j), "value_col": name(value_j)})
            continue
        values = {j: _cell(cells, j) for j, y in plan.year_cols.items() if low <= y <= high}
        label_j = ind_j if plan.layout == "wide_indicators" else unit_j
        if all(_blank(v) for v in values.values()):
            continue  # a heading row ("Social block") or a row with no figures at all
        if _blank(_cell(cells, label_j)):
            what = "an indicator name" if plan.layout == "wide_indicators" else "a unit name"
            problems.append(CellProblem(file, rownum, name(label_j), _cell(cells, label_j), what, sheet=grid.sheet))
            continue
        for j, value in values.items():
            records.append({**base, "year": plan.year_cols[j], "value_raw": value, "value_col": name(j)})
    return records, problems


def _problem_from_name_error(file: str, sheet: str | None, row: int | None, column: str | None,
                             value: object, exc: UnknownNameError) -> CellProblem:
    what = f"a known {exc.kind} name or code"
    if exc.suggestions:
        what += f" (closest: {', '.join(exc.suggestions)})"
    if getattr(exc, "candidates", None):
        what = f"a {exc.kind} name that matches one {exc.kind} only (candidates: {', '.join(exc.suggestions)})"
    return CellProblem(file, row, column, value, what, sheet=sheet)


def read_table(path: str | Path, *, catalogue: Catalogue, units: NameMatcher, unit: str | None = None,
               indicator: str | None = None, layout: Layout = "auto", sheets: list[str] | None = None,
               skip_invalid: bool = False, within: str | None = None) -> ReadResult:
    """Read a CSV or XLSX table of official statistics into long observations.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.txt`` / ``.tsv`` file (UTF-8, UTF-8 with BOM or cp1251; delimiter ``,`` ``;`` or tab,
        detected) or an ``.xlsx`` workbook (every sheet unless ``sheets``).
    catalogue : Catalogue
        Indicators: names are matched through ids, names in three languages and aliases; canonical units and
        accepted units with their factors come from here.
    units : NameMatcher
        Unit names → codes (e.g. ``NameMatcher.for_units(units_table)``).
    unit : str, optional
        The unit of a table about one unit (wide_indicators; or a long table without a unit column); default:
        the sheet name.
    indicator : str, optional
        The indicator of a one-indicator table (wide_units); default: the sheet name.
    layout : {"auto", "long", "wide_indicators", "wide_units"}, default="auto"
        "auto" decides per sheet from the header (and, for a bare name column, from which matcher recognises
        the row labels); ``ReadResult.layout`` says what was used.
    sheets : list of str, optional
        Sheets to read; default all.
    skip_invalid : bool, default=False
        False: any problem raises :class:`~territoria.errors.InputFileError` listing all of them. True: return
        the valid observations and list the problems in ``rejected``.
    within : str, optional
        Code or name of a unit that every unit of the file lies in (helps with repeated village names).

    Returns
    -------
    ReadResult

    Raises
    ------
    InputFileError
        Unless ``skip_invalid``: every bad cell of the file (unparsable number, unknown unit or indicator,
        unit of measure not accepted, year outside 1990–2100, a second different value for one unit, indicator
        and year, empty file, sheet with no recognisable header), each with file, sheet, row, column, value and
        expectation.
    """
    path = Path(path)
    file = str(path)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    problems: list[CellProblem] = []
    encoding = delimiter = None
    if xlsx:
        grids, problems = _read_xlsx(path, sheets, file)
    else:
        grid, encoding, delimiter = _read_csv(data)
        grids = [grid]
    indicators = indicator_matcher(catalogue)

    records: list[dict[str, object]] = []
    layouts: dict[str | None, str] = {}
    for grid in grids:
        if all(all(_blank(c) for c in cells) for _n, cells in grid.rows):
            where = "the sheet" if grid.sheet is not None else "the file"
            problems.append(CellProblem(file, None, None, "", f"a header row and data ({where} is empty)",
                                        sheet=grid.sheet))
            continue
        plan = _plan(grid, layout, unit, indicator, units, indicators)
        if plan is None:
            problems.append(CellProblem(
                file, None, None, grid.sheet or "",
                "a header row in the first 30 rows: unit / indicator / year / value columns (long layout) or year "
                "columns such as 2015, \"2016 г.\" next to an indicator or unit name column (wide layouts)",
                sheet=grid.sheet))
            continue
        layouts[grid.sheet] = plan.layout
        fixed_unit = unit if unit is not None else grid.sheet
        fixed_ind = indicator if indicator is not None else grid.sheet
        recs, probs = _records(grid, plan, file, xlsx, fixed_unit, fixed_ind)
        records.extend(recs)
        problems.extend(probs)

    frame = pd.DataFrame(records, columns=["sheet", "row", "unit_text", "unit_col", "unit_fixed", "ind_text",
                                           "ind_col", "ind_fixed", "mu", "mu_col", "source", "note", "year",
                                           "value_raw", "value_col"])
    frame, more, n_missing = _resolve(frame, file, catalogue, units, indicators, within)
    problems.extend(more)
    problems = _ordered(problems, [g.sheet for g in grids])
    rejected = pd.DataFrame([{"file": p.file, "sheet": p.sheet, "row": p.row, "column": p.column,
                              "value": p.value, "expected": p.expected} for p in problems],
                            columns=REJECTED_COLUMNS)
    if problems and not skip_invalid:
        raise InputFileError(file, problems)
    observations = frame.assign(file=file)[OBSERVATION_COLUMNS].reset_index(drop=True)
    return ReadResult(observations, rejected, problems, layouts, sha, file=file, encoding=encoding,
                      delimiter=delimiter, n_missing=n_missing, sheets=[g.sheet for g in grids])


def _resolve(frame: pd.DataFrame, file: str, catalogue: Catalogue, units: NameMatcher,
             indicators: NameMatcher, within: str | None) -> tuple[pd.DataFrame, list[CellProblem], int]:
    """Match names, parse values, convert units and find in-file duplicates; return good rows and problems."""
    problems: list[CellProblem] = []
    bad = pd.Series(False, index=frame.index)
    reported: set[tuple[object, object, object]] = set()

    def report(problem: CellProblem) -> None:
        key = (problem.sheet, problem.row, problem.column)
        if key not in reported:
            reported.add(key)
            problems.append(problem)

    codes: dict[str, pd.Series] = {}
    for what, matcher, hint in (("unit", units, "unit= (--unit)"), ("ind", indicators, "indicator=")):
        cache: dict[str, str | UnknownNameError] = {}
        out = pd.Series(None, index=frame.index, dtype=object)
        for i, rec in frame.iterrows():
            text = rec[f"{what}_text"]
            key = "" if text is None else str(text)
            if key not in cache:
                try:
                    cache[key] = matcher.match(key, within=within if what == "unit" else None)
                except UnknownNameError as exc:
                    cache[key] = exc
            hit = cache[key]
            if isinstance(hit, str):
                out[i] = hit
                continue
            bad[i] = True
            if rec[f"{what}_fixed"]:
                problem = _problem_from_name_error(file, rec["sheet"], None, None, key, hit)
                problem = CellProblem(problem.file, None, None, key, f"{problem.expected}; the table has no "
                                      f"{hit.kind} column, so pass {hint} or name the sheet after the {hit.kind}",
                                      sheet=rec["sheet"])
            else:
                problem = _problem_from_name_error(file, rec["sheet"], rec["row"], rec[f"{what}_col"], text, hit)
            report(problem)
        codes[what] = out

    values, invalid = parse_numbers(frame["value_raw"])
    for i in frame.index[invalid]:
        rec = frame.loc[i]
        report(CellProblem(file, rec["row"], rec["value_col"], rec["value_raw"], EXPECTED_NUMBER, sheet=rec["sheet"]))
    missing = values.isna() & ~invalid
    n_missing = int(missing.sum())
    bad |= invalid | missing

    factors = pd.Series(np.nan, index=frame.index)
    factor_cache: dict[tuple[str, object], float | None] = {}
    for i in frame.index[~bad]:
        ind, mu = codes["ind"][i], frame.at[i, "mu"]
        if (ind, mu) not in factor_cache:
            factor_cache[(ind, mu)] = unit_factor(catalogue[ind], mu)
        factor = factor_cache[(ind, mu)]
        if factor is None:
            bad[i] = True
            report(CellProblem(file, frame.at[i, "row"], frame.at[i, "mu_col"], mu,
                               f"a unit of measure accepted for indicator {ind!r}: "
                               f"{_accepted_units(catalogue[ind])}", sheet=frame.at[i, "sheet"]))
        else:
            factors[i] = factor

    good = frame.loc[~bad].assign(unit=codes["unit"][~bad], indicator=codes["ind"][~bad],
                                  value=(values * factors)[~bad], measure_unit=frame["mu"][~bad])
    good = good.astype({"year": "int64", "row": "int64"})
    first: dict[tuple[str, str, int], tuple[float, object, object]] = {}
    keep = pd.Series(True, index=good.index)
    for i, rec in good.iterrows():
        key = (rec["unit"], rec["indicator"], int(rec["year"]))
        if key not in first:
            first[key] = (rec["value"], rec["sheet"], rec["row"])
            continue
        keep[i] = False
        value, sheet, row = first[key]
        if not np.isclose(value, rec["value"], rtol=1e-12, atol=0.0):
            where = f"row {row}" if sheet is None else f"sheet {sheet!r} row {row}"
            report(CellProblem(file, rec["row"], rec["value_col"], rec["value_raw"],
                               f"one value per unit, indicator and year: {where} already gives {value:g} for "
                               f"({key[0]}, {key[1]}, {key[2]})", sheet=rec["sheet"]))
    good = good.loc[keep]
    return good, problems, n_missing


def _ordered(problems: list[CellProblem], sheets: list[str | None]) -> list[CellProblem]:
    order = {s: k for k, s in enumerate(sheets)}
    return sorted(problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0))
