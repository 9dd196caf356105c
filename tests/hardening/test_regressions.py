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
