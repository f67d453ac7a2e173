"""`docgen converter`: the user's converter service (render/service.py), for the administrator."""

from __future__ import annotations

import click

from docgen.cli.base import _json_seen, _print_json, main
from docgen.i18n import N_, TranslatedOption, _, lazy_gettext


@main.group(help=lazy_gettext("""The converter service: warm LibreOffices that convert documents for every docgen command and `docgen serve` of this user.

    The first conversion starts it; it ends after 15 minutes without a document
    (DOCGEN_CONVERTER_IDLE, in seconds), and each LibreOffice is replaced after 200
    documents (DOCGEN_CONVERTER_RESTART_AFTER) or past 1024 MB (DOCGEN_CONVERTER_MAX_MB).
    Stop it after upgrading LibreOffice: the next conversion starts the new one.

    \b
    Example:
      docgen converter status
      docgen converter stop
    """))
def converter() -> None:
    pass


@converter.command(help=lazy_gettext("""Say whether the converter service runs, and what it has done.

    \b
    Example:
      docgen converter status
      docgen converter status --json
    """))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the status as JSON."))
def status(as_json: bool) -> None:
    from docgen.render.service import running_status

    found = running_status()
    if as_json:
        _print_json(found or {"running": False})
        return
    if found is None:
        click.echo(_("no converter service is running; the next conversion starts one"))
        return
    click.echo(_("converter service: pid {pid}, {converters} converters, {converted} documents converted, "
                 "{restarts} LibreOffice restarts ({socket})").format(**found))


@converter.command(help=lazy_gettext("""Stop the converter service and its LibreOffices (the next conversion starts a new one).

    \b
    Example:
      docgen converter stop
    """))
def stop() -> None:
    from docgen.render.service import running_status, stop_service

    import time
    from pathlib import Path

    found = running_status()
    if found is None or not stop_service():
        click.echo(_("no converter service is running"))
        return
    deadline = time.monotonic() + 30  # it stops taking documents at once; its socket goes first
    while Path(found["socket"]).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    click.echo(_("stopped the converter service (pid {pid})").format(pid=found["pid"]))
