"""Quote (报价单): sections of line items, management fee, tax, total in uppercase.

Every line is quantity x unit price rounded half-up to the fen; the fee is a rate
of the works subtotal and the tax a rate of works plus fee, each rounded to the fen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.config import Limits, Settings
from docgen.errors import InputError
from docgen.i18n import N_, NP_, _
from docgen.kinds.base import Kind, Lookup, Related, model, register
from docgen.kinds.common import (
    check_count,
    chinese_date,
    raw_len,
    validate,
)
from docgen.money import MAX_AMOUNT, fen, fmt, fmt_yuan, uppercase

if TYPE_CHECKING:
    from docgen.kinds.inputs.quote import Item, QuoteInput

KIND = "quote"
TITLE = "装修工程报价单"
TEMPLATE = "quote.docx"
CN_NUMERALS = "一二三四五六七八九十"


PARTS = ("materials", "auxiliary", "labour")  # 主材, 辅材, 人工: a unit price split as the trade writes it
PART_NAMES = {"materials": "主材", "auxiliary": "辅材", "labour": "人工"}


def unit_price(it: Item) -> Decimal:
    """The item's unit price: as given, else the sum of its parts (parse checks they agree)."""
    if it.unit_price is not None:
        return it.unit_price
    return sum((getattr(it, k) or Decimal(0) for k in PARTS), Decimal(0))


def line_amount(quantity: Decimal, price: Decimal, loss: Decimal | None) -> Decimal:
    """数量 x 单价 (x (1 + 损耗)), rounded half-up to the fen."""
    return fen(quantity * price * (1 + loss)) if loss else fen(quantity * price)


def parse(data: dict[str, Any], source: Path, settings: Settings | None = None) -> QuoteInput:
    limits = settings.limits if settings else Limits()
    sections = data.get("sections")
    items = sum(raw_len(s, "items") for s in sections) if isinstance(sections, list) else 0
    check_count(source, "sections", items, limits.max_items, _("line items"), "max_items")
    from docgen.kinds.inputs.quote import QuoteInput

    q = validate(QuoteInput, data, source)
    # every sum must have an uppercase form (money.MAX_AMOUNT): the lines, then the total
    works = Decimal(0)
    for i, s in enumerate(q.sections):
        for j, it in enumerate(s.items):
            parts = [k for k in PARTS if getattr(it, k) is not None]
            if it.unit_price is None and not parts:
                raise InputError(_("{source}: sections[{i}].items[{j}].unit_price: is missing; give the unit price, "
                                   "or its parts (materials, auxiliary, labour)").format(source=source, i=i, j=j))
            if it.unit_price is not None and parts and it.unit_price != unit_price(it.model_copy(update={"unit_price": None})):
                raise InputError(_("{source}: sections[{i}].items[{j}].unit_price: {price} is not the sum of its parts "
                                   "({parts}); correct the price or leave it out").format(
                    source=source, i=i, j=j, price=fmt(it.unit_price),
                    parts=" + ".join(f"{PART_NAMES[k]} {fmt(getattr(it, k))}" for k in parts)))
            amount = line_amount(it.quantity, unit_price(it), it.loss)
            if amount > MAX_AMOUNT:
                raise InputError(
                    _("{source}: sections[{i}].items[{j}]: the line total {amount} is above the "
                      "largest amount docgen writes ({maximum}); check quantity and unit_price").format(
                        source=source, i=i, j=j, amount=fmt_yuan(amount), maximum=fmt_yuan(MAX_AMOUNT))
                )
            works += amount
    # the rates as derive() takes them; without settings the largest docgen.toml allows
    top = Decimal("0.5")
    fee_rate = q.management_fee_rate if q.management_fee_rate is not None else (settings.management_fee_rate if settings else top)
    tax_rate = q.tax_rate if q.tax_rate is not None else (settings.tax_rate if settings else top)
    fee = fen(works * fee_rate)
    total = works + fee + fen((works + fee) * tax_rate)
    if total > MAX_AMOUNT:
        raise InputError(
            _("{source}: sections: the total comes to {total}, above the largest amount "
              "docgen writes ({maximum}); split the quote").format(
                source=source, total=fmt_yuan(total), maximum=fmt_yuan(MAX_AMOUNT))
        )
    return q


def section_label(i: int) -> str:
    return CN_NUMERALS[i] if i < len(CN_NUMERALS) else str(i + 1)


