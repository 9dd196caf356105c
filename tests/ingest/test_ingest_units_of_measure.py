"""Unit-of-measure conversion factors and the catalogue's suggestions for unknown ids (synthetic catalogue)."""

from __future__ import annotations

import pytest

from territoria.catalog.catalogue import Catalogue
from territoria.errors import UnknownNameError
from territoria.ingest.numbers import accepted_units, unit_factor


@pytest.mark.parametrize(("written", "factor"), [
    (None, 1.0), ("", 1.0), ("tenge", 1.0), ("тенге", 1.0), ("Tenge", 1.0), ("теңге", 1.0), ("KZT", 1.0),
    ("thousand tenge", 1000.0), ("Thousand tenge", 1000.0), ("тыс. тенге", 1000.0), ("тыс.тенге", 1000.0),
    ("мың теңге", 1000.0),
])
def test_wage_units(catalogue: Catalogue, written: str | None, factor: float) -> None:
    assert unit_factor(catalogue["avg_monthly_nominal_wage"], written) == factor


def test_per_capita_output_in_thousand_tenge(catalogue: Catalogue) -> None:
    ind = catalogue["industrial_output_per_capita"]
    assert unit_factor(ind, "Thousand tenge") == 1.0          # canonical
    assert unit_factor(ind, "тенге") == 0.001                  # listed as "tenge": 0.001
    assert unit_factor(ind, "million tenge") is None           # not listed: refused, never guessed
    assert "'thousand tenge'" in accepted_units(ind) and "'tenge'" in accepted_units(ind)


def test_percent_and_persons(catalogue: Catalogue) -> None:
    assert unit_factor(catalogue["unemployment_rate"], "%") == 1.0
    assert unit_factor(catalogue["unemployment_rate"], "процент") == 1.0
    assert unit_factor(catalogue["population"], "чел.") == 1.0
    assert unit_factor(catalogue["population"], "тыс. человек") == 1000.0
    assert unit_factor(catalogue["population"], "hectares") is None


def test_catalogue_suggests_close_ids(catalogue: Catalogue) -> None:
    with pytest.raises(UnknownNameError) as info:
        catalogue["populaton"]
    assert info.value.suggestions[0] == "population"
