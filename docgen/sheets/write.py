"""Spreadsheets out: a blank sheet in docgen's layout for a company to fill and restyle, a
document's items as a sheet a person can keep working in, and lists for finance.

Amounts are numbers with the ¥ format, never text; 金额, 小计 and the totals are formulas, each
saved with its value (openpyxl writes none: :func:`_with_values` puts docgen's figures in), so a
sheet opened anywhere, or read back by docgen, shows the same figures; Excel and WPS
recalculate on opening. The 大写 total is text, as a person writes it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

YUAN = '"¥"#,##0.00'
QUANTITY = "0.####"
PERCENT = "0.##%"
UNITS = ("㎡", "m", "延米", "个", "套", "樘", "组", "台", "项", "处", "根", "块", "扇", "副", "间", "批")

# the quote sheet's columns, in docgen's layout (what docgen.sheets.read finds by name)
QUOTE_COLUMNS = ("序号", "项目名称", "单位", "数量", "主材", "辅材", "人工", "单价", "损耗", "金额", "工艺及材料说明")
WIDTHS = (6, 24, 7, 9, 10, 10, 10, 11, 7, 13, 40)
TYPICAL_SECTIONS = ("拆除工程", "基础工程", "水电改造", "防水工程", "泥瓦工程", "木工工程", "油漆工程", "安装工程")


def _styles() -> dict[str, Any]:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    side = Side(style="thin", color="808080")
    return {
        "border": Border(left=side, right=side, top=side, bottom=side),
        "bold": Font(name="宋体", bold=True),
        "title": Font(name="黑体", bold=True, size=16),
        "font": Font(name="宋体", size=10.5),
        "head": PatternFill("solid", fgColor="F2F2F2"),
        "center": Alignment(horizontal="center", vertical="center", wrap_text=True),
        "wrap": Alignment(vertical="center", wrap_text=True),
        "right": Alignment(horizontal="right", vertical="center"),
    }


def _with_values(data: bytes, values: dict[str, Any]) -> bytes:
    """The workbook's first sheet with each formula cell named in ``values`` given its value
    (``<v>``), as Excel saves it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in source.infolist():
            blob = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                def put(m: re.Match[bytes]) -> bytes:
                    ref = m.group(1).decode()
                    if ref not in values:
                        return m.group(0)
                    value = values[ref]
                    if isinstance(value, str):
                        from xml.sax.saxutils import escape

                        return (b'<c r="' + m.group(1) + b'"' + m.group(2) + b' t="str">' + m.group(3)
                                + b"<v>" + escape(value).encode() + b"</v></c>")
                    return b'<c r="' + m.group(1) + b'"' + m.group(2) + b">" + m.group(3) + b"<v>" + \
                        format(Decimal(value), "f").encode() + b"</v></c>"
                blob = re.sub(rb'<c r="([A-Z]+[0-9]+)"([^>]*)>(<f>[^<]*</f>)<v\s*/?>(?:</v>)?</c>', put, blob)
            z.writestr(item, blob)
    return out.getvalue()


def _finish(wb: Any, values: dict[str, Any] | None = None) -> bytes:
    """The workbook's bytes, its formulas with docgen's values; Excel and WPS recalculate on opening."""
    wb.calculation.fullCalcOnLoad = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return _with_values(buffer.getvalue(), values) if values else buffer.getvalue()


