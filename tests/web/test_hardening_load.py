"""Slow clients and many connections against the real server (uvicorn, loopback only, bundled real data).

The slow-client tests use the ``live_server`` fixture: :func:`territoria.web.limits.server_config` with
shortened deadlines (head 1 s, body 1.5 s). The many-connections test uses a server with deadlines far
beyond any wait, so that it tests concurrency and nothing else.

No clock decides an outcome: a slow client trickles bytes for as long as the connection stays open, so
a 408 can only come from the server's deadline, however loaded the machine; connections are released by
an event once every one of them is open. ``HANG`` only guards against a broken build hanging the suite.
"""

from __future__ import annotations

import asyncio
import socket

import httpx

from territoria.store import Store

SLOW_CLIENTS = 20
CONNECTIONS = 200
HANG = 120.0
# Half of them open the Store (about 20-60 ms each, one at a time under the context's lock), half do not.
PATHS = ["/api/health", "/api/words?lang=kk", "/api/units?level=region&limit=30", "/api/words?lang=ru"]


async def _trickle(host: str, port: int, head: bytes, body: bool) -> tuple[bytes, bool]:
    """Send ``head`` one byte every 0.05 s (or, with ``body``, at once and then a body one byte every 0.05 s),
    never finishing: the head's last header line (or the body) goes on until the server closes the connection.
    Return what the server said and whether it closed the connection while the client was still sending."""
    reader, writer = await asyncio.open_connection(host, port)
    reply = b""

    async def read() -> None:
        nonlocal reply
        while chunk := await reader.read(65536):
            reply += chunk

    reading = asyncio.create_task(read())
    cut_short = False
    try:
        if body:
            writer.write(head)
        sent = 0
        while not reading.done() and sent < 4000:  # 4000 bytes: far below h11's 16 KiB head limit
            writer.write(head[sent:sent + 1] if not body and sent < len(head) else b"a")
            sent += 1
            await writer.drain()
            await asyncio.sleep(0.05)
        cut_short = reading.done() or sent < 4000
        await asyncio.wait_for(reading, timeout=HANG)
    except (ConnectionError, TimeoutError):
        cut_short = True
    finally:
        writer.close()
    return reply, cut_short


async def _get_many(url: str, n: int, headers: dict[str, str]) -> list[int]:
    """``n`` ordinary requests one after another; their status codes."""
    statuses = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=HANG) as client:
        for i in range(n):
            res = await client.get(PATHS[i % len(PATHS)])
            statuses.append(res.status_code)
    return statuses


def test_slow_loris_dropped_while_others_are_served(live_server):
    """20 clients trickle a request head and 5 a request body, never finishing: all get 408 naming the
    deadline and are disconnected by the server, while ordinary requests sent meanwhile are all answered 200."""
    head = b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow-loris-test/1.0\r\nX-Pad: "
    auth = "".join(f"{k}: {v}\r\n" for k, v in live_server.headers.items()).encode()
    body_head = (b"POST /api/assess HTTP/1.1\r\nHost: localhost\r\n" + auth + b"Content-Type: application/json\r\n"
                 b"Content-Length: 50000\r\n\r\n")

    async def scenario():
        slow = [_trickle(live_server.host, live_server.port, head, False) for _ in range(SLOW_CLIENTS)]
        slow += [_trickle(live_server.host, live_server.port, body_head, True) for _ in range(5)]
        results = await asyncio.gather(*slow, _get_many(live_server.url, 20, live_server.headers))
        return results[:-1], results[-1]

    slow, statuses = asyncio.run(scenario())
    heads, bodies = slow[:SLOW_CLIENTS], slow[SLOW_CLIENTS:]
    for reply, cut_short in heads:
        assert cut_short, "the client finished sending: the server never dropped it"
        assert reply.startswith(b"HTTP/1.1 408"), reply[:100]
        assert b"request head not received within 1 s" in reply
    for reply, cut_short in bodies:
        assert cut_short, "the client finished sending: the server never dropped it"
        assert reply.startswith(b"HTTP/1.1 408") and b"request body not received within 1.5 s" in reply
    assert statuses == [200] * 20  # ordinary requests kept being answered


def test_idle_connection_closed_after_keep_alive(live_server):
    """A connection that sends nothing is closed by the head deadline (the client never closes it); the
    server keeps answering."""
    with socket.create_connection((live_server.host, live_server.port), timeout=HANG) as sock:
        data = sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 408") and b"request head not received within 1 s" in data
        assert sock.recv(65536) == b""  # closed by the server
    assert httpx.get(f"{live_server.url}/api/health", headers=live_server.headers, timeout=HANG).status_code == 200


def test_a_head_over_16_kib_sent_whole_gets_431(live_server):
    """Issue 19 (Low): a 70 KB head sent in one piece was served although the limit is 16 KiB (h11 only
    limits heads still incomplete). Now it gets 431 and the connection is closed; a head within the limit
    is served."""
    auth = "".join(f"{k}: {v}\r\n" for k, v in live_server.headers.items()).encode()

    def send(pad: int) -> bytes:
        head = (b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n" + auth + b"X-Pad: " + b"a" * pad +
                b"\r\nConnection: close\r\n\r\n")
        with socket.create_connection((live_server.host, live_server.port), timeout=HANG) as sock:
            sock.sendall(head)
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
        return reply

    big = send(70_000)
    assert big.startswith(b"HTTP/1.1 431") and b"longer than 16,384 bytes" in big
    assert send(1_000).startswith(b"HTTP/1.1 200")


def test_two_hundred_concurrent_connections(patient_server, web_db):
    """200 connections are opened at once, then each sends one request to an /api/ endpoint: every one is
    answered 2xx (no 5xx, none dropped), and the server answers normally afterwards."""
    server = patient_server

    async def one(i: int, gate: asyncio.Event, opened: list[int], all_open: asyncio.Event) -> int:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        opened.append(i)
        if len(opened) == CONNECTIONS:
            all_open.set()
        await gate.wait()  # every connection is open before the first request is sent
        path = PATHS[i % len(PATHS)]
        auth = "".join(f"{k}: {v}\r\n" for k, v in server.headers.items())
        writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n".encode())
        await writer.drain()
        reply = await asyncio.wait_for(reader.read(), timeout=HANG)
        writer.close()
        return int(reply.split(b" ", 2)[1])

    async def scenario():
        gate, all_open, opened = asyncio.Event(), asyncio.Event(), []
        tasks = [asyncio.create_task(one(i, gate, opened, all_open)) for i in range(CONNECTIONS)]
        await asyncio.wait_for(all_open.wait(), timeout=HANG)
        gate.set()
        return opened, await asyncio.gather(*tasks)

    opened, statuses = asyncio.run(scenario())
    assert sorted(opened) == list(range(CONNECTIONS))
    assert len(statuses) == CONNECTIONS and all(200 <= s < 300 for s in statuses), sorted(set(statuses))
    after = httpx.get(f"{server.url}/api/units", params={"level": "region"}, headers=server.headers, timeout=HANG)
    with Store(web_db, read_only=True) as store:
        regions = sorted(store.units(level="region").index)
    assert after.status_code == 200 and sorted(r[0] for r in after.json()["rows"]) == regions
