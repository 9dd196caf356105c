"""Refusals the web app words in the page's language (issue 23): spec keys that do not apply, workbook size
guards, a KATO code whose name says another unit, BNS profile workbooks; and the times of the monitoring page.

Each refusal is posted in Russian and in Kazakh; the text must hold its facts (key path, value, limit) and no
Latin word besides the facts and the spec language's own keys. Every table and spec here is a small synthetic
fixture; the Store is the bundled one (real data).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

#: Keys and values of the spec language (docs/assessment.md), written as a spec writes them in any language.
SPEC_WORDS = {"zeros", "epsilon", "refuse", "zero", "transforms", "goalposts", "power", "exponent", "cap", "min",
              "max", "log", "normalise", "rank", "minmax", "grade", "none", "quantiles", "jenks", "arithmetic",
              "geometric", "treat", "winsorise", "exclude", "tree", "index", "children", "transform", "aggregate",
              "method", "year", "years", "coverage", "min_children", "min_share"}


def test_latin_words_finds_english_and_spares_the_facts(latin_words):
    assert latin_words("ключ «low» does not apply", {"low"}) == ["does", "not", "apply"]
    assert latin_words("у «zz» нет данных: a, b", {"zz"}) == []


TREE = ("tree:\n  index:\n    children:\n      a: {children: {unemployment_rate: null}}\n"
        "      b: {children: {net_migration: null}}\n")
SPEC = "name: words_test\nunits: {level: region}\nyear: 2020\n" + TREE


@pytest.mark.parametrize(("extra", "path", "facts", "ru", "kk"), [
    ("normalise: {method: rank, low: 0}\n", "normalise.low", ["«low»", "«rank»", "minmax, goalposts"],
     "не относится к методу", "әдісіне қатысты емес"),
    ("aggregate: {method: geometric, epsilon: 0.1}\n", "aggregate.epsilon", ["zeros: refuse"],
     "действует только при", "тек zeros: epsilon болғанда"),
    ("aggregate: {method: geometric, zeros: epsilon}\n", "aggregate.epsilon", ["epsilon: 0.01"],
     "нужно значение, которым заменяется ноль", "нөлді алмастыратын мән"),
    ("normalise: {method: goalposts, goalposts: {unemployment_rate: [0, 30], net_migration: [-50, 50],"
     " zz: [0, 1]}}\n", "normalise.goalposts.zz", ["«zz»", "unemployment_rate, net_migration"],
     "не показатель дерева", "ағаштың көрсеткіші емес"),
    ("aggregate: {zeros: zero}\n", "aggregate.zeros", ["zeros: zero", "arithmetic"],
     "геометрическому или гармоническому", "геометриялық немесе гармоникалық"),
    ("transforms: {net_migration: log}\n", "tree.index.children.b.children.net_migration.transform",
     ["«net_migration»"], "задано ещё и в разделе transforms", "transforms бөлімінде де берілген"),
    ("transforms: {unemployment_rate: {kind: log, exponent: 2}}\n", "transforms.unemployment_rate",
     ["«log»"], "относится к преобразованию power", "power түрлендіруіне қатысты"),
    ("transforms: {unemployment_rate: {kind: cap, min: 5, max: 1}}\n", "transforms.unemployment_rate",
     ["min 5", "max 1"], "должен быть меньше", "кіші болуы керек"),
    ("normalise: {method: goalposts, goalposts: {unemployment_rate: [30, 0], net_migration: [-50, 50]}}\n",
     "normalise.goalposts.unemployment_rate", ["[30; 0]"], "нужно min < max", "min < max қажет"),
    ("years: [2020]\n", "years", [], "задайте year или years, но не оба", "екеуін бірге емес"),
    ("aggregate: {coverage: {min_children: 1, min_share: 0.5}}\n", "aggregate.coverage", ["min_share 0,5"],
     "задайте одно из двух", "екеуінің бірін беріңіз"),
    ("", "tree.index.transform", ["«index» — блок"], "задаётся для показателя", "көрсеткішке беріледі"),
])
def test_a_spec_key_that_does_not_apply_is_worded_in_the_page_language(client, extra, path, facts, ru, kk, latin_words):
    text = SPEC + extra
    if "net_migration: log" in extra:  # the same indicator given a transform in the tree too
        text = text.replace("net_migration: null", "net_migration: {transform: log10}")
    if not extra:  # a transform given to a block
        text = text.replace("  index:\n", "  index:\n    transform: log\n")
    english = client.post("/api/assess", json={"spec": text})
    assert english.status_code == 422
    assert english.json()["detail"].startswith(f"spec: {path}: ")  # the CLI's English sentence
    for lang, words in (("ru", ru), ("kk", kk)):
        res = client.post("/api/assess", params={"lang": lang}, json={"spec": text})
        assert res.status_code == 422, res.text
        detail = res.json()["detail"]
        assert detail.startswith(f"{path}: ") and words in detail, detail
        for fact in facts:
            assert fact in detail, (fact, detail)
        rest = detail.removeprefix(f"{path}: ")
        assert latin_words(rest, SPEC_WORDS | {"zz", "unemployment_rate", "net_migration", "low"}) == [], detail


#: Synthetic row: the KATO code of Akzhar district beside the name of Aiyrtau district (same region).
MISMATCH = "kato,unit,indicator,year,value\n593400000,Айыртауский район,unemployment_rate,2021,4.5\n".encode()


@pytest.mark.parametrize(("lang", "words"), [
    ("ru", "mismatch.csv, строка 2, столбец «kato»: найдено '593400000', ожидалось: код КАТО единицы, названной в "
           "столбце «unit» («Айыртауский район» — это Айыртауский район [593200000]"),
    ("kk", "mismatch.csv, 2-жол, «kato» бағаны: табылғаны '593400000', күтілгені: «unit» бағанында аталған "
           "бірліктің ҚАТО коды («Айыртауский район» — бұл Айыртауский район [593200000]"),
])
def test_a_kato_code_naming_another_unit_is_worded_in_the_page_language(client, lang, words, latin_words):
    res = client.post("/api/import", params={"lang": lang}, files={"file": ("mismatch.csv", MISMATCH, "text/csv")})
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert words in detail, detail
    assert "Акжарский район [593400000]" in detail  # the unit the code is
    assert latin_words(detail, {"mismatch", "csv", "kato", "unit"}) == [], detail
    english = client.post("/api/import", files={"file": ("mismatch.csv", MISMATCH, "text/csv")}).json()["detail"]
    assert "expected the KATO code of the unit named in column 'unit'" in english


def _wide_workbook(rows: int, *, lie: bool = False, zeros: int = 0) -> bytes:
    """Synthetic: a cell in column A and one in XFD per row (``lie`` rewrites the stored dimension to A1);
    ``zeros`` bytes of zeros in an extra member (a small zip bomb)."""
    import io
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    for i in range(1, rows + 1):
        book.active.cell(row=i, column=1, value="a")
        book.active.cell(row=i, column=16384, value=1)
    buffer, out = io.BytesIO(), io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if lie and info.filename.startswith("xl/worksheets/"):
                data = data.replace(f'<dimension ref="A1:XFD{rows}"'.encode(), b'<dimension ref="A1"')
            dst.writestr(info, data)
        if zeros:
            dst.writestr("xl/media/zeros.bin", b"\0" * zeros)
    return out.getvalue()


NBSP = "\u00a0"


@pytest.mark.parametrize(("lang", "bomb", "dimension", "counted"), [
    ("ru", ("найдено 2" + NBSP, " байт в распакованном виде, ожидалось: книга, которая в распакованном виде "
            "занимает не больше 1" + NBSP + "000" + NBSP + "000 байт"),
     ("найдено xl/worksheets/sheet1.xml: диапазон A1:XFD200 (строк: 200, столбцов: 16" + NBSP + "384), ожидалось: "
      "лист не больше чем из 2" + NBSP + "000" + NBSP + "000 ячеек",),
     ("big.xlsx, лист «Sheet», строка 7: найдено ячеек в строках 1–7: 114" + NBSP + "688, ожидалось: лист не "
      "больше чем из 100" + NBSP + "000 ячеек",)),
    ("kk", ("табылғаны ашылған көлемі 2" + NBSP, " байт, күтілгені: ашылған көлемі 1" + NBSP + "000" + NBSP
            + "000 байттан аспайтын кітап"),
     ("табылғаны xl/worksheets/sheet1.xml: A1:XFD200 ауқымы (200 жол × 16" + NBSP + "384 баған), күтілгені: 2"
      + NBSP + "000" + NBSP + "000 ұяшықтан аспайтын парақ",),
     ("big.xlsx, «Sheet» парағы, 7-жол: табылғаны 1–7 жолдарында 114" + NBSP + "688 ұяшық, күтілгені: 100"
      + NBSP + "000 ұяшықтан аспайтын парақ",)),
])
def test_workbook_size_guards_write_numbers_and_units_in_the_page_language(client, monkeypatch, lang, bomb,
                                                                          dimension, counted, latin_words):
    from territoria.ingest import tables

    def refused(data: bytes) -> str:
        res = client.post("/api/import", params={"lang": lang}, files={"file": ("big.xlsx", data)})
        assert res.status_code == 422, res.text
        return res.json()["detail"]

    monkeypatch.setattr(tables, "XLSX_MAX_UNPACKED", 1_000_000)
    texts = [refused(_wide_workbook(2, zeros=2_000_000))]
    monkeypatch.undo()
    texts.append(refused(_wide_workbook(200)))  # 200 × 16,384 cells: past the real limit of 2,000,000
    monkeypatch.setattr(tables, "XLSX_MAX_CELLS", 100_000)
    texts.append(refused(_wide_workbook(10, lie=True)))  # counted as read: the stored dimension lies
    for text, parts in zip(texts, (bomb, dimension, counted), strict=True):
        for part in parts:
            assert part in text, (part, text)
        assert latin_words(text, {"big", "xlsx", "xl", "worksheets", "sheet", "xml", "XFD", "Sheet"}) == [], text


@pytest.mark.parametrize(("lang", "words"), [
    ("ru", "тело запроса слишком велико: заявлено 100" + NBSP + "000 байт (Content-Length), предел — 85" + NBSP
     + "536 байт"),
    ("kk", "сұраныс денесі тым үлкен: мәлімделгені 100" + NBSP + "000 байт (Content-Length), шегі — 85" + NBSP
     + "536 байт"),
])
def test_a_body_past_the_limit_is_refused_in_the_page_language(client, lang, words, latin_words):
    # the application's limit is 20 000 bytes of file plus 65 536 of multipart envelope
    res = client.post("/api/import", params={"lang": lang}, content=b"x" * 100_000,
                      headers={"content-type": "multipart/form-data; boundary=XX"})
    assert res.status_code == 413
    detail = res.json()["detail"]
    assert detail.startswith(words), detail
    assert latin_words(detail, {"Content", "Length"}) == [], detail
    english = client.post("/api/import", content=b"x" * 100_000,
                          headers={"content-type": "multipart/form-data; boundary=XX"}).json()["detail"]
    assert english.startswith("request body too large: Content-Length is 100,000 bytes, the limit is 85,536 bytes")


ISO = re.compile(r"\d{4}-\d\d-\d\d")


def test_monitoring_tables_give_their_times_in_the_page_language(client, web_db, latin_words):
    from territoria.report.messages import Translator
    from territoria.report.moments import moment
    from territoria.store import Store
    from territoria.store import measures as ms

    with Store(web_db) as store:  # a synthetic target on a real unit and indicator, and a synthetic warning
        ms.add_measure(store, unit="595220100", mechanism="support_centres", indicator="unemployment_rate",
                       target_value=5.0, start_year=2016, deadline_year=2025)
        ms.record_warnings(store, pd.DataFrame({"unit": ["590000000"], "kind": ["level_down"], "year": [2023],
                                                "detail": ["level fell from stable (2022) to depressive (2023)"]}))
    assert client.post("/api/monitoring/evaluate").status_code == 200
    for lang in ("ru", "kk"):
        board = client.get("/api/monitoring", params={"lang": lang}).json()
        for name, column in (("measures", "evaluated_at"), ("warnings", "raised_at")):
            table = board[name]
            i = table["columns"].index(column)
            assert table["columns"][i + 1] == f"{column}_text"  # the worded twin beside the ISO value
            assert table["headers"][i + 1] == table["headers"][i] == Translator(lang).header(column)
            for row in table["rows"]:
                assert row[i + 1] == (None if row[i] is None else moment(row[i], lang))
        for name, column in (("measures", "evaluated_at"), ("warnings", "raised_at")):
            rows = board[name]["rows"]
            i = board[name]["columns"].index(column)
            assert rows and all(ISO.match(r[i]) for r in rows)  # the API keeps ISO for clients
            texts = [r[i + 1] for r in rows]
            assert all(t and not ISO.search(t) and not latin_words(t, {"UTC"}) for t in texts), texts
    assert Translator("en").header("raised_at_text") == "Raised"


BULLETIN = (__import__("pathlib").Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
            / "bns_population_by_sex_and_area_2023-01-01.xlsx")


@pytest.fixture(scope="module")
def bulletin() -> bytes:
    """The REAL BNS bulletin of 1 January 2023 (tests/ingest/fixtures, with its citation), cut by the test to
    its sheets 02 and 03 and their first rows (so that it uploads and reads fast); its totals no longer add up."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(BULLETIN)
    for name in list(book.sheetnames):
        if name not in ("02", "03"):
            del book[name]
    for name, keep in (("02", 15), ("03", 12)):
        book[name].delete_rows(keep + 1, book[name].max_row - keep)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _altered(data: bytes, cells: dict[tuple[int, int], object]) -> bytes:
    """``data`` with cells of sheet 02 ALTERED by the test."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    for (row, column), value in cells.items():
        book["02"].cell(row, column).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BULLETIN_WORDS = {
    "ru": {"sum": "b.xlsx, лист «02», строка 7, столбец «B»: найдено 19765004.0, ожидалось: «все население»: сумма "
                   "его строк вида «область» (строк: 1) — 610" + NBSP + "189",
            "twice": "ожидалось: одна строка на название в составе 100000000 (это название есть и в строке 12); "
                     "единица вида «район» указана в таблице дважды",
            "identity": "строка 12, столбец «B»: найдено 14059.0, ожидалось: «все население» = «все население > "
                        "мужчины» + «все население > женщины» = 14" + NBSP + "058",
            "region": "найдено 'Жаңа облыс', ожидалось: ровно одна единица КАТО вида «область» с таким названием в "
                      "составе KZ (не найдено ни одной)",
            "date": "ожидалось: дата, на которую даны сведения, в заголовке (например, «на 1 января 2023 года»)",
            "layout": "строка 6, столбец «H»: найдено 'все население > лесное население', ожидалось: заголовок профиля "
                      "bns_population_sex_area (все население; все население > мужчины;"},
    "kk": {"sum": "b.xlsx, «02» парағы, 7-жол, «B» бағаны: табылғаны 19765004.0, күтілгені: «все население»: оның "
                   "«облыс» түріндегі 1 жолының қосындысы (610" + NBSP + "189)",
            "twice": "күтілгені: 100000000 құрамында бір атауға бір жол (бұл атау 12-жолда да бар); кестеде «аудан» "
                     "түріндегі бірлік екі рет көрсетілген",
            "identity": "12-жол, «B» бағаны: табылғаны 14059.0, күтілгені: «все население» = «все население > "
                        "мужчины» + «все население > женщины» = 14" + NBSP + "058",
            "region": "табылғаны 'Жаңа облыс', күтілгені: KZ құрамында осы атаумен «облыс» түріндегі дәл бір ҚАТО "
                      "бірлігі (бірде-біреуі табылмады)",
            "date": "күтілгені: тақырыптағы деректер күні (мысалы, «на 1 января 2023 года»)",
            "layout": "6-жол, «H» бағаны: табылғаны 'все население > лесное население', күтілгені: "
                      "bns_population_sex_area профилінің тақырыбы (все население; все население > мужчины;"},
}


@pytest.mark.parametrize("lang", ["ru", "kk"])
@pytest.mark.parametrize(("case", "cells"), [
    ("sum", {}),  # cut short, so the country's total is not the sum of its regions
    ("twice", {(13, 1): "Абай ауданы"}),
    ("identity", {(12, 2): 14059}),  # Abai district: one person more than male + female
    ("region", {(9, 1): "Жаңа облыс"}),  # a region the classifier does not have
    ("date", {(1, 1): "Численность населения Республики Казахстан по областям"}),  # no reference date
    ("layout", {(5, 8): "лесное население"}),  # a column the profile does not know
])
def test_a_bns_bulletin_upload_is_refused_in_the_page_language(client, bulletin, case, cells, lang, latin_words):
    data = _altered(bulletin, cells) if cells else bulletin
    res = client.post("/api/import", params={"lang": lang}, files={"file": ("b.xlsx", data)})
    assert res.status_code == 422, res.text
    detail = res.json()["detail"]
    assert BULLETIN_WORDS[lang][case] in detail, detail
    assert latin_words(detail, {"b", "xlsx", "KZ", "bns_population_sex_area", "curated_matches"}) == [], detail
    if case == "twice":  # the CLI's and the API's English
        english = client.post("/api/import", files={"file": ("b.xlsx", data)}).json()["detail"]
        assert "expected one row per name under 100000000 (also row 12); the table lists this district twice" in english


def test_the_message_codes_are_documented():
    """docs/web.md lists every ``error.*`` code of the catalogues with its parameters."""
    from pathlib import Path

    from territoria.report.messages import PLACEHOLDER, messages

    doc = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    rows = {m[1]: m[2] for m in re.finditer(r"^\| `(error\.[\w.]+)` \| ([^|]*) \|", doc, flags=re.M)}
    codes = [k for k in messages("en")["messages"] if k.startswith("error.")]
    assert sorted(rows) == sorted(codes)
    for code in codes:
        entry = messages("en")["messages"][code]
        texts = [entry] if isinstance(entry, str) else re.findall(r"'[^']*'|\"[^\"]*\"", str(entry))
        for name in {g[0] for t in texts for g in PLACEHOLDER.findall(t)}:
            assert f"`{name}`" in rows[code], (code, name)