def save(path: Path, data: bytes) -> None:
    """Written through a temporary file beside ``path`` and moved into place: never half-written."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".docgen-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        mask = os.umask(0o022)  # the mode any new file of the user's gets (mkstemp's is 0600)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Formula(str):
    """A formula docgen writes; any other text starting with = is written as text, not run."""


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    c = ws.cell(row, col, value)
    if isinstance(value, str) and not isinstance(value, Formula) and c.data_type == "f":
        c.data_type = "s"  # a name written =HYPERLINK(…) in the data stays those letters
    return c


def _cell(ws: Any, row: int, col: int, value: Any, st: dict[str, Any], fmt: str | None = None,
          align: str = "wrap", bold: bool = False) -> Any:
    c = _put(ws, row, col, value)
    c.border = st["border"]
    c.font = st["bold"] if bold else st["font"]
    c.alignment = st[align]
    if fmt:
        c.number_format = fmt
    return c


def _labels(ws: Any, row: int, pairs: Sequence[tuple[str, Any]], st: dict[str, Any]) -> None:
    """Labelled cells: 客户 | 张三 | 项目编号 | P-2026-0001 …, two per label across the row."""
    col = 1
    for label, value in pairs:
        ws.cell(row, col, label).font = st["bold"]
        c = _put(ws, row, col + 1, value)
        c.font = st["font"]
        if isinstance(value, dt.date):
            c.number_format = "yyyy-mm-dd"
        col += 3


def _header(ws: Any, row: int, st: dict[str, Any]) -> None:
    for col, (name, width) in enumerate(zip(QUOTE_COLUMNS, WIDTHS), start=1):
        c = _cell(ws, row, col, name, st, align="center", bold=True)
        c.fill = st["head"]
        ws.column_dimensions[c.column_letter].width = width
    ws.freeze_panes = ws.cell(row + 1, 1)


def _item_row(ws: Any, r: int, no: Any, item: dict[str, Any] | None, st: dict[str, Any]) -> None:
    item = item or {}
    _cell(ws, r, 1, no, st, align="center")
    _cell(ws, r, 2, item.get("name"), st)
    _cell(ws, r, 3, item.get("unit"), st, align="center")
    _cell(ws, r, 4, _number(item.get("quantity")), st, QUANTITY, "right")
    parts = [item.get(k) for k in ("materials", "auxiliary", "labour")]
    split = any(p is not None for p in parts)
    for col, part in zip((5, 6, 7), parts):
        _cell(ws, r, col, _number(part), st, YUAN, "right")
    price = Formula(f"=IF(COUNT(E{r}:G{r}),SUM(E{r}:G{r}),\"\")") if split or not item else _number(item.get("unit_price"))
    _cell(ws, r, 8, price, st, YUAN, "right")
    _cell(ws, r, 9, _number(item.get("loss")), st, PERCENT, "right")
    _cell(ws, r, 10, Formula(f"=IF(COUNT(D{r},H{r})=2,ROUND(D{r}*H{r}*(1+N(I{r})),2),\"\")"), st, YUAN, "right")
    _cell(ws, r, 11, item.get("note"), st)


def _number(value: Any) -> Any:
    if value is None or value == "":
        return None
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def _validation(ws: Any, first: int, last: int) -> None:
    """Units from a list; 数量 and prices numbers >= 0; 损耗 a rate from 0 to 50%."""
    from openpyxl.worksheet.datavalidation import DataValidation

    units = DataValidation(type="list", formula1='"' + ",".join(UNITS) + '"', allow_blank=True,
                           showErrorMessage=False, promptTitle="单位", prompt="从列表中选，或写其他单位")
    numbers = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             showErrorMessage=True, errorTitle="数字", error="请填写不小于 0 的数字")
    loss = DataValidation(type="decimal", operator="between", formula1="0", formula2="0.5", allow_blank=True,
                          showErrorMessage=True, errorTitle="损耗", error="损耗写成百分比，0% 到 50%")
    for v in (units, numbers, loss):
        ws.add_data_validation(v)
    units.add(f"C{first}:C{last}")
    numbers.add(f"D{first}:G{last}")
    loss.add(f"I{first}:I{last}")


def _table(ws: Any, start: int, sections: Sequence[tuple[str, list[dict[str, Any] | None]]], st: dict[str, Any],
           values: dict[str, Any] | None = None, figures: dict[str, Any] | None = None) -> tuple[int, list[str]]:
    """Section rows, item rows and a 小计 per section from ``start``; (the next row, 小计 cells)."""
    numerals = "一二三四五六七八九十"
    r = start
    subtotals = []
    n = 0
    for i, (name, items) in enumerate(sections):
        label = f"{numerals[i]}、{name}" if i < len(numerals) else f"{i + 1}、{name}"
        _put(ws, r, 1, label).font = st["bold"]
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(QUOTE_COLUMNS))
        r += 1
        first = r
        for item in items:
            n += 1
            _item_row(ws, r, n if item else None, item, st)
            if item and values is not None:
                values[f"J{r}"] = item["amount"]
                if item.get("materials") is not None or item.get("auxiliary") is not None or item.get("labour") is not None:
                    values[f"H{r}"] = item["unit_price"]
            r += 1
        _cell(ws, r, 2, f"{name}小计", st, bold=True)  # a section named =… stays text (_put)
        _cell(ws, r, 10, Formula(f"=SUM(J{first}:J{r - 1})"), st, YUAN, "right", bold=True)
        if values is not None and figures is not None:
            values[f"J{r}"] = figures["subtotals"][i]
        subtotals.append(f"J{r}")
        r += 1
    return r, subtotals


def _totals(ws: Any, r: int, subtotals: list[str], fee_rate: Decimal, tax_rate: Decimal, st: dict[str, Any],
            values: dict[str, Any] | None = None, figures: dict[str, Any] | None = None, upper: str = "") -> int:
    rows = (("工程直接费合计", "=" + ("+".join(subtotals) if subtotals else "0"), "works"),
            (f"管理费（{_percent(fee_rate)}）", f"=ROUND(J{r}*{fee_rate},2)", "fee"),
            (f"税金（{_percent(tax_rate)}）", f"=ROUND((J{r}+J{r + 1})*{tax_rate},2)", "tax"),
            ("工程总造价", f"=J{r}+J{r + 1}+J{r + 2}", "total"))
    for label, formula, key in rows:
        ws.cell(r, 1, label).font = st["bold"]
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=9)
        _cell(ws, r, 10, Formula(formula), st, YUAN, "right", bold=True)
        if values is not None and figures is not None:
            values[f"J{r}"] = figures[key]
        r += 1
    ws.cell(r, 1, "工程总造价（大写）").font = st["bold"]
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=9)
    ws.cell(r, 10, upper).font = st["bold"]
    return r + 1


def _landscape(ws: Any, titles: str) -> None:
    """Printed across an A4 landscape page, as wide as the page, the header row on every page."""
    ws.print_title_rows = titles
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def _percent(rate: Decimal) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"


def blank(kind: str, settings: Any) -> bytes:
    """A blank sheet of ``kind`` (quote, change) in docgen's layout: labelled cells, the header,
    sections with empty rows, formulas for 单价 (the sum of 主材 / 辅材 / 人工), 金额, 小计 and the
    totals at the archive's rates, and data validation; the company may restyle it freely."""
    import openpyxl

    st = _styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    company = settings.company.name
    if kind == "quote":
        ws.title = "报价"
        ws.cell(1, 1, f"{company}  装修工程报价单").font = st["title"]
        _labels(ws, 2, (("客户", ""), ("项目编号", ""), ("报价日期", "")), st)
        _labels(ws, 3, (("设计师", ""), ("有效期", f"{settings.valid_days}天"), ("工程地址", "")), st)
        _header(ws, 4, st)
        r, subtotals = _table(ws, 5, [(name, [None, None, None]) for name in TYPICAL_SECTIONS], st)
        _validation(ws, 5, r - 1)
        r = _totals(ws, r, subtotals, settings.management_fee_rate, settings.tax_rate, st)
        ws.cell(r + 1, 1, "备注：").font = st["bold"]
        ws.cell(r + 2, 1, "1、")
    else:
        ws.title = "变更单"
        ws.cell(1, 1, f"{company}  工程变更单").font = st["title"]
        _labels(ws, 2, (("合同编号", ""), ("项目编号", ""), ("变更日期", "")), st)
        _labels(ws, 3, (("变更原因", "客户要求"), ("工期顺延", "0天"), ("付款方式", "随下期工程款")), st)
        _labels(ws, 4, (("变更说明", ""),), st)
        from openpyxl.worksheet.datavalidation import DataValidation

        reason = DataValidation(type="list", formula1='"设计变更,客户要求,现场条件,其他"', allow_blank=False)
        payment = DataValidation(type="list", formula1='"随下期工程款,签字后支付"', allow_blank=False)
        ws.add_data_validation(reason)
        ws.add_data_validation(payment)
        reason.add("B3")
        payment.add("H3")
        _header(ws, 5, st)
        r, subtotals = _table(ws, 6, [("增项", [None] * 5), ("减项", [None] * 3)], st)
        _validation(ws, 6, r - 1)
        ws.cell(r + 1, 1, "减项不填单价时，按合同附件报价单中同名项目的单价计算。")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(QUOTE_COLUMNS))
    ws.cell(1, 1).alignment = st["center"]
    _landscape(ws, "4:4" if kind == "quote" else "5:5")
    return _finish(wb)


