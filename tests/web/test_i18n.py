"""Every page and report in Russian and Kazakh shows no English label (bundled real data).

The English strings looked for are built from the English message catalogue (messages split at their
placeholders, terms, headers, citations) and the English interface words; a second, broader check looks
for any Latin word of four or more letters outside the allowed proper names and codes. The measure of
the monitoring board is synthetic.
"""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from territoria.report.i18n import words
from territoria.report.messages import PLACEHOLDER, Translator, catalogue_strings, number

MAMLYUTKA, BULAEVO, AKZHAR, NKO = "595220100", "593620100", "593400000", "590000000"
#: Proper names, references and codes a Russian or Kazakh page may show in Latin letters.
ALLOWED = {"Turkeeva", "Omarov", "Abilkaiyr", "Orynbet", "Imangali", "Natural", "Earth", "Territoria", "territoria",
           "sources", "monitor", "Mann", "Kendall", "Plotly", "XLSX", "YAML", "HTML",  # names, CLI commands, formats
           "Excel", "LibreOffice",  # programs a refusal tells the reader to open a file in
           "geokz", "Rodionov", "geoBoundaries", "Runfola"}  # credits of the boundaries on the maps


def _english() -> list[re.Pattern[str]]:
    pieces = set(catalogue_strings("en"))
    for text in words("en").values():
        pieces |= {p.strip(" ();:,.[]") for p in PLACEHOLDER.split(text)[::3]}
    pieces = {p for p in pieces if re.search(r"[A-Za-z]{4,}", p) and p not in ALLOWED and p != "Territoria"}
    return [re.compile(rf"(?<![\w]){re.escape(p)}(?![\w])") for p in sorted(pieces)]


ENGLISH = _english()


def _figure_texts(fig: dict | None) -> list[str]:
    if not fig:
        return []
    out = []
    for trace in fig.get("data", []):
        out.append(str(trace.get("name") or ""))
        for key in ("theta", "x") if trace.get("type") in ("scatterpolar", "bar") else ():
            out += [str(v) for v in trace.get(key) or []]
        out.append(re.sub(r"%\{[^}]*\}|<[^>]+>", " ", str(trace.get("hovertemplate") or "")))
    layout = fig.get("layout", {})
    for axis in ("xaxis", "yaxis"):
        title = (layout.get(axis) or {}).get("title")
        out.append(str(title.get("text") if isinstance(title, dict) else title or ""))
    out += [str(a.get("text") or "") for a in layout.get("annotations", [])]
    return out


def _table_texts(table: dict | None, skip: tuple[str, ...] = ("unit", "code")) -> list[str]:
    if not table:
        return []
    out = list(table.get("headers") or table["columns"])
    keep = [i for i, c in enumerate(table["columns"]) if c not in skip]
    out += [str(row[i]) for row in table["rows"] for i in keep if isinstance(row[i], str)]
    return out


def _doc_texts(doc: dict) -> list[str]:
    out = [doc["title"], doc["subtitle"]]
    for s in doc["sections"]:
        out += [s["title"], *s["text"], *_table_texts(s["table"]), *_figure_texts(s["figure"])]
    return out


