"""Turning a Panel or a wide table into the validated input of the pipeline (before any computation)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import process

from territoria.assess.base import as_frame
from territoria.assess.record import digest
from territoria.assess.spec import AssessmentSpec
from territoria.assess.tree import defined
from territoria.errors import DataError, SpecError, coded
from territoria.panel import Panel

__all__ = ["Prepared", "leaf_codes", "missing_columns_message", "prepare", "sample_filter", "select_years",
           "side_columns",
           "within_regions"]


@dataclass
class Prepared:
    """The pipeline's input: indicator table, side columns (denominators, groups), directions."""

    table: pd.DataFrame
    aux: pd.DataFrame
    direction: pd.Series
    sha256: str
    units: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)   # units the sample filters (units.exclude / kinds) left out
    known_digests: tuple[tuple[pd.DataFrame, str], ...] = ()   # (table object, its digest), for reuse
    tree: pd.DataFrame | None = None            # tree_frame() of ``spec``, the spec the input was checked against
    spec: AssessmentSpec | None = field(default=None, repr=False)

    def groups(self, by: str | None) -> pd.Series | None:
        if by is None:
            return None
        if by in self.aux.columns:
            return self.aux[by]
        return None


def leaf_codes(spec: AssessmentSpec, *, tree: pd.DataFrame | None = None) -> list[str]:
    """The indicators of the spec's tree (a reused one once); ``tree``: ``spec.tree_frame()`` if built."""
    tree = spec.tree_frame() if tree is None else tree
    parents = set(tree["parent"].dropna())
    return list(dict.fromkeys(c for c in tree["code"] if c not in parents))     # a reused indicator once


def side_columns(spec: AssessmentSpec) -> list[str]:
    cols = [r.by for r in spec.denominate.indicators.values()]
    cols += [c for c in (spec.impute.by, spec.normalise.by) if c]
    return list(dict.fromkeys(cols))


def within_regions(codes: pd.Index, parent: Mapping[str, Any], regions: Iterable[str]) -> pd.Index:
    """The ``codes`` that are one of ``regions`` or lie inside one, following ``parent`` links upwards."""
    wanted = set(regions)

    def inside(code: Any) -> bool:
        while code is not None and code == code:        # stops at None and at NaN
            if code in wanted:
                return True
            code = parent.get(code)
        return False

    return codes[[inside(c) for c in codes]]


def sample_filter(codes: pd.Index, exclude: list[str], kinds: list[str] | None,
                  kind: pd.Series | None) -> pd.Index:
    """``codes`` without the ``exclude`` list (each must be a unit of the data) and, with ``kinds``, only
    the units of those kinds (``kind``: the units table's column). Errors name ``units.exclude[i]`` /
    ``units.kinds[i]``; a code that is not among ``codes`` (the units of the spec's level) is an error."""
    present = set(map(str, codes))
    for i, code in enumerate(exclude):
        if str(code) not in present:
            examples = ", ".join(sorted(present)[:3])
            raise coded(SpecError(f"units.exclude[{i}]", f"unit {code!r} is not a unit of the data; expected one of "
                                  f"the data's unit codes (e.g. {examples})"),
                        "error.run.unit_not_in_data", code=str(code), examples=examples)
    keep = codes[~codes.astype(str).isin([str(c) for c in exclude])]
    if kinds is not None:
        if kind is None:
            raise coded(SpecError("units.kinds", "the data has no units table with a 'kind' column to select kinds "
                                  "from"), "error.run.no_kinds")
        known = set(kind.dropna().astype(str))
        for i, k in enumerate(kinds):
            if k not in known:
                raise coded(SpecError(f"units.kinds[{i}]", f"no unit of kind {k!r}; the kinds of the data are "
                                      f"{', '.join(sorted(known))}"),
                            "error.run.unknown_kind", unit_kind=str(k), kinds=", ".join(sorted(known)))
        keep = keep[kind.reindex(keep).astype("string").isin(kinds).fillna(False).to_numpy(dtype=bool)]
    return keep