def quote_sheet(summary: dict[str, Any], project: dict[str, Any], number: str, company: str) -> bytes:
    """A quote's items as a sheet to keep working in (docgen reads it back as the same quote)."""
    import openpyxl

    wb = openpyxl.Workbook()
    values = _quote_ws(wb.active, summary, project, f"{company}  装修工程报价单  {number}")
    return _finish(wb, values)


def _quote_ws(ws: Any, summary: dict[str, Any], project: dict[str, Any], title: str) -> dict[str, Any]:
    from docgen.money import uppercase

    st = _styles()
    ws.title = "报价"
    _put(ws, 1, 1, title).font = st["title"]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(QUOTE_COLUMNS))
    _labels(ws, 2, (("客户", project.get("customer", {}).get("name", "")), ("项目编号", summary.get("project", "")),
                    ("报价日期", dt.date.fromisoformat(summary["date"]))), st)
    valid = (dt.date.fromisoformat(summary["valid_until"]) - dt.date.fromisoformat(summary["date"])).days
    _labels(ws, 3, (("设计师", summary.get("designer", "")), ("有效期", f"{valid}天"),
                    ("工程地址", project.get("site", {}).get("address", ""))), st)
    _header(ws, 4, st)
    values: dict[str, Any] = {}
    figures = {"subtotals": [Decimal(s["subtotal"]) for s in summary["sections"]],
               **{k: Decimal(summary[k]) for k in ("works", "fee", "tax", "total")}}
    sections = [(s["name"], [{**it, "amount": Decimal(it["amount"])} for it in s["items"]])
                for s in summary["sections"]]
    r, subtotals = _table(ws, 5, sections, st, values, figures)
    _validation(ws, 5, r - 1)
    _totals(ws, r, subtotals, Decimal(summary["fee_rate"]), Decimal(summary["tax_rate"]), st, values, figures,
            uppercase(Decimal(summary["total"])))
    _landscape(ws, "4:4")
    return values