def _visible_html(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    # the language menu names English in English, marked lang="en": not a label left untranslated
    html = re.sub(r'<(option|a)\b[^>]*\slang="en"[^>]*>[^<]*</\1>', " ", html)
    html = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _problems(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        text = PLACEHOLDER.sub(" ", text)
        for pattern in ENGLISH:
            if pattern.search(text):
                found.append(f"{pattern.pattern!r} in {text[:160]!r}")
        for word in re.findall(r"(?<![\w/.])[A-Za-z]{4,}(?![\w/])", text):
            if word not in ALLOWED:
                found.append(f"Latin word {word!r} in {text[:160]!r}")
    return found


@pytest.fixture(scope="module")
def board(web_db, client):
    """A synthetic adopted measure on Mamlyutka, evaluated once from the web."""
    from territoria.store import Store
    from territoria.store import measures as ms

    with Store(web_db) as store:
        ms.add_measure(store, unit=MAMLYUTKA, mechanism="support_centres", indicator="unemployment_rate",
                       target_value=5.0, start_year=2016, deadline_year=2025)
    assert client.post("/api/monitoring/evaluate").status_code == 200


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_api_documents_have_no_english_label(client, board, lang):
    texts: list[str] = []
    texts += _doc_texts(client.get("/api/ranking", params={"lang": lang}).json())
    texts += _doc_texts(client.get("/api/ranking", params={"lang": lang, "scope": NKO}).json())
    for code in (MAMLYUTKA, AKZHAR, NKO):  # a town, a district, a region
        texts += _doc_texts(client.get(f"/api/units/{code}/profile", params={"lang": lang}).json())
    cmp = client.get("/api/compare", params=[("units", MAMLYUTKA), ("units", BULAEVO), ("lang", lang)]).json()
    texts += _table_texts(cmp["table"]) + _figure_texts(cmp["figure"])
    mon = client.get("/api/monitoring", params={"lang": lang}).json()
    texts += _table_texts(mon["measures"], skip=("unit", "mechanism")) + _table_texts(mon["warnings"])
    texts += _table_texts(mon["last_evaluation"]["changes"])
    texts += list(client.get("/api/words", params={"lang": lang}).json().values())
    assert len(texts) > 300
    problems = _problems(texts)
    assert problems == [], problems[:10]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_pages_and_report_files_have_no_english_label(client, lang):
    texts = []
    for path in ("/", f"/unit/{MAMLYUTKA}", "/compare", "/upload", "/assess", "/monitor"):
        page = client.get(path, params={"lang": lang})
        assert page.status_code == 200
        texts.append(_visible_html(page.text))
    for path in (f"/api/units/{MAMLYUTKA}/report.html", "/api/ranking/report.html"):
        texts.append(_visible_html(client.get(path, params={"lang": lang}).text))
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/api/units/{BULAEVO}/report.xlsx",
                                                        params={"lang": lang}).content))
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        skip = {i for i, h in enumerate(header) if h in (Translator(lang).header("code"),)}
        texts += [str(c.value) for row in sheet.iter_rows() for i, c in enumerate(row)
                  if isinstance(c.value, str) and i not in skip]
    problems = _problems(texts)
    assert problems == [], problems[:10]


def test_catalogue_strings_catch_english():
    """The check is not vacuous: the English catalogue's words are found in an English page."""
    tr = Translator("en")
    text = tr({"code": "status.fell", "params": {"indicator": "net_migration", "n": 2,
                                                 "path": [[2019, -31.0], [2020, -36.0]]}})
    assert text == "Net migration (migration balance) fell in each of the last 2 year(s): 2019 −31 → 2020 −36"
    assert _problems([text, "Level", "crisis"])


