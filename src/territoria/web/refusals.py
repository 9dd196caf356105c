"""HTTP refusals worded in the page's language.

A :class:`Refusal` is an ``HTTPException`` that also carries a message code of the catalogues
(``report/messages/<lang>.yaml``, ``error.web.*``) and its parameters: API clients that ask no
language get the English ``detail``; a page passing ``?lang=ru`` or ``kk`` gets the same facts (file
name, limit, suffix) in its own words (:func:`refusal_detail`, used by the application's handler).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException

from territoria.report.messages import LANGS, Translator

__all__ = ["Refusal", "refusal_detail"]


class Refusal(HTTPException):
    """``HTTPException(status_code, detail)`` with the message ``code`` and ``params`` of its detail."""

    def __init__(self, status_code: int, detail: str, code: str, /, *,
                 headers: Mapping[str, str] | None = None, **params: Any) -> None:
        super().__init__(status_code, detail, headers=dict(headers) if headers else None)
        self.code, self.params = code, params


def refusal_detail(exc: Refusal, lang: str | None) -> str:
    """The refusal's message in ``lang`` (its English ``detail`` without a known other language)."""
    if lang not in LANGS or lang == "en":
        return str(exc.detail)
    return Translator(lang).text(exc.code, exc.params)
