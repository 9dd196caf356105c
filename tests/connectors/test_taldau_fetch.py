"""Fetch, crosswalk and gates end to end from a cache filled with CONSTRUCTED answers (constructed.py)."""

from __future__ import annotations

import json

import pytest
from constructed import NK_KATO, fill, fill_nk_tree, fill_wage, housing_cube
from typer.testing import CliRunner

from territoria.connectors.taldau import protocol
from territoria.connectors.taldau.cache import RawCache
from territoria.connectors.taldau.crosswalk import load_crosswalk, save_user_crosswalk
from territoria.connectors.taldau.errors import GateError, StructureChangedError
from territoria.connectors.taldau.fetch import build_district_crosswalk, fetch_indicator
from territoria.connectors.taldau.registry import load_registry
from territoria.connectors.taldau.transport import TaldauClient
from territoria.interfaces.cli import app
from territoria.store import Store

runner = CliRunner()


def offline(cache_dir):
    return TaldauClient(cache=RawCache(cache_dir), offline=True)


def test_district_crosswalk_from_tree(tmp_path, bundled_store_path):
    cache = RawCache(tmp_path)
    fill_nk_tree(cache, extra={9100099: "Несуществующий район"})
    with Store(bundled_store_path, read_only=True) as store:
        units = store.units()
    report = build_district_crosswalk(load_registry()["wage"], offline(tmp_path), units, load_crosswalk(),
                                      regions=["590000000"])
    matched = report[report["status"] == "matched"].set_index("term_id")["kato"].to_dict()
    assert matched == NK_KATO
    assert report.loc[report["term_id"] == 9100099, "status"].item() == "unmatched"
    path = save_user_crosswalk(report, tmp_path / "crosswalk_user.csv")
    assert set(load_crosswalk(path)["term_id"]) >= set(NK_KATO)


def test_done_when_cli_fetch_wage_district_offline(tmp_path, store_copy):
    """`territoria data taldau fetch wage --level district --offline` from a cache the fixtures filled."""
    cache = RawCache(tmp_path / "cache")
    fill_wage(cache)
    fill_nk_tree(cache)
    args = ["--db", str(store_copy), "data", "taldau"]
    result = runner.invoke(app, [*args, "crosswalk", "wage", "--region", "590000000", "--offline",
                                 "--cache", str(cache.root)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*args, "fetch", "wage", "--level", "district", "--offline", "--years", "2022-2023",
                                 "--cache", str(cache.root)])
    assert result.exit_code == 0, result.output
    assert "7 new" in result.output  # 4 districts x 2 years, minus Magzhan Zhumabayev 2023 ("-")
    with Store(store_copy, read_only=True) as store:
        obs = store.observations(indicators=["avg_monthly_nominal_wage"], units=list(NK_KATO.values()))
        sources = store.sources()
    got = obs.set_index(["unit", "year"])["value"]
    assert got[("591000000", 2023)] == 300000.25 and got[("593200000", 2022)] == 200000.0
    assert ("593600000", 2023) not in got.index
    src = obs["source_id"].iloc[0]
    assert src.startswith("taldau:702972:") and src in set(sources["source_id"])
    assert "response sha256" in obs["note"].iloc[0]
    manifests = sorted((cache.root / "manifests").glob("*fetch-wage-district.json"))
    used = json.loads(manifests[-1].read_text(encoding="utf-8"))["used"]
    assert {u["from_cache"] for u in used} == {True} and len(used) == 2
    # running it again changes nothing
    again = runner.invoke(app, [*args, "fetch", "wage", "--level", "district", "--offline", "--years", "2022-2023",
                                "--cache", str(cache.root)])
    assert again.exit_code == 0 and "already imported" in again.output


