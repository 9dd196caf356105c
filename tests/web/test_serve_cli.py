"""``territoria serve`` itself (not only the app): it listens on loopback with the request deadlines and
the upload limit taken from its options."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_applies_head_deadline_and_upload_limit(web_db, tmp_path):
    db = tmp_path / "serve.duckdb"
    shutil.copy(web_db, db)
    port = _free_port()
    env = {**os.environ, "TERRITORIA_MAX_UPLOAD_MB": "0.01"}
    cli = str(Path(sys.executable).with_name("territoria"))
    proc = subprocess.Popen([cli, "--db", str(db), "serve", "--port", str(port), "--public-read",
                             "--head-timeout", "1", "--body-timeout", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a hang guard only
        while True:
            try:
                assert httpx.get(f"{url}/api/units", timeout=5).status_code == 200
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                assert time.monotonic() < deadline, "territoria serve did not start"
                time.sleep(0.3)
        with socket.create_connection(("127.0.0.1", port), timeout=120) as slow:
            slow.sendall(b"GET /api/units HTTP/1.1\r\nHost: x\r\n")       # the head never ends
            answer = slow.recv(4096)                                     # only the server's deadline ends it
        assert answer.startswith(b"HTTP/1.1 408") and b"request head not received within 1 s" in answer
        big = httpx.post(f"{url}/api/import", files={"file": ("x.csv", b"a" * 200_000)}, timeout=120)
        assert big.status_code == 413                                  # 0.01 MiB from the environment
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_local_prints_a_token_and_a_login_link(web_db, tmp_path):
    """`territoria serve --local`: one command on a laptop; the printed link signs the browser in, the token
    works for the API, nothing is served without them."""
    db = tmp_path / "local.duckdb"
    shutil.copy(web_db, db)
    port = _free_port()
    cli = str(Path(sys.executable).with_name("territoria"))
    proc = subprocess.Popen([cli, "--db", str(db), "serve", "--local", "--port", str(port)],
                            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "400"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        link = None
        for line in proc.stdout:  # ends when the link is printed (or the process ends: a failure)
            if "/login/token?token=" in line:
                link = line.strip()
                break
        assert link and link.startswith(f"http://127.0.0.1:{port}/login/token?token="), proc.stderr.read()
        token = link.split("token=", 1)[1]
        deadline = time.monotonic() + 120  # a hang guard only
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 401
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "territoria serve --local did not start"
                time.sleep(0.3)
        ok = httpx.get(f"http://127.0.0.1:{port}/api/health", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        with httpx.Client() as browser:
            signed_in = browser.get(link, follow_redirects=False)
            assert signed_in.status_code == 303 and "Secure" not in signed_in.headers["set-cookie"]
            assert browser.get(f"http://127.0.0.1:{port}/api/health").status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=20)
