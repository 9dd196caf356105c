"""Status of a unit — developing / stable / stagnating / declining / at risk of dying out — from rules.

The rules live in a YAML file (the package's ``dynamics/status_rules.yaml`` by default, or the user's
own). Each status has conditions on the unit's series; the first status whose conditions hold is the
unit's status, and it carries the facts that made it hold (years and values). The order of the file
is the order of precedence, worst first.

Every series is read over one horizon (the rule file's ``horizon_years``, by default
:data:`~territoria.dynamics.horizon.DEFAULT_HORIZON`; see :mod:`territoria.dynamics.horizon`): the unit's
latest year ``T`` and the years from ``T - horizon`` on. Condition tests:

* ``falling_last_years`` / ``rising_last_years`` (``n``): each of the last ``n`` year-on-year changes
  is negative / positive (consecutive years);
* ``every_year`` (``op``, ``value``): every observed value satisfies the comparison;
* ``share_of_years`` (``op``, ``value``, ``share``): at least ``share`` of the years satisfy it;
* ``change_pct`` (``op``, ``value``): ``100 (x_last / x_first - 1)``;
* ``change_over_horizon`` (``op``, ``value``): percent change over the horizon, carried to the horizon at
  the observed compound pace when the series is shorter (a magnitude, so that 85 people out of 7,700 is not
  the fall of a town dying out);
* ``cagr_pct`` (``op``, ``value``): compound annual rate, ``100 ((x_last/x_first)^(1/span) - 1)``;
* ``trend`` (``direction``, ``alpha``): Mann–Kendall label at level ``alpha``;
* ``last_value`` (``op``, ``value``).

A condition with ``break_pct`` reads its series only from the last year-on-year change larger than that
(in %, either way): a district that lost a third of its people from one 1 January to the next was split,
it did not empty (:func:`last_break`); the fact says where the series was cut. A one-year outlier (out by
more than that and back, :func:`~territoria.dynamics.horizon.one_year_outliers`) is left out instead.

``indicator`` may list alternatives (the first one with at least ``min_years`` values is used), e.g. population on
1 January for regions and the seeds' "population size" for towns; ``composite`` is the composite
index over years when it is given; ``net_migration_implied`` is the balance implied by population on
1 January and natural increase (:func:`~territoria.dynamics.horizon.implied_net_migration`), for units
without a published migration series. A condition with ``required: false`` is skipped (and listed under
``not_evaluable``) when the unit lacks its data: "negative migration where available".
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from territoria.dynamics.horizon import (
    DEFAULT_HORIZON,
    IMPLIED_MIGRATION,
    change_over_horizon,
    implied_net_migration,
    last_break,
    one_year_outliers,
    window_bounds,
)
from territoria.dynamics.rules import SYMBOL, compare
from territoria.dynamics.status_model import (
    COMPOSITE,
    Condition,
    StatusRules,
    default_status_rules_path,
    load_status_rules,
)
from territoria.dynamics.trends import mann_kendall

__all__ = ["COMPOSITE", "DEFAULT_HORIZON", "IMPLIED_MIGRATION", "StatusRules", "classify",
           "default_status_rules_path", "fmt", "last_break", "load_status_rules", "unit_series"]

def fmt(value: float) -> str:
    """A number as a reader wants it.

    >>> [fmt(v) for v in (7738.0, -0.17, 5.8, 0.0633)]
    ['7,738', '−0.17', '5.8', '0.0633']
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    v = float(value)
    if v.is_integer() and abs(v) >= 1:
        return f"{v:,.0f}".replace("-", "−")
    if abs(v) >= 100:
        return f"{v:,.1f}".replace("-", "−")
    return f"{v:.3g}".replace("-", "−")


def _code(code: str, **params: Any) -> dict[str, Any]:
    """A fact as a language-neutral message code with its parameters (plain numbers, strings, lists)."""
    return {"code": f"status.{code}", "params": params}


