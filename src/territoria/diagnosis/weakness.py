r"""Weakest indicators and blocks of each unit against national, regional and group references.

On the normalised scale of the assessment (higher = less vulnerable in the bundled spec) the gap of
unit *i* on code *c* against a reference set *R* is :math:`g_{ic}^R = y_{ic} - \bar y_c^R`, with
:math:`\bar y_c^R` the mean over the units of *R* in the same year:

* ``national``: every assessed unit (this is the engine's own contribution, divided by the weight);
* ``region``: the units of the same region (first two digits of the KATO code) — empty for a
  region-level assessment, where a region is its own reference;
* ``group:<name>``: the members of each group the unit belongs to (optional ``groups`` table
  ``unit, group, reason`` from :mod:`territoria.groups`).

The ``contribution`` is the engine's :math:`C_{ic} = w_c (y_{ic} - \bar y_c)` (``Result.contributions``;
effective weight to the composite for an indicator, normalised weight within the composite for a
block): how many points of the composite the indicator or block takes away (negative) or adds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from territoria.errors import DataError

__all__ = ["reference_gaps", "region_of", "result_year", "weakest"]


def region_of(code: str) -> str:
    """The region's KATO code of a unit code (``59..`` → ``590000000``); other codes are their own."""
    code = str(code)
    return code[:2] + "0000000" if len(code) == 9 and code.isdigit() else code


def result_year(result: Any, year: int | None = None) -> int | None:
    """The year to diagnose: ``year`` if given, else the latest one of a multi-year Result (None for one)."""
    index = result.tables["aggregated"].index
    if not isinstance(index, pd.MultiIndex):
        return None
    years = sorted(set(index.get_level_values("year")))
    if year is None:
        return int(years[-1])
    if int(year) not in years:
        raise DataError(f"diagnosis: year {year} is not in the assessment (years {years[0]}–{years[-1]})")
    return int(year)


def _one_year(table: pd.DataFrame, year: int | None) -> pd.DataFrame:
    if year is None or not isinstance(table.index, pd.MultiIndex):
        return table
    return table.xs(year, level="year")


