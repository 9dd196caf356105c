r"""Monitoring of adopted measures and early warnings (pure functions; the Store keeps the history).

A measure aims to move ``indicator`` of ``unit`` from its baseline :math:`b` (value in the start year
:math:`t_0`, or the latest before it) to a target :math:`T` by the deadline year :math:`t_D`. With the
latest value :math:`x_t` (:math:`t > t_0`) and the straight path
:math:`e_t = b + (T - b)(t - t_0)/(t_D - t_0)`:

* ``achieved``: :math:`x_t` has reached the target (:math:`x_t \ge T` when :math:`T > b`, else
  :math:`x_t \le T`);
* ``overdue``: not achieved and the evaluation year (or the data) is past the deadline;
* ``on_track``: :math:`x_t` is at least as far along as :math:`e_t`; ``off_track`` otherwise;
* ``no_data``: no value after the start year.

Early warnings compare the last two years of a unit: its graded level falls to a worse class, or a
risk flag holds in the last year that did not hold in the year before.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from territoria.dynamics.status import fmt

__all__ = ["STATUSES", "early_warnings", "evaluate_measures"]

STATUSES = ("on_track", "off_track", "achieved", "overdue", "no_data")
EVALUATION_COLUMNS = ["measure_id", "data_year", "value", "expected", "status", "facts"]


def evaluate_measures(measures: pd.DataFrame, observations: pd.DataFrame, *, as_of: int | None = None
                      ) -> pd.DataFrame:
    """Status of every measure from the observations of its unit and indicator.

    Parameters
    ----------
    measures : DataFrame
        ``measure_id, unit, indicator, start_year, baseline_value, target_value, deadline_year``.
    observations : DataFrame
        Long ``unit, indicator, year, value``.
    as_of : int, optional
        Evaluation year (a measure is overdue after its deadline even without new data); default:
        the latest year of data.
    """
    obs = observations.dropna(subset=["value"])
    series = {(str(u), str(i)): s.set_index("year")["value"].sort_index()
              for (u, i), s in obs.groupby(["unit", "indicator"])}
    rows = []
    for m in measures.itertuples():
        s = series.get((str(m.unit), str(m.indicator)), pd.Series(dtype=float))
        after = s[s.index > int(m.start_year)]
        if as_of is not None:
            after = after[after.index <= as_of]
        b, target, t0, td = float(m.baseline_value), float(m.target_value), int(m.start_year), int(m.deadline_year)
        up = target >= b
        now = as_of if as_of is not None else (int(after.index.max()) if len(after) else None)
        if after.empty:
            late = now is not None and now > td
            facts = f"no value of {m.indicator} after {t0}" + (f"; deadline {td} passed" if late else "")
            rows.append({"measure_id": m.measure_id, "data_year": None, "value": None, "expected": None,
                         "status": "overdue" if late else "no_data", "facts": facts})
            continue
        t, x = int(after.index.max()), float(after.iloc[-1])
        expected = b + (target - b) * min(1.0, (t - t0) / (td - t0))
        reached = x >= target if up else x <= target
        ahead = x >= expected if up else x <= expected
        if reached:
            status = "achieved"
        elif max(t, now or t) > td:
            status = "overdue"
        else:
            status = "on_track" if ahead else "off_track"
        facts = (f"{m.indicator} {t} = {fmt(x)}; baseline {fmt(b)} ({t0}), target {fmt(target)} by {td}, "
                 f"expected on a straight path {fmt(round(expected, 3))}")
        rows.append({"measure_id": m.measure_id, "data_year": t, "value": x, "expected": expected,
                     "status": status, "facts": facts})
    return pd.DataFrame(rows, columns=EVALUATION_COLUMNS)


def early_warnings(levels: pd.DataFrame | None = None, flags_by_year: pd.DataFrame | None = None, *,
                   order: Sequence[str] = ()) -> pd.DataFrame:
    """Warnings of the last year against the year before.

    Parameters
    ----------
    levels : DataFrame, optional
        ``unit, year, level`` (the graded level of a multi-year assessment).
    flags_by_year : DataFrame, optional
        ``unit, year, rule, flag, text`` (risk flags evaluated for several years).
    order : sequence of str
        Level labels from the worst to the best (the spec's ``grade.labels``).

    Returns
    -------
    DataFrame
        ``unit, kind`` (level_down / new_flag), ``year, detail``.
    """
    rows = []
    rank = {label: i for i, label in enumerate(order)}
    if levels is not None and len(levels):
        for unit, part in levels.dropna(subset=["level"]).sort_values("year").groupby("unit"):
            if len(part) < 2:
                continue
            (y0, l0), (y1, l1) = part[["year", "level"]].iloc[-2], part[["year", "level"]].iloc[-1]
            if l0 in rank and l1 in rank and rank[l1] < rank[l0]:
                rows.append({"unit": str(unit), "kind": "level_down", "year": int(y1),
                             "detail": f"level fell from {l0} ({int(y0)}) to {l1} ({int(y1)})"})
    if flags_by_year is not None and len(flags_by_year):
        f = flags_by_year[flags_by_year["flag"] == True]  # noqa: E712
        years = sorted(set(flags_by_year["year"].dropna().astype(int)))
        if len(years) >= 2:
            last, before = years[-1], years[-2]
            held_before = set(zip(f.loc[f["year"] == before, "unit"], f.loc[f["year"] == before, "rule"],
                                  strict=True))
            for row in f[f["year"] == last].itertuples():
                if (row.unit, row.rule) not in held_before:
                    rows.append({"unit": str(row.unit), "kind": "new_flag", "year": last,
                                 "detail": f"new risk flag {row.rule}: {row.text}"})
    return pd.DataFrame(rows, columns=["unit", "kind", "year", "detail"])