def _num(value: float | list[float] | None) -> float | list[float] | None:
    if isinstance(value, list):
        return [float(v) for v in value]
    return None if value is None else float(value)


def _evaluate(cond: Condition, series: dict[str, pd.Series], horizon: int = DEFAULT_HORIZON
              ) -> tuple[bool | None, str, dict[str, Any]]:
    """(held, fact, coded fact) — held is None when the unit lacks the data for this condition.

    The coded fact is ``{"code": "status.<kind>", "params": {...}}`` (the report layer words it in the
    reader's language); the English ``fact`` says the same.
    """
    counts = {c: int(series[c].count()) for c in cond.candidates if c in series}
    present = [c for c, k in counts.items() if k > 0]
    # the first alternative with enough years, else the first one there is (to say it is too short)
    name = next((c for c in present if counts[c] >= cond.min_years), present[0] if present else None)
    if name is None:
        return None, f"no series for {' / '.join(cond.candidates)}", _code("no_series", indicators=cond.candidates)
    s = series[name].dropna() if series[name].hasnans else series[name]
    if cond.break_pct is not None:
        limit = float(cond.break_pct)
        spikes = one_year_outliers(s, limit)
        if spikes:  # dropping nothing still costs a copy
            s = s.drop([y for y, _, _ in spikes])
        cut = last_break(s, limit)
        spikes = [sp for sp in spikes if cut is None or sp[0] > cut[0]]
        held, fact, code = _evaluate(cond.model_copy(update={"break_pct": None}),
                                     {name: s if cut is None else s[s.index >= cut[0]]}, horizon)
        for year, pct_in, pct_out in spikes:
            fact += (f" (without {year}: {name} changed {fmt(round(pct_in, 1))} % from {year - 1} and "
                     f"{fmt(round(pct_out, 1))} % to {year + 1}, a one-year outlier, not a boundary change)")
        if spikes:
            code["params"].update(outliers=[[y, round(a, 1), round(b, 1)] for y, a, b in spikes], break_limit=limit)
        if cut is not None:
            fact += (f" (read from {cut[0]}: {name} changed {fmt(round(cut[1], 1))} % from {cut[0] - 1} to "
                     f"{cut[0]}, more than ±{fmt(limit)} % in one year, taken for a boundary change)")
            code["params"].update(break_year=cut[0], break_pct=round(cut[1], 1), break_limit=limit)
        return held, fact, code
    years, x = s.index.to_numpy(dtype=int), s.to_numpy(dtype=float)
    if len(x) < cond.min_years:
        return (None, f"{name}: {len(x)} year(s) with a value, the test needs {cond.min_years}",
                _code("too_few_years", indicator=name, n=len(x), need=cond.min_years))
    span = f"{years[0]}–{years[-1]}"
    t = cond.test
    if t in ("falling_last_years", "rising_last_years"):
        n = int(cond.n or 1)
        if len(x) < n + 1:
            return (None, f"{name}: {len(x)} years, cannot look at {n} changes",
                    _code("too_few_changes", indicator=name, n=len(x), changes=n))
        tail_y, tail_x = years[-(n + 1):], x[-(n + 1):]
        steps = np.diff(tail_x)
        consecutive = bool(np.all(np.diff(tail_y) == 1))
        held = consecutive and bool(np.all(steps < 0) if t.startswith("falling") else np.all(steps > 0))
        verb = ("fell" if held else "did not fall") if t.startswith("falling") else \
            ("rose" if held else "did not rise")
        path = " → ".join(f"{y} {fmt(v)}" for y, v in zip(tail_y, tail_x, strict=True))
        kind = ("fell" if held else "not_fell") if t.startswith("falling") else ("rose" if held else "not_rose")
        return held, f"{name} {verb} in each of the last {n} year(s): {path}", _code(
            kind, indicator=name, n=n, path=[[int(y), float(v)] for y, v in zip(tail_y, tail_x, strict=True)])
    if t in ("every_year", "share_of_years"):
        ok = np.array([compare(v, cond.op or "lt", cond.value) for v in x])  # type: ignore[arg-type]
        need = 1.0 if t == "every_year" else float(cond.share or 1.0)
        held = bool(ok.mean() >= need - 1e-12)
        values = ", ".join(fmt(v) for v in x)
        return held, (f"{name} {SYMBOL[cond.op or 'lt']} {_thr(cond.value)} in {int(ok.sum())} of {len(x)} "
                      f"years {span} (needs {'all' if need == 1 else f'{need:.0%}'}): {values}"), _code(
            "share_all" if need == 1 else "share", indicator=name, op=cond.op or "lt", threshold=_num(cond.value),
            k=int(ok.sum()), n=len(x), span=span, share=round(100 * need), values=[float(v) for v in x])
    if t == "change_over_horizon":
        change = change_over_horizon(years, x, horizon)
        if change is None:
            return (None, f"{name}: growth undefined from {fmt(x[0])} to {fmt(x[-1])}",
                    _code("growth_undefined", indicator=name, first=float(x[0]), last=float(x[-1])))
        held = compare(change.pct, cond.op or "lt", cond.value)  # type: ignore[arg-type]
        pace = (f" ({fmt(round(change.observed_pct, 2))} % over {change.y1 - change.y0} years, carried to "
                f"{horizon} years at that pace)" if change.scaled else "")
        return held, (f"{name} changed {fmt(round(change.pct, 2))} % over {horizon} years from {change.y0} "
                      f"({fmt(change.x0)}) to {change.y1} ({fmt(change.x1)}){pace}; rule {SYMBOL[cond.op or 'lt']} "
                      f"{_thr(cond.value)} %"), _code(
            "change_over_horizon", indicator=name, pct=round(change.pct, 2), horizon=horizon, y0=change.y0,
            x0=change.x0, y1=change.y1, x1=change.x1, observed_pct=round(change.observed_pct, 2),
            scaled=change.scaled, op=cond.op or "lt", threshold=_num(cond.value))
    if t in ("change_pct", "cagr_pct"):
        first, last, years_apart = x[0], x[-1], years[-1] - years[0]
        if first <= 0 or last <= 0 or years_apart <= 0:
            return (None, f"{name}: growth undefined from {fmt(first)} to {fmt(last)}",
                    _code("growth_undefined", indicator=name, first=float(first), last=float(last)))
        val = 100 * (last / first - 1) if t == "change_pct" else 100 * ((last / first) ** (1 / years_apart) - 1)
        what = "changed" if t == "change_pct" else "changed at a compound rate of"
        unit = "%" if t == "change_pct" else "% a year"
        held = compare(val, cond.op or "lt", cond.value)  # type: ignore[arg-type]
        return held, (f"{name} {what} {fmt(round(val, 2))} {unit} from {years[0]} ({fmt(first)}) to "
                      f"{years[-1]} ({fmt(last)}); rule {SYMBOL[cond.op or 'lt']} {_thr(cond.value)}"), _code(
            t, indicator=name, pct=round(float(val), 2), y0=int(years[0]), x0=float(first), y1=int(years[-1]),
            x1=float(last), op=cond.op or "lt", threshold=_num(cond.value))
    if t == "trend":
        mk = mann_kendall(x)
        label = ("increasing" if mk.s > 0 else "decreasing") if mk.p < cond.alpha else "no trend"
        held = label == cond.direction
        return held, (f"{name} {span}: Mann–Kendall S = {mk.s}, p = {mk.p:.3f} → {label} "
                      f"(level {cond.alpha:g}; rule: {cond.direction})"), _code(
            "trend", indicator=name, span=span, s=int(mk.s), p=round(float(mk.p), 3), trend=label,
            alpha=float(cond.alpha), direction=cond.direction)
    held = compare(x[-1], cond.op or "lt", cond.value)  # type: ignore[arg-type]
    return held, f"{name} in {years[-1]} = {fmt(x[-1])}; rule {SYMBOL[cond.op or 'lt']} {_thr(cond.value)}", _code(
        "last_value", indicator=name, year=int(years[-1]), value=float(x[-1]), op=cond.op or "lt",
        threshold=_num(cond.value))


