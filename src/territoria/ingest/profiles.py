"""Statistics-office tables read through YAML table profiles (``profiles/*.yaml``).

BNS workbooks carry no codes: a row is known by its name, and its level by typography (bold), blank rows and
name suffixes ("қ.ә." / "Г.А." city administration, "ауданы" / "район" district, "қаласы" city, "қ." town,
"к." / "п." settlement, "а." / "с." village). A profile records, per table family: sheets, header detection,
the stub column, level signals, measure mapping by header path, row identities, office symbols, the
reference date in the title and the footer to cut. Reading:

1. header: the first row with a number in the first value column starts the data; the rows above (below the
   units line) are the header. Merged cells are filled across and down, bilingual labels split at the
   newline, and an "of which" label is replaced by the label of the column left of its merged range, so that
   each column gets a path such as ``все население > городское население > мужчины``;
2. body: a state machine over the stub (bold → country / region; suffixes → kind; a blank row closes a block);
   in the settlements sheet an "ауданы" row is a district when the district sheet lists that name with the
   same total in the region, otherwise a city district of the city above it;
3. names → KATO by exact normalised name (:func:`territoria.ingest.matching.normalise_name` of the Kazakh,
   Russian or English name) among the children (districts) or descendants (towns) of the parent only; a name
   twice under one parent is an error; unmatched names of required kinds are an error, others are reported.
   A profile's ``curated_matches`` (parent KATO -> row name -> KATO code, each with its evidence in the YAML)
   pins a spelling the KATO file does not carry; the pinned code must lie under that parent and be of a kind
   the row may match, or the read fails;
4. checks: row identities (total = male + female = urban + rural ...) and, in additive sheets, districts sum to
   their region and regions to the country (exactly: the office publishes integers).

Any failure raises :class:`ProfileError` naming the file, sheet, row and value; nothing is stored. The
workbook mechanics (merged headers, suffixes, symbols, matching within a parent) live in
:mod:`territoria.ingest.workbook`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import yaml
from rich.markup import escape

from territoria.errors import CellProblem, InputFileError, SpecError
from territoria.ingest.matching import normalise_name
from territoria.ingest.tables import check_workbook
from territoria.ingest.workbook import (
    ProfileError,
    Sheet,
    UnitTree,
    cell_value,
    col,
    header,
    letter,
    reference_date,
    row_kind,
    text,
)
from territoria.store import import_observations

__all__ = ["Profile", "ProfileError", "ProfileResult", "load_profile", "profiles", "read_with_profile",
           "recognise"]

PROFILE_DIR = Path(__file__).with_name("profiles")


@dataclass(frozen=True)
class Profile:
    name: str
    spec: dict
    file: str

    def __getitem__(self, key: str):
        return self.spec[key]

    def get(self, key: str, default: object = None):
        return self.spec.get(key, default)


def load_profile(name_or_path: str | Path) -> Profile:
    """A profile by name (``profiles/<name>.yaml``) or path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        raise SpecError("profile", f"no table profile {str(name_or_path)!r}; known: {', '.join(profiles())}")
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("name", "recognise", "sheets", "measures", "levels", "store"):
        if key not in spec:
            raise SpecError(key, "required in a table profile", file=str(path))
    return Profile(spec["name"], spec, str(path))


