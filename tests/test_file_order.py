"""The order ``make test`` hands files to its workers: tests/durations.json and tests/file_order.py."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from file_order import FILE_SECONDS, heaviest_first, unknown_files

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Item:
    nodeid: str


def _weights_script():
    spec = importlib.util.spec_from_file_location("test_weights", ROOT / "scripts" / "test_weights.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_weighted_file_exists_and_every_weight_is_a_duration():
    assert FILE_SECONDS, "tests/durations.json is empty"
    assert not unknown_files(list(FILE_SECONDS), ROOT), "rerun scripts/test_weights.py"
    assert unknown_files(["tests/no_such_test.py"], ROOT) == ["tests/no_such_test.py"]
    assert all(isinstance(s, float | int) and s >= 0 for s in FILE_SECONDS.values())


def test_heaviest_file_first_and_each_files_tests_in_their_order():
    items = [Item(n) for n in ["tests/a/test_light.py::t1", "tests/new/test_unknown.py::t1",
                               "tests/a/test_light.py::t2", "tests/b/test_heavy.py::t1[x]",
                               "tests/b/test_heavy.py::t2"]]
    heaviest_first(items, {"tests/a/test_light.py": 1.0, "tests/b/test_heavy.py": 30.0})
    assert [i.nodeid for i in items] == ["tests/b/test_heavy.py::t1[x]", "tests/b/test_heavy.py::t2",
                                         "tests/a/test_light.py::t1", "tests/a/test_light.py::t2",
                                         "tests/new/test_unknown.py::t1"]


def test_weights_are_read_from_a_durations_report():
    report = "\n".join([
        "============ slowest durations ============",
        "12.50s call     tests/web/test_e2e.py::test_page[ru]",
        "0.40s setup    tests/web/test_e2e.py::test_page[ru]",
        "3.00s call     tests/store/test_store.py::test_x",
        "(2 durations < 0.005s hidden.  Use -vv to show these durations.)",
    ])
    assert _weights_script().file_seconds(report) == {"tests/store/test_store.py": 3.0, "tests/web/test_e2e.py": 12.9}
