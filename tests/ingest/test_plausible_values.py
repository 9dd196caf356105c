"""Values are checked against the catalogue's plausible ranges on import (issue 19, finding 3).

Files are synthetic (written by the tests); units are the real KATO rows of tests/ingest/conftest.py; the
catalogue is the package's own, whose ranges are under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from territoria.catalog.catalogue import load_catalogue
from territoria.errors import InputFileError
from territoria.ingest.matching import NameMatcher
from territoria.ingest.readers import read_table


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_text("unit,indicator,year,value,measure_unit\n" + body, encoding="utf-8")
    return path


def test_a_huge_rate_is_refused_with_its_cell(tmp_path: Path, units: NameMatcher) -> None:
    path = _csv(tmp_path, "590000000,under5_mortality_rate,2021,1e300,\n590000000,under5_mortality_rate,2020,9.5,\n")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=load_catalogue(), units=units)
    (problem,) = info.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "value", "1e300")
    assert "between 0 and 1000 per 1000 live births" in problem.expected


def test_a_value_that_overflows_after_conversion_is_refused(tmp_path: Path, units: NameMatcher) -> None:
    path = _csv(tmp_path, "590000000,population_1jan,2021,1e306,thousand persons\n")
    with pytest.raises(InputFileError) as info:
        read_table(path, catalogue=load_catalogue(), units=units)
    (problem,) = info.value.problems
    assert problem.value == "1e306" and "= inf after conversion" in problem.expected


def test_the_range_depends_on_the_unit_level(tmp_path: Path, units: NameMatcher) -> None:
    # 3 million persons: possible for a region (Almaty city has 2.2 million), not for a district
    path = _csv(tmp_path, "590000000,population_1jan,2021,3000000,\n593600000,population_1jan,2021,3000000,\n")
    result = read_table(path, catalogue=load_catalogue(), units=units, skip_invalid=True)
    assert result.observations["unit"].tolist() == ["590000000"]
    (problem,) = result.problems
    assert problem.row == 3 and "for a district" in problem.expected and "2e+06" in problem.expected


def test_negative_share_refused_negative_migration_kept(tmp_path: Path, units: NameMatcher) -> None:
    path = _csv(tmp_path, "590000000,poverty_share,2021,-1,\n590000000,net_migration,2021,-5000,\n")
    result = read_table(path, catalogue=load_catalogue(), units=units, skip_invalid=True)
    assert result.observations["indicator"].tolist() == ["net_migration"]
    assert [p.row for p in result.problems] == [2]
