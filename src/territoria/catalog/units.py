"""Administrative changes: read a series on today's map or on the map before a split.

Kazakhstan's regions changed twice in the period the bundled panel covers: in June 2018 South
Kazakhstan region (no KATO code found; ``X_SOUTH_KAZAKHSTAN``) became Turkistan region plus the city of
Shymkent, and on 8 June 2022 Abai, Zhetisu and Ulytau regions were cut from East Kazakhstan, Almaty
region and Karaganda, which kept their codes. The crosswalk records each as ``split_part`` rows
(``new_code`` was part of ``old_code`` before ``date``).

An old unit is rebuilt as the sum of its parts, which is valid only for additive series (counts,
money amounts); a rate or a per-capita value must be recomputed from its rebuilt numerator and
denominator (:func:`territoria.indicators.derive.derive`), never averaged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from territoria.catalog.catalogue import Catalogue
from territoria.errors import DataError

__all__ = ["REPUBLICAN_CITIES", "Split", "overlapping_parts", "splits", "to_old_map"]

#: Cities of republican significance (Astana, Almaty, Shymkent).
REPUBLICAN_CITIES: tuple[str, ...] = ("710000000", "750000000", "790000000")
_DEFAULT_SPLITS = {"X_SOUTH_KAZAKHSTAN": (("610000000", "790000000"), 2018)}


@dataclass(frozen=True)
class Split:
    """An old unit and the units its territory went to; ``year`` is the year of the change."""

    old: str
    parts: tuple[str, ...]
    year: int

    @property
    def keeps_code(self) -> bool:
        """True when the old unit's code lives on as one of the parts (e.g. East Kazakhstan in 2022)."""
        return self.old in self.parts


def splits(crosswalk: pd.DataFrame | None = None) -> list[Split]:
    """The ``split_part`` events of a crosswalk (columns ``old_code, new_code, date, change_type``).

    Without a crosswalk, only the 2018 split of South Kazakhstan is known.
    """
    if crosswalk is None:
        return [Split(old, parts, year) for old, (parts, year) in _DEFAULT_SPLITS.items()]
    missing = [c for c in ("old_code", "new_code", "date", "change_type") if c not in crosswalk.columns]
    if missing:
        raise DataError(f"crosswalk lacks column(s) {missing}; has {list(crosswalk.columns)}")
    rows = crosswalk[crosswalk["change_type"] == "split_part"]
    out = []
    for old, group in rows.groupby("old_code", sort=True):
        dates = group["date"].astype(str).str[:4]
        if not dates.str.isdigit().all():
            raise DataError(f"crosswalk: split of {old!r} has a date without a year: {group['date'].tolist()}")
        out.append(Split(str(old), tuple(group["new_code"].astype(str)), int(dates.min())))
    return out


def overlapping_parts(codes: Iterable[str], year: int, crosswalk: pd.DataFrame | None = None, *,
                      known: Iterable[Split] | None = None) -> set[str]:
    """Parts that a sum over ``codes`` in ``year`` must leave out because their old unit is present.

    Before a split, statistics offices sometimes publish back-calculated rows for the new units beside
    the old unit (e.g. Turkistan and Shymkent GRP for 2011-2017 beside South Kazakhstan); adding both
    would count the territory twice. ``known`` (the crosswalk's :func:`splits`, read once) saves reading
    the crosswalk again when this is asked for many years.
    """
    present = set(codes)
    drop: set[str] = set()
    for split in (splits(crosswalk) if known is None else known):
        if not split.keeps_code and split.old in present and year < split.year + 1:
            drop |= set(split.parts) & present
    return drop


def to_old_map(observations: pd.DataFrame, crosswalk: pd.DataFrame | None, catalogue: Catalogue) -> pd.DataFrame:
    """Read additive series on the map before the splits: every old unit is the sum of its parts.

    For each (indicator, year) and each split ``old = part_1 + ... + part_k``:

    * if ``old`` has a distinct code and its own row exists, that published row is kept;
    * otherwise, if every part has a row, ``old = sum(part_i)`` (``source_id = "derived"``); if ``old``
      keeps its code as one of the parts, this is done only when at least one other part is present
      (else the row already describes the old territory);
    * the parts' rows are removed (on the old map they do not exist).

    Parameters
    ----------
    observations : DataFrame
        Long rows ``unit, indicator, year, value`` (other columns kept).
    crosswalk : DataFrame or None
        With ``split_part`` rows (see :func:`splits`); None knows only the South Kazakhstan split.
    catalogue : Catalogue
        Says which indicators are additive.

    Returns
    -------
    DataFrame
        The same columns, one row per (unit, indicator, year) on the old map.

    Raises
    ------
    DataError
        If a non-additive indicator is present: rates and per-capita values must be rebuilt from
        their numerators and denominators.
    """
    for col in ("unit", "indicator", "year", "value"):
        if col not in observations.columns:
            raise DataError(f"to_old_map: observations lack column {col!r}")
    bad = sorted(i for i in observations["indicator"].unique() if not catalogue[i].additive)
    if bad:
        raise DataError(f"to_old_map: indicator(s) {bad} are not additive (catalogue 'additive: false'); "
                        "rebuild them from their numerators and denominators on the old map instead")
    obs = observations.reset_index(drop=True)
    obs["unit"] = obs["unit"].astype(str)
    extra_cols = [c for c in obs.columns if c not in ("unit", "indicator", "year", "value")]
    keep = np.ones(len(obs), dtype=bool)
    new_rows = []
    # whole (indicator, year) groups at once: a loop over the groups took ~10 s on the bundled panel
    for split in splits(crosswalk):
        involved = obs[obs["unit"].isin({split.old, *split.parts}) & obs["indicator"].notna() & obs["year"].notna()]
        if involved.empty:
            continue
        last = involved.drop_duplicates(["indicator", "year", "unit"], keep="last")  # as a dict of the group
        members = list(dict.fromkeys([split.old, *split.parts]))
        wide = last.assign(_row=1.0).pivot(index=["indicator", "year"], columns="unit", values=["value", "_row"])
        values = wide["value"].reindex(columns=members)
        present = wide["_row"].reindex(columns=members).notna()  # a row whose value is missing is present
        others = [p for p in split.parts if p != split.old]
        old_kept = present[split.old] if not split.keeps_code else pd.Series(False, index=present.index)
        unchanged = present[others].any(axis=1).eq(False) if split.keeps_code else \
            pd.Series(False, index=present.index)
        rebuilt = ~old_kept & ~unchanged
        where = pd.MultiIndex.from_frame(involved[["indicator", "year"]])
        rows = involved.index.to_numpy()
        in_old_kept = old_kept.reindex(where).to_numpy(dtype=bool)
        is_part = (involved["unit"].isin(split.parts) & (involved["unit"] != split.old)).to_numpy()
        keep[rows[in_old_kept & is_part]] = False
        keep[rows[rebuilt.reindex(where).to_numpy(dtype=bool)]] = False
        complete = rebuilt & present[list(split.parts)].all(axis=1)
        total = sum((values.loc[complete, p] for p in split.parts), start=0)
        for (indicator, year), value in total.items():
            row = {"unit": split.old, "indicator": indicator, "year": int(year), "value": float(value)}
            if "source_id" in extra_cols:
                row["source_id"] = "derived"
            if "note" in extra_cols:
                row["note"] = "old map: sum of " + " + ".join(split.parts)
            new_rows.append(row)
    out = pd.concat([obs[keep], pd.DataFrame(new_rows, columns=obs.columns)], ignore_index=True)
    return out.sort_values(["indicator", "unit", "year"]).reset_index(drop=True)
