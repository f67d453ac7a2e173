"""Commands that make and read documents: new, revise, review, recheck, step, void, show, kinds, list, diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from docgen.dates import DATE
from docgen.cliparams import KIND, STATUS, VERSION
from docgen.i18n import N_, TranslatedOption, _, action_word, lazy_gettext, status_word
from docgen.kinds.names import kind_cn


from docgen.cli.base import (CSV_HELP, LATE_FIELDS, LIST_FIELDS, WIDE_HELP, Ctx, _echo_csv, _json_seen, _print_json,
                             _print_made, main, print_followed)


@main.command(help=lazy_gettext("""Validate, number, render and archive a new document from a YAML file.

    KIND is a kind's key or its Chinese name (quote or 报价单, contract or 合同,
    change or 变更单, …; `docgen kinds` lists them all). Several files
    of one kind are made in one run, sharing one warm LibreOffice. A quote
    or a change order may also come from the company's .xlsx sheet (its
    project in a cell 项目编号, or --project).

    \b
    Example:
      docgen new quote samples/zhangjiang/quote.yaml
      docgen new 报价单 samples/zhangjiang/quote.yaml
      docgen new quote 报价.xlsx --project P-2026-0001
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
@click.option(
    "--project", "project", metavar="P-CODE|project.yaml",
    cls=TranslatedOption, help=N_("A spreadsheet's project, where the sheet names none (a code or a project file)."),
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
    project: str | None,
) -> None:
    service = obj.service()
    project = _project_option(project)
    if from_acceptance:
        if project:
            raise click.UsageError(_("--project goes with a spreadsheet, not with --from-acceptance"))
        if files:
            raise click.UsageError(_("give either FILE or --from-acceptance, not both"))
        result = service.new_from(kind, from_acceptance, deadline=deadline, note=note)
        if not as_json:
            _print_made(result)
        else:
            _print_json(result.to_json())
        print_followed(obj, result.followed)
        return
    if not files:
        raise click.UsageError(
            _("give the {kind} file to make (or --from-acceptance YS-… for notices and warranty cards)").format(
                kind=kind))
    if deadline:
        raise click.UsageError(_("--deadline goes with --from-acceptance; a notice file sets its own deadline"))
    batch = service.new(kind, files, note=note, once=once, update_project=update_project,
                        each=None if as_json else _print_made, project=project)
    if as_json:
        _print_json(batch.to_json())
    print_followed(obj, batch.followed)


@main.command(help=lazy_gettext("""Make a new version of NUMBER from changed data in FILE.

    \b
    Example:
      docgen revise HT-2026-0001 contract.yaml --note "法务意见：违约金改为每日0.3%"
    """))
@click.argument("number")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--project", "project", metavar="P-CODE|project.yaml",
    cls=TranslatedOption, help=N_("A spreadsheet's project, where the sheet names none (a code or a project file)."),
)
@click.option("--note", required=True, cls=TranslatedOption, help=N_("What changed and why (kept with the version)."))
@click.option(
    "--update-project", "update_project", is_flag=True,
    cls=TranslatedOption, help=N_("Let the project file change the archived project's data (recorded in `docgen log P-…`)."),
)
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the result as JSON."))
@click.pass_obj
def revise(obj: Ctx, number: str, file: Path, note: str, update_project: bool, as_json: bool,
           project: str | None) -> None:
    result = obj.service().revise(number, file, note=note, update_project=update_project,
                                  project=_project_option(project))
    if as_json:
        _print_json(result.to_json())
    else:
        _print_made(result)
    print_followed(obj, result.followed)


