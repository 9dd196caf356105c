"""``recommend``: a short, ranked package of mechanisms per horizon for a unit or a group, each with reasons.

A mechanism of the knowledge base is chosen for a unit when at least one of these holds, and each
one that holds becomes a reason (with its weight in the ``score``):

* a risk flag of the unit is among the mechanism's ``problems`` (2; the flag's figure and threshold);
* the unit's dynamic status is among its ``problems`` (2; the status facts);
* one of the unit's weakest indicators is among the indicators it is expected to move (1);
* the unit belongs to a group the mechanism is meant for (1; a group name matches when it equals the
  mechanism's group or starts with it followed by ``_``, e.g. ``border_50km`` for ``border``);
* a source of the mechanism proposes it for the unit's region (1; the reason cites that source, e.g.
  Orynbet & Imangali 2022, Table 2, row 4, or Turkeeva et al. 2022 for the special economic zone);
* it is a ``general`` baseline and the unit has at least one flag or a bad status (0.5).

The weights are the project's choice (a measured problem counts twice a fit by group or region).
``score_detail`` spells the sum out. Within each horizon (short 2022–2030, medium 2030–2040, long
2040–2050, Orynbet & Imangali 2022, Table 1) mechanisms are ranked by score (``priority`` 1, 2, ...;
ties by id); ``top`` keeps the first ``top`` of each horizon (the package), ``top=None`` returns them all.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from territoria.diagnosis.weakness import region_of
from territoria.dynamics.status import fmt
from territoria.mechanisms.kb import HORIZONS, KnowledgeBase, Mechanism

__all__ = ["BAD_STATUSES", "PACKAGE_SIZE", "recommend", "recommend_group", "score_detail"]

BAD_STATUSES = frozenset({"at_risk_of_dying_out", "declining", "stagnating"})
COLUMNS = ["horizon", "years", "priority", "mechanism", "name", "government", "score", "score_detail", "reasons",
           "indicators", "sources"]
#: Mechanisms per horizon in the default package (the project's choice: a package a council can act on).
PACKAGE_SIZE = 3
#: The extra column of :func:`recommend`: the reasons as message codes (JSON list of {"code", "params"}).
CODES = "reason_codes"


def _group_match(unit_group: str, wanted: str) -> bool:
    return unit_group == wanted or unit_group.startswith(wanted + "_")


def recommend(unit: str, kb: KnowledgeBase, *, flags: pd.DataFrame | None = None, status: str | None = None,
              status_facts: str = "", weak: pd.DataFrame | None = None, groups: pd.DataFrame | None = None,
              region_names: dict[str, str] | None = None, lang: str = "en",
              status_fact_codes: list[dict[str, Any]] | str | None = None,
              top: int | None = None) -> pd.DataFrame:
    """The package of mechanisms for one unit.

    Parameters
    ----------
    unit : str
        Unit code.
    kb : KnowledgeBase
    flags : DataFrame, optional
        Output of :func:`territoria.diagnosis.risk_flags` (rows of other units are ignored).
    status, status_facts : str, optional
        The unit's status from :func:`territoria.dynamics.classify` and its facts.
    weak : DataFrame, optional
        Output of :func:`territoria.diagnosis.weakest` (``unit, rank, code, gap_national``...).
    groups : DataFrame, optional
        ``unit, group, reason`` memberships (issue 4's groups), optionally with their ``reason_code``
        (JSON), which then words the group reason in every language; absent → no group reasons.
    region_names : dict, optional
        Region code → name, for the Table 2 reason.
    lang : {"en", "ru", "kk"}
        Language of the mechanism names.
    status_fact_codes : list or JSON str, optional
        The status facts as message codes (``classify(...)["fact_codes"]``); the first one goes into
        the status reason's code.
    top : int, optional
        Keep the ``top`` best-scored mechanisms of each horizon (e.g. :data:`PACKAGE_SIZE`); None: all.

    Returns
    -------
    DataFrame
        Columns ``horizon, years, priority, mechanism, name, government, score, score_detail, reasons,
        indicators, sources`` and ``reason_codes`` (the reasons as language-neutral message codes, JSON,
        same order as ``reasons``). ``priority`` is the rank within the horizon.
    """
    if top is not None and (not isinstance(top, int) or top < 1):
        raise ValueError(f"recommend: top must be a positive number of mechanisms per horizon or None, got {top!r}")
    unit = str(unit)
    my_flags = pd.DataFrame() if flags is None else flags[(flags["unit"] == unit) & (flags["flag"] == True)]  # noqa: E712
    my_weak = pd.DataFrame() if weak is None else weak[weak["unit"] == unit]
    my_groups = pd.DataFrame() if groups is None else groups[groups["unit"].astype(str) == unit]
    region = region_of(unit)
    distressed = len(my_flags) > 0 or status in BAD_STATUSES
    if isinstance(status_fact_codes, str):
        status_fact_codes = json.loads(status_fact_codes) if status_fact_codes else None
    first_code = status_fact_codes[0] if status_fact_codes else None
    # the unit's rows as tuples once, not a frame walk per mechanism
    flag_rows, weak_rows, group_rows = (list(f.itertuples()) for f in (my_flags, my_weak, my_groups))
    rows = []
    for m in kb.mechanisms:
        codes: list[dict[str, Any]] = []
        reasons, weights = _reasons(m, flag_rows, status, status_facts, weak_rows, group_rows, region,
                                    region_names or {}, distressed, codes=codes, first_code=first_code)
        if not reasons:
            continue
        h = kb.horizons[m.horizon]
        rows.append({"horizon": m.horizon, "years": f"{h.start}–{h.end}", "priority": 0, "mechanism": m.id,
                     "name": m.name.get(lang), "government": ", ".join(m.government), "score": sum(weights),
                     "score_detail": score_detail(codes, weights), "reasons": "; ".join(reasons),
                     "indicators": ", ".join(m.indicators), "sources": m.cited,
                     CODES: json.dumps(codes, ensure_ascii=False)})
    # ordered and numbered as plain rows (a stable sort by horizon, score down, id): a frame sort and a
    # group count per unit cost more than the rest of the call, and a report calls this for every unit
    order = {h: i for i, h in enumerate(HORIZONS)}  # the knowledge base allows only these horizons
    rows.sort(key=lambda r: (order[r["horizon"]], -r["score"], r["mechanism"]))
    seen: dict[str, int] = {}
    for row in rows:
        row["priority"] = seen[row["horizon"]] = seen.get(row["horizon"], 0) + 1
    if top is not None:
        rows = [row for row in rows if row["priority"] <= top]
    table = pd.DataFrame(rows, columns=[*COLUMNS, CODES])
    return table.astype({"priority": "int64"}) if table.empty else table


def _what(code: str, p: dict[str, Any]) -> str:
    if code == "reason.flag":
        return f"flag {p.get('rule')}"
    if code == "reason.status":
        return f"status {p.get('status')}"
    if code == "reason.weak":
        return f"weak {p.get('indicator')}"
    if code == "reason.group":
        return f"group {p.get('group')}"
    if code == "reason.proposed":
        source = p.get("source")
        return f"proposed for {p.get('region_name')} ({'; '.join(source) if isinstance(source, list) else source})"
    return "baseline direction" if code == "reason.baseline" else code


def score_detail(codes: list[dict[str, Any]], weights: list[float]) -> str:
    """The score as a sum of its reasons, e.g. ``2 flag low_wages + 1 region (source) = 3``."""
    parts = []
    for code, w in zip(codes, weights, strict=True):
        parts.append(f"{w:g} {_what(code['code'], code.get('params', {}))}")
    return " + ".join(parts) + f" = {sum(weights):g}"


def _reasons(m: Mechanism, flags: list[Any], status: str | None, status_facts: str, weak: list[Any],
             groups: list[Any], region: str, region_names: dict[str, str], distressed: bool, *,
             codes: list[dict[str, Any]] | None = None, first_code: dict[str, Any] | None = None
             ) -> tuple[list[str], list[float]]:
    """Reasons (English) and their scores; ``codes`` (when given) receives each reason as a message code.
    ``flags``, ``weak``, ``groups``: the unit's rows as named tuples (``DataFrame.itertuples``)."""
    reasons: list[str] = []
    score: list[float] = []
    codes = [] if codes is None else codes
    for row in flags:
        if row.rule in m.problems:
            reasons.append(f"{row.label}: {row.text}")
            fact = None
            if isinstance(getattr(row, "text_code", None), str):
                fact = {"code": row.text_code, "params": json.loads(row.text_params or "{}")}
            codes.append({"code": "reason.flag", "params": {"rule": row.rule, "label": row.label, "fact": fact}})
            score.append(2.0)
    if status is not None and status in m.problems:
        first_fact = status_facts.split(" | ")[0] if status_facts else ""
        reasons.append(f"status {status}" + (f" ({first_fact})" if first_fact else ""))
        codes.append({"code": "reason.status", "params": {"status": status, "fact": first_code}})
        score.append(2.0)
    for row in weak:
        if row.code in m.indicators:
            gap = getattr(row, "gap_national", float("nan"))
            reasons.append(f"weak indicator {row.code} (no. {row.rank} of the unit's weakest; "
                           f"{fmt(round(gap, 1))} points against the national mean)")
            codes.append({"code": "reason.weak", "params": {"indicator": row.code, "rank": int(row.rank),
                                                             "gap": round(float(gap), 1)}})
            score.append(1.0)
    for row in groups:
        hit = next((g for g in m.groups if _group_match(str(row.group), g)), None)
        if hit is not None:
            why = f": {row.reason}" if getattr(row, "reason", None) else ""
            reasons.append(f"group {row.group}{why} → meant for {hit} settlements")
            coded = getattr(row, "reason_code", None)    # the membership's own codes, worded in any language
            said = json.loads(coded) if isinstance(coded, str) else (getattr(row, "reason", None) or "")
            codes.append({"code": "reason.group", "params": {"group": str(row.group), "target": hit,
                                                              "reason": said}})
            score.append(1.0)
    proposed = m.sources_for(region)
    if proposed:
        name = region_names.get(region, region)
        source = "; ".join(str(s) for s in proposed)
        reasons.append(f"proposed for {name} in {source}")
        codes.append({"code": "reason.proposed", "params": {"region": region, "region_name": name,
                                                             "source": [str(s) for s in proposed]}})
        score.append(1.0)
    if m.general and distressed and reasons == []:
        reasons.append("baseline direction for any depressed unit (Orynbet & Imangali 2022, Table 1)")
        codes.append({"code": "reason.baseline", "params": {}})
        score.append(0.5)
    return reasons, score


def recommend_group(members: list[str], kb: KnowledgeBase, **inputs: object) -> pd.DataFrame:
    """The package for a group: every member's package merged; ``members`` counts how many it fits.

    ``inputs`` are those of :func:`recommend` except ``status``/``status_facts``, which may be given
    as ``statuses`` (a DataFrame indexed by unit with ``status`` and ``facts``), and ``top``, which keeps
    the first ``top`` of each horizon of the merged package (ranked by members, then summed score).
    """
    statuses = inputs.pop("statuses", None)
    top = inputs.pop("top", None)
    frames = []
    for unit in members:
        st = facts = None
        if isinstance(statuses, pd.DataFrame) and unit in statuses.index:
            st, facts = statuses.loc[unit, "status"], statuses.loc[unit, "facts"]
        one = recommend(unit, kb, status=st, status_facts=facts or "", **inputs)  # type: ignore[arg-type]
        frames.append(one.assign(unit=unit))
    group_columns = ["horizon", "years", "priority", "mechanism", "name", "government", "members", "score",
                     "reasons", "indicators", "sources"]
    if not frames or all(f.empty for f in frames):
        return pd.DataFrame(columns=group_columns)
    every = pd.concat(frames, ignore_index=True)
    agg = every.groupby("mechanism", sort=False).agg(
        horizon=("horizon", "first"), years=("years", "first"), name=("name", "first"),
        government=("government", "first"), score=("score", "sum"), members=("unit", "nunique"),
        reasons=("reasons", lambda r: " / ".join(f"{u}: {t.split('; ')[0]}" for u, t in
                                                  zip(every.loc[r.index, "unit"], r, strict=True))[:600]),
        indicators=("indicators", "first"), sources=("sources", "first")).reset_index()
    agg["_h"] = agg["horizon"].map({h: i for i, h in enumerate(HORIZONS)})
    agg = agg.sort_values(["_h", "members", "score"], ascending=[True, False, False], kind="stable")
    agg["priority"] = agg.groupby("_h").cumcount() + 1
    if top is not None:
        agg = agg[agg["priority"] <= int(top)]  # type: ignore[call-overload]
    return agg.drop(columns="_h")[group_columns].reset_index(drop=True)