def _with_break(code: dict[str, Any]) -> list[dict[str, Any]]:
    """A coded fact, followed by the coded notes of the outliers left out and the break its series was cut at."""
    params = code["params"]
    notes = [_code("outlier", indicator=params.get("indicator"), year=y, pct_in=a, pct_out=b,
                   limit=params["break_limit"]) for y, a, b in params.get("outliers", [])]
    if "break_year" in params:
        notes.append(_code("break", indicator=params.get("indicator"), year=params["break_year"],
                           pct=params["break_pct"], limit=params["break_limit"]))
    return [code, *notes]


def _thr(value: float | list[float] | None) -> str:
    if isinstance(value, list):
        return f"[{fmt(value[0])}, {fmt(value[1])}]"
    return fmt(value) if value is not None else "?"


def unit_series(part: pd.DataFrame, rules: StatusRules, horizon: int) -> dict[str, pd.Series]:
    """The series of one unit (long rows ``indicator, year, value``) cut to its horizon window.

    Adds ``net_migration_implied`` when the unit has population on 1 January and natural increase, read
    across the one-year outliers of population (the two balances next to one would carry it).
    """
    series = {str(ind): s.set_index("year")["value"].sort_index() for ind, s in part.groupby("indicator")}
    return _in_window(series, rules, horizon)