def test_region_fetch_skips_confidential_and_unknown_terms(tmp_path):
    cache = RawCache(tmp_path)
    fill_wage(cache)
    from territoria.catalog.catalogue import load_catalogue

    result = fetch_indicator("wage", level="region", client=offline(tmp_path), registry=load_registry(),
                             crosswalk=load_crosswalk(), catalogue=load_catalogue(), store=None)
    assert sorted(result.rows["unit"] + ":" + result.rows["year"].astype(str)) == [
        "110000000:2022", "590000000:2022", "590000000:2023"]
    assert any("confidential" in n for n in result.notes)
    assert any("not in the crosswalk" in n for n in result.notes)


def _housing(tmp_path, **kw):
    cache = RawCache(tmp_path)
    fill(cache, protocol.index_attributes(701960), {"name": "c", "measureName": "кв. м"})
    fill(cache, protocol.index_data(701960, 8, [68, 300]), housing_cube(**kw))
    from territoria.catalog.catalogue import load_catalogue

    return dict(client=offline(tmp_path), registry=load_registry(), crosswalk=load_crosswalk(),
                catalogue=load_catalogue())


def test_cumulative_december_and_sum_gate_passes(tmp_path):
    result = fetch_indicator("housing", level="region", store=None, **_housing(tmp_path))
    assert result.rows.set_index("unit")["value"].to_dict() == {"590000000": 60.0, "110000000": 40.0}


def test_sum_gate_failure_stores_nothing(tmp_path, store_copy):
    with Store(store_copy) as store:
        before = store.counts()
        with pytest.raises(GateError) as err:
            fetch_indicator("housing", level="region", store=store, **_housing(tmp_path, republic_2023="103"))
        assert store.counts() == before
    text = str(err.value)
    assert "GetIndexData/701960" in text and "nothing stored" in text
    assert "parts sum to 100, total is 103 (difference -3, rounding allows 1; 2 parts)" in text


def test_bounds_gate(tmp_path):
    with pytest.raises(GateError, match=r"outside the plausible bounds"):
        fetch_indicator("housing", level="region", store=None,
                        **_housing(tmp_path, republic_2023="99999960", nk_2023="99999920"))


def test_unit_mismatch_and_empty_cube(tmp_path):
    cache = RawCache(tmp_path)
    fill(cache, protocol.index_attributes(702972), {"name": "c", "measureName": "тонн"})
    fill(cache, protocol.index_data(702972, 7, [68, 859, 776, 2813, 576]), [])
    from territoria.catalog.catalogue import load_catalogue

    kw = dict(client=offline(tmp_path), registry=load_registry(), crosswalk=load_crosswalk(),
              catalogue=load_catalogue(), store=None)
    with pytest.raises(GateError, match="тонн"):
        fetch_indicator("wage", level="region", **kw)
    fill(cache, protocol.index_attributes(702972), {"name": "c", "measureName": "тенге"})
    with pytest.raises(StructureChangedError, match=r"GetIndexData/702972.*empty cube"):
        fetch_indicator("wage", level="region", **kw)


def test_not_ready_entry_says_what_to_do(tmp_path, store_copy):
    result = runner.invoke(app, ["--db", str(store_copy), "data", "taldau", "fetch", "net_migration", "--level",
                                 "region", "--offline", "--cache", str(tmp_path)])
    assert result.exit_code != 0
    assert "discover INDEX_ID" in str(result.exception) and "a Taldau index id" in str(result.exception)


def test_discover_offline(tmp_path, store_copy):
    cache = RawCache(tmp_path)
    fill(cache, protocol.index_attributes(702972), {"name": "Зарплата", "measureName": "тенге"})
    fill(cache, protocol.period_list(702972), [{"id": 7, "name": "Год"}])
    fill(cache, protocol.segment_list(702972, 7), [
        {"dicId": "68 + 859 + 776 + 2813 + 576", "names": "КАТО + a + b + c + d",
         "termIds": "741880,741885,741917,3629946,741935", "termNames": "РК,Всего,Всего,Всего,Всего"},
        {"dicId": "67", "names": "Регионы", "termIds": "741880", "termNames": "РК"}])
    result = runner.invoke(app, ["--db", str(store_copy), "data", "taldau", "discover", "702972", "--offline",
                                 "--cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "unit: тенге" in result.output and "districts" in result.output and "1 answer" not in result.output
