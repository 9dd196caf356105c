"""Issue 23: errors raised while an assessment runs, and an accepted import's summary and notes, worded in
the page's language (ru, kk) with their facts (key paths, codes, values, counts) kept as found.

The specs and the uploaded tables are small synthetic fixtures (the CSV values are made up for the test and
are not statistics); the Store is a copy of the bundled one (real data).
"""

from __future__ import annotations

import io

import pytest

#: Keys and values of the spec language (docs/assessment.md), written as a spec writes them in any language.
SPEC_WORDS = {"aggregate", "normalise", "minmax", "low", "zeros", "zero", "epsilon", "arithmetic", "geometric",
              "impute", "locf", "years", "mean", "median", "grade", "quantiles", "weight", "sum_to", "units",
              "codes", "exclude", "kinds", "method", "denominate", "indicators", "by", "unemployment_rate",
              "net_migration", "tree", "index", "children", "a", "b"}


TREE = ("tree:\n  index:\n    children:\n      a: {children: {unemployment_rate: null}}\n"
        "      b: {children: {net_migration: null}}\n")
SPEC = "name: run_words_test\nunits: {level: region}\nyear: 2020\n" + TREE


@pytest.mark.parametrize(("extra", "path", "english", "facts", "ru", "kk"), [
    ("aggregate: {method: geometric}\n", None, "uses a geometric mean but", ["«a»", "«unemployment_rate»", "<= 0"],
     "нормируйте на положительный диапазон", "оң ауқымға нормалаңыз"),
    ("units: {level: region, exclude: ['123456789']}\n", "units.exclude[0]", "is not a unit of the data",
     ["«123456789»"], "нет в данных", "деректерде жоқ"),
    ("units: {level: region, kinds: [planet]}\n", "units.kinds[0]", "no unit of kind 'planet'", ["«planet»"],
     "нет ни одной единицы вида", "түріндегі бірде-бір бірлік жоқ"),
    ("impute: {method: locf}\n", "impute.method", "works over years", ["«locf»", "(years)"],
     "работает по годам", "жылдар бойынша жұмыс істейді"),
    # two regions score alike (one high and one low indicator each under min-max): one distinct score
    ("grade: {method: quantiles, k: 5}\nunits: {level: region, codes: ['590000000', '110000000']}\n", None,
     "grade.quantiles: 1 distinct scores for 5 classes", ["grade.quantiles: "],
     "различных значений индекса 1, а классов 5", "әртүрлі мәндері 1, ал кластар 5"),
    ("weight: {sum_to: 2}\n", "tree.index.children.a.children", "but weight.sum_to says 2",
     ["«a»", "(unemployment_rate=1)"], "в сумме дают 1, а weight.sum_to требует 2", "қосындысы 1, ал weight.sum_to"),
])
def test_an_assessment_that_fails_while_running_is_worded_in_the_page_language(client, extra, path, english,
                                                                                facts, ru, kk, latin_words):
    text = SPEC.replace("units: {level: region}\n", "") + extra if "units:" in extra else SPEC + extra
    res = client.post("/api/assess", json={"spec": text})
    assert res.status_code == 422, res.text
    assert english in res.json()["detail"]  # the CLI's English sentence
    for lang, words in (("ru", ru), ("kk", kk)):
        res = client.post("/api/assess", params={"lang": lang}, json={"spec": text})
        assert res.status_code == 422, res.text
        detail = res.json()["detail"]
        assert words in detail, detail
        if path is not None:
            assert detail.startswith(f"{path}: "), detail
        for fact in facts:
            assert fact in detail, (fact, detail)
        rest = detail.removeprefix(f"{path}: ") if path else detail
        # the kinds of units are written as a spec names them (units: kinds: [city_republican])
        assert latin_words(rest, SPEC_WORDS | {"planet", "locf", "city_republican", "region"}) == [], detail


#: Synthetic values for two regions (made up for the test, not statistics), in a workbook with a hidden sheet.
def _workbook_with_hidden_sheet(year: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "data"
    sheet.append(["kato", "indicator", "year", "value"])
    sheet.append(["590000000", "unemployment_rate", year, 4.25])
    sheet.append(["110000000", "unemployment_rate", year, 4.75])
    hidden = book.create_sheet("old")
    hidden.append(["kato", "indicator", "year", "value"])
    hidden.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_accepted_import_says_what_it_did_in_the_page_language(client, latin_words):
    files = {"file": ("hidden.xlsx", _workbook_with_hidden_sheet(1999))}
    res = client.post("/api/import", params={"lang": "ru"}, files=files)
    assert res.status_code == 200, res.text
    body = res.json()
    first = body["import_id"]
    assert (body["rows_read"], body["rows_new"]) == (2, 2)
    assert body["summary"] == (f"hidden.xlsx: импорт №{first}: прочитано строк: 2, новых: 2, уже в хранилище: 0, "
                               "исправлено: 0, отклонено: 0")
    assert body["notes"] == ["лист «old» скрыт и не прочитан; чтобы прочитать его, сделайте лист видимым и "
                             "загрузите файл снова"]
    again = client.post("/api/import", params={"lang": "kk"}, files=files).json()  # the same file once more
    assert again["already_imported"] and again["import_id"] == first
    assert again["summary"] == (f"hidden.xlsx: №{first} импорт ретінде бұрын импортталған (бақылау сомасы бірдей), "
                                "деректер қоймасында оның барлық мәндері (2) бар; ештеңе өзгерген жоқ")
    assert again["notes"] == ["«old» парағы жасырын және оқылмады; оны оқу үшін парақты көрінетін етіп, файлды "
                              "қайта жүктеңіз"]
    for text in (body["summary"], *body["notes"], again["summary"], *again["notes"]):
        assert latin_words(text, {"hidden", "xlsx", "old"}) == [], text
    english = client.post("/api/import", files=files).json()  # the CLI's sentences for API clients
    assert english["summary"].startswith(f"hidden.xlsx: already imported as import #{first} (same SHA-256")
    assert english["notes"] == ["sheet 'old' is hidden and was not read; name it with --sheet to read it"]


def test_an_earlier_import_of_the_same_file_is_worded_with_its_numbers():
    """The Store's facts on earlier imports of a file (the import applied again, the imports that read it with
    other options and the keys that differ) become the reader's words (a synthetic report: no Store needed)."""
    from types import SimpleNamespace

    from territoria.report.error_text import import_text

    report = SimpleNamespace(file="t.csv", import_id=9, rows_read=3, rows_new=1, rows_same=2, rows_revised=0,
                             rows_rejected=0, rows_derived=4, already_imported=False, applied_again=7,
                             other_options=())
    summary, notes = import_text(report, [], "ru")
    assert summary == ("t.csv: импорт №9: прочитано строк: 3, новых: 1, уже в хранилище: 2, исправлено: 0, "
                       "отклонено: 0; пересчитано производных ячеек: 4 (этот файл уже импортирован как импорт №7 "
                       "с теми же параметрами; он применяется снова)")
    assert notes == []
    report.applied_again, report.other_options = None, ((3, ("profile",)), (5, ("reference_date", "profile")))
    summary, _ = import_text(report, [{"code": "import.note.hidden_sheet", "params": {"sheet": "s"}}], "kk")
    assert summary.endswith("(№3 импорт бұл файлды басқа параметрлермен оқыды (profile); №5 импорт бұл файлды "
                            "басқа параметрлермен оқыды (reference_date, profile))"), summary
