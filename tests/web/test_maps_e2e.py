"""The dashboard's map, level switch, search and compare picker in a real headless Chromium (Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from test_e2e import CHROMIUM, page, server  # noqa: F401 - the server and browser fixtures of the e2e tests

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")


def test_level_switch_region_filter_and_search(server, page):  # noqa: F811
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


def test_compare_picker_takes_names(server, page):  # noqa: F811
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
