"""District tables: KATO code columns, repeated district names resolved by their region, --region scope and
indicator names cut at Excel's 31-character sheet-name limit.

Units: real KATO rows (codes, parents and Russian names from the KATO classifier of 17.10.2022, Kazakh names
from the BNS population bulletin of 1 January 2023, English names as in ``shared/data/units/units.csv``), a
subset chosen for the district names that repeat across regions. Every table below is **constructed** for the
test (made-up figures); the catalogue is the synthetic one of ``conftest.py`` or, for the truncation tests, a
small synthetic one written here.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from territoria.catalog.catalogue import Catalogue
from territoria.errors import InputFileError, UnknownNameError
from territoria.ingest.matching import AmbiguousNameError, NameMatcher
from territoria.ingest.readers import read_table

UNITS_ROWS = [
    # code, parent, level, name_kk, name_ru, name_en
    ("110000000", "KZ", "region", "Ақмола", "Акмолинская область", "Akmola Region"),
    ("114800000", "110000000", "district", "Есіл ауданы", "Есильский район", "Esil District"),
    ("190000000", "KZ", "region", "Алматы", "Алматинская область", "Almaty Region"),
    ("194200000", "190000000", "district", "Жамбыл ауданы", "Жамбылский район", "Zhambyl District"),
    ("310000000", "KZ", "region", "Жамбыл", "Жамбылская область", "Jambyl Region"),
    ("314000000", "310000000", "district", "Жамбыл ауданы", "Жамбылский район", "Zhambyl District"),
    ("350000000", "KZ", "region", "Қарағанды", "Карагандинская область", "Karaganda Region"),
    ("353200000", "350000000", "district", "Абай ауданы", "Абайский район", "Abay District"),
    ("353600000", "350000000", "district", "Ақтоғай ауданы", "Актогайский район", "Aktogay District"),
    ("550000000", "KZ", "region", "Павлодар", "Павлодарская область", "Pavlodar Region"),
    ("553200000", "550000000", "district", "Ақтоғай ауданы", "Актогайский район", "Aktogay District"),
    ("590000000", "KZ", "region", "Солтүстік Қазақстан", "Северо-Казахстанская область", "North Kazakhstan Region"),
    ("594200000", "590000000", "district", "Есіл ауданы", "Есильский район", "Esil District"),
    ("594230000", "594200000", "rural_district", None, "Явленский с.о.", "Yavlenskiy rural district"),
    ("594230100", "594230000", "settlement", "Явленка", "с.Явленка", "Yavlenka"),
    ("594600000", "590000000", "district", "Жамбыл ауданы", "Жамбылский район", "Zhambyl District"),
    ("595200000", "590000000", "district", "Мамлют ауданы", "Мамлютский район", "Mamlyut District"),
]
AKMOLA_ESIL, NKO_ESIL = "114800000", "594200000"


@pytest.fixture(scope="module")
def districts() -> NameMatcher:
    frame = pd.DataFrame(UNITS_ROWS, columns=["code", "parent", "level", "name_kk", "name_ru", "name_en"])
    return NameMatcher.for_units(frame)


def _csv(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _codes(result) -> dict[tuple[int, int], str]:
    obs = result.observations
    return {(int(r.row), int(r.year)): r.unit for r in obs.itertuples()}


# -- repeated names ------------------------------------------------------------------------------------------
def test_region_column_resolves_repeated_names(tmp_path, catalogue, districts):
    path = _csv(tmp_path, "Область;Район;Показатель;Год;Значение\n"
                          "Акмолинская область;Есильский район;Численность населения;2020;100\n"
                          "Северо-Казахстанская область;Есильский район;Численность населения;2020;200\n"
                          "Солтүстік Қазақстан облысы;Жамбыл ауданы;Численность населения;2020;300\n"
                          "Жамбылская область;Жамбылский район;Численность населения;2020;400\n")
    result = read_table(path, catalogue=catalogue, units=districts)
    obs = result.observations.set_index("value")["unit"]
    assert obs.to_dict() == {100: AKMOLA_ESIL, 200: NKO_ESIL, 300: "594600000", 400: "314000000"}


def test_wide_table_with_region_column(tmp_path, catalogue, districts):
    path = _csv(tmp_path, "Region,District,2019,2020\n"
                          "Karaganda Region,Aktogay District,15,16\n"
                          "Pavlodar Region,Aktogay District,12,13\n", name="population.csv")
    result = read_table(path, catalogue=catalogue, units=districts, indicator="population")
    assert set(result.observations["unit"]) == {"353600000", "553200000"}
    assert "353600000" not in set(result.observations.loc[result.observations.value == 12, "unit"])


def test_region_heading_rows_and_region_totals_resolve_repeated_names(tmp_path, catalogue, districts):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Численность населения"
    ws.append(["Наименование", "2022", "2023"])
    ws.append(["Северо-Казахстанская область", None, None])    # a heading row without figures
    ws.append(["Есильский район", 21_400, 21_279])
    ws.append(["Жамбылский район", 18_300, 18_102])
    ws.append(["Акмолинская область", None, None])
    ws.append(["Есильский район", 20_900, 20_859])
    ws.append(["Карагандинская область", 1_130_000, 1_134_000])  # a region total: an observation and a heading
    ws.append(["Абайский район", 58_900, 59_000])
    ws.append(["Актогайский район", 16_000, 15_982])
    ws.append(["Павлодарская область", 752_000, 751_000])
    ws.append(["Актогайский район", 12_900, 12_858])
    path = tmp_path / "districts.xlsx"
    wb.save(path)
    result = read_table(path, catalogue=catalogue, units=districts)
    by_row = {row: unit for (row, _year), unit in _codes(result).items()}
    assert by_row == {3: NKO_ESIL, 4: "594600000", 6: AKMOLA_ESIL, 7: "350000000", 8: "353200000",
                      9: "353600000", 10: "550000000", 11: "553200000"}


@pytest.mark.parametrize(("name", "expected_places"), [
    ("Есильский район", ["Есильский район [114800000] (Акмолинская область)",
                         "Есильский район [594200000] (Северо-Казахстанская область)"]),
    ("Есіл ауданы", ["Есіл ауданы [114800000] (Ақмола)", "Есіл ауданы [594200000] (Солтүстік Қазақстан)"]),
    ("Esil District", ["Esil District [114800000] (Akmola Region)",
                       "Esil District [594200000] (North Kazakhstan Region)"]),
])
def test_unresolved_repeated_name_is_one_error_listing_candidate_parents(tmp_path, catalogue, districts, name,
                                                                          expected_places):
    path = _csv(tmp_path, f"Район;Показатель;Год;Значение\n{name};Численность населения;2019;1\n"
                          f"{name};Численность населения;2020;2\nМамлютский район;Численность населения;2020;3\n")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=districts)
    problems = info.value.problems
    assert len(problems) == 1                       # one error for the name, not one per row
    problem = problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "Район", name)
    for place in expected_places:
        assert place in problem.expected
    assert "rows 3" in problem.expected and "--region" in problem.expected
    # nothing half-read: with skip_invalid the other rows are kept and the two rows are not
    result = read_table(path, catalogue=catalogue, units=districts, skip_invalid=True)
    assert result.observations["unit"].tolist() == ["595200000"]


def test_level_word_picks_the_region_over_districts_of_the_same_name(districts):
    assert districts.match("Жамбыл облысы") == "310000000"
    with pytest.raises(AmbiguousNameError) as info:
        districts.match("Жамбыл ауданы")
    assert sorted(info.value.candidates) == ["194200000", "314000000", "594600000"]
    assert "Жамбыл ауданы [194200000] (Алматы)" in str(info.value)


# -- --region ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("region", ["Северо-Казахстанская область", "Солтүстік Қазақстан", "North Kazakhstan",
                                    "590000000"])
def test_region_scope_by_name_in_three_languages_or_code(tmp_path, catalogue, districts, region):
    path = _csv(tmp_path, "Район,2020\nЕсильский район,1\nЖамбылский район,2\n", name="population.csv")
    result = read_table(path, catalogue=catalogue, units=districts, indicator="population", within=region)
    assert result.observations.set_index("value")["unit"].to_dict() == {1: NKO_ESIL, 2: "594600000"}


def test_unit_outside_the_region_is_an_error_not_dropped(tmp_path, catalogue, districts):
    path = _csv(tmp_path, "Район,2020\nЕсильский район,1\nАктогайский район,2\n", name="population.csv")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=districts, indicator="population", within="Акмолинская область")
    (problem,) = info.value.problems
    assert problem.row == 3 and problem.value == "Актогайский район"
    assert "outside" in problem.expected and "Акмолинская область [110000000]" in problem.expected
    result = read_table(path, catalogue=catalogue, units=districts, indicator="population",
                        within="Акмолинская область", skip_invalid=True)
    assert result.observations["unit"].tolist() == [AKMOLA_ESIL] and len(result.rejected) == 1


def test_unknown_region_is_refused(tmp_path, catalogue, districts):
    path = _csv(tmp_path, "Район,2020\nЕсильский район,1\n", name="population.csv")
    with pytest.raises(UnknownNameError):
        read_table(path, catalogue=catalogue, units=districts, indicator="population", within="Атлантида")


# -- KATO code columns ------------------------------------------------------------------------------------
def test_kato_column_is_used_first_and_name_when_code_is_blank(tmp_path, catalogue, districts):
    path = _csv(tmp_path, "КАТО;Район;2020\n594200000;Есильский район;1\n;Мамлютский район;2\n"
                          "114800000;Есильский район;3\n", name="population.csv")
    result = read_table(path, catalogue=catalogue, units=districts, indicator="population")
    assert result.observations.set_index("value")["unit"].to_dict() == {1: NKO_ESIL, 2: "595200000",
                                                                        3: AKMOLA_ESIL}


def test_code_column_found_by_its_values_in_xlsx(tmp_path, catalogue, districts):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "population"
    ws.append(["id", "Территория", 2020])
    ws.append([594200000, "Есильский район", 1])      # numeric cells, as a spreadsheet stores codes
    ws.append([114800000, "Есильский район", 2])
    path = tmp_path / "codes.xlsx"
    wb.save(path)
    result = read_table(path, catalogue=catalogue, units=districts)
    assert result.observations.set_index("value")["unit"].to_dict() == {1: NKO_ESIL, 2: AKMOLA_ESIL}


def test_bad_codes_are_named(tmp_path, catalogue, districts):
    path = _csv(tmp_path, "Код КАТО;Район;2020\n999999999;Есильский район;1\n594600000;Мамлютский район;2\n"
                          "594200000;Есильский район;3\n", name="population.csv")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=districts, indicator="population", within="590000000")
    problems = {p.row: p for p in info.value.problems}
    assert set(problems) == {2, 3}
    assert problems[2].column == "Код КАТО" and "9-digit KATO code" in problems[2].expected
    assert problems[3].value == "594600000" and "Мамлютский район [595200000]" in problems[3].expected


# -- indicator names cut at 31 characters -----------------------------------------------------------------
def _ind(id_: str, ru: str) -> dict:
    return {"id": id_, "name": {"en": id_.replace("_", " "), "ru": ru}, "unit": {"en": "tenge", "ru": "тенге"}}


@pytest.fixture(scope="module")
def long_names() -> Catalogue:
    """Synthetic catalogue: two wage indicators whose Russian names share their first 31 characters."""
    return Catalogue.from_mapping({"version": 1, "indicators": [
        _ind("avg_monthly_nominal_wage", "Среднемесячная номинальная заработная плата одного работника"),
        _ind("avg_monthly_nominal_wage_women", "Среднемесячная номинальная заработная плата женщин"),
        _ind("industrial_output_per_capita", "Объем промышленной продукции на душу населения"),
    ]}, source="synthetic test catalogue")


def _sheets(tmp_path: Path, titles: list[str]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title in titles:
        ws = wb.create_sheet(title)
        ws.append(["Район", 2020])
        ws.append(["Мамлютский район", 5])
    path = tmp_path / "cut.xlsx"
    wb.save(path)
    return path


def test_sheet_name_cut_at_31_characters_matches_by_unique_prefix(tmp_path, long_names, districts):
    title = "Объем промышленной продукции на душу населения"[:31]
    result = read_table(_sheets(tmp_path, [title]), catalogue=long_names, units=districts)
    assert result.observations["indicator"].tolist() == ["industrial_output_per_capita"]


def test_sheet_name_cut_to_an_ambiguous_prefix_lists_the_candidates(tmp_path, long_names, districts):
    title = "Среднемесячная номинальная заработная плата одного работника"[:31]
    assert len(title) == 31
    with pytest.raises(InputFileError) as info:
        read_table(_sheets(tmp_path, [title]), catalogue=long_names, units=districts)
    (problem,) = info.value.problems
    assert problem.sheet == title
    assert "[avg_monthly_nominal_wage]" in problem.expected and "[avg_monthly_nominal_wage_women]" in problem.expected
    assert "31 characters" in problem.expected and "--indicator" in problem.expected


def test_empty_code_and_name_is_named_as_empty(tmp_path, catalogue, districts):
    path = _csv(tmp_path, "КАТО;Показатель;Год;Значение\n594200000;Численность населения;2020;1\n"
                          ";Численность населения;2020;2\n")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=districts)
    (problem,) = info.value.problems
    assert (problem.row, problem.column) == (3, "КАТО") and "the cell is empty" in problem.expected


def test_a_code_outside_the_region_is_an_error(tmp_path, catalogue, districts):
    path = _csv(tmp_path, "KATO,2020\n594200000,1\n114800000,2\n", name="population.csv")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=districts, indicator="population",
                   within="North Kazakhstan Region")
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "KATO", "114800000")
    assert "North Kazakhstan Region [590000000]" in problem.expected
    assert "Esil District [114800000] (Akmola Region) lies outside it" in problem.expected


def test_every_catalogue_name_cut_at_31_characters_finds_its_indicator_or_lists_it():
    """The package's catalogue: a cut name never matches another indicator silently."""
    from territoria.catalog.catalogue import load_catalogue
    from territoria.ingest.readers import indicator_matcher

    catalogue = load_catalogue()
    matcher = indicator_matcher(catalogue)
    cut = [(item.id, name[:31]) for item in catalogue for lang in ("en", "ru", "kk")
           if len(name := getattr(item.name, lang, "") or "") > 31]
    assert len(cut) > 100
    for ident, text in cut:
        try:
            assert matcher.match(text) == ident, text
        except AmbiguousNameError as exc:
            assert ident in exc.candidates, (text, exc.candidates)