def profiles() -> list[str]:
    """Names of the packaged profiles."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


@cache
def _packaged() -> tuple[Profile, ...]:
    return tuple(load_profile(name) for name in profiles())


def recognise(path: str | Path) -> Profile | None:
    """The first packaged profile whose sheets, title and header words are all found in the workbook.

    The size guards (:func:`territoria.ingest.tables.check_workbook`) run first: a damaged, bomb-like or
    oversized workbook is an :class:`~territoria.errors.InputFileError` before openpyxl parses anything.
    """
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    book = _open_guarded(path, read_only=True)
    try:
        for prof in _packaged():
            rec = prof["recognise"]
            if not all(s in book.sheetnames for s in rec["sheets"]):
                continue
            sheet = book[rec["sheets"][0]]
            head = " ".join(text(c) for row in sheet.iter_rows(max_row=12, values_only=True) for c in row if c)
            if all(w in head for w in rec.get("title_contains", []) + rec.get("header_contains", [])):
                return prof
    finally:
        book.close()
    return None


def _open_guarded(path: str | Path, *, read_only: bool) -> Any:
    """The workbook, opened only after the size guards passed; a damaged or oversized file is an InputFileError."""

    file = str(path)
    problems = check_workbook(path, file)
    if problems:
        raise InputFileError(file, problems)
    try:
        return openpyxl.load_workbook(path, read_only=read_only, data_only=True)
    except Exception as exc:  # openpyxl/zlib/XML raise many types on a damaged file
        raise InputFileError(file, [CellProblem(file, None, None, type(exc).__name__, "an .xlsx workbook (this file "
                                                "is not one, or it is damaged)", code="xlsx")]) from None


@dataclass
class ProfileResult:
    """What a profile read: tidy values, Store rows, the name matches and what stayed unmatched."""

    profile: str
    file: str
    reference_date: date
    values: pd.DataFrame        # sheet, row, name_raw, kind, kato, parent_kato, measure, value, flag
    observations: pd.DataFrame  # unit, indicator, year, value, row, note (for import_observations)
    unmatched: pd.DataFrame     # sheet, row, name_raw, kind, parent_kato, status, candidates
    notes: list[str] = field(default_factory=list)


def read_with_profile(path: str | Path, units: pd.DataFrame, profile: Profile | str | None = None) -> ProfileResult:
    """Read ``path`` with ``profile`` (recognised when None) and match every row to a KATO code.

    Parameters
    ----------
    path : str or Path
        The workbook.
    units : DataFrame
        The Store's units (``code`` index or column; ``parent``, ``level``, ``kind``, ``name_ru``, ``name_kk``,
        ``name_en``).
    profile : Profile or str, optional
        Profile or its name; recognised from the workbook when None.

    Raises
    ------
    ProfileError
        The workbook does not fit the profile, a required name is unmatched or found twice under one parent,
        a row identity or a sum fails. Every problem names the sheet, row and value.
    InputFileError
        The file is damaged, a zip bomb or an oversized sheet (checked before it is opened).
    """
    file = str(path)
    prof = profile if isinstance(profile, Profile) else (load_profile(profile) if profile else recognise(path))
    if prof is None:
        raise SpecError("profile", f"{file}: no table profile recognises this workbook; pass --profile "
                        f"({', '.join(profiles())})")
    book = _open_guarded(path, read_only=False)
    try:
        missing = [s for s in prof["sheets"] if s not in book.sheetnames]
        if missing:
            raise ProfileError(file, [CellProblem(file, None, None, s, f"a sheet named {s!r} (profile {prof.name}; "
                                                  f"sheets here: {', '.join(book.sheetnames)})", sheet=s,
                                                  code="profile_sheet", params={
                                                      "sheet": s, "profile": prof.name,
                                                      "names": ", ".join(book.sheetnames)})
                                      for s in missing])
        sheets = {s: Sheet(book[s], col(prof["stub_column"])) for s in prof["sheets"]}
    finally:
        book.close()
    first_name = next(iter(sheets))
    title = text(sheets[first_name].cell(1, 1))
    when = reference_date(title, prof)
    if when is None:
        raise ProfileError(file, [CellProblem(file, 1, prof["title_cell"], title[:120],
                                              "a reference date such as 'на 1 января 2023 года' in the title",
                                              sheet=first_name, code="profile_date")])
    table = units.reset_index() if "code" not in units.columns else units
    return _read_body(prof, sheets, table, file, when)


def _read_body(prof: Profile, sheets: dict[str, Sheet], table: pd.DataFrame, file: str,
               when: date) -> ProfileResult:
    units, stub = UnitTree(table), col(prof["stub_column"])
    suffixes, symbols = prof["levels"]["suffixes"], prof["symbols"]
    footer = [re.compile(p, re.IGNORECASE) for p in prof["footer"]]
    required = set(prof["store"]["required_kinds"])
    kato_kinds, aliases = prof["kato_kinds"], prof.get("aliases") or {}
    curated = {str(parent): {str(k): str(v) for k, v in (names or {}).items()}
               for parent, names in (prof.get("curated_matches") or {}).items()}
    city_suffix = tuple(s.casefold() for s in prof["levels"]["republican_city_suffix"])
    problems: list[CellProblem] = []
    values, unmatched = [], []
    district_totals: set[tuple[str, str, float]] = set()
    letters: dict[str, dict[str, str]] = {}   # sheet -> measure -> its column's letter, to locate a cell

    def problem(sheet: str, r: int, col: str | None, value: object, expected: str, code: str,
                **params: object) -> None:
        problems.append(CellProblem(file, r, col, value, expected, sheet=sheet, code=code, params=params))

    for sheet_name, cfg in prof["sheets"].items():
        sh = sheets[sheet_name]
        first, measures = header(sh, prof, file)
        letters[sheet_name] = {m: letter(c) for c, m in measures.items()}
        country = region = context = city = None
        region_is_city, seen = False, {}
        for r in range(first, len(sh.rows) + 1):
            name = text(sh.cell(r, stub))
            name = aliases.get(name, name)  # curated misprints of an edition
            raw = {m: sh.cell(r, c) for c, m in measures.items()}
            if not name and all(text(v) == "" for v in raw.values()):
                context = city = None
                continue
            if any(p.search(name) for p in footer):
                break
            parsed = {}
            for c, m in measures.items():
                got = cell_value(sh.cell(r, c), symbols)
                if got is None:
                    problem(sheet_name, r, letter(c), sh.cell(r, c), "a number or an office symbol (-, х, …)",
                            "profile_number")
                else:
                    parsed[m] = got
            if not name or all(f == "missing" for _v, f in parsed.values()):
                problem(sheet_name, r, prof["stub_column"], name, "a named row with values (or the footer)",
                        "profile_named_row")
                continue
            if sh.bold[r - 1]:
                kind = "country" if country is None else "region"
            else:
                kind = row_kind(name, suffixes)
                if kind is None:
                    known = ", ".join(s for v in suffixes.values() for s in v)
                    problem(sheet_name, r, prof["stub_column"], name, f"a name ending in a known suffix ({known})",
                            "profile_suffix", suffixes=known)
                    continue
            parent, candidates = None, []
            if kind == "country":
                found, country = ["KZ"], "KZ"
            elif kind == "region":
                region_is_city, context, city = name.casefold().endswith(city_suffix), None, None
                found = units.match(name, units.children.get("KZ", []),
                                    kato_kinds["republican_city" if region_is_city else "region"])
                parent = "KZ"
            else:
                if region is None:
                    problem(sheet_name, r, prof["stub_column"], name, "a region row (bold) above it",
                            "profile_region_above")
                    continue
                district_level = [c for c in units.children.get(region, []) if units.level[c] == "district"]
                if kind == "district" and (region_is_city or (
                        cfg["role"] == "settlements" and city is not None
                        and (region, normalise_name(name), parsed.get("total", (None,))[0]) not in district_totals)):
                    kind = "city_district"
                if kind in ("city_administration", "district") or (kind == "city_district" and region_is_city):
                    parent, candidates = region, district_level
                elif kind == "city_district":  # a district of a city of regional significance: under its CA
                    parent, candidates = context, units.descendants(context) if context else []
                else:
                    parent, candidates = context, units.descendants(context) if context else []
                pinned = curated.get(str(parent), {}).get(name)
                if pinned is None:
                    found = units.match(name, candidates, kato_kinds[kind])
                elif pinned in candidates and units.kind.get(pinned) in kato_kinds[kind]:
                    found = [pinned]  # a spelling the KATO file does not carry, curated with its evidence
                else:
                    problem(sheet_name, r, prof["stub_column"], name, f"the curated match {pinned} (profile "
                            f"curated_matches) to be a {'/'.join(kato_kinds[kind])} unit under {parent}",
                            "profile_curated", pinned=pinned, parent=parent,
                            kinds=[_kind(k) for k in kato_kinds[kind]])
                    continue
            key = (parent, normalise_name(name), "republican_city" if kind == "region" and region_is_city else kind)
            if key in seen:
                problem(sheet_name, r, prof["stub_column"], name, f"one row per name under {parent} "
                        f"(also row {seen[key]}); the table lists this {kind} twice", "profile_twice",
                        parent=parent, first_row=seen[key], row_kind=_kind(kind))
                continue
            seen[key] = r
            kato = found[0] if len(found) == 1 else None
            if kato is None:
                status = "ambiguous" if found else "unmatched"
                unmatched.append({"sheet": sheet_name, "row": r, "name_raw": name, "kind": kind, "parent_kato": parent,
                                  "status": status, "candidates": ";".join(found)})
                if kind in required:
                    problem(sheet_name, r, prof["stub_column"], name, f"exactly one KATO {kind} under {parent} "
                            f"with this name ({status}{': ' + ', '.join(found) if found else ''})",
                            "profile_unmatched", row_kind=_kind(kind), parent=parent,
                            found=", ".join(found) or None)
            if kind == "region":
                region = kato
            elif kind in ("city_administration", "district"):
                context, city = kato, None
                if cfg["role"] == "districts" and kato:
                    district_totals.add((region, normalise_name(name), parsed.get("total", (None,))[0]))
            elif kind == "city":
                city = kato
            for m, (v, flag) in parsed.items():
                values.append({"sheet": sheet_name, "row": r, "name_raw": name, "kind": kind, "kato": kato,
                               "parent_kato": parent, "measure": m, "value": v, "flag": flag})
            for total, a, b in prof.get("identities", []):
                x, y, z = (parsed.get(k, (None,))[0] for k in (total, a, b))  # a bad cell is reported above
                if None not in (x, y, z) and abs(x - (y + z)) > 1e-9:
                    problem(sheet_name, r, letters[sheet_name].get(total, total), x,
                            f"{total} = {a} + {b} = {y + z:,.0f}", "profile_identity", total=_measure(prof, total),
                            a=_measure(prof, a), b=_measure(prof, b), sum=float(y + z))
    frame = pd.DataFrame(values)
    if not problems:
        problems += _sum_checks(frame, prof, file, letters)
    if problems:
        raise ProfileError(file, problems)
    return ProfileResult(prof.name, file, when, frame, _observations(frame, prof, when, file),
                         pd.DataFrame(unmatched, columns=["sheet", "row", "name_raw", "kind", "parent_kato", "status",
                                                          "candidates"]),
                         [prof["store"].get("note", "")])


def _kind(kind: str) -> dict[str, Any]:
    """A row or KATO kind as a message parameter, worded by the reader's catalogue."""
    return {"code": "error.profile_kind", "params": {"kind": kind}}


