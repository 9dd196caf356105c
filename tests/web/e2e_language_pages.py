"""The pages, fixtures and checks of the language crawl (issue 23), shared by its two test files
(test_e2e_language.py and test_e2e_language_forms.py take half of the pages each, so that the two test workers,
which each take whole files, finish together).

One Chromium pass over every web page in ru, kk and en: in Russian and Kazakh no English word is left in what a
reader sees (text, titles, placeholders, aria-labels, button values, table headers, chart titles and axis
labels, select options), and at 1366 px and at a 390-px phone width no heading, button or label is cut off, no
key element overlaps another, and nothing makes the page wider than the window (wide tables scroll inside their
own box). One browser, two contexts (an administrator and a visitor who is not signed in), for all pages. Real
bundled data; the measure recorded on Mamlyutka is synthetic."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("TERRITORIA_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "language"
SHOTS = os.environ.get("TERRITORIA_SCREENSHOTS") == "1"  # screenshots of every page: for a person to look at

WIDE, NARROW = {"width": 1366, "height": 768}, {"width": 390, "height": 844}
REGION, DISTRICT, SETTLEMENT = "590000000", "595200000", "595220100"  # North Kazakhstan, Mamlyut district, Mamlyutka

# Latin words a Russian or Kazakh page may show, each for its reason; compared case-sensitively. Words in
# <code> (commands a reader types) and in elements marked with another language (the language menu's
# "English") are allowed by the page itself (see TEXTS_JS).
ALLOWED = {
    # file formats, encodings and the time zone, written so in Russian and Kazakh texts too
    "CSV", "XLSX", "HTML", "PDF", "PNG", "YAML", "UTF", "UTC",
    # the indicator's identifier column of the upload template ("показатель (id)"): the catalogue's key
    "id",
    # authors of the cited research programme and papers, cited in Latin as published ("et al.")
    "Turkeeva", "Omarov", "Abilkaiyr", "Orynbet", "Imangali", "et", "al",
    # the map's data sources, their author and licence, proper names: geokz (A. Rodionov), CC BY 4.0,
    # Natural Earth
    "geokz", "Rodionov", "CC", "BY", "Natural", "Earth",
    # particulate matter of 10 µm, the indicator's name in the Bureau of National Statistics' own tables
    "PM10",
    # the synthetic test accounts' names (data: an administrator chooses them), shown as "signed in as"
    "admin1", "analyst1", "viewer1",
}
# Identifiers shown as data, not words: indicator ids and example/assessment names (snake_case), and the
# version mark of a stored assessment ("v1"), as in the CLI and the reports.
IDENTIFIER = re.compile(r"^(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|v\d+)$")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")

TEXTS_JS = (HERE / "e2e_language_texts.js").read_text(encoding="utf-8")

LAYOUT_JS = (HERE / "e2e_language_layout.js").read_text(encoding="utf-8")
# Plotly's responsive charts redraw some time after a resize event: each chart is resized now and its
# redraw awaited (a promise), then one frame is let through, instead of a fixed wait.
REDRAWN_JS = """async () => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  if (plots.length && window.Plotly) { await Promise.all(plots.map(p => window.Plotly.Plots.resize(p))); }
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""
KEY_ELEMENTS = "h1, h2, button, label.button, nav a, header a, th, .subtitle, legend, .downloads a, .chip"


def english_words(texts: list[list[str]], *, typed: str = "", codes: frozenset[str] = frozenset()) -> dict[str, str]:
    """Latin words not allowed, each with where it was first seen; words of ``typed`` (what the test typed,
    echoed back by a refusal), ``codes`` (the catalogue's indicator ids: the template's id column) and the
    page's code and foreign-language elements are allowed."""
    own = set(LATIN_WORD.findall(typed)) | codes
    own |= {w for where, text in texts if where == "allowed" for w in LATIN_WORD.findall(text)}
    found: dict[str, str] = {}
    for where, text in texts:
        for word in LATIN_WORD.findall(text):
            if where == "allowed" or len(word) < 2 or word in ALLOWED or word in own or IDENTIFIER.match(word):
                continue
            found.setdefault(word, f"{where}: …{_around(text, word)}…")
    return found


def _around(text: str, word: str) -> str:
    at = re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text)
    start = at.start() if at else 0
    return text[max(0, start - 40):start + len(word) + 40].replace("\n", " ⏎ ")


