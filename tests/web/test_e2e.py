"""End-to-end in a real headless Chromium (Debian's), driven by Playwright against a running server:
open the overview, click a settlement on the ranking, see its profile, switch the language, take
screenshots into ``test-artefacts/`` (with ``TERRITORIA_SCREENSHOTS=1``); the map's level switch, search and
compare picker; the assess page's example picker and the upload page's template download. Real bundled data.

One server, one browser and one signed-in tab for all of them (the map and example-picker tests were modules
of their own, each starting a server and a browser and signing in again: the same setup three times). The
read-only tests run before the ones that store an assessment, a measure and an import."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import pytest
from e2e_language_pages import submit_measure
from playwright.sync_api import expect

CHROMIUM = os.environ.get("TERRITORIA_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
# Full-page screenshots are for a person to look at (no test reads them) and cost the browser about half a
# second each: taken when asked for, as the language crawl's (e2e_language_pages.py).
SHOTS = os.environ.get("TERRITORIA_SCREENSHOTS") == "1"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")


CSP_VIOLATIONS: list[str] = []  # console messages of the browser about the Content-Security-Policy


def shot(page, name: str) -> None:
    """A full-page screenshot ``test-artefacts/NAME`` when ``TERRITORIA_SCREENSHOTS=1``."""
    if SHOTS:
        ARTEFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / name), full_page=True)


@pytest.fixture(scope="module")
def server(browser_server):
    return browser_server


@pytest.fixture(scope="module")
def page(server, web_auth, chromium):
    """A fresh context of the session's Chromium (no state from other modules), signed in as the analyst."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: CSP_VIOLATIONS.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{server}/")  # not signed in: the login page, then back where we were going
    page.wait_for_url("**/login?next=%2F")
    page.fill("#login-name", "analyst1")
    page.fill("#login-password", web_auth.password)
    page.click("#login-submit")
    page.wait_for_selector("#signed-in", timeout=30_000)
    yield page
    context.close()


