"""The published export layout: the real excerpts (data/README.md) and damaged files."""

from __future__ import annotations

from dataclasses import replace

import pytest
from reconstruct import DATA

from territoria.connectors.bns.errors import LayoutError
from territoria.connectors.bns.parse import parse_export, select_breakdown

HEADER_6584 = ('"NAM"\t"DAT"\t"PERIOD"\t"КАТО(по отчету)"\t"LКАТО(по отчету)"\t"СПТМ (по отчету)"\t"LСПТМ (по отчету)"'
               '\t"Пол"\t"LПол"\t"Возраст"\t"LВозраст"\t"VAL"')


def housing_bytes() -> bytes:
    return (DATA / "bns_4289_housing_commissioned_excerpt.tsv").read_bytes()


def population_bytes() -> bytes:
    """The 6584 rows with a header line of the same shape (the stored excerpt has none; see data/README.md)."""
    rows = (DATA / "bns_6584_population_excerpt_rows.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return ("\n".join([HEADER_6584, *rows]) + "\n").encode("utf-8")


def test_housing_excerpt_header_totals_and_unnamed_row(registry):
    entry = registry["4289"]
    export = parse_export(housing_bytes(), entry=entry)
    assert export.dimensions == entry.dimensions
    assert export.unit == "Метр квадратный"
    # the first data line prints no unit name: reported with its value, never guessed
    assert export.unnamed[["line", "year", "value"]].values.tolist() == [[2, 2021, 20976.0]]
    totals = select_breakdown(export, entry=entry, total_labels=registry.total_labels)
    got = {(n, y): v for n, y, v in zip(totals["name"], totals["year"], totals["value"], strict=True)}
    # hand-read from the excerpt; urban and rural rows are not totals and are left out
    assert got == {("РЕСПУБЛИКА КАЗАХСТАН", 2016): 10512659.0, ("ОБЛАСТЬ АБАЙ", 2022): 340531.0,
                   ("АКМОЛИНСКАЯ ОБЛАСТЬ", 2016): 364815.0, ("КОКШЕТАУ Г.А.", 2016): 127455.0,
                   ("КОКШЕТАУ Г.А.", 2020): 220999.0}


def test_breakdown_label_and_sum(registry):
    entry = registry["4289"]
    export = parse_export(housing_bytes(), entry=entry)
    urban = select_breakdown(export, entry=_with(entry, {"СПТМ (по отчету)": "городская местность"}),
                             total_labels=registry.total_labels)
    assert urban[["name", "year", "value"]].values.tolist() == [["РЕСПУБЛИКА КАЗАХСТАН", 2016, 7680424.0],
                                                                ["АКМОЛИНСКАЯ ОБЛАСТЬ", 2016, 168303.0]]
    # summing the area types of the Republic 2016: total + urban + rural = 2 x total (10,512,659 x 2)
    summed = select_breakdown(export, entry=_with(entry, {"1": "sum"}), total_labels=registry.total_labels)
    republic = summed[(summed["name"] == "РЕСПУБЛИКА КАЗАХСТАН") & (summed["year"] == 2016)]
    assert republic["value"].tolist() == [10512659.0 + 7680424.0 + 2832235.0]
    assert 7680424 + 2832235 == 10512659  # urban + rural = total in the excerpt itself


def _with(entry, breakdown):
    return replace(entry, breakdown=breakdown)


def test_population_rows_match_the_bundle(registry, panel):
    entry = registry["6584"]
    export = parse_export(population_bytes(), entry=entry)
    totals = select_breakdown(export, entry=entry, total_labels=registry.total_labels)
    koksu = totals[totals["name"] == "КОКСУСКИЙ РАЙОН"].set_index("year")["value"].to_dict()
    assert koksu == {2012: 39616.0, 2025: 41637.0}
    bundled = panel[(panel["unit"] == "334200000") & (panel["indicator"] == "population_1jan")]
    assert bundled.set_index("year").loc[[2012, 2025], "value"].to_dict() == koksu
    # the rural row of Kerbulak is no total; Karakiyan prints its rural row equal to its total (all rural)
    assert "КЕРБУЛАКСКИЙ РАЙОН" not in set(totals["name"])
    assert totals[totals["name"] == "КАРАКИЯНСКИЙ РАЙОН"]["value"].tolist() == [36700.0]


@pytest.mark.parametrize(("body", "needle"), [
    (b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body></body></html>",
     "HTML page ('503 Service Unavailable')"),
    (b"", "empty"),
    ('"NAM"\t"DAT"\t"PERIOD"\t"КАТО"\t"VAL"\n'.encode(), "header"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
])
def test_not_an_export_is_refused_naming_the_table(registry, body, needle):
    with pytest.raises(LayoutError) as err:
        parse_export(body, entry=registry["4289"])
    assert "BNS table 4289" in str(err.value) and needle in str(err.value)


def test_changed_breakdown_columns_are_refused(registry):
    body = housing_bytes().replace('"ГКОФ"\t"LГКОФ"'.encode(), '"ОКЭД"\t"LОКЭД"'.encode(), 1)
    with pytest.raises(LayoutError, match=r"breakdown columns .* differ from the registry"):
        parse_export(body, entry=registry["4289"])


def test_truncated_download_names_the_line(registry):
    body = housing_bytes()
    cut = body[: body.rindex('\t"Всего"'.encode())]  # the last line loses its last fields
    with pytest.raises(LayoutError, match=r"line 11: \d+ field\(s\), expected 14"):
        parse_export(cut, entry=registry["4289"])


def test_bad_year_and_value_name_line_column_value(registry):
    body = housing_bytes().decode("utf-8")
    with pytest.raises(LayoutError, match=r"line 3, column DAT: '2016'; expected a year such as '2021 год'"):
        parse_export(body.replace('"2016 год"', '"2016"', 1).encode(), entry=registry["4289"])
    with pytest.raises(LayoutError, match=r"line 3, column VAL: '10 512 x59'"):
        parse_export(body.replace('"10 512 659"', '"10 512 x59"').encode(), entry=registry["4289"])


def test_another_table_or_unit_is_refused(registry):
    with pytest.raises(LayoutError, match="is not 'Численность населения"):
        parse_export(housing_bytes(), entry=registry["6584"])
    body = housing_bytes().replace("(Метр квадратный)".encode(), "(Тысяча квадратных метров)".encode())
    with pytest.raises(LayoutError, match="unit 'Тысяча квадратных метров', the registry expects 'Метр квадратный'"):
        parse_export(body, entry=registry["4289"])


def test_decimal_comma_and_scale(registry):
    body = housing_bytes().decode("utf-8").replace('"10 512 659"', '"10 512 659,5"').encode()
    export = parse_export(body, entry=registry["4289"])
    assert 10512659.5 in set(export.rows["value"])


def test_crlf_and_byte_order_mark(registry):
    body = b"\xef\xbb\xbf" + housing_bytes().replace(b"\n", b"\r\n")
    export = parse_export(body, entry=registry["4289"])
    assert len(export.rows) == 9 and len(export.unnamed) == 1
