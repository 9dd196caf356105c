r"""Resilience of regional output (or employment) to a shock, relative to the nation.

For region :math:`r` with output :math:`Y_{rt}` and the national series :math:`Y_{Nt}` (the country row
when given, else the sum of the regions) over a shock window :math:`[t_0, t_1]`:

* ``relative_growth`` (default): :math:`RCC_r = \dfrac{Y_{r,t_1} / Y_{r,t_0}}{Y_{N,t_1} / Y_{N,t_0}}` —
  1 when the region moves with the nation, above 1 when it does better; always > 0, so
  :math:`\ln RCC_r` (the seed's dependent variable form) is defined and equals the growth-rate gap in logs.
* ``sensitivity``: Martin's (2012) sensitivity index
  :math:`\beta_r = \dfrac{\Delta Y_r / Y_{r,t_0}}{\Delta Y_N / Y_{N,t_0}}` — 1 = as sensitive as the nation;
  undefined when the nation does not change; can be negative (no logarithm).
* ``resistance``: Martin, Sunley, Gardiner & Tyler (2016),
  :math:`\dfrac{\Delta Y_r - \Delta Y_r^{e}}{|\Delta Y_r^{e}|}` with the expected change
  :math:`\Delta Y_r^{e} = Y_{r,t_0}\,(Y_{N,t_1}/Y_{N,t_0} - 1)` — 0 = as the nation, > 0 more resistant.

In current prices the common price change cancels from the comparison with the nation only to the
extent that regional prices move like national ones.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from territoria.economy._checks import EconomyInputError, py

__all__ = ["MEASURES", "resilience", "resilience_panel"]

Measure = Literal["relative_growth", "sensitivity", "resistance"]
MEASURES: tuple[str, ...] = ("relative_growth", "sensitivity", "resistance")


def _check_series(output: pd.DataFrame, national: pd.Series | None) -> tuple[pd.DataFrame, pd.Series]:
    if not isinstance(output, pd.DataFrame):
        raise EconomyInputError(f"output: expected a DataFrame with years as rows and regions as columns, "
                                f"got {type(output).__name__}")
    values = output.apply(pd.to_numeric, errors="coerce").astype(float)
    if values.shape[0] < 2:
        raise EconomyInputError(f"output: {values.shape[0]} period(s) ({list(values.index)}); a change needs at "
                                "least two")
    if (values <= 0).to_numpy().any():
        year, region = np.argwhere((values <= 0).to_numpy())[0]
        raise EconomyInputError(f"output: region {py(values.columns[region])!r}, year {py(values.index[year])!r}: "
                                f"value {py(values.iat[year, region])!r}; output must be > 0 for a growth rate")
    if national is None:
        ref = values.sum(axis=1, min_count=values.shape[1])
    else:
        ref = pd.to_numeric(national, errors="coerce").astype(float).reindex(values.index)
    bad = ref.index[~(ref > 0)]
    if len(bad):
        raise EconomyInputError(f"national: year {py(bad[0])!r} has no positive national value "
                                f"({py(ref[bad[0]])!r}); with the sum of regions every region needs a value")
    return values, ref


def _measure(y0: pd.Series, y1: pd.Series, n0: float, n1: float, measure: str) -> pd.Series:
    if measure == "relative_growth":
        return (y1 / y0) / (n1 / n0)
    if measure == "sensitivity":
        if n1 == n0:
            raise EconomyInputError("measure='sensitivity': national output did not change over the window; "
                                    "the index divides by zero; use relative_growth")
        return ((y1 - y0) / y0) / ((n1 - n0) / n0)
    if measure == "resistance":
        expected = y0 * (n1 / n0 - 1)
        if (expected == 0).any():
            raise EconomyInputError("measure='resistance': national output did not change over the window, so "
                                    "the expected change is 0; use relative_growth")
        return ((y1 - y0) - expected) / expected.abs()
    raise EconomyInputError(f"measure: expected one of {', '.join(MEASURES)}, got {measure!r}")


def resilience(output: pd.DataFrame, *, start: int, end: int, national: pd.Series | None = None,
               measure: Measure = "relative_growth") -> pd.Series:
    """Resilience of each region over the window ``start`` -> ``end`` (see the module docstring).

    Parameters
    ----------
    output : DataFrame
        Years (index) x regions (columns), values > 0.
    start, end : int
        Years in the index, ``start < end``.
    national : Series, optional
        National output by year; default the sum of the regions.
    measure : {"relative_growth", "sensitivity", "resistance"}, default="relative_growth"
    """
    values, ref = _check_series(output, national)
    for name, year in (("start", start), ("end", end)):
        if year not in values.index:
            raise EconomyInputError(f"{name}: year {year!r} is not in the data ({list(values.index)})")
    if not start < end:
        raise EconomyInputError(f"start, end: the window {start}-{end} must run forward in time")
    out = _measure(values.loc[start], values.loc[end], ref[start], ref[end], measure)
    return out.rename(measure)


def resilience_panel(output: pd.DataFrame, *, national: pd.Series | None = None, window: int = 1,
                     measure: Measure = "relative_growth") -> pd.DataFrame:
    """Rolling resilience for every year ``t`` with ``t - window`` in the data: a regions x years panel.

    Returns a long DataFrame with columns ``region``, ``year`` (the end of the window), ``value``; a
    region missing a value at either end of a window gets no row for it.
    """
    if not isinstance(window, int) or window < 1:
        raise EconomyInputError(f"window: expected a whole number of years >= 1, got {window!r}")
    if measure not in MEASURES:
        raise EconomyInputError(f"measure: expected one of {', '.join(MEASURES)}, got {measure!r}")
    if not isinstance(output, pd.DataFrame) or output.shape[0] < 2:
        n = output.shape[0] if isinstance(output, pd.DataFrame) else 0
        raise EconomyInputError(f"output: {n} period(s); a resilience panel needs at least two")
    years = sorted(output.index)
    rows = []
    for end in years:
        start = end - window
        if start not in output.index:
            continue
        pair = output.loc[[start, end]].dropna(axis=1)
        if pair.shape[1] == 0:
            continue
        ref = None if national is None else national.reindex([start, end])
        values = resilience(pair, start=start, end=end, national=ref, measure=measure)
        rows.append(pd.DataFrame({"region": values.index, "year": end, "value": values.to_numpy()}))
    if not rows:
        raise EconomyInputError(f"output: no pair of years {window} year(s) apart in {years}")
    return pd.concat(rows, ignore_index=True)
