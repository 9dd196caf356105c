"""Web fixtures: the application on a copy of the bundled Store (real data), with three test accounts
(synthetic: ``viewer1``, ``analyst1``, ``admin1``) and an API token for each; ``client`` is signed in as
the analyst with a token (``Authorization: Bearer``)."""

from __future__ import annotations

import os
import shutil

import pytest

ROLES = ("viewer", "analyst", "admin")
PASSWORD = "correct horse battery"  # synthetic test password of every test account


def add_accounts(db) -> dict[str, str]:
    """Users ``viewer1``, ``analyst1``, ``admin1`` (password :data:`PASSWORD`) in the Store ``db``; one new
    API token each, by role."""
    from territoria.store import Store
    from territoria.store.accounts import add_user, create_token, get_user

    tokens = {}
    with Store(db) as store:
        for role in ROLES:
            if get_user(store, f"{role}1") is None:
                add_user(store, f"{role}1", role=role, password=PASSWORD)
            tokens[role] = create_token(store, f"{role}1", label="tests")
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_client(app, *, token: str | None = None, **kwargs):
    """A TestClient on ``https://localhost`` (an allowed host; Secure cookies travel), with ``token``."""
    import warnings

    with warnings.catch_warnings():  # Starlette's note about httpx vs httpx2; nothing we can act on
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    headers = {**(bearer(token) if token else {}), **kwargs.pop("headers", {})}
    return TestClient(app, base_url="https://localhost", headers=headers, **kwargs)


def with_token(app, token: str):
    """An ASGI wrapper adding ``Authorization: Bearer token`` to every request (for tools such as
    schemathesis that call the application themselves)."""

    async def wrapped(scope, receive, send):
        if scope["type"] == "http":
            scope = {**scope, "headers": [*scope.get("headers", []), (b"authorization", f"Bearer {token}".encode())]}
        await app(scope, receive, send)

    return wrapped


@pytest.fixture(scope="session")
def web_auth():
    """The helpers above, for test modules: ``add_accounts``, ``make_client``, ``bearer``, ``with_token``."""
    from types import SimpleNamespace

    return SimpleNamespace(add_accounts=add_accounts, make_client=make_client, bearer=bearer, with_token=with_token,
                           password=PASSWORD)


def _copy_store(source, target) -> None:
    """A Store file and its write-ahead log, if one is left."""
    shutil.copy(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy(wal, target.with_name(target.name + ".wal"))


@pytest.fixture(scope="session")
def web_template(bundled_store_path, tmp_path_factory):
    """The bundled Store with the test accounts and their tokens, made once per session (hashing three
    passwords and creating tokens for every module was repeated work): ``(path, tokens by role)``. Modules
    get copies (``web_db``), never this file."""
    path = tmp_path_factory.mktemp("web_template") / "web.duckdb"
    _copy_store(bundled_store_path, path)
    return path, add_accounts(path)


@pytest.fixture(scope="module")
def web_db(web_template, tmp_path_factory):
    """A copy of :func:`web_template` for one module (its writes stay in it)."""
    path = tmp_path_factory.mktemp("web") / "web.duckdb"
    _copy_store(web_template[0], path)
    return path


@pytest.fixture(scope="module")
def tokens(web_db, web_template):
    """API tokens of the test accounts in ``web_db``, by role (those of the template it was copied from)."""
    return dict(web_template[1])


@pytest.fixture(scope="module")
def app(web_db, tokens):
    from territoria.web import create_app

    return create_app(web_db, max_upload_bytes=20_000)


@pytest.fixture(scope="module")
def client(app, tokens):
    with make_client(app, token=tokens["analyst"]) as c:
        yield c


class LiveServer:
    """A running uvicorn server (thread) on 127.0.0.1: ``url``, ``host``, ``port`` and the uvicorn ``server``."""

    def __init__(self, app, headers=None, **config):
        import socket
        import threading
        import time

        import uvicorn

        from territoria.web.limits import server_config

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"
        self.headers = headers or {}  # an analyst's token for the live-server tests
        self.server = uvicorn.Server(server_config(app, host=self.host, port=self.port, **config))
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 120  # a hang guard, not a measurement
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.server.started, "the server did not start"

    def stop(self):
        self.server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def live_server(web_db, tokens):
    """The real application on a loopback port, served with the request deadlines of
    :func:`territoria.web.limits.server_config`, shortened (head 1 s, body 1.5 s) to keep slow-client tests
    short; upload limit 20 000 bytes as in ``app``."""
    from territoria.web import create_app

    server = LiveServer(create_app(web_db, max_upload_bytes=20_000), headers=bearer(tokens["analyst"]),
                        head_timeout=1.0, body_timeout=1.5)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def patient_server(web_db, tokens):
    """The real application with deadlines no test waits for (the slow-client tests use ``live_server``;
    in test_hardening_load 200 connections must be open before the first request, however long that takes)."""
    from territoria.web import create_app

    server = LiveServer(create_app(web_db, max_upload_bytes=20_000), headers=bearer(tokens["analyst"]),
                        head_timeout=1200.0, body_timeout=1200.0)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser_server(web_db, tokens):
    """The real application for a browser: its URL on a loopback port, plain HTTP as `territoria serve --local`
    (the session cookie is not marked Secure), uvicorn's own deadlines."""
    import socket
    import threading
    import time

    import uvicorn

    from territoria.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(web_db, secure_cookies=False), host="127.0.0.1", port=port,
                            log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a hang guard, not a measurement
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


CHROMIUM = os.environ.get("TERRITORIA_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium (Debian's, driven by Playwright) for all the browser tests of a module, each
    fixture opening its own context in it (cookies and storage are per context). Not one per session: while
    Playwright's synchronous API is open it keeps an event loop running in the main thread, and the later
    modules' ``asyncio.run`` (the slow-client tests) would then fail."""
    from playwright.sync_api import sync_playwright

    from territoria.report.render import CHROMIUM_FLAGS

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=[f for f in CHROMIUM_FLAGS if f != "--headless"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def latin_words():
    """``latin_words(text, allowed)``: the Latin words of ``text`` (two letters or more) that are not ``allowed`` —
    what a Russian or Kazakh reader would see as English. Key paths, codes and file names go in ``allowed``."""
    import re

    def find(text: str, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
        return [w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w not in allowed]

    return find
