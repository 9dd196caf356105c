"""Readers keep answering while another process writes the Store.

A subprocess imports synthetic rows (the worker of the SIGKILL test, values labelled synthetic) into the
Store the web application serves, holding DuckDB's exclusive write lock, while a thread reads
``/api/health`` and ``/api/units`` in a loop. Every read must be a 200 showing either the old or the new
state, never an error; reads made while the writer holds the lock are served from the replica (the old
state). Without a replica, reads wait (bounded) and a lock held longer than the wait is a 503 with
``Retry-After``.

No clock decides anything here: the writer takes its steps when the test tells it to (lines on its standard
input) and says when it has taken them (lines on its standard output); the test moves on when the reader
has completed enough reads inside each phase (a condition variable), however loaded the machine is.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
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
while True:  # the web application holds a shared lock while it serves a request: wait for a gap
    try:
        store = Store({db!r})
        break
    except StoreError:
        time.sleep(0.01)
print("locked", flush=True)
sys.stdin.readline()  # "import"
import_observations(store, rows, file="synthetic-new.csv", file_sha256="synthetic-new",
                    source_id="synthetic:hardening", revise=True)
print("imported", flush=True)
sys.stdin.readline()  # "release"
store.close()
print("unlocked", flush=True)
"""
#: reads the reader must complete inside each phase before the test moves on
READS_PER_PHASE = 3
#: a guard against a hang (a broken build), never reached by a working one however slow
HANG = 120


def _client(app, web_auth):
    """A viewer's client (reads only) on ``app``'s Store."""
    return web_auth.make_client(app, token=web_auth.add_accounts(app.state.ctx.db)["viewer"])


@pytest.fixture
def db(web_template, tmp_path):
    """The bundled Store with the test accounts already in it (``_client`` then only makes a token: no
    passwords hashed again for each test)."""
    path = tmp_path / "served.duckdb"
    shutil.copy(web_template[0], path)
    return path


def _writer(db: Path) -> subprocess.Popen:
    code = WRITER.format(hardening=str(HARDENING), units=["590000000", "550000000", "710000000"], db=str(db))
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def _tell(proc: subprocess.Popen, line: str, expect: str) -> None:
    """Send ``line`` to the writer (unless empty) and wait for it to say ``expect``."""
    if line:
        assert proc.stdin is not None
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
    assert proc.stdout is not None
    said = proc.stdout.readline().strip()
    assert said == expect, f"the writer said {said!r}, expected {expect!r} (exit code {proc.poll()})"


@dataclass(frozen=True)
class Read:
    phase: str  # the phase when the read started and ended (reads spanning two phases are "mixed")
    status: int
    observations: int | None
    rows: int | None


class Reader(threading.Thread):
    """Reads health and units in a loop, labelling each read with the phase it lay wholly inside."""

    def __init__(self, client) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.phase = "before"
        self.reads: list[Read] = []
        self.stop = threading.Event()
        self.changed = threading.Condition()

    def run(self) -> None:
        while not self.stop.is_set():
            started = self.phase
            health = self.client.get("/api/health")
            units = self.client.get("/api/units", params={"level": "region", "limit": 5})
            ended = self.phase
            read = Read(started if started == ended else "mixed", max(health.status_code, units.status_code),
                        health.json()["counts"]["observations"] if health.status_code == 200 else None,
                        len(units.json().get("rows", [])) if units.status_code == 200 else None)
            with self.changed:
                self.reads.append(read)
                self.changed.notify_all()
            # A breath between reads: back to back, they left the writer (which must find the file free to
            # take its lock) only instants, so it spun on failed opens, and the reader on reads nobody waited
            # for, for as long as that took. Phases still end on reads counted, never on a clock.
            self.stop.wait(0.005)

    def enter(self, phase: str) -> None:
        """Start ``phase`` and wait until READS_PER_PHASE reads have been made wholly inside it."""
        self.phase = phase
        with self.changed:
            done = self.changed.wait_for(lambda: sum(r.phase == phase for r in self.reads) >= READS_PER_PHASE
                                         or not self.is_alive(), timeout=HANG)
        assert done and self.is_alive(), f"the reader stopped or hung in phase {phase!r}"

    def inside(self, phase: str) -> list[Read]:
        return [r for r in self.reads if r.phase == phase]


def test_reads_during_an_import_in_another_process_are_old_or_new(db, web_auth):
    from territoria.web import create_app

    app = create_app(db)
    with _client(app, web_auth) as client:
        old = client.get("/api/health").json()["counts"]["observations"]  # the first read makes the replica
        reader = Reader(client)
        writer = _writer(db)
        reader.start()
        try:
            _tell(writer, "", "locked")
            reader.enter("locked")            # the writer holds the lock, nothing written yet
            _tell(writer, "import", "imported")
            reader.enter("imported")          # written, not yet released
            reader.phase = "releasing"
            _tell(writer, "release", "unlocked")
            reader.enter("unlocked")          # the writer has closed the Store
        finally:
            reader.stop.set()
            reader.join(timeout=HANG)
            writer.kill()
            writer.wait(timeout=HANG)
        new = client.get("/api/health").json()["counts"]["observations"]

    reads = reader.reads
    assert new > old  # the synthetic import added rows (years the bundled data lacks)
    assert all(r.status == 200 for r in reads), sorted({r.status for r in reads})
    assert {r.observations for r in reads} <= {old, new} and all(r.rows == 5 for r in reads)
    locked = reader.inside("locked") + reader.inside("imported")
    assert len(locked) >= 2 * READS_PER_PHASE
    assert {r.observations for r in locked} == {old}  # served from the replica: the state before the import
    assert app.state.ctx.served_from_replica >= 2 * len(locked)
    assert {r.observations for r in reader.inside("unlocked")} == {new}


def test_without_replica_reads_wait_then_503_never_500(db, web_auth):
    """Replica switched off: a read waits for a short write lock (then 200, new state) and gets 503 with
    Retry-After when the lock outlasts the wait."""
    from territoria.web import create_app
    from territoria.web.context import WebContext

    app = create_app(db)
    with _client(app, web_auth) as client:
        app.state.ctx = WebContext(db, replica=False, wait=HANG)
        old = client.get("/api/health").json()["counts"]["observations"]
        writer = _writer(db)
        try:
            _tell(writer, "", "locked")
            assert writer.stdin is not None
            writer.stdin.write("import\nrelease\n")  # the writer finishes on its own while the read waits
            writer.stdin.flush()
            res = client.get("/api/health")  # waits for the writer instead of failing
            assert res.status_code == 200 and res.json()["counts"]["observations"] > old
            _tell(writer, "", "imported")
            _tell(writer, "", "unlocked")
        finally:
            writer.kill()
            writer.wait(timeout=HANG)

        app.state.ctx = WebContext(db, replica=False, wait=0.3)
        holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]);"
                                   " print('locked', flush=True); sys.stdin.readline()", str(db)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            busy = client.get("/api/units")  # the lock is held until the holder is told to go
        finally:
            holder.kill()
            holder.wait(timeout=HANG)
        assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
        assert "locked by another process" in busy.json()["detail"]
        assert client.get("/api/units").status_code == 200
