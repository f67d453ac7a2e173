"""Full-text search and its index: search, reindex."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docgen.dates import DATE
from docgen.cliparams import KIND, STATUS
from docgen.i18n import N_, TranslatedOption, _, lazy_gettext, status_word
from docgen.kinds.names import kind_cn

if TYPE_CHECKING:
    pass


from docgen.cli.base import (CSV_HELP, SEARCH_FIELDS, WIDE_HELP, Ctx, Failure,
                             _echo_csv, _json_seen, _print_json, main)


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
@click.option("--status", type=STATUS, cls=TranslatedOption, help=N_("Only documents with this status."))
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
@click.option("--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), cls=TranslatedOption,
              help=N_("Write the results to this .xlsx file (dates as dates)."))
@click.pass_obj
def search(
    obj: Ctx, query_words: tuple[str, ...], kind: str | None, project: str | None, customer: str | None,
    status: str | None,
    date_from: Any, date_to: Any, all_versions: bool, limit: int, dept_key: str | None,
    as_json: bool, as_csv: bool, wide: bool, xlsx: Path | None,
) -> None:
    from docgen.archive.search import Filters, QueryError, parse_query
    from docgen.kinds import registry
    from docgen.table import printable

    query = " ".join(query_words)
    filters = Filters(
        kind=kind, project=project, customer=customer, status=status,
        date_from=date_from, date_to=date_to,
        all_versions=all_versions,
    )
    try:  # a query that cannot be read is a usage error, said before the archive is opened
        parse_query(query, registry.table())
    except QueryError as exc:
        raise QueryUsageError(printable(str(exc))) from None
    hits = obj.service(create=False).search(query, filters, limit=limit, department=dept_key)
    results = hits.results
    if xlsx is not None:
        from docgen.cli.sheets import rows_xlsx
        from docgen.kinds.names import kind_word

        rows_xlsx(xlsx, _("search"), SEARCH_FIELDS,
                  [{**vars(r), "kind": kind_word(r.kind), "status": status_word(r.status)} for r in results],
                  dates=("date",))
        return
    if as_json:
        _print_json(hits.to_json())
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
    service = obj.service(create=False)
    bar: Any = None

    def start(total: int, engine_name: str) -> None:
        nonlocal bar
        bar = click.progressbar(length=total, label=_("indexing {n} versions ({engine})").format(
            n=total, engine=engine_name), file=sys.stderr)
        bar.__enter__()

    try:
        result = service.reindex(engine, progress=lambda n: bar.update(n), start=start)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if as_json:
        _print_json(result.to_json())
        return
    click.echo(_("reindex: {n} versions indexed with {engine} in {path}").format(
        n=result.indexed, engine=result.engine, path=result.path))
    if engine and engine != result.configured_engine:
        click.echo(_('note: docgen.toml uses "{configured}"; set [search] engine = "{engine}" '
                     "to search with this index").format(configured=result.configured_engine, engine=engine))
