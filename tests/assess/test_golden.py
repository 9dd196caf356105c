"""Golden tests: published SVI 2020, INFORM 2025 and COINr ASEM results reproduced by specs alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec

ROOT = Path(__file__).resolve().parents[2]
FIX = Path(__file__).parent / "fixtures"
REF = Path("/work/shared/reference")
EXAMPLES = ROOT / "examples"


def test_svi_2020_spec_reproduces_published_rpl():
    data = pd.read_csv(FIX / "svi2020_county_subset.csv.gz", dtype={"FIPS": str}).set_index("FIPS")
    eps = [c for c in data.columns if c.startswith("EP_")]
    res = Assessment(EXAMPLES / "svi_2020.yaml").run(data[eps])
    agg = res.tables["aggregated"]
    for col in ["RPL_THEME1", "RPL_THEME2", "RPL_THEME3", "RPL_THEME4", "RPL_THEMES"]:
        published = data[col].replace(-999, np.nan)
        assert (agg[col].isna() == published.isna()).all(), col
        assert ((agg[col] - published).abs() > 1e-4 + 1e-9).sum() == 0, col
    flags = res.tables["flags"]["RPL_THEMES"].drop("11001")        # DC: flags -999 in the release
    assert (flags == data["F_TOTAL"].drop("11001").replace(-999, np.nan)).all()
    # rank 1 = highest RPL_THEMES
    assert res.to_frame().index[0] == agg["RPL_THEMES"].idxmax()


inform_csv = REF / "inform" / "inform_risk_2025_main.csv"


@pytest.mark.skipif(not inform_csv.exists(), reason="reference data not available")
def test_inform_2025_spec_from_components():
    data = pd.read_csv(inform_csv, na_values=["x"]).set_index("ISO3")
    res = Assessment(EXAMPLES / "inform_2025.yaml").run(data)
    agg = res.tables["aggregated"]
    for node in ["Natural", "Human", "Other Vulnerable Groups", "Infrastructure", "HAZARD & EXPOSURE"]:
        assert (agg[node] - data[node]).abs().max() < 1e-9, node          # exact at 1 decimal
    for node in ["Socio-Economic Vulnerability", "Institutional", "INFORM RISK"]:
        assert (agg[node] - data[node]).abs().max() <= 0.1 + 1e-9, node  # inputs already rounded
    assert agg.loc["KAZ", "INFORM RISK"] == pytest.approx(2.7)


@pytest.mark.skipif(not inform_csv.exists(), reason="reference data not available")
def test_inform_2025_risk_from_published_dimensions_exact():
    data = pd.read_csv(inform_csv, na_values=["x"]).set_index("ISO3")
    spec = AssessmentSpec.from_mapping({
        "normalise": {"method": "none"}, "rank": {"descending": True, "ties": "min"},
        "tree": {"INFORM RISK": {"method": "geometric", "round": 1, "children": {
            "HAZARD & EXPOSURE": None, "VULNERABILITY": None, "LACK OF COPING CAPACITY": None}}}})
    res = Assessment(spec).run(data)
    assert (res.scores - data["INFORM RISK"]).abs().max() < 1e-9
    assert (res.ranks == data["Rank"]).all()
    assert res.ranks["KAZ"] == 135


coinr = REF / "coinr"


@pytest.mark.skipif(not coinr.exists(), reason="reference data not available")
def test_coinr_asem_every_stage():
    data = pd.read_csv(coinr / "ASEM_iData.csv").set_index("uCode")
    meta = pd.read_csv(coinr / "ASEM_iMeta.csv")
    ind, agg = meta[meta.Type == "Indicator"], meta[meta.Type == "Aggregate"]
    rows = [{"code": r.iCode, "parent": None if pd.isna(r.Parent) else r.Parent, "weight": float(r.Weight)}
            for r in agg.sort_values("Level", ascending=False).itertuples()]
    rows += [{"code": r.iCode, "parent": r.Parent, "weight": float(r.Weight), "direction": int(r.Direction)}
             for r in ind.itertuples()]
    spec = AssessmentSpec.from_mapping({
        "tree": rows,
        "denominate": {"indicators": {r.iCode: {"by": r.Denominator} for r in ind.itertuples()
                                      if isinstance(r.Denominator, str)}},
        "impute": {"method": "mean", "by": "EurAsia_group"},
        "treat": {"method": "winsorise", "winmax": 5},
        "normalise": {"method": "minmax"}})
    res = Assessment(spec).run(data)
    for stage, name in [("denominated", "Denominated"), ("imputed", "Imputed"), ("treated", "Treated"),
                        ("normalised", "Normalised"), ("aggregated", "Aggregated")]:
        legacy = pd.read_csv(coinr / f"legacy_ASEM_{name}.csv").set_index("UnitCode")
        ours = res.tables[stage]
        cols = [c for c in ours.columns if c in legacy.columns]
        scale = legacy.loc[ours.index, cols].abs().max().clip(lower=1.0)
        rel = ((ours[cols] - legacy.loc[ours.index, cols]).abs() / scale).max().max()
        assert rel < 1e-6, stage       # legacy raw inputs differ from v1 inputs by <= 5e-8
    summary = pd.read_csv(coinr / "legacy_ASEM_TreatSummary.csv").set_index("IndCode")
    fitted = res.log[2].fitted["summary_"]
    for code, row in summary.iterrows():          # points winsorised per indicator, low and high side
        assert (fitted[code]["low"], fitted[code]["high"]) == (row["Low"], row["High"]), code
    assert not any(v["action"] == "log" for v in fitted.values())
    ranks = pd.read_csv(coinr / "legacy_ASEM_Results_AggregatesRank.csv")
    key = "UnitCode" if "UnitCode" in ranks.columns else ranks.columns[0]
    published = ranks.set_index(key)["Index"]
    assert (res.ranks.loc[published.index] == published).all()
    assert res.scores["IND"] == pytest.approx(39.79, abs=0.005)
