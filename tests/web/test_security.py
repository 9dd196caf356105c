"""Issue 19, finding 2: accounts, roles, sessions, CSRF, allowed hosts, security headers, audit trail.

Before: anything reaching the port could upload, assess and re-run monitoring, a page on another origin
stored an import through a no-cors ``fetch``, and ``Host: evil.example`` was served. The accounts are the
synthetic test accounts of ``conftest.add_accounts``; the data are the bundled Store's.
"""

from __future__ import annotations

import re

import pytest

from territoria.web.security import SECURITY_HEADERS


@pytest.fixture(scope="module")
def anonymous(app, web_auth):
    with web_auth.make_client(app) as c:
        yield c


def _as(app, web_auth, token):
    return web_auth.make_client(app, token=token)


def _login(app, web_auth, name="analyst1", password=None):
    """A browser-like client signed in through the login form; returns (client, CSRF token of the session)."""
    c = web_auth.make_client(app)
    page = c.get("/login", params={"next": "/monitor"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    res = c.post("/login", data={"name": name, "password": password or web_auth.password, "csrf_token": csrf,
                                 "next": "/monitor"}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/monitor", res.text
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', c.get("/monitor").text)
    assert meta and meta[1] != csrf  # a new session (and CSRF token) after login
    return c, meta[1]


def test_nothing_is_served_without_login(anonymous):
    assert anonymous.get("/api/health").status_code == 401
    assert anonymous.get("/api/health").headers["www-authenticate"] == "Bearer"
    page = anonymous.get("/compare", params={"lang": "kk"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fcompare%3Flang%3Dkk"
    assert anonymous.post("/api/monitoring/evaluate").status_code == 401
    assert anonymous.get("/static/app.js").status_code == 200  # the login page needs its style and script


def test_a_wrong_token_is_refused(app, web_auth):
    with _as(app, web_auth, "not-a-token") as c:
        assert c.get("/api/health").status_code == 401
    with web_auth.make_client(app, headers={"Authorization": "Basic YTpi"}) as c:
        assert c.get("/api/health").status_code == 401


def test_roles(app, web_auth, tokens):
    spec = {"spec": "name: x\ntree: {index: {children: {life_expectancy: {direction: -1}}}}\nyear: 2021\n"}
    with _as(app, web_auth, tokens["viewer"]) as viewer:
        assert viewer.get("/api/health").status_code == 200
        refused = viewer.post("/api/assess", json=spec)
        assert refused.status_code == 403 and "viewer" in refused.json()["detail"]
        assert viewer.get("/api/admin/audit").status_code == 403
    with _as(app, web_auth, tokens["analyst"]) as analyst:
        assert analyst.post("/api/assess", json=spec).status_code == 200
        assert analyst.get("/api/admin/audit").status_code == 403
        assert analyst.get("/admin").status_code == 403
    with _as(app, web_auth, tokens["admin"]) as admin:
        assert admin.get("/api/admin/users").status_code == 200
        assert "admin1" in admin.get("/admin", params={"lang": "kk"}).text


def test_public_read_serves_reads_but_never_writes(web_db, tokens, web_auth):
    from territoria.web import create_app

    with web_auth.make_client(create_app(web_db, public_read=True)) as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/", params={"lang": "en"}).status_code == 200
        assert c.post("/api/monitoring/evaluate").status_code == 401
        assert c.get("/api/admin/audit").status_code == 403


def test_unknown_host_is_refused(client):
    res = client.get("/api/health", headers={"Host": "evil.example"})
    assert res.status_code == 400
    assert all(res.headers.get(k) == v for k, v in SECURITY_HEADERS.items())


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/units/nope!/profile", "/static/style.css", "/login"])
def test_security_headers_on_every_answer(client, anonymous, path):
    for c in (client, anonymous):
        res = c.get(path, follow_redirects=False)
        assert {k: res.headers.get(k) for k in SECURITY_HEADERS} == SECURITY_HEADERS, (path, res.status_code)
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["content-security-policy"]


def test_pages_need_no_inline_script(client):
    """The CSP allows scripts from this origin only: every script of a page is a file, or inert JSON."""
    html = client.get("/", params={"lang": "ru"}).text
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_login_session_cookie_and_csrf(app, web_auth):
    c = web_auth.make_client(app)
    page = c.get("/login", params={"lang": "kk"})
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-territoria=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Secure" in cookie and "Құпиясөз" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    wrong = c.post("/login", data={"name": "analyst1", "password": "wrong password", "csrf_token": csrf})
    assert wrong.status_code == 401 and "login-error" in wrong.text
    forged = web_auth.make_client(app).post("/login", data={"name": "analyst1", "password": web_auth.password})
    assert forged.status_code == 403  # a login form posted from elsewhere (no session, no token)
    c.close()
    c, csrf = _login(app, web_auth)
    with c:
        assert c.get("/api/health").status_code == 200
        # a page on another origin can make the browser send the cookie, never the token
        assert c.post("/api/monitoring/evaluate").status_code == 403
        assert c.post("/api/monitoring/evaluate", headers={"X-CSRF-Token": "x" + csrf}).status_code == 403
        assert c.post("/api/monitoring/evaluate", headers={"X-CSRF-Token": csrf}).status_code == 200
        # the script-less form sends it as a field
        assert c.post("/monitor/evaluate", data={"csrf_token": "nope"}).status_code == 403
        form = c.post("/monitor/evaluate", data={"csrf_token": csrf}, follow_redirects=False)
        assert form.status_code == 303
        out = c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
        c.cookies.clear()
        assert c.get("/api/health").status_code == 401


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil", ""])
def test_login_never_redirects_off_site(target):
    from territoria.web.accounts import safe_next

    assert safe_next(target) == "/"
    assert safe_next("/unit/710000000?lang=en") == "/unit/710000000?lang=en"


def test_token_link_signs_in(app, web_auth, tokens):
    c = web_auth.make_client(app)
    with c:
        res = c.get("/login/token", params={"token": tokens["viewer"]}, follow_redirects=False)
        assert res.status_code == 303 and "HttpOnly" in res.headers["set-cookie"]
        assert c.get("/api/health").status_code == 200
        bad = web_auth.make_client(app).get("/login/token", params={"token": "nope"}, follow_redirects=False)
        assert bad.status_code == 303 and bad.headers["location"] == "/login"


def test_audit_trail_names_who_did_what(app, web_auth, tokens, web_db):
    with _as(app, web_auth, tokens["analyst"]) as analyst:
        assert analyst.post("/api/monitoring/evaluate").status_code == 200
    with _as(app, web_auth, tokens["admin"]) as admin:
        rows = admin.get("/api/admin/audit", params={"user": "analyst1"}).json()
    events = [dict(zip(rows["columns"], r, strict=True)) for r in rows["rows"]]
    assert events and events[0]["action"] == "monitor.evaluate" and events[0]["occurred_at"]


def test_a_removed_user_is_out_at_once(web_db, app, web_auth):
    from territoria.store import Store
    from territoria.store.accounts import add_user, create_token, remove_user

    with Store(web_db) as store:
        add_user(store, "temp1", role="viewer")
        token = create_token(store, "temp1")
    with _as(app, web_auth, token) as c:
        assert c.get("/api/health").status_code == 200
        with Store(web_db) as store:
            remove_user(store, "temp1")
        assert c.get("/api/health").status_code == 401


def test_only_the_api_docs_pages_may_load_their_cdn(client):
    from territoria.web.security import CSP, DOCS_CSP

    assert client.get("/docs").headers["content-security-policy"] == DOCS_CSP
    assert client.get("/api/health").headers["content-security-policy"] == CSP
    assert "unsafe-inline" not in CSP.split("script-src", 1)[1].split(";", 1)[0]


def test_a_cross_site_upload_through_the_session_stores_nothing(app, web_auth, web_db):
    """The issue's attack: another origin's page posts an import with the user's cookie (no-cors fetch); it
    cannot read or send the CSRF token, so the server refuses and the Store is unchanged."""
    c, csrf = _login(app, web_auth)
    body = b"unit,indicator,year,value\nMamlyutka,unemployment_rate,1996,9.9\n"  # synthetic value
    with c:
        before = c.get("/api/health").json()["counts"]
        forged = c.post("/api/import", files={"file": ("x.csv", body, "text/csv")},
                        headers={"Origin": "https://evil.example"})
        assert forged.status_code == 403
        assert c.get("/api/health").json()["counts"] == before
        ok = c.post("/api/import", files={"file": ("x.csv", body, "text/csv")}, headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200 and ok.json()["rows_new"] == 1
