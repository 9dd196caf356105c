"""Properties of the survey loaders on mutations of the shipped questionnaires and of SYNTHETIC exports
(``surveys.synthetic``: random answers, not survey data):

* a questionnaire file is a Questionnaire that round-trips, or a SpecError naming the file and key path;
* a responses export (cells changed, columns dropped or renamed, rows repeated; saved with several
  separators and encodings) is read and judged with every problem located by row and column, or refused with
  an InputFileError naming the file; the kept answers are within the questionnaire's bounds; storing their
  summary either works or raises the project's own error with every table of the Store unchanged;
* expert pairwise files are matrices of finite positive numbers, or the project's own error.
"""

from __future__ import annotations

import math
import os
import shutil

import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from props_mutate import CELL_TEXTS, ENCODINGS, check_spec_error, examples, mutated, store_digests, write_yaml

from territoria.errors import InputFileError, SpecError, TerritoriaError
from territoria.store import Store
from territoria.surveys.readers import bundled_questionnaires, read_pairwise, read_questionnaire, read_responses
from territoria.surveys.responses import check_responses
from territoria.surveys.storing import store_summary
from territoria.surveys.summary import summarise
from territoria.surveys.synthetic import synthetic_export

QUESTIONNAIRES = sorted(bundled_questionnaires())
SAMPLE = pd.DataFrame({"code": ["593620100", "595220100"],                 # real KATO codes (Bulaevo, Mamlyutka)
                       "name_ru": ["г.Булаево", "с.Мамлютка"]})


@pytest.mark.parametrize("name", QUESTIONNAIRES)
def test_mutated_questionnaire_is_valid_or_a_spec_error(name, tmp_path_factory):
    path0 = bundled_questionnaires()[name]
    base = yaml.safe_load(path0.read_text(encoding="utf-8"))
    tmp = tmp_path_factory.mktemp(name)
    model = type(read_questionnaire(name))

    @examples(40)
    @given(mutated(base), st.sampled_from(ENCODINGS))
    def prop(case, encoding):
        path = tmp / f"{name}.yaml"
        write_yaml(case[0], path, encoding)
        try:
            q = read_questionnaire(path)
        except Exception as exc:  # the property is about which exceptions come out
            check_spec_error(exc, file=str(path), doc=case[0], fields=model.model_fields)
            return
        assert model.model_validate(q.model_dump()) == q
        assert len({f for _, f in q.fields()}) == len(q.fields())

    prop()


# -- responses --------------------------------------------------------------------------------------------

@st.composite
def damaged_export(draw, base: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """The export as header + rows of text, with 1-4 changes of the kinds people and tools make."""
    header = [str(c) for c in base.columns]
    rows = [["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in r]
            for r in base.itertuples(index=False)]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cell", "cell", "cell", "drop_column", "rename", "repeat_row", "blank_row"]))
        if op == "cell" and rows:
            r, c = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(header) - 1))
            rows[r][c] = draw(st.one_of(st.sampled_from(CELL_TEXTS), st.text(max_size=6)))
        elif op == "drop_column" and len(header) > 1:
            c = draw(st.integers(0, len(header) - 1))
            header.pop(c)
            for row in rows:
                row.pop(c)
        elif op == "rename":
            c = draw(st.integers(0, len(header) - 1))
            header[c] = draw(st.sampled_from([header[c].upper(), header[c] + " ", "", header[0], "Вопрос", "_uuid"]))
        elif op == "repeat_row" and rows:
            rows.append(list(draw(st.sampled_from(rows))))
        elif op == "blank_row":
            rows.insert(draw(st.integers(0, len(rows))), [""] * len(header))
    return header, rows


def _write(header: list[str], rows: list[list[str]], path, sep: str, encoding: str) -> None:
    frame = pd.DataFrame(rows, columns=pd.Index(header, dtype=object))
    text = frame.to_csv(index=False, sep=sep, lineterminator="\n")
    path.write_bytes(text.encode(encoding, errors="replace"))


