"""Inputs that never sit whole on the client: a Parquet folder, or a ``dask.dataframe`` wide table.

A partition is read (or generated) on a worker and validated there by the single-machine
:func:`territoria.assess.inputs.prepare`; the client only learns each partition's length and a
digest. The spec's unit filter is applied per partition: ``units.level`` and ``units.codes`` from
the rows, ``units.regions``, ``units.groups``, ``units.exclude`` and ``units.kinds`` from the units table
exported alongside
(``_units.parquet``). Directions not given in the spec come from the catalogue directions recorded
in the export's manifest, as :meth:`Assessment.run` on the Store's Panel would take them.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from territoria.assess.inputs import (
    leaf_codes,
    missing_columns_message,
    prepare,
    sample_filter,
    side_columns,
    within_regions,
)
from territoria.assess.record import digest
from territoria.engines.cluster import EngineError
from territoria.errors import DataError, SpecError
from territoria.store.export import read_manifest

__all__ = ["PartitionedInput", "from_dask_frame", "from_parquet"]


@dataclass
class PartitionedInput:
    """A wide table in partitions (``dask.dataframe``) plus what the client needs to validate it.

    Attributes
    ----------
    frame : dask.dataframe.DataFrame
        Column ``unit`` (and ``year`` when several years are read), the indicators, side columns.
    keep : set of str or None
        Units selected by the spec's unit filter (None: every unit of the rows).
    side : DataFrame or None
        Unit-level side columns (denominators, group columns) indexed by unit, joined on the workers.
    directions : dict of str to float
        Directions for the leaves the spec does not orient (catalogue directions).
    multi_year : bool
        Index the table by (unit, year) as the single-machine engine does for several years.
    """

    frame: Any
    keep: set[str] | None = None
    side: pd.DataFrame | None = None
    directions: dict[str, float] = field(default_factory=dict)
    multi_year: bool = False
    wanted: list[str] = field(default_factory=list)


def prepare_part(spec: Any, part: pd.DataFrame, source: PartitionedInput) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Filter, index and validate one partition on a worker; returns (table, aux, digest of both)."""
    part = part.copy()
    if "unit" in part.columns:
        part["unit"] = part["unit"].astype(str)
    else:
        part = part.reset_index(names="unit").assign(unit=lambda f: f["unit"].astype(str))
    if spec.units.level is not None and "level" in part:
        part = part[part["level"] == spec.units.level]
    if source.keep is not None:
        part = part[part["unit"].isin(source.keep)]
    if source.multi_year:
        part = part.assign(year=part["year"].astype(int)).sort_values(["year", "unit"], kind="stable")
        index = pd.MultiIndex.from_arrays([part["unit"], part["year"]], names=["unit", "year"])
    else:
        index = pd.Index(part["unit"], name="unit")
    frame = part.reindex(columns=source.wanted)
    frame.index = index
    frame = frame.astype({c: float for c in frame.columns if c in set(source.wanted) - _side(spec)})
    if source.side is not None:
        for c in source.side.columns:
            if c not in frame.columns or frame[c].isna().all():
                frame[c] = source.side[c].reindex(index.get_level_values(0)).to_numpy()
    if frame.empty:
        side = side_columns(spec)
        table = pd.DataFrame({c: pd.Series(dtype=float) for c in leaf_codes(spec)}, index=frame.index[:0])
        aux = pd.DataFrame({c: frame[c] if c in frame else pd.Series(dtype=float) for c in side},
                           index=frame.index[:0])
        return table, aux, ""
    # units.exclude / kinds were applied through source.keep; a partition need not hold every excluded unit
    sampled = spec.units.model_copy(update={"exclude": [], "kinds": None, "exclude_reason": ""})
    prepared = prepare(spec.model_copy(update={"units": sampled}), frame)
    return prepared.table, prepared.aux, digest(prepared.table) + digest(prepared.aux)


def _side(spec: Any) -> set[str]:
    return {c for c in side_columns(spec)}


def combine(digests: list[str]) -> str:
    """SHA-256 over the partitions' digests (the digest of a table that never sat whole anywhere)."""
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def from_dask_frame(spec: Any, frame: Any, *, units: pd.DataFrame | None = None) -> PartitionedInput:
    """Wrap a ``dask.dataframe`` wide table (column or index ``unit``; ``year`` if several years)."""
    leaves, side = leaf_codes(spec), side_columns(spec)
    cols = set(frame.columns)
    missing = [c for c in leaves if c not in cols]
    if missing:
        raise SpecError(spec.node_path(missing[0]), missing_columns_message(leaves, missing, list(frame.columns)))
    side_meta = units[[c for c in side if c in units.columns]] if units is not None else None
    if spec.year_list and "year" in cols:
        frame = frame[frame["year"].astype(int).isin(spec.year_list)]
    multi = bool(spec.year_list and len(spec.year_list) > 1)
    return PartitionedInput(frame=frame, keep=_keep(spec, units), side=side_meta, multi_year=multi,
                            wanted=[*leaves, *[c for c in side if c in cols]])


