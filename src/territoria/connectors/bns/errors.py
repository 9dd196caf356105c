"""Errors of the BNS dynamic-table connector; each names the table (and the file) it concerns."""

from __future__ import annotations

from territoria.errors import DataError, ImportRefusedError, TerritoriaError

__all__ = ["BnsError", "CheckFailedError", "DownloadError", "LayoutError"]


class BnsError(TerritoriaError):
    """Base class of the connector's errors."""


class DownloadError(BnsError, OSError):
    """stat.gov.kz could not be reached or answered an HTTP error; the cache and the Store are unchanged."""


class LayoutError(BnsError, DataError):
    """An export does not have the published layout (HTML page, changed header, truncated row, bad value)."""


class CheckFailedError(BnsError, ImportRefusedError):
    """Sum checks failed or units could not be matched; nothing of the table was stored."""
