"""Published indices that need the spec language's transforms and formula nodes, reproduced from their inputs.

Data: published figures of three countries (Afghanistan, Kazakhstan, Kenya), year 2022, transcribed from UNDP's
HDR Composite indices complete time series, HDR 2023/2024 edition (HDR23-24_Composite_indices_complete_time_series.csv,
https://hdr.undp.org/data-center; licence CC BY 3.0 IGO; the copy read was
antonsadeq/Data-Visualization@fde7e54d0b3ffefd904efa41cd05e4395d30830e). Inputs at the file's full precision;
the HDI and GDI are published to 3 decimals, the female and male HDIs to 9 digits.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from territoria.assess.pipeline import Assessment

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "hdr"

HDI_INPUTS = pd.DataFrame({
    "le_2022": [62.879, 69.489, 62.055],
    "eys_2022": [10.70538475, 14.81626987, 11.38448201],
    "mys_2022": [2.514790058, 12.43337895, 7.686359882],
    "gnipc_2022": [1335.205733, 22586.79889, 4807.716317],
}, index=pd.Index(["AFG", "KAZ", "KEN"], name="iso3"))
HDI_PUBLISHED = {"AFG": 0.462, "KAZ": 0.802, "KEN": 0.601}

GDI_INPUTS = pd.DataFrame({
    "le_f_2022": [72.995, 64.686], "eys_f_2022": [15.02602959, 11.3814695], "mys_f_2022": [12.45658094, 7.109600067],
    "gni_pc_f_2022": [18595.14333, 3976.574003],
    "le_m_2022": [65.776, 59.579], "eys_m_2022": [14.61163998, 11.39047431], "mys_m_2022": [12.40757382, 8.342940331],
    "gni_pc_m_2022": [26889.65873, 5653.521006],
}, index=pd.Index(["KAZ", "KEN"], name="iso3"))
GDI_PUBLISHED = {"KAZ": (0.998, 0.799245143, 0.801206388), "KEN": (0.948, 0.584533654, 0.616722811)}


def test_hdi_2022_log_income_with_dollar_goalposts() -> None:
    result = Assessment(EXAMPLES / "hdi_2022.yaml").run(HDI_INPUTS)
    assert result.scores.to_dict() == HDI_PUBLISHED
    assert result.ranks.to_dict() == {"KAZ": 1, "KEN": 2, "AFG": 3}


def test_gdi_2022_is_a_ratio_of_two_sub_indices() -> None:
    result = Assessment(EXAMPLES / "gdi_2022.yaml").run(GDI_INPUTS)
    agg = result.tables["aggregated"]
    for iso, (gdi, female, male) in GDI_PUBLISHED.items():
        assert result.scores[iso] == gdi
        assert agg.loc[iso, "female"] == pytest.approx(female, abs=5e-9)
        assert agg.loc[iso, "male"] == pytest.approx(male, abs=5e-9)