def quantity_text(q: Decimal) -> str:
    text = f"{q.normalize():f}"
    return text


def percent_text(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def derive(q: QuoteInput, project: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The quote's figures and table rows, all amounts as Decimal."""
    fee_rate = q.management_fee_rate if q.management_fee_rate is not None else settings.management_fee_rate
    tax_rate = q.tax_rate if q.tax_rate is not None else settings.tax_rate
    valid_days = q.valid_days or settings.valid_days
    sections = []
    works = Decimal(0)
    n = 0
    for i, s in enumerate(q.sections):
        items = []
        subtotal = Decimal(0)
        for it in s.items:
            n += 1
            price = unit_price(it)
            amount = line_amount(it.quantity, price, it.loss)
            subtotal += amount
            items.append(
                {
                    "no": n,
                    "name": it.name,
                    "unit": it.unit,
                    "quantity": it.quantity,
                    "unit_price": price,
                    "amount": amount,
                    "note": it.note,
                    **{k: getattr(it, k) for k in (*PARTS, "loss") if getattr(it, k) is not None},
                }
            )
        works += subtotal
        sections.append({"no": section_label(i), "name": s.name, "items": items, "subtotal": subtotal})
    fee = fen(works * fee_rate)
    tax = fen((works + fee) * tax_rate)
    total = works + fee + tax
    valid_until = q.date + dt.timedelta(days=valid_days)
    return {
        "date": q.date,
        "valid_days": valid_days,
        "valid_until": valid_until,
        "designer": q.designer or project["designer"],
        "sections": sections,
        "works": works,
        "fee_rate": fee_rate,
        "tax_rate": tax_rate,
        "fee": fee,
        "tax": tax,
        "total": total,
        "remarks": list(q.remarks),
    }


def item_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Line items as a table prints them: 序号, name, unit, quantity, unit price and amount to
    the fen, note (a quote's items, a change order's 增项 and 减项)."""
    return [
        {
            "no": it["no"],
            "name": it["name"],
            "unit": it["unit"],
            "quantity": quantity_text(it["quantity"]),
            "unit_price": fmt(it["unit_price"]),
            "amount": fmt(it["amount"]),
            "note": note_text(it),
        }
        for it in items
    ]


def note_text(it: dict[str, Any]) -> str:
    """An item's note as printed: its split price and 损耗 first (主材 50.00 + 人工 30.00；损耗 5%)."""
    parts = " + ".join(f"{PART_NAMES[k]} {fmt(it[k])}" for k in PARTS if it.get(k))  # 主材 0.00: none
    loss = f"损耗 {percent_text(it['loss'])}" if it.get("loss") else ""
    return "；".join(x for x in (parts, loss, it["note"]) if x)


def context(d: dict[str, Any]) -> dict[str, Any]:
    """Template fields: amounts formatted for the page."""
    return {
        "date": chinese_date(d["date"]),
        "valid_days": d["valid_days"],
        "valid_until": chinese_date(d["valid_until"]),
        "designer": d["designer"],
        "sections": [
            {
                "no": s["no"],
                "name": s["name"],
                "subtotal": fmt(s["subtotal"]),
                "rows": item_rows(s["items"]),
            }
            for s in d["sections"]
        ],
        "works": fmt(d["works"]),
        "fee_rate": percent_text(d["fee_rate"]),
        "tax_rate": percent_text(d["tax_rate"]),
        "fee": fmt(d["fee"]),
        "tax": fmt(d["tax"]),
        "total": fmt_yuan(d["total"]),
        "total_upper": uppercase(d["total"]),
        "remarks": d["remarks"],
    }


def summary(d: dict[str, Any]) -> dict[str, Any]:
    """What the catalog keeps for show/list and for contracts made from this quote."""
    return {
        "date": d["date"].isoformat(),
        "valid_until": d["valid_until"].isoformat(),
        "designer": d["designer"],
        "works": str(d["works"]),
        "fee_rate": str(d["fee_rate"]),  # the rates a contract's change orders are priced at
        "tax_rate": str(d["tax_rate"]),
        "fee": str(d["fee"]),
        "tax": str(d["tax"]),
        "total": str(d["total"]),
        "sections": [
            {
                "name": s["name"],
                "subtotal": str(s["subtotal"]),
                "items": [
                    {
                        "name": it["name"],
                        "unit": it["unit"],
                        "quantity": str(it["quantity"]),
                        "unit_price": str(it["unit_price"]),
                        "amount": str(it["amount"]),
                        "note": it["note"],
                        **{k: str(it[k]) for k in (*PARTS, "loss") if it.get(k) is not None},
                    }
                    for it in s["items"]
                ],
            }
            for s in d["sections"]
        ],
    }


def quote_from_sheet(table: Any) -> dict[str, Any]:
    """A quote's input data from its sheet (``docgen.sheets.read``): sections and items with their
    split prices and 损耗, the header cells (项目编号, 报价日期, 设计师, 有效期), the rates printed on
    the 管理费 and 税金 rows, and the 备注 lines; every item's 金额 checked to the fen."""
    from docgen import sheets
    from docgen.clock import today

    for section in table.sections:
        for line in section.lines:
            if line.values.get("unit_price") is None:
                raise table.error(line.cells.get("unit_price") or line.cells["quantity"], _(
                    "单价 is empty for {name}; give the unit price").format(name=line.values["name"]))
    sheets.check_line_amounts(table)
    data: dict[str, Any] = {}
    project = sheets.label_text(table, "project")
    if project:
        data["project"] = project
    data["date"] = (sheets.label_date(table) or today()).isoformat()
    days = sheets.label_int(table, "valid_days")
    if days is not None:
        data["valid_days"] = days
    designer = sheets.label_text(table, "designer")
    if designer:
        data["designer"] = designer
    for key, (rate, _cell) in table.rates.items():
        data[key] = str(rate)
    data["sections"] = [
        {"name": section.name, "items": [_sheet_item(line.values) for line in section.lines]}
        for section in table.sections
    ]
    if table.remarks:
        data["remarks"] = table.remarks
    return data


def _sheet_item(values: dict[str, Any]) -> dict[str, Any]:
    item = {"name": values["name"], "unit": values["unit"], "quantity": str(values["quantity"])}
    parts = {k: str(values[k]) for k in PARTS if values.get(k) is not None}
    if parts:
        item.update(parts)
    else:
        item["unit_price"] = str(values["unit_price"])
    if values.get("loss"):
        item["loss"] = str(values["loss"])
    item["note"] = values.get("note", "")
    return item


def number_date(d: dict[str, Any]) -> dt.date:
    return d["date"]


class Quote(Kind):
    key = "quote"
    title = TITLE
    template = TEMPLATE
    prefix = "BJ"
    names = ("报价单", "报价")
    word = NP_("kind", "quote")
    a_word = N_("a quote")
    model = model("docgen.kinds.inputs.quote:QuoteInput")
    statuses = ("draft", "signed", "void")
    rule_statuses = ("draft", "signed")
    pulled_by = ("customer", "finance", "legal", "archive")
    distribution = {"signed": {"customer": "第一联 客户留存", "finance": "第二联 财务"}}

    parse = staticmethod(parse)

    def prepare(self, model: QuoteInput, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        return derive(model, lookup.project, lookup.settings), []

    number_date = staticmethod(number_date)

    def context(self, derived: dict[str, Any], settings: Any) -> dict[str, Any]:
        return context(derived)

    summary = staticmethod(summary)

    sheets = True

    def from_sheet(self, table: Any, settings: Any) -> dict[str, Any]:
        return quote_from_sheet(table)

    def check_sheet(self, table: Any, derived: dict[str, Any]) -> None:
        from docgen import sheets

        for section, figures in zip(table.sections, derived["sections"]):
            sheets.check_figure(table, section.subtotal, figures["subtotal"], f"{section.name}小计")
        for key, what in (("works", "工程直接费合计"), ("fee", "管理费"), ("tax", "税金"), ("total", "总计")):
            sheets.check_figure(table, table.totals.get(key), derived[key], what)

    def show(self, doc: Related, referring: list[Related], today: dt.date) -> list[str]:
        s = doc.summary
        expired = s.get("valid_until") and today.isoformat() > s["valid_until"]
        return [
            _("date:     {date}  valid until {valid_until}").format(date=s.get("date"), valid_until=s.get("valid_until"))
            + (_("  (EXPIRED: quote again before signing)") if expired else "")
            + _("  designer {designer}").format(designer=s.get("designer"))
        ]


KIND = register(Quote())
