"""Golden tests: published results of CDC SVI 2018/2020/2022, INFORM 2025 and COINr ASEM reproduced by the
example specs alone, on the published files bundled in examples/reference/ (README there: sources,
licences, SHA-256)."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.assess.io import read_wide_table
from territoria.assess.pipeline import Assessment
from territoria.assess.reproduce import reproduce
from territoria.assess.spec import AssessmentSpec
from territoria.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REF = EXAMPLES / "reference"
SVI = {2018: "SVI2018_US_COUNTY.csv.gz", 2020: "SVI2020_US_COUNTY.csv.gz", 2022: "SVI_2022_US_county.csv.gz"}


def test_reference_files_match_their_readme_sha256():
    text = (REF / "README.md").read_text(encoding="utf-8")
    listed = dict((path, digest) for digest, path in re.findall(r"^([0-9a-f]{64})  (\S+)$", text, re.M))
    files = sorted(str(p.relative_to(REF)) for p in REF.rglob("*") if p.is_file() and p.name != "README.md")
    assert set(files) <= set(listed), set(files) - set(listed)
    for path, digest in listed.items():
        if path.endswith(".csv") and (REF / f"{path}.gz").exists():      # uncompressed SVI content
            data = gzip.decompress((REF / f"{path}.gz").read_bytes())
        else:
            data = (REF / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, path


@pytest.mark.parametrize("name", ["svi-2018", "svi-2020", "svi-2022", "inform-2025", "coinr-asem"])
def test_every_reproduction_matches(name):
    table, _, _ = reproduce(name)
    assert len(table) >= 4
    assert (table["verdict"] == "match").all(), table.to_string()
    assert (table["units"] >= 51).all() and (table["columns"] > 0).all()


# -- SVI: every published column of every county, compared here without the reproduce machinery ---------
@pytest.mark.parametrize("year", [2018, 2020, 2022])
def test_svi_every_county_every_column(year):
    published = read_wide_table(REF / "svi" / SVI[year], "FIPS")
    out = Assessment(EXAMPLES / f"svi_{year}.yaml").run(published).output_table()
    assert out.index.tolist() == published.index.tolist()           # input order kept, FIPS as text
    assert year == 2022 or "01001" in out.index                     # 2022 writes FIPS without the zero
    cdc = [c for c in published.columns if c.startswith(("EPL_", "SPL_", "RPL_", "F_"))]
    assert sorted(out.columns) == sorted(cdc)                      # the CDC's own names, nothing else
    for col in cdc:
        mine, theirs = out[col].to_numpy(dtype=float), published[col].to_numpy(dtype=float)
        if year == 2020 and col.startswith("F_"):
            keep = published.index != "11001"         # release quirk: DC's flags are all -999
            mine, theirs = mine[keep], theirs[keep]
        assert np.array_equal(np.round(mine, 4), theirs), col
    if year == 2020:
        assert (published.loc["11001", [c for c in cdc if c.startswith("F_")]] == -999).all()
        assert out.loc["11001", "F_TOTAL"] >= 0


def test_svi_2018_income_reversed_and_missing_county():
    published = read_wide_table(REF / "svi" / SVI[2018], "FIPS")
    spec = AssessmentSpec.from_yaml(EXAMPLES / "svi_2018.yaml")
    out = Assessment(spec).run(published).output_table()
    richest = published["EP_PCI"].idxmax()
    assert out.loc[richest, "EPL_PCI"] == 0.0                      # highest income = least vulnerable
    # Rio Arriba NM: POV, UNEMP, PCI are -999 -> theme 1 and the total are -999, themes 2-4 are ranked
    row = out.loc["35039"]
    assert row["EPL_PCI"] == row["SPL_THEME1"] == row["RPL_THEME1"] == row["RPL_THEMES"] == row["F_TOTAL"] == -999
    assert 0 <= row["RPL_THEME2"] <= 1 and row["RPL_THEME2"] == published.loc["35039", "RPL_THEME2"]
    # the same spec with income not reversed no longer matches: the direction is what makes it exact
    raw = spec.to_mapping()
    raw["tree"]["THEMES"]["children"]["THEME1"]["children"]["EP_PCI"]["direction"] = 1
    wrong = Assessment(AssessmentSpec.from_mapping(raw)).run(published).output_table()
    assert (wrong["EPL_PCI"] != published["EPL_PCI"]).sum() > 3000


def test_svi_file_of_another_release_is_refused_naming_every_difference():
    svi2018 = read_wide_table(REF / "svi" / SVI[2018], "FIPS")
    with pytest.raises(SpecError) as err:
        Assessment(EXAMPLES / "svi_2020.yaml").run(svi2018)
    msg = str(err.value)
    assert "2 of the spec's 16 indicators are not columns of the data" in msg
    assert "EP_POV150" in msg and "EP_HBURD" in msg                 # missing
    assert "spec does not use: EP_POV, EP_PCI" in msg                # extra
    svi2020 = read_wide_table(REF / "svi" / SVI[2020], "FIPS")
    with pytest.raises(SpecError, match=r"EP_POV .*EP_PCI .*not use: EP_POV150, EP_HBURD"):
        Assessment(EXAMPLES / "svi_2018.yaml").run(svi2020)


# -- INFORM -------------------------------------------------------------------------------------------
def test_inform_2025_published_names_values_rank_and_central_asia():
    _table, result, out = reproduce("inform-2025")
    published = pd.read_csv(REF / "inform" / "inform_risk_2025_main.csv", na_values=["x"]).set_index("ISO3")
    nodes = list(result.tree["code"])
    assert set(nodes) <= set(out.columns) and "Rank" in out and "RISK CLASS" in out
    assert np.isnan(out.loc[published["DRR"].isna(), "DRR"]).all()   # 'x' read as missing
    # rounded inputs: the nodes above SEV and Institutional differ by exactly 0.1 where they differ
    diff = (out["Institutional"] - published.loc[out.index, "Institutional"]).abs()
    assert diff.max() == pytest.approx(0.1) and set(np.round(diff.unique(), 6)) <= {0.0, 0.1}
    spec = Assessment(EXAMPLES / "inform_2025_risk.yaml")
    risk_out = spec.run(read_wide_table(REF / "inform" / "inform_risk_2025_main.csv", "ISO3")).output_table()
    assert (risk_out["Rank"] == published.loc[risk_out.index, "Rank"]).all()
    expected = {"KAZ": (2.7, 135), "KGZ": (3.6, None), "TJK": (4.0, None), "TKM": (3.1, None), "UZB": (3.2, None)}
    for iso, (value, rank) in expected.items():
        assert risk_out.loc[iso, "INFORM RISK"] == pytest.approx(value)
        if rank is not None:
            assert risk_out.loc[iso, "Rank"] == rank and risk_out.loc[iso, "RISK CLASS"] == "Low"


# -- COINr --------------------------------------------------------------------------------------------
def test_coinr_asem_points_winsorised_results_and_ranks():
    _table, result, out = reproduce("coinr-asem")
    summary = pd.read_csv(REF / "coinr" / "legacy_ASEM_TreatSummary.csv").set_index("IndCode")
    fitted = next(r for r in result.log if r.address == "treat").fitted["summary_"]
    for code, row in summary.iterrows():          # points winsorised per indicator, low and high side
        assert (fitted[code]["low"], fitted[code]["high"]) == (row["Low"], row["High"]), code
    # the stored summary lists 15 indicators and 35 points (the shared reference README says 17 indicators)
    assert sum(1 for v in fitted.values() if v["low"] + v["high"] > 0) == 15
    assert sum(v["low"] + v["high"] for v in fitted.values()) == 35
    assert not any(v["action"] == "log" for v in fitted.values())
    assert out.index[0] == "CHE" and out.loc["CHE", "Index"] == pytest.approx(68.38, abs=0.005)
    assert out.loc["IND", "Index"] == pytest.approx(39.79, abs=0.005) and out.loc["IND", "Rank"] == 45
    ranks = pd.read_csv(REF / "coinr" / "legacy_ASEM_Results_AggregatesRank.csv").set_index("UnitCode")
    assert (result.tables["ranks"].loc[ranks.index, ranks.columns[1:]] == ranks[ranks.columns[1:]]).all().all()
    # two pillar pairs tie only at 2 decimals (RUS/JPN ConEcFin, PRT/LUX Instit): ranks on full values differ
    full = Assessment(AssessmentSpec.from_mapping({**result.spec.to_mapping(), "rank": {"decimals": None}}))
    other = full.run(read_wide_table(REF / "coinr" / "ASEM_iData.csv", "uCode")).tables["ranks"]
    assert (other.loc[ranks.index, "ConEcFin"] != ranks["ConEcFin"]).sum() == 1
    assert (other.loc[ranks.index, "Index"] == ranks["Index"]).all()
