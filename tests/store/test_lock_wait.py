"""Opening the Store to write while another process reads it: a bounded wait, then a clear error."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from territoria.errors import StoreError
from territoria.store import Store

_HOLD = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); print('held', flush=True); " \
        "time.sleep(float(sys.argv[2])); c.close()"


def _hold(path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, str(path), str(seconds)], stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == b"held"
    return proc


def test_writer_waits_for_a_reader_then_opens(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    reader = _hold(path, 1.5)
    started = time.monotonic()
    with Store(path, lock_timeout=20) as store:
        assert store.units().empty
    assert time.monotonic() - started >= 0.5                      # it did wait for the reader
    reader.wait(timeout=10)


def test_writer_gives_up_with_a_clear_error(tmp_path):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    reader = _hold(path, 4)
    try:
        started = time.monotonic()
        with pytest.raises(StoreError, match="another process is using it"):
            Store(path, lock_timeout=0.5)
        assert time.monotonic() - started < 3
    finally:
        reader.wait(timeout=10)
