"""Rebuild the bundled district panel from raw BNS exports with the connector's own code (pure, no I/O).

The bundle's district panel (source ids ``DST_BNS_*``) was transcribed from stored copies of four dynamic
tables (``data/SOURCES.md``). :func:`rebuild_panel` reads raw exports of the same tables with
:func:`~territoria.connectors.bns.read.read_table` and :func:`compare_panel` lists every difference from the
bundle, so that the bundle and the connector cannot silently disagree.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from territoria.connectors.bns.read import TableRead, read_table
from territoria.connectors.bns.registry import Registry

__all__ = ["bundled_panel", "compare_panel", "rebuild_panel"]

_KEY = ["unit", "indicator", "year"]


def bundled_panel(observations: pd.DataFrame, alternates: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """The bundle's rows from the registry's ``bundle_source`` tables: kept rows plus those set aside as
    alternates (where another source won the same key). Columns ``unit, indicator, year, value, source_id``."""
    sources = {e.bundle_source for e in registry.tables.values() if e.bundle_source}
    cols = [*_KEY, "value", "source_id"]
    both = pd.concat([observations.loc[observations["source_id"].isin(sources), cols],
                      alternates.loc[alternates["source_id"].isin(sources), cols]], ignore_index=True)
    return both.sort_values(_KEY).reset_index(drop=True)


def rebuild_panel(exports: Mapping[str, bytes], *, registry: Registry, units: pd.DataFrame,
                  crosswalk: pd.DataFrame | None, catalogue) -> tuple[pd.DataFrame, dict[str, TableRead]]:
    """Read each export (``{table id: bytes}``) and return the panel rows with the bundle's source ids.

    Check failures do not stop a rebuild (the bundle keeps the printed figures, doubtful ones included);
    they are in each :class:`TableRead`'s ``failures`` for the caller to report.
    """
    frames, reads = [], {}
    for table, body in exports.items():
        entry = registry[table]
        if not entry.bundle_source:
            raise KeyError(f"BNS table {table} is not a source of the bundled panel "
                           f"(bundled: {', '.join(t for t, e in registry.tables.items() if e.bundle_source)})")
        read = read_table(body, entry=entry, registry=registry, units=units, crosswalk=crosswalk,
                          where=f"{entry.describe()} (raw export)")
        reads[table] = read
        frames.append(read.observations(catalogue=catalogue, source_id=entry.bundle_source))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*_KEY, "value", "source_id"])
    return rows.sort_values(_KEY).reset_index(drop=True), reads


def compare_panel(rebuilt: pd.DataFrame, bundled: pd.DataFrame, *, rtol: float = 1e-12) -> pd.DataFrame:
    """Every key whose value differs, or that only one side has; empty when they agree.

    Columns ``unit, indicator, year, bundled, rebuilt, source_id, what``.
    """
    merged = bundled.merge(rebuilt[[*_KEY, "value", "source_id"]], on=_KEY, how="outer",
                           suffixes=("_bundled", "_rebuilt"), indicator=True)
    a, b = merged["value_bundled"].to_numpy(float), merged["value_rebuilt"].to_numpy(float)
    same_value = np.isclose(a, b, rtol=rtol, atol=0.0)
    same_source = merged["source_id_bundled"] == merged["source_id_rebuilt"]
    what = np.select([merged["_merge"] == "left_only", merged["_merge"] == "right_only", ~same_value, ~same_source],
                     ["only in the bundle", "only in the rebuild", "value differs", "source differs"], "")
    out = merged.assign(what=what)[lambda f: f["what"] != ""]
    return out.rename(columns={"value_bundled": "bundled", "value_rebuilt": "rebuilt"})[
        [*_KEY, "bundled", "rebuilt", "source_id_bundled", "source_id_rebuilt", "what"]].reset_index(drop=True)
