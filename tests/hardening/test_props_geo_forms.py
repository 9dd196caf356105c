"""Properties of the geometry and survey-form loaders:

* ``BorderIndex.from_geojson``: the bundled Natural Earth border (real data, thinned to a few vertices per
  line so that mutations reach the structure as often as the coordinates) mutated — keys dropped, wrong
  geometry types, NaN / infinite / out-of-range / huge coordinates, empty coordinate lists, a one-point line,
  no 'neighbour' — builds an index that measures finite distances, or raises the project's own error naming
  the border lines and the feature; never another exception.
* ``read_rankings``: the published NAG g08daf rank table (tests/surveys/fixtures) with cells, rows, columns and
  the header damaged, saved with ``,`` ``;`` or tab in UTF-8 / BOM / cp1251, reads to finite numbers (NaN only
  where a cell is not a number) that Kendall's W accepts or refuses with its own error, or an InputFileError
  naming the file.
* ``read_xlsform``: an XLSForm written by :func:`write_form` from a bundled questionnaire, with sheets dropped or
  renamed, header cells blanked, bytes cut or flipped, reads to its three sheets with their key columns, or
  an InputFileError naming the file.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from props_mutate import CELL_TEXTS, ENCODINGS, examples, mutated

from territoria.errors import DataError, InputFileError, TerritoriaError
from territoria.groups.border import BorderIndex
from territoria.ingest.bundled import border_lines
from territoria.surveys.forms import write_form
from territoria.surveys.kendall import kendall_w
from territoria.surveys.readers import read_questionnaire, read_rankings, read_xlsform

# -- BorderIndex.from_geojson ---------------------------------------------------------------------------------


def _thin(border: dict, keep: int = 4) -> dict:
    out = copy.deepcopy(border)
    for feature in out["features"]:
        geom = feature["geometry"]
        if geom["type"] == "MultiLineString":
            geom["coordinates"] = [line[:keep] for line in geom["coordinates"][:2]]
        else:
            geom["coordinates"] = geom["coordinates"][:keep]
    return out


BORDER = _thin(border_lines())
NEIGHBOURS = {f["properties"]["neighbour"] for f in BORDER["features"]}
#: Petropavl, Almaty, Aktau, and a point far outside the country (Cairo)
POINTS = np.array([[54.87, 69.15], [43.24, 76.89], [43.65, 51.17], [30.04, 31.24]])

COORD = st.sampled_from([math.nan, math.inf, -math.inf, 181.0, -200.0, 91.0, -90.5, 1e308, 10**30, 2**63, "57",
                         None, [1.0], True, 0.0, 90.0, -180.0])
GEOMETRY_TYPES = st.sampled_from(["Point", "Polygon", "LineString", "MultiPoint", "GeometryCollection", "Line",
                                  "", None, 3])


@st.composite
def geo_mutated(draw) -> tuple[dict, list[str]]:
    """One to three mutations aimed at the places a border file goes wrong."""
    doc = copy.deepcopy(BORDER)
    done = []
    for _ in range(draw(st.integers(1, 3))):
        feats = doc.get("features")
        if not isinstance(feats, list) or not feats:
            break
        i = draw(st.integers(0, len(feats) - 1))
        feature = feats[i]
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        kind = draw(st.sampled_from(["type", "coord", "empty", "one_point", "no_neighbour", "properties",
                                     "features", "crs", "no_geometry", "huge_line"]))
        if kind == "type" and isinstance(geom, dict):
            geom["type"] = draw(GEOMETRY_TYPES)
        elif kind == "coord" and isinstance(geom, dict) and geom.get("coordinates"):
            line = geom["coordinates"][0] if geom["type"] == "MultiLineString" else geom["coordinates"]
            if line:
                j, axis = draw(st.integers(0, len(line) - 1)), draw(st.integers(0, 1))
                line[j][axis] = draw(COORD)
        elif kind == "empty" and isinstance(geom, dict):
            geom["coordinates"] = draw(st.sampled_from([[], [[]], [[[]]], None, "[]"]))
        elif kind == "one_point" and isinstance(geom, dict):
            point = [69.0, 55.0]
            geom["coordinates"] = [[point]] if geom["type"] == "MultiLineString" else [point]
        elif kind == "no_neighbour" and isinstance(feature, dict):
            feature.get("properties", {}).pop("neighbour", None)
        elif kind == "properties" and isinstance(feature, dict):
            feature["properties"] = draw(st.sampled_from([None, [], "Russia", ["neighbour"], {"neighbour": None},
                                                          {"neighbour": math.nan}, {1: "a", "b": 2}]))
        elif kind == "features":
            doc["features"] = draw(st.sampled_from([{}, {"a": 1}, None, "features", 5, [None], [[]], ["x"],
                                                    [{"type": "Feature"}]]))
        elif kind == "crs":
            doc["crs"] = draw(st.sampled_from([{"type": "name", "properties": {"name": "EPSG:3857"}},
                                               {"properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                                               "EPSG:4326", "garbage", 5, [], {"properties": None}]))
        elif kind == "no_geometry" and isinstance(feature, dict):
            feature.pop("geometry", None)
        elif kind == "huge_line" and isinstance(geom, dict):
            geom["type"], geom["coordinates"] = "LineString", [[1e300, 1e300], [-1e300, -1e300]]
        done.append(f"{kind} at feature {i}")
    return doc, done


def _check_border(exc_or_index: object) -> None:
    if isinstance(exc_or_index, BaseException):
        exc = exc_or_index
        assert isinstance(exc, TerritoriaError), f"not a TerritoriaError: {type(exc).__name__}: {exc}"
        text = str(exc)
        assert text.startswith("border lines: "), f"the message does not say which input: {text}"
        assert len(text) > len("border lines: ") + 10
        return
    index = exc_or_index
    assert isinstance(index, BorderIndex)
    seg = index.segments
    ll = seg[["lon0", "lat0", "lon1", "lat1"]].to_numpy(dtype=float)
    assert np.isfinite(ll).all() and (np.abs(ll[:, [0, 2]]) <= 180).all() and (np.abs(ll[:, [1, 3]]) <= 90).all()
    assert np.isfinite(seg[["x0", "y0", "x1", "y1"]].to_numpy(dtype=float)).all(), "a vertex projects to NaN/inf"
    out = index.measure(POINTS[:, 0], POINTS[:, 1])
    assert out["distance_km"].map(math.isfinite).all() and (out["distance_km"] >= 0).all()
    assert out["status"].eq("measured").all()


def _build(doc: dict) -> object:
    try:
        return BorderIndex.from_geojson(doc)
    except Exception as exc:  # the property is about which exceptions come out
        return exc


def test_thinned_border_builds():
    index = BorderIndex.from_geojson(BORDER)
    _check_border(index)
    assert set(index.segments["neighbour"]) == NEIGHBOURS


@examples(60)
@given(mutated(BORDER))
def test_mutated_border_builds_or_says_where(case):
    _check_border(_build(case[0]))


@examples(120)
@given(geo_mutated())
def test_geometry_faults_build_or_say_where(case):
    _check_border(_build(case[0]))


# -- read_rankings ---------------------------------------------------------------------------------------------

RANKS = Path(__file__).resolve().parents[1] / "surveys" / "fixtures" / "kendall_w_nag_g08daf_ranks.csv"
RANK_ROWS = list(csv.reader(io.StringIO(RANKS.read_text(encoding="utf-8"))))


@st.composite
def damaged_table(draw, rows: list[list[str]]) -> list[list[str]]:
    """A table (header first) with one to three faults: a cell, a header cell, a row or a column."""
    rows = [list(r) for r in rows]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["cell", "cell", "header", "drop_row", "dup_row", "drop_col", "short_row",
                                     "blank_rater", "dup_rater"]))
        r = draw(st.integers(0, len(rows) - 1))
        if kind == "cell" and len(rows) > 1 and rows[0]:
            r = draw(st.integers(1, len(rows) - 1))
            c = draw(st.integers(0, len(rows[r]) - 1)) if rows[r] else 0
            if rows[r]:
                rows[r][c] = draw(st.sampled_from(CELL_TEXTS))
        elif kind == "header" and rows[0]:
            rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(st.sampled_from(["", " ", "obj1", "comparison",
                                                                                  "Ё", "1", "nan"]))
        elif kind == "drop_row":
            del rows[r]
        elif kind == "dup_row":
            rows.insert(r, list(rows[r]))
        elif kind == "drop_col" and rows and rows[0]:
            c = draw(st.integers(0, len(rows[0]) - 1))
            for row in rows:
                del row[c:c + 1]
        elif kind == "short_row" and len(rows) > 1:
            rows[-1] = rows[-1][: draw(st.integers(0, max(0, len(rows[-1]) - 1)))]
        elif kind == "blank_rater" and len(rows) > 1 and rows[1]:
            rows[1][0] = draw(st.sampled_from(["", " "]))
        elif kind == "dup_rater" and len(rows) > 2 and rows[1] and rows[2]:
            rows[2][0] = rows[1][0]
        if not rows:
            break
    return rows


def _write_table(rows: list[list[str]], path: Path, sep: str, encoding: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def _check_rankings(frame: pd.DataFrame, path: Path) -> None:
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.notna().all() and not frame.index.duplicated().any(), "blank or repeated rater kept"
    values = frame.to_numpy(dtype=float)
    assert not np.isinf(values).any(), "an infinite rank kept"
    try:
        result = kendall_w(frame)
    except DataError:
        return
    assert 0.0 <= result.w_uncorrected <= 1.0 + 1e-12
    assert math.isnan(result.w) or 0.0 <= result.w <= 1.0 + 1e-12


def test_published_rank_table_reads():
    frame = read_rankings(RANKS)
    assert frame.shape == (3, 10) and frame.loc["1", "obj2"] == 4.5
    assert round(kendall_w(frame).w, 3) == 0.828  # NAG g08daf published W (fixture README)


@examples(120)
@given(damaged_table(RANK_ROWS), st.sampled_from([",", ";", "\t"]), st.sampled_from(ENCODINGS[:3]))
def test_damaged_rank_table_reads_or_says_where(tmp_path_factory, rows, sep, encoding):
    path = tmp_path_factory.mktemp("ranks") / "ranks.csv"
    _write_table(rows, path, sep, encoding)
    try:
        frame = read_rankings(path)
    except Exception as exc:  # the property is about which exceptions come out
        assert isinstance(exc, InputFileError), f"{type(exc).__name__}: {exc}"
        assert str(path) in str(exc)
        return
    _check_rankings(frame, path)


# -- read_xlsform ----------------------------------------------------------------------------------------------

SAMPLE = pd.DataFrame({"code": ["593620100", "595220100"], "name_ru": ["г.Булаево", "с.Мамлютка"]})
KEY_COLUMNS = {"survey": {"type", "name"}, "choices": {"list_name", "name"}}


@pytest.fixture(scope="module")
def form_bytes(tmp_path_factory) -> bytes:
    path = write_form(read_questionnaire("residents_express"), tmp_path_factory.mktemp("form") / "form.xlsx",
                      sample=SAMPLE)
    return path.read_bytes()


@st.composite
def damaged_form(draw) -> tuple[str, object]:
    kind = draw(st.sampled_from(["drop_sheet", "rename_sheet", "header", "cell", "truncate", "flip", "empty",
                                 "text", "extra_sheet"]))
    if kind in ("truncate", "flip"):
        return kind, draw(st.integers(0, 11000))
    if kind in ("drop_sheet", "rename_sheet"):
        return kind, (draw(st.sampled_from(["survey", "choices", "settings"])),
                      draw(st.sampled_from(["Survey", "survey ", "опрос", "Sheet1"])))
    if kind == "header":
        return kind, (draw(st.sampled_from(["survey", "choices"])), draw(st.integers(1, 3)),
                      draw(st.sampled_from([None, "", "Type", "name ", "имя"])))
    if kind == "cell":
        return kind, (draw(st.sampled_from(["survey", "choices", "settings"])), draw(st.integers(2, 30)),
                      draw(st.integers(1, 6)), draw(st.sampled_from([*CELL_TEXTS, None, 1e+308, -1, True])))
    return kind, None


def _write_damaged_form(base: bytes, case: tuple[str, object], path: Path) -> None:
    kind, arg = case
    if kind == "truncate":
        path.write_bytes(base[: int(arg)])
        return
    if kind == "flip":
        data = bytearray(base)
        at = int(arg) % len(data)
        data[at] ^= 0xFF
        path.write_bytes(bytes(data))
        return
    if kind == "empty":
        path.write_bytes(b"")
        return
    if kind == "text":
        path.write_bytes(b"type;name\ntext;q1\n")
        return
    book = openpyxl.load_workbook(io.BytesIO(base))
    if kind == "drop_sheet":
        del book[arg[0]]
    elif kind == "rename_sheet":
        book[arg[0]].title = arg[1]
    elif kind == "header":
        book[arg[0]].cell(1, arg[1]).value = arg[2]
    elif kind == "cell":
        book[arg[0]].cell(arg[1], arg[2]).value = arg[3]
    elif kind == "extra_sheet":
        book.create_sheet("notes").cell(1, 1).value = "x"
    book.save(path)


@examples(60)
@given(damaged_form())
def test_damaged_xlsform_reads_or_says_where(form_bytes, tmp_path_factory, case):
    path = tmp_path_factory.mktemp("xlsform") / "form.xlsx"
    _write_damaged_form(form_bytes, case, path)
    try:
        sheets = read_xlsform(path)
    except Exception as exc:  # the property is about which exceptions come out
        assert isinstance(exc, InputFileError), f"{type(exc).__name__}: {exc}"
        assert str(path) in str(exc)
        return
    assert {"survey", "choices", "settings"} <= set(sheets)
    for name, needed in KEY_COLUMNS.items():
        assert needed <= set(sheets[name].columns), f"sheet {name} lacks {needed - set(sheets[name].columns)}"


# -- regressions found by the properties above -------------------------------------------------------------


def _border_with(change) -> dict:
    doc = copy.deepcopy(BORDER)
    change(doc)
    return doc


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.__setitem__("features", {"a": 1}), r"'features' is a dict; expected a list"),
    (lambda d: d.__setitem__("features", 5), r"'features' is a int; expected a list"),
    (lambda d: d["features"].__setitem__(1, "x"), r"feature 1 is a str \('x'\); expected a GeoJSON Feature"),
    (lambda d: d["features"][0].__setitem__("properties", ["neighbour"]), r"feature 0 has properties of type list"),
    (lambda d: d["features"][2].__setitem__("properties", {1: "a", "b": 2}),
     r"feature 2 has no property 'neighbour' .* has \['1', 'b'\]"),
    (lambda d: d["features"][0]["properties"].__setitem__("neighbour", None), r"feature 0 .*'neighbour' = None"),
    (lambda d: d["features"][3]["properties"].__setitem__("neighbour", math.nan), r"feature 3 .*'neighbour' = nan"),
    (lambda d: d["features"][0]["properties"].__setitem__("neighbour", " "), r"feature 0 .*'neighbour' = ' '"),
])
def test_malformed_border_features_are_data_errors(change, message):
    """Were AttributeError / TypeError (features not a list of objects, properties a list, mixed key types);
    a neighbour of None or NaN was accepted and reported as the country 'None' / 'nan'."""
    with pytest.raises(DataError, match=rf"^border lines: {message}"):
        BorderIndex.from_geojson(_border_with(change))


def test_rank_table_refuses_infinite_and_blank_or_repeated_raters(tmp_path):
    """Were accepted: 'inf' / '1e999' became an infinite rank, a blank rater the rater None, a repeated rater
    counted twice."""
    path = tmp_path / "ranks.csv"
    path.write_text("rater,a,b,c\nA,1,inf,3\nA,2,1,3\n,1,2,3\nB,1e999,1,2\nC,1,x,2\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_rankings(path)
    got = {(p.row, p.column, p.value) for p in info.value.problems}
    assert got == {(3, "rater", "A"), (4, "rater", None), (2, "b", "inf"), (5, "a", "1e999")}
    path.write_text("rater,a,b,c\nA,1,2,3\nC,1,x,2\n", encoding="utf-8")
    frame = read_rankings(path)
    assert frame.index.tolist() == ["A", "C"] and math.isnan(frame.loc["C", "b"])  # named later by kendall_w
    with pytest.raises(DataError, match=r"rater 'C', item 'b'"):
        kendall_w(frame)


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04garbage", b"type;name\n"])
def test_damaged_xlsform_is_an_input_file_error(tmp_path, data):
    """Was BadZipFile / EOFError / zlib.error from openpyxl."""
    path = tmp_path / "form.xlsx"
    path.write_bytes(data)
    with pytest.raises(InputFileError, match=r"(?s)form\.xlsx: 1 problem.*found '\w+.*an existing \.xlsx workbook"):
        read_xlsform(path)


def test_xlsform_without_key_columns_names_sheet_and_column(form_bytes, tmp_path):
    """Was accepted: a survey sheet without 'type' read as a form."""
    path = tmp_path / "form.xlsx"
    _write_damaged_form(form_bytes, ("header", ("survey", 1, "Type ")), path)
    with pytest.raises(InputFileError, match=r"sheet 'survey', row 1, column 'type': found \['Type', 'name'"):
        read_xlsform(path)  # header cells are stripped, not case-folded: 'Type' is not 'type'
    _write_damaged_form(form_bytes, ("header", ("choices", 1, " list_name ")), path)
    assert "list_name" in read_xlsform(path)["choices"].columns