def _in_window(series: dict[str, pd.Series], rules: StatusRules, horizon: int) -> dict[str, pd.Series]:
    """:func:`unit_series` from a unit's series already split by indicator and sorted by year."""
    if "population_1jan" in series and "natural_increase" in series:
        pop = series["population_1jan"].dropna()
        spikes = one_year_outliers(pop, rules.break_pct) if rules.break_pct is not None else []
        if spikes:
            pop = pop.drop([y for y, _, _ in spikes])
        implied = implied_net_migration(pop, series["natural_increase"])
        if len(implied):
            series[IMPLIED_MIGRATION] = implied
    bounds = window_bounds(series, horizon, rules.indicators)
    if bounds is None:
        return series
    start, end = bounds
    out = {}
    for k, v in series.items():  # every series is sorted by year: the window is one slice
        years = v.index.to_numpy()
        out[k] = v.iloc[int(np.searchsorted(years, start, "left")):int(np.searchsorted(years, end, "right"))]
    return out


def _split_units(data: pd.DataFrame) -> dict[Any, dict[str, pd.Series]]:
    """Per unit, its series by indicator, each sorted by year: one sort of the whole table instead of a
    group-by per unit and indicator."""
    data = data.sort_values(["unit", "indicator", "year"], kind="stable")
    units, inds = data["unit"].to_numpy(), data["indicator"].to_numpy()
    years, values = data["year"].to_numpy(), data["value"].to_numpy()
    out: dict[Any, dict[str, pd.Series]] = {}
    if not len(data):
        return out
    starts = np.flatnonzero(np.r_[True, (units[1:] != units[:-1]) | (inds[1:] != inds[:-1])])
    for a, b in zip(starts, [*starts[1:], len(data)], strict=True):
        out.setdefault(units[a], {})[str(inds[a])] = pd.Series(values[a:b], index=pd.Index(years[a:b], name="year"),
                                                               name="value")
    return out


