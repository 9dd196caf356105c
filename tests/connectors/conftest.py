"""Fixtures of the connector tests: a scripted fake HTTP server on loopback, a cache in tmp, a Store copy."""

from __future__ import annotations

import shutil
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


class FakeTaldau:
    """A loopback HTTP server answering from a script: path -> list of (status, content_type, body).

    Each request to a path takes the next scripted answer (the last one repeats). ``hits`` counts requests per
    path; ``headers`` keeps the headers of the last request.
    """

    def __init__(self) -> None:
        self.script: dict[str, list[tuple[int, str, bytes]]] = {}
        self.hits: dict[str, int] = {}
        self.headers: dict[str, str] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?", 1)[0]
                fake.hits[path] = fake.hits.get(path, 0) + 1
                fake.headers = dict(self.headers.items())
                answers = fake.script.get(path) or [(404, "text/plain", b"not scripted")]
                status, ctype, body = answers[min(fake.hits[path] - 1, len(answers) - 1)]
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeTaldau:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake_taldau():
    server = FakeTaldau().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def store_copy(bundled_store_path, tmp_path) -> Path:
    """A writable copy of the bundled Store."""
    target = tmp_path / "store.duckdb"
    shutil.copy(bundled_store_path, target)
    return target
