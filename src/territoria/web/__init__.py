"""The web dashboard and REST API of ``territoria serve`` (FastAPI)."""

from territoria.web.app import create_app

__all__ = ["create_app"]
