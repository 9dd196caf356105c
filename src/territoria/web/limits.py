"""Limits on what a client may send the web application: body size, request timing, the upload's form.

Three guards, each where it can act before the damage is done:

* :class:`BodyLimitMiddleware` (ASGI) refuses a request body larger than the limit with 413. A declared
  ``Content-Length`` above the limit is refused before one byte of the body is read; a body without one
  (``Transfer-Encoding: chunked``) is counted while it streams and cut off with 413 at the limit, so
  neither the form parser nor the upload area ever sees more than the limit.
* :class:`GuardedH11Protocol` (uvicorn) gives every request a deadline: its head must arrive within
  ``head_timeout`` seconds and its body within ``body_timeout`` seconds, however slowly the bytes trickle
  in (a "slow-loris" client is answered 408 and disconnected). Uvicorn alone has no such deadline: its
  ``timeout_keep_alive`` only closes idle connections between requests. :func:`server_config` builds the
  uvicorn configuration with this protocol.
* :func:`read_upload` parses the multipart form of an upload itself, so every malformed body gets a 4xx
  that names what is wrong: no boundary, a body that does not match its boundary, a truncated body, no
  file part, more than one file part, a file name that is not UTF-8 or that carries a path (``../x.csv``,
  ``/etc/passwd``, ``C:\\x.csv``), an empty file. The client's file name is only ever a label.

Settings (see docs/reliability.md, "Web API under load and attack"): ``create_app(max_upload_bytes=)`` or
the environment variable ``TERRITORIA_MAX_UPLOAD_BYTES``; :func:`server_config` arguments or
``TERRITORIA_HEAD_TIMEOUT`` / ``TERRITORIA_BODY_TIMEOUT`` (seconds).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import h11
import uvicorn
from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.formparsers import MultiPartException, MultiPartParser
from uvicorn.protocols.http.h11_impl import H11Protocol

from territoria.report.messages import Translator
from territoria.web.refusals import Refusal

__all__ = ["ENVELOPE_BYTES", "BodyLimitMiddleware", "GuardedH11Protocol", "Upload", "check_file_name",
           "max_upload_from_env", "read_upload", "server_config"]

DEFAULT_MAX_UPLOAD = 10 * 2**20
MAX_HEAD_BYTES = 16 * 2**10
ENVELOPE_BYTES = 64 * 2**10
"""Allowance for the multipart envelope (boundaries, part headers) on top of the file size limit."""
SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")

Scope = dict[str, Any]
Message = dict[str, Any]


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r}: expected a number") from None
    if value <= 0:
        raise ValueError(f"environment variable {name}={raw!r}: expected a positive number")
    return value


def max_upload_from_env() -> int:
    """The upload limit in bytes: ``TERRITORIA_MAX_UPLOAD_BYTES`` or 10 MiB."""
    return int(_env_number("TERRITORIA_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD))


# -- body size -----------------------------------------------------------------------------------------

class _TooLarge(Exception):
    pass


def _json_response(status: int, detail: str, *, close: bool = True) -> tuple[Message, Message]:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    return ({"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_bytes`` with 413, before they are read whole.

    Parameters
    ----------
    app : ASGI application
    max_bytes : int
        Largest accepted body. A ``Content-Length`` above it is refused at once (nothing is read); a body
        of unknown length is counted chunk by chunk and refused when the count passes the limit. After a
        refusal the application sees a client disconnect and anything it tries to send is dropped; the
        response carries ``Connection: close``.
    """

    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = int(max_bytes)

    def _detail(self, scope: Scope, length: int | None) -> str:
        """The refusal in the language the page asked for (``?lang=``; English otherwise): this answer
        is sent before the application, and so its refusal handler, ever sees the request."""
        lang = (parse_qs(bytes(scope.get("query_string") or b"").decode("latin-1")).get("lang") or [None])[0]
        if lang in ("ru", "kk"):
            return Translator(lang).text("error.web.body_too_large", {"size": length, "limit": self.max_bytes})
        size = "more bytes arrived while streaming" if length is None else f"Content-Length is {length:,} bytes"
        return (f"request body too large: {size}, the limit is {self.max_bytes:,} bytes "
                "(the upload limit plus the multipart envelope); nothing was stored")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                for message in _json_response(400, f"invalid Content-Length {declared.decode('latin-1')!r}"):
                    await send(message)
                return
            if length > self.max_bytes:
                for message in _json_response(413, self._detail(scope, length)):
                    await send(message)
                return

        state = {"received": 0, "refused": False, "started": False}

        async def guarded_receive() -> Message:
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > self.max_bytes:
                    state["refused"] = True
                    if not state["started"]:
                        state["started"] = True
                        for reply in _json_response(413, self._detail(scope, None)):
                            await send(reply)
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["refused"]:
                return  # our 413 is the answer; the application's reaction to the cut-off is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except _TooLarge:
            pass
        except Exception:
            if not state["refused"]:
                raise


