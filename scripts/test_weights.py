"""Write tests/durations.json: the seconds each test file took, from a pytest run's ``--durations=0`` report.

``make test`` hands whole files to its workers (``--dist loadfile``), heaviest first by this table
(tests/file_order.py), so that no long file is left for the end while the other workers are idle. The table
only orders the files; a file missing from it (a new one) runs after the known ones.

Usage::

    .venv/bin/pytest -q -n auto --dist loadfile --durations=0 > durations.log
    .venv/bin/python scripts/test_weights.py durations.log
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

TARGET = Path(__file__).resolve().parents[1] / "tests" / "durations.json"
LINE = re.compile(r"\s*([\d.]+)s (?:setup|call|teardown)\s+(tests/\S+?\.py)::")


def file_seconds(report: str) -> dict[str, float]:
    """Seconds per test file (setup, call and teardown summed) in a ``--durations=0`` report."""
    seconds: dict[str, float] = defaultdict(float)
    for line in report.splitlines():
        match = LINE.match(line)
        if match:
            seconds[match[2]] += float(match[1])
    return {name: round(total, 1) for name, total in sorted(seconds.items())}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    weights = file_seconds(Path(argv[0]).read_text(encoding="utf-8"))
    if not weights:
        print(f"{argv[0]}: no '--durations=0' lines (e.g. '12.3s call tests/x/test_y.py::test_z')", file=sys.stderr)
        return 1
    TARGET.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(weights)} files, {sum(weights.values()):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
