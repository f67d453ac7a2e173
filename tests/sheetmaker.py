"""Quote sheets as renovation companies make them, written with openpyxl for the tests.

Each layout is one a designer really keeps: a title and labelled cells above the table, the
sections as merged rows (一、拆除工程), items under them, 小计 rows, then 合计, 管理费, 税金 and
总计 and a 备注 block; with the price split into 主材 / 辅材 / 人工 under a merged 单价, a 损耗
column, hidden rows and formulas. openpyxl saves no value with a formula: a sheet with formulas
goes through LibreOffice Calc (:func:`calc_saved`), as a sheet saved by Excel or WPS does.
"""

from __future__ import annotations

import subprocess
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font

# (section, [(name, unit, quantity, unit price or (主材, 辅材, 人工), loss or None, note)])
ITEMS: list[tuple[str, list[tuple[str, str, str, Any, str | None, str]]]] = [
    ("拆除工程", [
        ("拆除非承重墙", "㎡", "12.5", "45.00", None, "含垃圾装袋、清运至物业指定地点"),
        ("铲除原墙面腻子", "㎡", "186", "14.00", None, "铲至水泥基层"),
    ]),
    ("水电改造", [
        ("PPR给水管暗改", "m", "46", ("38.00", "7.00", "20.00"), None, "伟星PPR 20/25管，含管件"),
        ("电路暗改", "m", "185", ("22.00", "4.00", "12.00"), None, "正泰2.5/4㎡铜芯线穿管"),
    ]),
    ("泥瓦工程", [
        ("墙砖铺贴", "㎡", "42.6", ("0", "25.00", "60.00"), "0.05", "人工及辅料，瓷砖甲方自购"),
        ("地砖铺贴", "㎡", "54.8", ("0", "23.00", "55.00"), "0.03", "800×800，含找平"),
    ]),
]


