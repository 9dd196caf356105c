"""The polite HTTP client for Taldau: httpx, timeouts, rate, retries with backoff, a size cap, offline mode.

Policy (ACCESS.md §1.5 and §4.1):

* headers: a descriptive ``User-Agent`` and ``X-Requested-With: XMLHttpRequest``; TLS verification on
  (a CA bundle can be pinned with ``ca_bundle`` or ``$TERRITORIA_TALDAU_CA``);
* at most one request per ``min_interval`` seconds (1 s by default);
* ``retries`` retries (3) on HTTP 5xx, 429 and network errors, waiting ``backoff * 2**k`` seconds plus a
  jitter drawn from ``numpy.random.default_rng(seed)``; **no** retry on other 4xx answers;
* the body is streamed and refused once it passes ``max_bytes`` (32 MiB);
* a 200 answer must be JSON: an HTML page (Taldau's error pages often come with status 200 or 500) is
  an error, not data;
* every good answer goes to the :class:`~territoria.connectors.taldau.cache.RawCache` before anyone
  parses it; ``offline=True`` reads only the cache and never opens a connection.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import numpy as np

from territoria import __version__
from territoria.connectors.taldau.cache import CachedResponse, Manifest, RawCache
from territoria.connectors.taldau.errors import OfflineMissError, StructureChangedError, TransportError
from territoria.connectors.taldau.protocol import BASE_URL, Request

__all__ = ["MAX_BYTES", "TaldauClient", "html_title"]

MAX_BYTES = 32 * 1024 * 1024
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def html_title(body: bytes) -> str | None:
    """The ``<title>`` of an HTML page (or "an HTML page"), None if ``body`` does not look like HTML."""
    head = body[:2048].lstrip().lower()
    if not (head.startswith(b"<!doctype html") or head.startswith(b"<html") or b"<html" in head):
        return None
    match = _TITLE.search(body[:65536])
    if match:
        return re.sub(r"\s+", " ", match.group(1).decode("utf-8", "replace")).strip() or "an HTML page"
    return "an HTML page"


class TaldauClient:
    """Fetch Taldau answers through the raw cache.

    Parameters
    ----------
    cache : RawCache
        Where answers are kept.
    base_url : str, default="https://taldau.stat.gov.kz"
        Taldau's address (tests point it at a loopback server).
    offline : bool, default=False
        Answer only from the cache; a request not cached raises :class:`OfflineMissError`.
    refresh : bool, default=False
        Ask Taldau even when the cache has an answer (a new cache entry is added).
    timeout : float, default=40
        Seconds for connect / read / write.
    min_interval : float, default=1
        Minimum seconds between two requests.
    retries : int, default=3
        Retries after the first attempt on 5xx, 429 and network errors.
    backoff : float, default=1
        Base of the exponential backoff in seconds.
    max_bytes : int, default=32 MiB
        Largest body accepted.
    seed : int, default=0
        Seed of the backoff jitter.
    manifest : Manifest, optional
        Every answer used is recorded there.
    """

    def __init__(self, *, cache: RawCache, base_url: str = BASE_URL, offline: bool = False, refresh: bool = False,
                 timeout: float = 40.0, min_interval: float = 1.0, retries: int = 3, backoff: float = 1.0,
                 max_bytes: int = MAX_BYTES, seed: int = 0, manifest: Manifest | None = None,
                 ca_bundle: str | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.cache, self.base_url, self.offline, self.refresh = cache, base_url, offline, refresh
        self.timeout, self.min_interval, self.retries, self.backoff = timeout, min_interval, retries, backoff
        self.max_bytes, self.manifest, self.sleep = max_bytes, manifest, sleep
        self._rng = np.random.default_rng(seed)
        self._last = 0.0
        self._ca = ca_bundle or os.environ.get("TERRITORIA_TALDAU_CA")
        self._http: httpx.Client | None = None
        self.attempts = 0  # network attempts made (tests read it)

    # -- lifecycle --------------------------------------------------------------------------------
    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                timeout=httpx.Timeout(self.timeout), verify=self._ca if self._ca else True,
                follow_redirects=True,
                headers={"User-Agent": f"territoria/{__version__} (regional statistics research; polite client)",
                         "X-Requested-With": "XMLHttpRequest", "Accept": "application/json"})
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> TaldauClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- fetching ---------------------------------------------------------------------------------
    def get(self, request: Request) -> CachedResponse:
        """The answer to ``request``: from the cache unless ``refresh``, else from Taldau (then cached)."""
        answer = None if self.refresh and not self.offline else self.cache.get(request)
        if answer is None:
            if self.offline:
                raise OfflineMissError(f"{request.describe()}: not in the cache at {self.cache.root} "
                                       "(--offline reads only cached answers; run once without --offline)")
            answer = self._fetch(request)
        if self.manifest is not None:
            self.manifest.add(request, answer)
        return answer

    def json(self, request: Request) -> object:
        """The answer to ``request`` decoded as JSON."""
        answer = self.get(request)
        return json.loads(answer.body.decode("utf-8-sig"))

    def _wait_turn(self) -> None:
        gap = self.min_interval - (time.monotonic() - self._last)
        if gap > 0:
            self.sleep(gap)
        self._last = time.monotonic()

    def _pause(self, attempt: int) -> None:
        self.sleep(self.backoff * (2 ** attempt) + float(self._rng.uniform(0, self.backoff)))

    def _fetch(self, request: Request) -> CachedResponse:
        url = self.base_url.rstrip("/") + request.path()
        last_problem = ""
        for attempt in range(self.retries + 1):
            self._wait_turn()
            self.attempts += 1
            try:
                status, content_type, body = self._send(request, url)
            except httpx.TransportError as exc:  # connect/read errors and timeouts: retried
                last_problem = f"network error {type(exc).__name__}: {exc}"
            else:
                if status == 200:
                    return self._accept(request, url, content_type, body)
                title = html_title(body)
                detail = f" ({title})" if title else ""
                if status >= 500 or status == 429:
                    last_problem = f"HTTP {status}{detail}"
                else:
                    raise TransportError(f"{request.describe()}: Taldau answered HTTP {status}{detail}; "
                                         "not retried (a client error: check the index id, period and dics)")
            if attempt < self.retries:
                self._pause(attempt)
        raise TransportError(f"{request.describe()}: {last_problem} after {self.retries + 1} attempt(s); "
                             "nothing stored, cached data (if any) kept")

    def _send(self, request: Request, url: str) -> tuple[int, str, bytes]:
        params = dict(request.params)
        kwargs = {"params": params} if request.method == "GET" else {"data": params}
        with self._client().stream(request.method, url, **kwargs) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise TransportError(f"{request.describe()}: answer of {int(declared):,} bytes exceeds the "
                                     f"cap of {self.max_bytes:,} bytes; refused")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise TransportError(f"{request.describe()}: answer passed the cap of {self.max_bytes:,} "
                                         "bytes while downloading; refused")
                chunks.append(chunk)
            return response.status_code, response.headers.get("content-type", ""), b"".join(chunks)

    def _accept(self, request: Request, url: str, content_type: str, body: bytes) -> CachedResponse:
        title = html_title(body)
        if title is not None:
            raise StructureChangedError(f"{request.describe()}: Taldau sent an HTML page ({title!r}) instead of "
                                        "JSON; nothing stored")
        try:
            json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StructureChangedError(f"{request.describe()}: the answer is not JSON ({exc}); "
                                        f"first bytes {body[:80]!r}; nothing stored") from None
        return self.cache.put(request, url=url, status=200, content_type=content_type, body=body,
                              fetched_at=datetime.now(UTC))
