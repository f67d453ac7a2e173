"""Spreadsheets: a document's items out as .xlsx, and the blank sheets and Word templates a
company restyles."""

from __future__ import annotations

from pathlib import Path

import click

from docgen.cli.base import Ctx, main
from docgen.cliparams import KIND
from docgen.i18n import N_, TranslatedOption, _, lazy_gettext


def write_xlsx(path: Path, data: bytes) -> None:
    """The file written whole or not at all; one line saying where it went."""
    from docgen.sheets.write import save

    if path.suffix.lower() != ".xlsx":
        raise click.UsageError(_("{path}: give the file a .xlsx name").format(path=path))
    save(path, data)


XLSX_HELP = N_("Write the rows to this .xlsx file (amounts as numbers, dates as dates).")


def rows_xlsx(path: Path, title: str, fields: tuple[str, ...], rows: list[dict], amounts: tuple[str, ...] = (),  # type: ignore[type-arg]
              dates: tuple[str, ...] = ()) -> None:
    """``--xlsx FILE`` of a reporting command: its --json rows under the table's headers."""
    from docgen.sheets.write import table
    from docgen.table import HEADERS

    names = {k: HEADERS[k] for k in HEADERS}
    write_xlsx(path, table(title, fields, names, rows, amounts=amounts, dates=dates))
    click.echo(_("{n} rows: {path}").format(n=len(rows), path=path))


@main.command(help=lazy_gettext("""The items of a quote, contract or change order as a spreadsheet to keep working in.

    Amounts are numbers in ¥, 金额 and the totals are formulas (saved with their
    values), the 大写 total is text. A quote's sheet is read back by `docgen new
    quote` as the same quote. A contract's sheet has its quote annex, its 付款节点
    and its change orders with the current contract sum.

    \b
    Example:
      docgen export quote BJ-2026-0001 --xlsx 报价.xlsx
      docgen export 合同 HT-2026-0001 --xlsx 合同.xlsx
    """))
@click.argument("kind", metavar="KIND", type=KIND)
@click.argument("number")
@click.option("--xlsx", "xlsx", required=True, type=click.Path(path_type=Path, dir_okay=False),
              cls=TranslatedOption, help=N_("The .xlsx file to write."))
@click.pass_obj
def export(obj: Ctx, kind: str, number: str, xlsx: Path) -> None:
    if xlsx.suffix.lower() != ".xlsx":
        raise click.UsageError(_("{path}: give the file a .xlsx name").format(path=xlsx))
    download = obj.service(create=False).export(number, kind)
    write_xlsx(xlsx, download.data)
    click.echo(str(xlsx))


@main.command(help=lazy_gettext("""A blank spreadsheet (--xlsx) or the Word template (--docx) of a kind, for the company to fill or restyle.

    The blank sheet is in the layout docgen reads: labelled cells (客户, 项目编号,
    报价日期 …), the header row, typical sections with empty rows, formulas for
    单价, 金额, 小计 and the totals at docgen.toml's rates, and data validation
    (units from a list, numbers >= 0). The Word template is the one this archive
    renders the kind with (edit it in Word or WPS; see docs/templates.md).

    \b
    Example:
      docgen template quote --xlsx 报价模板.xlsx
      docgen template 变更单 --xlsx 变更单模板.xlsx
      docgen template contract --docx 合同模板.docx
    """))
@click.argument("kind", metavar="KIND", type=KIND)
@click.option("--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), cls=TranslatedOption,
              help=N_("Write the blank spreadsheet to this .xlsx file."))
@click.option("--docx", "docx", type=click.Path(path_type=Path, dir_okay=False), cls=TranslatedOption,
              help=N_("Write the Word template to this .docx file."))
@click.pass_obj
def template(obj: Ctx, kind: str, xlsx: Path | None, docx: Path | None) -> None:
    if (xlsx is None) == (docx is None):
        raise click.UsageError(_("give --xlsx FILE or --docx FILE"))
    service = obj.service(create=False)
    if xlsx is not None:
        write_xlsx(xlsx, service.blank_sheet(kind).data)
        click.echo(str(xlsx))
        return
    assert docx is not None
    if docx.suffix.lower() != ".docx":
        raise click.UsageError(_("{path}: give the file a .docx name").format(path=docx))
    from docgen.sheets.write import save

    save(docx, service.word_template(kind).data)
    click.echo(str(docx))
