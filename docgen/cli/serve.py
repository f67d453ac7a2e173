"""`docgen serve`: the archive as a service for the departments (the JSON API)."""

from __future__ import annotations

import click

from docgen.cli.base import Ctx, main
from docgen.i18n import N_, TranslatedOption, _, lazy_gettext


@main.command(help=lazy_gettext("""Serve the archive over HTTP: the JSON API under /api/v1, for the departments' browsers and scripts.

    It listens on 127.0.0.1 unless --host says otherwise; put it behind a reverse proxy
    with TLS (docs/deploy.md) to reach it from the company network. Accounts log in with
    POST /api/v1/session; scripts send Authorization: Bearer TOKEN (docgen token create).

    \b
    Example:
      docgen serve
      docgen serve --host 0.0.0.0 --port 8000
    """))
@click.option("--host", default="127.0.0.1", show_default=True, cls=TranslatedOption,
              help=N_("The address to listen on (0.0.0.0: every interface)."))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), cls=TranslatedOption,
              help=N_("The port to listen on."))
@click.pass_obj
def serve(obj: Ctx, host: str, port: int) -> None:
    import uvicorn

    from docgen.web import create_app

    archive = obj.archive(create=False)
    app = create_app(archive.root)
    click.echo(_("serving {root} on http://{host}:{port}/api/v1 (Ctrl-C stops)").format(
        root=archive.root, host=host, port=port), err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, proxy_headers=False)