def test_messages_with_numbers_hand_checked():
    change = {"code": "status.change_pct", "params": {"indicator": "population_reported", "pct": -4.21, "y0": 2015,
                                                      "x0": 7027.0, "y1": 2020, "x1": 6731.0, "op": "lt",
                                                      "threshold": 0.0}}
    assert Translator("ru")(change) == ("Численность населения (дата не указана): изменение на −4,21 % с 2015 г. "
                                        "(7\u00a0027) по 2020 г. (6\u00a0731); правило < 0")
    assert Translator("kk")(change) == ("Халық саны (күні көрсетілмеген): 2015 жылдан (7\u00a0027) 2020 жылға "
                                        "(6\u00a0731) дейін −4,21 % өзгерді; ереже < 0")
    assert Translator("en")(change) == ("Population size (reference date not stated) changed −4.21 % from 2015 "
                                        "(7,027) to 2020 (6,731); rule < 0")
    flag = {"code": "risk.national", "params": {
        "indicator": "unemployment_rate", "year": 2020, "value": 5.8, "unit": {"en": "%", "ru": "%", "kk": "%"},
        "held": True, "op": "gt", "threshold": 4.9, "factor": 1.0, "reference_value": 4.9, "reference_year": 2020,
        "ratio": 1.18}}
    assert Translator("ru")(flag) == ("Уровень безработицы, %, 2020 г.: 5,8 % > 4,9 (значение по стране 4,9 за "
                                      "2020 г.; 1,18 от уровня страны)")
    wage = {"code": "risk.national", "params": {
        "indicator": "avg_monthly_nominal_wage", "year": 2020, "value": 132383.0,
        "unit": {"en": "tenge per month", "ru": "тенге в месяц", "kk": "tenge per month"}, "held": False,
        "op": "lt", "threshold": 200736.8, "factor": 0.8, "reference_value": 250921.0, "reference_year": 2020,
        "ratio": 0.53}}
    assert Translator("kk")(wage) == ("Бір қызметкердің орташа айлық номиналды жалақысы, 2020 жыл: 132\u00a0383 "
                                      "айына теңге, < 200\u00a0736,8 шарты орындалмайды (0,8 × ел бойынша мәні "
                                      "250\u00a0921, 2020 жыл; ел деңгейінің 0,53 еселігі)")
    assert number(1234567.891, "ru", ",.2f") == "1\u00a0234\u00a0567,89"
    assert number(-0.0633, "kk") == "−0,0633" and number(-0.0633, "en") == "−0.0633"
    assert number(2021, "ru") == "2021"  # years are never grouped
    assert Translator("kk").text("cluster.strongest", {"block": "economic", "sd": 1.26}) == \
        "ең күшті блогы: экономикалық (+1,3 ст. ауытқу)"
    assert Translator("ru").term("level", "crisis") == "кризисный"
    assert Translator("kk").term("level", "depressive") == "депрессивті"
    assert Translator("ru").header("gap_group:border") == "Отклонение от среднего по группе: приграничная территория"


def test_catalogues_have_the_same_keys():
    from territoria.report.messages import messages

    def keys(node, prefix=""):
        if isinstance(node, dict):
            return set().union(*(keys(v, f"{prefix}/{k}") for k, v in node.items())) if node else {prefix}
        return {prefix}

    assert keys(messages("ru")) == keys(messages("en")) == keys(messages("kk"))


BAD_UPLOAD = (b"unit,indicator,year,value\n"          # synthetic rows: each one is wrong in one cell
              b"Mamlyutka,unemployment_rate,2021,n/a7\n"
              b"Mamlyutka,unemployment_rate,1700,4\n"
              b"Mamlyutka,unemployment_rate,2020,400\n")


@pytest.mark.parametrize(("lang", "words"), [
    ("ru", ["bad.csv: проблем: 3; из этого файла ничего не сохранено",
            "bad.csv, строка 2, столбец «value»: найдено 'n/a7', ожидалось: число",
            "bad.csv, строка 3, столбец «year»: найдено '1700', ожидалось: год от 1990 до 2100",
            "bad.csv, строка 4, столбец «value»: найдено '400', ожидалось: значение от 0 до 100 (%)"]),
    ("kk", ["bad.csv: мәселелер саны: 3; бұл файлдан ештеңе сақталмады",
            "bad.csv, 2-жол, «value» бағаны: табылғаны 'n/a7', күтілгені: сан",
            "bad.csv, 3-жол, «year» бағаны: табылғаны '1700', күтілгені: 1990 және 2100 аралығындағы жыл",
            "bad.csv, 4-жол, «value» бағаны: табылғаны '400', күтілгені: 0 және 100 аралығындағы мән (%)"]),
])
def test_a_bad_upload_is_refused_in_the_page_language(client, lang, words):
    res = client.post("/api/import", params={"lang": lang}, files={"file": ("bad.csv", BAD_UPLOAD, "text/csv")})
    assert res.status_code == 422
    detail = res.json()["detail"]
    for line in words:
        assert line in detail
    for fact in ("'n/a7'", "«value»", "«year»"):  # the file's own cells and headers, quoted as found
        detail = detail.replace(fact, "")
    assert _problems([detail]) == []
    english = client.post("/api/import", files={"file": ("bad.csv", BAD_UPLOAD, "text/csv")}).json()["detail"]
    assert "bad.csv, row 3, column 'year': found '1700', expected a year between 1990 and 2100" in english


