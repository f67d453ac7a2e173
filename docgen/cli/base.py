"""What every docgen command shares: the group, its errors, the archive it opens, JSON and CSV output.

Heavy libraries (docxtpl, pydantic, LibreOffice) load only inside the commands
that need them, so ``docgen --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docgen import clickwords
from docgen.errors import DocgenError, Misused
from docgen.i18n import N_, TranslatedOption, _, lazy_gettext, ngettext, status_word
from docgen.kinds.names import kind_cn

if TYPE_CHECKING:
    from docgen.archive.core import Archive

clickwords.install()  # click's own words (Usage:, Options, its usage errors) from docgen's catalog
WIDE_HELP = N_("Show every cell whole instead of shortening it with … to the terminal's width.")
CSV_HELP = N_("Print CSV for a spreadsheet: the --json fields, UTF-8 with a BOM for Excel.")
# The fields of --csv: those of the same command's --json, in that order.
LIST_FIELDS = ("number", "kind", "status", "project", "customer", "versions", "total", "updated")
LATE_FIELDS = ("number", "project", "customer", "deadline", "days_overdue", "kind", "limit")
SEARCH_FIELDS = ("number", "kind", "version", "status", "project", "customer", "date", "title", "snippet", "score")
LOG_FIELDS = ("created", "action", "number", "version", "department", "actor", "status", "label", "sha256", "path",
              "note")


def _echo_csv(text: str) -> None:
    """CSV as UTF-8 bytes, its \\r\\n line ends as they are: a console's own encoding or a
    text stream's newline translation would spoil the file Excel opens."""
    out = getattr(sys.stdout, "buffer", None)
    if out is None:  # a stream without bytes underneath
        click.echo(text, nl=False)
        return
    sys.stdout.flush()
    out.write(text.encode("utf-8"))
    out.flush()


def _debug() -> bool:
    return os.environ.get("DOCGEN_DEBUG") == "1" or "pytest" in sys.modules


