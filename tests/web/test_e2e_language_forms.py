"""One Chromium pass over every web page in ru, kk and en (issue 23), second half of the pages: a region, a
settlement, the monitoring forms and the login pages, i.e. every page of the crawl that test_e2e_language.py
does not check. Real bundled data; the measure recorded on Mamlyutka is synthetic."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_language_pages import (  # noqa: F401 - the crawl's fixtures: server, browser, tabs, indicator ids
    CHROMIUM,
    PAGES,
    admin,
    browser,
    check_page,
    indicator_ids,
    server,
    visitor,
)
from test_e2e_language import FIRST

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")


def test_the_two_files_check_every_page_once():
    assert set(FIRST) < set(PAGES) and len(set(FIRST)) == len(FIRST)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
@pytest.mark.parametrize("name", [p for p in PAGES if p not in FIRST])
def test_page_speaks_the_language_and_fits(name, lang, request, server, indicator_ids):  # noqa: F811
    check_page(name, lang, request, server, indicator_ids)
