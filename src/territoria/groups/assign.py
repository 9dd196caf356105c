"""Sort units into the method's groups; every membership carries its reason.

Step 2 of the method (Turkeeva, Omarov & Abilkaiyr 2022) samples settlements by group: small towns,
single-industry towns, border settlements and villages / rural support settlements. The rules are in
``rules.yaml`` (:func:`~territoria.groups.config.load_rules`). A unit may fall in several groups, in
none, or be undecided for a group when a needed value is missing (a town without population, a
settlement without coordinates): undecided units are listed in :attr:`GroupAssignment.unknown` with
the reason and get ``<NA>`` in :meth:`GroupAssignment.flags`, never ``False``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from territoria.errors import DataError
from territoria.groups.border import BorderIndex
from territoria.groups.config import GROUPS, GroupRules, load_rules, single_industry_list
from territoria.panel import Panel

__all__ = ["GroupAssignment", "assign_groups", "border_rows", "checked_inputs", "membership_frame", "rural_rows",
           "single_industry_rows", "small_town_rows", "with_groups"]

_ROW = ["unit", "group", "reason", "reason_code"]


@dataclass
class GroupAssignment:
    """Result of :func:`assign_groups`.

    Attributes
    ----------
    memberships : DataFrame
        One row per (unit, group) membership: ``unit, group, reason, reason_code``. ``reason`` is in
        English; ``reason_code`` holds the same reason(s) as language-neutral JSON, a list of
        ``{"code": "group_reason.<form>", "params": {...}}``, for reports in other languages.
    unknown : DataFrame
        One row per (unit, group) the rule could not decide, same columns.
    distances : DataFrame
        Per unit (index): ``distance_km`` (geodesic, to the nearest land-border point), ``neighbour``,
        ``border_lat``, ``border_lon``, ``side``, ``status`` (see :meth:`BorderIndex.measure`).
    units : Index
        The units assessed, in input order.
    rules : GroupRules
    notes : list of str
        What was missing or assumed (e.g. no official list of rural support settlements).
    """

    memberships: pd.DataFrame
    unknown: pd.DataFrame
    distances: pd.DataFrame
    units: pd.Index
    rules: GroupRules
    notes: list[str] = field(default_factory=list)

    def flags(self) -> pd.DataFrame:
        """Wide table indexed by unit: one nullable boolean column ``is_<group>`` per group
        (True member, False not, ``<NA>`` undecided)."""
        out = pd.DataFrame(index=self.units)
        for group in GROUPS:
            col = pd.Series(False, index=self.units, dtype="boolean")
            col[self.unknown.loc[self.unknown["group"] == group, "unit"].to_numpy()] = pd.NA
            col[self.memberships.loc[self.memberships["group"] == group, "unit"].to_numpy()] = True
            out[f"is_{group}"] = col
        return out

    def members(self, group: str) -> pd.DataFrame:
        """Members of one group with their reasons (and the border distance for ``border``)."""
        if group not in GROUPS:
            raise DataError(f"unknown group {group!r}; groups are {list(GROUPS)}")
        rows = self.memberships[self.memberships["group"] == group].set_index("unit")[["reason"]]
        if group == "border":
            rows = rows.join(self.distances[["distance_km", "neighbour"]])
        return rows

    def summary(self) -> pd.DataFrame:
        """Per group: members, undecided units and the rule in words."""
        r = self.rules
        rule = {
            "small_town": f"kind in {r.small_town.kinds} and population < {r.small_town.max_population:,.0f}",
            "single_industry": "on the bundled list of single-industry towns, flagged, or a town-forming "
                               f"enterprise >= {r.single_industry.output_share:.0%} of output or "
                               f">= {r.single_industry.employment_share:.0%} of employment",
            "border": f"geodesic distance to the land border <= {r.border.max_km:g} km",
            "village": f"kind in {r.village.kinds}",
            "rural_support": "on the official list of rural support settlements (or flagged)",
        }
        return pd.DataFrame({
            "group": list(GROUPS),
            "members": [int((self.memberships["group"] == g).sum()) for g in GROUPS],
            "undecided": [int((self.unknown["group"] == g).sum()) for g in GROUPS],
            "rule": [rule[g] for g in GROUPS],
        })


def membership_frame(rows: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack the rows of several rules into one ``unit, group, reason, reason_code`` table."""
    rows = [r for r in rows if len(r)]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _ROW})
    return pd.concat(rows, ignore_index=True)[_ROW]


def _code(form: str, **params: Any) -> dict[str, Any]:
    clean = {k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else
                 v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}
    return {"code": f"group_reason.{form}", "params": clean}


