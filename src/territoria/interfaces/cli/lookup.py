"""Finding the unit a command's argument names."""

from __future__ import annotations

from territoria.ingest.matching import NameMatcher
from territoria.store import Store

__all__ = ["resolve_unit"]


def resolve_unit(store: Store, text: str) -> str:
    """A unit code from a code or a name in any language or spelling (Мамлютка, Mamlyutka, 595220100)."""
    units = store.units()
    if text in units.index:
        return text
    return NameMatcher.for_units(units.reset_index()).match(text)
