"""Cutting a CSV file or an XLSX sheet into a grid of cells and finding its header and layout.

Used by :mod:`territoria.ingest.readers`. A :class:`Grid` keeps each row with its number as the user sees it
(spreadsheet row; for a text file the line where the record starts). :func:`plan_layout` finds the header row in
the first 30 rows and decides the layout (``long``, ``wide_indicators``, ``wide_units``) from header words in
English, Russian and Kazakh, from year columns ("2015", "2016 г.", "2017 год", 2018 as a number) and, for a bare
name column, from which matcher recognises the row labels.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import openpyxl
from openpyxl.utils import get_column_letter

from territoria.errors import CellProblem, UnknownNameError
from territoria.ingest.matching import NameMatcher

__all__ = [
    "HEADER_SCAN",
    "KATO_CODE",
    "YEARISH",
    "CsvStructureError",
    "Grid",
    "Layout",
    "Note",
    "Plan",
    "blank",
    "cell",
    "cell_text",
    "check_workbook",
    "code_column",
    "column_name",
    "parent_columns",
    "plan_layout",
    "read_csv_grid",
    "read_xlsx_grids",
    "year_of",
]


Layout = Literal["auto", "long", "wide_indicators", "wide_units"]
HEADER_SCAN = 30
#: Largest total unpacked size of an XLSX workbook (bytes); more is refused as a possible zip bomb.
XLSX_MAX_UNPACKED = 256 * 2**20
#: Largest sheet read, in cells of its rectangle (rows × columns up to the last filled one); a statistical
#: bulletin has some 10^5. One cell in column A and one in XFD per row would otherwise cost 16,384 per row.
XLSX_MAX_CELLS = 2_000_000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?\"")


def _words(*items: str) -> frozenset[str]:
    return frozenset(_norm_header(i) for i in items)


def _norm_header(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.casefold().replace("ё", "е").replace("_", " ")
    return re.sub(r"[^\w%]+", " ", text).strip()


ROLES: dict[str, frozenset[str]] = {
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
#: A header naming a KATO code column: "KATO", "Код КАТО", "KATO code", "kato_2022", "КАТО коды".
_CODE_HEADER = re.compile(r"(?:^|\s)(?:kato|като)(?:\s|$)")
#: A KATO code: nine digits.
KATO_CODE = re.compile(r"^\d{9}$")
_YEAR_HEADER = re.compile(r"^(\d{4})(?:\s*(?:г|гг|год|года|году|жыл|жылы|ж|y|yr|year)\.?)?$")
#: A cell that looks like a year with something more around it ("-2000", "(1999)", "2001*"): never guessed.
YEARISH = re.compile(r"^\W*(?:19|20)\d\d\W*$")


@dataclass(frozen=True)
class Note:
    """Something the user should know about a file that is not a problem: the English ``text`` (CLI) and its
    message ``code`` and ``params`` (``import.note.*``), which the web words in the page's language."""

    text: str
    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __str__(self) -> str:
        return self.text


@dataclass
class Grid:
    sheet: str | None
    rows: list[tuple[int, list[object]]]  # (row number as the user sees it, cells)


