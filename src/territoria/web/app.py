"""The FastAPI application of ``territoria serve``: HTML pages and the JSON API under ``/api/``.

The pages are thin shells: their script (``static/app.js``) fetches the same ``/api/`` endpoints any
client can call and draws tables and Plotly charts from the JSON. Plotly.js is served from the
installed plotly package (``/static/plotly.min.js``), so nothing is fetched from the internet.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from territoria.errors import TerritoriaError, UnknownNameError, pydantic_code
from territoria.report import monitoring as mon
from territoria.report.error_text import error_text
from territoria.report.i18n import LANGS, words
from territoria.report.messages import Translator
from territoria.report.render import plotly_js_path
from territoria.store.assessments import NAME_PATTERN
from territoria.web.accounts import audit, template_env
from territoria.web.accounts import router as accounts_router
from territoria.web.api import Lang, UnitCode, router
from territoria.web.assess_api import router as assess_router
from territoria.web.assessments import AssessmentName, known_assessment
from territoria.web.assessments import router as assessments_router
from territoria.web.context import WebContext
from territoria.web.limits import ENVELOPE_BYTES, BodyLimitMiddleware, max_upload_from_env
from territoria.web.maps import router as maps_router
from territoria.web.monitor_api import router as monitor_router
from territoria.web.page_words import page_words
from territoria.web.refusals import Refusal, refusal_detail
from territoria.web.render_pool import RenderPool
from territoria.web.security import (
    HeadersMiddleware,
    SecurityMiddleware,
    SecuritySettings,
    auth_words,
    current_user,
    session_of,
)
from territoria.web.templates_api import router as templates_router

__all__ = ["LOCAL_HOSTS", "create_app"]

_HERE = Path(__file__).parent
PAGES = {"overview": "/", "compare": "/compare", "upload": "/upload", "assess": "/assess", "monitor": "/monitor"}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
"""The Host names accepted by default: this machine only (a reverse proxy sets its public name)."""


def _page(request: Request, page: str, lang: str, **extra: object) -> HTMLResponse:
    session = session_of(request)
    html = template_env().get_template("page.html").render(
        page=page, lang=lang, langs=LANGS, w=words(lang), aw=auth_words(lang), pw=page_words(lang), pages=PAGES,
        name_pattern=NAME_PATTERN, user=current_user(request), csrf=session["c"] if session else None, **extra)
    return HTMLResponse(html)


def _worded(request: Request, exc: TerritoriaError) -> str:
    """The error in the request's ``lang`` (English, the CLI's text, without one)."""
    lang = request.query_params.get("lang", "en")
    return error_text(exc, lang) if lang in LANGS and lang != "en" else str(exc)


def _field(loc: Sequence[object]) -> str:
    """A request field as the pages name it: ``targets[0].deadline_year`` for ``("body", "targets", 0, ...)``."""
    out = ""
    for part in loc[1:] if loc and loc[0] in ("body", "query", "path") else loc:
        out += f"[{part}]" if isinstance(part, int) else f"{'.' if out else ''}{part}"
    return out


def _pydantic_text(error: Mapping[str, Any], lang: str) -> str:
    found = pydantic_code(error)
    return Translator(lang).text(*found) if found else str(error.get("msg", ""))


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On a clean stop the Store's read replicas are removed (they live in the system's temporary folder)."""
    yield
    app.state.ctx.close()


