"""Layout mechanics of the statistics office's (BNS) Excel workbooks, used by :mod:`territoria.ingest.profiles`.

A worksheet with merged ranges filled in and the bold flags of its stub column; header paths from multi-row
merged headers ("в том числе" resolved to the column it refers to); row kinds from name suffixes; office
symbols; the reference date in a title; exact name matching within a parent's KATO subtree. Pure functions of
the cells; no I/O beyond what openpyxl already read.
"""

from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from territoria.errors import CellProblem, InputFileError
from territoria.ingest.matching import normalise_name

__all__ = ["ProfileError", "Sheet", "UnitTree", "cell_value", "col", "header", "label", "letter", "reference_date",
           "row_kind", "text"]

_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"]


class ProfileError(InputFileError):
    """A workbook does not fit its profile (or fails a check); every problem located; nothing stored."""

def text(value: object) -> str:
    return "" if value is None else re.sub(r"\s+", " ", str(value)).strip()


def label(value: object, line: int) -> str:
    lines = [ln.strip() for ln in str(value or "").split("\n") if ln.strip()]
    return re.sub(r"[:\s]+$", "", lines[line].casefold()) if lines else ""


class Sheet:
    """One worksheet with merged ranges filled in and bold flags of the stub column."""

    def __init__(self, ws, stub_col: int) -> None:
        self.name = ws.title
        self.rows = [[c.value for c in row] for row in ws.iter_rows()]
        self.bold = [bool(row[stub_col - 1].font and row[stub_col - 1].font.b) if len(row) >= stub_col else False
                     for row in ws.iter_rows()]
        self.merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        for r0, c0, r1, c1 in self.merged:
            top = self.rows[r0 - 1][c0 - 1]
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    self.rows[r - 1][c - 1] = top

    def cell(self, r: int, c: int) -> object:
        row = self.rows[r - 1] if r - 1 < len(self.rows) else []
        return row[c - 1] if c - 1 < len(row) else None

    def range_start(self, r: int, c: int) -> int:
        for r0, c0, r1, c1 in self.merged:
            if r0 <= r <= r1 and c0 <= c <= c1:
                return c0
        return c


def header(sheet: Sheet, prof, file: str) -> tuple[int, dict[int, str]]:
    """First data row and measure of each value column."""
    spec, stub = prof["header"], col(prof["stub_column"])
    first = next((r for r in range(2, spec["scan_rows"] + 1)
                  if isinstance(sheet.cell(r, stub + 1), int | float) and text(sheet.cell(r, stub))), None)
    if first is None:
        raise ProfileError(file, [CellProblem(file, None, None, None, f"a data row within the first "
                                              f"{spec['scan_rows']} rows (a number in column B)", sheet=sheet.name,
                                              code="profile_data_row", params={"rows": spec["scan_rows"]})])
    unit_words = {w.casefold() for w in spec.get("units_line", [])}
    header_rows = [r for r in range(2, first)
                   if {text(sheet.cell(r, c)).casefold() for c in range(stub, 30)} - {""} - unit_words]
    of_which = {w.casefold() for w in spec["of_which"]}
    wanted = {tuple(v): k for k, v in prof["measures"].items()}
    measures: dict[int, str] = {}
    problems = []
    width = max(len(sheet.rows[first - 1]), stub + 1)
    for c in range(stub + 1, width + 1):
        path: list[str] = []
        for r in header_rows:
            lab = label(sheet.cell(r, c), spec["language_line"])
            if lab in of_which:
                left = sheet.range_start(r, c) - 1
                lab = next((x for rr in (r, *reversed([h for h in header_rows if h < r]))
                            if (x := label(sheet.cell(rr, left), spec["language_line"])) and x not in of_which), lab)
            if lab and (not path or path[-1] != lab):
                path.append(lab)
        # "of which" chains: keep the first label and the distinct specific ones
        path = [p for i, p in enumerate(path) if p not in path[:i]]
        if not path:
            continue
        measure = wanted.get(tuple(path))
        if measure is None:
            problems.append(CellProblem(file, header_rows[-1] if header_rows else first, letter(c), " > ".join(path),
                                        f"a header of profile {prof.name} ({', '.join(wanted.values())})",
                                        sheet=sheet.name, code="profile_header", params={
                                            "profile": prof.name, "headers": "; ".join(" > ".join(k) for k in wanted)}))
        else:
            measures[c] = measure
    missing = set(wanted.values()) - set(measures.values())
    if missing:
        problems.append(CellProblem(file, first - 1, None, sorted(measures.values()),
                                    f"columns for every measure of profile {prof.name} (missing {sorted(missing)})",
                                    sheet=sheet.name, code="profile_measures", params={
                                        "profile": prof.name, "missing": "; ".join(
                                            " > ".join(k) for k, m in wanted.items() if m in missing),
                                        "found": {"code": "error.found.profile_columns", "params": {
                                            "headers": "; ".join(" > ".join(k) for k, m in wanted.items()
                                                                 if m in measures.values())}}}))
    if problems:
        raise ProfileError(file, problems)
    return first, measures