def contract_sheet(summary: dict[str, Any], quote: dict[str, Any] | None, project: dict[str, Any],
                   changes: list[dict[str, Any]], total: str | None, number: str, company: str) -> bytes:
    """A contract for finance: its quote annex's items (the first sheet, when it has one), its
    付款节点, and its change orders with the current contract sum."""
    import openpyxl

    from docgen.money import uppercase

    st = _styles()
    wb = openpyxl.Workbook()
    values: dict[str, Any] = {}
    if quote is not None:
        values = _quote_ws(wb.active, quote, project, f"{company}  施工合同 {number} 附件：报价单 {quote.get('number', '')}")
        pay = wb.create_sheet("付款")
    else:
        pay = wb.active
        pay.title = "付款"
    rows = [("付款节点", "比例", "金额")] + [(p["stage"], Decimal(p["percent"]) / 100, _number(p["amount"]))
                                       for p in summary.get("payments") or []]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            _cell(pay, r, c, value, st, (None, PERCENT, YUAN)[c - 1] if r > 1 else None,
                  "center" if r == 1 else ("right" if c > 1 else "wrap"), bold=r == 1)
    n = len(rows)
    _cell(pay, n + 1, 1, "合同价款", st, bold=True)
    _cell(pay, n + 1, 3, Formula(f"=SUM(C2:C{n})"), st, YUAN, "right", bold=True)
    pay.cell(n + 2, 1, "大写").font = st["bold"]
    pay.cell(n + 2, 3, uppercase(Decimal(summary["total"]))).font = st["font"]
    for col, width in zip("ABC", (30, 10, 16)):
        pay.column_dimensions[col].width = width
    ch = wb.create_sheet("变更")
    head = ("变更单", "状态", "计入合同", "净增减", "工期顺延（天）")
    for c, name in enumerate(head, start=1):
        _cell(ch, 1, c, name, st, align="center", bold=True)
    for r, x in enumerate(changes, start=2):
        for c, value in enumerate((x["number"], x["status"], "是" if x["counted"] else "否",
                                   _number(x["amount"]), x["days"]), start=1):
            _cell(ch, r, c, value, st, YUAN if c == 4 else None, "right" if c >= 4 else "wrap")
    r = len(changes) + 2
    _cell(ch, r, 1, "原合同价款", st, bold=True)
    _cell(ch, r, 4, _number(summary["total"]), st, YUAN, "right", bold=True)
    _cell(ch, r + 1, 1, "现合同价款", st, bold=True)
    _cell(ch, r + 1, 4, _number(total) if total else None, st, YUAN, "right", bold=True)
    for col, width in zip("ABCDE", (16, 10, 10, 16, 14)):
        ch.column_dimensions[col].width = width
    return _finish(wb, values)