# -- settlements (conftest's North Kazakhstan units: three villages named Октябрьское) -----------------------
def test_settlement_under_a_district_heading_row(tmp_path, catalogue, units):
    path = _csv(tmp_path, "Населенный пункт,2020\nРайон Магжана Жумабаева,\nс.Октябрьское,410\n"
                          "Тайыншинский район,\nг.Мамлютка,6731\n", name="population.csv")
    result = read_table(path, catalogue=catalogue, units=units, indicator="population")
    assert result.observations.set_index("value")["unit"].to_dict() == {410: "593665100", 6731: "595220100"}


def test_region_district_and_settlement_columns(tmp_path, catalogue, units):
    path = _csv(tmp_path, "Область;Район;Населенный пункт;2020\n"
                          "Северо-Казахстанская область;Район Магжана Жумабаева;с.Октябрьское;410\n"
                          "Северо-Казахстанская область;Тайыншинский район;с.Октябрьское;520\n",
                name="population.csv")
    with pytest.raises(InputFileError) as info:   # two villages of that name in Tayynsha district
        read_table(path, catalogue=catalogue, units=units, indicator="population")
    (problem,) = info.value.problems
    assert problem.row == 3 and "596037600" in problem.expected and "596066600" in problem.expected
    assert "593665100" not in problem.expected    # the district column has ruled that one out
    result = read_table(path, catalogue=catalogue, units=units, indicator="population", skip_invalid=True)
    assert result.observations["unit"].tolist() == ["593665100"]