def _measure(prof: Profile, measure: str) -> str:
    """A measure as the bulletin's own header path (Russian, as the profile records it), not its English id."""
    return " > ".join(prof["measures"].get(measure, [measure]))


def _sum_checks(frame: pd.DataFrame, prof: Profile, file: str,
                letters: dict[str, dict[str, str]]) -> list[CellProblem]:
    out = []
    for sheet_name, cfg in prof["sheets"].items():
        if not cfg.get("additive"):
            continue
        part = frame[(frame["sheet"] == sheet_name) & frame["value"].notna()]
        for (kind_parent, kinds) in (("country", ["region"]),
                                     ("region", ["city_administration", "district", "city_district"])):
            for _, whole in part[part["kind"] == kind_parent].iterrows():
                kids = part[part["kind"].isin(kinds) & (part["parent_kato"] == whole["kato"])
                            & (part["measure"] == whole["measure"])]
                if len(kids) and abs(kids["value"].sum() - whole["value"]) > 1e-6:
                    out.append(CellProblem(
                        file, int(whole["row"]), letters.get(sheet_name, {}).get(whole["measure"], whole["measure"]),
                        whole["value"], f"the sum of its {len(kids)} {'/'.join(kinds)} rows "
                                        f"({kids['value'].sum():,.0f})", sheet=sheet_name, code="profile_sum",
                        params={"n": len(kids), "kinds": [_kind(k) for k in kinds], "sum": float(kids["value"].sum()),
                                "measure": _measure(prof, whole["measure"])}))
    return out


