"""Discover an indicator, build the district crosswalk, and fetch registered indicators into the Store.

Every function takes a :class:`~territoria.connectors.taldau.transport.TaldauClient` (which decides
between Taldau and the cache) and writes nothing to the Store until all gates have passed; the Store
write is :func:`territoria.store.import_observations` (one transaction, idempotent).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from territoria.connectors.taldau import protocol
from territoria.connectors.taldau.crosswalk import map_terms, match_children
from territoria.connectors.taldau.errors import GateError, StructureChangedError, TaldauError
from territoria.connectors.taldau.gates import gate_bounds, gate_periods, gate_sums
from territoria.connectors.taldau.parse import (
    decode,
    parse_attributes,
    parse_index_data,
    parse_period_list,
    parse_segment_list,
    parse_tree,
)
from territoria.connectors.taldau.registry import RegistryEntry, conversion_factor
from territoria.connectors.taldau.transport import TaldauClient
from territoria.store import import_observations

__all__ = ["Discovery", "FetchResult", "build_district_crosswalk", "discover", "fetch_indicator"]

TERRITORY_DICS = {67: "regions (dictionary 67 'Регионы')",
                  68: "regions and, where published, districts (dictionary 68, territorial tree)"}


def _get_json(client: TaldauClient, request: protocol.Request) -> object:
    answer = client.get(request)
    return decode(answer.body, request.describe())


@dataclass
class Discovery:
    """What :func:`discover` learnt: attributes, period types and the segments of each."""

    index_id: int
    attributes: dict[str, object]
    periods: pd.DataFrame
    segments: pd.DataFrame  # period_id, segment, dics, names, total_terms, total_names, territory

    def table(self) -> pd.DataFrame:
        out = self.segments.copy()
        for col in ("dics", "total_terms", "names", "total_names"):
            out[col] = out[col].map(lambda v: " + ".join(str(x) for x in v))
        return out


def discover(index_id: int, client: TaldauClient) -> Discovery:
    """Ask for the attributes, period types and segments of ``index_id`` (raw answers go to the cache)."""
    req = protocol.index_attributes(index_id)
    attributes = parse_attributes(_get_json(client, req), req.describe())
    req = protocol.period_list(index_id)
    periods = parse_period_list(_get_json(client, req), req.describe())
    frames = []
    for period_id, period_name in zip(periods["period_id"], periods["name"], strict=True):
        req = protocol.segment_list(index_id, int(period_id))
        seg = parse_segment_list(_get_json(client, req), req.describe())
        seg.insert(0, "period", period_name)
        seg.insert(0, "period_id", int(period_id))
        seg["territory"] = seg["dics"].map(
            lambda dics: "; ".join(TERRITORY_DICS[d] for d in dics if d in TERRITORY_DICS) or "no territorial axis")
        frames.append(seg)
    segments = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Discovery(index_id, attributes, periods, segments)


def _require_ready(entry: RegistryEntry, level: str) -> None:
    if not entry.ready:
        raise TaldauError(
            f"registry entry {entry.key!r} (Taldau index {entry.index_id}) is not ready: {entry.missing or 'ids'} "
            f"missing. Run `territoria data taldau discover {entry.index_id or 'INDEX_ID'}`, pick a segment and "
            "record it in the registry (or pass --registry with your own file).")
    if level not in entry.levels:
        raise TaldauError(f"registry entry {entry.key!r}: level {level!r} is not published in its segment "
                          f"(levels: {', '.join(entry.levels)})")


def build_district_crosswalk(entry: RegistryEntry, client: TaldauClient, units: pd.DataFrame,
                             crosswalk: pd.DataFrame, *, regions: list[str] | None = None) -> pd.DataFrame:
    """Walk one level of the territorial tree under each region term and match the children within the region.

    Returns the report of :func:`~territoria.connectors.taldau.crosswalk.match_children` for every region
    (``status`` matched / unmatched / ambiguous). ``regions`` limits the walk to these KATO codes.
    """
    _require_ready(entry, "district")
    assert entry.dics is not None and entry.period_id is not None and entry.index_id is not None
    region_rows = crosswalk[(crosswalk["level"] == "region") & (crosswalk["kato"] != "")]
    if regions:
        region_rows = region_rows[region_rows["kato"].isin(regions)]
    reports = []
    for term, kato in zip(region_rows["term_id"], region_rows["kato"], strict=True):
        req = protocol.tree_data(entry.index_id, entry.period_id, entry.dics, entry.request_terms(int(term)),
                                 idx=entry.territory_pos, parent_id=int(term), measure_id=entry.measure_id or 1)
        nodes = parse_tree(_get_json(client, req), req.describe())
        reports.append(match_children(nodes, parent_term=int(term), parent_kato=kato, units=units,
                                      source=req.describe()))
    return pd.concat(reports, ignore_index=True) if reports else pd.DataFrame()


@dataclass
class FetchResult:
    """What a fetch read, kept, dropped and stored."""

    entry: RegistryEntry
    level: str
    request: str
    body_sha256: str
    taldau_unit: str
    factor: float
    rows: pd.DataFrame
    dropped: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    report: object | None = None


def _cube(entry: RegistryEntry, client: TaldauClient) -> tuple[pd.DataFrame, protocol.Request, str]:
    assert entry.index_id is not None and entry.period_id is not None and entry.dics is not None
    req = protocol.index_data(entry.index_id, entry.period_id, entry.dics)
    answer = client.get(req)
    cube = parse_index_data(decode(answer.body, req.describe()), dics=entry.dics, where=req.describe())
    assert entry.totals is not None
    for dic, total in entry.totals.items():
        cube = cube[cube[f"term_{dic}"] == total]
        if cube.empty:
            raise StructureChangedError(f"{req.describe()}: no slice has the total term {total} on dictionary {dic} "
                                        "(the registry's total may be outdated; run discover)")
    cube = cube.rename(columns={f"term_{entry.territory_dic}": "term", f"name_{entry.territory_dic}": "name"})
    return cube[["term", "name", "period_name", "period_end", "year", "period_code", "value", "status"]], req, \
        answer.body_sha256


def fetch_indicator(key: str, *, level: str, client: TaldauClient, registry: dict[str, RegistryEntry],
                    crosswalk: pd.DataFrame, catalogue, store=None, years: tuple[int, int] | None = None,
                    revise: bool = False) -> FetchResult:
    """Fetch registered indicator ``key`` at ``level`` ("region" or "district"), check it and store it.

    Steps: attributes (unit) → cube → total terms of the other axes → year-end periods → years → terms to
    KATO → gates (periods, bounds, sums) → :func:`territoria.store.import_observations` with source
    ``taldau:<index>:<sha256[:16]>`` and a note naming the request and the full response checksum. With
    ``store=None`` nothing is written (a dry run).

    Raises
    ------
    TaldauError
        Unknown key, an entry not ready, a level not published, no catalogue id.
    StructureChangedError
        A changed or empty answer.
    GateError
        A gate failed (every failure listed); nothing stored.
    """
    if key not in registry:
        raise TaldauError(f"unknown Taldau indicator {key!r}; registered: {', '.join(sorted(registry))}")
    entry = registry[key]
    _require_ready(entry, level)
    if entry.indicator is None:
        raise TaldauError(f"registry entry {key!r} names no catalogue indicator; values cannot be stored")
    assert entry.index_id is not None
    req_attr = protocol.index_attributes(entry.index_id)
    attributes = parse_attributes(_get_json(client, req_attr), req_attr.describe())
    taldau_unit = str(attributes["unit"])
    if entry.taldau_unit is not None and taldau_unit != entry.taldau_unit:
        raise GateError(f"{req_attr.describe()}: Taldau reports the unit {taldau_unit!r}, the registry expects "
                        f"{entry.taldau_unit!r}; nothing stored")
    catalogue_unit = catalogue[entry.indicator].unit.get("en")
    try:
        factor = conversion_factor(taldau_unit, catalogue_unit)
    except Exception as exc:
        raise GateError(f"{req_attr.describe()}: {exc}") from None

    cube, req, sha = _cube(entry, client)
    notes: list[str] = []
    dropped = []
    year_end = cube["period_end"].map(lambda d: d.month == 12)
    if entry.period_kind == "year" and not year_end.all():
        raise StructureChangedError(f"{req.describe()}: annual periods should end on 31 December; found "
                                    f"{sorted(set(cube.loc[~year_end, 'period_name']))[:5]}")
    partial = sorted(set(cube["year"]) - set(cube.loc[year_end, "year"]))
    if partial:
        notes.append(f"years without a December value (incomplete, not stored): {partial}")
    cube = cube[year_end]
    if years is not None:
        lo, hi = years
        missing_years = [y for y in range(lo, hi + 1) if y not in set(cube["year"])]
        if missing_years:
            notes.append(f"years asked for but not in the cube: {missing_years}")
        cube = cube[cube["year"].between(lo, hi)]
    if cube.empty:
        raise StructureChangedError(f"{req.describe()}: no year-end values in the years asked for")
    problems = gate_periods(cube)
    cube = cube.assign(value=cube["value"] * factor)

    mapped = map_terms(cube, crosswalk, term_col="term")
    parents = crosswalk.set_index("term_id")
    region_kato = {int(t): k for t, k in zip(crosswalk["term_id"], crosswalk["kato"], strict=True)}
    mapped["parent_kato"] = [region_kato.get(int(parents.loc[t, "parent_term"]) if t in parents.index
                                             and parents.loc[t, "parent_term"] else -1)
                             for t in mapped["term"]]
    unknown = mapped[mapped["map_status"] == "unknown_term"].drop_duplicates("term")
    if len(unknown):
        notes.append(f"{len(unknown)} territory term(s) not in the crosswalk (not stored): "
                     + ", ".join(f"{t} {n!r}" for t, n in zip(unknown["term"].head(10), unknown["name"].head(10),
                                                               strict=True))
                     + ("; run `territoria data taldau crosswalk` for districts" if level == "district" else ""))
    confidential = mapped[mapped["status"] == "confidential"]
    if len(confidential):
        notes.append(f"{len(confidential)} confidential value(s) ('x'), not stored")
    known = mapped[mapped["map_status"] != "unknown_term"]
    problems += gate_bounds(known[(known["level"] == level) & (known["map_status"] == "ok")
                                  & (known["status"] == "ok")], entry.bounds,
                            unit=catalogue_unit)
    if entry.additive:
        problems += gate_sums(known)
    if problems:
        raise GateError(f"{req.describe()} (response sha256 {sha}): {len(problems)} gate failure(s); nothing "
                        "stored, the previous data kept:\n" + "\n".join(f"  - {p}" for p in problems[:30]))

    # "-" (no phenomenon) is a true zero for an additive series and no value for a rate or an average
    usable = (mapped["status"] == "ok") | ((mapped["status"] == "absent") & entry.additive)
    keep = (mapped["level"] == level) & (mapped["map_status"] == "ok") & usable
    dropped.append(mapped[~keep & (mapped["level"] == level)])
    chosen = mapped[keep]
    source_id = f"taldau:{entry.index_id}:{sha[:16]}"
    note = f"Taldau {req.describe()}; response sha256 {sha}; unit {taldau_unit} x {factor:g}"
    rows = pd.DataFrame({"unit": chosen["kato"].astype(str), "indicator": entry.indicator,
                         "year": chosen["year"].astype(int), "value": chosen["value"].astype(float),
                         "source_id": source_id, "note": note}).reset_index(drop=True)
    result = FetchResult(entry, level, req.describe(), sha, taldau_unit, factor, rows,
                         pd.concat(dropped, ignore_index=True), notes)
    if store is not None and len(rows):
        span = f"{rows['year'].min()}-{rows['year'].max()}"
        fingerprint = hashlib.sha256(f"{sha}|{key}|{level}|{span}|{factor}".encode()).hexdigest()
        result.report = import_observations(
            store, rows, file=f"taldau {entry.index_id} {level} {span}: {req.describe()}", file_sha256=fingerprint,
            source_id=source_id, revise=revise,
            options={"taldau_index": entry.index_id, "request": req.describe(), "response_sha256": sha,
                     "level": level, "years": span, "registry_key": key})
    return result
