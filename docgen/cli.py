"""The docgen command line. Each command parses, calls one library function, prints.

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

from docgen.clock import fmt_instant
from docgen.dates import DATE
from docgen.cliparams import KIND, STATUS, VERSION
from docgen import clickwords
from docgen.errors import BlobDamaged, DocgenError, IndexDamaged
from docgen.i18n import N_, TranslatedOption, _, action_word, lazy_gettext, ngettext, status_word
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
            from docgen.intake import printable  # a value echoed in a message cannot forge a line

            raise Failure(printable(_usage_message(exc)), exit_code=2) from None
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
        self.json = False  # the command prints JSON: stdout holds nothing else

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


WRITE_COMMANDS = {"new", "revise", "review", "recheck", "step", "void", "ingest", "quarantine", "distribute"}


@main.result_callback()
@click.pass_context
def _after(ctx: click.Context, *_args: Any, **_kwargs: Any) -> None:
    """After a command that changed the archive, bring the search index up to date.

    Indexing never fails a filing: what cannot be indexed now stays queued in the
    catalog for the next command or `docgen reindex`.
    """
    obj: Ctx = ctx.obj
    if ctx.invoked_subcommand in WRITE_COMMANDS and obj._archive is not None:
        _sync_index(obj._archive, quiet=False)
        # what was delivered is a result (stdout), unless stdout holds the command's JSON
        _sync_distribution(obj._archive, (lambda line: click.echo(line, err=True)) if obj.json else None)


def _sync_distribution(archive: Archive, say: Any = None, stop: Any = None) -> None:
    """Deliver the copies the rules call for; what fails stays queued for the next command."""
    from docgen.distribute import sync
    from docgen.generate import current_user

    tell = say or click.echo  # deliveries and withdrawals: results, on stdout
    warn = say or (lambda line: click.echo(line, err=True))  # what failed: stderr
    try:
        report = sync(archive, _converter(), current_user(), stop)
    except DocgenError as exc:
        warn(_("note: copies not delivered ({error}); the next command tries again").format(error=exc))
        return
    for d in report.deliveries:
        tell(_delivery_line(d))
    for line in report.withdrawn:
        tell(_("withdrawn   {line}").format(line=line))
    for line in report.errors:
        warn(_("note: copies not delivered: {line}; the next command tries again (or docgen distribute)").format(
            line=line))


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


def _sync_index(archive: Archive, quiet: bool = True) -> None:
    try:
        report = archive.search_index().sync()
    except (IndexDamaged, BlobDamaged) as exc:  # the filing stands; verify names the damage
        if not quiet:
            click.echo(_("note: search index not updated: {error}").format(error=exc), err=True)
        return
    except DocgenError:
        raise
    except Exception as exc:
        if _debug():
            raise
        click.echo(_("note: search index not updated ({error}); `docgen reindex` catches up").format(error=exc),
                   err=True)
        return
    if report.error and not quiet:
        click.echo(
            _("note: {error}; {n} document(s) will be indexed by the next command or `docgen reindex`").format(
                error=report.error, n=len(report.pending)),
            err=True,
        )


def _converter():  # type: ignore[no-untyped-def]
    from docgen.render.pdf import shared_converter

    return shared_converter()


def _made_dict(made: Any) -> dict[str, Any]:
    return {
        "number": made.number,
        "version": made.version,
        "kind": made.kind,
        "pages": made.pages,
        "files": {"docx": str(made.docx), "pdf": str(made.pdf)},
        "total": made.summary.get("total"),
        "existing": made.existing,
    }


def _print_made(made: Any) -> None:
    from decimal import Decimal

    from docgen.money import fmt_yuan

    total = made.summary.get("total")
    extra = _(", total {total}").format(total=fmt_yuan(Decimal(total))) if total else ""
    click.echo(
        f"{made.number} v{made.version}  {kind_cn(made.kind)}  "
        + ngettext("{n} page", "{n} pages", made.pages).format(n=made.pages) + extra
        + (_("  (already in the archive: made from the same data)") if made.existing else "")
    )
    click.echo(f"  docx: {made.docx}")
    click.echo(f"  pdf:  {made.pdf}")


@main.command(help=lazy_gettext("""Validate, number, render and archive a new document from a YAML file.

    KIND is a kind's key or its Chinese name (quote or 报价单, contract or 合同,
    change or 变更单, …; `docgen kinds` lists them all). Several files
    of one kind are made in one run, sharing one warm LibreOffice.

    \b
    Example:
      docgen new quote samples/zhangjiang/quote.yaml
      docgen new 报价单 samples/zhangjiang/quote.yaml
      docgen new contract samples/zhangjiang/contract.yaml --json
      docgen new rectification --from-acceptance YS-2027-0001 --deadline 2027-02-27
      docgen new warranty samples/zhangjiang/warranty.yaml
    """))
@click.argument("kind", metavar="KIND", type=KIND)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--from-acceptance",
    "from_acceptance",
    metavar="YS-NUMBER",
    cls=TranslatedOption, help=N_("Make a rectification notice from the failed items of this report, or a warranty card from it."),
)
@click.option(
    "--deadline",
    type=DATE,
    cls=TranslatedOption, help=N_("Rectification deadline with --from-acceptance (default: [rectification] default_days)."),
)
@click.option("--note", default="", cls=TranslatedOption, help=N_("Why this document is made (kept with version 1)."))
@click.option(
    "--once", is_flag=True, cls=TranslatedOption, help=N_("If a document was already made from exactly this data, show it instead.")
)
@click.option(
    "--update-project", "update_project", is_flag=True,
    cls=TranslatedOption, help=N_("Let the project file change the archived project's data (recorded in `docgen log P-…`)."),
)
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the result as JSON."))
@click.pass_obj
def new(
    obj: Ctx,
    kind: str,
    files: tuple[Path, ...],
    from_acceptance: str | None,
    deadline: Any,
    note: str,
    once: bool,
    update_project: bool,
    as_json: bool,
) -> None:
    from docgen.generate import from_acceptance as prepare_from
    from docgen.generate import made_from, new_document

    archive = obj.archive()
    results = []
    if from_acceptance:
        if files:
            raise click.UsageError(_("give either FILE or --from-acceptance, not both"))
        prepared = prepare_from(
            archive, kind, from_acceptance.strip().upper(), deadline=deadline
        )
        made = made_from(archive, prepared, _converter(), note=note or f"据 {from_acceptance.upper()} 生成")
        results.append(made)
        if not as_json:
            _print_made(made)
    elif not files:
        raise click.UsageError(
            _("give the {kind} file to make (or --from-acceptance YS-… for notices and warranty cards)").format(
                kind=kind))
    elif deadline:
        raise click.UsageError(_("--deadline goes with --from-acceptance; a notice file sets its own deadline"))
    for path in files:
        made = new_document(archive, kind, path, _converter(), note=note, once=once, update_project=update_project)
        results.append(made)
        if not as_json:
            _print_made(made)
    if as_json:
        out: Any = [_made_dict(m) for m in results]
        _print_json(out[0] if len(out) == 1 else out)


@main.command(help=lazy_gettext("""Make a new version of NUMBER from changed data in FILE.

    \b
    Example:
      docgen revise HT-2026-0001 contract.yaml --note "法务意见：违约金改为每日0.3%"
    """))
@click.argument("number")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--note", required=True, cls=TranslatedOption, help=N_("What changed and why (kept with the version)."))
@click.option(
    "--update-project", "update_project", is_flag=True,
    cls=TranslatedOption, help=N_("Let the project file change the archived project's data (recorded in `docgen log P-…`)."),
)
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the result as JSON."))
@click.pass_obj
def revise(obj: Ctx, number: str, file: Path, note: str, update_project: bool, as_json: bool) -> None:
    from docgen.generate import revise as do_revise

    made = do_revise(obj.archive(), number, file, _converter(), note=note, update_project=update_project)
    if as_json:
        _print_json(_made_dict(made))
    else:
        _print_made(made)


@main.command(help=lazy_gettext("""Legal review of a contract: submit it, approve it, or reject it with notes.

    \b
    draft --submit--> in_review --approve--> approved
                      in_review --reject---> draft (revise, then submit again)
    Example:
      docgen review HT-2026-0001 submit --note "请法务审核"
      docgen review HT-2026-0001 reject --note "第七条违约金比例过高"
    """))
@click.argument("number")
@click.argument("action", type=click.Choice(["submit", "approve", "reject"]))
@click.option("--note", default="", cls=TranslatedOption, help=N_("Review notes (required to reject)."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the result as JSON."))
@click.pass_obj
def review(obj: Ctx, number: str, action: str, note: str, as_json: bool) -> None:
    from docgen.generate import review as do_review

    from docgen.generate import document

    archive = obj.archive()
    status = do_review(archive, number, action, note=note)
    if as_json:
        doc = document(archive, number)
        _print_json({"number": doc.number, "kind": doc.kind, "action": action, "status": status,
                     "version": _latest_version(archive, doc.number), "note": note})
        return
    click.echo(f"{number.upper()}: {status_word(status)}")


def _latest_version(archive: Archive, number: str) -> int | None:
    versions = archive.catalog.versions(number)
    return versions[-1].version if versions else None


@main.command(help=lazy_gettext("""Record the re-inspection of a rectification notice as a new version.

    Passed closes the notice; failed re-issues it with a new deadline.

    \b
    Example:
      docgen recheck ZG-2026-0001 --passed --note "空鼓墙砖已返工，复查合格"
      docgen recheck ZG-2026-0001 --failed --note "仍有两处空鼓" --deadline 2026-12-29
    """))
@click.argument("number")
@click.option("--passed/--failed", default=None, cls=TranslatedOption, help=N_("The result of the re-inspection."))
@click.option("--note", required=True, cls=TranslatedOption, help=N_("What the re-inspection found (复查意见)."))
@click.option("--deadline", type=DATE, cls=TranslatedOption, help=N_("New deadline when it failed."))
@click.option("--inspector", cls=TranslatedOption, help=N_("Who re-inspected (default: the notice's inspector)."))
@click.option("--date", "day", type=DATE, cls=TranslatedOption, help=N_("Re-inspection date (default today)."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the result as JSON."))
@click.pass_obj
def recheck(
    obj: Ctx, number: str, passed: bool | None, note: str, deadline: Any, inspector: str | None, day: Any,
    as_json: bool,
) -> None:
    from docgen.generate import recheck as do_recheck

    if passed is None:
        raise click.UsageError(_("say the result: --passed or --failed"))
    # options that do not go together are a usage error, before the archive is opened
    if passed and deadline is not None:
        raise click.UsageError(_("--deadline is for a failed re-inspection (the new deadline)"))
    if not passed and deadline is None:
        raise click.UsageError(_("a failed re-inspection needs the new deadline: --deadline YYYY-MM-DD"))
    made = do_recheck(
        obj.archive(),
        number.strip().upper(),
        _converter(),
        passed=passed,
        note=note,
        deadline=deadline,
        inspector=inspector,
        day=day,
    )
    if as_json:
        _print_json({**_made_dict(made), "status": "closed" if passed else "issued"})
    else:
        _print_made(made)
        click.echo("  " + (status_word("closed") if passed else
                           _("re-issued, deadline {deadline}").format(deadline=deadline)))


@main.command(help=lazy_gettext("""Record a step of a document's own life as a new version (a repair order's visit, repair, …).

    FILE holds the step's data (YAML or JSON); `docgen show NUMBER` names the steps of its kind.

    \b
    Example:
      docgen step WX-2027-0001 visit samples/zhangjiang/repair-visit.yaml
    """))
@click.argument("number")
@click.argument("step_name", metavar="STEP")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--note", default="", cls=TranslatedOption, help=N_("What the step did, for the history (default: the step's name)."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the result as JSON."))
@click.pass_obj
def step(obj: Ctx, number: str, step_name: str, file: Path | None, note: str, as_json: bool) -> None:
    from docgen.generate import step as do_step

    made = do_step(obj.archive(), number.strip().upper(), step_name.strip(), file, _converter(), note=note)
    if as_json:
        archive = obj.archive()
        doc = archive.catalog.document(made.number)
        _print_json({**_made_dict(made), "step": step_name.strip(), "status": doc.status if doc else None})
    else:
        _print_made(made)
        doc = obj.archive().catalog.document(made.number)
        if doc is not None:
            click.echo("  " + status_word(doc.status))


@main.command(help=lazy_gettext("""Void a document. Its number is never reused; its versions stay archived.

    \b
    Example:
      docgen void BJ-2026-0002 --note "客户取消"
    """))
@click.argument("number")
@click.option("--note", required=True, cls=TranslatedOption, help=N_("Why the document is void."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the result as JSON."))
@click.pass_obj
def void(obj: Ctx, number: str, note: str, as_json: bool) -> None:
    from docgen.generate import void as do_void

    from docgen.generate import document

    archive = obj.archive()
    do_void(archive, number, note=note)
    if as_json:
        doc = document(archive, number)
        _print_json({"number": doc.number, "kind": doc.kind, "action": "void", "status": doc.status,
                     "version": _latest_version(archive, doc.number), "note": note})
        return
    click.echo(f"{number.upper()}: {status_word('void')}")


def _show_data(archive: Archive, number: str) -> dict[str, Any]:
    from docgen.clock import today
    from docgen.generate import document, effective, referring, related
    from docgen.kinds import registry

    doc = document(archive, number)
    versions = archive.catalog.versions(doc.number)
    project = archive.catalog.project(doc.project) or {}
    eff = effective(versions, doc.kind)
    latest = versions[-1].summary if versions else {}
    kind = registry.get(doc.kind)
    this = related(doc, latest)
    refs = referring(archive, doc.number)
    total = kind.total(this, refs)
    amending = registry.amendments(this, refs)
    return {
        "number": doc.number,
        "kind": doc.kind,
        "title": doc.title,
        "status": doc.status,
        "project": doc.project,
        "customer": project.get("customer", {}).get("name"),
        "site": project.get("site", {}).get("address"),
        "total": str(total) if total is not None else None,
        "original_total": latest.get("total"),
        "amendments": [
            {"number": r.number, "kind": r.kind, "status": r.status, "counted": a is not None,
             "amount": str(a.amount) if a is not None else r.summary.get("net"), "days": a.days if a is not None else 0}
            for r, a in amending
        ],
        "referred_by": [{"number": r.number, "kind": r.kind, "status": r.status} for r in refs],
        "steps": [st.name for st in kind.steps],
        "show": kind.show(this, refs, today()),
        "effective_version": eff.version if eff else None,
        "summary": latest,
        "versions": [
            {
                "version": v.version,
                "status": v.status,
                "actor": v.author,
                "created": fmt_instant(v.created),
                "note": v.note,
                "pages": v.pages,
                "template": v.template,
                "signs": v.summary.get("signs"),
                "scan": v.summary.get("scan"),
                "files": {f.role: {"sha256": f.sha256, "size": f.size} for f in v.files},
            }
            for v in versions
        ],
        "events": [
            {
                "version": e.version,
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor,
                "note": e.note,
                "created": fmt_instant(e.created),
            }
            for e in archive.catalog.events(doc.number)
        ],
    }


@main.command(help=lazy_gettext("""Kind, status, project, figures and every version of a document.

    \b
    Example:
      docgen show HT-2026-0001
      docgen show BJ-2026-0001 --json
      docgen show HT-2026-0001 --wide
    """))
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print everything as JSON."))
@click.option("--wide", is_flag=True, cls=TranslatedOption, help=WIDE_HELP)
@click.pass_obj
def show(obj: Ctx, number: str, as_json: bool, wide: bool) -> None:
    from decimal import Decimal

    from docgen import table
    from docgen.money import fmt_yuan, uppercase_signed

    data = _show_data(obj.archive(create=False), number)
    if as_json:
        data.pop("show")
        _print_json(data)
        return

    def echo(text: str) -> None:  # a key/value line: escaped, and shortened unless --wide
        click.echo(table.line(text, wide=wide))

    echo(f"{data['number']}  {data['title']}  [{status_word(data['status'])}]")
    echo(_("project:  {project}  {customer}  {site}").format(
        project=data["project"], customer=data["customer"], site=data["site"]))
    if data["total"]:
        total = Decimal(data["total"])
        echo(_("total:    {total}  {uppercase}").format(total=fmt_yuan(total), uppercase=uppercase_signed(total)))
    for text in data.pop("show"):
        echo(text)
    if data["steps"]:
        echo(_("steps:    {steps}  (docgen step {number} STEP FILE)").format(
            steps=", ".join(data["steps"]), number=data["number"]))
    eff = data["effective_version"]
    echo(_("effective version: {version}").format(
        version="v" + str(eff) if eff else _("none yet (no approved or signed version)")))
    click.echo(_("versions:"))
    rows = []
    for v in data["versions"]:
        scan = "scan" in v["files"]
        f = v["files"]["scan"] if scan else v["files"].get("pdf", {})
        rows.append({"version": f"v{v['version']}", "status": status_word(v["status"]), "created": v["created"],
                     "actor": v["actor"], "pages": v["pages"], "file": _("scan") if scan else "pdf",
                     "sha256": f.get("sha256", "")[:12],
                     "note": (_("signed copy of v{version}  ").format(version=v["signs"]) if scan else "")
                     + (v["note"] or "")})
    columns = [table.Column("version"), table.Column("status"), table.Column("created", flex=1),
               table.Column("actor", header=table.HEADERS["author"], flex=2), table.Column("pages", align=">"), table.Column("file"),
               table.Column("sha256", flex=1), table.Column("note", flex=2, min_width=8)]
    for text in table.render(columns, rows, wide=wide, budget=table.terminal_width() - 2):
        click.echo("  " + text)
    click.echo(_("history:"))
    events = [{**e, "action": action_word(e["action"]), "to": status_word(e["to"]) if e["to"] else e["to"]}
              for e in data["events"]]
    columns = [table.Column("created", header=table.HEADERS["time"], flex=1), table.Column("actor", flex=2),
               table.Column("action"), table.Column("to"), table.Column("note", flex=2, min_width=8)]
    for text in table.render(columns, events, wide=wide, budget=table.terminal_width() - 2):
        click.echo("  " + text)


@main.command(help=lazy_gettext("""The kinds of document docgen makes: names, number prefix, statuses and steps.

    \b
    Example:
      docgen kinds
      docgen kinds --json
    """))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print a JSON list."))
@click.option("--wide", is_flag=True, cls=TranslatedOption, help=WIDE_HELP)
@click.pass_obj
def kinds(obj: Ctx, as_json: bool, wide: bool) -> None:
    from docgen import table
    from docgen.kinds import registry

    prefixes = obj.archive(create=False).settings.prefixes if obj.root.is_dir() else registry.prefixes()
    rows = [{"kind": k.key, "names": list(k.names), "prefix": prefixes.get(k.key, k.prefix),
             "statuses": list(k.statuses), "review": k.review, "steps": [s.name for s in k.steps]}
            for k in registry.kinds()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    shown = [{"kind": r["kind"], "names": "、".join(r["names"]), "prefix": r["prefix"],
              "statuses": _(", ").join(status_word(s) for s in r["statuses"]),
              "steps": _(", ").join(r["steps"] + (["review"] if r["review"] else []))} for r in rows]
    columns = [table.Column("kind", header=table.HEADERS["kind"]), table.Column("names", flex=1, min_width=10),
               table.Column("prefix"), table.Column("statuses", flex=2, min_width=12), table.Column("steps")]
    for text in table.render(columns, shown, wide=wide):
        click.echo(text)


@main.command(name="list", help=lazy_gettext("""List the documents of the archive.

    \b
    Example:
      docgen list --kind contract
      docgen list --overdue
      docgen list --json
      docgen list --csv > 文档.csv
    """))
@click.option("--kind", type=KIND, cls=TranslatedOption, help=N_("Only documents of this kind (quote or 报价单, contract or 合同, …)."))
@click.option(
    "--status",
    type=STATUS, cls=TranslatedOption, help=N_("Only documents with this status (`docgen kinds` lists them)."),
)
@click.option("--overdue", is_flag=True, cls=TranslatedOption, help=N_("Only documents past a time limit: notices past their deadline, repair orders past their response time."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print a JSON list."))
@click.option("--csv", "as_csv", is_flag=True, cls=TranslatedOption, help=CSV_HELP)
@click.option("--wide", is_flag=True, cls=TranslatedOption, help=WIDE_HELP)
@click.pass_obj
def list_(obj: Ctx, kind: str | None, status: str | None, overdue: bool, as_json: bool, as_csv: bool,
          wide: bool) -> None:
    from decimal import Decimal

    from docgen import table
    from docgen.money import fmt_yuan

    archive = obj.archive(create=False)
    if overdue:
        from docgen.generate import overdue as find_overdue

        customers: dict[str, str] = {}
        late = []
        for o in find_overdue(archive):
            if o.project not in customers:
                customers[o.project] = (archive.catalog.project(o.project) or {}).get("customer", {}).get("name", "")
            doc = archive.catalog.document(o.number)
            late.append({"number": o.number, "project": o.project, "customer": customers[o.project],
                         "deadline": o.due.isoformat(), "days_overdue": o.days,
                         "kind": doc.kind if doc else "", "limit": o.what})
        if as_json:
            click.echo(json.dumps(late, ensure_ascii=False, indent=2))
        elif as_csv:
            _echo_csv(table.to_csv(late, LATE_FIELDS))
        elif not late:
            click.echo(_("nothing is overdue"))
        else:
            columns = [table.Column("number"), table.Column("project"), table.Column("customer", flex=2, min_width=8),
                       table.Column("limit", flex=1), table.Column("deadline"), table.Column("days_overdue", align=">")]
            for text in table.render(columns, late, wide=wide):
                click.echo(text)
        return
    from docgen.generate import referrers, related
    from docgen.kinds import registry

    rows = []
    newest = archive.catalog.newest()
    counts = archive.catalog.version_counts()
    referring = referrers(newest)
    projects: dict[str, dict[str, Any]] = {}
    for d, summary in newest:
        if (kind and d.kind != kind) or (status and d.status != status):
            continue
        if d.project not in projects:
            projects[d.project] = archive.catalog.project(d.project) or {}
        definition = registry.find(d.kind)
        total = definition.total(related(d, summary), referring.get(d.number, [])) if definition else None
        rows.append(
            {
                "number": d.number,
                "kind": d.kind,
                "status": d.status,
                "project": d.project,
                "customer": projects[d.project].get("customer", {}).get("name"),
                "versions": counts.get(d.number, 0),
                "total": str(total) if total is not None else None,
                "updated": fmt_instant(d.updated),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if as_csv:
        _echo_csv(table.to_csv(rows, LIST_FIELDS))
        return
    if not rows:
        click.echo(_("no documents"))
        return
    shown = [{**r, "kind": kind_cn(r["kind"]), "status": status_word(r["status"]), "versions": f"v{r['versions']}",
              "total": fmt_yuan(Decimal(r["total"])) if r["total"] else ""} for r in rows]
    columns = [table.Column("number"), table.Column("kind"), table.Column("status"),
               table.Column("versions", header=table.HEADERS["version"]), table.Column("project"),
               table.Column("customer", flex=2, min_width=8), table.Column("total", align=">"),
               table.Column("updated", flex=1)]
    for text in table.render(columns, shown, wide=wide):
        click.echo(text)


@main.command(help=lazy_gettext("""What changed in the text between versions A and B of NUMBER (2 or v2).

    \b
    Example:
      docgen diff HT-2026-0001 1 2
      docgen diff HT-2026-0001 v1 v2 --json
    """))
@click.argument("number")
@click.argument("a", type=VERSION)
@click.argument("b", type=VERSION)
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the changed lines as JSON."))
@click.pass_obj
def diff(obj: Ctx, number: str, a: int, b: int, as_json: bool) -> None:
    from docgen.generate import document
    from docgen.versions import text_diff

    archive = obj.archive(create=False)
    lines = text_diff(archive, number, a, b)
    if as_json:
        doc = document(archive, number)
        _print_json({"number": doc.number, "kind": doc.kind, "from_version": a, "to_version": b,
                     "same": not lines, "lines": lines})
        return
    if not lines:
        click.echo(_("{number}: no differences in the text between v{a} and v{b}").format(number=number.upper(), a=a, b=b))
    for line in lines:
        color = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        click.secho(line, fg=color)


class QueryCommand(click.Command):
    """A command whose words that are not its own options make the query, so that an excluded
    word can come first (`docgen search -闭水 渗漏`): an unknown word starting with '-' is a
    query word, not an unknown option. Options may stand before or after the query; after
    `--` every word is a query word."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                for name in (*param.opts, *param.secondary_opts):
                    takes_value[name] = not param.is_flag and not param.count
        options: list[str] = []
        words: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            name = arg.split("=", 1)[0] if arg.startswith("--") else arg
            if arg == "--":
                words.extend(args[i + 1 :])
                break
            if name in takes_value:
                options.append(arg)
                if takes_value[name] and name == arg:
                    if i + 1 == len(args):  # click says the option needs its value
                        return super().parse_args(ctx, [arg])
                    options.append(args[i + 1])
                    i += 1
            else:
                words.append(arg)
            i += 1
        return super().parse_args(ctx, [*options, "--", *words])