# -- request timing ------------------------------------------------------------------------------------

class GuardedH11Protocol(H11Protocol):
    """Uvicorn's h11 protocol with a deadline for each request's head and body.

    The head (request line and headers) must be complete ``head_timeout`` seconds after the connection
    opened or the previous response ended; the body ``body_timeout`` seconds after the head. The clock is
    not reset by each byte, so a client trickling one byte at a time cannot hold a connection open: it
    gets ``408 Request Timeout`` (or, if a response is already under way, just the close). Subclass, or use
    :func:`server_config`, to change the deadlines.
    """

    head_timeout: float = 10.0
    body_timeout: float = 60.0
    #: A request head (request line and headers) longer than this gets 431 and the connection is closed.
    #: h11's own limit only applies to a head still incomplete; one sent whole in one packet passed it.
    max_head_bytes: int = MAX_HEAD_BYTES

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        self._deadline: Any = None
        self._phase = "head"
        self._head = bytearray()
        super().connection_made(transport)
        self._arm("head")

    def _arm(self, phase: str) -> None:
        self._disarm()
        self._phase = phase
        if phase == "head":
            self._head = bytearray()
        timeout = self.head_timeout if phase == "head" else self.body_timeout
        self._deadline = self.loop.call_later(timeout, self._too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            self._deadline.cancel()
            self._deadline = None

    def _track(self) -> None:
        their = self.conn.their_state
        if their is h11.SEND_BODY:
            if self._phase == "head":
                self._arm("body")
        elif their is not h11.IDLE:  # DONE, MUST_CLOSE, CLOSED, ERROR: nothing more to wait for
            self._disarm()
            self._phase = "done"

    def data_received(self, data: bytes) -> None:
        if self._phase == "head" and self._head_too_long(data):
            self._refuse(431, "Request Header Fields Too Large",
                         f"request head longer than {self.max_head_bytes:,} bytes; connection closed")
            return
        super().data_received(data)
        if not self.transport.is_closing():
            self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing():
            self._disarm()
            return
        if self.conn.their_state is h11.IDLE and self._phase != "head":
            self._arm("head")  # the next request's head is due; the keep-alive timer closes an idle socket first
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _head_too_long(self, data: bytes) -> bool:
        """Whether the head being received (up to its blank line) is longer than the limit."""
        room = self.max_head_bytes + 4 - len(self._head)
        self._head += data[:max(room, 0)]
        end = self._head.find(b"\r\n\r\n")
        return (end + 4 if end >= 0 else len(self._head)) > self.max_head_bytes

    def _refuse(self, status: int, reason: str, detail: str) -> None:
        self._disarm()
        self._phase = "done"
        body = json.dumps({"detail": detail}).encode()
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\nconnection: close\r\n"
                             b"content-length: %d\r\n\r\n%s" % (status, reason.encode(), len(body), body))
        self.transport.close()

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        timeout = self.head_timeout if self._phase == "head" else self.body_timeout
        cycle = self.cycle if self._phase != "head" else None
        if cycle is None or not cycle.response_started:
            body = json.dumps({"detail": f"request {self._phase} not received within {timeout:g} s; "
                                         "connection closed"}).encode()
            self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                                 b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        if cycle is not None:
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()


def server_config(app: Any, *, host: str = "127.0.0.1", port: int = 8000, head_timeout: float | None = None,
                  body_timeout: float | None = None, keep_alive: int = 5, log_level: str = "warning",
                  **options: Any) -> Any:
    """A ``uvicorn.Config`` serving ``app`` with the request deadlines of :class:`GuardedH11Protocol`.

    Parameters
    ----------
    app : ASGI application
    host, port : where to listen (loopback by default).
    head_timeout, body_timeout : float, optional
        Seconds allowed for a request's head and body; default ``TERRITORIA_HEAD_TIMEOUT`` (10 s) and
        ``TERRITORIA_BODY_TIMEOUT`` (60 s).
    keep_alive : int, default=5
        Uvicorn's ``timeout_keep_alive``: an idle connection between requests is closed after it.
    options
        Passed on to ``uvicorn.Config``. A request head over 16 KiB gets 431 (:class:`GuardedH11Protocol`).
    """

    head = float(head_timeout if head_timeout is not None else _env_number("TERRITORIA_HEAD_TIMEOUT", 10.0))
    body = float(body_timeout if body_timeout is not None else _env_number("TERRITORIA_BODY_TIMEOUT", 60.0))
    protocol = type("GuardedH11Protocol", (GuardedH11Protocol,), {"head_timeout": head, "body_timeout": body})
    options.setdefault("h11_max_incomplete_event_size", MAX_HEAD_BYTES)
    return uvicorn.Config(app, host=host, port=port, http=protocol, timeout_keep_alive=keep_alive,
                          log_level=log_level, **options)


# -- the upload's form -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Upload:
    """One uploaded file: the client's bare file name (a label only), its suffix and its bytes."""

    label: str
    suffix: str
    data: bytes