@pytest.mark.parametrize(("lang", "expected"), [
    ("ru", ["year: ожидается целое число; получено 'abc'", "nam: неизвестный ключ (проверьте написание",
            "спецификация: неверный YAML: строка 2, позиция 1",
            "tree[3]: у 1 из 2 показателей спецификации здесь нет данных: net_migr_x"]),
    ("kk", ["year: бүтін сан күтіледі; алынғаны 'abc'", "nam: белгісіз кілт (жазылуын тексеріңіз",
            "спецификация: жарамсыз YAML: 2-жол, 1-позиция",
            "tree[3]: спецификацияның 2 көрсеткішінің 1-інде мұнда деректер жоқ: net_migr_x"]),
])
def test_a_bad_spec_is_refused_in_the_page_language(client, lang, expected):
    from pathlib import Path

    spec = (Path(__file__).resolve().parents[1] / "fixtures" / "district_test_spec_2023.yaml").read_text("utf-8")
    details = []
    for text in (spec.replace("year: 2023", "year: abc"), spec.replace("name: test_districts", "nam: x"),
                 "tree: [\n", spec.replace("net_migration_per_1000", "net_migr_x")):
        res = client.post("/api/assess", params={"lang": lang}, json={"spec": text})
        assert res.status_code == 422
        details.append(res.json()["detail"])
    for detail, want in zip(details, expected, strict=True):
        assert detail.startswith(want), detail
    # past the key path (the spec's own keys, as written) and the value found
    assert _problems([d.split(": ", 1)[1].replace("'abc'", "") for d in details]) == []


def test_measure_refusals_have_no_english(client):
    body = {"unit": MAMLYUTKA, "mechanism": "support_centres", "start_year": 2010, "targets": [
        {"indicator": "avg_monthly_nominal_wage", "value": 1, "unit": "%", "deadline_year": 2009}]}
    for lang in ("ru", "kk"):
        res = client.post("/api/monitoring/measures", params={"lang": lang}, json=body)
        assert res.status_code == 422
        messages = [e["message"] for e in res.json()["errors"]]
        assert len(messages) == 3  # unit of the target, deadline, no baseline before 2010
        assert _problems(messages) == [], messages


def test_upload_and_role_refusals_in_the_page_language(client, app, web_auth, tokens):
    def detail(res, status):
        assert res.status_code == status, res.text
        return res.json()["detail"]

    kk = detail(client.post("/api/import", params={"lang": "kk"}, files={"file": ("d.xls", b"x", "text/plain")}), 422)
    assert kk == "d.xls: «.xls» файл түріне қолдау көрсетілмейді; .csv немесе .xlsx пайдаланыңыз"
    ru = detail(client.post("/api/import", params={"lang": "ru"}, files={"file": ("d.csv", b"", "text/csv")}), 422)
    assert ru == "d.csv: файл пуст"
    big = detail(client.post("/api/import", params={"lang": "ru"},
                             files={"file": ("d.csv", b"1" * 20_001, "text/csv")}), 413)
    assert big == "d.csv: больше допустимого размера (20\u00a0000 байт)"
    english = detail(client.post("/api/import", files={"file": ("d.csv", b"", "text/csv")}), 422)
    assert english == "d.csv: the file is empty"
    with web_auth.make_client(app, token=tokens["viewer"]) as viewer:
        refused = detail(viewer.post("/api/monitoring/evaluate", params={"lang": "kk"}), 403)
    assert refused == "viewer1 пайдаланушысы (қарау) мұны істей алмайды; қажетті рөл: талдаушы немесе әкімші"
    assert _problems([kk, ru, big, refused.replace("viewer1", "")]) == []


