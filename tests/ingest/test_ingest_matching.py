"""Name → code matching across spellings, scripts and languages (real KATO names, see conftest)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from territoria.errors import UnknownNameError
from territoria.ingest.matching import AmbiguousNameError, NameMatcher, name_key, normalise_name, suggest
from territoria.ingest.transliterate import fold_latin, to_latin

BULAEVO, MAMLYUTKA = "593620100", "595220100"  # KATO codes (KATO 17.10.2022)


@pytest.mark.parametrize("spellings", [
    ["Мамлютка", "Mamlyutka", "Mamljutka", "г. Мамлютка", "город Мамлютка", "МАМЛЮТКА"],
    ["Булаево", "Bulayevo", "Bulaevo", "г.Булаево", "Bulaevo town"],
    ["Жетісу", "Zhetisu", "Jetisu"],
    ["Фёдоровка", "Федоровка", "Fyodorovka", "Fedorovka"],
    ["Мамлютский район", "Mamlyutskiy rayon", "Mamlyutsky District", "Mamlyutskii district"],
])
def test_spellings_meet(spellings: list[str]) -> None:
    keys = {normalise_name(s) for s in spellings}
    assert len(keys) == 1, keys


def test_normalise_strips_designators_only_at_the_ends() -> None:
    assert normalise_name("Северо-Казахстанская область") == "severo kazahstanskaya"  # х → kh → h
    assert normalise_name("область Абай") == "abay" == normalise_name("Abay region")
    assert normalise_name("Мамлют ауданы") == "mamlyut"
    assert normalise_name("Булаевская г.а.") == "bulaevskaya"
    assert normalise_name("с.о. Матибулак") == "matibulak"
    assert normalise_name("пгт Солнечный") == normalise_name("Solnechnyy")
    # a designator word that is the whole name is kept
    assert normalise_name("Район") == "raen" == normalise_name("rayon")
    # the spelling key keeps designators
    assert name_key("г.Мамлютка") == "g mamlyutka"


def test_kazakh_letters_fold() -> None:
    assert to_latin("Қарабұлақ") == "karabulak"
    assert to_latin("Өскемен") == "oskemen"
    assert to_latin("Әйтеке би") == "ayteke bi"
    assert fold_latin(to_latin("Ақсу")) == fold_latin("Aqsu")  # Kazakh Latin q = қ
    assert normalise_name("Қызылжар ауданы") == normalise_name("Kyzylzhar District")


@pytest.mark.parametrize("name", ["Мамлютка", "Mamlyutka", "Mamljutka", "Mamlyut", "Мамлют", "г.Мамлютка",
                                  "Mamlyutk", "Mamlytka", "MAMLYUTKA"])
def test_mamlyutka_every_way(units: NameMatcher, name: str) -> None:
    assert units.match(name) == MAMLYUTKA


@pytest.mark.parametrize("name", ["Булаево", "Bulayevo", "Bulaevo", "Булаев", "г. Булаево", "Bulaevoo"])
def test_bulaevo_every_way(units: NameMatcher, name: str) -> None:
    assert units.match(name) == BULAEVO


def test_districts_and_regions(units: NameMatcher) -> None:
    assert units.match("Мамлютский район") == "595200000"
    assert units.match("Mamlyut District") == "595200000"
    assert units.match("Мағжан Жұмабаев ауданы") == "593600000"          # Kazakh spelling
    assert units.match("Magzhan Zhumabayev district") == "593600000"      # conventional English spelling
    assert units.match("Солтүстік Қазақстан облысы") == "590000000"
    assert units.match("North Kazakhstan") == "590000000"
    assert units.match("Северо-Казахстанская обл.") == "590000000"
    assert units.match("595220100") == MAMLYUTKA                           # a code matches itself


def test_ambiguous_name_lists_candidates(units: NameMatcher) -> None:
    with pytest.raises(AmbiguousNameError) as info:
        units.match("Октябрьское")
    err = info.value
    assert isinstance(err, UnknownNameError)
    assert sorted(err.candidates) == ["593665100", "596037600", "596066600"]
    assert len(err.suggestions) == 3 and all("Октябрьское" in s or "Oktyabrskoe" in s for s in err.suggestions)
    assert "ambiguous unit 'Октябрьское'" in str(err)


def test_within_a_region_or_district_resolves_ambiguity(units: NameMatcher) -> None:
    assert units.match("Октябрьское", within="593600000") == "593665100"
    assert units.match("с.Октябрьское", within="Magzhan Zhumabaev District") == "593665100"
    assert units.match("Oktyabrskoye", within="596066000") == "596066600"
    with pytest.raises(AmbiguousNameError):
        units.match("Октябрьское", within="Тайыншинский район")  # two of them in Tayynsha district
    with pytest.raises(UnknownNameError):
        units.match("Мамлютка", within="593600000")  # exists, but not in that district


def test_unknown_name_suggests_three_original_spellings(units: NameMatcher) -> None:
    with pytest.raises(UnknownNameError) as info:
        units.match("Mamlutovka-Zapadnaya")
    err = info.value
    assert not isinstance(err, AmbiguousNameError)
    assert err.kind == "unit" and err.name == "Mamlutovka-Zapadnaya"
    assert len(err.suggestions) == 3
    known = {s for c in units.codes for s in units.spellings_of(c)}
    assert set(err.suggestions) <= known
    assert any("Мамлют" in s or "Mamlyut" in s for s in err.suggestions)
    with pytest.raises(UnknownNameError):
        units.match("")


def test_match_without_suggestions_fails_the_same_with_none(units: NameMatcher) -> None:
    # suggest=False (the layout guess only asks whether a label is a name) changes the error's list, nothing else
    with pytest.raises(UnknownNameError) as info:
        units.match("Mamlutovka-Zapadnaya", suggest=False)
    assert info.value.name == "Mamlutovka-Zapadnaya" and info.value.suggestions == []
    assert units.match("Мамлютка", suggest=False) == units.match("Мамлютка") == "595220100"
    with pytest.raises(AmbiguousNameError):   # an ambiguous name stays ambiguous
        units.match("Октябрьское", suggest=False)


def test_known_codes_are_the_spelled_and_the_scoped_codes(units: NameMatcher) -> None:
    assert units.known_codes == frozenset(units.codes) | frozenset(units.scope)
    assert "595220100" in units.known_codes and units.known_codes is units.known_codes  # built once


def test_levels_filter(units_frame: pd.DataFrame) -> None:
    districts = NameMatcher.for_units(units_frame, levels=["district"])
    assert districts.match("Mamlyut") == "595200000"
    assert MAMLYUTKA not in districts.codes
    settlements = NameMatcher.for_units(units_frame.set_index("code"), levels=["settlement"])
    assert settlements.match("Mamlyut") == MAMLYUTKA
    assert settlements.match("Октябрьское", within="593600000") == "593665100"  # scope keeps all parents


def test_threshold_controls_fuzzy_matches(units_frame: pd.DataFrame) -> None:
    strict = NameMatcher.for_units(units_frame, threshold=99)
    with pytest.raises(UnknownNameError):
        strict.match("Bulaevoo")
    assert NameMatcher.for_units(units_frame, threshold=80).match("Bulaevoo") == BULAEVO


def test_match_many(units: NameMatcher) -> None:
    names = pd.Series(["Bulaevo", "Мамлютка", "Nowhere-on-Earth", "Bulaevo", None], index=list("abcde"))
    codes, problems = units.match_many(names)
    assert codes.index.equals(names.index)
    assert codes.tolist() == [BULAEVO, MAMLYUTKA, None, BULAEVO, None]
    assert [p.name for p in problems] == ["Nowhere-on-Earth", ""]


def test_mapping_form_and_suggest() -> None:
    m = NameMatcher({"г.Мамлютка": MAMLYUTKA, "Мамлютский район": "595200000"}, kind="unit")
    assert m.match("Mamljutka") == MAMLYUTKA and m.match("Mamlyutsky district") == "595200000"
    assert suggest("populaton", ["population", "wage", "net_migration"]) == ["population"]
    assert suggest("avg_wage", {"avg_monthly_nominal_wage": 1, "population": 2}, limit=1) == [
        "avg_monthly_nominal_wage"]
    assert suggest("zzzz", ["population"]) == []


def test_exact_hits_on_the_size_of_the_classifier_never_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Synthetic: 16,000 made-up names (random syllables, seeded), the size of the KATO classifier. An exact
    spelling is a dictionary look-up: the fuzzy scorer is never called (checked by replacing it; timings
    belong to the benchmarks)."""
    from territoria.ingest import matching

    rng = np.random.default_rng(20240601)
    syllables = np.array(["ak", "kara", "bu", "lak", "sa", "ry", "zhan", "tal", "dy", "kol", "su", "tas", "ozen",
                          "bai", "ter", "ek", "mam", "lyut", "ka", "ev", "ovo", "in", "ka"])
    names = {"".join(rng.choice(syllables, size=rng.integers(2, 5))).capitalize() + f" {k}": f"{100000000 + k}"
             for k in range(16_000)}
    matcher = NameMatcher(names)

    class NoScan:
        def __getattr__(self, name: str):
            raise AssertionError(f"an exact hit ran the fuzzy rapidfuzz.{name}")

    monkeypatch.setattr(matching, "process", NoScan())
    monkeypatch.setattr(matching, "fuzz", NoScan())
    for spelling, code in list(names.items())[::400]:
        assert matcher.match(spelling) == code
    with pytest.raises(AssertionError, match="fuzzy"):  # the replacement is in the path a misspelling takes
        matcher.match("Karabulakk 7")
