"""The administrator's commands: backup, restore, verify."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from typing import TYPE_CHECKING

import click

from docgen.clock import fmt_instant
from docgen.i18n import N_, TranslatedOption, _, lazy_gettext

if TYPE_CHECKING:
    pass


from docgen.cli.base import (Ctx, _json_seen, _print_json, main)


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
    service = obj.service(create=False)
    if chain_head is not None:
        _verify_chain_head(service, chain_head, as_json)
        return
    result = service.verify(repair=repair)
    report, lost, index_line, waiting = result.report, result.index_missing, result.index_error, result.index_waiting
    problems = result.problems
    if as_json:
        _print_json(result.to_json())
        if problems:
            sys.exit(1)
        return
    for line in lost:
        click.echo(_("{line}: not in the search index (docgen reindex adds it)").format(line=line), err=True)
    if index_line:
        click.echo(index_line, err=True)
    if waiting:
        click.echo(_("verify: {n} version(s) queued for the search index; the next command indexes them").format(
            n=waiting))
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


def _verify_chain_head(service: Any, recorded: str, as_json: bool = False) -> None:
    """`verify --chain-head [HASH]`: the chain alone, its head, or where a recorded head sits."""
    from docgen.service import ChainBroken

    if recorded != "-":
        wanted = recorded.strip().lower()
        if len(wanted) != 64 or any(c not in "0123456789abcdef" for c in wanted):
            raise click.BadParameter(_("a chain head is 64 hexadecimal digits (docgen verify --chain-head prints it)"),
                                     param_hint="--chain-head")
    try:
        head = service.chain_head(None if recorded == "-" else recorded)
    except ChainBroken as exc:
        for line in exc.problems:
            click.echo(line, err=True)
        raise
    if as_json:
        _print_json(head.to_json())
    elif head.row is None:
        click.echo(head.head)
    else:
        click.echo(_("verify: chain intact; the recorded head is row {row} of {rows} ({since} written since)").format(
            row=head.row, rows=head.rows, since=head.rows - head.row))