#: HTTP's own names, quoted as facts in the multipart refusals
HTTP_NAMES = ("multipart/form-data", "Content-Type", "boundary", "text/plain", "«file»")


@pytest.mark.parametrize(("lang", "want"), [
    ("ru", ["ожидалось тело multipart/form-data с одной файловой частью «file»; получен Content-Type «text/plain»",
            "в заголовке Content-Type загрузки нет параметра boundary",
            "загрузка оборвалась: закрывающая граница «--XX--» не пришла"]),
    ("kk", ["«file» деп аталған бір файл бөлігі бар multipart/form-data денесі күтілді; алынған Content-Type: "
            "«text/plain»", "жүктеудің Content-Type тақырыбында boundary параметрі жоқ",
            "жүктеу үзіліп қалды: «--XX--» жабу шекарасы келмеді"]),
])
def test_multipart_refusals_in_the_page_language(client, lang, want):
    truncated = b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc'
    sent = [(b"x", "text/plain", 415), (b"x", "multipart/form-data", 400),
            (truncated, "multipart/form-data; boundary=XX", 400)]
    details = []
    for body, kind, status in sent:
        res = client.post("/api/import", params={"lang": lang}, content=body, headers={"content-type": kind})
        assert res.status_code == status, res.text
        details.append(res.json()["detail"])
    for detail, line in zip(details, want, strict=True):
        assert detail.startswith(line), detail
    bare = list(details)
    for name in HTTP_NAMES:
        bare = [d.replace(name, "") for d in bare]
    assert _problems(bare) == []
    english = client.post("/api/import", content=b"x", headers={"content-type": "text/plain"}).json()["detail"]
    assert english == ("expected a multipart/form-data body with one file part named 'file'; "
                       "got Content-Type 'text/plain'")


def test_pdf_busy_and_store_locked_in_the_page_language():
    from territoria.web.refusals import Refusal, refusal_detail
    from territoria.web.render_pool import RenderPool

    pool = RenderPool(workers=1, queue=0, timeout=5)
    pool.pending = 1  # the one printer is taken
    with pytest.raises(Refusal) as busy:
        pool.render(lambda *, timeout: None)
    assert busy.value.status_code == 503 and busy.value.headers == {"Retry-After": "10"}
    assert refusal_detail(busy.value, "ru") == ("PDF-отчёты: печатается 1, в очереди 0; повторите чуть позже "
                                                "(HTML- и XLSX-отчёты не ограничены)")
    assert refusal_detail(busy.value, "kk").startswith("PDF есептері: 1 басылып жатыр, 0 кезекте;")
    assert refusal_detail(busy.value, None).startswith("PDF reports: 1 being printed and 0 waiting")
    with pytest.raises(Refusal) as failed:
        RenderPool(workers=1, queue=0, timeout=2.5).render(_chromium_failed)
    assert refusal_detail(failed.value, "ru").startswith("PDF-отчёты: отчёт не напечатан за 2,5 с или Chromium")
    locked = Refusal(503, "locked", "error.web.store_locked", seconds=30.0)  # as StoreContext raises it
    assert refusal_detail(locked, "kk").startswith("деректер қоймасын басқа процесс бұғаттаған (импорт жүріп жатыр "
                                                   "ма?) және ол 30 с бойы")
    texts = [refusal_detail(e, lang) for e in (busy.value, failed.value, locked) for lang in ("ru", "kk")]
    assert _problems([t.replace("Chromium", "") for t in texts]) == []


def _chromium_failed(*, timeout):
    from territoria.errors import TerritoriaError

    raise TerritoriaError("chromium wrote nothing")  # synthetic: what render.to_pdf raises on a failed print


