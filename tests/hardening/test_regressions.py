"""Every crash the fuzzers found, as a regression test; plus damaged and oversized workbooks.

The crash inputs are committed in ``fuzz/corpus/table_reader`` (first byte: odd = XLSX, even = CSV). Each must
now end in :class:`InputFileError` naming the file and what was expected, never another exception.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from territoria.errors import InputFileError
from territoria.ingest import tables
from territoria.ingest.readers import read_table

CORPUS = Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "table_reader"


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / ("t.xlsx" if data[0] & 1 else "t.csv")
    path.write_bytes(data[1:])
    return path


def test_fuzz_crash_bom_then_invalid_utf8_is_read_as_cp1251(tmp_path, catalogue, units):
    """Was UnicodeDecodeError: a BOM, then bytes that are not UTF-8; now decoded as cp1251 (a result)."""
    path = _write(tmp_path, (CORPUS / "crash-bom-invalid-utf8").read_bytes())
    result = read_table(path, catalogue=catalogue, units=units)
    assert result.encoding == "cp1251"


def test_fuzz_crash_corrupt_deflate_is_an_input_error(tmp_path, catalogue, units):
    """Was zlib.error from openpyxl on a workbook with a corrupt member."""
    path = _write(tmp_path, (CORPUS / "crash-xlsx-corrupt-deflate").read_bytes())
    with pytest.raises(InputFileError) as err:
        read_table(path, catalogue=catalogue, units=units)
    assert str(path) in str(err.value) and "damaged" in str(err.value)


def test_undecodable_csv_names_the_byte(tmp_path, catalogue, units):
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbfunit,indicator,year,value\n\x98\x98,population,2020,1\n")
    with pytest.raises(InputFileError) as err:
        read_table(path, catalogue=catalogue, units=units)
    assert "byte 0x98" in str(err.value)


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04", b"not a zip at all", b"PK\x05\x06" + b"\0" * 18])
def test_not_a_workbook(tmp_path, catalogue, units, data):
    path = tmp_path / "t.xlsx"
    path.write_bytes(data)
    with pytest.raises(InputFileError, match="damaged"):
        read_table(path, catalogue=catalogue, units=units)


def test_zip_bomb_refused_before_unpacking(tmp_path, catalogue, units, monkeypatch):
    """A valid workbook plus a member of 4 MiB of zeros (compressed to a few KiB); limit lowered to 1 MiB."""
    monkeypatch.setattr(tables, "XLSX_MAX_UNPACKED", 2**20)
    wb = openpyxl.Workbook()
    wb.active.append(["unit", "indicator", "year", "value"])
    buffer = io.BytesIO()
    wb.save(buffer)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buffer.getvalue())
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", b"\0" * 4 * 2**20)
    assert path.stat().st_size < 100_000
    with pytest.raises(InputFileError, match="unpacks to at most"):
        read_table(path, catalogue=catalogue, units=units)


# -- issue 19: hostile files end in a located error, and the size guards run before anything opens the file ----
def test_csv_with_a_stray_quote_is_an_input_error_naming_the_line(tmp_path, catalogue, units):
    """Was _csv.Error "field larger than field limit": one stray quote swallows the rest of the file."""
    rows = "".join(f"590000000,population_1jan,{1990 + i % 50},{i}\n" for i in range(9000))
    path = tmp_path / "t.csv"
    path.write_text('unit,indicator,year,value\n590000000,"population_1jan,2021,5\n' + rows, encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_table(path, catalogue=catalogue, units=units)
    (problem,) = err.value.problems
    assert problem.row == 2 and "field limit" in str(problem.value) and "never closed" in problem.expected


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04broken"])
def test_a_file_that_is_not_a_workbook_fails_in_profile_recognition_as_an_input_error(tmp_path, content):
    """Was BadZipFile from openpyxl: `territoria import` recognises profiles before reading."""
    from territoria.ingest.profiles import profile_for

    path = tmp_path / "t.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match="damaged"):
        profile_for(path, None)


def test_broken_xml_in_a_workbook_is_an_input_error(tmp_path):
    """Was lxml XMLSyntaxError / ParseError from openpyxl."""
    from territoria.ingest.profiles import profile_for

    path = tmp_path / "t.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("xl/workbook.xml", "<workbook><<")
    with pytest.raises(InputFileError, match="damaged"):
        profile_for(path, None)


def _wide_workbook(path: Path, rows: int, *, lie: bool) -> Path:
    """One cell in column A and one in XFD per row (synthetic); ``lie`` rewrites the dimension to A1."""
    book = openpyxl.Workbook()
    sheet = book.active
    for i in range(1, rows + 1):
        sheet.cell(row=i, column=1, value="a")
        sheet.cell(row=i, column=16384, value=1)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if lie and info.filename.startswith("xl/worksheets/"):
                data = data.replace(f'<dimension ref="A1:XFD{rows}"'.encode(), b'<dimension ref="A1"')
            dst.writestr(info, data)
    return path


def test_a_sheet_wider_than_the_cell_cap_is_refused_before_reading(tmp_path, monkeypatch, catalogue, units):
    from territoria.ingest.profiles import profile_for

    monkeypatch.setattr(tables, "XLSX_MAX_CELLS", 100_000)
    path = _wide_workbook(tmp_path / "t.xlsx", 10, lie=False)
    with pytest.raises(InputFileError, match=r"dimension A1:XFD10 \(10 rows × 16,384 columns\)"):
        profile_for(path, None)
    with pytest.raises(InputFileError, match="at most 100,000 cells"):
        read_table(path, catalogue=catalogue, units=units)


def test_a_wrong_dimension_does_not_escape_the_cell_cap(tmp_path, monkeypatch, catalogue, units):
    monkeypatch.setattr(tables, "XLSX_MAX_CELLS", 100_000)
    path = _wide_workbook(tmp_path / "t.xlsx", 10, lie=True)
    with pytest.raises(InputFileError) as err:
        read_table(path, catalogue=catalogue, units=units)
    (problem,) = err.value.problems
    assert problem.row == 7 and problem.sheet == "Sheet" and "114,688 cells" in str(problem.value)


def test_the_zip_bomb_guard_runs_before_profile_recognition(tmp_path, monkeypatch):
    from territoria.ingest import profiles

    monkeypatch.setattr(tables, "XLSX_MAX_UNPACKED", 1000)
    path = _wide_workbook(tmp_path / "t.xlsx", 3, lie=False)
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    with pytest.raises(InputFileError, match="unpacks to at most 1,000 bytes"):
        profiles.profile_for(path, None)
    assert opened == []


def test_yaml_nested_thousands_deep_is_a_spec_error(tmp_path):
    """Was RecursionError from PyYAML's composer."""
    from territoria.errors import SpecError
    from territoria.yamlfile import load_yaml, parse_yaml

    path = tmp_path / "deep.yaml"
    path.write_text("tree: " + "[" * 5000 + "]" * 5000, encoding="utf-8")
    with pytest.raises(SpecError, match="nested more than 100 levels"):
        load_yaml(path)
    with pytest.raises(SpecError, match="nested more than 100 levels"):
        parse_yaml("".join("  " * i + "k:\n" for i in range(3000)))
    assert parse_yaml("a: {b: [1, {c: 2}]}") == {"a": {"b": [1, {"c": 2}]}}


