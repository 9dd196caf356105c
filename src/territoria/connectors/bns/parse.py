"""Read a BNS dynamic-table export as published (pure: bytes in, DataFrame out).

The layout (``raw_format/`` excerpts of the stored exports; docs/data.md): UTF-8, tab-separated, every field
quoted; the header ``NAM DAT PERIOD КАТО(по отчету) LКАТО(по отчету)``, then one pair ``<dimension>
L<dimension>`` per breakdown (type of area, sex, age group, form of ownership ...), then ``VAL``. NAM is the
indicator with its unit in brackets, DAT the year as ``"2021 год"``, PERIOD ``YYYY12``; the unit name is
printed in upper case; VAL uses spaces as thousands separators and a decimal comma.

Anything else is a :class:`~territoria.connectors.bns.errors.LayoutError` naming the table, the line, the
column, the value and what was expected: an HTML page, a changed header, a row with too few fields (a
truncated download), a year or value that cannot be read.
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from territoria.connectors.bns.errors import LayoutError
from territoria.connectors.bns.registry import TableEntry
from territoria.connectors.taldau.transport import html_title
from territoria.ingest.numbers import NumberFormatError, parse_number

__all__ = ["FIXED_HEADER", "Export", "parse_export", "select_breakdown"]

FIXED_HEADER = ("NAM", "DAT", "PERIOD", "КАТО(по отчету)", "LКАТО(по отчету)")
_YEAR = re.compile(r"^(\d{4})\s+год$")
_PERIOD = re.compile(r"^\d{6}$")
_NAM = re.compile(r"^(?P<name>.*?)\s*\((?P<unit>[^()]*)\)\s*$")


class Export:
    """A parsed export: ``rows`` (line, block, name, year, period, value, dim_1..dim_n), dimensions, unit."""

    def __init__(self, *, rows: pd.DataFrame, dimensions: tuple[str, ...], nam: str, unit: str,
                 unnamed: pd.DataFrame) -> None:
        self.rows, self.dimensions, self.nam, self.unit, self.unnamed = rows, dimensions, nam, unit, unnamed


def _fail(where: str, message: str) -> LayoutError:
    return LayoutError(f"{where}: {message}; nothing stored")


def _header(fields: list[str], entry: TableEntry, where: str) -> tuple[str, ...]:
    expected = ("the published header " + " ".join(FIXED_HEADER) + " <dimension> L<dimension> ... VAL, "
                "tab-separated and quoted")
    if tuple(fields[:5]) != FIXED_HEADER or fields[-1:] != ["VAL"] or (len(fields) - 6) % 2:
        raise _fail(where, f"line 1: header {fields[:8]!r}{' ...' if len(fields) > 8 else ''} is not {expected} "
                           "(the layout changed or this is not a dynamic-table export)")
    middle = fields[5:-1]
    dims = tuple(middle[0::2])
    for dim, code in zip(middle[0::2], middle[1::2], strict=True):
        if code != "L" + dim:
            raise _fail(where, f"line 1: dimension column {dim!r} is followed by {code!r}, expected {'L' + dim!r}")
    if entry.dimensions is not None and dims != entry.dimensions:
        raise _fail(where, f"line 1: breakdown columns {list(dims)} differ from the registry's "
                           f"{list(entry.dimensions)} (the layout changed; check the table and update the registry)")
    return dims


def parse_export(body: bytes, *, entry: TableEntry, where: str | None = None) -> Export:
    """Parse the bytes of one export of ``entry``'s table.

    Parameters
    ----------
    body : bytes
        The file as downloaded.
    entry : TableEntry
        The registry entry (expected NAM, unit, breakdown columns).
    where : str, optional
        How to name the file in messages (default: the table).

    Returns
    -------
    Export
        ``rows``: one row per printed line with a unit name (``line`` is the 1-based line number);
        ``unnamed``: the lines whose unit field is empty (reported, never guessed).

    Raises
    ------
    LayoutError
        HTML instead of CSV, not UTF-8, a changed header, a short row, an unreadable year or value,
        a NAM naming another indicator or unit.
    """
    where = where or entry.describe()
    title = html_title(body)
    if title is not None:
        raise _fail(where, f"an HTML page ({title!r}) was received instead of the tab-separated CSV export")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(where, f"not UTF-8 text ({exc}); expected the tab-separated CSV export") from None
    if not text.strip():
        raise _fail(where, "the file is empty; expected the tab-separated CSV export")
    if not text.lstrip().startswith('"NAM"'):
        raise _fail(where, f"line 1 starts with {text[:40]!r}; expected the quoted header '\"NAM\"\\t\"DAT\"...'")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quotechar='"', strict=True)
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise _fail(where, f"line {reader.line_num}: {exc} (a truncated download or a changed layout)") from None
    dims = _header(lines[0], entry, where)
    width = len(lines[0])
    records: list[dict[str, object]] = []
    nam_seen: str | None = None
    for number, fields in enumerate(lines[1:], start=2):
        if not fields or fields == [""]:
            continue
        if len(fields) != width:
            raise _fail(where, f"line {number}: {len(fields)} field(s), expected {width} as in the header "
                               "(a truncated download or a changed layout)")
        nam, dat, period, name = fields[0], fields[1], fields[2], fields[3].strip()
        if nam != nam_seen:
            if nam_seen is not None:
                raise _fail(where, f"line {number}, column NAM: {nam!r} differs from {nam_seen!r} (one indicator "
                                   "per export expected)")
            nam_seen = nam
        year = _YEAR.match(dat.strip())
        if year is None:
            raise _fail(where, f"line {number}, column DAT: {dat!r}; expected a year such as '2021 год'")
        if not _PERIOD.match(period.strip()):
            raise _fail(where, f"line {number}, column PERIOD: {period!r}; expected YYYYMM such as '202112'")
        try:
            value = parse_number(fields[-1])
        except NumberFormatError:
            raise _fail(where, f"line {number}, column VAL: {fields[-1]!r}; expected a number with spaces "
                               "between thousands and a decimal comma, e.g. '10 512 659' or '12,5'") from None
        record: dict[str, object] = {"line": number, "name": name, "year": int(year.group(1)),
                                     "period": period.strip(), "value": value, "raw_value": fields[-1]}
        for i in range(len(dims)):
            record[f"dim_{i + 1}"] = fields[5 + 2 * i].strip()
        records.append(record)
    if nam_seen is None:
        raise _fail(where, "the export has a header but no rows")
    nam_match = _NAM.match(nam_seen)
    if nam_match is None:
        raise _fail(where, f"column NAM: {nam_seen!r}; expected '<indicator>(<unit>)'")
    name_ru, unit = nam_match.group("name").strip(), nam_match.group("unit").strip()
    if not name_ru.casefold().startswith(entry.name_ru.casefold()):
        raise _fail(where, f"column NAM: {nam_seen!r} is not {entry.name_ru!r} (another table, or it was renamed)")
    if entry.unit is not None and unit.casefold() != entry.unit.casefold():
        raise _fail(where, f"column NAM: unit {unit!r}, the registry expects {entry.unit!r}")
    frame = pd.DataFrame.from_records(records)
    if frame["value"].isna().any():
        bad = frame[frame["value"].isna()].iloc[0]
        raise _fail(where, f"line {bad['line']}, column VAL: {bad['raw_value']!r} is empty or a missing marker; "
                           "the exports omit empty cells, so a printed row is expected to carry a number")
    frame["value"] = frame["value"].astype(float) / entry.val_scale
    frame.insert(1, "block", (frame["name"] != frame["name"].shift()).cumsum().astype(int))
    unnamed = frame[frame["name"] == ""].reset_index(drop=True)
    named = frame[frame["name"] != ""].reset_index(drop=True)
    return Export(rows=named, dimensions=dims, nam=nam_seen, unit=unit, unnamed=unnamed)


def select_breakdown(export: Export, *, entry: TableEntry, total_labels: tuple[str, ...],
                     where: str | None = None) -> pd.DataFrame:
    """Keep or total the breakdown dimensions as the registry says; one row per printed unit line and year.

    Every dimension is ``total`` unless ``entry.breakdown`` names it (by header or 1-based position):
    ``total`` keeps the rows labelled with one of ``total_labels``, a label keeps that category, ``sum`` adds
    the categories up (the first line of each group is kept as its line). Returns columns
    ``line, block, name, year, value`` (``block``: a run of lines with the same printed name).
    """
    where = where or entry.describe()
    frame = export.rows
    totals = {t.casefold() for t in total_labels}
    sums: list[str] = []
    known = {d for d in export.dimensions} | {str(i + 1) for i in range(len(export.dimensions))}
    unknown = [k for k in entry.breakdown if k not in known]
    if unknown:
        raise _fail(where, f"registry breakdown names {unknown}, the export's dimensions are "
                           f"{list(export.dimensions)}")
    for i, dim in enumerate(export.dimensions, start=1):
        col = f"dim_{i}"
        policy = entry.breakdown.get(dim, entry.breakdown.get(str(i), "total"))
        if policy == "sum":
            sums.append(col)
        elif policy == "total":
            frame = frame[frame[col].str.casefold().isin(totals)]
        else:
            frame = frame[frame[col] == policy]
        if frame.empty:
            wanted = f"a total label {list(total_labels)}" if policy == "total" else repr(policy)
            raise _fail(where, f"no row has {wanted} in dimension {dim!r}; set its breakdown in the registry "
                               "(total, sum or a label)")
    if sums:
        keys = ["block", "name", "year"] + [c for c in frame.columns if c.startswith("dim_") and c not in sums]
        frame = (frame.groupby(keys, sort=False, as_index=False)
                 .agg(line=("line", "min"), value=("value", "sum")))
    return frame[["line", "block", "name", "year", "value"]].sort_values("line").reset_index(drop=True)