class QueryUsageError(Failure):
    """A search query that cannot be read: a usage error, one line, exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=2)


@main.command(cls=QueryCommand, help=lazy_gettext("""Full-text search of the archive, in Simplified or Traditional Chinese.

    Words must all match; any two or more Chinese characters match where they
    appear together (通知 finds 通知书). "quotes" make a phrase, OR joins
    alternatives (A OR B C is: A or B, and C), -word or NOT word excludes from
    the whole query or ( ) group it stands in, and field:value searches one
    field (number, kind, status, project, customer, address, title). A query
    may start with -word; after -- every word is the query's. ID and phone
    numbers are shown masked unless --as names a department that may see them;
    the whole number finds its documents all the same.

    \b
    Example:
      docgen search 卫生间防水 --kind acceptance
      docgen search 440308199001011239 --as legal
      docgen search "customer:张三" --all-versions
      docgen search 望京西园 --kind contract --from 2026-01-01
      docgen search HT-2026-0001 --json
      docgen search -闭水 渗漏 --kind acceptance
      docgen search 防水 --csv > 防水.csv
    """))
@click.argument("query_words", metavar="QUERY...", nargs=-1, required=True)
@click.option("--kind", type=KIND, cls=TranslatedOption, help=N_("Only this kind (quote or 报价单, contract or 合同, …; `docgen kinds` lists them)."))
@click.option("--project", cls=TranslatedOption, help=N_("Only this project code, e.g. P-2026-0001."))
@click.option("--customer", cls=TranslatedOption, help=N_("Only this customer's documents (the exact name)."))
@click.option("--status", cls=TranslatedOption, help=N_("Only documents with this status."))
@click.option("--from", "date_from", type=DATE, cls=TranslatedOption, help=N_("Documents dated on or after this day."))
@click.option("--to", "date_to", type=DATE, cls=TranslatedOption, help=N_("Documents dated on or before this day."))
@click.option("--all-versions", is_flag=True, cls=TranslatedOption, help=N_("Search every version, not only the effective ones."))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), cls=TranslatedOption, help=N_("At most N results."))
@click.option("--as", "dept_key", metavar="DEPT",
              cls=TranslatedOption, help=N_("Search as this department (key or name): ID and phone numbers are shown whole only "
                   'where its policy is personal_data = "full"; masked by default.'))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the results as a JSON list."))
@click.option("--csv", "as_csv", is_flag=True, cls=TranslatedOption, help=CSV_HELP)
@click.option("--wide", is_flag=True, cls=TranslatedOption, help=WIDE_HELP)
@click.pass_obj
def search(
    obj: Ctx, query_words: tuple[str, ...], kind: str | None, project: str | None, customer: str | None,
    status: str | None,
    date_from: Any, date_to: Any, all_versions: bool, limit: int, dept_key: str | None,
    as_json: bool, as_csv: bool, wide: bool,
) -> None:
    from docgen.archive.search import Filters, QueryError, parse_query
    from docgen.intake import printable
    from docgen.kinds import registry

    query = " ".join(query_words)
    try:
        parse_query(query, registry.table())
    except QueryError as exc:
        raise QueryUsageError(printable(str(exc))) from None

    if status and status not in registry.statuses():
        raise click.BadParameter(_("unknown status {status}; use one of: {statuses}").format(
                                     status=repr(status), statuses=", ".join(registry.statuses())),
                                 param_hint="'--status'")
    filters = Filters(
        kind=kind, project=project, customer=customer, status=status,
        date_from=date_from, date_to=date_to,
        all_versions=all_versions,
    )
    archive = obj.archive(create=False)
    reveal = False  # nobody named: the safe view
    if dept_key is not None:
        from docgen.distribute import department

        reveal = not department(archive, dept_key).masked
    _sync_index(archive)
    results = archive.search_index().search(query, filters, limit, reveal=reveal)
    if as_json:
        _print_json([vars(r) for r in results])
        return
    from docgen import table

    if as_csv:
        _echo_csv(table.to_csv([vars(r) for r in results], SEARCH_FIELDS))
        return
    if not results:
        click.echo(_("no documents found"))
        return
    columns = [table.Column("number"), table.Column("version"), table.Column("kind"), table.Column("status"),
               table.Column("project"), table.Column("customer", flex=2, min_width=8), table.Column("date")]
    lines = table.render(columns, [{**vars(r), "version": f"v{r.version}", "kind": kind_cn(r.kind),
                                    "status": status_word(r.status)}
                                   for r in results], wide=wide)
    click.echo(lines[0])
    for r, text in zip(results, lines[1:]):
        click.echo(text)
        snippet = table.line(r.snippet, wide=wide, indent="    ")  # under its row, shortened with …
        click.echo(snippet.replace("【", click.style("【", fg="red")).replace("】", click.style("】", fg="red")))


@main.command(help=lazy_gettext("""Rebuild the search index from the catalog, with a progress bar.

    \b
    Example:
      docgen reindex
      docgen reindex --engine tantivy
    """))
@click.option("--engine", type=click.Choice(["whoosh", "tantivy"]), cls=TranslatedOption, help=N_("Build this engine's index."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the result as JSON."))
@click.pass_obj
def reindex(obj: Ctx, engine: str | None, as_json: bool) -> None:
    archive = obj.archive(create=False)
    index = archive.search_index(engine)
    total = len(archive.catalog.version_keys())
    with click.progressbar(length=total, label=_("indexing {n} versions ({engine})").format(n=total, engine=index.engine_name),
                           file=sys.stderr) as bar:
        done = index.rebuild(progress=bar.update)
    if as_json:
        _print_json({"indexed": done, "engine": index.engine_name, "path": str(index.path),
                     "configured_engine": archive.settings.search_engine})
        return
    click.echo(_("reindex: {n} versions indexed with {engine} in {path}").format(
        n=done, engine=index.engine_name, path=index.path))
    if engine and engine != archive.settings.search_engine:
        click.echo(_('note: docgen.toml uses "{configured}"; set [search] engine = "{engine}" '
                     "to search with this index").format(configured=archive.settings.search_engine, engine=engine))


def _intake(archive: Archive):  # type: ignore[no-untyped-def]
    from docgen.generate import current_user
    from docgen.intake import Intake

    return Intake(archive, current_user())


@main.command(help=lazy_gettext("""File the signed scans dropped into the inbox, until stopped (Ctrl-C).

    Each scan is identified by the code printed on its pages and filed as the
    signed version of its document; what cannot be filed moves to
    <archive>/quarantine/ with a reason. One line per file, also written to
    <archive>/logs/intake.log. Files dropped while no watcher ran are filed
    at start-up.

    \b
    Example:
      docgen watch
      docgen watch --inbox /mnt/scanner --poll 5
    """))
@click.option(
    "--inbox", type=click.Path(file_okay=False, path_type=Path),
    cls=TranslatedOption, help=N_("The folder to watch (default: <archive>/inbox)."),
)
@click.option(
    "--poll", type=click.FloatRange(min=0.1), metavar="SECONDS",
    cls=TranslatedOption, help=N_("Check the folder every SECONDS instead of inotify (for network shares)."),
)
@click.option(
    "--rescan", type=click.FloatRange(min=1), metavar="SECONDS",
    cls=TranslatedOption, help=N_("List the folder again this often (default: [intake] rescan_seconds)."),
)
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption,
              help=N_("One JSON object per filed, quarantined or refused file on stdout (JSON Lines); "
                      "the other lines go to stderr."))
@click.pass_obj
def watch(obj: Ctx, inbox: Path | None, poll: float | None, rescan: float | None, as_json: bool) -> None:
    import signal
    import time

    from docgen import clock
    from docgen.archive.watch import AGAIN, DONE, LATER, Watcher
    from docgen.intake import printable

    archive = obj.archive(create=False)
    settings = archive.settings
    if inbox is not None and not inbox.is_dir():
        raise DocgenError(_("inbox {inbox} does not exist; check the path (is the share mounted?)").format(inbox=inbox))
    folder = inbox or archive.inbox
    intake = _intake(archive)
    intake.reader.start()  # the reader process loads its libraries meanwhile

    def say(line: str) -> None:
        # the company's time; with --json stdout holds only the outcomes, one object a line
        click.echo(f"{clock.now():%H:%M:%S} {printable(line)}", err=as_json)

    def tell(outcome: dict[str, Any]) -> None:
        click.echo(json.dumps({"created": clock.stamp(), **outcome}, ensure_ascii=False))

    # Index entries and copies still to be made: at start-up whatever an earlier command
    # left queued (a watcher killed before it was idle, an outbox that was not writable),
    # then after each filing, and again every rescan while something stays queued.
    due = [True]
    retry_at = [float("inf")]
    told: list[str] = []

    def handle(path: Path) -> str:
        try:
            outcome = intake.process(path)
        except DocgenError as exc:
            if as_json:
                tell({"file": str(path), "result": "error", "message": str(exc), "filed": [], "quarantined": []})
            else:
                say(_("error       {file}: {error}").format(file=path.name, error=exc))
            return DONE
        if outcome.result == "gone":
            return DONE
        if as_json:
            tell(outcome.as_dict())
        else:
            say(outcome.line())
        due[0] = due[0] or bool(outcome.filed)
        return AGAIN if outcome.result == "waiting" else LATER if outcome.result == "deferred" else DONE

    converting = [False]

    class Stopped(BaseException):
        """Stop asked while copies convert: what is not delivered stays queued (all-or-nothing per copy)."""

    def idle() -> None:
        if due[0] or time.monotonic() >= retry_at[0]:
            due[0] = False
            _sync_index(archive)
            said, told[:] = list(told), []

            def say_once(line: str) -> None:  # a copy still failing is said when it first fails
                told.append(line)
                if line not in said:
                    say(line)

            converting[0] = True
            try:
                _sync_distribution(archive, say_once, watcher.stop.is_set)
            except Stopped:
                say(_("stopping: copies not delivered yet stay queued for the next command"))
            finally:
                converting[0] = False
            queued = archive.catalog.index_queue() or archive.catalog.distribution_queue()
            retry_at[0] = time.monotonic() + watcher.rescan if queued else float("inf")

    watcher = Watcher(
        folder, handle, poll=poll, settle=settings.intake_settle,
        rescan=rescan or settings.intake_rescan, say=say, idle=idle,
    )

    def stop(*_: Any) -> None:
        watcher.stop.set()
        if converting[0]:  # a batch of copies can take minutes on a busy machine: stop now
            converting[0] = False
            raise Stopped

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # files a reader could not finish before this watcher started wait behind the others
    watcher.later.update(p.resolve() for p in intake.attempts.paths())
    try:
        watcher.run()
    finally:
        intake.close()
    say(_("stopped"))


@main.command(help=lazy_gettext("""File signed scans (files or folders) once, as `docgen watch` would.

    Filed and duplicate files are removed, the others move to quarantine, unless
    --keep. Exit code 0 when every file was filed (or was a duplicate), 1 otherwise.

    \b
    Example:
      docgen ingest ~/scans/HT-2026-0001-signed.pdf
      docgen ingest archive/inbox/
      docgen ingest page1.jpg page2.jpg --join
      docgen ingest archive/quarantine/scan.pdf --as HT-2026-0001
      docgen ingest quarantine/bj.pdf --as BJ-2026-0001 --version 1 --supersede --note "客户只签v1，v2作废"
    """))
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--as", "as_number", metavar="NUMBER", cls=TranslatedOption, help=N_("File it as this document: a person has checked it."))
@click.option("--version", "as_version", type=VERSION, cls=TranslatedOption, help=N_("With --as: the version it signs (2 or v2)."))
@click.option("--supersede", is_flag=True,
              cls=TranslatedOption, help=N_("With --as and --version: file an old version's signed copy although a newer one replaced it."))
@click.option("--note", default="", cls=TranslatedOption, help=N_("With --supersede: why the old version stands (kept in the log)."))
@click.option("--join", is_flag=True, cls=TranslatedOption, help=N_("The files are the pages of one scan, in the order given."))
@click.option("--keep", is_flag=True, cls=TranslatedOption, help=N_("Leave the files where they are (quarantine gets a copy)."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the outcomes as JSON."))
@click.pass_obj
def ingest(
    obj: Ctx, paths: tuple[Path, ...], as_number: str | None, as_version: int | None, supersede: bool,
    note: str, join: bool, keep: bool, as_json: bool,
) -> None:
    from docgen.intake import candidates
    from docgen.intake import join as join_files

    if as_version is not None and as_number is None:
        raise click.UsageError(_("--version goes with --as NUMBER"))
    if supersede and as_version is None:
        raise click.UsageError(_("--supersede goes with --as NUMBER --version N (the old version that stands)"))
    if supersede and not note.strip():
        raise click.UsageError(_('--supersede needs the reason: --note "why the old version stands"'))
    if note and not supersede:
        raise click.UsageError(_("--note goes with --supersede"))
    reason = note.strip() if supersede else None
    archive = obj.archive(create=False)
    intake = _intake(archive)
    files = candidates(archive, list(paths))
    if not files:
        raise DocgenError(_("no files to take in under {paths}").format(paths=", ".join(map(str, paths))))
    if as_number and len(files) > 1 and not join:
        raise click.UsageError(_("--as names one document: give one file (or several with --join)"))
    outcomes = []
    if join:
        if len(files) < 2:
            raise click.UsageError(_("--join needs two files or more (the pages of one scan, in order)"))
        data = join_files(files)
        outcome = intake.process(
            files[0], as_number=as_number, as_version=as_version, keep=True, data=data,
            sources=[f.read_bytes() for f in files], display=_("{file} (+{n} joined)").format(file=files[0].name, n=len(files) - 1),
            supersede=reason,
        )
        if outcome.result in ("filed", "duplicate") and not keep:
            for f in files:
                f.unlink(missing_ok=True)
        outcomes.append(outcome)
        if not as_json:
            click.echo(outcome.line())
    else:
        # a file whose read went past a limit is tried again after the others, until it
        # is filed or quarantined ([intake] max_attempts)
        line = list(enumerate(files, 1))
        while line:
            n, path = line.pop(0)
            outcome = intake.process(path, as_number=as_number, as_version=as_version, keep=keep, supersede=reason)
            if outcome.result == "deferred":
                line.append((n, path))
            else:
                outcomes.append(outcome)
            if not as_json:
                click.echo((f"[{n}/{len(files)}] " if len(files) > 1 else "") + outcome.line())
    intake.close()
    if as_json:
        _print_json([o.as_dict() for o in outcomes])
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.result] = counts.get(o.result, 0) + 1
    if len(outcomes) > 1 and not as_json:
        from docgen.intake import result_word

        click.echo(_("ingest: {counts}").format(counts=", ".join(f"{v} {result_word(k)}" for k, v in counts.items())))
    if set(counts) - {"filed", "duplicate", "gone"}:
        if not as_json and counts.get("quarantined"):
            click.echo(_("see `docgen quarantine list` for what to do"), err=True)
        sys.exit(1)


@main.group(help=lazy_gettext("""Scans that could not be filed, with the reason for each.

    \b
    Example:
      docgen quarantine list
      docgen quarantine retry
      docgen quarantine retry scan.pdf
    """))
def quarantine() -> None:
    pass


@quarantine.command(name="list", help=lazy_gettext("""The quarantined files, oldest first, with why each was not filed.

    \b
    Example:
      docgen quarantine list
      docgen quarantine list --wide
    """))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print a JSON list."))
@click.option("--wide", is_flag=True, cls=TranslatedOption, help=WIDE_HELP)
@click.pass_obj
def quarantine_list(obj: Ctx, as_json: bool, wide: bool) -> None:
    from docgen import table
    from docgen.intake import quarantined

    items = quarantined(obj.archive(create=False))
    if as_json:
        _print_json([{"file": str(q.path), "reason": q.reason, "todo": q.todo, "checked": q.checked,
                      "proposed": q.proposed} for q in items])
        return
    if not items:
        click.echo(_("quarantine is empty"))
        return
    columns = [table.Column("file", flex=2, min_width=8), table.Column("checked", flex=1),
               table.Column("reason", flex=2, min_width=12), table.Column("proposed", flex=2),
               table.Column("todo", flex=2, min_width=12)]
    rows = [{"file": q.path.name, "checked": q.checked, "reason": q.reason, "proposed": q.proposed,
             "todo": q.todo} for q in items]
    for text in table.render(columns, rows, wide=wide):
        click.echo(text)
    # never shortened: the folder is where the person goes next
    click.echo(table.line(_("{n} file(s) in {folder}; each has a .reason.txt saying what to do").format(
        n=len(items), folder=items[0].path.parent), wide=True))


@quarantine.command(name="retry", help=lazy_gettext("""Try to file quarantined scans again (all of them, or the FILES named).

    \b
    Example:
      docgen review HT-2026-0001 approve && docgen quarantine retry HT-2026-0001.pdf
    """))
@click.argument("files", nargs=-1)
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the outcomes as JSON."))
@click.pass_obj
def quarantine_retry(obj: Ctx, files: tuple[str, ...], as_json: bool) -> None:
    from docgen.intake import find_quarantined, quarantined

    archive = obj.archive(create=False)
    paths = [find_quarantined(archive, f) for f in files] or [q.path for q in quarantined(archive)]
    if not paths:
        if as_json:
            _print_json([])
        else:
            click.echo(_("quarantine is empty"))
        return
    intake = _intake(archive)
    left = 0
    outcomes = []
    for path in paths:
        outcome = intake.process(path)
        outcomes.append(outcome)
        if not as_json:
            click.echo(outcome.line())
        left += outcome.result not in ("filed", "duplicate", "gone")
    if as_json:
        _print_json([o.as_dict() for o in outcomes])
    if left:
        click.echo(_("{n} file(s) stay in quarantine").format(n=left), err=True)
        sys.exit(1)


@main.command(help=lazy_gettext("""Deliver the effective version of NUMBER to the departments its rule names.

    Each department gets a PDF labelled with its 联次 in its outbox folder; a
    department holding an older version gets a notice that it is superseded.
    Copies go out by themselves when a document is signed, approved or issued;
    this command delivers by hand (again with --again).

    \b
    Example:
      docgen distribute HT-2026-0001
      docgen distribute YS-2027-0002 --again
    """))
@click.argument("number")
@click.option("--again", is_flag=True, cls=TranslatedOption, help=N_("Deliver again to departments that already have this version."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the deliveries as JSON."))
@click.pass_obj
def distribute(obj: Ctx, number: str, again: bool, as_json: bool) -> None:
    from docgen.distribute import distribute as do_distribute
    from docgen.generate import current_user

    d = do_distribute(obj.archive(create=False), number, _converter(), current_user(), again=again)
    if as_json:
        click.echo(json.dumps({
            "number": d.number, "version": d.version, "status": d.status, "skipped": d.skipped,
            "superseded": d.superseded,
            "copies": [{"department": c.department, "label": c.label, "path": str(c.path), "sha256": c.sha256,
                        "note": c.note} for c in d.copies],
        }, ensure_ascii=False, indent=2))
        return
    if d.copies or d.superseded:
        click.echo(_delivery_line(d))
        for c in d.copies:
            click.echo(f"  {c.path}")
    if d.skipped:
        click.echo(_("{number} v{version}: already delivered to {departments} (--again delivers again)").format(
            number=d.number, version=d.version, departments=", ".join(d.skipped)))


@main.command(help=lazy_gettext("""A department's copy of a document, or of every document signed since a day.

    The copy is the effective version (the signed scan, else the approved
    version), labelled for the department and masked where its policy says;
    drafts only with --version. Every pull, and every refused one, is logged.

    \b
    Example:
      docgen pull HT-2026-0001 --as finance -o ~/财务/合同
      docgen pull --as finance --kind contract --since 2026-11-01 -o ~/财务/11月
    """))
@click.argument("number", required=False)
@click.option("--as", "dept", required=True, metavar="DEPT", cls=TranslatedOption, help=N_("The department pulling (finance, legal, …)."))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, cls=TranslatedOption, help=N_("Folder to write the copies to."))
@click.option("--version", type=VERSION, cls=TranslatedOption, help=N_("This version (2 or v2) instead of the effective one."))
@click.option("--kind", type=KIND, cls=TranslatedOption, help=N_("With --since: every document of this kind (contract or 合同, …)…"))
@click.option("--since", type=DATE, cls=TranslatedOption, help=N_("…signed on or after this day (the company's date)."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the copies as JSON."))
@click.pass_obj
def pull(
    obj: Ctx, number: str | None, dept: str, output: Path, version: int | None, kind: str | None,
    since: Any, as_json: bool,
) -> None:
    from docgen.distribute import pull as do_pull
    from docgen.distribute import signed_since
    from docgen.generate import current_user

    archive = obj.archive(create=False)
    actor = current_user()
    if number and (kind or since):
        raise click.UsageError(_("give either NUMBER or --kind with --since, not both"))
    if not number:
        if not (kind and since):
            raise click.UsageError(
                _("give the document NUMBER, or --kind and --since for every document signed since a day"))
        if version is not None:
            raise click.UsageError(_("--version goes with one NUMBER"))
        day = since
        from docgen.distribute import may_pull

        may_pull(archive, dept, kind, actor)
        numbers = signed_since(archive, kind, day)
        if not numbers:
            if as_json:
                _print_json([])
            else:
                click.echo(_("no {kind} signed since {day}").format(kind=kind, day=day))
            return
    else:
        numbers = [number]
    copies = []
    if len(numbers) > 1 and not as_json:
        with click.progressbar(numbers, label=_("pulling {n} copies for {department}").format(n=len(numbers), department=dept), file=sys.stderr) as bar:
            for n in bar:
                copies.append(do_pull(archive, n, dept, output, _converter(), actor))
    else:
        for n in numbers:
            copies.append(do_pull(archive, n, dept, output, _converter(), actor, version=version))
    if as_json:
        _print_json([{"number": c.number, "version": c.version, "department": c.department,
                      "label": c.label, "path": str(c.path), "sha256": c.sha256} for c in copies])
        return
    for c in copies:
        click.echo(f"{c.number} v{c.version}  {c.label}  {c.path}")
    if len(copies) > 1:
        click.echo(_("pull: {n} copies for {department} in {folder}").format(
            n=len(copies), department=copies[0].department, folder=output))


def _when(text: str) -> Any:
    """A stored instant for sorting: rows written in other zones fall in time order."""
    from datetime import datetime, timezone

    from docgen.clock import instant

    try:
        return instant(text)
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)


@main.command(help=lazy_gettext("""Every event of the archive or of one document: created, revised, reviewed, signed,
    voided, delivered, pulled, refused, superseded; with who, when and checksums.

    \b
    Example:
      docgen log HT-2026-0001
      docgen log P-2026-0001
      docgen log --as finance --json
      docgen log --as finance --csv > 财务台账.csv
    """))
@click.argument("number", required=False)
@click.option("--as", "dept", metavar="DEPT", cls=TranslatedOption, help=N_("Only what this department received, pulled or was refused."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the events as JSON."))
@click.option("--csv", "as_csv", is_flag=True, cls=TranslatedOption, help=CSV_HELP)
@click.option("--wide", is_flag=True, cls=TranslatedOption, help=WIDE_HELP)
@click.pass_obj
def log(obj: Ctx, number: str | None, dept: str | None, as_json: bool, as_csv: bool, wide: bool) -> None:
    archive = obj.archive(create=False)
    cat = archive.catalog
    key = None
    if number and cat.document(number.strip().upper()) is None and cat.project(number.strip()) is not None:
        number = number.strip()  # a project: the changes of its data
    elif number:
        from docgen.generate import document

        number = document(archive, number).number
    if dept:
        from docgen.distribute import department

        key = department(archive, dept).key
    rows: list[dict[str, Any]] = []
    if not dept:
        for e in cat.all_events(number):
            shas = {}
            if e.version:
                v = next((v for v in cat.versions(e.number) if v.version == e.version), None)
                f = v and (v.file("scan") or v.file("pdf"))
                shas = {"sha256": f.sha256} if f else {}
            rows.append({"created": fmt_instant(e.created), "action": e.action, "number": e.number, "version": e.version,
                         "department": None, "actor": e.actor, "status": e.to_status, "note": e.note, **shas})
    for r in cat.ledger(number, key):
        rows.append({"created": fmt_instant(r["created"]), "action": r["action"], "number": r["number"], "version": r["version"],
                     "department": r["department"], "actor": r["actor"], "label": r["label"],
                     "sha256": r["sha256"], "path": r["path"], "note": r["note"]})
    rows.sort(key=lambda r: _when(r["created"]))
    if as_json:
        _print_json(rows)
        return
    from docgen import table

    if as_csv:
        _echo_csv(table.to_csv(rows, LOG_FIELDS))
        return
    if not rows:
        click.echo(_("no events"))
        return
    # the department by its copy's label (第二联 财务), which names it; the key where there is none
    shown = [{**r, "number": f"{r['number'] or ''}" + (f" v{r['version']}" if r.get("version") else ""),
              "action": action_word(r["action"]),
              "department": r.get("label") or r.get("department"), "sha256": (r.get("sha256") or "")[:12]}
             for r in rows]
    # a column no row fills (the department: no copies yet) is left out
    columns = [table.Column("created", header=table.HEADERS["time"], flex=1), table.Column("action"), table.Column("number"),
               table.Column("actor", flex=2), table.Column("department", flex=1),
               table.Column("sha256", flex=2, min_width=8), table.Column("note", flex=2, min_width=8)]
    for text in table.render(columns, shown, wide=wide):
        click.echo(text)


def _bar(label: str, length: int):  # type: ignore[no-untyped-def]
    return click.progressbar(length=length, label=label, file=sys.stderr)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _extra(counts: dict[str, int]) -> str:
    names = [name for name in ("docgen.toml", "secret.key") if counts.get(name)]
    return ", ".join(names + [f"{folder}/ {counts.get(folder, 0)}" for folder in ("templates", "quarantine", "logs")])


@main.command(help=lazy_gettext("""Back up the archive into DEST while docgen goes on working.

    The catalog is copied with SQLite's online backup, then the files it names, by
    checksum: a later backup into the same DEST copies only the files it lacks. Each
    backup is a snapshot under DEST/snapshots/ with a manifest of every checksum.
    Exit code 1 when a file of the archive is damaged (it is named, not copied).

    \b
    Example:
      docgen backup /mnt/nas/docgen-backup
      docgen restore /mnt/nas/docgen-backup --archive /srv/docgen-restored
    """))
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the report as JSON."))
@click.pass_obj
def backup(obj: Ctx, dest: Path, as_json: bool) -> None:
    from docgen.archive.backup import backup as do_backup

    archive = obj.archive(create=False)
    report = do_backup(archive, dest, progress=_bar)
    for line in report.damaged:
        click.echo(line, err=True)
    if as_json:
        _print_json({"snapshot": report.snapshot, "path": str(dest), "documents": report.documents,
                     "versions": report.versions, "files": report.blobs, "copied": report.copied,
                     "copied_bytes": report.copied_bytes, "kept": report.kept, "extra": report.extra,
                     "damaged": report.damaged, "clean": not report.damaged})
    else:
        click.echo(
            _("backup: snapshot {snapshot} in {folder}: {documents} documents, {versions} versions, "
              "{files} files ({copied} copied, {size}; {kept} already in the backup); {extra}").format(
                snapshot=report.snapshot, folder=dest, documents=report.documents, versions=report.versions,
                files=report.blobs, copied=report.copied, size=_size(report.copied_bytes), kept=report.kept,
                extra=_extra(report.extra))
        )
    if report.damaged:
        click.echo(_("backup: {n} damaged file(s) not backed up; run `docgen verify --repair`, then back up again")
                   .format(n=len(report.damaged)), err=True)
        sys.exit(1)


@main.command(help=lazy_gettext("""Restore a backup made by `docgen backup` into an empty or new archive root.

    Every file is checked against the backup's manifest before the archive is put in
    place; then the readable copies and the search index are made again and the
    archive is verified. A root that is not empty is refused.

    \b
    Example:
      docgen restore /mnt/nas/docgen-backup --archive /srv/docgen
      docgen restore /mnt/nas/docgen-backup --snapshot 20261202T011500Z --archive /srv/docgen
    """))
@click.argument("src", type=click.Path(path_type=Path))
@click.option("--snapshot", "name", metavar="NAME", cls=TranslatedOption, help=N_("The snapshot to restore (default: the newest)."))
@click.option("--archive", "root", type=click.Path(file_okay=False, path_type=Path),
              cls=TranslatedOption, help=N_("The new archive root (default: docgen's --archive, $DOCGEN_ARCHIVE, else ./archive)."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the report as JSON."))
@click.pass_obj
def restore(obj: Ctx, src: Path, name: str | None, root: Path | None, as_json: bool) -> None:
    from docgen.archive.backup import restore as do_restore

    report = do_restore(src, root or obj.root, name, progress=_bar)
    if as_json:
        for line in report.lacking:
            click.echo(_("{line} was damaged in the archive when the backup was made: not in the backup").format(
                line=line), err=True)
        for line in report.problems:
            click.echo(line, err=True)
        _print_json({"snapshot": report.snapshot, "source": str(src), "created": fmt_instant(report.created),
                     "docgen_version": report.version, "path": str(report.root), "documents": report.documents,
                     "versions": report.versions, "files": report.blobs, "bytes": report.blob_bytes,
                     "extra": report.extra, "views": report.views, "indexed": report.indexed,
                     "checked": report.checked, "problems": report.problems, "lacking": report.lacking,
                     "clean": not (report.problems or report.lacking)})
        if report.problems or report.lacking:
            sys.exit(1)
        return
    click.echo(_("restore: snapshot {snapshot} of {source} (made {created} by docgen {version}) into {root}").format(
        snapshot=report.snapshot, source=src, created=fmt_instant(report.created), version=report.version,
        root=report.root))
    click.echo(_("restore: {documents} documents, {versions} versions, {files} files ({size}); {extra}").format(
        documents=report.documents, versions=report.versions, files=report.blobs, size=_size(report.blob_bytes),
        extra=_extra(report.extra)))
    click.echo(_("restore: re-made {views} readable copies; indexed {indexed} versions").format(
        views=report.views, indexed=report.indexed))
    for line in report.lacking:
        click.echo(_("{line} was damaged in the archive when the backup was made: not in the backup").format(
                line=line), err=True)
    for line in report.problems:
        click.echo(line, err=True)
    if report.problems or report.lacking:
        click.echo(_("verify: PROBLEMS FOUND: {checked} files checked, {n} problem(s)").format(
            checked=report.checked, n=len(report.problems)), err=True)
        sys.exit(1)
    click.echo(_("verify: clean: {checked} files checked").format(checked=report.checked))


@main.command(help=lazy_gettext("""Recompute every checksum and walk the events' and ledger's hash chain; report
    missing, corrupt and orphaned files, rows changed or removed, files others may read.

    Also checks the readable copies in documents/ against the archive; --repair
    re-makes the missing or changed ones from objects/, and puts a missing or damaged
    blob back from a readable copy whose checksum proves it identical. Exit code 0
    (and "clean") when the archive is clean, 1 otherwise.

    \b
    Example:
      docgen verify
      docgen verify --repair
      docgen verify --chain-head          # print the head, to record it elsewhere
      docgen verify --chain-head 5f3a…    # is the recorded head still in the chain?
    """))
@click.option("--repair", is_flag=True,
              cls=TranslatedOption, help=N_("Re-make missing or changed readable copies; put back damaged blobs from identical copies."))
@click.option("--chain-head", "chain_head", is_flag=False, flag_value="-", default=None, metavar="[HASH]",
              cls=TranslatedOption, help=N_("Check the chain only and print its head; with HASH, check that a recorded head is in it."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the findings as JSON."))
@click.pass_obj
def verify(obj: Ctx, repair: bool, chain_head: str | None, as_json: bool) -> None:
    from docgen.archive.core import verify as do_verify

    archive = obj.archive(create=False)
    if chain_head is not None:
        _verify_chain_head(archive, chain_head, as_json)
        return
    report = do_verify(archive, repair=repair)
    lost: list[str] = []
    index_line = ""
    try:
        waiting, lost = archive.search_index().missing()
    except DocgenError as exc:
        waiting, index_line = [], str(exc)
    problems = len(report.missing) + len(report.corrupt) + len(report.orphaned) + len(report.other)
    problems += len(report.chain) + len(report.modes) + (0 if repair else len(report.copies))
    problems += len(lost) + bool(index_line)
    if as_json:
        _print_json({
            "clean": not problems, "checked": report.checked, "problems": problems,
            "missing": report.missing, "corrupt": report.corrupt, "orphaned": report.orphaned,
            "chain": report.chain, "modes": report.modes, "other": report.other, "restored": report.restored,
            "copies": report.copies, "repaired": report.repaired, "unused": report.unused,
            "index_missing": lost, "index_queued": len(waiting), "index_error": index_line or None,
        })
        if problems:
            sys.exit(1)
        return
    for line in lost:
        click.echo(_("{line}: not in the search index (docgen reindex adds it)").format(line=line), err=True)
    if index_line:
        click.echo(index_line, err=True)
    if waiting:
        click.echo(_("verify: {n} version(s) queued for the search index; the next command indexes them").format(
            n=len(waiting)))
    for line in report.unused:
        click.echo(line)
    for line in report.chain + report.missing + report.corrupt + report.orphaned + report.other + report.modes:
        click.echo(line, err=True)
    for line in report.restored:
        click.echo(line)
    for line in report.copies:
        click.echo(line + ("" if repair else _(" (docgen verify --repair re-makes it)")), err=True)
    if repair and report.repaired:
        click.echo(_("verify: re-made {n} readable copies from the archive").format(n=report.repaired))
    state = _("clean") if not problems else _("PROBLEMS FOUND")
    click.echo(
        _("verify: {state}: {checked} files checked, {missing} missing, {corrupt} corrupt, {orphaned} orphaned")
        .format(state=state, checked=report.checked, missing=len(report.missing), corrupt=len(report.corrupt),
                orphaned=len(report.orphaned))
        + (_(", {n} restored").format(n=len(report.restored)) if report.restored else "")
        + (_(", {n} chain problems").format(n=len(report.chain)) if report.chain else "")
        + (_(", {n} with wide modes").format(n=len(report.modes)) if report.modes else "")
        + (_(", {n} other").format(n=len(report.other)) if report.other else "")
        + (_(", {n} missing from the search index").format(n=len(lost)) if lost else "")
        + (_(", search index damaged") if index_line else "")
        + ((_(", {n} readable copies re-made") if repair else _(", {n} readable copies missing or changed"))
           .format(n=len(report.copies)) if report.copies else "")
    )
    if problems:
        sys.exit(1)


def _verify_chain_head(archive: Archive, recorded: str, as_json: bool = False) -> None:
    """`verify --chain-head [HASH]`: the chain alone, its head, or where a recorded head sits."""
    problems, hashes = archive.catalog.check_chain()
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise DocgenError(_("verify: the chain is broken ({n} problems above); its head cannot be trusted").format(
            n=len(problems)))
    if recorded == "-":
        head = hashes[-1] if hashes else archive.catalog.chain_head()[1]
        if as_json:
            _print_json({"clean": True, "head": head, "rows": len(hashes)})
        else:
            click.echo(head)
        return
    wanted = recorded.strip().lower()
    if len(wanted) != 64 or any(c not in "0123456789abcdef" for c in wanted):
        raise click.BadParameter(_("a chain head is 64 hexadecimal digits (docgen verify --chain-head prints it)"),
                                 param_hint="--chain-head")
    if wanted not in hashes:
        raise DocgenError(
            _("verify: the recorded chain head {head}… is not in the chain: rows written before it "
              "were changed or removed since it was recorded; restore the catalog from a backup made before")
            .format(head=wanted[:12])
        )
    at = hashes.index(wanted) + 1
    if as_json:
        _print_json({"clean": True, "head": wanted, "row": at, "rows": len(hashes), "since": len(hashes) - at})
        return
    click.echo(_("verify: chain intact; the recorded head is row {row} of {rows} ({since} written since)").format(
        row=at, rows=len(hashes), since=len(hashes) - at))


if __name__ == "__main__":
    main()
