"""Readers keep answering while another process writes the Store.

A subprocess imports synthetic rows (the worker of the SIGKILL test, values labelled synthetic) into the
Store the web application serves, holding DuckDB's exclusive write lock for a few seconds, while a thread
reads ``/api/health`` and ``/api/units`` in a loop. Every read must be a 200 showing either the old or the
new state, never an error; reads inside the writer's window are served from the replica (the old state).
Without a replica, reads wait (bounded) and a lock held longer than the wait is a 503 with ``Retry-After``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

HARDENING = Path(__file__).resolve().parents[1] / "hardening"
WRITER = """
import sys, time
sys.path.insert(0, {hardening!r})
from kill_worker import synthetic_rows
from territoria.errors import StoreError
from territoria.store import Store, import_observations, importing

importing.BATCH_ROWS = 50
rows = synthetic_rows({units!r}, ["population_1jan", "population_avg"], range(1995, 2025), shift=0.5)
deadline = time.monotonic() + 20
while True:  # the web application holds a shared lock while it serves a request: wait for a gap
    try:
        store = Store({db!r})
        break
    except StoreError:
        if time.monotonic() > deadline:
            raise
        time.sleep(0.01)
print("locked", time.time(), flush=True)
time.sleep({hold})
import_observations(store, rows, file="synthetic-new.csv", file_sha256="synthetic-new",
                    source_id="synthetic:hardening", revise=True)
time.sleep({hold})
store.close()
print("unlocked", time.time(), flush=True)
"""


def _client(app):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(app)


@pytest.fixture
def db(bundled_store_path, tmp_path):
    path = tmp_path / "served.duckdb"
    shutil.copy(bundled_store_path, path)
    return path


def _writer(db: Path, hold: float) -> subprocess.Popen:
    code = WRITER.format(hardening=str(HARDENING), units=["590000000", "550000000", "710000000"], db=str(db),
                         hold=hold)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def _marks(proc: subprocess.Popen) -> dict[str, float]:
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines()}


def test_reads_during_an_import_in_another_process_are_old_or_new(db):
    from territoria.web import create_app

    app = create_app(db)
    reads: list[tuple[float, float, int, int | None, int | None]] = []
    stop = threading.Event()
    with _client(app) as client:
        old = client.get("/api/health").json()["counts"]["observations"]  # the first read makes the replica

        def reader():
            while not stop.is_set():
                t0 = time.time()
                health = client.get("/api/health")
                units = client.get("/api/units", params={"level": "region", "limit": 5})
                count = health.json()["counts"]["observations"] if health.status_code == 200 else None
                status = max(health.status_code, units.status_code)
                reads.append((t0, time.time(), status, count, len(units.json().get("rows", []))
                              if units.status_code == 200 else None))
                time.sleep(0.01)

        thread = threading.Thread(target=reader)
        thread.start()
        start = time.monotonic()
        try:
            marks = _marks(_writer(db, hold=1.0))
            time.sleep(0.3)
        finally:
            stop.set()
            thread.join(timeout=10)
        assert time.monotonic() - start < 14
        new = client.get("/api/health").json()["counts"]["observations"]

    assert new > old  # the synthetic import added rows (years the bundled data lacks)
    assert all(r[2] == 200 for r in reads), sorted({r[2] for r in reads})
    assert {r[3] for r in reads} <= {old, new} and all(r[4] == 5 for r in reads)
    during = [r for r in reads if marks["locked"] < r[0] and r[1] < marks["unlocked"]]
    assert len(during) >= 10  # the writer held the lock for over 2 s and reads went on meanwhile
    assert {r[3] for r in during} == {old}  # served from the replica: the state before the import
    assert app.state.ctx.served_from_replica >= 2 * len(during)
    after = [r for r in reads if r[0] > marks["unlocked"] + 0.05]
    assert after and {r[3] for r in after} == {new}


def test_without_replica_reads_wait_then_503_never_500(db):
    """Replica switched off: a read waits for a short write lock (then 200, new state) and gets 503 with
    Retry-After when the lock outlasts the wait."""
    from territoria.web import create_app
    from territoria.web.context import WebContext

    app = create_app(db)
    with _client(app) as client:
        app.state.ctx = WebContext(db, replica=False, wait=8.0)
        old = client.get("/api/health").json()["counts"]["observations"]
        proc = _writer(db, hold=0.3)
        assert proc.stdout.readline().startswith("locked")
        res = client.get("/api/health")  # waits for the writer (about 1 s) instead of failing
        assert res.status_code == 200 and res.json()["counts"]["observations"] > old
        _marks(proc)

        app.state.ctx = WebContext(db, replica=False, wait=0.3)
        holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]);"
                                   " print('locked', flush=True); time.sleep(3)", str(db)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            busy = client.get("/api/units")
        finally:
            holder.kill()
            holder.wait(timeout=10)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
        assert "locked by another process" in busy.json()["detail"]
        assert client.get("/api/units").status_code == 200
