"""Published indices that need the spec language's transforms and formula nodes, reproduced from their inputs.

Data: UNDP's HDR Composite indices complete time series, HDR 2023/2024 edition
(HDR23-24_Composite_indices_complete_time_series.csv, https://hdr.undp.org/data-center; licence CC BY 3.0 IGO),
year 2022, bundled as examples/reference/hdr/hdi_2022.csv and gdi_2022.csv (a selection of its columns, every
row; source and columns in the README there). Inputs at the file's full precision; the HDI and GDI are published
to 3 decimals, the female and male HDIs to 9. The few figures written below are transcribed from the same file
and pin the bundled copy.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.assess.io import read_wide_table
from territoria.assess.pipeline import Assessment

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "examples" / "hdr"
REF = ROOT / "examples" / "reference" / "hdr"
HDI_COLUMNS = ["le_2022", "eys_2022", "mys_2022", "gnipc_2022"]

# transcribed from the UNDP file: inputs and the published HDI / (GDI, female HDI, male HDI)
KAZ_HDI_INPUTS = {"le_2022": 69.489, "eys_2022": 14.81626987, "mys_2022": 12.43337895, "gnipc_2022": 22586.79889}
HDI_PUBLISHED = {"AFG": 0.462, "KAZ": 0.802, "KEN": 0.601}
GDI_PUBLISHED = {"KAZ": (0.998, 0.799245143, 0.801206388), "KEN": (0.948, 0.584533654, 0.616722811)}


@pytest.fixture(scope="module")
def hdi_file() -> pd.DataFrame:
    return read_wide_table(REF / "hdi_2022.csv", "iso3")


@pytest.fixture(scope="module")
def gdi_file() -> pd.DataFrame:
    return read_wide_table(REF / "gdi_2022.csv", "iso3")


def test_bundled_files_hold_the_transcribed_figures(hdi_file, gdi_file) -> None:
    assert len(hdi_file) == len(gdi_file) == 206 and hdi_file.index.tolist() == gdi_file.index.tolist()
    assert hdi_file.loc["KAZ", HDI_COLUMNS].to_dict() == KAZ_HDI_INPUTS
    assert hdi_file.loc[list(HDI_PUBLISHED), "hdi_2022"].to_dict() == HDI_PUBLISHED
    for iso, published in GDI_PUBLISHED.items():
        assert tuple(gdi_file.loc[iso, ["gdi_2022", "hdi_f_2022", "hdi_m_2022"]]) == published
    assert hdi_file.loc["CIV", "country"] == "Côte d'Ivoire"          # re-encoded to UTF-8, text intact


def test_hdi_2022_by_hand_for_kazakhstan() -> None:
    x = KAZ_HDI_INPUTS
    health = (x["le_2022"] - 20) / (85 - 20)
    education = (x["eys_2022"] / 18 + x["mys_2022"] / 15) / 2
    income = (math.log(x["gnipc_2022"]) - math.log(100)) / (math.log(75000) - math.log(100))
    by_hand = (health * education * income) ** (1 / 3)
    result = Assessment(SPECS / "hdi_2022.yaml").run(pd.DataFrame([x], index=pd.Index(["KAZ"], name="iso3")))
    assert result.tables["aggregated"].loc["KAZ", "hdi"] == round(by_hand, 3)
    assert round(by_hand, 3) == HDI_PUBLISHED["KAZ"]


def test_hdi_2022_every_row_of_the_file(hdi_file) -> None:
    result = Assessment(SPECS / "hdi_2022.yaml").run(hdi_file)
    ours, published = result.scores.reindex(hdi_file.index), hdi_file["hdi_2022"]
    assert published.notna().sum() == 204
    assert ours.isna().equals(published.isna())                       # PRK and MCO: an indicator missing
    assert np.array_equal(ours.dropna().to_numpy(), published.dropna().to_numpy())
    assert hdi_file.loc["TUR", "eys_2022"] > 18 and result.tables["normalised"].loc["TUR", "eys_2022"] == 1.0
    three = Assessment(SPECS / "hdi_2022.yaml").run(hdi_file.loc[list(HDI_PUBLISHED), HDI_COLUMNS])
    assert three.ranks.to_dict() == {"KAZ": 1, "KEN": 2, "AFG": 3}


def test_gdi_2022_is_a_ratio_of_two_sub_indices(gdi_file) -> None:
    result = Assessment(SPECS / "gdi_2022.yaml").run(gdi_file)
    agg = result.tables["aggregated"].reindex(gdi_file.index)
    assert agg["gdi"].isna().equals(gdi_file["gdi_2022"].isna()) and agg["gdi"].notna().sum() == 193
    assert np.array_equal(agg["gdi"].dropna().to_numpy(), gdi_file["gdi_2022"].dropna().to_numpy())
    for ours, theirs in (("female", "hdi_f_2022"), ("male", "hdi_m_2022")):
        assert (agg[ours] - gdi_file[theirs]).abs().max() < 1e-9    # published to 9 decimals
    assert agg.loc["KAZ", "gdi"] == round(agg.loc["KAZ", "female"] / agg.loc["KAZ", "male"], 3)
