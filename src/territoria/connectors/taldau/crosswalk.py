"""Taldau territory terms → KATO codes, with validity dates; built by exact name matching within the parent.

Taldau's term ids are its own numbers, not KATO codes (ACCESS.md §1.3). The packaged ``crosswalk.yaml``
holds the Republic and the region terms recorded in public code (with 2018 and 2022 validity dates).
District terms are added by :func:`match_children`: the children of a region term (from a tree walk)
are matched to the KATO children of the region by *exact* normalised name (Russian, Kazakh or English
spelling of the Store's units; :func:`territoria.ingest.matching.normalise_name`). A name that matches
no unit or more than one is reported and left out; nothing is accepted by similarity. Accepted rows are
written to a user crosswalk CSV next to the cache, which a maintainer reviews and may copy into the
packaged file.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from territoria.errors import SpecError
from territoria.ingest.matching import normalise_name

__all__ = ["COLUMNS", "load_crosswalk", "map_terms", "match_children", "save_user_crosswalk", "valid_on"]

COLUMNS = ["term_id", "name", "kato", "level", "parent_term", "valid_from", "valid_to", "source", "note"]


def _read(source) -> pd.DataFrame:
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SpecError("columns", f"crosswalk lacks column(s) {missing}", file=str(source))
    frame = frame[COLUMNS].copy()
    frame["term_id"] = frame["term_id"].astype(int)
    return frame


def load_crosswalk(user_file: str | Path | None = None) -> pd.DataFrame:
    """The packaged crosswalk, plus the rows of ``user_file`` if it exists (user rows win for a term)."""
    text = resources.files("territoria.connectors.taldau").joinpath("crosswalk.yaml").read_text("utf-8")
    frame = pd.DataFrame(yaml.safe_load(text)["terms"], dtype=object)
    frame = frame[COLUMNS].astype(str).assign(term_id=lambda f: f["term_id"].astype(int))
    if user_file is not None and Path(user_file).exists():
        user = _read(user_file)
        frame = pd.concat([frame[~frame["term_id"].isin(user["term_id"])], user], ignore_index=True)
    return frame.reset_index(drop=True)


def _bound(text: str, *, end: bool) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return date(*parts)
    year, month = parts[0], parts[1] if len(parts) > 1 else (12 if end else 1)
    if not end:
        return date(year, month, 1)
    return (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()


def valid_on(row: pd.Series, when: date) -> bool:
    """True when ``when`` lies within the row's ``valid_from`` … ``valid_to`` (open ends allowed)."""
    start, stop = _bound(row["valid_from"], end=False), _bound(row["valid_to"], end=True)
    return (start is None or when >= start) and (stop is None or when <= stop)


def map_terms(records: pd.DataFrame, crosswalk: pd.DataFrame, *, term_col: str) -> pd.DataFrame:
    """Add ``kato``, ``level`` and ``map_status`` to ``records`` (one row per term and period).

    ``map_status``: ``ok``; ``unknown_term`` (not in the crosswalk); ``no_kato`` (a known term without a
    KATO 2022 unit, e.g. Shymkent before June 2018); ``outside_validity`` (the period ends outside the
    term's validity dates).
    """
    xw = crosswalk.set_index("term_id")
    kato, level, status = [], [], []
    for term, end in zip(records[term_col], records["period_end"], strict=True):
        if term not in xw.index:
            kato.append(None)
            level.append(None)
            status.append("unknown_term")
            continue
        row = xw.loc[term]
        kato.append(row["kato"] or None)
        level.append(row["level"] or None)
        if not row["kato"]:
            status.append("no_kato")
        elif not valid_on(row, end):
            status.append("outside_validity")
        else:
            status.append("ok")
    return records.assign(kato=kato, level=level, map_status=status)


def match_children(nodes: pd.DataFrame, *, parent_term: int, parent_kato: str, units: pd.DataFrame,
                   source: str) -> pd.DataFrame:
    """Match tree nodes (``term``, ``name``) under ``parent_term`` to the district-level children of ``parent_kato``.

    Parameters
    ----------
    nodes : DataFrame
        Children of one territory term (from ``GetIndexTreeData``).
    parent_term, parent_kato : int, str
        The parent on both sides (already matched).
    units : DataFrame
        The Store's units (``code`` as index or column; ``parent``, ``level``, ``name_ru``, ``name_kk``,
        ``name_en``, ``valid_from``, ``valid_to``).
    source : str
        The request the nodes came from (kept in each row).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` plus ``status`` (``matched``, ``unmatched``, ``ambiguous``) and ``candidates``.
        Only ``matched`` rows carry a KATO code.
    """
    table = units.reset_index() if "code" not in units.columns else units
    kids = table[(table["parent"] == parent_kato) & (table["level"] == "district")]
    keys: dict[str, set[str]] = {}
    for _, unit in kids.iterrows():
        for col in ("name_ru", "name_kk", "name_en"):
            name = unit.get(col)
            if isinstance(name, str) and name.strip():
                keys.setdefault(normalise_name(name), set()).add(str(unit["code"]))
    rows = []
    for _, node in nodes.iterrows():
        found = sorted(keys.get(normalise_name(node["name"]), set()))
        status = "matched" if len(found) == 1 else ("ambiguous" if found else "unmatched")
        code = found[0] if status == "matched" else ""
        valid_from = valid_to = ""
        if code:
            unit = kids[kids["code"] == code].iloc[0]
            valid_from = str(unit.get("valid_from") or "") if pd.notna(unit.get("valid_from")) else ""
            valid_to = str(unit.get("valid_to") or "") if pd.notna(unit.get("valid_to")) else ""
        rows.append({"term_id": int(node["term"]), "name": node["name"], "kato": code, "level": "district",
                     "parent_term": str(parent_term), "valid_from": valid_from, "valid_to": valid_to,
                     "source": source, "note": "exact name match within the parent" if code else "",
                     "status": status, "candidates": ";".join(found)})
    return pd.DataFrame(rows, columns=[*COLUMNS, "status", "candidates"])


def save_user_crosswalk(matched: pd.DataFrame, path: str | Path) -> Path:
    """Merge the ``matched`` rows into the user crosswalk at ``path`` (a term's newer row replaces its older)."""
    path = Path(path)
    new = matched.loc[matched["status"] == "matched", COLUMNS].copy()
    if path.exists():
        old = _read(path)
        new = pd.concat([old[~old["term_id"].isin(new["term_id"])], new], ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    new.sort_values(["parent_term", "term_id"]).to_csv(path, index=False)
    return path
