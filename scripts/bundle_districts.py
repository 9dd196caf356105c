"""District pieces of the bundle build (``scripts/build_bundle.py``): the BNS district panel and the
district-level territory changes of the crosswalk. Nothing is estimated: rows are selected, mapped to codes
and unit-converted where the catalogue says so (investment: thousand tenge -> million tenge)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

SOUTH_KAZ = "X_SOUTH_KAZAKHSTAN"


def new_unit_id(name_en: str) -> str:
    base = re.sub(r"\s*\(.*\)$", "", name_en)
    return "X_" + re.sub(r"[^A-Z0-9]+", "_", base.upper()).strip("_")


#: district_panels/ (BNS tables 6584, 6547, 4289, 5546): every district and city administration.
PANEL_SOURCES = ["DST_BNS_POP6584", "DST_BNS_NATINC", "DST_BNS_HOUSING4289", "DST_BNS_INV5546"]


def district_panel_rows(shared: Path) -> pd.DataFrame:
    """Population 2009-2025, natural increase 2009-2024, housing 2014-2022, investment 2016-2018.

    Every row is kept on the map of its year with today's KATO (the row note says when the unit lay
    in another region or included a later unit). The Republic row is ``KZ``, the pre-2018 South
    Kazakhstan region ``X_SOUTH_KAZAKHSTAN``, the seven units of 2024 their ``X_`` ids (as regions2).
    The Ayagoz and Altai city administrations (merged into their districts on 1 January 2014; codes
    retired) are left out. Investment is converted from thousand tenge to the catalogue's million tenge.
    """
    d = pd.read_csv(shared / "district_panels" / "observations.csv", dtype={"kato": str})
    retired = d["unit_name_en"].str.contains("until 2013", regex=False)
    d = d[~retired].copy()
    code = d["kato"].copy()
    code[d["level"] == "country"] = "KZ"
    code[d["unit_name_en"].str.startswith("South Kazakhstan Region")] = SOUTH_KAZ
    missing = code.isna()
    code[missing] = d.loc[missing, "unit_name_en"].map(new_unit_id)
    value = d["value"].astype(float)
    note = d["note"].fillna("")
    thousand = d["measure_unit"] == "thousand tenge"
    value[thousand] = value[thousand] / 1000.0
    note[thousand] = (note[thousand] + "; published in thousand tenge, stored in million tenge").str.strip("; ")
    return pd.DataFrame({"unit": code.to_numpy(), "indicator": d["indicator"].to_numpy(),
                         "year": d["year"].astype(int).to_numpy(), "value": value.to_numpy(),
                         "source_id": d["source_id"].to_numpy(), "note": note.to_numpy()})


#: District-level territory changes in the district panel (district_panels/README.md, "Splits and new units",
#: "Mergers"): (old code, old name, new code, new name, first year whose 1 January stock is on the new map,
#: change type, note). ``split_part`` rows come in pairs (the parent keeps its code); a unit whose territory
#: changed without a single-parent split gets a ``territory_change`` row (old_code = new_code). The year is
#: that of the change as the annual tables show it: that year's flows (births, deaths, migration, housing)
#: are printed on the new map while its 1 January stock is still on the old one; the next 1 January is new.
DISTRICT_CHANGES = [
    ("195800000", "Райымбекский район", "194400000", "Кегенский район", "2017", "split_part",
     "Kegen District split from Rayymbek District; natural increase printed on the new map from 2017"),
    ("614400000", "Мактааральский район", "613800000", "Жетисайский район", "2017", "split_part",
     "Zhetysai District split from Maktaaral District; natural increase printed on the new map from 2017"),
    ("615400000", "Сарыагашский район", "613900000", "Келесский район", "2017", "split_part",
     "Keles District split from Saryagash District; natural increase printed on the new map from 2017"),
    ("612000000", "Кентау Г.А.", "615500000", "район Сауран", "2020", "split_part",
     "Sauran District formed from Kentau City Administration territory (inferred from the figures: "
     "Kentau -105,394 on 1 Jan 2021)"),
    ("116600000", "Целиноградский район", "111600000", "Косшы Г.А.", "2021", "split_part",
     "Kosshy City Administration formed from Tselinograd District territory (housing printed from 2021)"),
    ("635800000", "Тарбагатайский район", "103400000", "район Ақсуат", "2021", "split_part",
     "Aksuat District formed from Tarbagatay District"),
    ("104400000", "Кокпектинский район", "635600000", "район Самар", "2021", "split_part",
     "Samar District formed from Kokpekty District"),
    ("196800000", "Илийский район", "X_ALATAU_CITY_ADMINISTRATION", "Алатау Г.А.", "2024", "split_part",
     "Alatau City Administration formed mainly from Ile District (small parts of Konaev G.A. and Talgar "
     "District per the 2024 balance); flows printed on the new map from 2024"),
    ("635200000", "Курчумский район", "X_MARKAKOL_DISTRICT", "район Марқакөл", "2024", "split_part",
     "Markakol District formed from Kurchum District; flows printed on the new map from 2024"),
    ("635400000", "Катон-Карагайский район", "X_ULKEN_NARYN_DISTRICT", "район Үлкен Нарын", "2024", "split_part",
     "Ulken Naryn District formed from Katon-Karagay District; flows printed on the new map from 2024"),
    ("101000000", "Семей Г.А.", "X_ZHANASEMEY_DISTRICT", "район Жаңасемей", "2024", "split_part",
     "Zhanasemey District formed from Semey City Administration territory; flows on the new map from 2024"),
    ("104600000", "Урджарский район", "X_MAKANSHY_DISTRICT", "район Мақаншы", "2024", "split_part",
     "Makanshy District formed from Urzhar District; flows printed on the new map from 2024"),
    ("711210000", "район Есиль", "X_NURA_DISTRICT", "район Нұра", "2024", "split_part",
     "Nura District of Astana formed mainly from Esil District (smaller parts of the other Astana districts "
     "per the 2024 balance); flows printed on the new map from 2024"),
    ("711110000", "район Алматы", "711110000", "район Алматы", "2017", "territory_change",
     "gave territory to the new Baikonyr District of Astana (with Saryarka District; inferred from the "
     "1 Jan 2018 figures)"),
    ("711310000", "район Сарыарка", "711310000", "район Сарыарка", "2017", "territory_change",
     "gave territory to the new Baikonyr District of Astana (with Almaty District)"),
    ("791110000", "Абайский район (Шымкент)", "791110000", "Абайский район (Шымкент)", "2024", "territory_change",
     "gave territory to the new Turan District of Shymkent (2024)"),
    ("791510000", "Енбекшинский район (Шымкент)", "791510000", "Енбекшинский район (Шымкент)", "2024",
     "territory_change", "gave territory to the new Turan District of Shymkent (2024)"),
    ("791710000", "Каратауский район (Шымкент)", "791710000", "Каратауский район (Шымкент)", "2024",
     "territory_change", "gave territory to the new Turan District of Shymkent (2024)"),
    ("191000000", "Қонаев Г.А.", "191000000", "Қонаев Г.А.", "2024", "territory_change",
     "gave territory to the new Alatau City Administration (2024 balance: -6,657)"),
    ("196200000", "Талгарский район", "196200000", "Талгарский район", "2024", "territory_change",
     "gave territory to the new Alatau City Administration (2024 balance: -1,086)"),
    ("711410000", "район Байқоңыр", "711410000", "район Байқоңыр", "2024", "territory_change",
     "gave territory to the new Nura District of Astana (2024 balance: -10,054)"),
    ("791310000", "Аль-Фарабийский район", "791310000", "Аль-Фарабийский район", "2024", "territory_change",
     "received territory when the Shymkent districts were redrawn with the new Turan District (2024 balance: "
     "+67,691)"),
    ("103600000", "Аягозский район", "103600000", "Аягозский район", "2013", "territory_change",
     "Ayagoz City Administration merged into Ayagoz District on 1 Jan 2014; the series doubles at that date"),
    ("634800000", "район Алтай", "634800000", "район Алтай", "2013", "territory_change",
     "Altai (Zyryanovsk) City Administration merged into Altai District on 1 Jan 2014"),
    ("195200000", "Карасайский район", "195200000", "Карасайский район", "2014", "territory_change",
     "territory passed to Almaty city in 2014 (Karasay -68,282 on 1 Jan 2015)"),
    ("615200000", "Сайрамский район", "615200000", "Сайрамский район", "2014", "territory_change",
     "territory passed to Shymkent in 2014 (Sayram -124,084 between 1 Jan 2014 and 1 Jan 2015)"),
    ("615800000", "Толебийский район", "615800000", "Толебийский район", "2014", "territory_change",
     "territory passed to Shymkent in 2014"),
    ("611000000", "Туркестан Г.А.", "611000000", "Туркестан Г.А.", "2018", "territory_change",
     "gave territory to Kentau City Administration in 2018 (inferred from the figures)"),
    ("612000000", "Кентау Г.А.", "612000000", "Кентау Г.А.", "2018", "territory_change",
     "received territory from Turkistan City Administration in 2018 (inferred from the figures)"),
]


def district_changes() -> pd.DataFrame:
    rows = []
    for old, old_name, new, new_name, year, kind, note in DISTRICT_CHANGES:
        pairs = [(old, old_name), (new, new_name)] if kind == "split_part" else [(new, new_name)]
        for code, name in pairs:
            rows.append({"old_unit": old_name, "old_code": old, "new_unit": name, "new_code": code,
                         "date": year, "legal_act": "", "change_type": kind, "source_id": "DST_BNS_POP6584",
                         "note": note + "; date = the year whose annual flows are the first on the new map; "
                                 "population on 1 January of the next year is the first on it "
                                 "(district_panels/README.md)"})
    return pd.DataFrame(rows)
