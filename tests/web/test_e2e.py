"""End-to-end in a real headless Chromium (Debian's), driven by Playwright against a running server:
open the overview, click a settlement on the ranking, see its profile, switch the language, take
screenshots into ``test-artefacts/``. Real bundled data."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = os.environ.get("TERRITORIA_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")


CSP_VIOLATIONS: list[str] = []  # console messages of the browser about the Content-Security-Policy


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
    ARTEFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/?lang=en")
    page.wait_for_selector("#table-watch a.unit-link", timeout=30_000)
    assert page.locator("#doc-title").inner_text() == "Ranking of the regions"
    assert page.locator("#section-map .main-svg").count() > 0  # the Plotly map is drawn
    page.screenshot(path=str(ARTEFACTS / "overview_en.png"), full_page=True)

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
    page.screenshot(path=str(ARTEFACTS / "profile_en.png"), full_page=True)

    page.select_option("#lang-select", "ru")
    page.wait_for_url(f"**/unit/{code}?lang=ru")
    page.wait_for_selector("#section-mechanisms table", timeout=30_000)
    assert page.locator("#section-mechanisms h2").inner_text() == "Рекомендуемые механизмы по горизонтам"
    assert page.locator("#section-status h2").inner_text() == "Статус"
    page.screenshot(path=str(ARTEFACTS / "profile_ru.png"), full_page=True)
    assert not errors, errors
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS


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
    page.screenshot(path=str(ARTEFACTS / "assess_stored_kk.png"), full_page=True)
    assert not errors, errors
    assert not CSP_VIOLATIONS, CSP_VIOLATIONS  # the fetch calls carried the CSRF token (else no table)


def test_monitor_page_adopts_a_measure_in_three_languages(server, page):
    """The form refuses a deadline before the start beside its field (in Kazakh), then records a synthetic
    measure on Mamlyutka picked by its Russian name and shows its first evaluation; screenshots in ru/kk/en."""
    ARTEFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/monitor?lang=kk")
    page.wait_for_selector("#measure-mechanism option[value=support_centres]", state="attached", timeout=30_000)
    page.fill("#measure-unit-search", "Мамлют")
    page.wait_for_selector("#measure-unit-suggest li[data-unit='595220100']", timeout=30_000)
    page.click("#measure-unit-suggest li[data-unit='595220100']")
    assert "595220100" in page.locator("#measure-unit-chosen").inner_text()
    page.select_option("#measure-mechanism", "support_centres")
    page.fill("#measure-start", "2016")
    row = page.locator(".target-row").first
    row.locator(".t-indicator").select_option("unemployment_rate")
    row.locator(".t-value").fill("5,0")
    row.locator(".t-deadline").fill("2015")
    page.click("#measure-submit")
    expect(page.locator('.field-error[data-field="targets[0].deadline_year"]')).to_have_text(
        "2015 мерзімі 2016 басталу жылынан кейін болуы керек", timeout=30_000)
    page.screenshot(path=str(ARTEFACTS / "monitor_refused_kk.png"), full_page=True)

    row.locator(".t-deadline").fill("2025")
    page.click("#measure-submit")
    expect(page.locator("#measure-result")).to_contain_text("Жазылды", timeout=60_000)
    expect(page.locator("#table-measures")).to_contain_text("Аумақтық қолдау орталықтарының желісі")
    assert page.locator('.field-error[data-field="targets[0].deadline_year"]').inner_text() == ""
    page.screenshot(path=str(ARTEFACTS / "monitor_kk.png"), full_page=True)
    for lang, status in (("ru", "по плану"), ("en", "on track")):
        page.goto(f"{server}/monitor?lang={lang}")
        page.wait_for_selector("#table-measures", timeout=30_000)
        shown = page.locator("#table-measures").inner_text()
        assert status in shown
        assert not re.search(r"\d{4}-\d\d-\d\dT", shown), shown  # times as the page's language writes them
        page.screenshot(path=str(ARTEFACTS / f"monitor_{lang}.png"), full_page=True)
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
