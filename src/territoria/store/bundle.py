"""Load the bundled real data (units, crosswalk, sources, observations, derived indicators) into a Store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd

from territoria.store.assessments import store_spec_assessment
from territoria.store.importing import ImportReport, import_observations
from territoria.store.store import Store

__all__ = ["load_bundled"]

Progress = Callable[[str], None]
#: Lists of depressed and vulnerable districts and towns that the seeds name, by seed number.
SEED_LISTS = {"000": "depressed_orynbet_imangali_2022", "002": "depressed_turkeeva_omarov_abilkaiyr_2022"}


def _digest(frame: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def with_geonames_points(units: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Give settlements without coordinates the point of the GeoNames place matched to their KATO code.

    Coordinates already in the units file (OpenStreetMap, checked against the district polygons)
    are kept; GeoNames only fills gaps, and the note says so (GeoNames, CC BY 4.0).
    """
    matched = places.dropna(subset=["kato"]).drop_duplicates("kato").set_index("kato")
    out = units.copy()
    gap = out["lat"].isna() & out["code"].isin(matched.index)
    codes = out.loc[gap, "code"]
    out.loc[gap, "lat"] = codes.map(matched["lat"]).to_numpy()
    out.loc[gap, "lon"] = codes.map(matched["lon"]).to_numpy()
    source = "coordinates: GeoNames " + codes.map(matched["geonameid"]).astype(int).astype(str) + " (CC BY 4.0)"
    note = out.loc[gap, "note"].fillna("").astype(str)
    out.loc[gap, "note"] = (note + "; ").where(note != "", "") + source
    return out


def load_bundled(store: Store, *, step: Progress | None = None, assess: bool = True) -> list[ImportReport]:
    """Fill ``store`` with the package's bundled data; idempotent (a second call changes nothing).

    The published series are one import; the relative indicators derived from them by the catalogue's
    formulas are computed in the same transaction (:mod:`territoria.store.recompute`), each cell with a
    note naming its formula and the series, sources and import it was computed from; last, the bundled
    regional assessment is run and stored (see :mod:`territoria.store.assessments`), unless ``assess`` is
    False: ``territoria run`` assesses the regions itself and stores that Result (one Monte-Carlo, not two).
    """
    # lazy: layers: territoria.ingest.bundled is above this module (known violation, pyproject.toml)
    from territoria.ingest import bundled

    tick = step or (lambda label: None)
    tick("units")
    units, crosswalk = bundled.bundled_units(), bundled.bundled_crosswalk()
    store.put_units(with_geonames_points(units, bundled.geonames_places()))
    store.put_crosswalk(crosswalk)
    named = bundled.seed_depressed_units()
    named = named.assign(note="named in the seed as " + named["name_in_seed"] + " (" + named["region_in_seed"] + ")")
    for seed, members in named.groupby(named["seed"].astype(str).str.zfill(3)):
        store.put_unit_list(SEED_LISTS[seed], members)
    tick("catalogue and sources")
    store.sync_catalogue()
    sources = bundled.bundled_sources()
    store.put_sources(pd.concat([sources, pd.DataFrame([{
        "source_id": "derived", "title": "Derived by Territoria from the stored series",
        "publisher": "Territoria", "how_obtained": "computed with the catalogue's formula (see the note column)",
        "citation": "Territoria indicator catalogue (docs/indicators.md)"}])], ignore_index=True))
    tick("published observations and the indicators derived from them")
    observed = bundled.bundled_observations()
    reports = [import_observations(store, observed, file="bundled:observations", file_sha256=_digest(observed),
                                   options={"bundled": True})]
    if assess:
        tick("bundled assessment")
        store_spec_assessment(store)  # the bundled regional assessment, stored (a no-op when unchanged)
    return reports
