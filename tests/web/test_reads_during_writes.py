"""Issue 19, finding 5: reads do not wait for writes.

Before, one global lock serialised every request: an upload with many unknown names froze ``/api/health``
for a minute. Now an import is held mid-way (inside the Store write, by an event) and reads complete
meanwhile, served from the replica (the state before the import); the upload's reading and name matching
run before the write starts. No timing: events order the steps.
"""

from __future__ import annotations

import threading

import pytest

import territoria.ingest.readers as readers
import territoria.store as store_module

GOOD = b"unit,indicator,year,value\nMamlyutka,unemployment_rate,1998,5.3\n"  # synthetic value
HANG = 120  # a hang guard only: every wait below ends on an event long before


@pytest.fixture
def held_import(monkeypatch):
    """``import_observations`` that signals ``inside`` and waits for ``release`` before importing."""
    inside, release = threading.Event(), threading.Event()
    real = store_module.import_observations

    def held(*args, **kwargs):
        inside.set()
        assert release.wait(HANG), "the test never released the import"
        return real(*args, **kwargs)

    monkeypatch.setattr(store_module, "import_observations", held)
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
    real = readers.read_table

    def spy(*args, **kwargs):
        seen.append((ctx.write_lock.locked(), ctx.writing))
        return real(*args, **kwargs)

    monkeypatch.setattr(readers, "read_table", spy)
    res = client.post("/api/import", files={"file": ("again.csv", GOOD, "text/csv")})
    assert res.status_code == 200, res.text
    assert seen == [(False, False)]