def reference_gaps(result: Any, *, year: int | None = None, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gap of every unit on every indicator and block against each reference (formula in the module doc).

    Returns
    -------
    DataFrame
        Long: ``unit, code, kind`` (indicator / block), ``value`` (normalised or block score),
        ``reference`` (national / region / group:<name>), ``reference_mean``, ``members``, ``gap``,
        ``contribution`` (weight × gap; the engine's value for ``national``).
    """
    year = result_year(result, year)
    tree = result.tree
    root = result.root
    parents = set(tree["parent"].dropna())
    under = tree[(tree["parent"] == root) & tree["code"].isin(parents)]
    blocks = under["code"].tolist()
    indicators = list(dict.fromkeys(c for c in tree["code"] if c not in parents))   # a reused indicator once
    scores = _one_year(result.tables["aggregated"], year)[indicators + blocks]
    effective = result.tables["weights"]["effective"].reindex(indicators)
    # a block's weight under the root is its edge's (a block reused there is keyed code@root)
    block_weights = pd.Series(result.weights.reindex(under["edge"]).to_numpy(dtype=float), index=blocks)
    wsum = float(block_weights.sum()) or 1.0
    coef = pd.concat([effective, block_weights / wsum])
    units = scores.index.astype(str)
    membership = [("national", pd.Series("national", index=units))]
    regions = pd.Series([region_of(u) for u in units], index=units)
    if regions.duplicated().any():
        membership.append(("region", regions))
    frames = []
    for name, key in membership:
        means = scores.groupby(key.to_numpy()).transform("mean")
        sizes = scores.groupby(key.to_numpy())[scores.columns[0]].transform("size")
        frames.append(_long(scores, means, sizes, coef, name, blocks))
    if groups is not None and len(groups):
        missing = [c for c in ("unit", "group") if c not in groups.columns]
        if missing:
            raise DataError(f"groups table lacks column(s) {missing}; expected unit, group, reason")
        g = groups.assign(unit=groups["unit"].astype(str))
        for gname, members in g.groupby("group", sort=True):
            inside = [u for u in units if u in set(members["unit"])]
            if not inside:
                continue
            sub = scores.loc[inside]
            means = pd.DataFrame([sub.mean()] * len(inside), index=sub.index)
            sizes = pd.Series(len(inside), index=sub.index)
            frames.append(_long(sub, means, sizes, coef, f"group:{gname}", blocks))
    out = pd.concat(frames, ignore_index=True)
    contrib = result.contributions
    if year is not None:
        contrib = contrib[contrib.index.get_level_values("year") == year]
        contrib = contrib.droplevel("year")
    engine = contrib[((contrib["to"] == "root") & contrib["code"].isin(indicators))
                     | ((contrib["to"] == "parent") & (contrib["parent"] == root))]
    engine = pd.Series(engine["contribution"].to_numpy(),
                       index=pd.MultiIndex.from_arrays([engine.index.astype(str), engine["code"].astype(str)]))
    national = out["reference"] == "national"
    keys = pd.MultiIndex.from_arrays([out.loc[national, "unit"], out.loc[national, "code"]])
    out.loc[national, "contribution"] = engine.reindex(keys).to_numpy()
    out.attrs["year"] = year
    return out


def _long(scores: pd.DataFrame, means: pd.DataFrame, sizes: pd.Series, coef: pd.Series, reference: str,
          blocks: list[str]) -> pd.DataFrame:
    gap = scores - means
    frame = pd.DataFrame({
        "unit": np.repeat(scores.index.astype(str).to_numpy(), scores.shape[1]),
        "code": np.tile(scores.columns.astype(str).to_numpy(), len(scores)),
        "value": scores.to_numpy().reshape(-1),
        "reference": reference,
        "reference_mean": means.to_numpy().reshape(-1),
        "members": np.repeat(sizes.to_numpy(), scores.shape[1]),
        "gap": gap.to_numpy().reshape(-1),
    })
    frame.insert(2, "kind", np.where(frame["code"].isin(blocks), "block", "indicator"))
    frame["contribution"] = frame["gap"] * frame["code"].map(coef).to_numpy()
    return frame


def weakest(gaps: pd.DataFrame, *, n: int = 5, units: list[str] | None = None, kind: str = "indicator"
            ) -> pd.DataFrame:
    """The ``n`` weakest indicators (or blocks) per unit: most negative national contribution first.

    Returns one row per (unit, code) with ``rank`` (1 = weakest), ``value``, ``contribution`` and a
    ``gap_<reference>`` column for every reference present (national, region, group:<name>).
    """
    if n < 1:
        raise DataError(f"weakest: n must be at least 1, got {n}")
    data = gaps[gaps["kind"] == kind]
    if units is not None:
        unknown = sorted(set(map(str, units)) - set(data["unit"]))
        if unknown:
            raise DataError(f"weakest: unit(s) {unknown} are not in the assessment")
        data = data[data["unit"].isin(set(map(str, units)))]
    # one gap per (unit, code, reference): spread by reference; a reference without any gap here gets no column
    wide = data.set_index(["unit", "code", "reference"])["gap"].unstack("reference").dropna(axis=1, how="all")
    wide.columns = [f"gap_{c}" for c in wide.columns]
    nat = data[data["reference"] == "national"].set_index(["unit", "code"])[["value", "contribution"]]
    table = nat.join(wide).reset_index()
    table = table.dropna(subset=["contribution"])
    table["rank"] = table.groupby("unit")["contribution"].rank(method="first").astype(int)
    table = table[table["rank"] <= n].sort_values(["unit", "rank"], kind="stable")
    return table[["unit", "rank", "code", "value", "contribution",
                  *[c for c in table.columns if c.startswith("gap_")]]].reset_index(drop=True)