@pytest.fixture(scope="module")
def server(browser_server):
    return browser_server


@pytest.fixture(scope="module")
def indicator_ids(web_db) -> frozenset[str]:
    from territoria.store import Store

    with Store(web_db, read_only=True) as store:
        return frozenset(store.catalogue.ids)


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


class Tab:
    """A browser tab that records the page's script errors and Content-Security-Policy complaints."""

    def __init__(self, context):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if "Content Security Policy" in m.text else None)


@pytest.fixture(scope="module")
def admin(browser, server, web_auth):
    """A tab signed in as the administrator (every page, the admin page too). Signed in towards the upload
    page, which computes nothing: landing on the overview drew its ranking and map once more for no check
    (the overview's own check loads it; test_e2e.py tests the login's way back to the overview)."""
    context = browser.new_context(viewport=WIDE)
    tab = Tab(context)
    tab.page.goto(f"{server}/login?lang=ru&next=%2Fupload%3Flang%3Dru")
    tab.page.fill("#login-name", "admin1")
    tab.page.fill("#login-password", web_auth.password)
    tab.page.click("#login-submit")
    tab.page.wait_for_selector("#signed-in", timeout=30_000)
    yield tab
    context.close()


@pytest.fixture(scope="module")
def visitor(browser):
    """A tab not signed in: the login page."""
    context = browser.new_context(viewport=WIDE)
    yield Tab(context)
    context.close()


# A spec with a mistake (units must be a mapping); the refusal names the key and echoes the value typed.
E2E_BAD_SPEC = "name: e2e_bad\nunits: region\nyear: 2023\n"


def _overview(page, server, lang):
    page.goto(f"{server}/?lang={lang}")
    page.wait_for_selector("#table-watch a.unit-link", timeout=60_000)
    page.wait_for_selector("#map-figure .main-svg", timeout=60_000)
    page.wait_for_selector("#table-map-ranking tbody tr", timeout=60_000)


def _unit(code):
    def go(page, server, lang):
        page.goto(f"{server}/unit/{code}?lang={lang}")
        page.wait_for_selector("#section-mechanisms", timeout=60_000)
    return go


def _compare(page, server, lang):
    page.goto(f"{server}/compare?lang={lang}")
    page.fill("#compare-search", "Мамлют")
    page.click(f"#compare-suggest li[data-unit='{SETTLEMENT}']", timeout=30_000)
    page.fill("#compare-units", "Булаево")
    page.click("#compare-form button[type=submit]")
    page.wait_for_selector("#table-compare", timeout=60_000)


def _upload(page, server, lang):
    """The page with its format guide, and the district template downloaded as the browser does: its sheet
    names, headers and cells are read too."""
    import pandas as pd

    page.goto(f"{server}/upload?lang={lang}")
    expect(page.locator("#format-guide li")).to_have_count(6)
    with page.expect_download() as download:
        page.click("#template-district-xlsx")
    assert download.value.suggested_filename == f"territoria_template_district_{lang}.xlsx"
    sheets = pd.read_excel(download.value.path(), sheet_name=None, dtype=str)
    return [["template.xlsx", "\n".join([*sheets, *(frame.to_csv(index=False) for frame in sheets.values())])]]


def _assess_example(page, server, lang):
    page.goto(f"{server}/assess?lang={lang}")
    page.wait_for_selector("#assess-example option[value=vulnerability_regions]", state="attached", timeout=30_000)
    page.select_option("#assess-example", "vulnerability_regions")
    expect(page.locator("#assess-example-about")).not_to_be_empty(timeout=30_000)
    page.click("#assess-form button[type=submit]")
    page.wait_for_selector("#table-assess", timeout=120_000)


def _assess_mistake(page, server, lang):
    page.goto(f"{server}/assess?lang={lang}")
    page.fill("#assess-spec", E2E_BAD_SPEC)
    page.click("#assess-form button[type=submit]")
    expect(page.locator("#assess-error")).not_to_be_empty(timeout=60_000)


def _monitor(page, server, lang):
    page.goto(f"{server}/monitor?lang={lang}")
    page.wait_for_selector("#measure-mechanism option[value=support_centres]", state="attached", timeout=30_000)
    page.wait_for_selector("#doc h2", timeout=30_000)


