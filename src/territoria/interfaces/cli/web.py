"""CLI command: ``territoria serve`` (the web dashboard and REST API on localhost)."""

from __future__ import annotations

import typer

from territoria.interfaces.cli.app import app, console, state
from territoria.interfaces.cli.data import load_bundled_with_progress
from territoria.store import Store

__all__ = ["serve"]


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
) -> None:
    """Start the web dashboard: overview with map and ranking, unit pages, comparison, upload, assessment,
    monitoring; JSON API under /api/ (OpenAPI at /docs). A missing Store is filled with the bundled data."""
    import uvicorn  # lazy: heavy optional dependency

    from territoria.web import create_app  # lazy: heavy optional dependency (fastapi)
    from territoria.web.limits import server_config  # lazy: heavy optional dependency (fastapi)

    if not state.db.exists():
        console.print(f"[yellow]No Store at {state.db}: loading the bundled data first.[/]")
        with Store(state.db) as store:
            load_bundled_with_progress(store)
    web = create_app(state.db, max_upload_bytes=int(max_upload_mb * 2**20))
    console.print(f"Territoria on [bold]http://{host}:{port}/[/] (Store {state.db}); Ctrl+C stops it.")
    # Uvicorn's own timeouts do not bound a client that trickles bytes; server_config adds deadlines.
    uvicorn.Server(server_config(web, host=host, port=port, head_timeout=head_timeout,
                                 body_timeout=body_timeout)).run()