def fen(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def price_of(price: Any) -> Decimal:
    return sum((Decimal(p) for p in price), Decimal(0)) if isinstance(price, tuple) else Decimal(price)


def figures(items: list[Any] = ITEMS, fee_rate: str = "0.08", tax_rate: str = "0.03") -> dict[str, Any]:
    """What docgen computes for ``items``: line amounts, subtotals, works, fee, tax and total."""
    lines, subtotals = [], []
    for _section, rows in items:
        sub = Decimal(0)
        for _name, _unit, q, price, loss, _note in rows:
            amount = fen(Decimal(q) * price_of(price) * (1 + Decimal(loss or 0)))
            lines.append(amount)
            sub += amount
        subtotals.append(sub)
    works = sum(subtotals, Decimal(0))
    fee = fen(works * Decimal(fee_rate))
    tax = fen((works + fee) * Decimal(tax_rate))
    return {"lines": lines, "subtotals": subtotals, "works": works, "fee": fee, "tax": tax,
            "total": works + fee + tax}


def split_sheet(path: Path, *, items: list[Any] = ITEMS, project: str | None = "P-2026-0001",
                customer: str | None = "张三", formulas: bool = False, hidden_row: bool = False,
                amounts: dict[str, str] | None = None, fee_rate: str = "0.08", tax_rate: str = "0.03",
                extra_top: list[list[Any]] | None = None, numerals: bool = True) -> dict[str, Any]:
    """The split-price layout: 序号 项目名称 单位 数量 | 单价 merged over 主材 辅材 人工 合计 | 损耗 金额
    工艺及材料说明, a two-row header; returns {what: cell} of the figures written (line1, subtotal1,
    works, fee, tax, total …). ``amounts`` overrides a figure (by that name) with a wrong one."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "报价"
    ws.append(["上海安居装饰工程有限公司  装修工程报价单"])
    ws.merge_cells("A1:K1")
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    top = [f"客户：{customer}" if customer else "", "", "", f"项目编号：{project}" if project else "", "", "",
           "报价日期", "2026-11-02", "", "设计师：李明", ""]
    ws.append(top)
    for row in extra_top or []:
        ws.append(row)
    ws.append(["序号", "项目名称", "单位", "数量", "单价（元）", None, None, None, "损耗", "金额（元）", "工艺及材料说明"])
    h = ws.max_row
    ws.merge_cells(start_row=h, start_column=5, end_row=h, end_column=8)
    ws.append([None, None, None, None, "主材", "辅材", "人工", "合计", None, None, None])
    for c in (1, 2, 3, 4, 9, 10, 11):
        ws.merge_cells(start_row=h, start_column=c, end_row=h + 1, end_column=c)
    cells: dict[str, str] = {}
    want = figures(items, fee_rate, tax_rate)
    amounts = amounts or {}
    n = 0
    sub_cells = []
    for i, (section, rows) in enumerate(items):
        ws.append([f"{'一二三四五六七八九十'[i]}、{section}" if numerals else f"{i + 1}、{section}"])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=11)
        first = ws.max_row + 1
        for name, unit, q, price, loss, note in rows:
            parts = price if isinstance(price, tuple) else ("", "", price)
            r = ws.max_row + 1
            n += 1
            key = f"line{n}"
            amount = amounts.get(key, str(want["lines"][n - 1]))
            if formulas:
                total_price = f"=SUM(E{r}:G{r})"
                amount_cell: Any = f"=ROUND(D{r}*H{r}*(1+I{r}),2)" if key not in amounts else float(amount)
            else:
                total_price = float(price_of(price))
                amount_cell = float(amount)
            ws.append([n, name, unit, float(q), *(float(p) if p else None for p in parts), total_price,
                       float(loss) if loss else None, amount_cell, note])
            if loss:
                ws.cell(r, 9).number_format = "0%"
            cells[key] = f"J{r}"
        last = ws.max_row
        if hidden_row and i == 0:
            ws.append([None, "（已取消）旧墙面拆除", "㎡", 10.0, None, None, 30.0, 30.0, None, 300.0, "客户取消"])
            ws.row_dimensions[ws.max_row].hidden = True
        key = f"subtotal{i + 1}"
        sub = amounts.get(key, str(want["subtotals"][i]))
        ws.append([None, f"{section}小计", None, None, None, None, None, None, None,
                   f"=SUM(J{first}:J{last})" if formulas and key not in amounts else float(sub)])
        sub_cells.append(f"J{ws.max_row}")
        cells[key] = f"J{ws.max_row}"
        ws.append([])
    for key, label, value in (("works", "工程直接费合计", want["works"]),
                              ("fee", f"管理费（{float(Decimal(fee_rate) * 100):g}%）", want["fee"]),
                              ("tax", f"税金（{float(Decimal(tax_rate) * 100):g}%）", want["tax"]),
                              ("total", "工程总造价", want["total"])):
        figure: Any = float(amounts.get(key, str(value)))
        if formulas and key not in amounts:
            figure = {"works": "=" + "+".join(sub_cells), "fee": f"=ROUND(J{ws.max_row}*{fee_rate},2)",
                      "tax": f"=ROUND((J{ws.max_row - 1}+J{ws.max_row})*{tax_rate},2)",
                      "total": f"=J{ws.max_row - 2}+J{ws.max_row - 1}+J{ws.max_row}"}[key]
        ws.append([label, None, None, None, None, None, None, None, None, figure])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=9)
        cells[key] = f"J{ws.max_row}"
    ws.append([])
    ws.append(["备注：1、垃圾清运至小区物业指定地点。"])
    ws.append(["2、瓷砖、洁具由甲方自购。"])
    ws.append(["客户签字：", None, None, None, "设计师签字：", None, None, None, "日期："])
    for col, width in zip("ABCDEFGHIJK", (6, 22, 6, 8, 8, 8, 8, 9, 7, 12, 36)):
        ws.column_dimensions[col].width = width
    wb.save(path)
    return {"cells": cells, "figures": want}


def plain_sheet(path: Path, rows: list[list[Any]], header: list[str] | None = None, title: str = "Sheet1",
                above: list[list[Any]] | None = None) -> None:
    """A one-row header (by default 序号 名称 单位 工程量 综合单价 合价 备注) and ``rows`` as given."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in above or []:
        ws.append(row)
    ws.append(header or ["序号", "名称", "单位", "工程量", "综合单价", "合价", "备注"])
    for row in rows:
        ws.append(row)
    wb.save(path)


def calc_saved(path: Path) -> Path:
    """The sheet as LibreOffice Calc saves it (formulas with their values): what another writer does."""
    out = Path(tempfile.mkdtemp(prefix="calc-"))
    profile = Path(tempfile.mkdtemp(prefix="calc-profile-"))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=120)
    saved = out / path.name
    target = path.with_name(path.stem + "-calc.xlsx")
    saved.replace(target)
    return target
