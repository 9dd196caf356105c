"""Web fixtures: the application on a copy of the bundled Store (real data)."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="module")
def web_db(bundled_store_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("web") / "web.duckdb"
    shutil.copy(bundled_store_path, path)
    return path


@pytest.fixture(scope="module")
def app(web_db):
    from territoria.web import create_app

    return create_app(web_db, max_upload_bytes=20_000)


@pytest.fixture(scope="module")
def client(app):
    import warnings

    with warnings.catch_warnings():  # Starlette's note about httpx vs httpx2; nothing we can act on
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c
