"""One Chromium pass over every web page in ru, kk and en (issue 23), first half of the pages: the ranking,
a district, the comparison, the upload, the assessment and the administrator's pages (the rest are in
test_e2e_language_forms.py; the pages, the fixtures and the checks are in e2e_language_pages.py). Real bundled
data."""

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

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (.ci/run installs it)")
#: The pages this file checks; test_e2e_language_forms.py checks every other page of PAGES.
FIRST = ("overview", "district", "compare", "upload", "assess_example", "assess_mistake", "admin")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
@pytest.mark.parametrize("name", [p for p in PAGES if p in FIRST])
def test_page_speaks_the_language_and_fits(name, lang, request, server, indicator_ids):  # noqa: F811
    check_page(name, lang, request, server, indicator_ids)
