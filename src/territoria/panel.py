"""The Panel: unit × indicator × year observations with their metadata.

A Panel is what the method modules work on. It is built by the Store (or from any long table) and
does no I/O itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from territoria.catalog.catalogue import Catalogue
from territoria.errors import DataError

__all__ = ["OBSERVATION_COLUMNS", "UNIT_COLUMNS", "Panel"]

OBSERVATION_COLUMNS = ["unit", "indicator", "year", "value"]
UNIT_COLUMNS = ["code", "name_en", "name_ru", "name_kk", "level", "parent", "kind", "population", "lat", "lon"]


def _as_dates(values: pd.Series) -> pd.Series:
    """'2022', '2018-06' or '2022-06-08' → Timestamp (start of the period), NaT when empty."""
    text = values.astype("string").str.strip()
    text = text.where(~text.str.fullmatch(r"\d{4}").fillna(False), text + "-01-01")
    text = text.where(~text.str.fullmatch(r"\d{4}-\d{2}").fillna(False), text + "-01")
    return pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")


@dataclass(frozen=True)
class Panel:
    """Observations in long form plus unit and indicator metadata.

    Parameters
    ----------
    observations : DataFrame
        Columns ``unit`` (str code), ``indicator`` (str id), ``year`` (int), ``value`` (float);
        further columns (``source_id``...) are kept. One row per (unit, indicator, year).
    units : DataFrame
        Indexed by unit code; columns as in :data:`UNIT_COLUMNS` (without ``code``) and status flags.
    catalogue : Catalogue
        The indicator catalogue the ids refer to.
    """

    observations: pd.DataFrame
    units: pd.DataFrame
    catalogue: Catalogue
    label: str = field(default="panel")

    def __post_init__(self) -> None:
        missing = [c for c in OBSERVATION_COLUMNS if c not in self.observations.columns]
        if missing:
            raise DataError(f"Panel: observations lack column(s) {missing}; have {list(self.observations.columns)}")
        dup = self.observations.duplicated(["unit", "indicator", "year"])
        if dup.any():
            first = self.observations.loc[dup, ["unit", "indicator", "year"]].iloc[0].tolist()
            raise DataError(f"Panel: {int(dup.sum())} duplicated (unit, indicator, year) rows, first {first}")

    # -- shape -------------------------------------------------------------------------------
    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.observations["year"].unique())

    @property
    def indicators(self) -> list[str]:
        return sorted(self.observations["indicator"].unique())

    @property
    def unit_codes(self) -> list[str]:
        return sorted(self.observations["unit"].unique())

    def existing_in(self, year: int) -> pd.Index:
        """Codes of the units that existed on the borders of ``year``.

        Annual statistics of year *Y* are compiled on the borders in force at the end of *Y*: Abai,
        Zhetisu and Ulytau (created 8 June 2022) report from 2022; the pre-2018 South Kazakhstan region
        reports until 2017. A unit exists in *Y* when ``valid_from`` (a year or an ISO date) is on or
        before 31 December *Y* and ``valid_to`` is after it; units without dates always exist.
        """
        meta = self.units
        if meta.empty:
            return meta.index
        year_end = pd.Timestamp(year=int(year), month=12, day=31)
        exists = pd.Series(True, index=meta.index)
        if "valid_from" in meta:
            start = _as_dates(meta["valid_from"])
            exists &= start.isna() | (start <= year_end)
        if "valid_to" in meta:
            end = _as_dates(meta["valid_to"])
            exists &= end.isna() | (end > year_end)
        return meta.index[exists.to_numpy()]

    def wide(self, year: int, indicators: Iterable[str] | None = None) -> pd.DataFrame:
        """Units × indicators for one year (index ``unit``, columns indicator ids, NaN where missing)."""
        obs = self.observations[self.observations["year"] == year]
        if indicators is not None:
            indicators = list(indicators)
            obs = obs[obs["indicator"].isin(indicators)]
        table = obs.pivot(index="unit", columns="indicator", values="value")
        if indicators is not None:
            table = table.reindex(columns=indicators)
        table.columns.name = None
        return table.sort_index()

    def cube(self, indicators: Iterable[str] | None = None) -> pd.DataFrame:
        """(unit, year) × indicator table over all years."""
        obs = self.observations
        if indicators is not None:
            indicators = list(indicators)
            obs = obs[obs["indicator"].isin(indicators)]
        table = obs.pivot_table(index=["unit", "year"], columns="indicator", values="value", aggfunc="first")
        if indicators is not None:
            table = table.reindex(columns=indicators)
        table.columns.name = None
        return table.sort_index()

    def unit_table(self, unit: str, indicators: Iterable[str] | None = None) -> pd.DataFrame:
        """Indicator × year table of one unit (the layout of the seeds' town tables)."""
        obs = self.observations[self.observations["unit"] == unit]
        if indicators is not None:
            obs = obs[obs["indicator"].isin(list(indicators))]
        table = obs.pivot(index="indicator", columns="year", values="value")
        table.columns.name = None
        return table

    def select(self, *, units: Iterable[str] | None = None, indicators: Iterable[str] | None = None,
               years: Iterable[int] | None = None, level: str | None = None) -> Panel:
        """A sub-panel; every filter is optional."""
        obs = self.observations
        unit_meta = self.units
        if level is not None:
            unit_meta = unit_meta[unit_meta["level"] == level]
            obs = obs[obs["unit"].isin(unit_meta.index)]
        if units is not None:
            wanted = set(units)
            obs = obs[obs["unit"].isin(wanted)]
            unit_meta = unit_meta[unit_meta.index.isin(wanted)]
        if indicators is not None:
            obs = obs[obs["indicator"].isin(set(indicators))]
        if years is not None:
            obs = obs[obs["year"].isin({int(y) for y in years})]
        return Panel(obs.reset_index(drop=True), unit_meta, self.catalogue, label=self.label)

    def names(self, lang: str = "en") -> pd.Series:
        """Unit names in ``lang`` (falling back to Russian, then English), indexed by code."""
        col = f"name_{lang}"
        names = self.units[col] if col in self.units else pd.Series(index=self.units.index, dtype=object)
        return names.where(names.notna() & (names != ""), self.units.get("name_ru")).fillna(self.units["name_en"])

    @classmethod
    def from_long(cls, table: pd.DataFrame, catalogue: Catalogue, units: pd.DataFrame | None = None,
                  *, label: str = "panel") -> Panel:
        """Build a Panel from any long table; units metadata defaults to codes only."""
        obs = table.copy()
        obs["unit"] = obs["unit"].astype(str)
        obs["year"] = obs["year"].astype(int)
        obs["value"] = pd.to_numeric(obs["value"])
        if units is None:
            units = pd.DataFrame(index=pd.Index(sorted(obs["unit"].unique()), name="code"),
                                 columns=[c for c in UNIT_COLUMNS if c != "code"])
            units["name_en"] = units.index
        return cls(obs, units, catalogue, label=label)