@pytest.fixture
def store(bundled_store_path, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(bundled_store_path, path)
    with Store(path) as s:
        yield s


@pytest.mark.parametrize(("name", "fmt"), [("residents_express", "kobo"), ("residents_express", "google"),
                                           ("experts_settlement", "odk")])
def test_damaged_export_is_judged_cell_by_cell_and_stored_whole_or_not_at_all(name, fmt, store, tmp_path):
    q = read_questionnaire(name)
    base = synthetic_export(q, SAMPLE, n_per_unit=6, seed=3, format=fmt).export
    bounds = {q_.name: (q_.min, q_.max) for q_ in q.questions if q_.type in ("integer", "decimal")}
    path = tmp_path / "responses.csv"
    outcomes = {"refused": 0, "judged": 0, "stored": 0, "store_refused": 0}
    state = {"digests": store_digests(store)}  # the Store as it is before each example's import

    @examples(20)
    @given(damaged_export(base), st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "cp1251"]))
    def prop(export, sep, encoding):
        header, rows = export
        _write(header, rows, path, sep, encoding)
        try:
            raw = read_responses(path)
            check = check_responses(raw, q, sample=SAMPLE, file=str(path))
        except Exception as exc:  # the property is about which exceptions come out
            assert isinstance(exc, InputFileError | SpecError), f"{type(exc).__name__}: {exc}"
            assert str(path) in str(exc)
            outcomes["refused"] += 1
            return
        outcomes["judged"] += 1
        columns = set(raw.columns)
        for p in [*check.problems, *check.fatal]:
            assert p.file == str(path) and p.expected
            assert p.row is None or 1 <= p.row <= len(raw) + 1
            assert p.column is None or p.column in columns or p in check.fatal, p
        kept = check.kept()
        for field, (low, high) in bounds.items():
            if field in kept:
                numbers = kept[field].dropna().astype(float)
                assert numbers.map(math.isfinite).all()
                assert low is None or (numbers >= low).all()
                assert high is None or (numbers <= high).all()
        if check.fatal or kept.empty:
            return
        table = summarise(kept, q, units=SAMPLE["code"].tolist())
        try:
            store_summary(store, table, q, year=2024, file=str(path), file_sha256=f"{hash(str(rows)):x}",
                          n_kept=len(kept), n_rejected=len(check.rejected), confidence=0.95, min_n=3)
        except Exception as exc:
            assert isinstance(exc, TerritoriaError), f"{type(exc).__name__}: {exc}"
            assert store_digests(store) == state["digests"], "a refused import changed the Store"
            outcomes["store_refused"] += 1
            return
        state["digests"] = store_digests(store)
        outcomes["stored"] += 1

    prop()
    assert outcomes["judged"] > 0
    if os.environ.get("TERRITORIA_PROPS_REPORT"):
        print(f"\n{name}/{fmt}: {outcomes}")


# -- expert pairwise files ----------------------------------------------------------------------------------

PAIRWISE = {"expert_1": {"economy > social": 3, "economy > infrastructure": 5, "social > infrastructure": "1/2"},
            "expert_2": {"items": ["economy", "social"], "matrix": [[1, "1/3"], [3, 1]]}}