def _project_option(value: str | None) -> str | None:
    """--project as the service takes it: a code as written, a file given from here as its full path
    (a project file is otherwise found beside the data file)."""
    if value is None:
        return None
    path = Path(value)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or path.exists():
        return str(path.resolve())
    return value.strip()


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
    result = obj.service().review(number, action, note=note)
    if as_json:
        _print_json(result.to_json())
    else:
        click.echo(f"{result.number}: {status_word(result.status)}")
    print_followed(obj, result.followed)



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
    if passed is None:
        raise click.UsageError(_("say the result: --passed or --failed"))
    # options that do not go together are a usage error, before the archive is opened
    if passed and deadline is not None:
        raise click.UsageError(_("--deadline is for a failed re-inspection (the new deadline)"))
    if not passed and deadline is None:
        raise click.UsageError(_("a failed re-inspection needs the new deadline: --deadline YYYY-MM-DD"))
    result = obj.service().recheck(number, passed=passed, note=note, deadline=deadline, inspector=inspector, day=day)
    if as_json:
        _print_json(result.to_json())
    else:
        _print_made(result)
        click.echo("  " + (status_word("closed") if passed else
                           _("re-issued, deadline {deadline}").format(deadline=deadline)))
    print_followed(obj, result.followed)


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
    result = obj.service().step(number, step_name, file, note=note)
    if as_json:
        _print_json(result.to_json())
    else:
        _print_made(result)
        if result.status is not None:
            click.echo("  " + status_word(result.status))
    print_followed(obj, result.followed)


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
    result = obj.service().void(number, note=note)
    if as_json:
        _print_json(result.to_json())
    else:
        click.echo(f"{result.number}: {status_word('void')}")
    print_followed(obj, result.followed)



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

    view = obj.service(create=False).show(number)
    if as_json:
        _print_json(view.to_json())
        return
    data = view.data

    def echo(text: str) -> None:  # a key/value line: escaped, and shortened unless --wide
        click.echo(table.line(text, wide=wide))

    echo(f"{data['number']}  {data['title']}  [{status_word(data['status'])}]")
    echo(_("project:  {project}  {customer}  {site}").format(
        project=data["project"], customer=data["customer"], site=data["site"]))
    if data["total"]:
        total = Decimal(data["total"])
        echo(_("total:    {total}  {uppercase}").format(total=fmt_yuan(total), uppercase=uppercase_signed(total)))
    for text in view.lines:
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

    if obj.root.is_dir():
        infos = obj.service(create=False).kinds()
    else:  # no archive yet: the kinds as docgen defines them
        from docgen.service import Service

        infos = Service.defined_kinds()
    rows = [k.to_json() for k in infos]
    if as_json:
        _print_json(rows)
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
      docgen list --kind 合同 --status signed --since 2026-11-01 --until 2026-11-30 --xlsx 11月合同.xlsx
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
@click.option("--since", type=DATE, cls=TranslatedOption, help=N_("Only documents dated on or after this day (a contract: its signing date)."))
@click.option("--until", type=DATE, cls=TranslatedOption, help=N_("Only documents dated on or before this day."))
@click.option("--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), cls=TranslatedOption,
              help=N_("Write finance's spreadsheet to this .xlsx file: dates, original and current sums, change orders, installments."))
@click.pass_obj
def list_(obj: Ctx, kind: str | None, status: str | None, overdue: bool, as_json: bool, as_csv: bool,
          wide: bool, since: Any, until: Any, xlsx: Path | None) -> None:
    from decimal import Decimal

    from docgen import table
    from docgen.money import fmt_yuan

    service = obj.service(create=False)
    if xlsx is not None or since is not None or until is not None:
        if overdue or as_json or as_csv:
            raise click.UsageError(_("--since, --until and --xlsx go without --overdue, --json and --csv"))
        if xlsx is None:
            raise click.UsageError(_("--since and --until go with --xlsx FILE"))
        from docgen.cli.sheets import write_xlsx

        rows_ = service.statement(kind, status, since=since, until=until)
        write_xlsx(xlsx, service.statement_sheet(rows_))
        click.echo(_("{n} documents: {path}").format(n=len(rows_), path=xlsx))
        return
    if overdue:
        late = [r.to_json() for r in service.overdue()]
        if as_json:
            _print_json(late)
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
    rows = [r.to_json() for r in service.documents(kind, status)]
    if as_json:
        _print_json(rows)
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
    click.echo("\n".join(table.render(columns, shown, wide=wide)))  # one write for the whole list


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
    result = obj.service(create=False).diff(number, a, b)
    if as_json:
        _print_json(result.to_json())
        return
    if not result.lines:
        click.echo(_("{number}: no differences in the text between v{a} and v{b}").format(number=result.number, a=a, b=b))
    for line in result.lines:
        color = "green" if line.startswith("+") else "red" if line.startswith("-") else None
        click.secho(line, fg=color)