def classify(observations: pd.DataFrame, rules: StatusRules | None = None, *,
             composite: pd.Series | None = None, horizon: int | None = None) -> pd.DataFrame:
    """Status of every unit of a long table, with the facts behind it.

    Parameters
    ----------
    observations : DataFrame
        Long observations ``unit, indicator, year, value``.
    rules : StatusRules, optional
        Default: :func:`load_status_rules` of the package's file.
    composite : Series, optional
        Composite index over years, indexed by (unit, year) (from
        :func:`territoria.dynamics.composite.composite_over_years`); used by conditions on ``composite``.
    horizon : int, optional
        Years of change the status is judged over; default the rules' ``horizon_years`` (the package's
        rules: :data:`DEFAULT_HORIZON`). Every caller leaves it to the rules, so that the CLI, the reports
        and the dashboard say the same.

    Returns
    -------
    DataFrame
        Index ``unit``; columns ``status, label, facts`` (facts joined with " | "), ``not_evaluable``
        (conditions that lacked data), ``rule`` (position in the file; -1 for the default),
        ``fact_codes`` (the facts as message codes: JSON text of a list of ``{"code", "params"}``, same
        order) and ``horizon`` (the years read, e.g. "2015–2025"). ``attrs["horizon_years"]`` is the horizon.
    """
    rules = rules or load_status_rules()
    horizon = int(horizon if horizon is not None else rules.horizon_years)
    data = observations[["unit", "indicator", "year", "value"]].dropna(subset=["value"])
    if composite is not None:
        comp = composite.rename("value").reset_index()
        comp.columns = ["unit", "year", "value"]
        data = pd.concat([data, comp.assign(indicator=COMPOSITE)], ignore_index=True)
    every = data.groupby("unit", sort=True).size().index
    # a status reads only the rules' series (and the two the implied migration comes from)
    split = _split_units(data[data["indicator"].isin({*rules.indicators, "population_1jan", "natural_increase"})])
    rows = []
    for unit in every:
        series = _in_window(split.get(unit, {}), rules, horizon)
        used = [v.index for k, v in series.items() if k in rules.indicators and len(v)]
        span = f"{min(i.min() for i in used)}–{max(i.max() for i in used)}" if used else ""
        chosen, facts, codes, missing, evaluable = None, [], [], [], False
        for position, rule in enumerate(rules.statuses):
            all_res = [(_evaluate(c, series, horizon), c.required) for c in rule.all]
            any_res = [(_evaluate(c, series, horizon), c.required) for c in rule.any]
            evaluable |= any(r[0] is not None for r, _ in all_res + any_res)
            missing += [r[1] for r, _ in all_res + any_res if r[0] is None]
            all_ok = all(r[0] is True or (r[0] is None and not req) for r, req in all_res)
            if all_ok and (not any_res or any(r[0] is True for r, _ in any_res)):
                chosen = position
                held = [r for r, _ in all_res if r[0] is True] + [r for r, _ in any_res if r[0] is True]
                facts, codes = [f for _, f, _ in held], [x for _, _, c in held for x in _with_break(c)]
                break
        if chosen is None:
            status, label = rules.default.status, rules.default.label
            facts = ["no status rule matched"] if evaluable else ["no series the rules need"]
            codes = [_code("no_rule_matched" if evaluable else "no_series_needed")]
            if not evaluable:
                status = "insufficient_data"
        else:
            status, label = rules.statuses[chosen].status, rules.statuses[chosen].label
        rows.append({"unit": str(unit), "status": status,
                     "label": label.en if status != "insufficient_data" else "Insufficient data",
                     "facts": " | ".join(facts), "not_evaluable": " | ".join(dict.fromkeys(missing)),
                     "rule": -1 if chosen is None else chosen,
                     "fact_codes": json.dumps(codes, ensure_ascii=False), "horizon": span})
    table = pd.DataFrame(rows, columns=["unit", "status", "label", "facts", "not_evaluable", "rule", "fact_codes",
                                        "horizon"]).set_index("unit")
    table.attrs["horizon_years"] = horizon
    return table
