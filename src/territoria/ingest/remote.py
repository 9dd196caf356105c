"""Optional downloads for users with internet, pinned by checksum and cached with pooch.

The software works without any of them; commands that could use one say what is missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pooch

from territoria.errors import TerritoriaError

__all__ = ["REMOTE_FILES", "RemoteFile", "cache_dir", "cached", "fetch"]

_GB_COMMIT = "ea5b27e7aa608eb6827f2cc76620a5b21acc5962"
_GB_MEDIA = f"https://media.githubusercontent.com/media/wmgeolab/geoBoundaries/{_GB_COMMIT}/releaseData/gbOpen/KAZ"


@dataclass(frozen=True)
class RemoteFile:
    """A file we know by address and SHA-256 (for geoBoundaries: the Git LFS object id)."""

    key: str
    url: str
    sha256: str
    citation: str
    licence: str


REMOTE_FILES: dict[str, RemoteFile] = {
    "geoboundaries-kaz-adm1": RemoteFile(
        "geoboundaries-kaz-adm1", f"{_GB_MEDIA}/ADM1/geoBoundaries-KAZ-ADM1_simplified.geojson",
        "99ddc8c7f602f6af855b5440ff3d6c345bc079434f5955f9671638c89e9229b5",
        "Runfola, D. et al. (2020) geoBoundaries: A global database of political administrative boundaries. "
        "PLoS ONE 15(4): e0231866. gbOpen KAZ ADM1, commit " + _GB_COMMIT[:10],
        "CC BY 4.0"),
    "geoboundaries-kaz-adm2": RemoteFile(
        "geoboundaries-kaz-adm2", f"{_GB_MEDIA}/ADM2/geoBoundaries-KAZ-ADM2_simplified.geojson",
        "ab678bd0af6ad819f9ded95654dd28d42fb1de73bd574ca731e63e1456428f98",
        "Runfola, D. et al. (2020) geoBoundaries. gbOpen KAZ ADM2, commit " + _GB_COMMIT[:10],
        "CC BY 4.0"),
}

GROUPS: dict[str, list[str]] = {"geoboundaries": ["geoboundaries-kaz-adm1", "geoboundaries-kaz-adm2"]}


class DownloadError(TerritoriaError, OSError):
    """A pinned download failed or its checksum did not match."""


def cache_dir() -> Path:
    """Where downloads are kept: ``$TERRITORIA_CACHE`` or the platform's user cache."""

    return Path(os.environ.get("TERRITORIA_CACHE") or pooch.os_cache("territoria"))


def cached(key: str) -> Path | None:
    """The cached file for ``key`` if it was downloaded before, else None."""
    path = cache_dir() / Path(REMOTE_FILES[key].url).name
    return path if path.exists() else None


def fetch(key: str) -> Path:
    """Download ``key`` (verified against its SHA-256) into the cache, or return the cached copy."""

    remote = REMOTE_FILES[key]
    try:
        return Path(pooch.retrieve(remote.url, known_hash=f"sha256:{remote.sha256}",
                                   fname=Path(remote.url).name, path=cache_dir(), progressbar=False))
    except Exception as exc:  # network errors come in many types; one message for the user
        raise DownloadError(f"could not download {key} from {remote.url}: {exc}. The software works without "
                            "it; boundaries then come from the bundled Natural Earth outline.") from None