_FILENAME = re.compile(rb'(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))', re.IGNORECASE)


def _raw_filename(disposition: bytes) -> bytes | None:
    match = _FILENAME.search(disposition)
    if match is None:
        return None
    quoted, token = match.groups()  # only \" is unescaped: a backslash stays visible to the path check
    return quoted.replace(b'\\"', b'"') if quoted is not None else token


def check_file_name(raw: bytes) -> str:
    """The client's file name as a label, or a 422 naming what is wrong with it.

    Refused: not UTF-8, empty, control characters, and any path: a slash or backslash, a drive letter,
    ``.`` or ``..``. The server writes uploads under names of its own; this name only labels messages.
    """
    try:
        name = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(422, f"the file name {raw!r} is not valid UTF-8; rename the file", "error.web.name_not_utf8",
                      name=repr(raw)) from None
    if not name.strip():
        raise Refusal(422, "the file part has an empty file name; send a .csv or .xlsx file", "error.web.no_file_name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Refusal(422, f"the file name {name!r} contains control characters; rename the file",
                      "error.web.name_control", name=repr(name))
    if "/" in name or "\\" in name or re.match(r"^[A-Za-z]:", name) or name.strip() in (".", ".."):
        raise Refusal(422, f"the file name {name!r} contains a path; send the bare file name "
                           "(the server never uses paths given by the client)", "error.web.path_in_name", name=name)
    if len(name) > 255:
        raise Refusal(422, f"the file name is {len(name)} characters long; at most 255 are accepted",
                      "error.web.name_too_long", n=len(name), limit=255)
    return name


async def read_upload(request: Request, *, field: str = "file", max_bytes: int) -> Upload:
    """The single file of a ``multipart/form-data`` request, checked; every fault is a 4xx naming it.

    Status codes: 415 not a multipart body; 400 no boundary, body not matching its boundary, truncated
    body; 413 file larger than ``max_bytes``; 422 no file part named ``field``, more than one file, a bad
    file name (see :func:`check_file_name`), an unsupported suffix, an empty file.
    """

    content_type = request.headers.get("content-type", "")
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        raise Refusal(415, f"expected a multipart/form-data body with one file part named {field!r}; "
                           f"got Content-Type {content_type or '(none)'!r}", "error.web.not_multipart",
                      field=field, content_type=content_type or "—")
    boundary = params.get(b"boundary")
    if not boundary:
        raise Refusal(400, "multipart body: the Content-Type header has no boundary parameter", "error.web.no_boundary")
    closing = b"--" + boundary + b"--"
    seen = {"closing": False, "tail": b""}

    async def stream() -> Any:
        async for chunk in request.stream():
            window = seen["tail"] + chunk
            seen["closing"] = seen["closing"] or closing in window
            seen["tail"] = window[-len(closing):]
            yield chunk

    parser = MultiPartParser(request.headers, stream(), max_files=1, max_fields=16, max_part_size=64 * 2**10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        if exc.message.startswith("Too many files"):
            raise Refusal(422, f"the form holds more than one file; send exactly one, in the part named "
                               f"{field!r}", "error.web.several_files", field=field) from None
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        # the parser's own words stay in the English detail; a page gets the boundary it expected
        raise Refusal(400, f"multipart body: {exc.message.rstrip('.')}{cause}; expected parts separated "
                           f"by the boundary {boundary.decode('latin-1')!r} of the Content-Type",
                      "error.web.bad_multipart", boundary=boundary.decode("latin-1")) from None
    try:
        if not seen["closing"]:
            raise Refusal(400, f"multipart body is truncated: the closing boundary "
                               f"{closing.decode('latin-1')!r} never arrived", "error.web.truncated",
                          closing=closing.decode("latin-1"))
        part = form.get(field)
        if part is None or isinstance(part, str):
            names = sorted(set(form.keys()))
            what = "is a plain field, not a file" if isinstance(part, str) else "is missing"
            raise Refusal(422, f"the file part {field!r} {what} (parts received: {names})",
                          "error.web.no_file_part", field=field, plain=isinstance(part, str),
                          names=", ".join(names) or "—")
        disposition = dict(part.headers.raw).get(b"content-disposition", b"")
        label = check_file_name(_raw_filename(disposition) or b"")
        suffix = os.path.splitext(label)[1].lower()
        if suffix not in SUFFIXES:
            raise Refusal(422, f"{label}: unsupported file type {suffix or '(none)'!r}; use .csv or .xlsx",
                          "error.web.unsupported_type", label=label, suffix=suffix or "—")
        data = await part.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise Refusal(413, f"{label}: larger than the limit of {max_bytes:,} bytes", "error.web.too_large",
                          label=label, limit=float(max_bytes))
        if not data:
            raise Refusal(422, f"{label}: the file is empty", "error.web.empty_file", label=label)
        return Upload(label=label, suffix=suffix, data=data)
    finally:
        await form.close()