class Failure(click.ClickException):
    """What stops a command, as one line on stderr after ``Error:`` in the company's language
    (``错误：``); exit code 1, or 2 for a usage error."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(_("Error: {message}").format(message=self.format_message()), file=file, err=file is None)


def _usage_message(exc: click.UsageError) -> str:
    """A usage error's text; a value an option cannot take is named in the company's language
    (click's own words for the other usage errors)."""
    if type(exc) is not click.BadParameter:
        return exc.format_message()
    from click.exceptions import _join_param_hints

    hint = exc.param_hint if exc.param_hint is not None else (
        exc.param.get_error_hint(exc.ctx) if exc.param is not None and exc.ctx is not None else None)  # type: ignore[arg-type]
    if hint is None:
        return _("Invalid value: {message}").format(message=exc.message)
    return _("Invalid value for {param}: {message}").format(param=_join_param_hints(hint), message=exc.message)


class _HelpInLanguage:
    """The -h/--help option's own line in the company's language (click's words otherwise)."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = _("Show this message and exit.")
        return option


class DocgenCommand(_HelpInLanguage, click.Command):
    """A docgen command: its help (``lazy_gettext``) and its options' help follow the language."""


class DocgenGroup(_HelpInLanguage, click.Group):
    """Turns DocgenError into one line on stderr and exit code 1, a usage error into one line and 2."""

    command_class = DocgenCommand
    group_class = type  # a group of commands under docgen (quarantine) is a DocgenGroup too

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Failure:
            raise
        except click.UsageError as exc:
            # one line, as for every other error: the usage text and help hint are for -h
            from docgen.table import printable  # a value echoed in a message cannot forge a line

            raise Failure(printable(_usage_message(exc)), exit_code=2) from None
        except Misused as exc:  # arguments that do not go together: a usage error
            from docgen.table import printable

            raise Failure(printable(str(exc)), exit_code=2) from None
        except DocgenError as exc:
            from docgen.table import printable  # a file name in a message cannot forge a line

            raise Failure(printable(str(exc))) from None
        except click.ClickException as exc:
            raise Failure(exc.format_message(), exit_code=exc.exit_code) from None
        except (click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            # output piped into `head` and the like: stop quietly, as other tools do
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:
            if _debug():
                raise
            raise Failure(
                _("internal error: {kind}: {error} (run with DOCGEN_DEBUG=1 for details)").format(
                    kind=type(exc).__name__, error=exc)
            ) from None


class Ctx:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._archive: Archive | None = None
        self._service: Any = None
        self.json = False  # the command prints JSON: stdout holds nothing else

    def service(self, create: bool = True) -> Any:
        """The service acting as the administrator at the console (the archive's owner)."""
        if self._service is None:
            from docgen.service import Service

            archive = self.archive(create)
            self._service = Service(archive, console_actor(archive))
        return self._service

    def archive(self, create: bool = True) -> Archive:
        """The archive; commands that only read it refuse to create one at a mistyped path."""
        if self._archive is None:
            from docgen.archive.core import Archive

            if self.root.exists() and not self.root.is_dir():
                raise DocgenError(_("archive {root} is a file, not a folder; check --archive or DOCGEN_ARCHIVE").format(
                    root=self.root))
            if not create and not self.root.is_dir():
                raise DocgenError(
                    _("no archive at {root}; check --archive or DOCGEN_ARCHIVE "
                      "(docgen new creates an archive)").format(root=self.root)
                )
            archive = Archive.open(self.root)
            archive.settings  # noqa: B018 - a docgen.toml that cannot be used stops every command at start
            self._archive = archive
            self._archive.recover()
        return self._archive


def console_actor(archive: Archive) -> Any:
    """The CLI's actor: the administrator on the archive's own machine, recorded as the account
    mapped to this operating-system user (`docgen user add … --os-user`), else as the user."""
    from docgen.accounts import acting_name
    from docgen.service import Actor

    return Actor(acting_name(archive), "admin", console=True)


def _json_seen(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    obj = ctx.find_object(Ctx)
    if value and obj is not None:
        obj.json = True
    return value


def _print_json(data: Any) -> None:
    """Every command's JSON: the field names are listed in README ("JSON output")."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(cls=DocgenGroup, context_settings={"help_option_names": ["-h", "--help"]}, help=lazy_gettext("""docgen: a renovation company's quotes and contracts, numbered and archived.

    \b
    Example:
      docgen new quote samples/zhangjiang/quote.yaml
      docgen new contract samples/zhangjiang/contract.yaml
      docgen show HT-2026-0001
    """))
@click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=Path),
    cls=TranslatedOption, help=N_("Archive root (default: $DOCGEN_ARCHIVE, else ./archive)."),
)
@click.version_option(package_name="docgen", cls=TranslatedOption, help=N_("Show the version and exit."))
@click.pass_context
def main(ctx: click.Context, archive_dir: Path | None) -> None:
    from docgen.config import archive_root

    ctx.obj = Ctx(archive_root(archive_dir))


def print_followed(obj: Ctx, followed: Any, say: Any = None) -> None:
    """What followed a write: copies delivered and withdrawn are results (stdout, unless stdout
    holds the command's JSON); what could not be done is a note on stderr."""
    tell = say or ((lambda line: click.echo(line, err=True)) if obj.json else click.echo)
    warn = say or (lambda line: click.echo(line, err=True))
    for line in followed.index_notes:
        warn(line)
    for d in followed.deliveries:
        tell(_delivery_line(d))
    for line in followed.withdrawn:
        tell(_("withdrawn   {line}").format(line=line))
    for line in followed.notes:
        warn(line)


def _delivery_line(d: Any) -> str:
    if not d.copies:  # no rule sends this status: the holders of older copies are told
        return _("superseded  {number} v{version} [{status}]: notice to {departments}").format(
            number=d.number, version=d.version, status=status_word(d.status), departments=", ".join(d.superseded))
    to = ", ".join(f"{c.department} ({c.label})" for c in d.copies)
    line = _("delivered   {number} v{version} [{status}] to {copies}").format(
        number=d.number, version=d.version, status=status_word(d.status), copies=to)
    if d.superseded:
        line += _("; superseded: {departments}").format(departments=", ".join(d.superseded))
    return line


def _print_made(result: Any) -> None:
    from decimal import Decimal

    from docgen.money import fmt_yuan

    made = result.made
    total = made.summary.get("total")
    extra = _(", total {total}").format(total=fmt_yuan(Decimal(total))) if total else ""
    click.echo(
        f"{made.number} v{made.version}  {kind_cn(made.kind)}  "
        + ngettext("{n} page", "{n} pages", made.pages).format(n=made.pages) + extra
        + (_("  (already in the archive: made from the same data)") if made.existing else "")
    )
    click.echo(f"  docx: {made.docx}")
    click.echo(f"  pdf:  {made.pdf}")