def test_overview_click_settlement_profile_language(server, page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/?lang=en")
    page.wait_for_selector("#table-watch a.unit-link", timeout=30_000)
    assert page.locator("#doc-title").inner_text() == "Ranking of the regions"
    assert page.locator("#section-map .main-svg").count() > 0  # the Plotly map is drawn
    shot(page, "overview_en.png")

    # The first row of the watch list is a settlement of the region ranked last; open it.
    first = page.locator("#table-watch tbody tr").first
    code = first.get_attribute("data-unit")
    name = first.locator("a.unit-link").nth(1).inner_text()
    first.locator("a.unit-link").nth(1).click()
    page.wait_for_url(f"**/unit/{code}?lang=en")
    page.wait_for_selector("#section-mechanisms table", timeout=30_000)
    assert page.locator("#doc-title").inner_text() == name
    assert "14" in page.locator("#section-rank").inner_text()  # rank 14 of 14 (its region)
    assert page.locator("#section-radar .main-svg").count() > 0
    assert "`" not in page.locator("main").inner_text()   # inline code is set as <code>, not raw backticks
    shot(page, "profile_en.png")

    page.select_option("#lang-select", "ru")
    page.wait_for_url(f"**/unit/{code}?lang=ru")
    page.wait_for_selector("#section-mechanisms table", timeout=30_000)
    assert page.locator("#section-mechanisms h2").inner_text() == "Рекомендуемые механизмы по горизонтам"
    assert page.locator("#section-status h2").inner_text() == "Статус"
    shot(page, "profile_ru.png")
    assert not errors, errors
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS


def test_level_switch_region_filter_and_search(server, page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/?lang=ru")
    page.wait_for_selector("#table-map-ranking tbody tr", timeout=60_000)
    assert page.locator("#map-figure .main-svg").count() > 0
    assert page.locator("#table-map-ranking tbody tr").count() == 14
    assert page.locator("#level-switch span").first.inner_text() == "Регионы"
    page.select_option("#region-select", "590000000")
    expect(page.locator("#table-map-ranking tbody tr")).to_have_count(1)  # no string predicates: the CSP
    page.check("#level-district")
    # the districts of North Kazakhstan drawn and ranked within it (the bundled district assessment scores them)
    expect(page.locator("#table-map-ranking tbody tr")).to_have_count(14, timeout=60_000)
    page.fill("#search-box", "Аккайын")
    page.wait_for_selector("#search-results li[data-unit='595800000']", timeout=10_000)
    page.locator("#search-results li[data-unit='595800000']").dispatch_event("mousedown")
    page.wait_for_url("**/unit/595800000**")
    assert errors == []


def test_compare_picker_takes_names(server, page):
    page.goto(f"{server}/compare?lang=kk")
    for name, code in (("Мамлютка", "595220100"), ("Bulaevo", "593620100")):
        page.fill("#compare-search", name)
        page.wait_for_selector(f"#compare-suggest li[data-unit='{code}']", timeout=10_000)
        page.locator(f"#compare-suggest li[data-unit='{code}']").dispatch_event("mousedown")
    assert page.locator("#compare-chosen .chip").count() == 2
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#table-compare", timeout=60_000)
    header = page.locator("#table-compare thead th").all_inner_texts()
    assert len(header) == 3


def test_pages_in_chromium_example_picker_and_template_download(server, page):
    """The assess page's example picker loads the package's own spec into the editor; the upload page's
    template link downloads with the session's cookie (the API side: test_assess_examples.py)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/assess?lang=ru")
    page.wait_for_selector("#assess-example option[value=vulnerability_districts]", state="attached", timeout=30_000)
    page.select_option("#assess-example", "vulnerability_districts")
    expect(page.locator("#assess-example-about")).to_contain_text("Четырёхблочный индекс уязвимости районов",
                                                                  timeout=30_000)
    own = resources.files("territoria.assess").joinpath("specs/vulnerability_districts.yaml").read_text(
        encoding="utf-8")
    assert page.locator("#assess-spec").input_value() == own

    page.goto(f"{server}/upload?lang=ru")
    guide = page.locator("#format-guide").inner_text()
    assert "Столбцы" in guide and "КАТО" in guide and "Годы" in guide
    link = page.locator("#template-region-csv")
    assert page.request.get(f"{server}{link.get_attribute('href')}").status == 200  # the session's cookie
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "Код КАТО,Наименование,Показатель,Год,Значение" and "Акмолинская область" in text
    assert not errors, errors


E2E_SPEC = (Path(__file__).resolve().parents[1] / "fixtures" / "district_test_spec_2023.yaml").read_text(
    encoding="utf-8").replace("name: test_districts", "name: e2e_districts")


def test_assess_page_stores_a_named_assessment_and_links_its_ranking(server, page):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/assess?lang=en")
    page.fill("#assess-spec", E2E_SPEC)
    page.fill("#assess-name", "bad name")  # refused on the page, with the API's pattern, before any request
    page.click("#assess-form button[type=submit]")
    assert page.locator("#assess-error").inner_text().startswith("Name 'bad name': expected Latin letters")
    assert page.locator("#table-assess").count() == 0

    page.fill("#assess-name", "e2e_districts")
    page.click("#assess-form button[type=submit]")
    page.wait_for_selector("#table-assess", timeout=60_000)
    assert page.locator("#assess-stored-text").inner_text() == "Stored as 'e2e_districts' v1"
    assert page.locator("#assess-error").inner_text() == ""
    page.click("#assess-form button[type=submit]")  # the same spec on the same data: nothing new
    # locator waits, not wait_for_function: the page's CSP forbids evaluating strings (Playwright's predicate)
    expect(page.locator("#assess-stored-text")).to_have_text(re.compile("^Unchanged"), timeout=60_000)
    assert page.locator("#assess-stored-text").inner_text() == "Unchanged, already stored as 'e2e_districts' v1"

    page.select_option("#lang-select", "kk")  # the words of the page in Kazakh
    page.wait_for_url("**/assess?lang=kk")
    page.fill("#assess-spec", E2E_SPEC)
    page.fill("#assess-name", "e2e_districts")
    page.click("#assess-form button[type=submit]")
    page.wait_for_selector("#assess-stored-link", timeout=60_000)
    assert page.locator("#assess-stored-text").inner_text() == "Өзгеріс жоқ, «e2e_districts» v1 ретінде сақталған"

    page.click("#assess-stored-link")  # the stored assessment's ranking, that version
    page.wait_for_url("**/?lang=kk&assessment=e2e_districts%401")  # NAME@VERSION, encoded
    page.wait_for_selector("#doc-title", timeout=60_000)
    assert "v1 · 2023" in page.locator(".subtitle").inner_text()
    assert page.locator("#level-district").is_checked()
    page.wait_for_selector("#table-map-ranking tbody tr", timeout=60_000)
    shot(page, "assess_stored_kk.png")
    assert not errors, errors
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS  # the fetch calls carried the CSRF token (else no table)


def test_monitor_page_adopts_a_measure_in_three_languages(server, page):
    """The form refuses a deadline before the start beside its field (in Kazakh), then records a synthetic
    measure on Mamlyutka picked by its Russian name and shows its first evaluation; screenshots in ru/kk/en."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/monitor?lang=kk")
    page.wait_for_selector("#measure-mechanism option[value=support_centres]", state="attached", timeout=30_000)
    page.fill("#measure-unit-search", "Мамлют")
    page.wait_for_selector("#measure-unit-suggest li[data-unit='595220100']", timeout=30_000)
    page.click("#measure-unit-suggest li[data-unit='595220100']")
    assert "595220100" in page.locator("#measure-unit-chosen").inner_text()
    row = submit_measure(page, deadline="2015")
    expect(page.locator('.field-error[data-field="targets[0].deadline_year"]')).to_have_text(
        "2015 мерзімі 2016 басталу жылынан кейін болуы керек", timeout=30_000)
    shot(page, "monitor_refused_kk.png")

    row.locator(".t-deadline").fill("2025")
    page.click("#measure-submit")
    expect(page.locator("#measure-result")).to_contain_text("Жазылды", timeout=60_000)
    expect(page.locator("#table-measures")).to_contain_text("Аумақтық қолдау орталықтарының желісі")
    assert page.locator('.field-error[data-field="targets[0].deadline_year"]').inner_text() == ""
    shot(page, "monitor_kk.png")
    for lang, status in (("ru", "по плану"), ("en", "on track")):
        page.goto(f"{server}/monitor?lang={lang}")
        page.wait_for_selector("#table-measures", timeout=30_000)
        shown = page.locator("#table-measures").inner_text()
        assert status in shown
        assert not re.search(r"\d{4}-\d\d-\d\dT", shown), shown  # times as the page's language writes them
        shot(page, f"monitor_{lang}.png")
    assert not errors, errors
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS


def test_upload_page_shows_the_summary_and_each_note_in_russian(server, page, tmp_path):
    """A workbook of SYNTHETIC values (made up for the test) with a hidden sheet, uploaded from the page in
    Russian: the page shows what the import did and, on a line of its own, that the hidden sheet was not read."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "data"
    book.active.append(["kato", "indicator", "year", "value"])
    book.active.append(["590000000", "unemployment_rate", 1997, 4.25])
    hidden = book.create_sheet("old")
    hidden.append(["kato", "indicator", "year", "value"])
    hidden.sheet_state = "hidden"
    path = tmp_path / "hidden.xlsx"
    book.save(path)
    page.goto(f"{server}/upload?lang=ru")
    page.set_input_files("#upload-file", str(path))
    expect(page.locator("#upload-file-name")).to_have_text("hidden.xlsx")
    page.locator("#upload-form [type=submit]").click()
    result = page.locator("#upload-result")
    expect(result).to_have_class(re.compile(r"\bok\b"), timeout=60_000)
    lines = result.inner_text().splitlines()
    assert re.fullmatch(r"hidden\.xlsx: импорт №\d+: прочитано строк: 1, новых: 1, .*", lines[0]), lines
    assert lines[1:] == ["лист «old» скрыт и не прочитан; чтобы прочитать его, сделайте лист видимым и загрузите "
                         "файл снова"]
