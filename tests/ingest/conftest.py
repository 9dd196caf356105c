"""Fixtures for the ingestion tests.

Units: real KATO rows of North Kazakhstan region (codes and Russian names from the KATO classifier of
17.10.2022, Kazakh names from the BNS population bulletin of 1 Jan 2023, English names machine-transliterated),
copied from ``shared/data/units/units.csv`` (sources S_KATO_2022, S_BNS_POP_2023); a subset, not the whole
classifier.

Catalogue: **synthetic** — a small catalogue written for these tests (ids and wording follow the seed tables of
Turkeeva, Omarov & Abilkaiyr 2022), not the package's catalogue data file.
"""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.catalog.catalogue import Catalogue
from territoria.ingest.matching import NameMatcher

UNITS_ROWS = [
    # code, parent, level, name_kk, name_ru, name_en
    ("590000000", None, "region", "Солтүстік Қазақстан", "Северо-Казахстанская область",
     "North Kazakhstan Region"),
    ("591000000", "590000000", "district", "Петропавл қ.ә.", "Петропавловск Г.А.",
     "Petropavl City Administration"),
    ("591010000", "591000000", "rural_district", "Петропавл", "г.Петропавловск", "Petropavlovsk"),
    ("593600000", "590000000", "district", "Мағжан Жұмабаев ауданы", "Район Магжана Жумабаева",
     "Magzhan Zhumabaev District"),
    ("593620000", "593600000", "rural_district", None, "Булаевская г.а.", "Bulaevskaya town administration"),
    ("593620100", "593620000", "settlement", "Булаев", "г.Булаево", "Bulaevo"),
    ("593665000", "593600000", "rural_district", None, "с.о.Аққайың", "o.Akkayyn rural district"),
    ("593665100", "593665000", "settlement", None, "с.Октябрьское", "Oktyabrskoe"),
    ("595200000", "590000000", "district", "Мамлют ауданы", "Мамлютский район", "Mamlyut District"),
    ("595220000", "595200000", "rural_district", None, "Мамлютская г.а.", "Mamlyutskaya town administration"),
    ("595220100", "595220000", "settlement", "Мамлют", "г.Мамлютка", "Mamlyutka"),
    ("596000000", "590000000", "district", "Тайынша ауданы", "Тайыншинский район", "Tayynsha District"),
    ("596037000", "596000000", "rural_district", None, "Большеизюмовский с.о.",
     "Bolsheizyumovskiy rural district"),
    ("596037600", "596037000", "settlement", None, "с.Октябрьское", "Oktyabrskoe"),
    ("596066000", "596000000", "rural_district", None, "Рощинский с.о.", "Roshchinskiy rural district"),
    ("596066600", "596066000", "settlement", None, "с.Октябрьское", "Oktyabrskoe"),
]

BULAEVO, MAMLYUTKA = "593620100", "595220100"


@pytest.fixture(scope="session")
def units_frame() -> pd.DataFrame:
    return pd.DataFrame(UNITS_ROWS, columns=["code", "parent", "level", "name_kk", "name_ru", "name_en"])


@pytest.fixture(scope="session")
def units(units_frame: pd.DataFrame) -> NameMatcher:
    return NameMatcher.for_units(units_frame)


def _ind(id_: str, en: str, ru: str, unit_en: str, unit_ru: str, accepts: dict[str, float] | None = None,
         aliases: list[str] | None = None, kk: str = "") -> dict:
    return {"id": id_, "name": {"en": en, "ru": ru, "kk": kk}, "unit": {"en": unit_en, "ru": unit_ru},
            "accepts_units": accepts or {}, "aliases": aliases or []}


SYNTHETIC_CATALOGUE = {
    "version": 1,
    "indicators": [
        _ind("population", "Population size", "Численность населения", "persons", "человек",
             {"person": 1, "чел.": 1, "thousand persons": 1000, "тыс. человек": 1000}, kk="Халық саны"),
        _ind("avg_monthly_nominal_wage", "Average monthly nominal wage per employee",
             "Среднемесячная номинальная заработная плата одного работника", "tenge", "тенге",
             {"thousand tenge": 1000, "тыс. тенге": 1000},
             aliases=["Average monthly nominal salary of one employee"]),
        _ind("employed_population", "Number of employed population", "Численность занятого населения",
             "persons", "человек", {"person": 1}),
        _ind("unemployment_rate", "Unemployment rate", "Уровень безработицы", "%", "%", {"percent": 1}),
        _ind("net_migration", "Balance of population migration", "Сальдо миграции населения", "persons",
             "человек", {"person": 1}),
        _ind("industrial_output_per_capita", "Volume of industrial output per capita",
             "Объем промышленной продукции на душу населения", "thousand tenge", "тыс. тенге",
             {"tenge": 0.001}, aliases=["The volume of industrial output per capita"]),
        _ind("agricultural_output_per_capita", "Volume of agricultural products per capita",
             "Объем продукции сельского хозяйства на душу населения", "thousand tenge", "тыс. тенге",
             {"tenge": 0.001}, aliases=["The volume of agricultural products per capita"]),
    ],
}


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.from_mapping(SYNTHETIC_CATALOGUE, source="synthetic test catalogue")
