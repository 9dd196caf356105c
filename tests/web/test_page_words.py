"""The words the language pass of issue 23 moved into the message catalogues (``page.*``), and the pages and
tables they word: the assessment table's grades and scale, the map ranking's code column, the admin page's
tables, the login page's command. Bundled real data; the accounts are the synthetic test accounts."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from territoria.report.messages import messages
from territoria.web.page_words import admin_table, page_words, scale_words

LATIN = re.compile(r"[A-Za-z]{2,}")


def test_every_page_word_exists_in_the_three_languages_and_ru_kk_have_no_english():
    keys = {lang: {k for k in messages(lang)["messages"] if k.startswith("page.")} for lang in ("en", "ru", "kk")}
    assert keys["ru"] == keys["en"] == keys["kk"] and len(keys["en"]) > 40
    for lang in ("ru", "kk"):
        words = page_words(lang)
        # the language menu names each language in itself; PNG is the file format's name
        latin = {k: LATIN.findall(v) for k, v in words.items() if k != "lang.en"}
        assert {k: v for k, v in latin.items() if v and v != ["PNG"]} == {}
        assert words["lang.en"] == "English" and words["lang.kk"] == "Қазақша"


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("relative to national", "ru", "относительно среднего по стране"),
    ("quantiles (5)", "kk", "квантильдер (5)"),
    ("Jenks breaks (4)", "ru", "естественные границы Дженкса (4)"),
    ("fixed thresholds", "en", "fixed thresholds"),
    ("my own scale", "ru", "my own scale"),  # not a scale describe_scale writes: shown as it is
])
def test_scale_words(text, lang, expected):
    assert scale_words(text, lang) == expected


def test_admin_table_words_headers_roles_yes_no_and_actions():
    frame = pd.DataFrame({"name": ["admin1"], "role": ["admin"], "has_password": [True], "action": ["measure.add"],
                          "target": ["595220100 support_centres"], "detail": [None], "odd": ["x.y"]})
    headers, rows = admin_table(frame, "ru", roles={"role_admin": "администратор"})
    assert headers == ["Имя пользователя", "Роль", "Пароль задан", "Действие", "Объект", "Подробности", "odd"]
    assert rows == [["admin1", "администратор", "да", "Принятие меры", "595220100 support_centres", "", "x.y"]]


def test_admin_page_in_kazakh(app, web_auth, tokens):
    with web_auth.make_client(app, token=tokens["admin"]) as c:
        html = c.get("/admin", params={"lang": "kk"}).text
    heads = re.findall(r"<th>([^<]*)</th>", html)
    assert heads[:5] == ["Пайдаланушы аты", "Рөлі", "Құрылған уақыты", "Құпиясөз орнатылған", "Қол жеткізу токендері"]
    assert "<td>әкімші</td>" in html and "<td>иә</td>" in html and "<td>admin</td>" not in html
    assert 'class="table-scroll"' in html  # a wide audit trail scrolls in its own box on a phone


def test_login_page_sets_the_command_as_code_and_names_languages_in_themselves(app, web_auth):
    with web_auth.make_client(app) as c:
        html = c.get("/login", params={"lang": "ru"}).text
    assert "<code>territoria users add ИМЯ --role РОЛЬ</code>" in html
    assert re.findall(r'lang="(\w\w)"[^>]*>([^<]+)</a>', html) == [("ru", "Русский"), ("kk", "Қазақша"),
                                                                   ("en", "English")]


def test_assessment_table_in_russian(client):
    from territoria.interfaces.cli.assess import default_spec_path

    res = client.post("/api/assess", params={"lang": "ru"},
                      json={"spec": default_spec_path().read_text(encoding="utf-8")})
    assert res.status_code == 200, res.text
    table = res.json()["table"]
    assert table["columns"][:2] == ["unit", "name"] and table["columns"][-1] == "scale"  # codes for clients
    assert table["headers"][:3] == ["Код КАТО", "Название", "индекс уязвимости"]
    assert table["headers"][-3:] == ["Место", "Уровень", "Шкала уровней"]
    first = dict(zip(table["columns"], table["rows"][0], strict=True))
    # Mangystau, rank 1 of the 14 regions in 2021, graded developing (as test_api's English run)
    assert (first["unit"], first["rank"], first["level"]) == ("470000000", 1, "развивающийся")
    assert first["scale"] == "относительно среднего по стране"


def test_map_ranking_names_the_code_column(client):
    res = client.get("/api/map", params={"level": "region", "lang": "kk"}).json()
    assert res["ranking"]["headers"][:2] == ["КАТО коды", "Атауы"]
