"""The examples in the ingestion modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest

import pytest

from territoria.ingest import matching, names, numbers, transliterate


@pytest.mark.parametrize("module", [numbers, matching, names, transliterate])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, verbose=False, report=False)
    assert result.attempted > 0 and result.failed == 0
