"""CLI command: ``territoria serve`` (the web dashboard and REST API on localhost)."""

from __future__ import annotations

import ipaddress

import typer
import uvicorn

from territoria.errors import DataError
from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.data import load_bundled_with_progress
from territoria.interfaces.cli.users import cli_actor
from territoria.store import Store, accounts
from territoria.web import create_app
from territoria.web.limits import server_config

LOCAL_USER = "local"
"""The administrator ``territoria serve --local`` creates (token only, no password)."""

__all__ = ["LOCAL_USER", "local_token", "serve"]


def local_token(store: Store) -> str:
    """A fresh token of the local administrator (created if missing); earlier local tokens are revoked."""
    if accounts.get_user(store, LOCAL_USER) is None:
        accounts.add_user(store, LOCAL_USER, role="admin")
        with store.transaction():
            accounts.record(store, user=cli_actor(), action="user.add", target=LOCAL_USER, detail="serve --local")
    accounts.revoke_tokens(store, LOCAL_USER, label="serve --local")
    return accounts.create_token(store, LOCAL_USER, label="serve --local")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve", rich_help_panel="Reports and web")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    max_upload_mb: float = typer.Option(10.0, "--max-upload-mb", envvar="TERRITORIA_MAX_UPLOAD_MB",
                                        help="Largest accepted upload (MiB)."),
    head_timeout: float = typer.Option(10.0, "--head-timeout", envvar="TERRITORIA_HEAD_TIMEOUT",
                                       help="Seconds a client has to send a request's head (then 408)."),
    body_timeout: float = typer.Option(60.0, "--body-timeout", envvar="TERRITORIA_BODY_TIMEOUT",
                                       help="Seconds a client has to send a request's body (then 408)."),
    local: bool = typer.Option(False, "--local", help="Single-user laptop: bind 127.0.0.1, sign in as the local "
                               "administrator with the token and link printed at start (plain HTTP)."),
    public_read: bool = typer.Option(False, "--public-read", help="Serve pages and read endpoints without login "
                                     "(writes still need one)."),
    allowed_host: list[str] = typer.Option([], "--allowed-host", envvar="TERRITORIA_ALLOWED_HOSTS",
                                           help="A Host name the server answers to (repeatable; default: this "
                                                "machine's names). Behind a reverse proxy: its public name."),
    pdf_workers: int = typer.Option(2, "--pdf-workers", min=1, max=64, envvar="TERRITORIA_PDF_WORKERS",
                                    help="PDF reports printed at once (each runs a Chromium, ~1 GB); twice as "
                                         "many may wait, more get 503 with Retry-After."),
) -> None:
    """Start the web dashboard: overview with map and ranking, unit pages, comparison, upload, assessment,
    monitoring; JSON API under /api/ (OpenAPI at /docs). A missing Store is filled with the bundled data.

    Every request needs a login (accounts: `territoria users add`), unless --public-read (reads only).
    On a laptop: `territoria serve --local`. On a network: behind a reverse proxy with TLS (docs/web.md)."""

    if local and not _is_loopback(host):
        raise DataError(f"--local serves this machine only (127.0.0.1); it does not apply with --host {host}")
    if local and allowed_host:
        raise DataError("--local answers to this machine's names only; --allowed-host does not apply")
    hosts = [h.strip() for item in allowed_host for h in item.split(",") if h.strip()] or None
    if not state.db.exists():
        console.print(f"[yellow]No Store at {state.db}: loading the bundled data first.[/]")
        with Store(state.db) as store:
            load_bundled_with_progress(store)
    token = None
    with Store(state.db) as store:
        if local:
            token = local_token(store)
        elif accounts.list_users(store).empty:
            console.print("[yellow]No user in the Store yet: add one with `territoria users add NAME --role admin` "
                          "(or run `territoria serve --local` on a single-user machine).[/]")
    web = create_app(state.db, max_upload_bytes=int(max_upload_mb * 2**20), public_read=public_read,
                     allowed_hosts=hosts, secure_cookies=not local, pdf_workers=pdf_workers,
                     pdf_queue=2 * pdf_workers)
    console.print(f"Territoria on [bold]http://{host}:{port}/[/] (Store {state.db}); Ctrl+C stops it.")
    if token is not None:
        console.print(f"Local administrator token (API: `Authorization: Bearer TOKEN`), valid until the next "
                      f"`serve --local`:\n{token}\nOpen in the browser to sign in:", highlight=False)
        print(f"http://{host}:{port}/login/token?token={token}")
    # Uvicorn's own timeouts do not bound a client that trickles bytes; server_config adds deadlines.
    uvicorn.Server(server_config(web, host=host, port=port, head_timeout=head_timeout,
                                 body_timeout=body_timeout)).run()
