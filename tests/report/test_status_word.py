"""The word for "too little data for a status" is the same in the interface words and the message catalogues
(report.messages words it without importing report.i18n, which would close an import cycle)."""

from __future__ import annotations

import pytest

from territoria.report.i18n import LANGS, t
from territoria.report.messages import Translator


@pytest.mark.parametrize("lang", LANGS)
def test_insufficient_data_is_worded_alike(lang: str) -> None:
    word = Translator(lang).status("insufficient_data")
    assert word == t("insufficient_data", lang)
    assert word != "insufficient_data"
