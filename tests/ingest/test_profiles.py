"""Table profiles on the REAL BNS workbook of 1 January 2023 (fixture, with its citation), and on copies of it
altered by the tests (labelled) to check that a workbook not fitting its profile is refused."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from territoria.ingest.bundled import bundled_alternates, bundled_units
from territoria.ingest.profiles import ProfileError, read_with_profile, recognise
from territoria.interfaces.cli import app
from territoria.store import Store

WORKBOOK = Path(__file__).parent / "fixtures" / "bns_population_by_sex_and_area_2023-01-01.xlsx"
SHA256 = "74a4294964d25745802f24f27df0e5576b3b88d4596c3edbbd407eebf912d954"


@pytest.fixture(scope="module")
def units():
    return bundled_units()


@pytest.fixture(scope="module")
def result(units):
    return read_with_profile(WORKBOOK, units)


def test_fixture_unchanged():
    assert hashlib.sha256(WORKBOOK.read_bytes()).hexdigest() == SHA256


def test_recognised_and_dated(result):
    assert recognise(WORKBOOK).name == "bns_population_sex_area"
    assert result.reference_date.isoformat() == "2023-01-01"


def test_every_region_district_and_town_matched(result):
    values = result.values[result.values["measure"] == "total"]
    sheet02 = values[values["sheet"] == "02"]
    assert sheet02["kato"].notna().all()
    assert (sheet02["kind"] == "region").sum() == 20
    assert sheet02["kind"].isin(["city_administration", "district", "city_district"]).sum() == 220
    towns = values[values["kind"].isin(["city", "town"])]
    assert towns["kato"].notna().all() and len(towns) == 86
    # every row is matched: the two settlements of sheet 03 whose spelling KATO lacks are curated in the profile
    # (curated_matches, with their evidence), never matched by similarity
    assert result.unmatched.empty
    assert result.values["kato"].notna().all()


def test_published_totals(result):
    """ACCESS.md §3.1: 20 regions summing to 19,765,004; the importer checked districts against their region."""
    v = result.values[(result.values["sheet"] == "02") & (result.values["measure"] == "total")]
    assert v.loc[v["kind"] == "country", "value"].item() == 19_765_004
    assert v.loc[v["kind"] == "region", "value"].sum() == 19_765_004
    for region, block in v[v["kind"] != "region"].groupby("parent_kato"):
        if region != "KZ":
            assert block["value"].sum() == v.loc[v["kato"] == region, "value"].item()


def test_same_name_three_parents_and_kind_of_row(result):
    v = result.values[(result.values["measure"] == "total") & (result.values["sheet"] == "02")]
    abai = v[v["name_raw"] == "Абай ауданы"].set_index("parent_kato")["kato"].to_dict()
    assert set(abai) == {"100000000", "350000000", "790000000"} and abai["100000000"] == "103200000"
    assert len(set(abai.values())) == 3
    semey = v[v["name_raw"] == "Семей қ.ә."].iloc[0]
    assert semey["kato"] == "101000000" and semey["kind"] == "city_administration" and semey["value"] == 328762
    # Kostanay city administration and Kostanay district share the stem; the suffix decides
    kos = v[v["parent_kato"] == "390000000"].set_index("name_raw")["kato"]
    assert kos["Қостанай қ.ә."] == "391000000" and kos["Қостанай ауданы"] == "395400000"
    # city districts of Aktobe (sheet 03, after "Ақтөбе қаласы") are not rural districts
    s3 = result.values[(result.values["sheet"] == "03") & (result.values["measure"] == "total")]
    assert s3.loc[(s3["name_raw"] == "Астана ауданы") & (s3["parent_kato"] == "151000000"), "kind"].item() == \
        "city_district"


def test_curated_matches_of_the_edition(result):
    """Шонжа а. (KATO 196630100 с.Чунджа, Kazakh Шонжы, centre of Uygur district) and Ленин к. (KATO 551045100
    п.Ленинский, the only settlement under Pavlodar city administration): real rows of sheet 03."""
    v = result.values[(result.values["sheet"] == "03") & (result.values["measure"] == "total")].set_index("row")
    assert (v.loc[131, "name_raw"], v.loc[131, "kato"], v.loc[131, "parent_kato"]) == \
        ("Шонжа а.", "196630100", "196600000")
    assert (v.loc[357, "name_raw"], v.loc[357, "kato"], v.loc[357, "parent_kato"]) == \
        ("Ленин к.", "551045100", "551000000")
    stored = result.observations.set_index("unit")["value"]
    assert stored["196630100"] == 22481 and stored["551045100"] == 9404


def test_curated_match_outside_its_parent_is_refused(tmp_path, units):
    """A curated code that does not lie under the row's parent (here a copy of the profile ALTERED by the test)
    stops the read with the sheet, row and name; it is never used."""
    from territoria.ingest.profiles import load_profile

    spec = dict(load_profile("bns_population_sex_area").spec)
    spec["curated_matches"] = {"196600000": {"Шонжа а.": "551045100"}}
    path = tmp_path / "altered_profile.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ProfileError, match=r"sheet '03', row 131.*Шонжа а\..*curated match 551045100"):
        read_with_profile(WORKBOOK, units, load_profile(path))


def test_footer_ignored_and_symbols(result):
    assert result.values["row"].max() <= 510  # the sign-off block starts at row 512 of sheet 03
    assert not result.values["name_raw"].str.contains("Жауапты|департамент|Тел").any()
    almaty = result.values[(result.values["name_raw"] == "Алмалы ауданы") & (result.values["measure"] == "rural")]
    assert (almaty["flag"] == "absent").all() and (almaty["value"] == 0).all()


def test_store_rows_match_the_bundle(result, bundled_store_path):
    obs = result.observations
    assert set(obs["indicator"]) == {"population_1jan"} and set(obs["year"]) == {2023}
    assert not obs["unit"].duplicated().any() and "KZ" not in set(obs["unit"])
    with Store(bundled_store_path, read_only=True) as store:
        stored = store.observations(indicators=["population_1jan"])
    stored = stored[stored["year"] == 2023].set_index("unit")["value"]
    common = obs[obs["unit"].isin(stored.index)]
    assert len(common) >= 340
    # districts carry the dynamic table's 2023 figures (one series 2009-2025); this bulletin's own figures
    # for them, where the two releases differ, are kept as alternates of the same source
    alternates = bundled_alternates()
    alternates = alternates[(alternates["indicator"] == "population_1jan") & (alternates["year"] == 2023)
                            & (alternates["source_id"] == "R2_BNS_POP2023")].set_index("unit")["value"]
    values = common.set_index("unit")["value"]
    same = values == stored[values.index]
    assert (values[~same] == alternates.reindex(values[~same].index)).all()
    assert same.sum() >= 130  # the towns and settlements, which the dynamic table does not list


def _altered(tmp_path, edit) -> Path:
    """A copy of the real workbook ALTERED by the test."""
    target = tmp_path / "altered.xlsx"
    shutil.copy(WORKBOOK, target)
    book = openpyxl.load_workbook(target)
    edit(book)
    book.save(target)
    return target


def test_layout_not_fitting_the_profile(tmp_path, units):
    path = _altered(tmp_path, lambda b: b["02"].cell(5, 8).__setattr__("value", "лесное население"))
    with pytest.raises(ProfileError) as err:
        read_with_profile(path, units, "bns_population_sex_area")
    assert "sheet '02'" in str(err.value) and "лесное население" in str(err.value)


def test_district_name_twice_in_a_region(tmp_path, units):
    path = _altered(tmp_path, lambda b: b["02"].cell(13, 1).__setattr__("value", "Абай ауданы"))
    with pytest.raises(ProfileError, match=r"sheet '02', row 13.*Абай ауданы.*also row 12"):
        read_with_profile(path, units, "bns_population_sex_area")


def test_sum_and_identity_checks(tmp_path, units):
    def edit(book):
        book["02"].cell(12, 2).value = 14059  # Abai district total one person too many
    with pytest.raises(ProfileError) as err:
        read_with_profile(_altered(tmp_path, edit), units, "bns_population_sex_area")
    text = str(err.value)
    assert "row 12" in text and "total = male + female = 14,058" in text


def test_cli_import_says_the_profile_and_keeps_data_on_error(tmp_path, bundled_store_path):
    db = tmp_path / "s.duckdb"
    shutil.copy(bundled_store_path, db)
    runner = CliRunner()
    # the bundled districts hold the dynamic table's 2023 figures; the bulletin differs for some: --revise
    refused = runner.invoke(app, ["--db", str(db), "import", str(WORKBOOK)])
    assert refused.exit_code != 0
    ok = runner.invoke(app, ["--db", str(db), "import", str(WORKBOOK), "--revise"])
    assert ok.exit_code == 0, ok.output
    assert "bns_population_sex_area" in ok.output and "revised" in ok.output
    bad = _altered(tmp_path, lambda b: b["02"].cell(13, 1).__setattr__("value", "Абай ауданы"))
    with Store(db, read_only=True) as store:
        before = store.counts()
    out = runner.invoke(app, ["--db", str(db), "import", str(bad), "--profile", "bns_population_sex_area"])
    assert out.exit_code != 0 and "row 13" in str(out.exception)
    with Store(db, read_only=True) as store:
        assert store.counts() == before


def test_district_view_of_the_seed_regions(bundled_store_path):
    """territoria.indicators.districts.district_view on the bundled real district data."""
    from territoria.indicators.districts import SEED_REGIONS, district_view

    with Store(bundled_store_path, read_only=True) as store:
        panel = store.panel()
    view = district_view(panel)
    assert list(dict.fromkeys(view["region"])) == list(SEED_REGIONS.values())
    assert "population_1jan_2024" in view.columns and "net_migration_2024" in view.columns
    semey = view.set_index("code").loc["101000000"]
    # BNS dynamic table 6584 (the bulletin says 328,762)
    assert semey["region"] == "Abai" and semey["population_1jan_2023"] == 328787
    row = view.set_index("code").loc["595200000"]  # Mamlyut district, named depressed by seed 000
    assert row["seed_status"] == "depressed and vulnerable"
    rate = round(1000 * row["net_migration_2023"] / row["population_1jan_2023"], 2)
    assert row["net_migration_per_1000_2023"] == rate
    units = panel.units
    expected = units[units["parent"].isin(list(SEED_REGIONS)) & (units["level"] == "district")]
    assert len(view) == len(expected) and not view["code"].duplicated().any()
