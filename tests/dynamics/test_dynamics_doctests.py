"""The examples in the docstrings of the dynamics modules run and give what they say."""

from __future__ import annotations

import doctest

import pytest

from territoria.dynamics import horizon, status


@pytest.mark.parametrize("module", [horizon, status])
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module, verbose=False, report=False)
    assert result.attempted > 0 and result.failed == 0, result
