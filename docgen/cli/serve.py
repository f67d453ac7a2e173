"""`docgen serve`: the archive as a service for the departments (the JSON API)."""

from __future__ import annotations

from typing import Any

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
      docgen serve --host 0.0.0.0 --port 8000 --workers 2
      docgen serve --trust-proxy          # behind nginx on this machine (docs/deploy.md)
    """))
@click.option("--host", default="127.0.0.1", show_default=True, cls=TranslatedOption,
              help=N_("The address to listen on (0.0.0.0: every interface)."))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), cls=TranslatedOption,
              help=N_("The port to listen on."))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), cls=TranslatedOption,
              help=N_("Server processes; each has its own [server] converters warm LibreOffice converters."))
@click.option("--trust-proxy", is_flag=True, cls=TranslatedOption,
              help=N_("Behind a reverse proxy on this machine: take the client's address and https from its "
                      "X-Forwarded-For and X-Forwarded-Proto headers."))
@click.pass_obj
def serve(obj: Ctx, host: str, port: int, workers: int, trust_proxy: bool) -> None:
    import os

    import uvicorn

    from docgen.web import create_app

    archive = obj.archive(create=False)
    app = create_app(archive.root)  # a docgen.toml that cannot be used stops it here, with its line
    click.echo(_("serving {root} on http://{host}:{port}/api/v1 (Ctrl-C stops)").format(
        root=archive.root, host=host, port=port), err=True)
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "warning", "server_header": False,
                               "proxy_headers": trust_proxy, "forwarded_allow_ips": "127.0.0.1,::1"}
    if workers == 1:
        uvicorn.run(app, **options)
        return
    os.environ["DOCGEN_ARCHIVE"] = str(archive.root)  # each worker process makes its own app from it
    uvicorn.run("docgen.web.app:from_environment", factory=True, workers=workers, **options)