# -- loading --------------------------------------------------------------------------------------------
def _decode(data: bytes) -> tuple[str, str]:
    """Decode as UTF-16 when a UTF-16 byte-order mark starts the file (Excel's "Unicode Text"), else as UTF-8
    (with or without BOM), else cp1251; ``UnicodeDecodeError`` when none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    encodings = ("utf-8-sig", "cp1251") if data.startswith(b"\xef\xbb\xbf") else ("utf-8", "cp1251")
    for i, encoding in enumerate(encodings):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            if i == len(encodings) - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


class CsvStructureError(ValueError):
    """A text file the CSV reader cannot cut into records (a quote opened and never closed).

    ``line`` is the 1-based line where the broken record starts.
    """

    def __init__(self, line: int, reason: str) -> None:
        self.line, self.reason = line, reason
        super().__init__(f"line {line}: {reason}")


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()][:30]
    best, best_score = ",", (-1.0, 0)
    for delim in ("\t", ";", ","):
        try:
            rows = list(csv.reader(lines, delimiter=delim))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistency = sum(len(r) == width for r in rows) / len(rows)
        score = (round(consistency, 1), width)
        if score > best_score:
            best, best_score = delim, score
    return best


def read_csv_grid(data: bytes) -> tuple[Grid, str, str]:
    text, encoding = _decode(data)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    try:
        for record in reader:
            rows.append((start, list(record)))
            start = reader.line_num + 1
    except csv.Error as exc:  # "field larger than field limit": a quote that is never closed
        raise CsvStructureError(start, str(exc)) from None
    return Grid(None, rows), encoding, delimiter


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


def check_workbook(path: str | Path, file: str) -> list[CellProblem]:
    """The size guards of an XLSX file, run before anything opens it with openpyxl; problems, or none.

    Refused: a file that is not a zip (or a damaged one), a zip bomb (more than :data:`XLSX_MAX_UNPACKED` bytes
    unpacked) and a sheet whose stored dimension covers more than :data:`XLSX_MAX_CELLS` cells. (A dimension
    may be missing or wrong; the reader counts the cells again as it reads.)
    """

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(info.file_size for info in members)
            if unpacked > XLSX_MAX_UNPACKED:
                return [CellProblem(file, None, None, f"{unpacked:,} bytes unpacked",
                                    f"a workbook that unpacks to at most {XLSX_MAX_UNPACKED:,} bytes",
                                    code="unpacked_size", params={"limit": XLSX_MAX_UNPACKED, "found": {
                                        "code": "error.found.unpacked", "params": {"size": unpacked}}})]
            problems = []
            for info in members:
                if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                    continue
                with archive.open(info) as member:
                    head = member.read(4096)
                found = _DIMENSION.search(head)
                if found is None or found.group(3) is None:
                    continue
                rows = int(found.group(4)) - int(found.group(2)) + 1
                cols = _column_number(found.group(3)) - _column_number(found.group(1)) + 1
                if rows * cols > XLSX_MAX_CELLS:
                    ref = found.group(0).split(b'"')[1].decode()
                    problems.append(CellProblem(
                        file, None, None, f"{info.filename}: dimension {ref} ({rows:,} rows × {cols:,} columns)",
                        f"a sheet of at most {XLSX_MAX_CELLS:,} cells (rows × columns up to the last filled "
                        "column); delete the empty rows and columns around the table", code="sheet_cells",
                        params={"limit": XLSX_MAX_CELLS, "found": {"code": "error.found.dimension", "params": {
                            "member": info.filename, "ref": ref, "rows": rows, "cols": cols}}}))
            return problems
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        return [_damaged(file, exc)]
    except Exception as exc:  # zlib.error and others from a corrupt member
        return [_damaged(file, exc)]


def read_xlsx_grids(path: Path, sheets: list[str] | None, file: str
                    ) -> tuple[list[Grid], list[CellProblem], list[Note]]:
    """Every visible (or each named) sheet of a workbook as a :class:`Grid`, the problems and notes of the file.

    A damaged workbook (not a zip, a corrupt member, broken XML: whatever openpyxl cannot parse), a zip
    bomb and an oversized sheet (:func:`check_workbook`) are problems of the file, never a crash; so is a
    formula whose result the file does not store (written by a program that does not calculate). A hidden
    sheet is read only when named in ``sheets``; the notes say which were skipped.
    """
    problems = check_workbook(path, file)
    if problems:
        return [], problems, []
    try:
        return _read_workbook(path, sheets, file)
    except Exception as exc:  # openpyxl/zlib/XML raise many types on a damaged file
        return [], [_damaged(file, exc)], []


def _has_formulas(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        if b"<f>" in chunk or b"<f " in chunk or b":f>" in chunk or b":f " in chunk:
                            return True
    return False


def _uncached_formulas(path: Path, grids: list[Grid], file: str) -> list[CellProblem]:
    """Cells holding a formula with no stored result (openpyxl reads them as empty)."""

    problems = []
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for grid in grids:
            values = dict(grid.rows)
            sheet = workbook[grid.sheet]
            sheet.reset_dimensions()
            for i, row in enumerate(sheet.iter_rows(min_row=1, max_row=len(grid.rows), values_only=True), start=1):
                cached = values.get(i, [])
                for j, formula in enumerate(row):
                    if isinstance(formula, str) and formula.startswith("=") and cell(cached, j) is None:
                        problems.append(CellProblem(
                            file, i, get_column_letter(j + 1), formula,
                            "a value; this cell holds a formula whose result the file does not store (it was "
                            "written by a program that does not calculate): open and save the file in Excel or "
                            "LibreOffice, or paste the values", sheet=grid.sheet, code="formula"))
    finally:
        workbook.close()
    return problems


def _damaged(file: str, exc: BaseException) -> CellProblem:
    return CellProblem(file, None, None, type(exc).__name__,
                       "an .xlsx workbook (this file is not one, or it is damaged)", code="xlsx")


def _read_workbook(path: Path, sheets: list[str] | None, file: str
                   ) -> tuple[list[Grid], list[CellProblem], list[Note]]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = workbook.sheetnames
        problems = [CellProblem(file, None, None, s, f"a sheet of this workbook ({', '.join(names)})", sheet=s,
                                code="sheet_of", params={"names": ", ".join(names)})
                    for s in (sheets or []) if s not in names]
        hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
        notes = [] if sheets else [Note(f"sheet {s!r} is hidden and was not read; name it with --sheet to read it",
                                        "import.note.hidden_sheet", {"sheet": s}) for s in hidden]
        chosen = [s for s in sheets if s in names] if sheets else [s for s in names if s not in hidden]
        if not sheets and not chosen:
            problems.append(CellProblem(file, None, None, ", ".join(hidden), "a visible sheet (every sheet of this "
                                        "workbook is hidden; name the ones to read with --sheet)", code="all_hidden"))
        grids = []
        for name in chosen:
            sheet = workbook[name]
            sheet.reset_dimensions()  # some writers store a wrong dimension; read every row there is
            rows, cells = [], 0
            for i, r in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
                cells += len(r)
                if cells > XLSX_MAX_CELLS:
                    problems.append(CellProblem(
                        file, i, None, f"{cells:,} cells in rows 1-{i}",
                        f"a sheet of at most {XLSX_MAX_CELLS:,} cells (rows × columns up to the last filled "
                        "column); delete the empty rows and columns around the table", sheet=name,
                        code="sheet_cells", params={"limit": XLSX_MAX_CELLS, "found": {
                            "code": "error.found.cells", "params": {"cells": cells, "row": i}}}))
                    break
                row = list(r)
                while row and row[-1] is None:
                    row.pop()
                rows.append((i, row))
            else:
                grids.append(Grid(name, rows))
    finally:
        workbook.close()
    if grids and _has_formulas(path):
        problems.extend(_uncached_formulas(path, grids, file))
    return grids, problems, notes


# -- cells ------------------------------------------------------------------------------------------------
def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and np.isnan(value))


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def year_of(value: object) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() else None
    text = "" if value is None else str(value).strip().casefold().replace("\u00a0", " ")
    match = _YEAR_HEADER.match(text)
    return int(match.group(1)) if match else None


def _roles(header: list[object], *, wide: bool, indicator_table: bool) -> dict[str, int]:
    """Column of each role found in a header row (the first column wins).

    A column headed just "unit" is the territorial unit in a long table (the contract's column name), but the
    unit of measure in a wide table that has an indicator column ("Indicator | Unit | 2015 | 2016") or another
    territorial column ("Region | Indicator | Unit | 2015").
    """
    found: dict[str, int] = {}
    bare_unit: int | None = None
    for j, cell in enumerate(header):
        norm = _norm_header(cell)
        if norm == "unit" and bare_unit is None:
            bare_unit = j
            continue
        if "unit_code" not in found and _CODE_HEADER.search(norm):
            found["unit_code"] = j
            continue
        for role, words in ROLES.items():
            if norm in words and (role not in found or role == "unit"):  # the last territorial column is the unit
                found[role] = j
                break
    if bare_unit is not None:
        as_measure = "unit" in found or (wide and ("indicator" in found or indicator_table))
        role = "measure_unit" if as_measure else "unit"
        found.setdefault(role, bare_unit)
    return found


# -- layouts ----------------------------------------------------------------------------------------------
@dataclass
class Plan:
    layout: str
    header_row: int
    header: list[str]
    roles: dict[str, int]
    year_cols: dict[int, int] = field(default_factory=dict)  # column → year
    label_col: int | None = None
    parent_cols: list[int] = field(default_factory=list)     # region (, district) columns left of the unit


def parent_columns(cells: list[object], roles: dict[str, int]) -> list[int]:
    """Territorial columns left of the unit column ("Область | Район | 2015 ..."): the unit's parents."""
    unit = roles.get("unit")
    if unit is None:
        return []
    return [j for j, c in enumerate(cells[:unit]) if _norm_header(c) in ROLES["unit"]]


def code_column(data: list[tuple[int, list[object]]], candidates: list[int]) -> int | None:
    """A column whose filled cells (at least 80 %, at least two) are 9-digit KATO codes, whatever its header."""
    for j in candidates:
        texts = [cell_text(r[j]) for _n, r in data[:HEADER_SCAN] if j < len(r) and not blank(r[j])]
        if len(texts) >= 2 and sum(bool(KATO_CODE.match(t)) for t in texts) >= 0.8 * len(texts):
            return j
    return None


def plan_layout(grid: Grid, layout: Layout, unit: str | None, indicator: str | None,
          units: NameMatcher, indicators: NameMatcher) -> Plan | None:
    for position, (rownum, cells) in enumerate(grid.rows[:HEADER_SCAN]):
        if all(blank(c) for c in cells):
            continue
        header = [cell_text(c) for c in cells]
        years = {j: y for j, c in enumerate(cells) if (y := year_of(c)) is not None and 1000 <= y <= 2999}
        roles = _roles(cells, wide=bool(years) and layout != "long", indicator_table=layout == "wide_indicators")
        data = grid.rows[position + 1:]
        if "unit_code" not in roles:
            taken = set(years) | set(roles.values())
            found = code_column(data, [j for j in range(len(cells)) if j not in taken])
            if found is not None:
                roles["unit_code"] = found
        parents = parent_columns(cells, roles)
        long_ok = "year" in roles and "value" in roles and ("indicator" in roles or indicator) and (
            "unit" in roles or "unit_code" in roles or unit)
        if layout == "long" or (layout == "auto" and long_ok):
            if long_ok:
                return Plan("long", rownum, header, roles, parent_cols=parents)
            continue
        if not years:
            continue
        side = {roles.get(r) for r in ("measure_unit", "source", "note", "unit_code")} | set(parents)
        label_candidates = [j for j in range(len(cells)) if j not in years and j not in side]
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
            label = max(label_candidates, key=lambda j: len({cell_text(r[j]) for _n, r in data
                                                             if j < len(r) and not blank(r[j])}))
        if label is None and chosen == "wide_units":
            label = roles.get("unit_code")
        return Plan(chosen, rownum, header, roles, years, label, parents if chosen != "wide_indicators" else [])
    return None


def _guess_wide(data: list[tuple[int, list[object]]], candidates: list[int], units: NameMatcher,
                indicators: NameMatcher) -> str:
    scores = {"wide_units": 0, "wide_indicators": 0}
    for j in candidates:
        labels = [cell_text(r[j]) for _n, r in data[:15] if j < len(r) and not blank(r[j])]
        for lab in labels:
            for lay, matcher in (("wide_units", units), ("wide_indicators", indicators)):
                try:
                    matcher.match(lab, suggest=False)   # a score: the error's suggestions are not read
                    scores[lay] += 1
                except UnknownNameError:
                    pass
    return "wide_units" if scores["wide_units"] > scores["wide_indicators"] else "wide_indicators"


def column_name(plan: Plan, j: int | None, xlsx: bool) -> str | None:
    if j is None:
        return None
    if j < len(plan.header) and plan.header[j]:
        return plan.header[j]
    if xlsx:
        return get_column_letter(j + 1)
    return f"#{j + 1}"


def cell(cells: list[object], j: int | None) -> object:
    return cells[j] if j is not None and j < len(cells) else None