def _rows(units: pd.Index, group: str, reasons: Iterable[str],
          codes: Iterable[dict[str, Any] | list[dict[str, Any]]]) -> pd.DataFrame:
    coded = [json.dumps(c if isinstance(c, list) else [c], ensure_ascii=False) for c in codes]
    return pd.DataFrame({"unit": list(units), "group": group, "reason": list(reasons), "reason_code": coded})


def small_town_rows(units: pd.DataFrame, rules: GroupRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Small-town rule: (members, undecided) rows; towns of the rule's kinds with population below the limit."""
    rule = rules.small_town
    towns = units[units["kind"].isin(rule.kinds)]
    pop = pd.to_numeric(towns["population"], errors="coerce")
    if "population_year" in towns:
        numeric = pd.to_numeric(towns["population_year"], errors="coerce").round().astype("Int64")
        year = numeric.astype(str).where(numeric.notna(), "")
    else:
        year = pd.Series("", index=towns.index)
    small = towns[pop < rule.max_population]
    triples = list(zip(small["kind"], pop[small.index], year[small.index], strict=True))
    reasons = [f"{k} (urban status) with population {p:,.0f}{f' ({y})' if y else ''} < {rule.max_population:,.0f}"
               for k, p, y in triples]
    codes = [_code("small_town", kind=k, population=float(p), year=int(y) if y else None,
                   limit=float(rule.max_population)) for k, p, y in triples]
    missing = towns[pop.isna()]
    unknown = [f"{k} (urban status) with population unknown" for k in missing["kind"]]
    return (_rows(small.index, "small_town", reasons, codes),
            _rows(missing.index, "small_town", unknown, [_code("small_town_unknown", kind=k) for k in missing["kind"]]))


def single_industry_rows(units: pd.DataFrame, rules: GroupRules, enterprises: pd.DataFrame | None,
                         notes: list[str]) -> pd.DataFrame:
    """Single-industry rule: member rows from the bundled list, the units' flag and enterprise shares."""
    rule = rules.single_industry
    reasons: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    former: set[str] = set()
    if rule.list == "bundled":
        towns = single_industry_list()
        for t in towns.itertuples():
            if t.code not in units.index:
                continue
            if t.former and not rule.include_former:
                former.add(t.code)
                notes.append(f"single_industry: {t.name_en} ({t.code}) not a member: {t.status} [{t.sources}]")
                continue
            reasons.setdefault(t.code, []).append((f"bundled list: {t.status} [{t.sources}]",
                                                   _code("bundled_list", status=t.status, sources=t.sources)))
    flag = rule.flag_column
    if flag and flag in units:
        flagged = units.index[units[flag].astype("boolean").fillna(False).to_numpy(dtype=bool)]
        for code in flagged:
            if code not in reasons and code not in former:
                reasons[code] = [(f"flagged {flag} in the units table", _code("flagged", flag=flag))]
    if enterprises is not None:
        for code, said in _enterprise_reasons(enterprises, units.index, rule).items():
            reasons.setdefault(code, []).append(said)
    return _rows(pd.Index(list(reasons)), "single_industry", ["; ".join(t for t, _ in v) for v in reasons.values()],
                 [[c for _, c in v] for v in reasons.values()])


def _enterprise_reasons(enterprises: pd.DataFrame, known: pd.Index,
                        rule: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    needed = {"unit", "enterprise"}
    shares = [c for c in ("output_share", "employment_share") if c in enterprises]
    if not needed <= set(enterprises.columns) or not shares:
        raise DataError("enterprise data: expected columns unit, enterprise and output_share and/or "
                        f"employment_share (fractions 0-1); have {list(enterprises.columns)}")
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    limits = {"output_share": rule.output_share, "employment_share": rule.employment_share}
    words = {"output_share": "industrial output", "employment_share": "employment"}
    for row_no, row in enumerate(enterprises.itertuples(index=False), start=1):
        for col in shares:
            value = getattr(row, col)
            if pd.isna(value):
                continue
            if not 0 <= float(value) <= 1:
                raise DataError(f"enterprise data: row {row_no} (unit {row.unit!r}), column {col!r}: found "
                                f"{value!r}, expected a fraction between 0 and 1")
            if row.unit in known and float(value) >= limits[col] and row.unit not in out:
                out[str(row.unit)] = (f"town-forming enterprise {row.enterprise!r}: {float(value):.0%} of "
                                      f"{words[col]} (>= {limits[col]:.0%})",
                                      _code("enterprise", enterprise=str(row.enterprise), measure=col,
                                            share_pct=round(100 * float(value), 1),
                                            limit_pct=round(100 * float(limits[col]), 1)))
    return out


def border_rows(units: pd.DataFrame, rules: GroupRules, border: BorderIndex) -> tuple[pd.DataFrame, ...]:
    """Border rule: (members, undecided, distances) for ``units``; rows depend only on each unit's own point,
    so engines may apply it to partitions of the units."""
    for col in ("lat", "lon"):
        if col not in units:
            units = units.assign(**{col: np.nan})
    dist = border.measure(units["lat"].to_numpy(dtype=float), units["lon"].to_numpy(dtype=float),
                          index=units.index)
    limit, slack = rules.border.max_km, rules.border.outline_tolerance_km
    one_missing = units["lat"].isna() ^ units["lon"].isna()
    inside = dist["status"] == "measured"
    just_out = (dist["side"] == "outside") & (dist["distance_km"] <= slack)
    near = dist[(inside & (dist["distance_km"] <= limit)) | just_out]
    reasons, codes = [], []
    for d, n, s in zip(near["distance_km"], near["neighbour"], near["side"], strict=True):
        if s == "outside":
            reasons.append(f"point {d:.1f} km beyond the generalised border line with {n}, within the "
                           f"{slack:g} km tolerance of the 1:10m outline: taken as on the border")
            codes.append(_code("border_tolerance", km=round(float(d), 1), country=n, slack=float(slack)))
        else:
            reasons.append(f"{d:.1f} km from the land border with {n} (geodesic; <= {limit:g} km)"
                           + ("; point off the generalised outline (shore)" if s == "off outline" else ""))
            codes.append(_code("border_shore" if s == "off outline" else "border", km=round(float(d), 1),
                               country=n, limit=float(limit)))
    unknown = dist[~inside & ~just_out]
    why, why_codes = [], []
    for side, status, km, one in zip(unknown["side"], unknown["status"], unknown["distance_km"],
                                     one_missing.reindex(unknown.index).to_numpy(dtype=bool), strict=True):
        if side == "outside":
            why.append(f"point lies {status}, {km:.1f} km beyond the border "
                       f"(more than the {slack:g} km tolerance): check its coordinates")
            why_codes.append(_code("outside", km=round(float(km), 1), slack=float(slack)))
        elif one:
            why.append("distance unknown: only one of lat/lon is given")
            why_codes.append(_code("one_coordinate"))
        else:
            why.append("distance unknown: no coordinates")
            why_codes.append(_code("no_coordinates"))
    return _rows(near.index, "border", reasons, codes), _rows(unknown.index, "border", why, why_codes), dist


def rural_rows(units: pd.DataFrame, rules: GroupRules, support: Any,
               notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Village and rural-support rules: (villages, members, undecided) rows; per-unit, so partition-safe."""
    villages = units[units["kind"].isin(rules.village.kinds)]
    rule = rules.rural_support
    listed: dict[str, str] = {}
    if support is not None:
        table = support if isinstance(support, pd.DataFrame) else pd.DataFrame({"code": list(support)})
        if "code" not in table:
            raise DataError(f"rural support list: expected a column 'code'; have {list(table.columns)}")
        cite = table["citation"].fillna("") if "citation" in table else pd.Series("", index=table.index)
        listed = {str(c): str(t) for c, t in zip(table["code"], cite, strict=True)}
    flag = units[rule.flag_column].astype("boolean") if rule.flag_column and rule.flag_column in units \
        else pd.Series(pd.NA, index=units.index, dtype="boolean")
    have_list, have_flag = bool(listed), bool(flag.notna().any())
    value = flag.reindex(villages.index)
    known = value.notna().to_numpy(dtype=bool)
    yes = villages.index.isin(list(listed)) | (known & value.fillna(False).to_numpy(dtype=bool))
    support_state = np.where(yes, "yes", np.where(have_list | known, "no", "unknown")).tolist()
    village_rows = _rows(villages.index, "village",
                         [f"{k} (rural status); official support-settlement status: {s}"
                          for k, s in zip(villages["kind"], support_state, strict=True)],
                         [_code("village", kind=k, state=s)
                          for k, s in zip(villages["kind"], support_state, strict=True)])
    members = [c for c, s in zip(villages.index, support_state, strict=True) if s == "yes"]
    members += [c for c in listed if c in units.index and c not in villages.index]
    reasons = [f"on the official list of rural support settlements{f' ({listed[c]})' if listed.get(c) else ''}"
               if c in listed else f"flagged {rule.flag_column}" for c in members]
    codes = [_code("rural_list", citation=listed[c] or None) if c in listed else _code("flagged", flag=rule.flag_column)
             for c in members]
    undecided = [c for c, s in zip(villages.index, support_state, strict=True) if s == "unknown"]
    if not have_list and not have_flag:
        notes.append(f"rural_support: the official list of rural support settlements is missing (no list "
                     f"{rule.list_name!r}, no {rule.flag_column} values); {len(undecided)} rural settlements "
                     "are undecided. Load the list with Store.put_unit_list('rural_support', ...)")
    return (village_rows, _rows(pd.Index(members), "rural_support", reasons, codes),
            _rows(pd.Index(undecided), "rural_support", ["official support-settlement list missing"] * len(undecided),
                  [_code("list_missing")] * len(undecided)))


def assign_groups(units: pd.DataFrame, *, rules: GroupRules | None = None, border: BorderIndex | None = None,
                  rural_support: pd.DataFrame | Iterable[str] | None = None,
                  enterprises: pd.DataFrame | None = None) -> GroupAssignment:
    """Assign units to the groups of the method.

    Parameters
    ----------
    units : DataFrame
        Indexed by unit code; columns ``kind`` and ``population`` (required), ``lat``, ``lon`` (WGS 84
        degrees; missing → "distance unknown"), optionally ``population_year``, ``is_single_industry``,
        ``is_rural_support``. E.g. ``Store.units(level="settlement")``.
    rules : GroupRules, optional
        Default: the shipped ``rules.yaml``.
    border : BorderIndex, optional
        Default: :meth:`BorderIndex.bundled` (Natural Earth 1:10m land border of Kazakhstan).
    rural_support : DataFrame or iterable of str, optional
        The official list of rural support settlements (``Store.unit_list("rural_support")``, column
        ``code`` and optionally ``citation``). Empty or None with no flag values: the group is undecided
        for every rural settlement and a note says the list is missing.
    enterprises : DataFrame, optional
        Town-forming enterprises: ``unit, enterprise, output_share and/or employment_share`` (0–1).

    Returns
    -------
    GroupAssignment

    Raises
    ------
    DataError
        A required column is missing, the index has duplicated codes, coordinates are out of range,
        enterprise shares are not fractions.
    """
    rules, border, support = checked_inputs(units, rules, border, rural_support)
    notes = list(border.notes)
    small, small_unknown = small_town_rows(units, rules)
    mono = single_industry_rows(units, rules, enterprises, notes)
    near, far_unknown, distances = border_rows(units, rules, border)
    village, support_rows, support_unknown = rural_rows(units, rules, support, notes)
    return GroupAssignment(
        memberships=membership_frame([small, mono, near, village, support_rows]),
        unknown=membership_frame([small_unknown, far_unknown, support_unknown]),
        distances=distances, units=units.index.copy(), rules=rules, notes=notes)


def checked_inputs(units: pd.DataFrame, rules: GroupRules | None, border: BorderIndex | None,
                   rural_support: pd.DataFrame | Iterable[str] | None
                   ) -> tuple[GroupRules, BorderIndex, pd.DataFrame | list[str] | None]:
    """The checks and defaults of :func:`assign_groups` (shared with engines that split the units):
    the needed columns and unique codes, the rules and border (bundled by default), and the support
    list (None when empty)."""
    missing = [c for c in ("kind", "population") if c not in units]
    if missing:
        raise DataError(f"assign_groups: units lack column(s) {missing}; have {list(units.columns)}")
    if units.index.has_duplicates:
        dup = units.index[units.index.duplicated()][:5].tolist()
        raise DataError(f"assign_groups: duplicated unit codes in the index, first {dup}")
    support: pd.DataFrame | list[str] | None = None
    if isinstance(rural_support, pd.DataFrame):
        support = rural_support if len(rural_support) else None
    elif rural_support is not None:
        support = list(rural_support) or None
    return rules or load_rules(), border or BorderIndex.bundled(), support


def with_groups(panel: Any, assignment: GroupAssignment) -> Any:
    """A copy of ``panel`` whose units carry the ``is_<group>`` columns, so that a spec's
    ``units: {groups: [border]}`` selects the border settlements (undecided units are not selected)."""
    flags = assignment.flags()
    units = panel.units.drop(columns=[c for c in flags.columns if c in panel.units.columns])
    units = units.join(flags, how="left")
    units["border_distance_km"] = assignment.distances["distance_km"].reindex(units.index)
    return Panel(observations=panel.observations, units=units, catalogue=panel.catalogue, label=panel.label)
