"""Change order (工程变更单): 增项 and 减项 against a signed contract.

The contract says 工程施工中如有增减项目，按双方签字确认的变更单结算: a change order lists
the added and removed work, each line quantity × unit price to the fen; the net of the
works carries management fee and tax at the contract's rates (those of the quote the
contract came from, else docgen.toml's), each to the fen. Only a signed change order (its
signed scan filed) changes what is owed: the contract's current sum is its price plus the
signed change orders' nets, and its completion date moves by their days (工期顺延).

A 减项 may name an item of the contract's quote annex (``item:``, with ``section:`` where
the name is in two sections); it then takes that item's unit and unit price, and may not
remove more than the quote held, counting what earlier signed change orders removed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.errors import InputError, StateError
from docgen.i18n import N_, NP_, _
from docgen.kinds.base import Amendment, Kind, Lookup, Related, model, register
from docgen.kinds.common import (
    at,
    check_count,
    chinese_date,
    raw_len,
    validate,
)
from docgen.kinds.quote import item_rows, line_amount, percent_text, quantity_text
from docgen.money import MAX_AMOUNT, fen, fmt, fmt_yuan, uppercase, uppercase_signed

if TYPE_CHECKING:
    from docgen.kinds.inputs.change import ChangeInput, Deduction

TITLE = "工程变更单"
TEMPLATE = "change.docx"
REASONS = ("设计变更", "客户要求", "现场条件", "其他")
NEXT_INSTALLMENT, ON_SIGNING = "随下期工程款", "签字后支付"
MAX_DAYS = 365  # 工期顺延 of one change order


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> ChangeInput:
    from docgen.config import Limits

    limits = settings.limits if settings else Limits()
    lines = raw_len(data, "additions") + raw_len(data, "deductions")
    check_count(source, "additions", lines, limits.max_items, _("lines"), "max_items")
    from docgen.kinds.inputs.change import ChangeInput

    c = validate(ChangeInput, data, source)
    if not c.additions and not c.deductions:
        raise InputError(at(source, _("additions, deductions: a change order lists at least one 增项 or 减项 line")))
    for i, d in enumerate(c.deductions):
        if d.item:
            continue
        missing = [k for k in ("name", "unit") if not getattr(d, k)] + (["unit_price"] if d.unit_price is None else [])
        if missing:
            raise InputError(at(source, _(
                "deductions[{i}]: {keys} missing; give them, or item: naming an item of the contract's quote"
            ).format(i=i, keys=", ".join(missing))))
        if d.section:
            raise InputError(at(source, _("deductions[{i}].section: names the section of item:, which is not given")
                                .format(i=i)))
    if c.payment == ON_SIGNING and c.payment_days is None:
        raise InputError(at(source, _("payment_days: is missing; 签字后支付 needs the days within which it is paid")))
    if c.payment == NEXT_INSTALLMENT and c.payment_days is not None:
        raise InputError(at(source, _("payment_days: is only for payment: 签字后支付; leave it out")))
    return c


def change_from_sheet(table: Any) -> dict[str, Any]:
    """A change order's input data from its sheet: the rows under 增项 and under 减项 (a 减项 with
    no 单价 names an item of the contract's quote, priced as the quote priced it), and the cells
    合同编号, 日期, 变更原因, 变更说明, 工期顺延, 付款方式 and 付款期限; each 金额 checked to the fen."""
    from docgen import sheets
    from docgen.clock import today

    additions: list[dict[str, Any]] = []
    deductions: list[dict[str, Any]] = []
    for section in table.sections:
        which = sheets.kind_of_change(section.name)
        first = section.lines[0]
        if which is None:
            raise table.error(f"{table.sheet}!A{section.row}" if section.row else first.cells["name"], _(
                "{name}: a change order's rows go under a row 增项 or a row 减项; head them so").format(
                    name=section.name))
        for line in section.lines:
            v = line.values
            if v.get("loss"):
                raise table.error(line.cells["loss"], _("损耗 is not part of a change order's line; give the "
                                                        "quantity with its loss"))
            if which == "增项" and v.get("unit_price") is None:
                raise table.error(line.cells.get("unit_price") or line.cells["quantity"], _(
                    "单价 is empty for {name}; give the unit price").format(name=v["name"]))
            row: dict[str, Any] = {"quantity": str(v["quantity"])}
            if which == "减项" and v.get("unit_price") is None:
                row = {"item": v["name"], **row}
            else:
                row = {"name": v["name"], "unit": v["unit"], **row, "unit_price": str(v["unit_price"])}
            if v.get("note"):
                row["note"] = v["note"]
            (additions if which == "增项" else deductions).append(row)
    sheets.check_line_amounts(table)
    data: dict[str, Any] = {}
    for key in ("project", "contract"):
        value = sheets.label_text(table, key)
        if value:
            data[key] = value
    if "contract" not in data:
        raise InputError(_("{path}: the sheet names no contract (a cell 合同编号：HT-2026-0001)").format(
            path=table.path.name))
    data["date"] = (sheets.label_date(table) or today()).isoformat()
    reason = sheets.label_text(table, "reason")
    if reason is None:
        raise InputError(_("{path}: the sheet gives no 变更原因 (设计变更, 客户要求, 现场条件 or 其他)").format(
            path=table.path.name))
    data["reason"] = reason
    text = sheets.label_text(table, "reason_text")
    if text is None:
        raise InputError(_("{path}: the sheet gives no 变更说明 (what changes and why, in a cell 变更说明：…)").format(
            path=table.path.name))
    data["reason_text"] = text
    if table.remarks:
        data["remarks"] = table.remarks
    days = sheets.label_int(table, "schedule_days")
    if days is not None:
        data["schedule_days"] = days
    payment = sheets.label_text(table, "payment")
    if payment:
        data["payment"] = payment
    payment_days = sheets.label_int(table, "payment_days")
    if payment_days is not None:
        data["payment_days"] = payment_days
    if additions:
        data["additions"] = additions
    if deductions:
        data["deductions"] = deductions
    return data


def _item_key(section: str, item: str) -> str:
    return f"{section}\u001f{item}"


def counted(referring: list[Related], exclude: str | None) -> list[Related]:
    """The signed change orders among ``referring`` (not ``exclude``), oldest first."""
    return [r for r in referring if r.kind == "change" and r.status == "signed" and r.number != exclude]


def _find_item(quote: Related, d: Deduction, field: str, source: Path) -> dict[str, Any]:
    found = [
        (s["name"], it)
        for s in quote.summary["sections"]
        if not d.section or s["name"] == d.section
        for it in s["items"]
        if it["name"] == d.item
    ]
    if not found:
        where = _("section {section} of ").format(section=d.section) if d.section else ""
        raise InputError(at(source, at(field, _(
            "{item} is not an item of {where}quote {quote}, the contract's annex; "
            "write the name as the annex does (docgen show {quote} --json)"
        ).format(item=d.item, where=where, quote=quote.number))))
    if len(found) > 1:
        sections = _(", ").join(dict.fromkeys(s for s, _it in found))
        raise InputError(at(source, at(field, _(
            "{item} is in quote {quote} more than once ({sections}); add section: to say which"
        ).format(item=d.item, quote=quote.number, sections=sections))))
    section, item = found[0]
    return {"section": section, **item}


def derive(c: ChangeInput, lookup: Lookup) -> dict[str, Any]:
    source, settings = lookup.source, lookup.settings
    contract = lookup.referenced(c.contract, "contract", "contract")
    if contract.status != "signed":
        from docgen.i18n import status_word

        raise StateError(at(source, at("contract", _(
            "{number} is {status}, not signed; a change order amends a signed contract: "
            "file the contract's signed scan first"
        ).format(number=c.contract, status=status_word(contract.status)))))
    k = contract.summary
    if c.date.isoformat() < k["sign_date"]:
        raise InputError(at(source, at("date", _(
            "{date} is before the contract {number} was signed ({signed})"
        ).format(date=c.date.isoformat(), number=c.contract, signed=k["sign_date"]))))
    from docgen.kinds.acceptance import formally_passed

    passed = [a.number for a in lookup.live("acceptance", project=lookup.code) if formally_passed(a.summary)]
    if passed:
        raise StateError(at(source, _(
            "the project passed its formal acceptance ({reports}); work after acceptance is a new "
            "contract or a repair, not a change order"
        ).format(reports=", ".join(passed))))

    # the contract's rates: those of the quote it came from, else docgen.toml's
    quote: Related | None = None
    if k.get("quote"):
        try:
            quote = lookup.referenced(k["quote"], "quote", "contract")
        except StateError:
            quote = None  # a void quote: its annex is still the contract's, but not readable here
    qs = quote.summary if quote is not None else {}
    fee_rate = Decimal(qs["fee_rate"]) if qs.get("fee_rate") else settings.management_fee_rate
    tax_rate = Decimal(qs["tax_rate"]) if qs.get("tax_rate") else settings.tax_rate

    earlier = counted(lookup.referring(c.contract), lookup.number)
    removed: dict[str, Decimal] = {}
    for r in earlier:
        for d in r.summary.get("deducted", []):
            key = _item_key(d["section"], d["item"])
            removed[key] = removed.get(key, Decimal(0)) + Decimal(d["quantity"])

    additions = []
    for n, a in enumerate(c.additions, 1):
        additions.append({"no": n, "name": a.name, "unit": a.unit, "quantity": a.quantity,
                          "unit_price": a.unit_price, "amount": fen(a.quantity * a.unit_price), "note": a.note})
    deductions = []
    deducted = []
    this_removes: dict[str, Decimal] = {}
    for i, d in enumerate(c.deductions):
        field = f"deductions[{i}].item"
        name, unit, price, note = d.name, d.unit, d.unit_price, d.note
        loss: Decimal | None = None
        if d.item:
            if not k.get("quote"):
                raise InputError(at(source, at(field, _(
                    "contract {number} has no quote annex to deduct {item} from; give name, unit and "
                    "unit_price instead").format(number=c.contract, item=d.item))))
            if quote is None:
                raise StateError(at(source, at(field, _(
                    "quote {quote} of contract {number} is void; give name, unit and unit_price instead"
                ).format(quote=k["quote"], number=c.contract))))
            it = _find_item(quote, d, field, source)
            if unit and unit != it["unit"]:
                raise InputError(at(source, at(f"deductions[{i}].unit", _(
                    "{unit} is not the unit of {item} in quote {quote} ({quoted}); deduct in {quoted}"
                ).format(unit=unit, item=d.item, quote=quote.number, quoted=it["unit"]))))
            key = _item_key(it["section"], it["name"])
            held = Decimal(it["quantity"])
            before = removed.get(key, Decimal(0))
            now = this_removes.get(key, Decimal(0)) + d.quantity
            if before + now > held:
                left = held - before
                raise InputError(at(source, at(f"deductions[{i}].quantity", _(
                    "{quantity} {unit} of {item} is more than the contract holds: quote {quote} has "
                    "{held} {unit}, signed change orders removed {before}, so at most {left} {unit} is left"
                ).format(quantity=quantity_text(now), unit=it["unit"], item=it["name"], quote=quote.number,
                         held=quantity_text(held), before=quantity_text(before),
                         left=quantity_text(max(left, Decimal(0)))))))
            this_removes[key] = now
            deducted.append({"section": it["section"], "item": it["name"], "quantity": str(d.quantity)})
            name = name or it["name"]
            unit = it["unit"]
            price = Decimal(it["unit_price"]) if price is None else price
            loss = Decimal(it["loss"]) if it.get("loss") else None  # priced as the quote priced it
            note = note or _quote_note(quote.number, it["section"])
        elif quote is not None and any(it["name"] == name for s in quote.summary["sections"] for it in s["items"]):
            raise InputError(at(source, at(f"deductions[{i}].name", _(
                "{name} is an item of quote {quote}: name it with item: {name}, so that what is deducted is "
                "checked against what the quote held").format(name=name, quote=quote.number))))
        assert price is not None
        deductions.append({"no": i + 1, "name": name, "unit": unit, "quantity": d.quantity,
                           "unit_price": price, "amount": line_amount(d.quantity, price, loss), "note": note})

    added = sum((a["amount"] for a in additions), Decimal(0))
    taken = sum((d["amount"] for d in deductions), Decimal(0))
    works = added - taken
    fee = fen(works * fee_rate)
    tax = fen((works + fee) * tax_rate)
    net = works + fee + tax
    original = Decimal(k["total"])
    before = original + sum((Decimal(r.summary["net"]) for r in earlier), Decimal(0))
    after = before + net
    if after < 0:
        raise StateError(at(source, _(
            "this change order's net {net} would take contract {number}'s sum below zero "
            "(now {before}); deduct less"
        ).format(net=fmt_yuan(net), number=c.contract, before=fmt_yuan(before))))
    for label, value in ((_("additions"), added), (_("deductions"), taken), (_("the new contract sum"), after)):
        if abs(value) > MAX_AMOUNT:
            raise InputError(at(source, _("{what} come to {amount}, above the largest amount docgen writes ({maximum})")
                                .format(what=label, amount=fmt_yuan(abs(value)), maximum=fmt_yuan(MAX_AMOUNT))))
    completion = dt.date.fromisoformat(k["completion_date"])
    moved = sum((int(r.summary.get("days", 0)) for r in earlier), 0)
    completion_before = completion + dt.timedelta(days=moved)
    return {
        "contract": c.contract,
        "contract_sign_date": dt.date.fromisoformat(k["sign_date"]),
        "date": c.date,
        "reason": c.reason,
        "reason_text": c.reason_text,
        "additions": additions,
        "deductions": deductions,
        "deducted": deducted,
        "added": added,
        "taken": taken,
        "works": works,
        "fee_rate": fee_rate,
        "tax_rate": tax_rate,
        "fee": fee,
        "tax": tax,
        "net": net,
        "original": original,
        "earlier": [r.number for r in earlier],
        "before": before,
        "after": after,
        "days": c.schedule_days,
        "completion_before": completion_before,
        "completion_after": completion_before + dt.timedelta(days=c.schedule_days),
        "payment": c.payment,
        "payment_days": c.payment_days,
        "remarks": list(c.remarks),
    }


def _quote_note(quote: str, section: str) -> str:
    return f"原报价 {quote} {section}"


def payment_text(d: dict[str, Any]) -> str:
    """How the net is settled, as the page and show say it."""
    if d["payment"] == NEXT_INSTALLMENT:
        if d["net"] < 0:
            return "本变更减少的款项，从甲方应付的下一期工程款中扣减。"
        return "本变更增加的款项，随下一期工程款一并支付。"
    days = d["payment_days"]
    if d["net"] < 0:
        return f"本变更减少的款项，由乙方于本变更单经双方签字之日起{days}日内退还甲方。"
    return f"本变更增加的款项，由甲方于本变更单经双方签字之日起{days}日内一次性支付给乙方。"


def context(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "contract": d["contract"],
        "contract_sign_date": chinese_date(d["contract_sign_date"]),
        "date": chinese_date(d["date"]),
        "reason": d["reason"],
        # ■ and □ are in the CJK fonts (☑ is not): the chosen reason is the filled box
        "reason_marks": "　".join(("■" if r == d["reason"] else "□") + r for r in REASONS),
        "reason_text": d["reason_text"],
        "additions": item_rows(d["additions"]),
        "deductions": item_rows(d["deductions"]),
        "added": fmt(d["added"]),
        "taken": fmt(d["taken"]),
        "works": fmt_yuan(d["works"]),
        "fee_rate": percent_text(d["fee_rate"]),
        "tax_rate": percent_text(d["tax_rate"]),
        "fee": fmt_yuan(d["fee"]),
        "tax": fmt_yuan(d["tax"]),
        "net": fmt_yuan(d["net"]),
        "net_upper": uppercase_signed(d["net"]),
        "original": fmt_yuan(d["original"]),
        "before": fmt_yuan(d["before"]),
        "earlier": "、".join(d["earlier"]),
        "after": fmt_yuan(d["after"]),
        "after_upper": uppercase(d["after"]),
        "days": d["days"],
        "completion_before": chinese_date(d["completion_before"]),
        "completion_after": chinese_date(d["completion_after"]),
        "payment_text": payment_text(d),
        "remarks": d["remarks"],
    }


def summary(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "contract": d["contract"],
        "date": d["date"].isoformat(),
        "reason": d["reason"],
        "reason_text": d["reason_text"],
        "additions": str(d["added"]),
        "deductions": str(d["taken"]),
        "works": str(d["works"]),
        "fee_rate": str(d["fee_rate"]),
        "tax_rate": str(d["tax_rate"]),
        "fee": str(d["fee"]),
        "tax": str(d["tax"]),
        "net": str(d["net"]),
        "total": str(d["net"]),
        "original": str(d["original"]),
        "before": str(d["before"]),
        "after": str(d["after"]),
        "days": d["days"],
        "completion_before": d["completion_before"].isoformat(),
        "completion_after": d["completion_after"].isoformat(),
        "payment": d["payment"],
        "payment_days": d["payment_days"],
        "deducted": d["deducted"],
        "lines": {"additions": len(d["additions"]), "deductions": len(d["deductions"])},
        # the lines as priced, for `docgen export` (a change order's sheet)
        "items": {key: [{"name": x["name"], "unit": x["unit"], "quantity": str(x["quantity"]),
                         "unit_price": str(x["unit_price"]), "amount": str(x["amount"]), "note": x["note"]}
                        for x in d[key]]
                  for key in ("additions", "deductions")},
    }


class Change(Kind):
    recheck_on_signing = True
    key = "change"
    title = TITLE
    template = TEMPLATE
    prefix = "BG"
    names = ("工程变更单", "变更单", "变更", "增减项单")
    word = NP_("kind", "change order")
    a_word = N_("a change order")
    model = model("docgen.kinds.inputs.change:ChangeInput")
    statuses = ("draft", "signed", "void")
    rule_statuses = ("draft", "signed")
    signed_status = "signed"
    refers = ("contract",)
    listed = ("net", "days")
    amends = "contract"
    pulled_by = ("customer", "finance", "engineering", "legal", "archive")
    distribution = {"signed": {"customer": "第一联 客户留存", "finance": "第二联 财务",
                               "engineering": "第三联 工程", "legal": "第四联 法务"}}

    parse = staticmethod(parse)

    sheets = True

    def from_sheet(self, table: Any, settings: Any) -> dict[str, Any]:
        return change_from_sheet(table)

    def check_sheet(self, table: Any, derived: dict[str, Any]) -> None:
        from docgen import sheets

        for section in table.sections:
            which = sheets.kind_of_change(section.name)
            sheets.check_figure(table, section.subtotal, derived["added" if which == "增项" else "taken"],
                                f"{which}小计")
        for key, figure in table.figures:
            if key == "works":
                which = sheets.kind_of_change(figure.label)
                ours, what = {"增项": (derived["added"], "增项合计"), "减项": (derived["taken"], "减项合计")}.get(
                    which or "", (derived["works"], "增减项合计"))
                sheets.check_figure(table, figure, ours, what)
            elif key in ("fee", "tax"):
                sheets.check_figure(table, figure, derived[key], "管理费" if key == "fee" else "税金")
            elif key == "total":
                sheets.check_figure(table, figure, derived["net"], "变更净额")

    def prepare(self, model: ChangeInput, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        return derive(model, lookup), []

    def number_date(self, derived: dict[str, Any]) -> dt.date:
        return derived["date"]

    def context(self, derived: dict[str, Any], settings: Any) -> dict[str, Any]:
        return context(derived)

    summary = staticmethod(summary)

    def total(self, doc: Related, referring: list[Related]) -> Decimal | None:
        return Decimal(doc.summary["net"])

    def amendment(self, doc: Related) -> Amendment | None:
        if doc.status != "signed":
            return None
        return Amendment(amount=Decimal(doc.summary["net"]), days=int(doc.summary.get("days", 0)))

    def show(self, doc: Related, referring: list[Related], today: dt.date) -> list[str]:
        s = doc.summary
        text = " ".join(s["reason_text"].split())
        lines = [
            _("change:   {reason}: {text}").format(reason=s["reason"], text=text if len(text) <= 60 else text[:59] + "…"),
            _("contract: {contract} (sum before this change {before})").format(
                contract=s["contract"], before=fmt_yuan(Decimal(s["before"]))),
            _("          additions {added}, deductions {taken}, fee {fee}, tax {tax}").format(
                added=fmt_yuan(Decimal(s["additions"])), taken=fmt_yuan(Decimal(s["deductions"])),
                fee=fmt_yuan(Decimal(s["fee"])), tax=fmt_yuan(Decimal(s["tax"]))),
            _("new sum:  {after}  {uppercase}{counted}").format(
                after=fmt_yuan(Decimal(s["after"])), uppercase=uppercase(Decimal(s["after"])),
                counted="" if doc.status == "signed" else _("  (once signed)")),
        ]
        if s["days"]:
            lines.append(_("schedule: +{days} days, completion {before} -> {after}").format(
                days=s["days"], before=s["completion_before"], after=s["completion_after"]))
        else:
            lines.append(_("schedule: unchanged (completion {date})").format(date=s["completion_before"]))
        if s["payment"] == NEXT_INSTALLMENT:
            lines.append(_("payment:  with the next installment"))
        else:
            lines.append(_("payment:  within {days} days of signing").format(days=s["payment_days"]))
        return lines

    def refuse_void(self, doc: Related, lookup: Lookup) -> str | None:
        if doc.status != "signed":
            return None
        others = counted(lookup.referring(doc.summary["contract"]), doc.number)
        try:
            contract = lookup.referenced(doc.summary["contract"], "contract", "contract", same_project=False)
        except StateError:
            return None  # the contract is void: no sum depends on this change order any more
        left = Decimal(contract.summary["total"]) + sum((Decimal(r.summary["net"]) for r in others), Decimal(0))
        if left < 0:
            return _("voiding {number} would take contract {contract}'s sum below zero ({left}); "
                     "void the later deductions first").format(
                number=doc.number, contract=doc.summary["contract"], left=fmt_yuan(left))
        return None


KIND = register(Change())