@examples(80)
@given(mutated(PAIRWISE), st.sampled_from(["yaml", "csv_long", "csv_square"]))
def test_pairwise_file_is_positive_matrices_or_an_own_error(tmp_path_factory, case, kind):
    doc = case[0]
    tmp = tmp_path_factory.getbasetemp()
    if kind == "yaml":
        path = tmp / "pairwise.yaml"
        write_yaml(doc, path)
    else:
        path = tmp / f"pairwise_{kind}.csv"
        body = doc.get("expert_1") if isinstance(doc, dict) else None
        pairs = list(body.items()) if isinstance(body, dict) else [("a > b", doc)]
        if kind == "csv_long":
            lines = ["expert,row,col,value"] + [f"e1,{str(k).partition('>')[0].strip()},"
                                                f"{str(k).partition('>')[2].strip()},{v}" for k, v in pairs]
        else:
            lines = [",a,b", f"a,1,{pairs[0][1]}", f"b,{pairs[-1][1]},1"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        out = read_pairwise(path)
    except Exception as exc:  # the property is about which exceptions come out
        assert isinstance(exc, TerritoriaError), f"{type(exc).__name__}: {exc}"
        # the file (reader) or the expert whose judgements are inconsistent (ahp.pairwise_from_judgements)
        assert str(path) in str(exc) or "pairwise judgements" in str(exc), exc
        return
    for matrix in out.values():
        values = matrix.to_numpy(dtype=float)
        assert (values > 0).all() and pd.notna(values).all() and (abs(values) < math.inf).all()


# -- regressions found by the properties above or while reading the code they exercise ----------------------

@pytest.mark.parametrize(("encoding", "sep"), [("cp1251", ";"), ("utf-8-sig", "\t")])
def test_export_saved_by_excel_in_cp1251_is_read(tmp_path, encoding, sep):
    """Was UnicodeDecodeError: a KoboToolbox CSV opened and saved again by Excel on a Russian Windows."""
    q = read_questionnaire("residents_express")
    export = synthetic_export(q, SAMPLE, n_per_unit=3, seed=1, format="google").export
    path = tmp_path / "responses.csv"
    path.write_bytes(export.to_csv(index=False, sep=sep).encode(encoding))
    raw = read_responses(path)
    assert list(raw.columns) == [str(c) for c in export.columns] and len(raw) == len(export)
    assert check_responses(raw, q, sample=SAMPLE, file=str(path)).ok


@pytest.mark.parametrize(("content", "expected"), [(b"", "a table with a header row"),
                                                   (b"a,b\n1,2,3,4\n\"x", "a table with a header row"),
                                                   (b"\x98\x98", "text in UTF-8 or Windows-1251")])
def test_empty_ragged_or_undecodable_export_is_an_input_error(tmp_path, content, expected):
    """Were EmptyDataError, ParserError and UnicodeDecodeError from pandas."""
    path = tmp_path / "responses.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=expected) as info:
        read_responses(path)
    assert str(path) in str(info.value)


def test_damaged_xlsx_export_is_an_input_error(tmp_path):
    path = tmp_path / "responses.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputFileError, match=r"an \.xlsx workbook"):
        read_responses(path)


def test_questionnaire_not_in_utf8_is_a_spec_error(tmp_path):
    """Was UnicodeDecodeError from read_questionnaire."""
    path = tmp_path / "q.yaml"
    path.write_bytes("id: опрос\n".encode("cp1251"))
    with pytest.raises(SpecError, match=r"q\.yaml: <file>: not UTF-8 text"):
        read_questionnaire(path)


@pytest.mark.parametrize(("body", "path"), [
    ({"e": {"items": ["a", "b"], "matrix": [[1, 0], [1, 1]]}}, r"e\.matrix\[0\]\[1\]"),
    ({"e": {"items": ["a", "b"], "matrix": [[1, "abc"], [1, 1]]}}, r"e\.matrix\[0\]\[1\]"),
    ({"e": {"items": ["a", "b"], "matrix": [[1, 2, 3], [1, 1]]}}, r"e\.matrix"),
    ({"e": {"items": "ab", "matrix": [[1]]}}, r"e\.matrix"),
    ({"e": {"a > b": "1/0"}}, r"e\.a > b"),
    ({"e": {"a > b": [3]}}, r"e\.a > b"),
])
def test_bad_pairwise_yaml_names_the_key(tmp_path, body, path):
    """A zero in a matrix was accepted; text, 1/0, ragged rows were ValueError / ZeroDivisionError / pandas."""
    file = tmp_path / "pairwise.yaml"
    write_yaml(body, file)
    with pytest.raises(SpecError, match=rf"pairwise\.yaml: {path}"):
        read_pairwise(file)


@pytest.mark.parametrize("answer", ["inf", "1e999", "-inf", "Infinity"])
def test_non_finite_number_answer_is_a_problem(answer, tmp_path):
    """Was accepted as the number inf when a number question has no min and max (float() parses it); "nan" is
    one of the words for an empty cell and is judged as a missing answer."""
    raw_q = yaml.safe_load(bundled_questionnaires()["residents_express"].read_text(encoding="utf-8"))
    for section in raw_q["sections"]:
        for question in section["questions"]:
            if question["name"] == "years_lived":
                question.pop("min"), question.pop("max")
                question["type"] = "decimal"
    from territoria.surveys.model import Questionnaire

    q = Questionnaire.from_mapping(raw_q)
    export = synthetic_export(q, SAMPLE, n_per_unit=2, seed=1, format="kobo").export
    column = next(c for c in export.columns if str(c).endswith("years_lived"))
    export[column] = export[column].astype(object)
    export.loc[export.index[0], column] = answer
    path = tmp_path / "r.csv"
    export.to_csv(path, index=False)
    check = check_responses(read_responses(path), q, sample=SAMPLE, file="r.csv")
    bad = [p for p in check.problems if p.column == column and p.row == 2]
    assert bad and bad[0].value == answer and bad[0].expected == "a number"


def test_row_longer_than_the_header_is_an_input_error(tmp_path):
    """Was ValueError("invalid literal for int() ... 'e1'") in read_pairwise: pandas had moved the first column
    into the index (a decimal comma split a value in two); every survey table is read the same way."""
    path = tmp_path / "pairwise.csv"
    path.write_text("expert,row,col,value\ne1,a,b,1,5\ne1,a,c,2\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no row longer than the header") as info:
        read_pairwise(path)
    assert str(path) in str(info.value)