def from_parquet(spec: Any, path: str | Path) -> PartitionedInput:
    """Open a folder written by :func:`territoria.store.export.export_parquet` for the spec.

    Raises
    ------
    StoreError
        Not an exported folder.
    DataError
        A year of the spec is not in the export.
    """

    path = Path(path)
    manifest = read_manifest(path)
    years = spec.year_list or [max(manifest["years"])]
    absent = [y for y in years if y not in manifest["years"]]
    if absent:
        raise DataError(f"{path}: year(s) {absent} are not in the export (it has {manifest['years']})")
    leaves, side = leaf_codes(spec), side_columns(spec)
    known = set(manifest["indicators"]) | set(manifest["catalogue_ids"])
    missing = [c for c in leaves if c not in known]
    if missing:
        raise SpecError(spec.node_path(missing[0]), missing_columns_message(leaves, missing, manifest["indicators"]))
    units = pd.read_parquet(path / "_units.parquet").set_index("code")
    present = [c for c in [*leaves, *side] if c in set(manifest["indicators"])]
    columns = ["unit", "level", *present]
    pieces = []
    for y in years:
        for file in sorted((path / f"year={int(y)}").glob("*.parquet")):
            n = pq.ParquetFile(file).metadata.num_row_groups
            pieces += [(str(file), g, int(y)) for g in range(n)]
    meta = _read_row_group((None, 0, 0), columns)
    frame = dd.from_map(_read_row_group, pieces, args=[columns], meta=meta, enforce_metadata=False)
    wanted = [c for c in [*leaves, *side] if c in known]
    directions = {c: float(manifest["directions"].get(c, 1.0)) for c in leaves}
    unit_side = [c for c in side if c not in known and c in units.columns]
    return PartitionedInput(frame=frame, keep=_keep(spec, units), side=units[unit_side] if unit_side else None,
                            directions=directions, multi_year=len(years) > 1, wanted=wanted)


def _read_row_group(piece: tuple[str | None, int, int], names: list[str]) -> pd.DataFrame:
    """One row group of one year's file, on a worker (``file=None``: the empty frame with the dtypes)."""

    file, group, year = piece
    if file is None:
        empty = pd.DataFrame({c: pd.Series(dtype=object if c in ("unit", "level") else float) for c in names})
        return empty.assign(year=pd.Series(dtype=int))
    have = set(pq.ParquetFile(file).schema_arrow.names)
    table = pq.ParquetFile(file).read_row_group(group, columns=[c for c in names if c in have]).to_pandas()
    return table.reindex(columns=names).assign(year=year)


def _keep(spec: Any, units: pd.DataFrame | None) -> set[str] | None:
    """The codes the spec's ``units`` filter keeps, from the units table (as ``prepare`` on a Panel)."""
    u = spec.units
    if not (u.codes or u.regions or u.groups or u.exclude or u.kinds is not None):
        return None
    if units is None:
        raise EngineError("units: regions / groups / codes / exclude / kinds need the units table: pass units= "
                          "(or read an export, whose _units.parquet has it)")
    keep = units.index.astype(str)
    if u.codes:
        keep = keep[keep.isin([str(c) for c in u.codes])]
    if u.regions:
        keep = within_regions(keep, units["parent"].to_dict() if "parent" in units else {}, u.regions)
    for g in u.groups or []:
        col = g if g in units else f"is_{g}"
        if col not in units:
            raise EngineError(f"units.groups: group {g!r} is not a column of the exported units table; run "
                              "territoria.engines.dask_borders.assign_groups and store the flags first")
        keep = keep[units.loc[keep, col].fillna(False).astype(bool).to_numpy()]
    if u.exclude or u.kinds is not None:     # the seeds' sample: units.exclude / units.kinds, as prepare applies them
        kind = units["kind"].set_axis(units.index.astype(str)) if "kind" in units else None
        keep = sample_filter(pd.Index(keep), list(u.exclude), u.kinds, kind)
    return set(map(str, keep))


def lengths_to_bounds(lengths: list[int]) -> list[tuple[int, int]]:
    edges = np.concatenate([[0], np.cumsum(lengths)]).astype(int).tolist()
    return list(itertools.pairwise(edges))
