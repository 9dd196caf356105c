"""Accounts of the web server in the Store (schema v6): users with roles, API tokens, the audit trail.

* A user has a role: ``viewer`` reads; ``analyst`` also uploads data, runs and stores assessments,
  re-evaluates the monitoring and changes measures; ``admin`` also manages users and revises data.
* Passwords are stored as argon2id hashes (``argon2-cffi``); a user without a password logs in with a
  token only.
* An API token is 32 random bytes (``secrets.token_urlsafe``), shown once when created; the Store keeps
  its SHA-256 only (a token is not guessable, so a fast digest suffices and lookups stay cheap).
* The audit log is append-only: who did what, to what, and when.

Every write runs in ``store.transaction()``; refusals are :class:`~territoria.errors.DataError` or
:class:`~territoria.errors.UnknownNameError` saying what was expected.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from territoria.errors import DataError, UnknownNameError

if TYPE_CHECKING:
    from territoria.store.store import Store

__all__ = ["MIN_PASSWORD", "PERMISSIONS", "ROLES", "USER_PATTERN", "User", "add_user", "audit_log",
           "authenticate", "create_token", "get_user", "list_users", "record", "remove_user", "revoke_tokens",
           "token_digest", "user_for_token"]

ROLES = ("viewer", "analyst", "admin")
#: What each role may do; every role may do what the roles before it may.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "write"}),
    "admin": frozenset({"read", "write", "admin"}),
}
USER_PATTERN = r"^[A-Za-z0-9_.@-]{1,64}$"
MIN_PASSWORD = 10
_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """The hash verified against when the user does not exist. Made on first use, not at import: an argon2
    hash costs about 0.8 s of CPU, which every process importing this module (each CLI command) paid."""
    return _HASHER.hash("territoria-no-such-user")


@dataclass(frozen=True)
class User:
    """A user as the server sees it: name and role."""

    name: str
    role: str

    def can(self, permission: str) -> bool:
        """Whether the role grants ``permission`` (``read``, ``write`` or ``admin``)."""
        return permission in PERMISSIONS[self.role]


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


def token_digest(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_name(name: str) -> str:
    if not re.match(USER_PATTERN, name or ""):
        raise DataError(f"user name {name!r}: expected 1 to 64 letters, digits or . _ @ -")
    return name


def get_user(store: Store, name: str) -> User | None:
    """The user ``name``, or None."""
    rows = store.con.execute("SELECT name, role FROM users WHERE name = ?", [name]).fetchall()
    return User(*rows[0]) if rows else None


def add_user(store: Store, name: str, *, role: str, password: str | None = None) -> User:
    """Create a user; ``password`` (at least :data:`MIN_PASSWORD` characters) or None for token-only."""
    _check_name(name)
    if role not in ROLES:
        raise DataError(f"user {name}: role {role!r} is not one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise DataError(f"user {name}: the password has {len(password)} characters; at least {MIN_PASSWORD} "
                        "are required")
    if get_user(store, name) is not None:
        raise DataError(f"user {name} exists already; remove it first or choose another name")
    hashed = _HASHER.hash(password) if password is not None else None
    with store.transaction():
        store.con.execute("INSERT INTO users VALUES (?, ?, ?, ?)", [name, role, hashed, _now()])
    return User(name, role)


def remove_user(store: Store, name: str) -> None:
    """Delete a user and every token of theirs (the audit log keeps their name)."""
    if get_user(store, name) is None:
        raise UnknownNameError("user", name, [u for u in list_users(store)["name"]])
    with store.transaction():
        store.con.execute("DELETE FROM api_tokens WHERE user_name = ?", [name])
        store.con.execute("DELETE FROM users WHERE name = ?", [name])


def list_users(store: Store) -> pd.DataFrame:
    """Users with role, creation time, whether they have a password and how many tokens."""
    return store.query(
        "SELECT u.name, u.role, u.created_at, u.password_hash IS NOT NULL AS has_password, "
        "count(t.token_sha256) AS tokens FROM users u LEFT JOIN api_tokens t ON t.user_name = u.name "
        "GROUP BY u.name, u.role, u.created_at, u.password_hash ORDER BY u.name")


def create_token(store: Store, name: str, *, label: str = "") -> str:
    """A new API token for ``name`` (returned once; the Store keeps its digest only)."""
    if get_user(store, name) is None:
        raise UnknownNameError("user", name, [u for u in list_users(store)["name"]])
    token = secrets.token_urlsafe(32)
    with store.transaction():
        store.con.execute("INSERT INTO api_tokens VALUES (?, ?, ?, ?)", [token_digest(token), name, label, _now()])
    return token


def revoke_tokens(store: Store, name: str, *, label: str | None = None) -> int:
    """Delete ``name``'s tokens (only those labelled ``label`` when given); returns how many."""
    where, params = "user_name = ?", [name]
    if label is not None:
        where, params = where + " AND label = ?", [name, label]
    n = int(store.con.execute(f"SELECT count(*) FROM api_tokens WHERE {where}", params).fetchall()[0][0])
    with store.transaction():
        store.con.execute(f"DELETE FROM api_tokens WHERE {where}", params)
    return n


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (an unknown name costs a hash too)."""
    dummy = _dummy_hash()  # before the lookup: a process's first call pays for it whether or not the user exists
    rows = store.con.execute("SELECT name, role, password_hash FROM users WHERE name = ?", [name]).fetchall()
    hashed = rows[0][2] if rows else None
    try:
        if hashed is None:
            _HASHER.verify(dummy, password + "x")  # same cost whether or not the user exists
            return None
        _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return None
    return User(rows[0][0], rows[0][1])



def user_for_token(store: Store, token: str) -> User | None:
    """The owner of an API token, or None."""
    rows = store.con.execute("SELECT u.name, u.role FROM api_tokens t JOIN users u ON u.name = t.user_name "
                             "WHERE t.token_sha256 = ?", [token_digest(token)]).fetchall()
    return User(*rows[0]) if rows else None


def record(store: Store, *, user: str, action: str, target: str = "", detail: str = "") -> None:
    """Append one event to the audit log (inside the caller's transaction when there is one)."""
    next_id = int(store.con.execute("SELECT coalesce(max(event_id), 0) + 1 FROM audit_log").fetchall()[0][0])
    store.con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?)",
                      [next_id, _now(), user, action, target, detail])


def audit_log(store: Store, *, limit: int = 100, user: str | None = None) -> pd.DataFrame:
    """The latest ``limit`` events (newest first), of one ``user`` when given."""
    where, params = ("WHERE user_name = ?", [user]) if user is not None else ("", [])
    return store.query(f"SELECT event_id, occurred_at, user_name, action, target, detail FROM audit_log {where} "
                       f"ORDER BY event_id DESC LIMIT {int(limit)}", params)
