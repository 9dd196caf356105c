"""Stored, named and versioned assessments: save a Result in the Store, list, load and resolve them.

An assessment is stored under a name. Saving the same spec on the same data again changes nothing
(:func:`save_assessment` returns the stored version); a changed spec or changed data make a new
version, with a line saying what changed. Each version keeps the files of :meth:`Result.save`
(Parquet tables and ``result.json``) byte for byte, the validated input the run started from (so
what-if and the uncertainty analysis can run on a loaded assessment) and the uncertainty summary
(rank intervals and Sobol indices), all written in one transaction: all or nothing.

:func:`resolve_assessment` is what every interface (CLI, reports, web) uses to choose the assessment
of a unit: the named one, or the latest assessment of the unit's own level that rates the unit; it
never falls back to another level, and its errors name the unit and the assessments that exist.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from territoria.assess.inputs import Prepared
from territoria.assess.result import Result
from territoria.errors import DataError, UnknownNameError
from territoria.store.store import remembered

__all__ = ["NAME_PATTERN", "REF_PATTERN", "StoredAssessment", "UnknownAssessmentError", "assessment_parts",
           "describe_changes", "list_assessments", "load_assessment", "parse_assessment_ref", "resolve_assessment",
           "save_assessment", "store_spec_assessment"]

#: A stored assessment's name; ``REF_PATTERN`` adds an optional ``@VERSION`` (``regions@2``) to choose a version.
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}"
REF_PATTERN = NAME_PATTERN + r"(?:@[0-9]{1,9})?"

_INPUT = "input/"
_UNCERTAINTY = "uncertainty/"


class UnknownAssessmentError(UnknownNameError):
    """No stored assessment of that name (level, version); the message lists those that are stored."""

    def __init__(self, what: str, existing: str) -> None:
        super().__init__("assessment", what)
        self.args = (f"unknown assessment {what}; {existing}",)


@dataclass
class StoredAssessment(Result):
    """A :class:`~territoria.assess.result.Result` loaded from the Store, with where it comes from.

    Attributes (besides the Result's)
    ----------
    name, version : str, int
        The assessment's name and version in the Store.
    level : str or None
        Level of the units it rates (region, district, settlement).
    years : tuple of int
    created_at : str
    changes : str
        What changed since the previous version ("" for version 1).
    rank_intervals : DataFrame or None
        The stored uncertainty summary per unit: ``score, rank, rank_median, rank_p05, rank_p95``.
    sensitivity : DataFrame or None
        Sobol first-order and total indices of the uncertain choices.
    """

    name: str = ""
    version: int = 0
    level: str | None = None
    years: tuple[int, ...] = ()
    created_at: str = ""
    changes: str = ""
    rank_intervals: pd.DataFrame | None = field(default=None, repr=False)
    sensitivity: pd.DataFrame | None = field(default=None, repr=False)
    created: bool = field(default=False, repr=False)

    @property
    def label(self) -> str:
        """``name v2 (district, 2023)``: what messages say about the assessment used."""
        years = ", ".join(map(str, self.years)) if len(self.years) <= 3 else f"{self.years[0]}–{self.years[-1]}"
        return f"'{self.name}' v{self.version} ({self.level or 'any level'}, {years})"


# -- serialisation -------------------------------------------------------------------------------
def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    out = frame.copy()
    out.columns = [str(c) for c in out.columns]
    out.to_parquet(buffer)
    return buffer.getvalue()


def _frame(content: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(content))


def assessment_parts(result: Result, *, uncertainty: Any = None) -> dict[str, bytes]:
    """The bytes stored for one assessment: ``Result.save``'s files, the input and the uncertainty summary."""
    parts: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="territoria-assessment-") as tmp:
        folder = result.save(Path(tmp) / "result")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            parts[path.relative_to(folder).as_posix()] = path.read_bytes()
    prepared = result.prepared
    if prepared is not None:
        parts[_INPUT + "table.parquet"] = _parquet(prepared.table)
        parts[_INPUT + "aux.parquet"] = _parquet(prepared.aux)
        parts[_INPUT + "direction.parquet"] = _parquet(prepared.direction.to_frame("direction"))
        if prepared.units is not None:
            parts[_INPUT + "units.parquet"] = _parquet(prepared.units)
        parts[_INPUT + "meta.json"] = json.dumps({"sha256": prepared.sha256, "notes": list(prepared.notes)}).encode()
    if uncertainty is not None:
        parts[_UNCERTAINTY + "ranks.parquet"] = _parquet(uncertainty.ranks)
        parts[_UNCERTAINTY + "sensitivity.parquet"] = _parquet(uncertainty.sensitivity)
    return parts


