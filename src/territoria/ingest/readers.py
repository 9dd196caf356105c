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
:func:`territoria.ingest.numbers.parse_numbers`; a value is converted to the catalogue's canonical unit as
``value × factor`` with the factor of ``Indicator.accepts_units`` (:func:`territoria.ingest.numbers.unit_factor`).
Rows are numbered as the user sees them: spreadsheet row, or line of the text file (1-based; a header on the
first line is row 1).

Nothing here writes anywhere: the Store calls :func:`read_table` and stores ``ReadResult.observations`` in one
transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territoria.catalog.catalogue import Catalogue
from territoria.errors import CellProblem, InputFileError, UnknownNameError
from territoria.ingest.matching import EXCEL_SHEET_LIMIT, NameMatcher, name_key
from territoria.ingest.numbers import EXPECTED_NUMBER, accepted_units, parse_numbers, unit_factor
from territoria.ingest.tables import (
    HEADER_SCAN,
    YEARISH,
    CsvStructureError,
    Grid,
    Layout,
    Note,
    Plan,
    blank,
    cell,
    cell_text,
    column_name,
    plan_layout,
    read_csv_grid,
    read_xlsx_grids,
    year_of,
)
from territoria.ingest.units import resolve_units

__all__ = ["OBSERVATION_COLUMNS", "REJECTED_COLUMNS", "YEAR_RANGE", "Layout", "ReadResult", "indicator_matcher",
           "read_table", "unit_factor"]

#: Years accepted in a table (inclusive).
YEAR_RANGE: tuple[int, int] = (1990, 2100)
#: How a year must be written (a sign, brackets or a footnote mark such as "2021*" are refused, not guessed).
YEAR_EXPECTED = ("a year written as 2020, \"2020 г.\" or \"2020 год\" (a sign, brackets or a footnote mark such as "
                 "\"2021*\" is not read as part of a year: remove it and put the footnote in a note column)")
OBSERVATION_COLUMNS = ["unit", "indicator", "year", "value", "file", "sheet", "row", "measure_unit",
                       "source", "note"]
REJECTED_COLUMNS = ["file", "sheet", "row", "column", "value", "expected"]
_RECORD_COLUMNS = ["sheet", "row", "unit_text", "unit_col", "unit_fixed", "code_text", "code_col", "parents",
                   "ind_text", "ind_col", "ind_fixed", "mu", "mu_col", "source", "note", "year", "value_raw",
                   "value_col"]


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
    sheets : list
        The sheets read (None for a CSV file).
    notes : list of str
        What the user should know that is not a problem (hidden sheets skipped).
    coded_notes : list of dict
        The same notes as message ``code`` and ``params`` (``import.note.*``), for pages in other languages.
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
    notes: list[str] = field(default_factory=list)
    coded_notes: list[dict[str, Any]] = field(default_factory=list)


