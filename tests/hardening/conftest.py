"""Fixtures for the hardening tests: the package catalogue and the bundled KATO units (real data)."""

from __future__ import annotations

import pytest

from territoria.catalog.catalogue import Catalogue, load_catalogue
from territoria.ingest.bundled import bundled_units
from territoria.ingest.matching import NameMatcher


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def units() -> NameMatcher:
    return NameMatcher.for_units(bundled_units())
