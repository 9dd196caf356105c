"""Issue 19, finding 10: PDF reports go through a bounded pool (workers, a queue, a timeout).

Before, each PDF request started its own Chromium (six at once took 3.4 GB). Chromium is replaced by a
stub that blocks on an event, so the test sees exactly which requests print, wait, or are turned away.
"""

from __future__ import annotations

import threading

import pytest

from territoria.errors import TerritoriaError
from territoria.report import render
from territoria.web.render_pool import RenderPool

HANG = 120  # a hang guard only


@pytest.fixture
def printer(monkeypatch):
    """A stub ``to_pdf``: records its timeout, signals ``started``, waits for ``release``."""
    started, release, calls = threading.Semaphore(0), threading.Event(), []

    def to_pdf(html, path, *, timeout):
        calls.append(timeout)
        started.release()
        assert release.wait(HANG)
        path.write_bytes(b"%PDF-1.4\n% stub\n%%EOF\n")
        return path

    monkeypatch.setattr(render, "to_pdf", to_pdf)
    return started, release, calls


@pytest.fixture
def small_pool(app):
    """One printer, one place in the queue, 30 s (the application's pool is restored afterwards)."""
    before = app.state.pdf_pool
    app.state.pdf_pool = RenderPool(workers=1, queue=1, timeout=30)
    yield app.state.pdf_pool
    app.state.pdf_pool = before


def test_one_printer_one_waiting_the_third_is_turned_away(client, printer, small_pool):
    started, release, calls = printer
    pool = small_pool
    answers: list = []

    def ask():
        answers.append(client.get("/api/ranking/report.pdf", params={"lang": "ru"}))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        assert started.acquire(timeout=HANG)  # one prints ...
        assert pool.wait_pending(2, HANG)      # ... and one waits for it
        busy = client.get("/api/ranking/report.pdf", params={"lang": "en"})
        assert busy.status_code == 503 and busy.headers["retry-after"] == "10"
        assert "1 being printed and 1 waiting" in busy.json()["detail"]
        assert client.get("/api/ranking/report.xlsx").status_code == 200  # other formats are not limited
        assert len(calls) == 1
    finally:
        release.set()
        for t in threads:
            t.join(HANG)
    assert [a.status_code for a in answers] == [200, 200]
    assert all(a.content.startswith(b"%PDF-") for a in answers)
    assert calls == [30.0, 30.0] and pool.pending == 0  # every render got the pool's timeout


def test_a_failed_or_slow_print_is_503_without_server_paths(app, client, monkeypatch):
    def to_pdf(html, path, *, timeout):
        raise TerritoriaError(f"{path}: Chromium did not finish printing within {timeout:.0f} s")

    monkeypatch.setattr(render, "to_pdf", to_pdf)
    res = client.get("/api/ranking/report.pdf")
    assert res.status_code == 503 and "retry-after" in res.headers
    assert "/tmp" not in res.text and "territoria-report-" not in res.text


def test_pool_settings_are_checked():
    with pytest.raises(ValueError, match="workers >= 1"):
        RenderPool(workers=0)
