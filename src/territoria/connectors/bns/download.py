"""Download an export with pooch into the raw cache (checksum and retrieval date recorded).

The bytes are downloaded by :func:`pooch.retrieve` into a scratch folder, checked by the caller's
``validate`` (the parser: an HTML page, a changed header or a truncated file is refused), and only then
stored in the content-addressed :class:`~territoria.connectors.taldau.cache.RawCache` (``bns/`` under the
project's download cache): the body named by its SHA-256, an entry with the address, size, checksum and
retrieval time. A failed download or a refused file leaves the cache as it was.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pooch

from territoria import __version__
from territoria.connectors.bns.errors import DownloadError
from territoria.connectors.bns.registry import TableEntry
from territoria.connectors.taldau.cache import CachedResponse, RawCache
from territoria.connectors.taldau.protocol import Request
from territoria.ingest.remote import cache_dir

__all__ = ["MAX_BYTES", "default_cache_root", "download_export", "export_request", "from_file", "sha256"]

MAX_BYTES = 64 * 1024 * 1024


def default_cache_root() -> Path:
    """``$TERRITORIA_BNS_CACHE``, else ``bns/`` under the project's download cache."""
    env = os.environ.get("TERRITORIA_BNS_CACHE")
    return Path(env) if env else cache_dir() / "bns"


def export_request(entry: TableEntry) -> Request:
    """The cache key of a table's export (one entry list per table, whatever the address)."""
    return Request.make(f"bns/iblock/element/{entry.table}/csv")


def _transient(status: int | None) -> bool:
    """Worth another try: no answer at all (a network error), a server error or "too many requests"."""
    return status is None or status >= 500 or status == 429


def download_export(entry: TableEntry, *, cache: RawCache, validate: Callable[[bytes], object],
                    url: str | None = None, timeout: float = 60.0, max_bytes: int = MAX_BYTES,
                    offline: bool = False, retries: int = 2, backoff: float = 2.0,
                    sleep: Callable[[float], None] = time.sleep) -> CachedResponse:
    """The newest export of ``entry``: downloaded (then validated and cached), or from the cache if ``offline``.

    A network error, HTTP 5xx or 429 is retried ``retries`` times after ``backoff * 2**k`` seconds; another
    HTTP error (404: a wrong table id) is not.

    Raises
    ------
    DownloadError
        No connection, an HTTP error, a body larger than ``max_bytes``, or ``offline`` without a cached copy.
    LayoutError
        Raised by ``validate``: the body is not the published export (nothing cached).
    """
    request = export_request(entry)
    if offline:
        cached = cache.get(request)
        if cached is None:
            raise DownloadError(f"{entry.describe()}: no cached export in {cache.root} (--offline reads only the "
                                "cache; fetch once with internet or pass --file)")
        validate(cached.body)
        return cached
    address = url or entry.url
    pooch.get_logger().setLevel(logging.ERROR)  # its "Downloading ..." and "known_hash" hints are not for users
    agent = f"territoria/{__version__} (regional statistics research)"
    downloader = pooch.HTTPDownloader(progressbar=False, timeout=timeout, headers={"User-Agent": agent})
    with tempfile.TemporaryDirectory(prefix="territoria-bns-") as scratch:
        for attempt in range(retries + 1):
            try:
                path = Path(pooch.retrieve(address, known_hash=None, fname=f"{entry.table}-{attempt}.csv",
                                           path=scratch, downloader=downloader, progressbar=False))
                break
            except Exception as exc:  # requests' errors come in many types; one message naming table and address
                status = getattr(getattr(exc, "response", None), "status_code", None)
                if attempt < retries and _transient(status):
                    sleep(backoff * 2**attempt)
                    continue
                what = f"HTTP {status}" if status else f"{type(exc).__name__}: {exc}"
                raise DownloadError(f"{entry.describe()}: could not download {address} ({what}; {attempt + 1} "
                                    "attempt(s)); expected the tab-separated CSV export. Nothing stored; the cache "
                                    "and the Store are unchanged. If the site is down, download the export by hand "
                                    "and pass --file.") from None
        size = path.stat().st_size
        if size > max_bytes:
            raise DownloadError(f"{entry.describe()}: {address} sent {size:,} bytes, more than the cap of "
                                f"{max_bytes:,}; refused, nothing stored")
        body = path.read_bytes()
    validate(body)
    return cache.put(request, url=address, status=200, content_type="text/csv", body=body,
                     fetched_at=datetime.now(UTC))


def from_file(entry: TableEntry, path: str | Path, *, cache: RawCache, validate: Callable[[bytes], object]
              ) -> CachedResponse:
    """An export downloaded by hand: validated, then kept in the cache like a download (address ``file:``)."""
    file = Path(path)
    if not file.is_file():
        raise DownloadError(f"{entry.describe()}: --file {file}: no such file")
    body = file.read_bytes()
    validate(body)
    moment = datetime.fromtimestamp(file.stat().st_mtime, UTC)
    return cache.put(export_request(entry), url=f"file:{file.resolve()}", status=200, content_type="text/csv",
                     body=body, fetched_at=moment)


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
