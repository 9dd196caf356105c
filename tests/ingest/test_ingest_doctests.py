"""The examples in the ingestion modules' docstrings run and give what they show."""

from __future__ import annotations

import doctest

import pytest

from territoria.ingest import matching, numbers, transliterate


@pytest.mark.parametrize("module", [numbers, matching, transliterate])
def test_docstring_examples(module: object) -> None:
    result = doctest.testmod(module, verbose=False, report=False)
    assert result.attempted > 0 and result.failed == 0