def create_app(db: str | Path, *, max_upload_bytes: int | None = None, public_read: bool = False,
               allowed_hosts: Sequence[str] | None = None, secure_cookies: bool = True,
               secret_key: str | None = None, pdf_workers: int = 2, pdf_queue: int = 4,
               pdf_timeout: float = 60.0) -> FastAPI:
    """The web application on the Store ``db``.

    Parameters
    ----------
    db : path
        The Store file (must exist; ``territoria serve`` fills a new one with the bundled data).
    max_upload_bytes : int, optional
        Uploads larger than this are refused (413) before they are read whole (see
        :mod:`territoria.web.limits`); default ``TERRITORIA_MAX_UPLOAD_BYTES`` or 10 MiB.
    public_read : bool, default=False
        Serve pages and read endpoints without login; writes always need one (:mod:`territoria.web.security`).
    allowed_hosts : list of str, optional
        Host names the server answers to (others: 400, against DNS rebinding); ``*.example.org`` allows
        subdomains. Default ``TERRITORIA_ALLOWED_HOSTS`` (comma-separated) or :data:`LOCAL_HOSTS`.
    secure_cookies : bool, default=True
        Session cookies only over HTTPS; False only for a server bound to the loopback (``serve --local``).
    secret_key : str, optional
        Key signing session cookies; default ``TERRITORIA_SECRET_KEY`` or random per start.
    pdf_workers, pdf_queue, pdf_timeout : int, int, float
        PDF reports: Chromium processes at once, requests waiting for one (more: 503), seconds allowed for
        waiting and for printing (:class:`territoria.web.render_pool.RenderPool`).
    """
    max_upload_bytes = max_upload_from_env() if max_upload_bytes is None else int(max_upload_bytes)
    if allowed_hosts is None:
        env = os.environ.get("TERRITORIA_ALLOWED_HOSTS", "")
        allowed_hosts = [h.strip() for h in env.split(",") if h.strip()] or list(LOCAL_HOSTS)
    secret_key = secret_key or os.environ.get("TERRITORIA_SECRET_KEY") or None
    settings = SecuritySettings(public_read=public_read, secure_cookies=secure_cookies,
                                **({"secret_key": secret_key} if secret_key else {}))
    app = FastAPI(title="Territoria", version="0.1.0", lifespan=_lifespan,
                  description="Vulnerability of Kazakhstan's regions and settlements: rankings, profiles, "
                              "mechanisms, monitoring. Every page of the site uses this API. Requests carry "
                              "`Authorization: Bearer TOKEN` (`territoria users token NAME`) or a session "
                              "cookie from /login.")
    app.state.ctx = WebContext(db, max_upload_bytes=max_upload_bytes)
    app.state.security = settings
    app.state.pdf_pool = RenderPool(workers=pdf_workers, queue=pdf_queue, timeout=pdf_timeout)
    app.include_router(router)
    app.include_router(assess_router)
    app.include_router(templates_router)
    app.include_router(assessments_router)
    app.include_router(maps_router)
    app.include_router(monitor_router)
    app.include_router(accounts_router)
    # innermost first: who may do what, the body limit (an oversized body is refused before anything else
    # reads it), the Host check, and the headers on every answer
    app.add_middleware(SecurityMiddleware, ctx=app.state.ctx, settings=settings)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_upload_bytes + ENVELOPE_BYTES)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    app.add_middleware(HeadersMiddleware)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = request.query_params.get("lang", "en")
        if lang not in ("ru", "kk"):  # FastAPI's own answer: a list of pydantic errors, in English
            return await request_validation_exception_handler(request, exc)
        errors = [{"field": _field(e.get("loc", ())), "message": _pydantic_text(e, lang)} for e in exc.errors()]
        return JSONResponse({"detail": "\n".join(f"{e['field']}: {e['message']}" for e in errors), "errors": errors},
                            status_code=422)

    @app.exception_handler(Refusal)
    async def _refusal(request: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse({"detail": refusal_detail(exc, request.query_params.get("lang"))},
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(UnknownNameError)
    async def _unknown(request: Request, exc: UnknownNameError) -> JSONResponse:
        return JSONResponse({"detail": _worded(request, exc)}, status_code=404)

    @app.exception_handler(TerritoriaError)
    async def _error(request: Request, exc: TerritoriaError) -> JSONResponse:
        return JSONResponse({"detail": _worded(request, exc)}, status_code=422)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(plotly_js_path(), media_type="application/javascript")

    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview(request: Request, lang: Lang = "ru", assessment: AssessmentName = None) -> HTMLResponse:
        return _page(request, "overview", lang, assessment=known_assessment(request, assessment))

    @app.get("/unit/{code}", response_class=HTMLResponse, include_in_schema=False)
    def unit_page(request: Request, code: UnitCode, lang: Lang = "ru",
                  assessment: AssessmentName = None) -> HTMLResponse:
        return _page(request, "unit", lang, unit=code, assessment=known_assessment(request, assessment))

    @app.post("/monitor/evaluate", include_in_schema=False)
    def monitor_evaluate(request: Request, lang: Lang = "ru", assessment: AssessmentName = None) -> RedirectResponse:
        """The board's "re-evaluate" button without a script: evaluate, then show the board."""

        ctx = app.state.ctx
        with ctx.store(write=True) as store:
            ctx.last_evaluation = mon.evaluate(store, assessment=assessment)
            audit(store, request, action="monitor.evaluate", target=assessment or "")
        tail = f"&assessment={quote(assessment)}" if assessment is not None else ""
        return RedirectResponse(f"{PAGES['monitor']}?lang={lang}{tail}", status_code=303)

    for name in ("compare", "upload", "assess", "monitor"):
        def make(page: str = name):  # bind the loop variable
            def handler(request: Request, lang: Lang = "ru", assessment: AssessmentName = None) -> HTMLResponse:
                return _page(request, page, lang, assessment=known_assessment(request, assessment))
            return handler
        app.get(PAGES[name], response_class=HTMLResponse, include_in_schema=False)(make())
    return app
