"""The knowledge base against the seeds: every risk flag has a mechanism, Table 2's regional packages are
cited row by row, the mechanisms carry their own sources, and the package is short and ranked per horizon."""

from __future__ import annotations

import pandas as pd
import pytest

from territoria.catalog.citations import cite, reference
from territoria.diagnosis.risks import load_risk_rules
from territoria.mechanisms import load_knowledge_base, recommend
from territoria.mechanisms.recommend import PACKAGE_SIZE

NKO, WKO, EKO, ABAI, ZHAMBYL, MANGYSTAU, ATYRAU = ("590000000", "270000000", "630000000", "100000000",
                                                   "310000000", "470000000", "230000000")


@pytest.fixture(scope="module")
def kb():
    return load_knowledge_base()


def test_every_risk_flag_maps_to_a_mechanism(kb) -> None:
    answered = {p for m in kb.mechanisms for p in m.problems}
    missing = [r for r in load_risk_rules().ids if r not in answered]
    assert not missing, f"risk rules without a mechanism: {missing}"
    emissions = {m.id for m in kb.mechanisms if "air_emissions_above_national" in m.problems}
    assert "environmental_modernisation" in emissions
    assert {"retain_specialists", "transport_digital_connectivity"} <= {
        m.id for m in kb.mechanisms if "population_decline" in m.problems}


def test_the_directions_the_seeds_list_are_in_the_base(kb) -> None:
    ids = set(kb.ids)
    # textbook chapter (003): environment, transport and digital, retaining specialists, diversification,
    # local self-government, investment attractiveness, interregional cooperation (the agro complex is shared)
    assert {"environmental_modernisation", "transport_digital_connectivity", "retain_specialists",
            "economic_diversification", "local_self_government", "investment_climate",
            "interregional_cooperation"} <= ids
    by_seed = {m.id for m in kb.mechanisms for s in m.sources if getattr(s, "seed", None) == "003"}
    assert "local_specialisation_agro" in by_seed
    # Orynbet & Imangali 2022, section 4: regional clusters and knowledge exchange between SMEs; seed 004: transfers
    assert {"regional_clusters", "sme_knowledge_exchange", "interbudget_programmes"} <= ids


def test_table_2_rows_name_the_regions_the_paper_names(kb) -> None:
    # Orynbet & Imangali 2022, Table 2 (rows: 1 Mangystau, 2 Atyrau, 3 West Kazakhstan, 4 North Kazakhstan,
    # 5 East Kazakhstan with today's Abai, 6 Zhambyl), read by hand for three packages
    def table2(mid: str) -> set[str]:
        return {r for s in kb.get(mid).sources if s.at.startswith("Table 2") for r in s.regions}

    assert table2("credit_and_guarantees") == {MANGYSTAU, NKO}                    # rows 1 and 4
    assert table2("relaxed_regulation") == {ATYRAU, WKO, NKO}                     # rows 2, 3, 4
    assert table2("budget_decentralisation") == {NKO, EKO, ABAI}                  # rows 4, 5
    assert table2("university_branches") == {WKO}                                # row 3 only


def test_each_region_cites_its_own_source(kb) -> None:
    sez = kb.get("special_economic_zone_border").sources_for(NKO)
    assert [str(s) for s in sez] == [cite("002", sez[0].at)] and str(sez[0]).startswith("Turkeeva et al. 2022")
    branches = kb.get("university_branches")
    assert [s.at for s in branches.sources_for(NKO)] == [
        "section 4, text after Table 2 (technical university branches in West Kazakhstan, an agricultural "
        "university in North Kazakhstan)"]                        # North Kazakhstan: the text, not Table 2
    assert any(s.at.startswith("Table 2") for s in branches.sources_for(WKO))
    table = recommend(NKO, kb, flags=_flags(NKO, "negative_migration"), region_names={NKO: "North Kazakhstan"})
    row = table.set_index("mechanism").loc["university_branches"]
    assert "proposed for North Kazakhstan in Orynbet & Imangali 2022, section 4, text after Table 2" in row["reasons"]
    assert "Table 2, row" not in row["reasons"]


def test_outputs_cite_authors_not_seed_numbers(kb) -> None:
    for m in kb.mechanisms:
        assert "seed 0" not in m.cited and not m.cited.startswith("000")
    flags = _flags(NKO, "low_wages")
    assert reference("000").short == "Orynbet & Imangali 2022"
    for rule in load_risk_rules().rules:
        assert "seed 0" not in rule.cited
    assert load_risk_rules().rules[0].cited == "Orynbet & Imangali 2022, section 3, criterion 2"
    assert flags is not None


def _flags(unit: str, *rules: str) -> pd.DataFrame:
    return pd.DataFrame([{"unit": unit, "rule": r, "label": r, "flag": True, "text": f"{r} holds"} for r in rules])


def test_the_package_is_short_and_ranked_per_horizon(kb) -> None:
    flags = _flags(NKO, "negative_migration", "population_decline", "low_wages", "high_unemployment",
                   "industrial_output_below_national", "low_local_budget")
    every = recommend(NKO, kb, flags=flags, status="declining", region_names={NKO: "North Kazakhstan"})
    package = recommend(NKO, kb, flags=flags, status="declining", region_names={NKO: "North Kazakhstan"},
                        top=PACKAGE_SIZE)
    assert len(every) > 3 * PACKAGE_SIZE >= len(package)
    assert package.groupby("horizon").size().max() == PACKAGE_SIZE
    for _, part in every.groupby("horizon"):
        assert list(part["priority"]) == list(range(1, len(part) + 1))
        assert list(part["score"]) == sorted(part["score"], reverse=True)
    # the package is the head of the full list, horizon by horizon
    head = every[every["priority"] <= PACKAGE_SIZE]
    assert list(head["mechanism"]) == list(package["mechanism"])
    # the score is explained: retain_specialists = 2 (negative_migration) + 2 (population_decline)
    # + 2 (low_wages) + 2 (status declining) = 8
    row = every.set_index("mechanism").loc["retain_specialists"]
    assert row["score"] == 8 and row["score_detail"].endswith("= 8")
    assert "2 flag population_decline" in row["score_detail"] and "2 status declining" in row["score_detail"]
    with pytest.raises(ValueError, match="top"):
        recommend(NKO, kb, flags=flags, top=0)
