"""Errors of the Taldau connector; each names the request (endpoint and parameters) it concerns."""

from __future__ import annotations

from territoria.errors import DataError, ImportRefusedError, TerritoriaError

__all__ = ["GateError", "OfflineMissError", "StructureChangedError", "TaldauError", "TransportError"]


class TaldauError(TerritoriaError):
    """Base class of the connector's errors."""


class TransportError(TaldauError, OSError):
    """Taldau could not be reached, answered an HTTP error, or sent too much."""


class OfflineMissError(TransportError):
    """``--offline`` was asked and the cache holds no answer to this request."""


class StructureChangedError(TaldauError, DataError):
    """An answer does not have the documented shape (HTML page, empty cube, missing keys, unknown values)."""


class GateError(TaldauError, ImportRefusedError):
    """A validation gate failed; nothing was stored."""