def col(letter: str) -> int:
    return column_index_from_string(letter)


def letter(c: int) -> str:
    return get_column_letter(c)


def row_kind(name: str, suffixes: dict[str, list[str]]) -> str | None:
    low = name.casefold()
    best = None
    for kind, ends in suffixes.items():
        for end in ends:
            e = end.casefold()
            if (low.endswith(" " + e) or low == e or (e.endswith(".") and low.endswith(e) and " " in low)) and \
                    (best is None or len(e) > best[1]):
                best = (kind, len(e))
    return best[0] if best else None


def reference_date(title: str, prof) -> date | None:
    match = re.search(prof["reference_date"]["pattern"], title)
    if not match:
        return None
    try:
        return date(int(match.group(3)), _MONTHS.index(match.group(2)) + 1, int(match.group(1)))
    except ValueError:  # "31 февраля", day 0, year 0: no date; the caller refuses the title
        return None


def cell_value(raw: object, symbols: dict[str, str]) -> tuple[float | None, str] | None:
    """``(value, flag)`` of a cell, None when it is not a number or a known symbol."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return (float(raw), "ok") if math.isfinite(raw) else None
    txt = text(raw)
    if not txt:
        return None, "missing"
    txt = re.sub(r"(\*+|\d\))$", "", txt).strip()  # footnote marks
    if txt in symbols:
        flag = symbols[txt]
        return (0.0 if flag in ("absent", "negligible") else None), flag
    try:
        number = float(txt.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except ValueError:
        return None
    return (number, "ok") if math.isfinite(number) else None  # "nan", "inf", "1e999" are not office numbers


class UnitTree:
    """Children and name keys of the Store's units, for exact matching under one parent."""

    def __init__(self, table: pd.DataFrame) -> None:
        codes = table["code"].astype(str).tolist()  # plain lists: iterating Arrow-backed columns is slow
        self.level = dict(zip(codes, table["level"].tolist(), strict=True))
        self.kind = dict(zip(codes, table["kind"].tolist(), strict=True))
        self.children: dict[str, list[str]] = {}
        for code, parent in zip(codes, table["parent"].tolist(), strict=True):
            if isinstance(parent, str) and parent:
                self.children.setdefault(parent, []).append(code)
        self.keys: dict[str, set[str]] = {}
        for col in ("name_ru", "name_kk", "name_en"):
            for code, name in zip(codes, table[col].tolist(), strict=True):
                if isinstance(name, str) and name.strip():
                    self.keys.setdefault(code, set()).add(normalise_name(name))

    def descendants(self, code: str) -> list[str]:
        out, todo = [], list(self.children.get(code, []))
        while todo:
            c = todo.pop()
            out.append(c)
            todo.extend(self.children.get(c, []))
        return out

    def match(self, name: str, candidates: list[str], kinds: list[str]) -> list[str]:
        """Candidates named ``name`` of the first of ``kinds`` that has any; of a parent-child pair sharing the name
        (a town administration and its town, "г.а.Алтай" / "г.Алтай"), the child."""
        key = normalise_name(name)
        found = [c for c in candidates if key in self.keys.get(c, ()) and self.kind.get(c) in kinds]
        if found:
            first = min(kinds.index(self.kind[c]) for c in found)
            found = [c for c in found if kinds.index(self.kind[c]) == first]
        if len(found) > 1:
            inner = [c for c in found if not any(c in self.children.get(o, ()) for o in found)]
            leaves = [c for c in found if not any(o in self.children.get(c, ()) for o in found)]
            if len(inner) == 1 and len(leaves) == 1:
                found = leaves
        return sorted(found)
