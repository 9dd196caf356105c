"""``Store(..., read_only=True, shared=True)``: a read attached to the process's one DuckDB instance (what
each web request opens) reads what a connection of its own reads, holds the file's shared lock until it is
closed, and is refused like one while another process writes. Synthetic observations on real unit codes."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from territoria.errors import StoreError
from territoria.store import Store, import_observations

HOLD = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); "
        "sys.stdin.readline()")
TRY_WRITE = ("import duckdb, sys\ntry:\n    duckdb.connect(sys.argv[1]).close()\nexcept duckdb.IOException:\n"
             "    print('busy')\nelse:\n    print('written')")


@pytest.fixture
def path(tmp_path, small_catalogue, small_units):
    path = tmp_path / "shared.duckdb"
    with Store(path, catalogue=small_catalogue) as store:
        store.put_units(small_units)
        store.sync_catalogue()
        import_observations(store, pd.DataFrame({"unit": ["590000000", "590000000"], "indicator": "population",
                                                 "year": [2020, 2021], "value": [540.0, 535.5]}),
                            file="synthetic.csv", file_sha256="synthetic")
    return path


def _try_write(path) -> str:
    return subprocess.run([sys.executable, "-c", TRY_WRITE, str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_shared_reads_match_a_connection_of_their_own_and_hold_the_lock(path, small_catalogue):
    with Store(path, read_only=True, catalogue=small_catalogue) as own:
        units, observations, counts = own.units(), own.observations(), own.counts()
    first = Store(path, read_only=True, catalogue=small_catalogue, shared=True)
    second = Store(path, read_only=True, catalogue=small_catalogue, shared=True)  # the same file twice at once
    try:
        for shared in (first, second):
            pd.testing.assert_frame_equal(shared.units(), units)
            pd.testing.assert_frame_equal(shared.observations(), observations)
            assert shared.counts() == counts and shared.counts()["observations"] == 2
        first.close()
        assert _try_write(path) == "busy"  # the second still holds the shared lock
    finally:
        second.close()
    assert _try_write(path) == "written"  # closed: nothing of the file is held any more


def test_a_shared_read_is_refused_while_another_process_writes(path, small_catalogue):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="lock"):
            Store(path, read_only=True, catalogue=small_catalogue, shared=True)
    finally:
        holder.kill()
        holder.wait(timeout=60)
    with Store(path, read_only=True, catalogue=small_catalogue, shared=True) as store:  # the failed attach left nothing
        assert store.counts()["observations"] == 2
