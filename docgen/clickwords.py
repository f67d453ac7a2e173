"""click's own words (``Usage:``, ``Options``, ``Show this message and exit.``, its usage
errors) in the company's language.

click marks its texts for the standard library's gettext (``from gettext import gettext as
_`` in each of its modules) but ships no catalog. docgen points those names at its own
catalog, and the texts staff meet are listed here so that the extractor puts them in
docgen's catalogs with the exact msgids click uses. A click text not listed stays English.
"""

from __future__ import annotations

import gettext as _stdlib

from docgen.i18n import N_, _, ngettext

WORDS = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Positional arguments"),
    N_("Show this message and exit."), N_("Show the version and exit."),
    N_("Aborted!"), N_("Missing command."), N_("Missing argument"), N_("Missing option"),
    N_("Missing parameter"), N_("No such option {name!r}."), N_("No such command {name!r}."),
    N_("Try '{command} {option}' for help."), N_("Invalid value for {param_hint}: {message}"),
    N_("Invalid value: {message}"), N_("default: {default}"), N_("env var: {var}"),
    N_("Option {name!r} does not take a value."), N_("Did you mean {possibility}?"),
    N_("(Did you mean one of: {possibilities}?)"), N_("deprecated"),
)
if False:  # pragma: no cover - click's plurals, written out for the extractor (N_ takes one form)
    ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1)
    ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1)


def install() -> None:
    """Point click's gettext names at docgen's catalog (the active language, read each time)."""
    import click.core
    import click.decorators
    import click.exceptions
    import click.formatting
    import click.parser
    import click.termui
    import click.types

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
                   click.termui, click.types):
        if getattr(module, "_", None) is _stdlib.gettext:
            module._ = _  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is _stdlib.ngettext:
            module.ngettext = ngettext  # type: ignore[attr-defined]