def test_every_web_refusal_and_yaml_message_is_translated():
    """Each ``error.web.*`` and ``error.yaml*`` message, filled, reads without English in ru and kk."""
    from territoria.report.messages import messages

    codes = [k for k in messages("en")["messages"] if k.startswith(("error.web.", "error.yaml"))]
    assert len(codes) >= 20
    params = {"name": "'a.csv'", "label": "a.csv", "suffix": ".xls", "limit": 255, "n": 2, "codes": "1",
              "field": "«file»", "content_type": "—", "boundary": "XX", "closing": "--XX--", "names": "—",
              "plain": True, "workers": 2, "queue": 4, "seconds": 60.0, "line": 3, "column": 5, "key": "weight",
              "first_line": 2, "problem": ""}
    for lang in ("ru", "kk"):
        tr = Translator(lang)
        texts = [tr.text(code, params) for code in codes]
        assert all("{" not in t for t in texts), texts
        for name in HTTP_NAMES:
            texts = [t.replace(name, "") for t in texts]
        assert _problems([t.replace("Chromium", "").replace("'a.csv'", "").replace("weight", "") for t in texts]) == []


@pytest.mark.parametrize(("text", "ru", "kk"), [
    ("tree:\n  a: 1\n b: 2\n", "строка 3, позиция 2: отступ не согласуется", "3-жол, 2-позиция: шегініс"),
    ("name: 'x\nyear: 2\n", "строка 1, позиция 7: открытая здесь кавычка не закрыта",
     "1-жол, 7-позиция: осында ашылған тырнақша жабылмаған"),
    ("weight: 1\nyear: 2\nweight: 2\n", "строка 3, позиция 1: ключ «weight» задан дважды (впервые в строке 1)",
     "3-жол, 1-позиция: «weight» кілті екі рет берілген (алғаш 1-жолда)"),
    # the mapping is level 1, so the 100th bracket (column 3 + 100) opens level 101
    ("a: " + "[" * 120, "строка 1, позиция 103: вложенность глубже 100 уровней",
     "1-жол, 103-позиция: 100 деңгейден терең кірістірілген"),
])
def test_yaml_mistakes_are_worded_with_line_and_column(text, ru, kk):
    from territoria.errors import SpecError
    from territoria.report.error_text import error_text
    from territoria.yamlfile import parse_yaml

    with pytest.raises(SpecError) as exc:
        parse_yaml(text, file="s.yaml")
    worded = {lang: error_text(exc.value, lang) for lang in ("ru", "kk")}
    assert worded["ru"].startswith(f"s.yaml: спецификация: неверный YAML: {ru}"), worded["ru"]
    assert worded["kk"].startswith(f"s.yaml: спецификация: жарамсыз YAML: {kk}"), worded["kk"]
    assert _problems([w.replace("s.yaml", "").replace("weight", "") for w in worded.values()]) == []
    assert str(exc.value).startswith("s.yaml: <file>: not valid YAML: ")  # the CLI keeps the English


def test_the_weakest_points_are_separated_in_every_language(client):
    import pandas as pd

    from territoria.report.document import overview_section

    # synthetic gaps of three catalogue indicators; the rest of the profile left empty
    weak = pd.DataFrame({"code": ["unemployment_rate", "net_migration", "population_reported"],
                         "gap_national": [-12.04, -3.0, 0.5]})
    p = {"assessment": None, "status": {"status": "insufficient_data"}, "weak": weak,
         "mechanisms": pd.DataFrame({"horizon": [], "name": [], "years": []}), "notes": []}
    for lang, head, first in (
            ("en", "Three weakest points",
             "Unemployment rate, % of labour force (−12.0 points against the national mean);\n"),
            ("ru", "Три самых слабых места", "Уровень безработицы, % (−12,0 балла к среднему по стране);\n"),
            ("kk", "Ең әлсіз үш тұсы", "Жұмыссыздық деңгейі, % (ел бойынша орташадан −12,0 балл);\n")):
        tr = Translator(lang)
        table = overview_section(p, tr, tr.catalogue).table
        cell = dict(zip(table["item"], table["value"], strict=True))[head]
        assert cell.startswith(first) and cell.count(";\n") == 2 and not cell.endswith(";"), cell
    # the bundled profile in HTML (and the PDF printed from it), as test_pages_and_report_files fetches it
    html = client.get(f"/api/units/{MAMLYUTKA}/report.html", params={"lang": "kk"}).text
    cell = re.search(r"<td>Ең әлсіз үш тұсы</td><td>(.*?)</td>", html, flags=re.S)
    assert cell is not None and cell.group(1).count(";\n") == 2, html[:200]