def _records(grid: Grid, plan: Plan, file: str, xlsx: bool, fixed_unit: str | None, fixed_indicator: str | None,
             labels: list[tuple[str | None, int, str]]) -> tuple[list[dict[str, object]], list[CellProblem]]:
    """Cut a sheet into candidate observations (text still raw) and the problems of its structure.

    ``labels`` receives ``(sheet, row, unit text)`` of every row naming a unit, heading rows without figures
    included: an ambiguous name is resolved by the region a row above names.
    """
    name = lambda j: column_name(plan, j, xlsx)  # noqa: E731
    records: list[dict[str, object]] = []
    problems: list[CellProblem] = []
    roles = plan.roles
    unit_j = roles.get("unit", roles.get("unit_code"))      # a per-row unit column, if any
    code_j = roles.get("unit_code")                         # a KATO code column: used first when filled
    ind_j = roles.get("indicator")
    if plan.layout == "wide_indicators":
        ind_j = plan.label_col
        unit_j = None if unit_j == ind_j else unit_j
        code_j = None if unit_j is None else code_j
    elif plan.layout == "wide_units":
        unit_j = plan.label_col
        ind_j = None if ind_j == unit_j else ind_j
    code_j = None if code_j == unit_j else code_j
    mu_j, src_j, note_j = roles.get("measure_unit"), roles.get("source"), roles.get("note")
    low, high = YEAR_RANGE
    if plan.layout != "long":
        for j, text in enumerate(plan.header):
            if j not in plan.year_cols and YEARISH.match(text):
                problems.append(CellProblem(file, plan.header_row, name(j), text, YEAR_EXPECTED, sheet=grid.sheet,
                                            code="year"))
    for j, year in plan.year_cols.items():
        if not low <= year <= high:
            problems.append(CellProblem(file, plan.header_row, name(j), plan.header[j],
                                        f"a year between {low} and {high}", sheet=grid.sheet, code="year_range",
                                        params={"low": low, "high": high}))
    for rownum, cells in grid.rows:
        if rownum <= plan.header_row or all(blank(c) for c in cells):
            continue
        base = {
            "sheet": grid.sheet, "row": rownum,
            "unit_text": fixed_unit if unit_j is None else cell_text(cell(cells, unit_j)),
            "unit_col": name(unit_j), "unit_fixed": unit_j is None,
            "code_text": None if blank(cell(cells, code_j)) else cell_text(cell(cells, code_j)),
            "code_col": name(code_j),
            "parents": tuple((cell_text(cell(cells, j)), name(j)) for j in plan.parent_cols
                             if not blank(cell(cells, j))),
            "ind_text": fixed_indicator if ind_j is None else cell_text(cell(cells, ind_j)),
            "ind_col": name(ind_j), "ind_fixed": ind_j is None,
            "mu": None if blank(cell(cells, mu_j)) else cell_text(cell(cells, mu_j)), "mu_col": name(mu_j),
            "source": None if blank(cell(cells, src_j)) else cell_text(cell(cells, src_j)),
            "note": None if blank(cell(cells, note_j)) else cell_text(cell(cells, note_j)),
        }
        if plan.layout == "long":
            year_j, value_j = roles["year"], roles["value"]
            raw_year = cell(cells, year_j)
            year = year_of(raw_year)
            if year is None or not low <= year <= high:
                problems.append(CellProblem(file, rownum, name(year_j), raw_year,
                                            f"a year between {low} and {high}; {YEAR_EXPECTED}", sheet=grid.sheet,
                                            code="year_range", params={"low": low, "high": high}))
                continue
            records.append({**base, "year": year, "value_raw": cell(cells, value_j), "value_col": name(value_j)})
            if unit_j is not None and not blank(cell(cells, unit_j)):
                labels.append((grid.sheet, rownum, str(base["unit_text"])))
            continue
        values = {j: cell(cells, j) for j, y in plan.year_cols.items() if low <= y <= high}
        label_j = ind_j if plan.layout == "wide_indicators" else unit_j
        if unit_j is not None and not blank(cell(cells, unit_j)):
            labels.append((grid.sheet, rownum, str(base["unit_text"])))
        if all(blank(v) for v in values.values()):
            continue  # a heading row ("Social block") or a row with no figures at all
        if blank(cell(cells, label_j)) and not (plan.layout == "wide_units" and base["code_text"]):
            what = "an indicator name" if plan.layout == "wide_indicators" else "a unit name"
            problems.append(CellProblem(file, rownum, name(label_j), cell(cells, label_j), what, sheet=grid.sheet,
                                        code="label", params={"what": "indicator" if plan.layout ==
                                                              "wide_indicators" else "unit"}))
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
        article = "an" if exc.kind[:1] in ("a", "e", "i", "o", "u") else "a"
        what = (f"{article} {exc.kind} name that matches one {exc.kind} only "
                f"(candidates: {', '.join(exc.suggestions)})")
    if getattr(exc, "candidates", None):  # an ambiguous name: no coded form yet
        return CellProblem(file, row, column, value, what, sheet=sheet)
    return CellProblem(file, row, column, value, what, sheet=sheet, code="known_name",
                       params={"what": exc.kind, "suggestions": list(exc.suggestions)})


