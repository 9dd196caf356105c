"""``territoria users …`` and ``territoria serve --local``'s token: accounts in the Store (issue 19, finding 2).
The accounts are synthetic; the Store is a copy of the bundled one."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from territoria.interfaces.cli import app
from territoria.store import Store
from territoria.store.accounts import audit_log, authenticate, user_for_token

runner = CliRunner()


@pytest.fixture(scope="module")
def db(bundled_store_path, tmp_path_factory):
    path = tmp_path_factory.mktemp("users") / "users.duckdb"
    shutil.copy(bundled_store_path, path)
    return path


def _run(db, *args, input=None):
    return runner.invoke(app, ["--db", str(db), "users", *args], input=input)


def test_add_list_token_remove_audit(db):
    res = _run(db, "add", "aigerim", "--role", "analyst", "--password-stdin", input="long enough pass\n")
    assert res.exit_code == 0, res.output
    with Store(db, read_only=True) as store:
        assert authenticate(store, "aigerim", "long enough pass").role == "analyst"
        assert authenticate(store, "aigerim", "wrong") is None
        stored = store.query("SELECT password_hash FROM users WHERE name = 'aigerim'")["password_hash"][0]
    assert stored.startswith("$argon2id$") and "long enough pass" not in stored
    res = _run(db, "token", "aigerim", "--label", "script")
    assert res.exit_code == 0, res.output
    token = res.output.strip().splitlines()[-1]
    with Store(db, read_only=True) as store:
        assert user_for_token(store, token).name == "aigerim"
        digests = store.query("SELECT token_sha256 FROM api_tokens")["token_sha256"].tolist()
    assert token not in digests and len(token) >= 40  # stored hashed; 32 random bytes
    listed = _run(db, "list")
    assert listed.exit_code == 0 and "aigerim" in listed.output and "analyst" in listed.output
    assert _run(db, "remove", "aigerim").exit_code == 0
    with Store(db, read_only=True) as store:
        assert user_for_token(store, token) is None
    audit = _run(db, "audit")
    assert audit.exit_code == 0
    for action in ("user.add", "token.create", "user.remove"):
        assert action in audit.output


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["add", "x", "--role", "boss", "--no-password"], None, "role 'boss' is not one of viewer, analyst, admin"),
    (["add", "x y", "--role", "viewer", "--no-password"], None, "expected 1 to 64 letters"),
    (["add", "x", "--role", "viewer", "--password-stdin"], "short\n", "at least 10 are required"),
    (["add", "x", "--role", "viewer", "--password-stdin", "--no-password"], None, "exclude each other"),
    (["token", "nobody"], None, "nobody"),
])
def test_refusals_name_what_is_wrong(db, args, stdin, message):
    from territoria.errors import TerritoriaError

    res = _run(db, *args, input=stdin)
    assert res.exit_code != 0
    assert isinstance(res.exception, TerritoriaError) and message in str(res.exception)


def test_local_token_replaces_the_previous_one(db):
    from territoria.interfaces.cli.web import LOCAL_USER, local_token

    with Store(db) as store:
        first = local_token(store)
        second = local_token(store)
        assert user_for_token(store, first) is None  # revoked by the next start
        owner = user_for_token(store, second)
    assert owner.name == LOCAL_USER and owner.role == "admin"


def test_serve_local_refuses_another_host(db):
    res = runner.invoke(app, ["--db", str(db), "serve", "--local", "--host", "0.0.0.0"])
    assert res.exit_code != 0 and "does not apply with --host 0.0.0.0" in str(res.exception)


def test_cli_imports_are_audited(db, tmp_path):
    table = tmp_path / "audited.csv"
    table.write_text("unit,indicator,year,value\nMamlyutka,unemployment_rate,1997,5.2\n", encoding="utf-8")  # synthetic
    res = runner.invoke(app, ["--db", str(db), "import", str(table)])
    assert res.exit_code == 0, res.output
    with Store(db, read_only=True) as store:
        last = audit_log(store, limit=1).iloc[0]
    assert last["action"] == "import" and last["target"] == str(table) and last["user_name"].startswith("cli:")
    assert "1 new" in last["detail"]
