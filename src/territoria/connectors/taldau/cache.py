"""Content-addressed raw cache of Taldau answers and the manifest of each run.

Layout under the cache root::

    bodies/<ab>/<sha256>          answer bodies, named by the SHA-256 of their bytes (immutable)
    requests/<key>/<stamp>.json   one entry per fetch of a request (key = SHA-256 of the canonical request):
                                  request, url, status, content type, size, body SHA-256, fetch time
    manifests/<stamp>-<name>.json the checksums a run used

Entries are never overwritten: a re-fetch adds a new entry, and :meth:`RawCache.get` returns the newest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from territoria.connectors.taldau.protocol import Request
from territoria.ingest.remote import cache_dir

__all__ = ["CachedResponse", "Manifest", "RawCache", "default_cache_root"]


def default_cache_root() -> Path:
    """``$TERRITORIA_TALDAU_CACHE``, else ``taldau/`` under the project's download cache."""
    env = os.environ.get("TERRITORIA_TALDAU_CACHE")
    if env:
        return Path(env)

    return cache_dir() / "taldau"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S%fZ")


@dataclass(frozen=True)
class CachedResponse:
    """A stored answer: its request, HTTP status, body and provenance."""

    request_key: str
    request: str  # canonical JSON of the request
    url: str
    status: int
    content_type: str
    body_sha256: str
    size: int
    fetched_at: str
    body: bytes = field(repr=False, default=b"")
    from_cache: bool = False

    def meta(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("body")
        data.pop("from_cache")
        return data


class RawCache:
    """The raw cache at ``root`` (created on first write)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_root()

    def _body_path(self, sha: str) -> Path:
        return self.root / "bodies" / sha[:2] / sha

    def put(self, request: Request, *, url: str, status: int, content_type: str, body: bytes,
            fetched_at: datetime | None = None) -> CachedResponse:
        """Store ``body`` and a new entry for ``request``; returns what was stored."""
        moment = fetched_at or datetime.now(UTC)
        sha = hashlib.sha256(body).hexdigest()
        path = self._body_path(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(body)
            tmp.replace(path)
        entry = CachedResponse(request.key(), request.canonical(), url, int(status), content_type, sha, len(body),
                               moment.isoformat(timespec="seconds"), body)
        folder = self.root / "requests" / request.key()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{_stamp(moment)}.json"
        n = 1
        while target.exists():  # two fetches within one microsecond: keep both
            target = folder / f"{_stamp(moment)}-{n}.json"
            n += 1
        target.write_text(json.dumps(entry.meta(), ensure_ascii=False, indent=1), encoding="utf-8")
        return entry

    def entries(self, request: Request) -> list[dict[str, object]]:
        """Metadata of every stored fetch of ``request``, oldest first."""
        folder = self.root / "requests" / request.key()
        if not folder.is_dir():
            return []
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]

    def get(self, request: Request) -> CachedResponse | None:
        """The newest stored answer to ``request`` with status 200, or None.

        A body whose bytes no longer match their recorded SHA-256 is ignored (and reported by :meth:`verify`).
        """
        for meta in reversed(self.entries(request)):
            if meta["status"] != 200:
                continue
            path = self._body_path(str(meta["body_sha256"]))
            if not path.exists():
                continue
            body = path.read_bytes()
            if hashlib.sha256(body).hexdigest() != meta["body_sha256"]:
                continue
            return CachedResponse(**meta, body=body, from_cache=True)  # type: ignore[arg-type]
        return None

    def verify(self) -> list[str]:
        """Bodies whose bytes do not match their name (tampered or truncated files)."""
        bad = []
        for path in sorted((self.root / "bodies").glob("*/*")):
            if hashlib.sha256(path.read_bytes()).hexdigest() != path.name:
                bad.append(str(path))
        return bad


@dataclass
class Manifest:
    """The answers one run used; written next to the cache so that any stored figure traces to bytes."""

    name: str
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    used: list[dict[str, object]] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    def add(self, request: Request, response: CachedResponse) -> None:
        self.used.append({"request": request.describe(), "request_key": response.request_key,
                          "body_sha256": response.body_sha256, "size": response.size,
                          "status": response.status, "fetched_at": response.fetched_at,
                          "from_cache": response.from_cache})

    def digest(self) -> str:
        """SHA-256 over the sorted body checksums used (one fingerprint of the run's inputs)."""
        text = "\n".join(sorted(str(u["body_sha256"]) for u in self.used))
        return hashlib.sha256(text.encode()).hexdigest()

    def write(self, cache: RawCache) -> Path:
        folder = cache.root / "manifests"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{_stamp(self.started_at)}-{self.name}.json"
        payload = {"name": self.name, "started_at": self.started_at.isoformat(timespec="seconds"),
                   "digest": self.digest(), "used": self.used, "notes": self.notes}
        path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        return path
