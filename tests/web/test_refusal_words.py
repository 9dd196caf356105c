"""Refusals the web app words in the page's language (issue 23): spec keys that do not apply, workbook size
guards, a KATO code whose name says another unit, BNS profile workbooks; and the times of the monitoring page.

Each refusal is posted in Russian and in Kazakh; the text must hold its facts (key path, value, limit) and no
Latin word besides the facts and the spec language's own keys. Every table and spec here is a small synthetic
fixture; the Store is the bundled one (real data).
"""

from __future__ import annotations

import re

import pytest

#: Keys and values of the spec language (docs/assessment.md), written as a spec writes them in any language.
SPEC_WORDS = {"zeros", "epsilon", "refuse", "zero", "transforms", "goalposts", "power", "exponent", "cap", "min",
              "max", "log", "normalise", "rank", "minmax", "grade", "none", "quantiles", "jenks", "arithmetic",
              "geometric", "treat", "winsorise", "exclude", "tree", "index", "children", "transform", "aggregate",
              "method"}


def latin_words(text: str, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The Latin words of ``text`` (two letters or more) that are not ``allowed``: what a Russian or Kazakh
    reader would see as English. Key paths, codes and file names are passed in ``allowed`` (or removed)."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w not in allowed]


def test_latin_words_finds_english_and_spares_the_facts():
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
])
def test_a_spec_key_that_does_not_apply_is_worded_in_the_page_language(client, extra, path, facts, ru, kk):
    text = SPEC + extra
    if "net_migration: log" in extra:  # the same indicator given a transform in the tree too
        text = text.replace("net_migration: null", "net_migration: {transform: log10}")
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
def test_a_kato_code_naming_another_unit_is_worded_in_the_page_language(client, lang, words):
    res = client.post("/api/import", params={"lang": lang}, files={"file": ("mismatch.csv", MISMATCH, "text/csv")})
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert words in detail, detail
    assert "Акжарский район [593400000]" in detail  # the unit the code is
    assert latin_words(detail, {"mismatch", "csv", "kato", "unit"}) == [], detail
    english = client.post("/api/import", files={"file": ("mismatch.csv", MISMATCH, "text/csv")}).json()["detail"]
    assert "expected the KATO code of the unit named in column 'unit'" in english
