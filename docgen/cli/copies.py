"""Copies for departments and the record of who had them: distribute, pull, log."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docgen.dates import DATE
from docgen.cliparams import KIND, VERSION
from docgen.i18n import N_, TranslatedOption, _, action_word, lazy_gettext

if TYPE_CHECKING:
    pass


from docgen.cli.base import (CSV_HELP, LOG_FIELDS, WIDE_HELP, Ctx, _delivery_line, _echo_csv, _json_seen, _print_json, main,
                             print_followed)
from docgen.cli.sheets import XLSX_HELP, rows_xlsx


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
    result = obj.service(create=False).distribute(number, again=again)
    d = result.delivery
    if as_json:
        _print_json(result.to_json())
        print_followed(obj, result.followed)
        return
    if d.copies or d.superseded:
        click.echo(_delivery_line(d))
        for c in d.copies:
            click.echo(f"  {c.path}")
    if d.skipped:
        click.echo(_("{number} v{version}: already delivered to {departments} (--again delivers again)").format(
            number=d.number, version=d.version, departments=", ".join(d.skipped)))
    print_followed(obj, result.followed)


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
    if number and (kind or since):
        raise click.UsageError(_("give either NUMBER or --kind with --since, not both"))
    service = obj.service(create=False)
    if number:
        pulled = service.pull(number, output, department=dept, version=version)
    else:
        if not (kind and since):
            raise click.UsageError(
                _("give the document NUMBER, or --kind and --since for every document signed since a day"))
        if version is not None:
            raise click.UsageError(_("--version goes with one NUMBER"))
        bar: Any = None

        def each(_number: str, total: int) -> None:
            nonlocal bar
            if total < 2:
                return
            if bar is None:
                bar = click.progressbar(length=total, file=sys.stderr, label=_(
                    "pulling {n} copies for {department}").format(n=total, department=dept))
                bar.__enter__()
            bar.update(1)

        try:
            pulled = service.pull_since(kind, since, output, department=dept, each=None if as_json else each)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
        if not pulled.copies:
            if as_json:
                _print_json([])
            else:
                click.echo(_("no {kind} signed since {day}").format(kind=kind, day=since))
            return
    copies = pulled.copies
    if as_json:
        _print_json(pulled.to_json())
        return
    for c in copies:
        click.echo(f"{c.number} v{c.version}  {c.label}  {c.path}")
    if len(copies) > 1:
        click.echo(_("pull: {n} copies for {department} in {folder}").format(
            n=len(copies), department=copies[0].department, folder=output))


@main.command(help=lazy_gettext("""Every event of the archive or of one document: created, revised, reviewed, signed,
    voided, delivered, pulled, refused, superseded; with who, when and checksums.

    \b
    Example:
      docgen log HT-2026-0001
      docgen log P-2026-0001
      docgen log --as finance --json
      docgen log --as finance --csv > 财务台账.csv
      docgen log --as finance --xlsx 财务台账.xlsx
    """))
@click.argument("number", required=False)
@click.option("--as", "dept", metavar="DEPT", cls=TranslatedOption, help=N_("Only what this department received, pulled or was refused."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the events as JSON."))
@click.option("--csv", "as_csv", is_flag=True, cls=TranslatedOption, help=CSV_HELP)
@click.option("--wide", is_flag=True, cls=TranslatedOption, help=WIDE_HELP)
@click.option("--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), cls=TranslatedOption, help=XLSX_HELP)
@click.pass_obj
def log(obj: Ctx, number: str | None, dept: str | None, as_json: bool, as_csv: bool, wide: bool,
        xlsx: Path | None) -> None:
    rows = obj.service(create=False).log(number, dept).to_json()
    if xlsx is not None:
        rows_xlsx(xlsx, _("log"), LOG_FIELDS, [{**r, "action": action_word(r["action"])} for r in rows],
                  dates=("created",))
        return
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