def test_comparing_a_unit_with_itself_is_a_data_error():
    """Was a 500 from /api/compare?units=X&units=X; the method refuses before reading anything."""
    from territoria.errors import DataError
    from territoria.report.service import comparison

    with pytest.raises(DataError, match="two or more different units"):
        comparison(None, ["590000000", "590000000"])


def test_a_spec_whose_weights_are_all_zero_is_refused():
    """Was accepted, and every composite came out NaN (0 / 0)."""
    import yaml

    from territoria.assess.spec import AssessmentSpec, default_spec_path
    from territoria.errors import SpecError

    raw = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    raw["weight"] = {"method": "given"}
    blocks = raw["tree"]["vulnerability_index"]["children"]
    for block in blocks.values():
        block["weight"] = 0
    with pytest.raises(SpecError, match=r"tree\.vulnerability_index\.children: every child of "
                                        r"'vulnerability_index' has weight 0"):
        AssessmentSpec.from_mapping(raw)
    blocks["social"]["weight"] = 1  # one positive weight is enough
    assert AssessmentSpec.from_mapping(raw).tree_frame().set_index("code").loc["social", "weight"] == 1


def test_a_name_of_a_hundred_thousand_characters_is_refused_without_fuzzy_matching(monkeypatch):
    """Issue 19, finding 5: one 100,000-character name held an import for 344 s (fuzzy matching grows
    with the length). Such a text is not a name: no fuzzy tier and no suggestion is computed for it."""
    import pandas as pd
    from rapidfuzz import process

    from territoria.errors import UnknownNameError
    from territoria.ingest.matching import NameMatcher
    from territoria.ingest.names import suggest

    units = pd.DataFrame({"code": ["590000000", "593620100"], "name_ru": ["Северо-Казахстанская область",
                                                                           "г.Булаево"],
                          "level": ["region", "settlement"], "parent": [None, "590000000"]})   # SYNTHETIC
    matcher = NameMatcher.for_units(units)
    calls = []
    monkeypatch.setattr(process, "extract", lambda *a, **k: calls.append(a) or [])
    with pytest.raises(UnknownNameError, match=r"100,002 characters"):
        matcher.match("Булаево" * 14_286)              # 100,002 characters
    assert suggest("x" * 100_000, ["population", "wage"]) == []
    assert calls == []
