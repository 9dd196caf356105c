"""The bundled real data as a :class:`~territoria.panel.Panel`, without a Store.

:func:`bundled_panel` gives the same observations and unit metadata as ``Store.panel`` on a Store filled by
``territoria load-bundled``: the published series read from the package's data files
(:mod:`territoria.ingest.bundled`) plus the relative indicators derived from them by the catalogue's
formulas (:func:`territoria.indicators.derive.derive`). Nothing is written to disk.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pandas as pd

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.errors import DataError
from territoria.indicators.borders import on_old_map
from territoria.indicators.derive import derive
from territoria.ingest import bundled
from territoria.panel import Panel
from territoria.store.bundle import with_geonames_points

__all__ = ["LEVELS", "bundled_panel"]

#: The unit levels of the bundled data.
LEVELS = ("country", "region", "district", "rural_district", "settlement")


@cache
def _everything() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, Catalogue]:
    """Published and derived observations, units (indexed by code), crosswalk and catalogue, read once."""
    catalogue = load_catalogue()
    units = bundled.bundled_units()
    crosswalk = bundled.bundled_crosswalk()
    observed = bundled.bundled_observations()
    derived = derive(observed, catalogue, units=units, crosswalk=crosswalk).assign(source_id="derived")
    observations = pd.concat([observed, derived], ignore_index=True)
    observations = observations.sort_values(["unit", "indicator", "year"], ignore_index=True)
    return observations, units.set_index("code"), crosswalk, catalogue


@cache
def _units_with_points() -> pd.DataFrame:
    """The units with the GeoNames points of settlements that have no coordinates of their own (slow: the
    places are matched to KATO codes, only settlements gain a point)."""
    units = _everything()[1].reset_index()
    return with_geonames_points(units, bundled.geonames_places()).set_index("code")


def bundled_panel(level: str | None = "region", *, indicators: Iterable[str] | None = None,
                  years: Iterable[int] | None = None, borders: str = "own") -> Panel:
    """The package's bundled real data as a Panel, read from its data files (no DuckDB file needed).

    Parameters
    ----------
    level : {"country", "region", "district", "rural_district", "settlement"} or None, default="region"
        Keep the units of this level; None keeps every level.
    indicators : iterable of str, optional
        Keep these indicator ids (published or derived); default all.
    years : iterable of int, optional
        Keep these years; default all.
    borders : {"own", "old"}, default="own"
        ``"own"``: every year on its own borders, as published; ``"old"``: every year on the map before the
        2018 and 2022 splits (see :func:`territoria.indicators.borders.on_old_map`).

    Returns
    -------
    Panel
        The same observations (``unit, indicator, year, value, source_id``...) and unit metadata as
        ``Store.panel(level=...)`` on a Store loaded with the bundled data. The first call reads the files
        and derives the relative indicators (a few seconds; matching the GeoNames points of settlements
        takes longer and is done only for ``level="settlement"`` or None); later calls reuse them.

    Examples
    --------
    >>> import territoria
    >>> panel = territoria.bundled_panel("region")
    >>> 2021 in panel.years
    True
    """
    if level is not None and level not in LEVELS:
        raise DataError(f"bundled_panel: level must be one of {list(LEVELS)} or None, got {level!r}")
    if borders not in ("own", "old"):
        raise DataError(f"bundled_panel: borders must be 'own' or 'old', got {borders!r}")
    observations, meta, crosswalk, catalogue = _everything()
    if level in (None, "settlement"):
        meta = _units_with_points()
    if borders == "old":
        observations, _ = on_old_map(observations[["unit", "indicator", "year", "value", "source_id"]],
                                     catalogue, crosswalk=crosswalk, units=meta.reset_index())
    keep = pd.Series(True, index=observations.index)
    if level is not None:
        keep &= observations["unit"].map(meta["level"]).eq(level)
    if indicators is not None:
        keep &= observations["indicator"].isin(set(indicators))
    if years is not None:
        keep &= observations["year"].isin({int(y) for y in years})
    obs = observations[keep].reset_index(drop=True)
    obs["year"] = obs["year"].astype(int)
    units = meta.loc[meta.index.isin(obs["unit"].unique())].sort_index()
    if borders == "old":  # on the old map the old units exist in every year and the parts of a split do not
        units = units.assign(valid_from=None, valid_to=None)
    label = "bundled" if borders == "own" else "bundled (old borders)"
    return Panel(obs, units, catalogue, label=label)
