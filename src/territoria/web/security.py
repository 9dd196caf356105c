"""Who may do what on the web server: accounts, sessions, CSRF, security headers (issue 19, finding 2).

* **Who.** A request carries an API token (``Authorization: Bearer TOKEN``, made by ``territoria users
  token``) or a session cookie set by the login page. The cookie is signed (``itsdangerous``), HttpOnly,
  ``SameSite=Strict`` and ``Secure`` (named ``__Host-territoria``; ``secure_cookies=False`` only for a
  server bound to the loopback, ``territoria serve --local``) and holds the user name and the session's
  CSRF token; the user is looked up in the Store on each request (a removed user is out at once).
* **What.** Roles (:mod:`territoria.store.accounts`): ``viewer`` reads; ``analyst`` also writes (upload,
  assessments, monitoring, measures); ``admin`` also reads the audit trail and the users (``/admin``,
  ``/api/admin/...``). Reading without login is the ``public_read`` setting, off by default; a write
  always needs a login.
* **CSRF.** A state-changing request authenticated by the cookie must carry the session's token, in the
  ``X-CSRF-Token`` header (the dashboard's fetch calls) or a ``csrf_token`` form field (HTML forms);
  otherwise 403. A token request needs none (a browser never sends it on its own).
* **Headers.** Every answer carries ``Content-Security-Policy`` (scripts, styles, images and connections
  from this origin only; no framing), ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and
  ``Referrer-Policy: same-origin``. The Host header is checked by Starlette's ``TrustedHostMiddleware``
  (see :func:`territoria.web.app.create_app`).
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool

from territoria.report.messages import words_in
from territoria.store.accounts import User, get_user, token_digest, user_for_token

__all__ = ["AUTH_WORDS", "CSP", "DOCS_CSP", "SECURITY_HEADERS", "HeadersMiddleware", "SecurityMiddleware",
           "SecuritySettings", "auth_words", "current_user", "session_of"]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CSP, "x-content-type-options": "nosniff", "x-frame-options": "DENY",
    "referrer-policy": "same-origin"}
#: The interactive API pages (/docs, /redoc) are FastAPI's: an inline script and Swagger UI / ReDoc from
#: their CDN. They show no data of the Store; only they get this policy.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; style-src 'self' "
            "'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; font-src 'self' data: "
            "https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
            "worker-src blob:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PATHS = ("/static/", "/login")  # served to anyone: the style, the script, the login page
ADMIN_PATHS = ("/admin", "/api/admin/")
FORM_LIMIT = 16 * 2**10

#: Words of the login page and the account bar: key -> (en, ru, kk).
AUTH_WORDS: dict[str, tuple[str, str, str]] = {
    "login": ("Sign in", "Войти", "Кіру"),
    "logout": ("Sign out", "Выйти", "Шығу"),
    "user_name": ("User name", "Имя пользователя", "Пайдаланушы аты"),
    "password": ("Password", "Пароль", "Құпиясөз"),
    "wrong_login": ("Wrong user name or password.", "Неверное имя пользователя или пароль.",
                    "Пайдаланушы аты немесе құпиясөз қате."),
    "expired": ("The form has expired; sign in again.", "Форма устарела; войдите ещё раз.",
                "Форманың мерзімі өтті; қайта кіріңіз."),
    "signed_in_as": ("Signed in as", "Вы вошли как", "Кірген пайдаланушы"),
    "role_viewer": ("viewer", "просмотр", "қарау"),
    "role_analyst": ("analyst", "аналитик", "талдаушы"),
    "role_admin": ("administrator", "администратор", "әкімші"),
    "audit": ("Audit trail", "Журнал действий", "Әрекеттер журналы"),
    "users": ("Users", "Пользователи", "Пайдаланушылар"),
    "admins_only": ("this page is for administrators", "эта страница — для администраторов",
                    "бұл бет әкімшілерге арналған"),
    "login_required": ("login required: send 'Authorization: Bearer TOKEN' or sign in at /login",
                       "нужен вход: войдите на странице /login", "кіру қажет: /login бетінде кіріңіз"),
    "login_for_changes": ("login required for changes: send 'Authorization: Bearer TOKEN' or sign in",
                          "для изменений нужен вход: войдите на странице /login",
                          "өзгерістер үшін кіру қажет: /login бетінде кіріңіз"),
    "csrf_failed": ("missing or wrong CSRF token: reload the page and try again",
                    "форма устарела (нет или неверен токен CSRF): обновите страницу и повторите",
                    "пішіннің мерзімі өтті (CSRF токені жоқ немесе қате): бетті жаңартып, қайталаңыз"),
    "role_needed": ("user {name} ({role}) may not do this; it needs the role {needed}",
                    "пользователь {name} ({role}) не может это сделать; нужна роль: {needed}",
                    "{name} пайдаланушысы ({role}) мұны істей алмайды; қажетті рөл: {needed}"),
    "needed_admin": ("admin", "администратор", "әкімші"),
    "needed_write": ("analyst or admin", "аналитик или администратор", "талдаушы немесе әкімші"),
    "login_help": ("Accounts are created by the administrator: `territoria users add NAME --role ROLE`.",
                   "Учётные записи создаёт администратор: `territoria users add ИМЯ --role РОЛЬ`.",
                   "Есептік жазбаларды әкімші жасайды: `territoria users add АТЫ --role РӨЛІ`."),
}


def auth_words(lang: str) -> dict[str, str]:
    """The words of :data:`AUTH_WORDS` in ``lang`` (``ru``, ``kk`` or ``en``)."""
    return words_in(AUTH_WORDS, lang)


@dataclass
class SecuritySettings:
    """How the server checks its clients.

    Parameters
    ----------
    public_read : bool, default=False
        Serve pages and read endpoints without login (writes still need one).
    secure_cookies : bool, default=True
        Mark the session cookie ``Secure`` (HTTPS only). Off only behind ``--local`` (loopback, plain HTTP).
    secret_key : str, optional
        Key signing the session cookies; default ``TERRITORIA_SECRET_KEY`` or a random key per start
        (sessions then end when the server restarts).
    session_hours : float, default=12
        Lifetime of a session cookie.
    """

    public_read: bool = False
    secure_cookies: bool = True
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    session_hours: float = 12.0

    @property
    def cookie_name(self) -> str:
        return "__Host-territoria" if self.secure_cookies else "territoria"

    def serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt="territoria-session")

    def cookie(self, session: dict[str, Any]) -> str:
        """The ``Set-Cookie`` value carrying ``session`` (signed)."""
        value = self.serializer().dumps(session)
        secure = "; Secure" if self.secure_cookies else ""
        return (f"{self.cookie_name}={value}; Path=/; Max-Age={int(self.session_hours * 3600)}; HttpOnly; "
                f"SameSite=Strict{secure}")

    def expired_cookie(self) -> str:
        secure = "; Secure" if self.secure_cookies else ""
        return f"{self.cookie_name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"

    def read(self, value: str) -> dict[str, Any] | None:
        try:
            session = self.serializer().loads(value, max_age=int(self.session_hours * 3600))
        except BadSignature:
            return None
        return session if isinstance(session, dict) and isinstance(session.get("c"), str) else None


def current_user(request: Any) -> User | None:
    """The user the request is authenticated as (None: anonymous, only with ``public_read``)."""
    return request.scope.get("state", {}).get("user")


def session_of(request: Any) -> dict[str, Any] | None:
    """The request's session (``u``: user name or None, ``c``: CSRF token), None without a valid cookie."""
    return request.scope.get("state", {}).get("session")


