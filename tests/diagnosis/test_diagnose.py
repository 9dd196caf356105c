"""``diagnosis.diagnose``: a district diagnosed among districts, nationally and within its region.

Synthetic data: six made-up districts in two regions (KATO-like codes 59..., 75...), three indicators.
"""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.diagnosis import Diagnosis, diagnose
from territoria.errors import DataError

SPEC = {"name": "synthetic_districts", "units": {"level": "district"}, "year": 2023,
        "normalise": {"method": "minmax", "low": 0, "high": 100}, "aggregate": {"method": "arithmetic"},
        "weight": {"method": "equal_within_blocks"},
        "tree": {"index": {"children": {"social": {"children": {"a": None, "b": None}},
                                        "economic": {"children": {"c": None}}}}}}
# higher = better on every indicator; 593000000 is the worst of region 59, 751000000 the worst overall
TABLE = pd.DataFrame({"a": [9.0, 8.0, 3.0, 1.0, 6.0, 7.0], "b": [9.0, 7.0, 2.0, 1.0, 5.0, 8.0],
                      "c": [9.0, 6.0, 4.0, 1.0, 8.0, 5.0]},
                     index=pd.Index(["591000000", "592000000", "593000000", "751000000", "752000000", "753000000"],
                                    name="unit"))


@pytest.fixture(scope="module")
def result():
    return Assessment(AssessmentSpec.from_mapping(SPEC)).run(TABLE)


def test_a_district_is_ranked_nationally_and_within_its_region(result) -> None:
    d = diagnose(result, "593000000", assessment="districts", version=2)
    assert isinstance(d, Diagnosis)
    assert (d.unit, d.level, d.assessment, d.version, d.year) == ("593000000", "district", "districts", 2, 2023)
    assert d.n_units == 6 and d.region == "590000000" and d.n_in_region == 3
    assert d.rank_in_region == 3            # worst of its three districts
    assert d.rank == int(result.ranks["593000000"])
    assert d.rank != d.rank_in_region       # 751000000 is worse nationally
    assert set(d.weak_blocks["code"]) == {"social", "economic"}
    assert "gap_region" in d.weak_indicators.columns  # the region's districts are a reference
    # its gap to the region mean on a: normalised a of 59xx = 100, 87.5, 25 -> mean 70.8; own 25
    gap = d.weak_indicators.set_index("code").loc["a", "gap_region"]
    assert gap == pytest.approx(25 - (100 + 87.5 + 25) / 3)


def test_status_and_flags_come_from_the_units_own_series(result) -> None:
    years = range(2015, 2024)
    obs = pd.DataFrame({"unit": "593000000", "indicator": "population", "year": list(years),
                        "value": [10000 - 600 * i for i, _ in enumerate(years)]})
    d = diagnose(result, "593000000", observations=obs)
    assert d.status is not None and d.status != "developing"
    assert "flag" in d.flags.columns


def test_region_context_is_kept_beside_not_instead(result) -> None:
    region = Assessment(AssessmentSpec.from_mapping({**SPEC, "units": {"level": "region"}})).run(
        pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 1.0], "c": [3.0, 4.0]},
                     index=pd.Index(["590000000", "750000000"], name="unit")))
    context = diagnose(region, "590000000", assessment="regions")
    d = diagnose(result, "593000000", context=context)
    assert d.context is context and d.unit == "593000000" and d.context.region is None
    assert d.summary()["context"]["assessment"] == "regions"


def test_a_unit_outside_the_assessment_is_named(result) -> None:
    with pytest.raises(DataError, match="unit 590000000 is not among the 6 units of assessment 'synthetic_districts'"):
        diagnose(result, "590000000")