def change_sheet(summary: dict[str, Any], number: str, company: str) -> bytes:
    """A change order's 增项 and 减项 as a sheet, with its net change in figures and 大写."""
    import openpyxl

    from docgen.money import uppercase_signed

    st = _styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "变更单"
    ws.cell(1, 1, f"{company}  工程变更单  {number}").font = st["title"]
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(QUOTE_COLUMNS))
    _labels(ws, 2, (("合同编号", summary["contract"]), ("项目编号", summary.get("project", "")),
                    ("变更日期", dt.date.fromisoformat(summary["date"]))), st)
    _labels(ws, 3, (("变更原因", summary["reason"]), ("工期顺延", f"{summary['days']}天"),
                    ("付款方式", summary["payment"])), st)
    _labels(ws, 4, (("变更说明", summary["reason_text"]),), st)
    _header(ws, 5, st)
    values: dict[str, Any] = {}
    lines = summary.get("items")
    if lines is None:
        from docgen.errors import StateError
        from docgen.i18n import _

        raise StateError(_("{number} was made before docgen kept a change order's lines with it; revise it "
                           "once to export it").format(number=number))
    added, taken = Decimal(summary["additions"]), Decimal(summary["deductions"])
    sections = [("增项", lines["additions"]), ("减项", lines["deductions"])]
    sections = [(name, rows) for name, rows in sections if rows]
    subtotal_of = {"增项": added, "减项": taken}
    r, subtotals = _table(ws, 6, sections, st, values, {"subtotals": [subtotal_of[n] for n, _rows in sections]})
    signs = {"增项": "+", "减项": "-"}
    net_rows = (("增减项合计", "=" + "".join(f"{signs[n]}{c}" for (n, _rows), c in zip(sections, subtotals)),
                 Decimal(summary["works"])),
                (f"管理费（{_percent(Decimal(summary['fee_rate']))}）", f"=ROUND(J{r}*{summary['fee_rate']},2)",
                 Decimal(summary["fee"])),
                (f"税金（{_percent(Decimal(summary['tax_rate']))}）", f"=ROUND((J{r}+J{r + 1})*{summary['tax_rate']},2)",
                 Decimal(summary["tax"])),
                ("变更净额", f"=J{r}+J{r + 1}+J{r + 2}", Decimal(summary["net"])))
    for label, formula, value in net_rows:
        ws.cell(r, 1, label).font = st["bold"]
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=9)
        _cell(ws, r, 10, Formula(formula), st, YUAN, "right", bold=True)
        values[f"J{r}"] = value
        r += 1
    ws.cell(r, 1, "变更净额（大写）").font = st["bold"]
    ws.cell(r, 10, uppercase_signed(Decimal(summary["net"]))).font = st["bold"]
    ws.cell(r + 1, 1, "变更后合同价款").font = st["bold"]
    _cell(ws, r + 1, 10, _number(summary["after"]), st, YUAN, "right", bold=True)
    return _finish(wb, values)


def table(title: str, fields: Sequence[str], names: dict[str, str], rows: Iterable[dict[str, Any]],
          amounts: Iterable[str] = (), dates: Iterable[str] = ()) -> bytes:
    """Rows as a sheet with a header of ``names``: amounts as numbers in ¥, dates as dates, the
    header frozen and filtered; the number of rows written."""
    import openpyxl
    from wcwidth import wcswidth

    st = _styles()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title[:31]
    amounts, dates = set(amounts), set(dates)
    widths = [max(wcswidth(names.get(f, f)), 6) for f in fields]
    for col, f in enumerate(fields, start=1):
        c = _put(ws, 1, col, names.get(f, f))
        c.font, c.fill, c.alignment, c.border = st["bold"], st["head"], st["center"], st["border"]
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, f in enumerate(fields, start=1):
            value = row.get(f)
            if isinstance(value, (list, tuple)):
                value = "、".join(str(v) for v in value)
            if f in amounts and value not in (None, ""):
                value = _number(value)
                c = _put(ws, n + 1, col, value)
                c.number_format = YUAN
            elif f in dates and value:
                text = str(value)
                try:
                    value = dt.datetime.fromisoformat(text) if len(text) > 10 else dt.date.fromisoformat(text)
                except ValueError:
                    pass
                if isinstance(value, dt.datetime):
                    value = value.replace(tzinfo=None)  # shown in the company's time, as docgen prints it
                c = _put(ws, n + 1, col, value)
                c.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
            else:
                c = _put(ws, n + 1, col, value)
            c.font = st["font"]
            widths[col - 1] = min(max(widths[col - 1], wcswidth(str(value or "")) if value is not None else 0), 60)
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = w + 2
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    return _finish(wb)
