"""Issue 19, finding 5: reads do not wait for writes.

Before, one global lock serialised every request: an upload with many unknown names froze ``/api/health``
for a minute. Now an import is held mid-way (inside the Store write, by an event) and reads complete
meanwhile, served from the replica (the state before the import); the upload's reading and name matching
run before the write starts. No timing: events order the steps.
"""

from __future__ import annotations

import shutil
import threading

import pytest

import territoria.web.api as api  # the upload route's module: it holds the reader and the import it calls
import territoria.web.context as context
from territoria.store.accounts import record

GOOD = b"unit,indicator,year,value\nMamlyutka,unemployment_rate,1998,5.3\n"  # synthetic value
HANG = 120  # a hang guard only: every wait below ends on an event long before


@pytest.fixture
def held_import(monkeypatch):
    """``import_observations`` that signals ``inside`` and waits for ``release`` before importing."""
    inside, release = threading.Event(), threading.Event()
    real = api.import_observations

    def held(*args, **kwargs):
        inside.set()
        assert release.wait(HANG), "the test never released the import"
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "import_observations", held)
    return inside, release


def test_reads_complete_while_an_import_is_held_inside_its_write(app, client, held_import):
    inside, release = held_import
    ctx = app.state.ctx
    before = client.get("/api/health").json()["counts"]["observations"]  # also makes the replica
    answer: dict[str, object] = {}

    def upload():
        answer["res"] = client.post("/api/import", files={"file": ("held.csv", GOOD, "text/csv")})

    worker = threading.Thread(target=upload)
    worker.start()
    try:
        assert inside.wait(HANG), "the import never reached the Store"
        assert ctx.write_lock.locked() and ctx.writing  # the write is under way and not finished
        during = [client.get("/api/health"), client.get("/api/ranking", params={"lang": "en"}),
                  client.get("/api/units", params={"level": "region"})]
        assert [r.status_code for r in during] == [200, 200, 200]
        assert during[0].json()["counts"]["observations"] == before  # the state before the import
        assert worker.is_alive()  # the import is still held
    finally:
        release.set()
        worker.join(HANG)
    res = answer["res"]
    assert res.status_code == 200, res.text
    assert res.json()["rows_new"] + res.json()["rows_same"] == 1
    assert client.get("/api/health").json()["counts"]["observations"] == before + res.json()["rows_new"]


def test_name_matching_runs_outside_the_write(app, client, monkeypatch):
    """The upload is read and its names matched before the write starts (while matching, no write is held
    and reads go to the Store itself)."""
    ctx = app.state.ctx
    seen = []
    real = api.read_table

    def spy(*args, **kwargs):
        seen.append((ctx.write_lock.locked(), ctx.writing))
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "read_table", spy)
    res = client.post("/api/import", files={"file": ("again.csv", GOOD, "text/csv")})
    assert res.status_code == 200, res.text
    assert seen == [(False, False)]


def test_a_replica_being_copied_is_never_deleted(web_db, tmp_path, monkeypatch):
    """Found by benchmarks/bench_web.py: a reader finishing on an old replica deleted the folder of a replica
    still being copied, and later reads answered "no Store here". Each step below waits for an event."""
    db = tmp_path / "race.duckdb"
    shutil.copy(web_db, db)
    ctx = context.WebContext(db)
    with ctx.store() as store:
        before = store.counts()["observations"]  # replica of version 1
    writing, write_done, on_replica, leave_replica = (threading.Event() for _ in range(4))
    copying, finish_copy = threading.Event(), threading.Event()

    def writer():
        with ctx.store(write=True) as store:
            writing.set()
            assert write_done.wait(HANG)
            with store.transaction():
                record(store, user="test", action="race")  # a new version of the Store

    def old_reader():
        with ctx.store() as store:  # served from the replica while the write is under way
            store.counts()
            on_replica.set()
            assert leave_replica.wait(HANG)

    real_copy = shutil.copyfile

    def slow_copy(src, dst, *args, **kwargs):
        out = real_copy(src, dst, *args, **kwargs)
        copying.set()
        assert finish_copy.wait(HANG)
        return out

    threads = [threading.Thread(target=writer)]
    threads[0].start()
    assert writing.wait(HANG)
    threads.append(threading.Thread(target=old_reader))
    threads[1].start()
    assert on_replica.wait(HANG)
    write_done.set()
    threads[0].join(HANG)
    monkeypatch.setattr(context.shutil, "copyfile", slow_copy)
    def new_reader():
        with ctx.store() as store:  # reads the file itself and copies version 2
            store.counts()

    threads.append(threading.Thread(target=new_reader))
    threads[2].start()
    assert copying.wait(HANG)
    leave_replica.set()  # the old reader leaves while version 2 is being copied
    threads[1].join(HANG)
    finish_copy.set()
    threads[2].join(HANG)
    monkeypatch.setattr(context.shutil, "copyfile", real_copy)
    held, release = threading.Event(), threading.Event()

    def hold_write():
        with ctx.store(write=True):
            held.set()
            assert release.wait(HANG)

    blocker = threading.Thread(target=hold_write)
    blocker.start()
    try:
        assert held.wait(HANG)
        with ctx.store() as store:  # the replica of version 2 stands in, and it exists
            assert store.counts()["observations"] == before
    finally:
        release.set()
        blocker.join(HANG)