def _result_from_parts(parts: dict[str, bytes]) -> tuple[Result, Prepared | None]:
    with tempfile.TemporaryDirectory(prefix="territoria-assessment-") as tmp:
        folder = Path(tmp) / "result"
        for part, content in parts.items():
            if part.startswith((_INPUT, _UNCERTAINTY)):
                continue
            path = folder / part
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        result = Result.load(folder)
    prepared = None
    if _INPUT + "table.parquet" in parts:
        meta = json.loads(parts[_INPUT + "meta.json"])
        units = _frame(parts[_INPUT + "units.parquet"]) if _INPUT + "units.parquet" in parts else None
        prepared = Prepared(table=_frame(parts[_INPUT + "table.parquet"]), aux=_frame(parts[_INPUT + "aux.parquet"]),
                            direction=_frame(parts[_INPUT + "direction.parquet"])["direction"],
                            sha256=meta["sha256"], units=units, notes=list(meta["notes"]))
    return result, prepared


def _spec_digest(mapping: dict[str, Any]) -> str:
    text = json.dumps(mapping, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _units_of(result: Result) -> list[str]:
    return list(dict.fromkeys(map(str, result.tables["aggregated"].index.get_level_values(0))))


def _level_of(result: Result, units: pd.DataFrame | None) -> str | None:
    level = result.spec.units.level
    if level is not None or units is None or "level" not in units:
        return level
    found = set(units.reindex(_units_of(result))["level"].dropna())
    return found.pop() if len(found) == 1 else None


# -- what changed ----------------------------------------------------------------------------------
def describe_changes(before: Result, after: Result) -> str:
    """One line: which spec sections, how many input values, which units and library versions changed."""
    out = []
    old_spec, new_spec = before.spec.to_mapping(), after.spec.to_mapping()
    keys = sorted(k for k in set(old_spec) | set(new_spec) if old_spec.get(k) != new_spec.get(k))
    if keys:
        out.append("spec: " + ", ".join(keys) + " changed")
    if before.data_sha256 != after.data_sha256:
        old, new = before.tables["raw"], after.tables["raw"]
        added = new.index.difference(old.index)
        removed = old.index.difference(new.index)
        common_rows, common_cols = new.index.intersection(old.index), new.columns.intersection(old.columns)
        a, b = old.loc[common_rows, common_cols], new.loc[common_rows, common_cols]
        differ = ~((a == b) | (a.isna() & b.isna()))
        cells = int(differ.to_numpy().sum())
        parts = [f"{cells} input value(s) changed"]
        if cells:
            columns = [str(c) for c in differ.columns[differ.any(axis=0)]]
            parts[0] += f" ({', '.join(columns[:5])}{'…' if len(columns) > 5 else ''})"
        if len(added):
            parts.append(f"{len(added)} unit(s) added")
        if len(removed):
            parts.append(f"{len(removed)} unit(s) removed")
        indicators = sorted(set(map(str, new.columns)) ^ set(map(str, old.columns)))
        if indicators:
            parts.append(f"indicators added or dropped: {', '.join(indicators)}")
        out.append("data: " + "; ".join(parts))
    versions = {k: (v, after.versions.get(k)) for k, v in before.versions.items() if after.versions.get(k) != v}
    if versions:
        out.append("libraries: " + ", ".join(f"{k} {a} → {b}" for k, (a, b) in sorted(versions.items())))
    return "; ".join(out) or "nothing"


# -- writing ---------------------------------------------------------------------------------------
def _insert_part(store: Any, name: str, version: int, part: str, content: bytes) -> None:
    store.con.execute("INSERT INTO assessment_parts VALUES (?, ?, ?, ?)", [name, version, part, content])


def _latest_row(store: Any, name: str) -> dict[str, Any] | None:
    rows = store.query("SELECT * FROM assessments WHERE name = ? ORDER BY version DESC LIMIT 1", [name])
    return None if rows.empty else rows.iloc[0].to_dict()


def save_assessment(store: Any, result: Result, *, name: str, uncertainty: Any = None) -> StoredAssessment:
    """Store ``result`` under ``name``; a new version only when the spec or the input data changed.

    Parameters
    ----------
    store : Store
        Open with write access.
    result : Result
        What ``Assessment(spec).run(...)`` returned (with its input, so that it can be re-run).
    name : str
        The assessment's name (letters, digits, ``_``, ``-``, ``.``).
    uncertainty : UncertaintyResult, optional
        Its rank intervals and sensitivity indices are stored with the Result.

    Returns
    -------
    StoredAssessment
        The stored version as loaded back; ``created`` says whether a new version was written.
    """
    if not re.fullmatch(NAME_PATTERN, name or ""):
        raise DataError(f"assessment name {name!r}: expected letters, digits, '_', '-' or '.' (at most 100)")
    mapping = result.spec.to_mapping()
    spec_sha = _spec_digest(mapping)
    units = _units_of(result)
    prepared_units = result.prepared.units if result.prepared is not None else None
    level = _level_of(result, prepared_units if prepared_units is not None else store.units(codes=units))
    latest = _latest_row(store, name)
    if latest is not None:
        if latest["level"] != level:
            raise DataError(f"assessment {name!r} rates {latest['level']} units; this run rates {level} units: "
                            "give it another name")
        if latest["spec_sha256"] == spec_sha and latest["data_sha256"] == result.data_sha256:
            found = load_assessment(store, name=name, version=int(latest["version"]))
            return found
    version = 1 if latest is None else int(latest["version"]) + 1
    changes = "" if latest is None else describe_changes(load_assessment(store, name=name), result)
    parts = assessment_parts(result, uncertainty=uncertainty)
    years = ",".join(str(y) for y in result.spec.year_list)
    row = [name, version, level, years, len(units), result.spec.name,
           yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True), spec_sha, result.data_sha256,
           datetime.now(UTC).replace(tzinfo=None), result.versions.get("territoria"),
           json.dumps(result.versions, sort_keys=True), changes]
    with store.transaction():
        store.con.execute("INSERT INTO assessments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        store.con.executemany("INSERT INTO assessment_units VALUES (?, ?, ?)", [[name, version, u] for u in units])
        for part, content in parts.items():
            _insert_part(store, name, version, part, content)
    stored = load_assessment(store, name=name, version=version)
    stored.created = True
    return stored


def store_spec_assessment(store: Any, *, spec: str | Path | None = None, name: str | None = None,
                          uncertainty: bool = True) -> StoredAssessment:
    """Run ``spec`` (default: the bundled regional spec) on the Store's panel and store it under ``name``.

    The one call ``load-bundled`` and ``make run`` make to store the bundled region and district
    assessments; ``name`` defaults to the spec's name. A no-op when nothing changed.
    """
    # lazy: layers: territoria.assess.pipeline is above this module (known violation, pyproject.toml)
    from territoria.assess.pipeline import Assessment
    from territoria.assess.spec import AssessmentSpec, default_spec_path

    parsed = AssessmentSpec.from_yaml(spec or default_spec_path())
    panel = store.panel(level=parsed.units.level, years=parsed.year_list)
    result = Assessment(parsed).run(panel)
    analysis = None
    if uncertainty and parsed.uncertainty is not None and not isinstance(result.tables["aggregated"].index,
                                                                          pd.MultiIndex):
        analysis = result.uncertainty()
    return save_assessment(store, result, name=name or parsed.name, uncertainty=analysis)


# -- reading ---------------------------------------------------------------------------------------
def list_assessments(store: Any) -> pd.DataFrame:
    """Every stored version: name, version, level, years, n_units, spec_name, created_at, changes, digests."""
    return store.query("""
        SELECT name, version, level, years, n_units, spec_name, created_at, changes,
               left(data_sha256, 12) AS data_sha256, left(spec_sha256, 12) AS spec_sha256, territoria_version
        FROM assessments ORDER BY name, version""")


def _existing(store: Any) -> str:
    table = store.query("""SELECT name, max(version) AS version, any_value(level) AS level,
                           arg_max(years, version) AS years FROM assessments GROUP BY name ORDER BY name""")
    if table.empty:
        return ("no assessment is stored; store one with `territoria assess --spec SPEC --name NAME` "
                "(`territoria load-bundled` stores the bundled regional assessment)")
    listed = "; ".join(f"{r.name} v{r.version} ({r.level}, {r.years})" for r in table.itertuples())
    return f"stored assessments: {listed}"


def parse_assessment_ref(ref: str) -> tuple[str, int | None]:
    """``NAME`` or ``NAME@VERSION`` (what ``--assessment`` and ``?assessment=`` take) as (name, version)."""
    if not re.fullmatch(REF_PATTERN, ref or ""):
        raise DataError(f"assessment {ref!r}: expected NAME or NAME@VERSION (a name of letters, digits, '_', '-' "
                        "or '.', at most 100; a version number such as regions@2)")
    name, _, version = ref.partition("@")
    return name, int(version) if version else None


def _unknown_version(store: Any, name: str, version: int) -> UnknownAssessmentError | None:
    versions = store.query("SELECT version FROM assessments WHERE name = ? ORDER BY version", [name])["version"]
    if versions.empty or version in set(versions):
        return None
    return UnknownAssessmentError(f"{name!r} version {version}", f"the versions of {name!r} are "
                                  f"{', '.join(map(str, versions))} (choose one as {name}@{int(versions.iloc[-1])})")


def load_assessment(store: Any, *, name: str | None = None, level: str | None = None,
                    version: int | None = None) -> StoredAssessment:
    """A stored assessment rebuilt bit for bit: by name (latest version unless ``version``, or ``name`` given
    as ``NAME@VERSION``, see :func:`parse_assessment_ref`), or the latest assessment of ``level``."""
    if name is None and level is None:
        raise DataError("load_assessment: give a name or a level")
    if name is not None:
        name, pinned = parse_assessment_ref(name)
        if pinned is not None and version is not None and int(version) != pinned:
            raise DataError(f"assessment {name}@{pinned}: version {version} given as well; give one version")
        version = pinned if pinned is not None else version
    clauses, params = [], []
    if name is not None:
        clauses.append("name = ?")
        params.append(name)
    if level is not None:
        clauses.append("level = ?")
        params.append(level)
    if version is not None:
        clauses.append("version = ?")
        params.append(int(version))
    sql = f"SELECT * FROM assessments WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, version DESC LIMIT 1"
    rows = remembered(store, ("assessment_row", sql, *params), lambda: store.query(sql, params))
    if rows.empty:
        if name is not None and version is not None and (error := _unknown_version(store, name, int(version))):
            raise error
        what = " ".join(filter(None, [f"{name!r}" if name else None, f"of level {level}" if level else None,
                                      f"version {version}" if version is not None else None]))
        raise UnknownAssessmentError(what, _existing(store))
    row = rows.iloc[0]
    # a stored name and version never change content: the pages of one version of the Store rebuild an
    # assessment once (a district's profile read the regions' one each time, 0.1 s)
    return remembered(store, ("stored_assessment", str(row["name"]), int(row["version"])),
                      lambda: _rebuilt(store, row))


def _rebuilt(store: Any, row: pd.Series) -> StoredAssessment:
    """The stored assessment of ``row`` (of the ``assessments`` table) from its parts."""
    found = store.query("SELECT part, content FROM assessment_parts WHERE name = ? AND version = ?",
                        [row["name"], int(row["version"])])
    parts = {str(p): bytes(c) for p, c in zip(found["part"], found["content"], strict=True)}
    result, prepared = _result_from_parts(parts)
    ranks = _frame(parts[_UNCERTAINTY + "ranks.parquet"]) if _UNCERTAINTY + "ranks.parquet" in parts else None
    sens = _frame(parts[_UNCERTAINTY + "sensitivity.parquet"]) if _UNCERTAINTY + "sensitivity.parquet" in parts \
        else None
    return StoredAssessment(
        spec=result.spec, tables=result.tables, log=result.log, weights=result.weights,
        data_sha256=result.data_sha256, versions=result.versions, prepared=prepared,
        name=str(row["name"]), version=int(row["version"]), level=row["level"] if pd.notna(row["level"]) else None,
        years=tuple(int(y) for y in str(row["years"]).split(",") if y), created_at=str(row["created_at"]),
        changes=str(row["changes"] or ""), rank_intervals=ranks, sensitivity=sens)


def resolve_assessment(store: Any, unit: str | None = None, *, name: str | None = None,
                       level: str | None = None) -> StoredAssessment:
    """The assessment to use for ``unit`` (a code), or for a ``level`` when no unit is given.

    With ``name``: that assessment, which must rate units of the unit's level and the unit itself.
    Without: the latest stored assessment of the unit's own level that rates the unit. Never another
    level: the error names the unit, its level and the assessments that exist.
    """
    if unit is None:
        if name is not None:
            found = load_assessment(store, name=name)
            if level is not None and found.level != level:
                raise DataError(f"assessment {found.label} rates {found.level} units, not {level} units; "
                                f"{_existing(store)}")
            return found
        try:
            return load_assessment(store, level=level or "region")
        except UnknownNameError:
            raise DataError(f"no assessment of {level or 'region'} units is stored; {_existing(store)}") from None
    units = store.units(codes=[str(unit)])
    if units.empty:
        raise UnknownNameError("unit", str(unit))
    row = units.iloc[0]
    unit_level = str(row["level"])
    who = f"unit {unit} ({row['name_en']}, {unit_level})"
    if name is not None:
        found = load_assessment(store, name=name)
        if found.level is not None and found.level != unit_level:
            raise DataError(f"{who}: assessment {found.label} rates {found.level} units, not {unit_level} units; "
                            f"{_existing(store)}")
        if str(unit) not in set(_units_of(found)):
            raise DataError(f"{who} is not among the {len(_units_of(found))} units of assessment {found.label}")
        return found
    latest = store.query("""
        SELECT a.name, a.version FROM assessments a JOIN assessment_units u USING (name, version)
        WHERE a.level = ? AND u.unit = ? AND a.version = (SELECT max(version) FROM assessments b WHERE b.name = a.name)
        ORDER BY a.created_at DESC LIMIT 1""", [unit_level, str(unit)])
    if latest.empty:
        raise DataError(f"{who}: no stored assessment of {unit_level} units rates it; {_existing(store)}")
    return load_assessment(store, name=str(latest.iloc[0]["name"]), version=int(latest.iloc[0]["version"]))
