"""Hostile uploads: oversize bodies (declared and chunked), malformed multipart, file names with paths, names
that are not UTF-8, two files, empty files, a zip bomb. Each is a 4xx whose message names the fault; the Store
is unchanged (digest of every table) and nothing is written outside the upload area (the temporary folder,
redirected to a fresh directory here). The uploads are small synthetic tables.
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import zipfile
from pathlib import Path

import pytest

from territoria.store import Store

B = "territoria-test-boundary"
GOOD = b"unit,indicator,year,value\nMamlyutka,unemployment_rate,2021,5.1\n"  # synthetic value
MULTIPART = f"multipart/form-data; boundary={B}"


def part(filename: bytes | None, data: bytes, *, name: str = "file") -> bytes:
    disposition = f'Content-Disposition: form-data; name="{name}"'.encode()
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return f"--{B}\r\n".encode() + disposition + b"\r\nContent-Type: text/csv\r\n\r\n" + data + b"\r\n"


END = f"--{B}--\r\n".encode()


def store_digest(path: Path) -> str:
    """SHA-256 over every table of the Store: its name, row count and the sum of DuckDB's 64-bit hashes of its
    whole rows (any changed, added or removed row changes it; computed inside DuckDB, ~8x faster than hashing
    the tables written out as CSV)."""
    digest = hashlib.sha256()
    with Store(path, read_only=True) as store:
        tables = store.query("SELECT table_name FROM information_schema.tables ORDER BY table_name")["table_name"]
        for table in tables:
            rows, total = store.con.execute(f'SELECT count(*), sum(hash(t)) FROM "{table}" t').fetchone()
            digest.update(f"{table}:{rows}:{total}".encode())
    return digest.hexdigest()


def tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


CASES = [  # id, content type, body, status, words the message must contain
    ("no-boundary", "multipart/form-data", part(b"a.csv", GOOD) + END, 400, "no boundary"),
    ("wrong-boundary", "multipart/form-data; boundary=OTHER", part(b"a.csv", GOOD) + END, 400, "boundary 'OTHER'"),
    ("garbage", MULTIPART, b"\x00\x01garbage" * 50, 400, "Invalid multipart data"),
    ("truncated-in-file", MULTIPART, (part(b"a.csv", GOOD) + END)[:60], 400, "truncated"),
    ("truncated-no-close", MULTIPART, part(b"a.csv", GOOD), 400, "truncated"),
    ("missing-file-part", MULTIPART, part(None, b"hello", name="note") + END, 422, "'file' is missing"),
    ("file-as-plain-field", MULTIPART, part(None, GOOD) + END, 422, "plain field"),
    ("two-file-parts", MULTIPART, part(b"a.csv", GOOD) + part(b"b.csv", GOOD) + END, 422, "more than one file"),
    ("file-and-other-file", MULTIPART, part(b"a.csv", GOOD) + part(b"b.csv", GOOD, name="x") + END, 422,
     "more than one file"),
    ("non-utf8-name", MULTIPART, part("données.csv".encode("latin-1"), GOOD) + END, 422, "not valid UTF-8"),
    ("dotdot", MULTIPART, part(b"../x.csv", GOOD) + END, 422, "contains a path"),
    ("dotdot-deep", MULTIPART, part(b"../../../../tmp/x.csv", GOOD) + END, 422, "contains a path"),
    ("absolute", MULTIPART, part(b"/etc/passwd", GOOD) + END, 422, "contains a path"),
    ("windows-drive", MULTIPART, part(b"C:\\x.csv", GOOD) + END, 422, "contains a path"),
    ("windows-dotdot", MULTIPART, part(b"..\\x.csv", GOOD) + END, 422, "contains a path"),
    ("control-chars", MULTIPART, part(b"a\x01b.csv", GOOD) + END, 422, "control characters"),
    ("empty-name", MULTIPART, part(b"", GOOD) + END, 422, "empty file name"),
    ("no-suffix", MULTIPART, part(b"passwd", GOOD) + END, 422, "unsupported file type"),
    ("empty-file", MULTIPART, part(b"e.csv", b"") + END, 422, "the file is empty"),
    ("json-body", "application/json", b'{"file": "/etc/passwd"}', 415, "multipart/form-data"),
    ("oversize-declared", MULTIPART, part(b"big.csv", b"9" * 100_000) + END, 413, "Content-Length is"),
    ("file-over-limit", MULTIPART, part(b"big.csv", b"9" * 30_000) + END, 413, "larger than the limit of 20,000"),
]


@pytest.fixture
def upload_area(tmp_path, monkeypatch):
    """The temporary folder (where uploads are written under server-chosen names) moved to a fresh directory,
    and the working directory moved next to it, so that a stray write would land inside ``tmp_path``."""
    import tempfile

    area = tmp_path / "upload-area"
    area.mkdir()
    cwd = tmp_path / "cwd" / "deeper"
    cwd.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(area))
    monkeypatch.chdir(cwd)
    return area


@pytest.fixture(scope="module")
def refused():
    return {}


@pytest.mark.parametrize(("content_type", "body", "status", "needle"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_malformed_upload_is_a_named_4xx_and_changes_nothing(client, web_db, upload_area, tmp_path, refused,
                                                               content_type, body, status, needle):
    before_store, before_tree = store_digest(web_db), tree(tmp_path)
    before_db_dir = tree(web_db.parent)
    passwd = os.stat("/etc/passwd").st_mtime_ns
    res = client.post("/api/import", content=body, headers={"content-type": content_type})
    assert res.status_code == status, res.text
    assert needle in res.json()["detail"]
    assert store_digest(web_db) == before_store
    assert tree(tmp_path) == before_tree  # the upload area is empty again; nothing landed next to it
    assert list(upload_area.iterdir()) == []
    assert tree(web_db.parent) == before_db_dir
    assert os.stat("/etc/passwd").st_mtime_ns == passwd
    refused[status] = refused.get(status, 0) + 1


def test_chunked_body_cut_off_at_the_limit(client, web_db, upload_area):
    """No Content-Length: the middleware counts while the body streams and answers 413 at the limit."""
    before = store_digest(web_db)

    def body():
        yield f"--{B}\r\n".encode() + b'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        for _ in range(100):
            yield b"7" * 8192

    res = client.post("/api/import", content=body(), headers={"content-type": MULTIPART})
    assert res.status_code == 413 and "while streaming" in res.json()["detail"]
    assert res.headers["connection"] == "close"
    assert store_digest(web_db) == before and list(upload_area.iterdir()) == []


def test_middleware_stops_pulling_the_body_at_the_limit():
    """The application behind the middleware sees at most the limit; the server is not asked for more."""
    import asyncio

    from territoria.web.limits import BodyLimitMiddleware

    pulled, seen, sent = [], [], []

    async def receive():
        pulled.append(8192)
        return {"type": "http.request", "body": b"x" * 8192, "more_body": True}  # an endless chunked body

    async def send(message):
        sent.append(message)

    async def app(scope, receive, send):  # reads everything it is given, then would answer 200
        while (message := await receive())["type"] == "http.request":
            seen.append(len(message["body"]))
        await send({"type": "http.response.start", "status": 200, "headers": []})

    guarded = BodyLimitMiddleware(app, max_bytes=50_000)
    asyncio.run(guarded({"type": "http", "method": "POST", "headers": []}, receive, send))
    assert sum(pulled) == 57_344  # 7 chunks: the first one past 50 000 bytes ends the request
    assert sum(seen) == 49_152 and [m.get("status") for m in sent if "status" in m] == [413]


def test_zip_bomb_workbook_refused(client, web_db, upload_area, monkeypatch):
    """A small XLSX (synthetic) with a member of 4 MiB of zeros; the unpack limit is lowered to 1 MiB."""
    import openpyxl

    from territoria.ingest import tables

    monkeypatch.setattr(tables, "XLSX_MAX_UNPACKED", 2**20)
    wb = openpyxl.Workbook()
    wb.active.append(["unit", "indicator", "year", "value"])
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/zeros.bin", b"\0" * 4 * 2**20)
    assert len(buffer.getvalue()) < 20_000
    before = store_digest(web_db)
    res = client.post("/api/import", files={"file": ("bomb.xlsx", buffer.getvalue())})
    assert res.status_code == 422 and "unpacks to at most" in res.json()["detail"]
    assert "upload" not in res.json()["detail"].split("bomb.xlsx")[0]  # the server's temporary name stays hidden
    assert store_digest(web_db) == before and list(upload_area.iterdir()) == []


def test_a_good_upload_still_imports(client, web_db, upload_area):
    """Control: the same form with a bare file name is accepted and written."""
    before = store_digest(web_db)
    res = client.post("/api/import", content=part("Мамлютка.csv".encode(), GOOD) + END,
                      headers={"content-type": MULTIPART})
    assert res.status_code == 200, res.text
    assert res.json()["summary"].startswith("Мамлютка.csv:")
    assert store_digest(web_db) != before and list(upload_area.iterdir()) == []


def _recv_all(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except (TimeoutError, ConnectionResetError):
        pass
    return b"".join(chunks)


def _auth(server) -> bytes:
    return b"".join(f"{k}: {v}\r\n".encode() for k, v in server.headers.items())


def test_declared_oversize_refused_before_the_body_is_sent(live_server):
    """Over a real socket: headers announce 1 GB, no body byte is ever sent, and the 413 arrives (so it was
    decided from the head alone) and the server closes the connection."""
    with socket.create_connection((live_server.host, live_server.port), timeout=120) as sock:
        sock.sendall(b"POST /api/import HTTP/1.1\r\nHost: localhost\r\n" + _auth(live_server)
                     + b"Content-Type: " + MULTIPART.encode()
                     + b"\r\nContent-Length: 1000000000\r\n\r\n")
        reply = _recv_all(sock, 120)  # returns when the server closes; 120 s only guards against a hang
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"Content-Length is 1,000,000,000 bytes" in reply


def test_chunked_oversize_refused_over_a_socket(live_server):
    """Over a real socket, chunked: the server answers 413 while the client is still sending."""
    with socket.create_connection((live_server.host, live_server.port), timeout=120) as sock:
        sock.sendall(b"POST /api/import HTTP/1.1\r\nHost: localhost\r\n" + _auth(live_server)
                     + b"Content-Type: " + MULTIPART.encode()
                     + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
        head = f"--{B}\r\n".encode() + b'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
        chunk = b"2000\r\n" + b"5" * 0x2000 + b"\r\n"
        sock.settimeout(0.05)
        reply = b""
        for _ in range(2_000):  # up to 16 MB if the server never answered
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            try:
                reply += sock.recv(65536)
            except TimeoutError:
                continue
            if reply:
                break
        reply += _recv_all(sock, 120)  # until the server closes; 120 s only guards against a hang
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"while streaming" in reply
    assert live_server.server.started  # and it keeps serving
    import httpx

    assert httpx.get(f"{live_server.url}/api/health", headers=live_server.headers, timeout=10).status_code == 200


def test_limits_from_the_environment(web_db, monkeypatch):
    """``TERRITORIA_MAX_UPLOAD_BYTES`` sets the limit when ``create_app`` is not given one; the deadlines come
    from ``TERRITORIA_HEAD_TIMEOUT`` / ``TERRITORIA_BODY_TIMEOUT``; a bad value names the variable."""
    from territoria.web import create_app
    from territoria.web.limits import server_config

    monkeypatch.setenv("TERRITORIA_MAX_UPLOAD_BYTES", "1234")
    assert create_app(web_db).state.ctx.max_upload_bytes == 1234
    assert create_app(web_db, max_upload_bytes=99).state.ctx.max_upload_bytes == 99
    monkeypatch.setenv("TERRITORIA_HEAD_TIMEOUT", "2.5")
    config = server_config(object(), body_timeout=7)
    assert (config.http.head_timeout, config.http.body_timeout, config.timeout_keep_alive) == (2.5, 7.0, 5)
    monkeypatch.setenv("TERRITORIA_MAX_UPLOAD_BYTES", "ten megabytes")
    with pytest.raises(ValueError, match="TERRITORIA_MAX_UPLOAD_BYTES='ten megabytes': expected a number"):
        create_app(web_db)
