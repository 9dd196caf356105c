"""The registry entries made ready from public code, fetched end to end from a cache holding CONSTRUCTED answers
(constructed.py: shape from the documented protocol, values and years 2031-2032 made up, not statistics)."""

from __future__ import annotations

import re

import pytest
from constructed import READY_CASES, fill, fill_ready, ready_cube

from territoria.catalog.catalogue import load_catalogue
from territoria.connectors.taldau import protocol
from territoria.connectors.taldau.cache import RawCache
from territoria.connectors.taldau.crosswalk import load_crosswalk
from territoria.connectors.taldau.errors import GateError, TaldauError
from territoria.connectors.taldau.fetch import fetch_indicator
from territoria.connectors.taldau.registry import load_registry
from territoria.connectors.taldau.transport import TaldauClient
from territoria.store import Store

NEWLY_READY = sorted(READY_CASES)


def _kw(cache_dir):
    return dict(client=TaldauClient(cache=RawCache(cache_dir), offline=True), registry=load_registry(),
                crosswalk=load_crosswalk(), catalogue=load_catalogue())


def test_registry_state_and_evidence():
    reg = load_registry()
    for key in NEWLY_READY:
        entry, case = reg[key], READY_CASES[key]
        assert entry.ready, key
        assert entry.indicator in load_catalogue(), key
        assert (entry.index_id, entry.period_id, list(entry.dics)) == (case["index"], case["period"], case["dics"])
        assert [entry.totals[d] for d in case["dics"][1:]] == case["totals"]
        # every entry names a public repository and a commit it was read from
        assert re.search(r"[\w-]+/[\w-]+ \S+\.(py|sql) @ [0-9a-f]{8}", entry.evidence), key
    assert reg["agricultural_output"].indicator == "agricultural_output"
    assert reg["population"].levels == ("region",)  # dictionary 67: regions only
    assert reg["fixed_investment"].period_kind == "cumulative_month"
    assert not reg["net_migration"].ready and reg["net_migration"].index_id is None
    assert "no public code" in reg["net_migration"].missing


@pytest.mark.parametrize("key", NEWLY_READY)
def test_ready_entry_fetched_gated_and_imported(key, tmp_path, store_copy):
    case = READY_CASES[key]
    cache = RawCache(tmp_path / "cache")
    fill_ready(cache, key)
    indicator = load_registry()[key].indicator
    with Store(store_copy) as store:
        result = fetch_indicator(key, level="region", store=store, **_kw(cache.root))
        obs = store.observations(indicators=[indicator], units=["590000000", "110000000"])
    assert f"GetIndexData/{case['index']}?dics=" in result.request and f"period={case['period']}" in result.request
    got = {(u, int(y)): v for u, y, v in zip(obs["unit"], obs["year"], obs["value"], strict=True) if y >= 2031}
    assert got == pytest.approx(case["expected"])
    assert result.report is not None
    mine = obs[obs["year"] >= 2031]
    assert mine["source_id"].str.startswith(f"taldau:{case['index']}:").all()
    # the slice on a non-total term (values "5") and the June values ("1") were not taken
    assert not (result.rows["value"] < 10).any()


def test_population_year_is_the_start_of_period_stock(tmp_path):
    """703831 is a stock at the start of the period (DANK-Z/taldau-project: period_semantics
    point_in_time_start_period, code 12YYYY): the value of "2031 год" is stored as population_1jan 2031."""
    cache = RawCache(tmp_path)
    fill_ready(cache, "population")
    result = fetch_indicator("population", level="region", store=None, years=(2031, 2031), **_kw(tmp_path))
    assert set(result.rows["indicator"]) == {"population_1jan"} and set(result.rows["year"]) == {2031}
    assert result.rows.set_index("unit")["value"].to_dict() == {"590000000": 600000.0, "110000000": 400000.0}


def test_sum_gate_on_a_newly_ready_entry(tmp_path, store_copy):
    """Regions that do not add up to the Republic: nothing stored, the request and the difference named."""
    cache = RawCache(tmp_path / "cache")
    fill_ready(cache, "births")
    cube = ready_cube("births")
    cube[0]["periods"][0]["value"] = "21 050"  # Republic 2031: 50 more than its two regions
    fill(cache, protocol.index_data(703839, 7, [67, 749, 576]), cube)
    with Store(store_copy) as store:
        before = store.counts()
        with pytest.raises(GateError) as err:
            fetch_indicator("births", level="region", store=store, **_kw(cache.root))
        assert store.counts() == before
    assert "GetIndexData/703839" in str(err.value) and "difference -50" in str(err.value)


def test_district_level_refused_for_a_regions_only_segment(tmp_path):
    cache = RawCache(tmp_path)
    fill_ready(cache, "agricultural_output")
    with pytest.raises(TaldauError, match="level 'district' is not published"):
        fetch_indicator("agricultural_output", level="district", store=None, **_kw(tmp_path))
