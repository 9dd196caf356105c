"""Transport against a fake Taldau on loopback (127.0.0.1): retries, no retry on 4xx, size cap, HTML, cache."""

from __future__ import annotations

import socket

import pytest
from constructed import body, wage_cube

from territoria.connectors.taldau import protocol
from territoria.connectors.taldau.cache import Manifest, RawCache
from territoria.connectors.taldau.errors import OfflineMissError, StructureChangedError, TransportError
from territoria.connectors.taldau.transport import TaldauClient

REQ = protocol.index_data(702972, 7, [68, 859, 776, 2813, 576])
PATH = "/ru/Api/GetIndexData/702972"
JSON = "application/json; charset=utf-8"


def client(tmp_path, url, **kw) -> TaldauClient:
    pauses: list[float] = []
    c = TaldauClient(cache=RawCache(tmp_path / "cache"), base_url=url, min_interval=0.0, backoff=0.01,
                     timeout=5.0, sleep=pauses.append, **kw)
    c.pauses = pauses  # type: ignore[attr-defined]
    return c


def test_retries_on_500_then_caches(tmp_path, fake_taldau):
    good = body(wage_cube())
    fake_taldau.script[PATH] = [(500, "text/plain", b"oops"), (503, "text/plain", b"busy"), (200, JSON, good)]
    manifest = Manifest("t")
    with client(tmp_path, fake_taldau.url, manifest=manifest) as c:
        answer = c.get(REQ)
    assert fake_taldau.hits[PATH] == 3 and answer.body == good and not answer.from_cache
    # backoff grows: base * 2**k plus jitter in [0, base)
    assert len(c.pauses) == 2 and 0.01 <= c.pauses[0] < 0.02 and 0.02 <= c.pauses[1] < 0.03
    assert fake_taldau.headers.get("X-Requested-With") == "XMLHttpRequest"
    assert "territoria" in fake_taldau.headers.get("User-Agent", "")
    # the second time the cache answers; Taldau is not asked
    with client(tmp_path, fake_taldau.url) as c2:
        again = c2.get(REQ)
    assert fake_taldau.hits[PATH] == 3 and again.from_cache and again.body_sha256 == answer.body_sha256
    assert manifest.used[0]["body_sha256"] == answer.body_sha256
    path = manifest.write(RawCache(tmp_path / "cache"))
    assert answer.body_sha256 in path.read_text(encoding="utf-8")


def test_gives_up_after_retries(tmp_path, fake_taldau):
    fake_taldau.script[PATH] = [(500, "text/html", b"<html><title>Server Error</title></html>")]
    with client(tmp_path, fake_taldau.url, retries=2) as c, pytest.raises(TransportError) as err:
        c.get(REQ)
    assert fake_taldau.hits[PATH] == 3
    assert "GetIndexData/702972" in str(err.value) and "HTTP 500" in str(err.value) and "Server Error" in str(err.value)
    assert RawCache(tmp_path / "cache").get(REQ) is None


def test_no_retry_on_4xx(tmp_path, fake_taldau):
    fake_taldau.script[PATH] = [(404, "text/plain", b"no")]
    with client(tmp_path, fake_taldau.url) as c, pytest.raises(TransportError, match=r"HTTP 404.*not retried"):
        c.get(REQ)
    assert fake_taldau.hits[PATH] == 1


def test_size_cap(tmp_path, fake_taldau):
    fake_taldau.script[PATH] = [(200, JSON, b"[" + b"0," * 5000 + b"0]")]
    with client(tmp_path, fake_taldau.url, max_bytes=1000) as c, pytest.raises(TransportError, match="cap of 1,000"):
        c.get(REQ)
    assert fake_taldau.hits[PATH] == 1


def test_html_instead_of_json(tmp_path, fake_taldau):
    page = "<!DOCTYPE html><html><head><title>Индекс за пределами диапазона</title></head><body/></html>"
    fake_taldau.script[PATH] = [(200, "text/html", page.encode())]
    with client(tmp_path, fake_taldau.url) as c, pytest.raises(StructureChangedError,
                                                                match="Индекс за пределами диапазона"):
        c.get(REQ)
    assert RawCache(tmp_path / "cache").get(REQ) is None


def test_network_error_is_retried(tmp_path):
    with socket.socket() as s:  # a free port with nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with client(tmp_path, f"http://127.0.0.1:{port}", retries=2) as c, pytest.raises(TransportError,
                                                                                      match="network error"):
        c.get(REQ)
    assert c.attempts == 3


def test_offline_reads_only_the_cache(tmp_path, fake_taldau):
    with client(tmp_path, fake_taldau.url, offline=True) as c, pytest.raises(OfflineMissError, match="--offline"):
        c.get(REQ)
    assert fake_taldau.hits == {}


def test_cache_entries_are_immutable_and_verified(tmp_path):
    cache = RawCache(tmp_path)
    first = cache.put(REQ, url="u", status=200, content_type=JSON, body=b"[1]")
    second = cache.put(REQ, url="u", status=200, content_type=JSON, body=b"[2]")
    assert len(cache.entries(REQ)) == 2 and cache.get(REQ).body == b"[2]"
    assert first.body_sha256 != second.body_sha256 and cache.verify() == []
    (tmp_path / "bodies" / second.body_sha256[:2] / second.body_sha256).write_bytes(b"[3]")
    assert cache.get(REQ).body == b"[1]"  # a tampered body is never served
    assert len(cache.verify()) == 1


@pytest.mark.live
def test_live_shape_of_one_small_request(tmp_path):
    """Opt-in (TERRITORIA_LIVE=1): the period list of 702972 is a list of {id, name}. Checks the shape only."""
    import os

    if os.environ.get("TERRITORIA_LIVE") != "1":
        pytest.skip("live test: set TERRITORIA_LIVE=1 to run it")
    try:
        socket.create_connection(("taldau.stat.gov.kz", 443), timeout=5).close()
    except OSError:
        pytest.skip("no network")
    with TaldauClient(cache=RawCache(tmp_path), retries=1) as c:
        data = c.json(protocol.period_list(702972))
    assert isinstance(data, list) and data and {"id", "name"} <= set(data[0])