class _Accounts:
    """Users and token owners by Store version (a write, e.g. ``users remove``, invalidates them)."""

    def __init__(self, ctx: Any, size: int = 256) -> None:
        self.ctx, self.size = ctx, size
        self._cache: OrderedDict[tuple[Any, ...], User | None] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, kind: str, value: str) -> User | None:
        key = (self.ctx.version(), kind, value if kind == "user" else token_digest(value))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        with self.ctx.store() as store:
            found = get_user(store, value) if kind == "user" else user_for_token(store, value)
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return found


def _json(status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None) -> list[dict[str, Any]]:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(extra or [])]
    return [{"type": "http.response.start", "status": status, "headers": headers},
            {"type": "http.response.body", "body": body}]


class HeadersMiddleware:
    """ASGI middleware (outermost): the security headers on every answer, refusals included."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        wanted = dict(SECURITY_HEADERS)
        if scope["path"].startswith(DOCS_PATHS):
            wanted["content-security-policy"] = DOCS_CSP

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k.encode(), v.encode()) for k, v in wanted.items()
                                        if k.encode() not in present]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SecurityMiddleware:
    """ASGI middleware: authentication, roles, CSRF (see the module docstring)."""

    def __init__(self, app: Any, *, ctx: Any, settings: SecuritySettings) -> None:
        self.app, self.settings = app, settings
        self.accounts = _Accounts(ctx)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal, receive = await self._check(scope, receive)
        if refusal is not None:
            for message in refusal:
                await send(message)
            return
        await self.app(scope, receive, send)

    async def _check(self, scope: dict[str, Any], receive: Any) -> tuple[list[dict[str, Any]] | None, Any]:
        path, method = scope["path"], scope["method"]
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", ["en"])[0]
        said = auth_words(asked if asked in ("ru", "kk") else "en")  # refusals in the page's language
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        state = scope.setdefault("state", {})
        session = None
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == self.settings.cookie_name:
                session = self.settings.read(value)
        state["session"] = session
        user, by_token = None, False
        auth = headers.get("authorization", "")
        if auth:
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _json(401, "Authorization: expected 'Bearer TOKEN' (territoria users token NAME)",
                             [(b"www-authenticate", b"Bearer")]), receive
            user = await run_in_threadpool(self.accounts.lookup, "token", token.strip())
            if user is None:
                return _json(401, "the API token is not valid (revoked, or its user was removed)",
                             [(b"www-authenticate", b"Bearer")]), receive
            by_token = True
        elif session is not None and session.get("u"):
            user = await run_in_threadpool(self.accounts.lookup, "user", str(session["u"]))
        state["user"] = user
        if path.startswith(OPEN_PATHS):
            return None, receive
        if method in SAFE_METHODS:
            if user is not None or self.settings.public_read:
                if path.startswith(ADMIN_PATHS) and (user is None or not user.can("admin")):
                    return _json(403, said["admins_only"]), receive
                return None, receive
            if path.startswith(("/api/", "/openapi.json", "/docs", "/redoc")):
                return _json(401, said["login_required"],
                             [(b"www-authenticate", b"Bearer")]), receive
            target = quote(path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string")
                                   else ""), safe="")
            return [{"type": "http.response.start", "status": 303,
                     "headers": [(b"location", f"/login?next={target}".encode()), (b"content-length", b"0")]},
                    {"type": "http.response.body", "body": b""}], receive
        if user is None:
            return _json(401, said["login_for_changes"],
                         [(b"www-authenticate", b"Bearer")]), receive
        if not by_token:
            sent = headers.get("x-csrf-token", "")
            if not sent and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                sent, receive = await _form_field(receive, "csrf_token")
            if not sent or not hmac.compare_digest(sent, str(session["c"])):  # type: ignore[index]
                return _json(403, said["csrf_failed"]), receive
        needed = "admin" if path.startswith(ADMIN_PATHS) else "write"
        if not user.can(needed):
            return _json(403, said["role_needed"].format(name=user.name, role=said[f"role_{user.role}"],
                                                          needed=said[f"needed_{needed}"])), receive
        return None, receive


async def _form_field(receive: Any, name: str) -> tuple[str, Any]:
    """A field of a small urlencoded body, and a ``receive`` that replays the body to the application."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > FORM_LIMIT:
            return "", receive
    body = b"".join(chunks)
    values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(name, [""])
    replayed = False

    async def replay() -> dict[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return values[0], replay
