"""The order ``make test`` hands test files to its workers: heaviest first.

``make test`` gives whole files to its workers (``--dist loadfile --no-loadscope-reorder``) in the order of
the collection, which :func:`heaviest_first` sets from tests/durations.json (seconds per file in a full run;
scripts/test_weights.py writes it from a ``--durations=0`` report). The longest files then start first and
the short ones fill the end, instead of a 20-second file starting last while the other workers wait (the
files with fewest tests, which xdist's own reordering puts last, are some of the longest). A file missing
from the table (a new one) runs after those in it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

#: Seconds per test file in a full run.
FILE_SECONDS: dict[str, float] = json.loads((Path(__file__).parent / "durations.json").read_text(encoding="utf-8"))


class _Item(Protocol):
    nodeid: str


def heaviest_first(items: list[_Item], seconds: dict[str, float] | None = None) -> None:
    """Sort ``items`` (in place) by their file's seconds, heaviest first; each file's tests keep their order
    (a stable sort), and every worker sorts the same collection the same way."""
    table = FILE_SECONDS if seconds is None else seconds
    items.sort(key=lambda item: -table.get(item.nodeid.split("::", 1)[0], -1.0))


def unknown_files(names: Sequence[str], root: Path) -> list[str]:
    """The names in the table that are no longer test files under ``root`` (renamed or removed)."""
    return [name for name in names if not (root / name).is_file()]
