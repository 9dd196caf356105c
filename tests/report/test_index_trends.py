"""Small multiples of the index and its blocks over the years (synthetic scores made up for the test)."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.report.charts import index_trends, national_reference

YEARS = [2019, 2020, 2021]
UNITS = ["590000000", "710000000", "750000000"]
SCORES = pd.DataFrame(
    [[40.0 + i * 10 + t, 30.0 + i * 10 + 2 * t, 50.0 - i * 5 - t] for i, _ in enumerate(UNITS) for t in range(3)],
    index=pd.MultiIndex.from_product([UNITS, YEARS], names=["unit", "year"]),
    columns=["index", "social", "economic"])


def test_national_reference_is_the_mean_of_the_units_per_year():
    national = national_reference(SCORES)
    assert national.index.tolist() == YEARS
    # units 0, 1, 2 add 0, 10, 20 to the index: the mean adds 10; year t adds t
    assert national["index"].tolist() == [50.0, 51.0, 52.0]
    assert national["economic"].tolist() == [45.0, 44.0, 43.0]
    with pytest.raises(ValueError, match="unit, year"):
        national_reference(SCORES.droplevel("year"))


def test_one_panel_per_code_one_line_per_unit_and_the_national_value_dashed():
    fig = index_trends(SCORES, units=UNITS[:2], codes=["index", "social", "economic"],
                       national=national_reference(SCORES), names={"590000000": "North Kazakhstan"},
                       labels={"index": "Composite"})
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["Composite", "social", "economic"]
    assert len(fig.data) == 3 * (2 + 1)                          # per panel: the national value and two units
    national = [t for t in fig.data if t.line.dash == "dash"]
    assert len(national) == 3 and list(national[0].y) == [50.0, 51.0, 52.0]
    north = [t for t in fig.data if t.name == "North Kazakhstan"]
    assert [list(t.y) for t in north] == [[40.0, 41.0, 42.0], [30.0, 32.0, 34.0], [50.0, 49.0, 48.0]]
    assert list(north[0].x) == YEARS
    assert sum(bool(t.showlegend) for t in fig.data) == 3          # each series named once in the legend


def test_unknown_units_or_codes_are_refused():
    with pytest.raises(ValueError, match=r"units \['999'\]"):
        index_trends(SCORES, units=["999"], codes=["index"])
    with pytest.raises(ValueError, match=r"codes \['grp'\]"):
        index_trends(SCORES, units=UNITS, codes=["grp"])
