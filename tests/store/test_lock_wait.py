"""Opening the Store to write while another process reads it: a bounded wait, then a clear error.

The reading process holds its lock until the test tells it to let go (a line on its standard input), so
what is asserted follows from the order of events, not from how fast the machine is.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from territoria.errors import StoreError
from territoria.store import Store

_HOLD = ("import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); print('held', flush=True); "
         "sys.stdin.readline(); c.close(); print('released', flush=True)")


def _hold(path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def _release(proc: subprocess.Popen) -> None:
    proc.stdin.write("go\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "released"
    proc.wait(timeout=120)


def test_writer_waits_for_a_reader_then_opens(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    reader = _hold(path)
    released = threading.Event()
    opened: list[bool] = []  # whether the reader had let go when the writer got in

    def write() -> None:
        with Store(path, lock_timeout=120) as store:
            opened.append(released.is_set())
            assert store.units().empty

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert not opened  # the reader holds the lock: the writer cannot be in yet
    finally:
        released.set()
        _release(reader)
    writer.join(timeout=120)
    assert opened == [True]  # it waited for the reader, then opened


def test_writer_gives_up_with_a_clear_error(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    reader = _hold(path)  # held until released below, far beyond the writer's 0.5 s
    try:
        with pytest.raises(StoreError, match="another process is using it"):
            Store(path, lock_timeout=0.5)
    finally:
        _release(reader)
    with Store(path, lock_timeout=120) as store:  # and opens once the reader has gone
        assert store.units().empty
