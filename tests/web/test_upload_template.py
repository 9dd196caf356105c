"""The upload page's template (GET /api/import/template.{csv|xlsx}) and format guide, on the bundled real
data: real KATO codes and catalogue ids, empty value cells, the XLSX's indicator sheet in the page's language,
and a template filled in (synthetic values) read back by the importer's own reader."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from territoria.report.i18n import words

COLUMNS = ["unit", "name", "indicator", "year", "value"]
HEADERS = {"en": COLUMNS, "ru": ["Код КАТО", "Наименование", "Показатель", "Год", "Значение"],
           "kk": ["КАТО коды", "Атауы", "Көрсеткіш", "Жыл", "Мән"]}


def _csv(client, **params) -> pd.DataFrame:
    """The CSV template, its headers checked for the language and renamed to :data:`COLUMNS`."""
    r = client.get("/api/import/template.csv", params=params)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens it as UTF-8
    assert 'filename="territoria_template_' in r.headers["content-disposition"]
    frame = pd.read_csv(io.BytesIO(r.content), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns) == HEADERS[params["lang"]]
    return frame.set_axis(COLUMNS, axis=1)


@pytest.mark.parametrize("level", ["region", "district"])
def test_csv_template_has_real_units_and_indicators_and_no_values(client, web_db, level):
    from territoria.store import Store

    frame = _csv(client, level=level, lang="ru")
    assert list(frame.columns) == COLUMNS and len(frame) >= 2
    assert (frame["value"] == "").all()  # nothing looks like data
    with Store(web_db, read_only=True) as store:
        units, catalogue = store.units(level=level), store.catalogue
    assert frame["unit"].str.fullmatch(r"\d{9}").all() and set(frame["unit"]) <= set(units.index)
    assert (frame["name"] == units.loc[frame["unit"], "name_ru"].to_numpy()).all()
    assert set(frame["indicator"]) <= set(catalogue.ids)
    assert frame["year"].str.fullmatch(r"\d{4}").all()


def test_template_names_follow_the_language(client):
    en, kk = _csv(client, level="region", lang="en"), _csv(client, level="region", lang="kk")
    assert list(en["unit"]) == list(kk["unit"]) and list(en["name"]) != list(kk["name"])
    assert en.loc[0, "unit"] == "100000000" and en.loc[0, "name"] == "Abai Region"


def test_xlsx_template_has_the_indicator_sheet_in_the_language(client, web_db):
    from territoria.report.messages import indicator_name, unit_name
    from territoria.store import Store

    r = client.get("/api/import/template.xlsx", params={"level": "district", "lang": "kk"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheets = pd.read_excel(io.BytesIO(r.content), sheet_name=None, dtype=str)
    w = words("kk")
    assert list(sheets) == [w["tpl_sheet_data"], w["tpl_sheet_indicators"]]
    data, indicators = sheets.values()
    assert list(data.columns) == HEADERS["kk"] and data.iloc[:, 4].isna().all()
    assert list(indicators.columns) == [w["tpl_col_indicator"], w["tpl_col_name"], w["tpl_col_unit"]]
    with Store(web_db, read_only=True) as store:
        catalogue = store.catalogue
    ids = list(indicators.iloc[:, 0])
    assert set(ids) <= set(catalogue.ids) and set(data.iloc[:, 2]) <= set(ids)
    assert all("district" in catalogue[i].levels for i in ids)
    first = catalogue[ids[0]]
    # in Kazakh from the catalogue's Kazakh overlay (messages/kk_indicators.yaml), as the reports word them
    assert indicators.iloc[0, 1] == indicator_name(first, "kk") and indicators.iloc[0, 2] == unit_name(first, "kk")
    assert first.name.get("kk") == first.name.ru != indicators.iloc[0, 1]  # not the Russian fallback


@pytest.fixture(scope="module")
def store_names(web_db):
    """The Store's catalogue and its units' name matcher, built once for the three languages (folding every
    spelling of ~14 000 units takes seconds)."""
    from territoria.ingest.matching import NameMatcher
    from territoria.store import Store

    with Store(web_db, read_only=True) as store:
        return store.catalogue, NameMatcher.for_units(store.units().reset_index())


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_a_filled_template_is_read_by_the_importer(client, store_names, tmp_path, lang):
    """Round trip: the template (headers in ``lang``) with synthetic values filled in reads as the rows it lists."""
    from territoria.ingest.readers import read_table

    frame = _csv(client, level="district", lang=lang)
    frame["value"] = [str(0.5 + i) for i in range(len(frame))]  # synthetic
    path = tmp_path / "filled.csv"
    frame.set_axis(HEADERS[lang], axis=1).to_csv(path, index=False)
    catalogue, matcher = store_names
    read = read_table(path, catalogue=catalogue, units=matcher)
    obs = read.observations
    assert list(obs["unit"]) == list(frame["unit"]) and list(obs["indicator"]) == list(frame["indicator"])
    assert list(obs["value"]) == pytest.approx([0.5 + i for i in range(len(frame))])


def test_template_refuses_what_it_does_not_offer(client):
    assert client.get("/api/import/template.csv", params={"level": "settlement"}).status_code == 422
    assert client.get("/api/import/template.pdf").status_code == 422
    assert client.get("/api/import/template.csv", params={"lang": "de"}).status_code == 422


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_upload_page_links_the_templates_and_shows_the_guide(client, lang):
    page = client.get("/upload", params={"lang": lang}).text
    w = words(lang)
    for level in ("region", "district"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/api/import/template.{fmt}?level={level}&amp;lang={lang}"' in page
    for key in ("tpl_title", "tpl_guide_columns", "tpl_guide_units", "tpl_guide_years", "tpl_guide_wide"):
        assert w[key] in page


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_new_words_are_translated(lang):
    """No new word of the upload and assess pages is left in English on the ru/kk pages."""
    en, other = words("en"), words(lang)
    new = [k for k in en if k.startswith(("tpl_", "assess_example", "example_"))]
    assert len(new) >= 15
    for key in new:
        assert other[key] != en[key], key
        assert any("А" <= ch <= "я" or ch in "ӘәҒғҚқҢңӨөҰұҮүҺһІі" for ch in other[key]), key