def test_moments_hand_checked():
    from territoria.report.moments import moment

    at = "2026-12-07T18:02:41+05:00"  # Astana time, shown in UTC
    assert moment(at, "en") == "7 December 2026, 13:02 UTC"
    assert moment(at, "ru") == "7 декабря 2026 г., 13:02 UTC"
    assert moment(at, "kk") == "2026 жылғы 7 желтоқсан, 13:02 UTC"
    assert moment("2025-05-01T09:05:00", "ru") == "1 мая 2025 г., 09:05"  # a naive time names no zone
    with pytest.raises(ValueError, match="not a date and time: 'yesterday'"):
        moment("yesterday", "kk")


def test_last_evaluated_is_a_date_in_the_page_language(client, board):
    from territoria.report.moments import moment

    for lang in ("ru", "kk"):
        last = client.get("/api/monitoring", params={"lang": lang}).json()["last_evaluation"]
        assert last["evaluated_at_text"] == moment(last["evaluated_at"], lang)
        assert not re.search(r"\d{4}-\d\d-\d\d", last["evaluated_at_text"])
        assert _problems([last["evaluated_at_text"]]) == []


def test_an_ambiguous_unit_name_is_refused_in_the_page_language(client):
    body = ("unit,indicator,year,value\n"  # synthetic values; the name is a real district of two regions
            "Есильский район,unemployment_rate,2021,5\nЕсильский район,unemployment_rate,2020,5\n").encode()
    places = ("Есильский район [114800000] (Акмолинская область); Есильский район [594200000] "
              "(Северо-Казахстанская область)")
    for lang, want in (("ru", f"так называются 2 (варианты: {places}); добавьте столбец области"),
                       ("kk", f"бұл атау 2 бірлікте бар (нұсқалар: {places}); облыс бағанын қосыңыз")):
        res = client.post("/api/import", params={"lang": lang}, files={"file": ("amb.csv", body, "text/csv")})
        assert res.status_code == 422
        detail = res.json()["detail"]
        assert want in detail and detail.rstrip().endswith(" 3" if lang == "ru" else "3 жолдарында"), detail
        assert _problems([detail.replace("amb.csv", "").replace("«unit»", "")]) == []  # the file's own header


def test_an_uncalculated_formula_is_refused_in_the_page_language(client):
    book = openpyxl.Workbook()  # openpyxl stores no formula results: the case of a program that does not calculate
    book.active.title = "data"
    book.active.append(["unit", "indicator", "year", "value"])
    book.active.append([MAMLYUTKA, "unemployment_rate", 2020, "=1+2"])
    data = io.BytesIO()
    book.save(data)
    for lang, want in (("ru", "f.xlsx, лист «data», строка 2, столбец «D»: найдено '=1+2', ожидалось: значение; "
                              "в ячейке формула"),
                       ("kk", "f.xlsx, «data» парағы, 2-жол, «D» бағаны: табылғаны '=1+2', күтілгені: мән; бұл "
                              "ұяшықта нәтижесі файлда сақталмаған формула бар")):
        res = client.post("/api/import", params={"lang": lang}, files={"file": ("f.xlsx", data.getvalue(), "x")})
        assert res.status_code == 422
        detail = res.json()["detail"]
        assert want in detail, detail
        assert _problems([detail.replace("f.xlsx", "").replace("«data»", "")]) == []
