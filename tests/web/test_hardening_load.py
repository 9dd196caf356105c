"""Slow clients and many connections against the real server (uvicorn, loopback only, bundled real data).

The server runs with :func:`territoria.web.limits.server_config` and shortened deadlines (head 1 s, body
1.5 s; see the ``live_server`` fixture). Each test stays well under 15 s.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from territoria.store import Store

SLOW_CLIENTS = 20
CONNECTIONS = 200
# Half of them open the Store (about 20-60 ms each, one at a time under the context's lock), half do not.
PATHS = ["/api/health", "/api/words?lang=kk", "/api/units?level=region&limit=30", "/api/words?lang=ru"]


async def _trickle(host: str, port: int, head: bytes, body: bytes, pause: float) -> tuple[bytes, float]:
    """Send ``head`` (if ``body`` is empty) or else ``body`` one byte every ``pause`` seconds, the other at
    once; return what the server said and when it closed the connection (seconds after connecting)."""
    start = time.monotonic()
    reader, writer = await asyncio.open_connection(host, port)
    reply = b""

    async def read() -> None:
        nonlocal reply
        while chunk := await reader.read(65536):
            reply += chunk

    reading = asyncio.create_task(read())
    try:
        if body:
            writer.write(head)
        for byte in body or head:
            if reading.done():
                break
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(pause)
        await asyncio.wait_for(reading, timeout=5)
    except (ConnectionError, TimeoutError):
        pass
    finally:
        writer.close()
    return reply, time.monotonic() - start


async def _get_many(url: str, n: int) -> list[float]:
    """``n`` ordinary requests one after another; their durations."""
    took = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        for i in range(n):
            t = time.monotonic()
            res = await client.get(PATHS[i % len(PATHS)])
            assert res.status_code == 200, res.text
            took.append(time.monotonic() - t)
            await asyncio.sleep(0.05)
    return took


def test_slow_loris_dropped_while_others_are_served(live_server):
    """20 clients trickle a request head one byte per 0.1 s (the head would take ~9 s) and 5 send a complete
    head, then trickle a body of 200 bytes (~20 s); all get 408 and are disconnected at their deadline
    (head 1 s, body 1.5 s), while ordinary requests in the meantime are all answered 200."""
    head = b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow-loris-test/1.0\r\nAccept: */*\r\n\r\n"
    body_head = (b"POST /api/assess HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 200\r\n\r\n")

    async def scenario():
        slow = [_trickle(live_server.host, live_server.port, head, b"", 0.1) for _ in range(SLOW_CLIENTS)]
        slow += [_trickle(live_server.host, live_server.port, body_head, b"{" + b" " * 199, 0.1) for _ in range(5)]
        results = await asyncio.gather(*slow, _get_many(live_server.url, 20))
        return results[:-1], results[-1]

    start = time.monotonic()
    slow, took = asyncio.run(scenario())
    assert time.monotonic() - start < 12
    heads, bodies = slow[:SLOW_CLIENTS], slow[SLOW_CLIENTS:]
    for reply, closed_after in heads:
        assert reply.startswith(b"HTTP/1.1 408"), reply[:100]
        assert b"request head not received within 1 s" in reply
        assert 0.9 < closed_after < 2.5  # dropped at the deadline, not when the client gave up (~6 s)
    for reply, closed_after in bodies:
        assert reply.startswith(b"HTTP/1.1 408") and b"request body not received within 1.5 s" in reply
        assert 1.4 < closed_after < 3.0
    assert len(took) == 20 and max(took) < 2.0  # ordinary requests kept being answered quickly


def test_idle_connection_closed_after_keep_alive(live_server):
    """A connection that sends nothing is closed by the head deadline; the server keeps answering."""
    import socket

    with socket.create_connection((live_server.host, live_server.port), timeout=5) as sock:
        start = time.monotonic()
        data = sock.recv(65536)
        closed_after = time.monotonic() - start
        assert data.startswith(b"HTTP/1.1 408") and sock.recv(65536) == b""
    assert 0.9 < closed_after < 2.5
    assert httpx.get(f"{live_server.url}/api/health", timeout=10).status_code == 200


def test_two_hundred_concurrent_connections(live_server, web_db):
    """200 connections are opened at once, then each sends one request to an /api/ endpoint: every one is
    answered 2xx (no 5xx, none dropped), and the server answers normally afterwards."""

    async def one(i: int, gate: asyncio.Event, opened: list[int]) -> int:
        reader, writer = await asyncio.open_connection(live_server.host, live_server.port)
        opened.append(i)
        await gate.wait()  # every connection is open before the first request is sent
        path = PATHS[i % len(PATHS)]
        writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), timeout=12)
        writer.close()
        return int(reply.split(b" ", 2)[1])

    async def scenario():
        gate, opened = asyncio.Event(), []
        tasks = [asyncio.create_task(one(i, gate, opened)) for i in range(CONNECTIONS)]
        while len(opened) < CONNECTIONS:
            await asyncio.sleep(0.01)
        gate.set()
        return await asyncio.gather(*tasks)

    start = time.monotonic()
    statuses = asyncio.run(scenario())
    elapsed = time.monotonic() - start
    assert len(statuses) == CONNECTIONS and all(200 <= s < 300 for s in statuses), sorted(set(statuses))
    assert elapsed < 12
    after = httpx.get(f"{live_server.url}/api/units", params={"level": "region"}, timeout=10)
    with Store(web_db, read_only=True) as store:
        regions = sorted(store.units(level="region").index)
    assert after.status_code == 200 and sorted(r[0] for r in after.json()["rows"]) == regions
