"""Fixtures of the BNS connector tests: the registry, bundled units and crosswalk, reconstructed exports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from territoria.connectors.bns.rebuild import bundled_panel
from territoria.connectors.bns.registry import load_registry
from territoria.ingest.bundled import (
    bundled_alternates,
    bundled_crosswalk,
    bundled_observations,
    bundled_units,
)

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def units():
    return bundled_units()


@pytest.fixture(scope="module")
def crosswalk():
    return bundled_crosswalk()


@pytest.fixture(scope="module")
def panel(registry):
    """The bundled district panel (kept rows and alternates of the DST_BNS_* sources)."""
    return bundled_panel(bundled_observations(), bundled_alternates(), registry)