def _from_panel(spec: AssessmentSpec, panel: Any, leaves: list[str], side: list[str]
                ) -> tuple[pd.DataFrame, Any, list[str]]:
    u = spec.units
    meta = panel.units
    keep = meta.index
    if u.level is not None and "level" in meta:
        keep = keep[meta.loc[keep, "level"].to_numpy() == u.level]
    if u.codes:
        keep = keep[keep.isin(u.codes)]
    if u.regions:
        keep = within_regions(keep, meta["parent"].to_dict() if "parent" in meta else {}, u.regions)
    before = keep
    keep = sample_filter(keep, u.exclude, u.kinds, meta.get("kind"))
    excluded = [str(c) for c in before if c not in set(keep)]
    undecided = [g for g in u.groups or [] if g not in meta and f"is_{g}" not in meta]
    if undecided:  # the group rules decide membership (territoria.groups) when the units do not carry it
        # lazy: heavy (pyproj, shapely), which territoria.assess.pipeline does not load
        from territoria.groups import assign_groups

        flags = assign_groups(meta).flags()
        meta = meta.drop(columns=[c for c in flags.columns if c in meta.columns]).join(flags, how="left")
    for g in u.groups or []:
        col = g if g in meta else f"is_{g}"
        if col not in meta:
            raise coded(SpecError("units.groups", f"group {g!r} is not a column of the units table"),
                        "error.run.unknown_group", column=str(g))
        keep = keep[meta.loc[keep, col].fillna(False).astype(bool).to_numpy()]
    years = spec.year_list or [max(panel.years)]
    # an indicator of the catalogue with no value in these years is an empty column, not an unknown name
    known = set(panel.indicators) | set(panel.catalogue.ids)
    wanted = [c for c in [*leaves, *side] if c in known]
    frames = []
    for y in years:
        w = panel.wide(y, wanted).reindex(columns=wanted)
        w = w[w.index.isin(keep) & w.index.isin(panel.existing_in(y))]
        if len(years) > 1:
            w.index = pd.MultiIndex.from_arrays([w.index, np.full(len(w), y)], names=["unit", "year"])
        frames.append(w)
    table = pd.concat(frames)
    table.index.name = table.index.name or "unit"
    for c in side:
        if c not in table.columns and c in meta:
            units_idx = table.index.get_level_values(0)
            table[c] = meta[c].reindex(units_idx).to_numpy()
    return table, panel.catalogue, excluded


def select_years(spec: AssessmentSpec, frame: pd.DataFrame, *, strict: bool = False) -> pd.DataFrame:
    """The rows of the spec's ``year`` / ``years`` of a (unit, year) table; one year drops the year level.

    For a table without a ``year`` index level, ``years`` is an error (the years would otherwise be
    ignored), and so is ``year`` with ``strict`` (``territoria compute``); without ``strict`` one
    ``year`` labels the table (the year a stored assessment is filed under). A year the table does not
    have is an error.
    """
    years = spec.year_list
    if years is None:
        return frame
    key = "years" if spec.years else "year"
    if not (isinstance(frame.index, pd.MultiIndex) and "year" in frame.index.names):
        if key == "year" and not strict:
            return frame
        raise SpecError(key, f"{key} {years if spec.years else years[0]} applies to a table with a year: a (unit, "
                             "year) index, e.g. territoria compute --year-column COLUMN, or a Panel; this table has "
                             "one row per unit and no year column. Remove the key or give the year column")
    values = frame.index.get_level_values("year")
    present = set(values.unique().tolist())
    lacking = [y for y in years if y not in present]
    if lacking:
        raise coded(SpecError(key, f"year {lacking[0]} is not in the table; its years are {sorted(present)}"),
                    "error.run.year_absent", year=int(lacking[0]), years=", ".join(map(str, sorted(present))))
    if present <= set(years):
        return frame.droplevel("year") if len(years) == 1 else frame
    out = frame[values.isin(years)]
    return out.droplevel("year") if len(years) == 1 else out