def test_a_unit_outside_the_region_is_worded_in_russian_and_kazakh(tmp_path, catalogue, districts):
    from territoria.report.error_text import error_text

    path = _csv(tmp_path, "Район,2020\nЕсильский район,1\nАбайский район,2\nАктогайский район,3\n",
                name="population.csv")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=catalogue, units=districts, indicator="population", within="590000000")
    assert [(p.row, p.code) for p in info.value.problems] == [(3, "outside_scope"), (4, "outside_scope_many")]
    ru, kk = (error_text(info.value, lang, file="population.csv") for lang in ("ru", "kk"))
    assert ("population.csv, строка 3, столбец «Район»: найдено 'Абайский район', ожидалось: единица в пределах: "
            "Северо-Казахстанская область [590000000] (регион этого импорта); Абайский район [353200000] "
            "(Карагандинская область) лежит за его пределами") in ru
    assert ("population.csv, 4-жол, «Район» бағаны: табылғаны 'Актогайский район', күтілгені: Северо-Казахстанская "
            "область [590000000] шегіндегі бірлік (осы импорттың өңірі); осы атаудағы бірліктер одан тыс жатыр: "
            "Актогайский район [353600000] (Карагандинская область); Актогайский район [553200000]") in kk
    assert "lies outside" in str(info.value)  # the CLI keeps the English
