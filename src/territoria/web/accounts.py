"""Login, logout and the administrators' pages: ``/login``, ``/login/token``, ``/logout``, ``/admin``,
``/api/admin/users`` and ``/api/admin/audit`` (see :mod:`territoria.web.security`)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Annotated, Any, Literal

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from territoria.report.document import frame_to_json
from territoria.report.i18n import LANGS, words
from territoria.store.accounts import audit_log, authenticate, list_users, record, user_for_token
from territoria.web.page_words import admin_table, page_words
from territoria.web.security import auth_words, current_user, session_of

__all__ = ["audit", "router", "safe_next", "template_env"]

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/admin", tags=["admin"])
Lang = Annotated[Literal["ru", "kk", "en"], Query(description="Language of the page.")]


@lru_cache(maxsize=1)
def template_env() -> jinja2.Environment:
    """The Jinja environment of the web pages (autoescaped)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("territoria.web", "templates"),
                              autoescape=jinja2.select_autoescape(["html"]))


def safe_next(target: str | None) -> str:
    """Where to go after login: a path of this site only (``/x``, never ``//host`` or ``https://...``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _settings(request: Request) -> Any:
    return request.app.state.security


def _login_page(request: Request, lang: str, *, next_: str, error: str | None = None,
                status: int = 200) -> HTMLResponse:
    settings = _settings(request)
    session = session_of(request)
    if session is None:
        session = {"u": None, "c": secrets.token_urlsafe(24)}
    html = template_env().get_template("login.html").render(
        lang=lang, langs=LANGS, w=words(lang), aw=auth_words(lang), pw=page_words(lang), csrf=session["c"],
        next=next_, error=error)
    response = HTMLResponse(html, status_code=status)
    response.headers.append("set-cookie", settings.cookie(session))
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, lang: Lang = "ru", next: str | None = None) -> HTMLResponse:
    """The login form (its session cookie carries the form's CSRF token)."""
    return _login_page(request, lang, next_=safe_next(next))


@router.post("/login")
async def login(request: Request, lang: Lang = "ru") -> Response:
    """Check the name and password; on success a new session (new CSRF token) and a redirect."""
    form = await request.form(max_files=0, max_fields=8)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    sent, next_ = str(form.get("csrf_token", "")), safe_next(str(form.get("next", "")))
    session = session_of(request)
    aw = auth_words(lang)
    if session is None or not secrets.compare_digest(sent, str(session["c"])):
        return _login_page(request, lang, next_=next_, error=aw["expired"], status=403)
    ctx = request.app.state.ctx

    def check() -> Any:
        with ctx.store() as store:
            return authenticate(store, name, password)

    user = await run_in_threadpool(check) if len(name) <= 64 and len(password) <= 1024 else None
    if user is None:
        return _login_page(request, lang, next_=next_, error=aw["wrong_login"], status=401)
    return _signed_in(request, user.name, next_)


def _signed_in(request: Request, name: str, target: str) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.headers.append("set-cookie", _settings(request).cookie({"u": name, "c": secrets.token_urlsafe(24)}))
    return response


@router.get("/login/token")
def login_with_token(request: Request, token: Annotated[str, Query(max_length=200)]) -> Response:
    """Sign in with an API token (the link ``territoria serve --local`` prints), then the overview."""
    ctx = request.app.state.ctx
    with ctx.store() as store:
        user = user_for_token(store, token)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return _signed_in(request, user.name, "/")


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    """End the session (the cookie is dropped); the CSRF check ran before."""
    response = RedirectResponse("/login", status_code=303)
    response.headers.append("set-cookie", _settings(request).expired_cookie())
    return response


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, lang: Lang = "ru") -> HTMLResponse:
    """Users and the latest 200 events of the audit trail (administrators only)."""
    with request.app.state.ctx.store() as store:
        users, events = list_users(store), audit_log(store, limit=200)
    aw = auth_words(lang)
    html = template_env().get_template("admin.html").render(
        lang=lang, langs=LANGS, w=words(lang), aw=aw, pw=page_words(lang),
        users=admin_table(users, lang, roles=aw), audit=admin_table(events, lang, roles=aw))
    return HTMLResponse(html)


@api.get("/users")
def admin_users(request: Request) -> dict[str, Any]:
    """The users: name, role, created, whether they have a password, how many tokens (administrators)."""
    with request.app.state.ctx.store() as store:
        return frame_to_json(list_users(store))


@api.get("/audit")
def admin_audit(request: Request, limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
                user: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
    """The audit trail, newest first: who imported, assessed, re-evaluated, changed a user, and when."""
    with request.app.state.ctx.store() as store:
        return frame_to_json(audit_log(store, limit=limit, user=user))


def audit(store: Any, request: Request, *, action: str, target: str = "", detail: str = "") -> None:
    """Record a web write in the audit trail under the request's user (``store`` open for writing)."""
    user = current_user(request)
    with store.transaction():
        record(store, user=user.name if user is not None else "anonymous", action=action, target=target,
               detail=detail)


router.include_router(api)
