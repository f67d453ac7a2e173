"""Signed scans: watch, ingest, quarantine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docgen.cliparams import VERSION
from docgen.errors import DocgenError
from docgen.i18n import N_, TranslatedOption, _, lazy_gettext

if TYPE_CHECKING:
    pass


from docgen.cli.base import (WIDE_HELP, Ctx, _json_seen, _print_json, main, print_followed)


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

    service = obj.service(create=False)
    archive = service.archive
    settings = archive.settings
    if inbox is not None and not inbox.is_dir():
        raise DocgenError(_("inbox {inbox} does not exist; check the path (is the share mounted?)").format(inbox=inbox))
    folder = inbox or archive.inbox
    intake = service.intake()
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
            said, told[:] = list(told), []

            def say_once(line: str) -> None:  # a copy still failing is said when it first fails
                told.append(line)
                if line not in said:
                    say(line)

            converting[0] = True
            try:
                print_followed(obj, service.follow(watcher.stop.is_set, quiet=True), say_once)
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
    if as_version is not None and as_number is None:
        raise click.UsageError(_("--version goes with --as NUMBER"))
    if supersede and as_version is None:
        raise click.UsageError(_("--supersede goes with --as NUMBER --version N (the old version that stands)"))
    if supersede and not note.strip():
        raise click.UsageError(_('--supersede needs the reason: --note "why the old version stands"'))
    if note and not supersede:
        raise click.UsageError(_("--note goes with --supersede"))

    def each(n: int, total: int, outcome: Any) -> None:
        if not as_json:
            click.echo((f"[{n}/{total}] " if total > 1 and not join else "") + outcome.line())

    taken = obj.service(create=False).ingest(
        paths, as_number=as_number, as_version=as_version, supersede=note.strip() if supersede else None,
        join=join, keep=keep, each=each)
    outcomes = taken.outcomes
    if as_json:
        _print_json(taken.to_json())
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.result] = counts.get(o.result, 0) + 1
    if len(outcomes) > 1 and not as_json:
        from docgen.intake import result_word

        click.echo(_("ingest: {counts}").format(counts=", ".join(f"{v} {result_word(k)}" for k, v in counts.items())))
    print_followed(obj, taken.followed)
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

    listing = obj.service(create=False).quarantine()
    items = listing.items
    if as_json:
        _print_json(listing.to_json())
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
    taken = obj.service(create=False).retry(files, each=None if as_json else lambda o: click.echo(o.line()))
    if not taken.outcomes:
        if as_json:
            _print_json([])
        else:
            click.echo(_("quarantine is empty"))
        return
    if as_json:
        _print_json(taken.to_json())
    print_followed(obj, taken.followed)
    left = sum(o.result not in ("filed", "duplicate", "gone") for o in taken.outcomes)
    if left:
        click.echo(_("{n} file(s) stay in quarantine").format(n=left), err=True)
        sys.exit(1)
