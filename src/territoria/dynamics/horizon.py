r"""The horizon over which a unit's status is judged, and the series derived for it.

One horizon serves every output (CLI ``trends --status``, reports, the dashboard): :data:`DEFAULT_HORIZON`
years of change, ending in the unit's latest year. For a unit whose latest year is :math:`T` the window is
:math:`[T - h, T]`: population on 1 January of :math:`T-h` and :math:`T` (:math:`h` years of change) and the
flows of the years :math:`T-h .. T-1` (and :math:`T` where published).

Change over the horizon of a series observed from :math:`t_0` to :math:`t_1` (values :math:`x_0, x_1 > 0`):

* when the series covers the horizon (:math:`t_1 - t_0 \ge h`): :math:`c = 100\,(x_1/x_0 - 1)`;
* when it is shorter (the seeds' towns, 2015–2020): the change at the observed compound pace carried to the
  horizon, :math:`c = 100\,((x_1/x_0)^{h/(t_1 - t_0)} - 1)`; the fact says so and gives the observed change.

Implied migration balance (the demographic balance identity): with population on 1 January :math:`P_t` and
natural increase (births − deaths) :math:`N_t` of year :math:`t`,
:math:`M_t = P_{t+1} - P_t - N_t`. It also absorbs boundary changes and statistical adjustments, so it is
used only where no migration series is published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DEFAULT_HORIZON", "IMPLIED_MIGRATION", "HorizonChange", "change_over_horizon", "implied_net_migration",
           "last_break", "one_year_outliers", "window_bounds"]

#: Years of change over which the status of every unit is judged (CLI, reports and dashboard alike).
DEFAULT_HORIZON = 10
#: Pseudo-indicator of the migration balance implied by population on 1 January and natural increase.
IMPLIED_MIGRATION = "net_migration_implied"


@dataclass(frozen=True)
class HorizonChange:
    """Change of a series over the horizon: ``pct`` (over ``horizon`` years) and what it was read from."""

    pct: float
    observed_pct: float
    y0: int
    x0: float
    y1: int
    x1: float
    horizon: int
    scaled: bool


def change_over_horizon(years: Iterable[int], values: Iterable[float], horizon: int) -> HorizonChange | None:
    """Percent change over ``horizon`` years (scaled at the observed pace when the series is shorter).

    None when the change is undefined (fewer than two years, or a first or last value ≤ 0).

    Examples
    --------
    >>> c = change_over_horizon([2015, 2020], [7027, 6731], 10)   # Mamlyutka, seed 002, Table 2
    >>> round(c.observed_pct, 2), round(c.pct, 2), c.scaled
    (-4.21, -8.25, True)
    """
    y = np.asarray(list(years), dtype=int)
    x = np.asarray(list(values), dtype=float)
    if len(x) < 2 or x[0] <= 0 or x[-1] <= 0 or y[-1] <= y[0]:
        return None
    span = int(y[-1] - y[0])
    ratio = x[-1] / x[0]
    scaled = span < horizon
    pct = 100 * (ratio ** (horizon / span) - 1) if scaled else 100 * (ratio - 1)
    return HorizonChange(float(pct), float(100 * (ratio - 1)), int(y[0]), float(x[0]), int(y[-1]), float(x[-1]),
                         int(horizon), scaled)


def implied_net_migration(population_1jan: pd.Series, natural_increase: pd.Series) -> pd.Series:
    """Migration balance of each year implied by ``P(t+1) - P(t) - N(t)`` (index: year).

    Only years with population on 1 January of that year and the next and natural increase of that year.

    Examples
    --------
    >>> p = pd.Series([1000.0, 990.0, 985.0], index=[2015, 2016, 2017])
    >>> n = pd.Series([2.0, -1.0], index=[2015, 2016])
    >>> implied_net_migration(p, n).tolist()
    [-12.0, -4.0]
    """
    pop = population_1jan.dropna()
    nat = natural_increase.dropna()
    years = pop.index[pop.index.isin(nat.index) & (pop.index + 1).isin(pop.index)]
    if len(years) and pop.index.is_unique and nat.index.is_unique:  # the usual case, without a three-way join
        name = pop.index.name if pop.index.name == nat.index.name else None
        values = (pop.reindex(years + 1).to_numpy() - pop.reindex(years).to_numpy() - nat.reindex(years).to_numpy())
        return pd.Series(values, index=years.rename(name), name=IMPLIED_MIGRATION).sort_index()
    nxt = pop.copy()
    nxt.index = nxt.index - 1
    frame = pd.concat({"p": pop, "p_next": nxt, "n": nat}, axis=1).dropna()
    return (frame["p_next"] - frame["p"] - frame["n"]).rename(IMPLIED_MIGRATION).sort_index()


def last_break(series: pd.Series, limit: float) -> tuple[int, float] | None:
    """``(year, pct)`` of the last consecutive-year change larger than ``limit`` % in absolute value, if any.

    Examples
    --------
    >>> last_break(pd.Series([100.0, 99, 49.5, 49], index=[2019, 2020, 2021, 2022]), 10)
    (2021, -50.0)
    """
    s = series.dropna()
    years, x = s.index.to_numpy(dtype=int), s.to_numpy(dtype=float)
    found = None
    for k in range(1, len(x)):
        if years[k] - years[k - 1] == 1 and x[k - 1] > 0:
            pct = 100 * (x[k] / x[k - 1] - 1)
            if abs(pct) > limit:
                found = (int(years[k]), float(pct))
    return found


def one_year_outliers(series: pd.Series, limit: float) -> list[tuple[int, float, float]]:
    """``(year, pct_in, pct_out)`` of every one-year spike: a value that differs by more than ``limit`` % from
    both its neighbouring years, in opposite directions, while the neighbours are within ``limit`` % of each other.

    Such a value is a revised or misreported figure (the bundled district panel has 1 January 2022 figures
    set apart from the years either side), not a boundary change: a split or merger moves the level for
    good. It is left out, and the series is read across it.

    Examples
    --------
    >>> s = pd.Series([13358.0, 14935, 12829, 12383], index=[2021, 2022, 2023, 2024])   # Zharkayyn district
    >>> [(y, round(a, 1), round(b, 1)) for y, a, b in one_year_outliers(s, 10)]
    [(2022, 11.8, -14.1)]
    """
    s = series.dropna()
    years, x = s.index.to_numpy(dtype=int), s.to_numpy(dtype=float)
    found = []
    for k in range(1, len(x) - 1):
        if years[k] - years[k - 1] != 1 or years[k + 1] - years[k] != 1 or x[k - 1] <= 0 or x[k] <= 0:
            continue
        pct_in, pct_out = 100 * (x[k] / x[k - 1] - 1), 100 * (x[k + 1] / x[k] - 1)
        across = 100 * (x[k + 1] / x[k - 1] - 1)
        if abs(pct_in) > limit and abs(pct_out) > limit and pct_in * pct_out < 0 and abs(across) <= limit:
            found.append((int(years[k]), float(pct_in), float(pct_out)))
    return found


def window_bounds(series: dict[str, pd.Series], horizon: int, indicators: Iterable[str] | None = None
                  ) -> tuple[int, int] | None:
    """``(T - horizon, T)`` with ``T`` the latest year of the named series (of any series when none is named)."""
    last = {}  # latest year with a value of each series that has one
    for n, s in series.items():
        has = s.notna().to_numpy()
        if has.any():
            last[n] = s.index[has].max()
    names = [n for n in (indicators or series) if n in last] or list(last)
    if not names:
        return None
    end = max(int(last[n]) for n in names)
    return end - horizon, end