def _monitor_refused(page, server, lang):
    _monitor(page, server, lang)
    page.fill("#measure-unit-search", "Мамлют")
    page.click(f"#measure-unit-suggest li[data-unit='{SETTLEMENT}']", timeout=30_000)
    submit_measure(page, deadline="2015")
    expect(page.locator('.field-error[data-field="targets[0].deadline_year"]')).not_to_be_empty(timeout=30_000)


def submit_measure(page, *, deadline: str):
    """Send the monitor form for the chosen unit: support centres from 2016, unemployment to 5,0 % by
    ``deadline`` (a deadline before the start is refused); returns the target row."""
    page.select_option("#measure-mechanism", "support_centres")
    page.fill("#measure-start", "2016")
    row = page.locator(".target-row").first
    row.locator(".t-indicator").select_option("unemployment_rate")
    row.locator(".t-value").fill("5,0")
    row.locator(".t-deadline").fill(deadline)
    page.click("#measure-submit")
    return row


def _monitor_board(page, server, lang):
    """A measure recorded (once, synthetic), then its board: the measures table with its evaluation."""
    _monitor(page, server, lang)
    if page.locator("#table-measures").count() == 0:
        _monitor_refused(page, server, lang)
        page.locator(".target-row").first.locator(".t-deadline").fill("2025")
        page.click("#measure-submit")
        expect(page.locator("#measure-result")).to_have_class(re.compile("ok"), timeout=60_000)
    page.wait_for_selector("#table-measures", timeout=30_000)


def _admin(page, server, lang):
    page.goto(f"{server}/admin?lang={lang}")
    page.wait_for_selector("#table-audit", timeout=30_000)


def _login(page, server, lang):
    page.goto(f"{server}/login?lang={lang}")
    page.wait_for_selector("#login-form")


def _login_failed(page, server, lang):
    _login(page, server, lang)
    page.fill("#login-name", "analyst1")
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error", timeout=30_000)


PAGES: dict[str, tuple[str, Callable]] = {  # name: (tab, how to get there -> texts of downloads, if any)
    "overview": ("admin", _overview),
    "region": ("admin", _unit(REGION)),
    "district": ("admin", _unit(DISTRICT)),
    "settlement": ("admin", _unit(SETTLEMENT)),
    "compare": ("admin", _compare),
    "upload": ("admin", _upload),
    "assess_example": ("admin", _assess_example),
    "assess_mistake": ("admin", _assess_mistake),
    "monitor_board": ("admin", _monitor_board),
    "monitor_refused": ("admin", _monitor_refused),
    "admin": ("admin", _admin),
    "login": ("visitor", _login),
    "login_failed": ("visitor", _login_failed),
}


def _layout(page, width: dict[str, int]) -> list[str]:
    page.set_viewport_size(width)
    page.evaluate(REDRAWN_JS)  # the charts at the new width before anything is measured
    return [f"{width['width']} px: {p}" for p in page.evaluate(LAYOUT_JS, KEY_ELEMENTS)]


def check_page(name: str, lang: str, request, server: str, indicator_ids: frozenset[str]) -> None:
    """Open page ``name`` in ``lang`` and check everything at once: its words, its numbers, its layout at
    each width, its script errors."""
    tab = request.getfixturevalue(PAGES[name][0])
    page = tab.page
    tab.errors.clear()
    # the last page left at the phone width is not laid out and its charts redrawn again at 1366 px: the
    # window is widened on a blank page, then the page checked is opened at that width
    page.goto("about:blank")
    page.set_viewport_size(WIDE)
    more = PAGES[name][1](page, server, lang) or []  # texts beyond the page's: a downloaded file
    problems: list[str] = []
    if lang != "en":
        typed = E2E_BAD_SPEC if name == "assess_mistake" else ""
        words = english_words(page.evaluate(TEXTS_JS) + more, typed=typed, codes=indicator_ids)
        problems += [f"English «{w}» in {where}" for w, where in words.items()]
        # numbers the page formats are written as Russian and Kazakh write them (5,8 and 7 038), not 5.8
        problems += [f"number «{t}» with a decimal point" for t in page.locator("td.num").all_inner_texts()
                     if re.search(r"\d\.\d", t)]
    for width in (WIDE, NARROW) if lang != "en" else (WIDE,):  # the narrow width where words are long
        problems += _layout(page, width)
        if SHOTS:
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / f"{name}_{lang}_{width['width']}.png"), full_page=True)
    assert not problems, "\n".join(problems)
    assert not tab.errors, tab.errors