def missing_columns_message(leaves: list[str], missing: list[str], columns: list[str]) -> str:
    """One message naming every indicator of the spec absent from the data, with the data's candidates.

    The candidates ("extra" variables) are, for each missing name, the closest unused columns, and the
    unused columns that share the prefix common to the spec's indicators (e.g. ``EP_``), which is where a
    file of another release or layout differs from the spec.
    """

    unused = [str(c) for c in columns if c not in set(leaves)]
    parts = []
    for name in missing:
        close = [m[0] for m in process.extract(name, unused, limit=2, score_cutoff=75)]
        parts.append(f"{name} (did you mean {' or '.join(repr(c) for c in close)}?)" if close else name)
    msg = (f"{len(missing)} of the spec's {len(leaves)} indicators are not columns of the data: "
           f"{'; '.join(parts)}")
    prefix = leaves[0] if len(leaves) > 1 else ""
    for name in leaves[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    if len(prefix) >= 2:
        extra = [c for c in unused if c.startswith(prefix)]
        if extra:
            shown = ", ".join(extra[:15]) + (f" and {len(extra) - 15} more" if len(extra) > 15 else "")
            msg += f". Columns of the data named like the indicators ({prefix}*) that the spec does not use: {shown}"
    return msg + ". Is the file of the release / layout the spec describes?"


def prepare(spec: AssessmentSpec, data: Any, *, units: pd.DataFrame | None = None) -> Prepared:
    """Validate ``data`` against ``spec`` and split it into indicators and side columns.

    Raises one error naming the place for: an indicator of the tree not in the data (with close
    names), a non-numeric indicator column, a unit with every indicator missing.
    """

    tree_frame = spec.tree_frame()              # built once: the leaves, the directions, the steps' context
    leaves = leaf_codes(spec, tree=tree_frame)
    side = side_columns(spec)
    catalogue = None
    excluded: list[str] = []
    if isinstance(data, Panel):
        frame, catalogue, excluded = _from_panel(spec, data, leaves, side)
        units = data.units if units is None else units
    elif isinstance(data, pd.DataFrame):
        frame = data.copy(deep=False)      # copy-on-write: the caller's table is never written
        frame.columns = [str(c) for c in frame.columns]
        if frame.index.name is None and not isinstance(frame.index, pd.MultiIndex):
            frame.index.name = "unit"
    else:
        raise DataError(f"Assessment.run: expected a Panel or a DataFrame, got {type(data).__name__}")
    u = spec.units
    if not isinstance(data, Panel) and (u.exclude or u.kinds is not None):
        kind = units["kind"] if units is not None and "kind" in units.columns else None
        codes = frame.index.get_level_values(0).unique()
        kept = sample_filter(codes, u.exclude, u.kinds, kind)
        excluded = [str(c) for c in codes if c not in set(kept)]
        frame = frame[frame.index.get_level_values(0).isin(kept)]
    missing = [c for c in leaves if c not in frame.columns]
    if missing:
        message = missing_columns_message(leaves, missing, list(frame.columns))
        raise coded(SpecError(spec.node_path(missing[0]), message), "error.spec_missing_columns",
                    n=len(missing), total=len(leaves), names=", ".join(missing))
    aux = pd.DataFrame(index=frame.index)
    for c in side:
        if c in frame.columns:
            aux[c] = frame[c]
        elif units is not None and c in units.columns:
            aux[c] = units[c].reindex(frame.index.get_level_values(0)).to_numpy()
        else:
            where = "denominate" if c in [r.by for r in spec.denominate.indicators.values()] else "impute.by"
            raise coded(SpecError(where, f"column {c!r} is not in the data nor in the units table"),
                        "error.run.side_column", column=str(c))
    table = frame[leaves]
    text_codes = [str(v) for v in spec.missing_codes if isinstance(v, str)]
    # a float64 column needs none of the conversions below (it is numeric and already float)
    for c in dict.fromkeys(c for c, dt in zip(table.columns, table.dtypes, strict=True) if dt != np.float64):
        col = table[c]
        if text_codes and not pd.api.types.is_numeric_dtype(col):
            col = col.mask(col.astype("string").str.strip().isin(text_codes))
        if not pd.api.types.is_numeric_dtype(col):
            conv = pd.to_numeric(col.astype("string").str.strip().str.replace(",", ".", regex=False),
                                 errors="coerce")
            bad = conv.isna() & col.notna() & (col.astype("string").str.strip() != "")
            if bad.any():
                unit = bad[bad].index[0]
                raise coded(DataError(f"indicator column {c!r} is not numeric: unit {unit!r} has {col[unit]!r} "
                                      f"({int(bad.sum())} such cell(s)); expected a number or an empty cell"),
                            "error.run.not_numeric", column=str(c), unit=str(unit), value=repr(col[unit]),
                            n=int(bad.sum()))
            table[c] = conv
        if table[c].dtype != np.float64:
            table[c] = table[c].astype(float)
    codes = [float(v) for v in spec.missing_codes if not isinstance(v, str)]
    if codes:
        table = table.mask(table.isin(codes))
        for c in aux.columns:
            if pd.api.types.is_numeric_dtype(aux[c]):
                aux[c] = aux[c].mask(aux[c].isin(codes))
    values = table.to_numpy(dtype=float)
    if not values.flags.f_contiguous:           # every stage table is column-major (see base.as_frame)
        table = as_frame(np.array(values, order="F"), table.index, table.columns)
    values = table.to_numpy(dtype=float)
    maybe = np.flatnonzero(np.isnan(values[:, 0])) if values.shape[1] else np.arange(len(table))
    empty = pd.Series(False, index=table.index)
    empty.iloc[maybe] = np.isnan(values[maybe]).all(axis=1)     # only rows missing their first value
    if empty.any():
        who = ", ".join(map(str, empty[empty].index[:5]))
        raise coded(DataError(f"{int(empty.sum())} unit(s) have every indicator missing: {who}; "
                              "remove them (units: codes: [...]) or supply data"),
                    "error.run.all_missing", n=int(empty.sum()), units=who)
    if table.empty:
        raise coded(DataError("no unit left after the units filter / year selection of the spec"), "error.run.no_units")
    given = defined(tree_frame, "direction")
    directions = []
    for c in leaves:
        d = float(given[c])
        if catalogue is not None and np.isnan(d) and c in catalogue:
            d = float(catalogue[c].direction) if catalogue[c].direction in (1, -1) else 1.0
        directions.append(1.0 if np.isnan(d) else d)
    direction = pd.Series(directions, index=leaves, dtype=float)
    table_digest = digest(table)
    sha = hashlib.sha256((table_digest + digest(aux)).encode()).hexdigest()
    return Prepared(table=table, aux=aux, direction=direction, sha256=sha, units=units,
                    known_digests=((table, table_digest),), excluded=excluded, tree=tree_frame, spec=spec)
