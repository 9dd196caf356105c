"""Survey results into a Store (copy of the bundled one) and the CLI; SYNTHETIC responses throughout."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from territoria.assess.io import read_weights, resolve_file_references
from territoria.assess.pipeline import Assessment
from territoria.assess.spec import AssessmentSpec
from territoria.errors import ConflictError
from territoria.interfaces.cli import app
from territoria.store import Store
from territoria.surveys.ahp import pairwise_from_judgements
from territoria.surveys.readers import read_questionnaire
from territoria.surveys.synthetic import synthetic_export

SAMPLE = pd.DataFrame({"code": ["593620100", "595220100"]})
runner = CliRunner()


@pytest.fixture
def db(bundled_store_path, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    return path


def _files(tmp_path, faults=None):
    q = read_questionnaire("residents_express")
    s = synthetic_export(q, SAMPLE, n_per_unit=35, seed=5, format="kobo", faults=faults or {})
    responses = tmp_path / "responses.csv"
    s.export.to_csv(responses, index=False, sep=";")
    sample = tmp_path / "sample.csv"
    SAMPLE.to_csv(sample, index=False)
    return responses, sample


def test_survey_import_stores_indicators_with_source_and_is_idempotent(db, tmp_path):
    responses, sample = _files(tmp_path)
    args = ["--db", str(db), "survey", "import", str(responses), "-q", "residents_express", "--year", "2024",
            "--sample", str(sample)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    with Store(db, read_only=True) as store:
        obs = store.observations(indicators=["survey_water_dissatisfied_share"], years=[2024])
        assert sorted(obs["unit"]) == ["593620100", "595220100"]
        assert obs["note"].str.contains(r"n=\d+; 95% CI").all()
        src = store.sources().set_index("source_id").loc[obs["source_id"].iloc[0]]
        assert "residents_express v1.0" in src["how_obtained"] and "70 responses kept" in src["how_obtained"]
        # usable in a panel and therefore in specs
        panel = store.panel(indicators=["survey_living_conditions_mean"], years=[2024])
        assert panel.wide(2024).shape == (2, 1)
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "already imported" in again.output
    # the same file summarised with another threshold is a new import whose values agree -> nothing new
    other = runner.invoke(app, [*args, "--min-n", "10"])
    assert other.exit_code == 0 and "0 new" in other.output


def test_import_refuses_problems_and_can_skip_them(db, tmp_path):
    responses, sample = _files(tmp_path, faults={"out_of_scale": 1})
    base = ["--db", str(db), "survey", "import", str(responses), "-q", "residents_express", "--year", "2024",
            "--sample", str(sample)]
    refused = runner.invoke(app, base)
    assert refused.exit_code != 0 and "nothing was stored" in str(refused.exception)
    with Store(db, read_only=True) as store:
        assert store.observations(indicators=["survey_water_dissatisfied_share"]).empty
    ok = runner.invoke(app, [*base, "--skip-invalid", "--rejected", str(tmp_path / "rej.csv")])
    assert ok.exit_code == 0, ok.output
    assert len(pd.read_csv(tmp_path / "rej.csv")) == 1


def test_conflicting_survey_values_are_refused(db, tmp_path):
    from territoria.surveys.storing import store_summary
    from territoria.surveys.summary import summarise

    q = read_questionnaire("residents_express")
    answers = pd.DataFrame({"settlement": ["593620100"] * 2, "sat_water": ["1", "5"]}).reindex(
        columns=[n for _, n in q.fields()]).astype(object)
    answers = answers.where(answers.notna(), None)
    table = summarise(answers, q)
    with Store(db) as store:
        store_summary(store, table, q, year=2024, file="a.csv", file_sha256="a" * 64, n_kept=2, n_rejected=0,
                      confidence=0.95, min_n=30)
        changed = table.assign(estimate=table["estimate"] + 1)
        with pytest.raises(ConflictError):
            store_summary(store, changed, q, year=2024, file="b.csv", file_sha256="b" * 64, n_kept=2,
                          n_rejected=0, confidence=0.95, min_n=30)
        # the refused import left no source row behind
        assert store.sources()["source_id"].str.startswith("survey:").sum() == 1


def test_experts_weights_file_feeds_an_assessment_spec(tmp_path):
    items = ["social", "economy"]
    e1 = pairwise_from_judgements({("social", "economy"): 3}, items)
    e2 = pairwise_from_judgements({("social", "economy"): 1 / 3}, items)
    rows = [{"expert": e, "row": r, "col": c, "value": m.at[r, c]}
            for e, m in {"e1": e1, "e2": e2}.items() for r in items for c in items if r != c]
    rows.append({"expert": "e3", "row": "social", "col": "economy", "value": "4"})
    pd.DataFrame(rows).to_csv(tmp_path / "pairs.csv", index=False)
    out = tmp_path / "weights.csv"
    result = runner.invoke(app, ["experts", "weights", str(tmp_path / "pairs.csv"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out).columns) == ["code", "weight"]
    w = read_weights(out)
    # geometric mean of 3, 1/3 and 4 is 4^(1/3); weights 4^(1/3) : 1
    g = 4 ** (1 / 3)
    assert w["social"] == pytest.approx(g / (1 + g)) and w["economy"] == pytest.approx(1 / (1 + g))
    spec = {"name": "ahp", "tree": {"index": {"children": {
        "social": {"children": {"income": {"direction": 1}}}, "economy": {"children": {"jobs": {"direction": 1}}}}}},
        "normalise": {"method": "minmax", "low": 0, "high": 100}, "weight": {"method": "file", "file": str(out)}}
    table = pd.DataFrame({"income": [0.0, 10.0], "jobs": [10.0, 0.0]}, index=pd.Index(["A", "B"], name="unit"))
    res = Assessment(resolve_file_references(AssessmentSpec.from_mapping(spec))).run(table)
    assert np.allclose(res.tables["aggregated"]["index"], [100 * w["economy"], 100 * w["social"]])


def test_experts_weights_refuses_inconsistent_matrix(tmp_path):
    rows = [("e1", "a", "b", 9), ("e1", "b", "c", 9), ("e1", "c", "a", 9)]
    pd.DataFrame(rows, columns=["expert", "row", "col", "value"]).to_csv(tmp_path / "p.csv", index=False)
    refused = runner.invoke(app, ["experts", "weights", str(tmp_path / "p.csv")])
    assert refused.exit_code != 0 and "exceed CR 0.10" in str(refused.exception)
    ok = runner.invoke(app, ["experts", "weights", str(tmp_path / "p.csv"), "--allow-inconsistent"])
    assert ok.exit_code == 0 and "Kept despite CR" in ok.output


def test_experts_agreement_on_the_nag_table():
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "kendall_w_nag_g08daf_ranks.csv"
    result = runner.invoke(app, ["experts", "agreement", str(path)])
    assert result.exit_code == 0, result.output
    assert "0.8277" in result.output


def test_survey_form_command(tmp_path):
    for suffix in ("html", "pdf", "xlsx"):
        out = tmp_path / f"form.{suffix}"
        result = runner.invoke(app, ["--db", str(tmp_path / "none.duckdb"), "survey", "form", "experts_settlement",
                                     "-o", str(out), "--lang", "en"])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 1000


def test_expert_form_export_to_weights_and_agreement(tmp_path):
    from territoria.surveys.experts import matrices_from_answers, ratings_from_answers
    from territoria.surveys.responses import check_responses

    q = read_questionnaire("experts_settlement")
    s = synthetic_export(q, SAMPLE, n_per_unit=4, seed=9, format="odk")
    answers = check_responses(s.export, q, sample=SAMPLE).kept()
    matrices = matrices_from_answers(answers, q, "block_weights")
    assert len(matrices) == 8
    m = matrices["row 2"]
    assert list(m.index) == ["social", "economic", "infrastructural", "environmental"]
    assert np.allclose(m.to_numpy() * m.to_numpy().T, 1.0)
    ratings = ratings_from_answers(answers, q, ["risk_jobs", "risk_roads", "risk_budget"])
    assert ratings.shape == (8, 3)
    path = tmp_path / "experts.csv"
    s.export.to_csv(path, index=False)
    out = tmp_path / "w.csv"
    result = runner.invoke(app, ["experts", "weights", str(path), "-q", "experts_settlement", "-o", str(out),
                                 "--allow-inconsistent"])
    assert result.exit_code == 0, result.output
    assert set(read_weights(out)) == {"social", "economic", "infrastructural", "environmental"}
    assert sum(read_weights(out).values()) == pytest.approx(1.0)