def _observations(frame: pd.DataFrame, prof: Profile, when: date, file: str) -> pd.DataFrame:
    store = prof["store"]
    keep = frame[frame["kind"].isin(store["kinds"]) & frame["kato"].notna() & frame["measure"].isin(store["indicator"])
                 & frame["flag"].isin(["ok", "absent"])]
    keep = keep.drop_duplicates(["kato", "measure"], keep="first")  # a district appears in sheets 02 and 03
    return pd.DataFrame({"unit": keep["kato"].astype(str), "indicator": keep["measure"].map(store["indicator"]),
                         "year": when.year, "value": keep["value"].astype(float), "row": keep["row"].astype(int),
                         "note": [f"{Path(file).name} sheet {s} row {r}; {n}" for s, r, n in
                                  zip(keep["sheet"], keep["row"], keep["name_raw"], strict=True)]}
                        ).reset_index(drop=True)


def profile_for(path: str | Path, name: str | None, *, plain: bool = True) -> Profile | None:
    """The profile named ``name``, else the one recognising ``path`` (only when ``plain``: no reader options)."""
    if name:
        return load_profile(name)
    return recognise(path) if plain else None


def import_with_profile(store, path: str | Path, profile: Profile, *, units: pd.DataFrame | None = None,
                        source_id: str | None = None, revise: bool = False, console=None):
    """Read ``path`` with ``profile`` and store its rows with :func:`territoria.store.import_observations`.

    Says which profile it used and which names stayed unmatched (kinds the profile does not require).
    Returns the :class:`~territoria.store.importing.ImportReport`.
    """


    units = store.units() if units is None else units
    result = read_with_profile(path, units, profile)
    if console is not None:
        console.print(f"profile [bold]{escape(profile.name)}[/] ({escape(profile.get('title', ''))}); reference "
                      f"date {result.reference_date.isoformat()}; {len(result.observations)} value(s) matched to KATO")
        for _, row in result.unmatched.iterrows():
            console.print(escape(f"not matched ({row['status']}): sheet {row['sheet']} row {row['row']} "
                                 f"{row['name_raw']!r} ({row['kind']} under {row['parent_kato']}); not stored"),
                          style="yellow")
    sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return import_observations(store, result.observations, file=str(path), file_sha256=sha, source_id=source_id,
                               revise=revise, options={"profile": profile.name,
                                                       "reference_date": result.reference_date.isoformat()})