def read_table(path: str | Path, *, catalogue: Catalogue, units: NameMatcher, unit: str | None = None,
               indicator: str | None = None, layout: Layout = "auto", sheets: list[str] | None = None,
               skip_invalid: bool = False, within: str | None = None) -> ReadResult:
    """Read a CSV or XLSX table of official statistics into long observations.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` / ``.txt`` / ``.tsv`` file (UTF-8, UTF-8 with BOM, UTF-16 with BOM or cp1251; delimiter
        ``,`` ``;`` or tab, detected) or an ``.xlsx`` workbook (every visible sheet unless ``sheets``; a hidden
        sheet is read only when named, and ``ReadResult.notes`` says which were skipped).
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
        Code or name (en/ru/kk) of a region or district that every unit of the file lies in (``--region``):
        names are matched among its units only, and a unit outside it is a problem of its cell.

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
    inside = None if within is None else units.match_area(within)  # UnknownNameError: a region that is not one
    if path.suffix.lower() in (".xls", ".ods"):
        raise InputFileError(file, [CellProblem(file, None, None, path.suffix, "a .csv or .xlsx file (open the "
                                                "file in a spreadsheet program and save it as .xlsx)",
                                                code="file_type")])
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    problems: list[CellProblem] = []
    notes: list[Note] = []
    encoding = delimiter = None
    if xlsx:
        grids, problems, notes = read_xlsx_grids(path, sheets, file)
    else:
        try:
            grid, encoding, delimiter = read_csv_grid(data)
            grids = [grid]
        except UnicodeDecodeError as exc:
            grids = []
            problems.append(CellProblem(file, None, None, f"byte 0x{data[exc.start]:02x} at offset {exc.start}",
                                        "text in UTF-8, UTF-16 with its byte-order mark (Excel's \"Unicode Text\") "
                                        "or Windows-1251 (cp1251)", code="encoding"))
        except CsvStructureError as exc:
            grids = []
            problems.append(CellProblem(file, exc.line, None, exc.reason,
                                        "records whose quotes are paired (a field opened with \" on this line is "
                                        "never closed; remove the stray quote or double it as \"\")",
                                        code="quotes"))
    indicators = indicator_matcher(catalogue)

    records: list[dict[str, object]] = []
    labels: list[tuple[str | None, int, str]] = []
    layouts: dict[str | None, str] = {}
    for grid in grids:
        if all(all(blank(c) for c in cells) for _n, cells in grid.rows):
            where = "the sheet" if grid.sheet is not None else "the file"
            problems.append(CellProblem(file, None, None, "", f"a header row and data ({where} is empty)",
                                        sheet=grid.sheet, code="not_empty"))
            continue
        plan = plan_layout(grid, layout, unit, indicator, units, indicators)
        if plan is None:
            problems.append(CellProblem(
                file, None, None, grid.sheet or "",
                f"a header row in the first {HEADER_SCAN} rows: unit / indicator / year / value columns "
                "(long layout) or year columns such as 2015, \"2016 г.\" next to an indicator or unit name "
                "column (wide layouts)",
                sheet=grid.sheet, code="header_row", params={"rows": HEADER_SCAN}))
            continue
        layouts[grid.sheet] = plan.layout
        fixed_unit = unit if unit is not None else grid.sheet
        fixed_ind = indicator if indicator is not None else grid.sheet
        recs, probs = _records(grid, plan, file, xlsx, fixed_unit, fixed_ind, labels)
        records.extend(recs)
        problems.extend(probs)

    frame = pd.DataFrame(records, columns=_RECORD_COLUMNS)
    frame, more, n_missing = _resolve(frame, labels, file, catalogue, units, indicators, inside)
    problems.extend(more)
    problems = _ordered(problems, [g.sheet for g in grids])
    rejected = pd.DataFrame([{"file": p.file, "sheet": p.sheet, "row": p.row, "column": p.column,
                              "value": p.value, "expected": p.expected} for p in problems],
                            columns=REJECTED_COLUMNS)
    if problems and not skip_invalid:
        raise InputFileError(file, problems)
    observations = frame.assign(file=file)[OBSERVATION_COLUMNS].reset_index(drop=True)
    return ReadResult(observations, rejected, problems, layouts, sha, file=file, encoding=encoding,
                      delimiter=delimiter, n_missing=n_missing, sheets=[g.sheet for g in grids],
                      notes=[str(n) for n in notes],
                      coded_notes=[{"code": n.code, "params": dict(n.params)} for n in notes])


def _resolve(frame: pd.DataFrame, labels: list[tuple[str | None, int, str]], file: str, catalogue: Catalogue,
             units: NameMatcher, indicators: NameMatcher, within: str | None
             ) -> tuple[pd.DataFrame, list[CellProblem], int]:
    """Match names, parse values, convert units and find in-file duplicates; return good rows and problems.

    Names and measure units are resolved once per distinct text; only failing rows are visited one by one.
    """
    problems: list[CellProblem] = []
    reported: set[tuple[object, object, object]] = set()

    def report(problem: CellProblem) -> None:
        if problem.row is not None and not isinstance(problem.row, int):
            problem = dataclasses.replace(problem, row=int(problem.row))
        key = (problem.sheet, problem.row, problem.column)
        if key not in reported:
            reported.add(key)
            problems.append(problem)

    frame = frame.reset_index(drop=True)
    bad = np.zeros(len(frame), dtype=bool)
    codes: dict[str, pd.Series] = {}
    unit_codes, unit_problems = resolve_units(frame, labels, units, inside=within, file=file)
    for problem in unit_problems:
        if problem.row is None and problem.column is None:
            hint = {"code": problem.code, "params": problem.params} if problem.code else None
            problem = dataclasses.replace(problem, code="no_column" if hint else None,
                                          params={"what": "unit", "expected": hint},
                                          expected=f"{problem.expected}; the table has no unit column, "
                                          "so pass unit= (--unit) or name the sheet after the unit")
        report(problem)
    codes["unit"] = unit_codes
    bad |= unit_codes.isna().to_numpy(dtype=bool)
    texts = frame["ind_text"].map(lambda t: "" if t is None else str(t)).astype(object)
    hits: dict[str, str | UnknownNameError] = {}
    for text in texts.unique():
        try:
            hits[text] = indicators.match(text)
        except UnknownNameError as exc:
            hits[text] = exc
    resolved = texts.map(hits)
    failed = resolved.map(lambda h: not isinstance(h, str)).to_numpy(dtype=bool)
    for i in np.flatnonzero(failed):
        rec, exc = frame.iloc[i], resolved.iloc[i]
        cut = (f"; {texts.iloc[i]!r} has {EXCEL_SHEET_LIMIT} characters, Excel's limit for a sheet name, so it may "
               "be the start of a longer name" if len(texts.iloc[i]) == EXCEL_SHEET_LIMIT else "")
        if rec["ind_fixed"]:
            base = _problem_from_name_error(file, rec["sheet"], None, None, texts.iloc[i], exc)
            hint = {"code": base.code, "params": base.params} if base.code else None
            report(CellProblem(file, None, None, texts.iloc[i], f"{base.expected}; the table has no "
                               f"indicator column, so pass indicator= (--indicator) or name the sheet after the "
                               f"indicator{cut}", sheet=rec["sheet"], code="no_column" if hint else None,
                               params={"what": "indicator", "expected": hint}))
        else:
            base = _problem_from_name_error(file, rec["sheet"], rec["row"], rec["ind_col"], rec["ind_text"], exc)
            report(dataclasses.replace(base, expected=base.expected + cut))
    bad |= failed
    codes["ind"] = resolved.where(~failed, None)

    values, invalid = parse_numbers(frame["value_raw"])
    for i in np.flatnonzero(invalid.to_numpy()):
        rec = frame.iloc[i]
        report(CellProblem(file, rec["row"], rec["value_col"], rec["value_raw"], EXPECTED_NUMBER, sheet=rec["sheet"],
                           code="number"))
    missing = (values.isna() & ~invalid).to_numpy()
    bad |= invalid.to_numpy() | missing

    pairs = list(zip(codes["ind"], frame["mu"], strict=True))
    factor_of = {pair: unit_factor(catalogue[pair[0]], pair[1]) for k, pair in enumerate(pairs) if not bad[k]}
    factor_list = [factor_of.get(pair, np.nan) if not bad[k] else np.nan for k, pair in enumerate(pairs)]
    unaccepted = np.array([f is None for f in factor_list], dtype=bool)
    factors = pd.Series([np.nan if f is None else f for f in factor_list], index=frame.index, dtype="float64")
    for i in np.flatnonzero(unaccepted):
        ind, rec = codes["ind"].iloc[i], frame.iloc[i]
        report(CellProblem(file, rec["row"], rec["mu_col"], rec["mu"], f"a unit of measure accepted for indicator "
                           f"{ind!r}: {accepted_units(catalogue[ind])}", sheet=rec["sheet"], code="unit_of_measure",
                           params={"indicator": ind, "accepted": list(dict.fromkeys(
                               [s for s in (catalogue[ind].unit.en, catalogue[ind].unit.ru) if s]
                               + list(catalogue[ind].accepts_units)))}))
    bad |= unaccepted

    good = frame.loc[~bad].assign(unit=codes["unit"][~bad], indicator=codes["ind"][~bad],
                                  value=values[~bad] * factors[~bad],
                                  measure_unit=frame["mu"][~bad])
    good = good.astype({"year": "int64", "row": "int64"})
    # a dict of the units present only: mapping by the whole table (every KATO unit) costs far more per read
    present = {u: units.levels[u] for u in good["unit"].unique() if u in units.levels}
    levels = good["unit"].map(present) if units.levels else None
    implausible = catalogue.implausible(good["indicator"], good["value"], levels)
    for i in np.flatnonzero(implausible):
        rec = good.iloc[i]
        level = None if levels is None else levels.iloc[i]
        converted = "" if rec["value"] == values[good.index[i]] else f" (= {rec['value']:g} after conversion)"
        code, params = catalogue[rec["indicator"]].expected_value_code(level)
        report(CellProblem(file, rec["row"], rec["value_col"], rec["value_raw"],
                           catalogue[rec["indicator"]].expected_value(level) + converted, sheet=rec["sheet"],
                           code=code, params=params))
    good = good.loc[~implausible]
    keys = ["unit", "indicator", "year"]
    first = good.groupby(keys, sort=False)[["value", "sheet", "row"]].transform("first")
    repeated = good.duplicated(keys, keep="first").to_numpy()
    differs = repeated & ~np.isclose(good["value"].to_numpy(), first["value"].to_numpy(), rtol=1e-12, atol=0.0)
    for i in np.flatnonzero(differs):
        rec, was = good.iloc[i], first.iloc[i]
        where = f"row {was['row']}" if pd.isna(was["sheet"]) else f"sheet {was['sheet']!r} row {was['row']}"
        report(CellProblem(file, rec["row"], rec["value_col"], rec["value_raw"],
                           f"one value per unit, indicator and year: {where} already gives {was['value']:g} for "
                           f"({rec['unit']}, {rec['indicator']}, {rec['year']})", sheet=rec["sheet"],
                           code="once" if pd.isna(was["sheet"]) else None,
                           params={"first_row": int(was["row"]), "first_value": float(was["value"])}))
    return good.loc[~repeated], problems, int(missing.sum())


def _ordered(problems: list[CellProblem], sheets: list[str | None]) -> list[CellProblem]:
    order = {s: k for k, s in enumerate(sheets)}
    return sorted(problems, key=lambda p: (order.get(p.sheet, -1), p.row or 0))
