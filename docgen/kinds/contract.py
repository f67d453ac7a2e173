"""Contract (家庭居室装饰装修工程施工合同), after the model contract's structure.

Price in figures and uppercase, installments whose percentages add to 100 and
whose amounts add to the price to the fen (the rounding remainder goes to the last
installment), a completion date computed from the start and the duration.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field

from docgen.config import Settings
from docgen.errors import InputError
from docgen.i18n import N_, NP_, _
from docgen.archive.catalog import EffectivePolicy
from docgen.kinds.base import Amendment, Kind, Lookup, Related, register
from docgen.kinds.common import (
    MAX_DECIMALS,
    MAX_MATERIALS,
    MAX_PAYMENTS,
    MAX_RATE_DECIMALS,
    MODE_TERMS,
    Amount,
    Day,
    Line,
    Money,
    OptionalParagraph,
    Paragraph,
    RateAmount,
    Strict,
    Text,
    _positive,
    bounded,
    chinese_date,
    lines_of,
    validate,
)
from docgen.kinds.quote import percent_text, quantity_text
from docgen.money import fen, fmt, fmt_yuan, uppercase

KIND = "contract"
TITLE = "家庭居室装饰装修工程施工合同"
TEMPLATE = "contract.docx"

Positive = Annotated[Money, AfterValidator(_positive)]
Percent = Annotated[Amount, AfterValidator(_positive), AfterValidator(bounded(Decimal(100), MAX_DECIMALS))]


class Payment(Strict):
    stage: Text
    percent: Percent


class Material(Strict):
    name: Text
    spec: Line = ""
    supplied_by: Literal["甲方", "乙方"]


class ContractInput(Strict):
    project: Text
    quote: Annotated[str, Field(pattern=r"^[A-Z]{2,4}-\d{4}-\d{3,}$")] | None = None
    price: Positive | None = None
    sign_date: Day
    start_date: Day
    duration_days: Annotated[int, Field(gt=0, le=1000)]
    payments: Annotated[list[Payment], Field(min_length=1, max_length=MAX_PAYMENTS)]
    penalty_rate_per_day: Annotated[
        RateAmount, Field(ge=0, le=Decimal("0.05")), AfterValidator(bounded(Decimal("0.05"), MAX_RATE_DECIMALS))
    ] | None = None
    dispute: Literal["仲裁", "诉讼"] = "仲裁"
    scope: OptionalParagraph = ""
    materials: Annotated[list[Material], Field(max_length=MAX_MATERIALS)] = []
    special_terms: lines_of(Paragraph) = []  # type: ignore[valid-type]


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> ContractInput:
    c = validate(ContractInput, data, source)
    if c.quote is None and c.price is None:
        raise InputError(_("{source}: price: is missing (give price, or quote: with a quote number)").format(source=source))
    if c.quote is not None and c.price is not None:
        raise InputError(
            _("{source}: price: leave it out when quote: is given (the price comes from {quote})").format(
                source=source, quote=c.quote)
        )
    total = sum((p.percent for p in c.payments), Decimal(0))
    if total != 100:
        raise InputError(
            _("{source}: payments: percentages add up to {total}%, not 100%; fix payments[].percent").format(
                source=source, total=f"{total.normalize():f}")
        )
    if c.start_date < c.sign_date:
        raise InputError(
            _("{source}: start_date: {start} is before sign_date {sign}; work starts on or after signing").format(
                source=source, start=c.start_date, sign=c.sign_date)
        )
    return c


def installments(price: Decimal, payments: list[Payment]) -> list[Decimal]:
    """Amounts per installment: each rounded to the fen, the remainder on the last."""
    amounts = [fen(price * p.percent / 100) for p in payments[:-1]]
    amounts.append(price - sum(amounts, Decimal(0)))
    return amounts


def derive(
    c: ContractInput,
    project: dict[str, Any],
    settings: Settings,
    quote: dict[str, Any] | None,
) -> dict[str, Any]:
    price = Decimal(quote["total"]) if quote is not None else c.price
    assert price is not None
    amounts = installments(price, list(c.payments))
    completion = c.start_date + dt.timedelta(days=c.duration_days - 1)
    penalty = c.penalty_rate_per_day if c.penalty_rate_per_day is not None else settings.penalty_rate_per_day
    return {
        "sign_date": c.sign_date,
        "start_date": c.start_date,
        "completion_date": completion,
        "duration_days": c.duration_days,
        "price": price,
        "payments": [
            {"no": i + 1, "stage": p.stage, "percent": p.percent, "amount": a}
            for i, (p, a) in enumerate(zip(c.payments, amounts, strict=True))
        ],
        "penalty_rate": penalty,
        "dispute": c.dispute,
        "scope": c.scope,
        "materials": [m.model_dump() for m in c.materials],
        "special_terms": list(c.special_terms),
        "quote": c.quote,
        "quote_sections": quote["sections"] if quote is not None else [],
        "quote_date": quote["date"] if quote is not None else None,
        "quote_figures": {k: quote[k] for k in ("works", "fee", "tax")} if quote is not None else {},
        "mode": project["mode"],
    }


CN_COUNT = "零一二三四五六七八九十"


def context(d: dict[str, Any], settings: Settings) -> dict[str, Any]:
    originals = settings.originals
    return {
        "sign_date": chinese_date(d["sign_date"]),
        "start_date": chinese_date(d["start_date"]),
        "completion_date": chinese_date(d["completion_date"]),
        "duration_days": d["duration_days"],
        "price": fmt_yuan(d["price"]),
        "price_upper": uppercase(d["price"]),
        "mode_term": MODE_TERMS[d["mode"]],
        "payments": [
            {
                "no": p["no"],
                "stage": p["stage"],
                "percent": f"{p['percent'].normalize():f}%",
                "amount": fmt_yuan(p["amount"]),
                "amount_upper": uppercase(p["amount"]),
            }
            for p in d["payments"]
        ],
        "penalty_rate": percent_text(d["penalty_rate"]),
        "dispute": d["dispute"],
        "dispute_body": settings.dispute_body,
        "court": settings.court,
        "scope": d["scope"] or "按双方确认的报价单及设计图纸施工",
        "materials": d["materials"],
        "special_terms": d["special_terms"],
        "quote": d["quote"] or "",
        "quote_date": chinese_date(dt.date.fromisoformat(d["quote_date"])) if d["quote_date"] else "",
        "annex": [
            {
                "name": s["name"],
                "subtotal": fmt(Decimal(s["subtotal"])),
                "rows": [
                    {
                        "name": it["name"],
                        "unit": it["unit"],
                        "quantity": quantity_text(Decimal(it["quantity"])),
                        "unit_price": fmt(Decimal(it["unit_price"])),
                        "amount": fmt(Decimal(it["amount"])),
                    }
                    for it in s["items"]
                ],
            }
            for s in d["quote_sections"]
        ],
        "warranty": settings.warranty,
        **{
            f"annex_{k}": fmt(Decimal(d["quote_figures"][k])) if d["quote_figures"] else ""
            for k in ("works", "fee", "tax")
        },
        "originals": CN_COUNT[originals] if originals <= 10 else str(originals),
        "keepers": "、".join(
            f"{k}执{'一' if i < len(settings.keepers) else ''}份" for i, k in enumerate(settings.keepers)
        ),
    }


def summary(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "total": str(d["price"]),
        "sign_date": d["sign_date"].isoformat(),
        "start_date": d["start_date"].isoformat(),
        "completion_date": d["completion_date"].isoformat(),
        "quote": d["quote"],
        "payments": [
            {"stage": p["stage"], "percent": str(p["percent"]), "amount": str(p["amount"])}
            for p in d["payments"]
        ],
    }


def status(d: dict[str, Any]) -> str:
    return "draft"


def number_date(d: dict[str, Any]) -> dt.date:
    return d["sign_date"]


def amendments(doc: Related, referring: list[Related]) -> list[tuple[Related, Amendment | None]]:
    """The documents that amend ``doc`` (change orders), each with what it changes where it
    counts (None where it does not: unsigned or void)."""
    from docgen.kinds import registry

    return [(r, registry.get(r.kind).amendment(r)) for r in referring
            if registry.find(r.kind) is not None and registry.get(r.kind).amends == doc.kind]


class Contract(Kind):
    key = "contract"
    title = TITLE
    template = TEMPLATE
    prefix = "HT"
    names = ("施工合同", "合同")
    word = NP_("kind", "contract")
    a_word = N_("a contract")
    model = ContractInput
    statuses = ("draft", "in_review", "approved", "rejected", "signed", "void")
    rule_statuses = ("approved", "signed")
    review = True
    effective = EffectivePolicy(needs_approval=True)
    refers = ("quote",)
    pulled_by = ("customer", "finance", "engineering", "legal", "archive")
    distribution = {"signed": {"customer": "第一联 客户留存", "finance": "第二联 财务",
                               "engineering": "第三联 工程", "legal": "第四联 法务"}}

    def parse(self, data: dict[str, Any], source: Path, settings: Any) -> ContractInput:
        return parse(data, source, settings)

    def prepare(self, model: ContractInput, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        q = lookup.referenced(model.quote, "quote", "quote").summary if model.quote else None
        return derive(model, lookup.project, lookup.settings, q), []

    def number_date(self, derived: dict[str, Any]) -> dt.date:
        return number_date(derived)

    def context(self, derived: dict[str, Any], settings: Any) -> dict[str, Any]:
        return context(derived, settings)

    def summary(self, derived: dict[str, Any]) -> dict[str, Any]:
        return summary(derived)

    def total(self, doc: Related, referring: list[Related]) -> Decimal | None:
        """The current contract sum: the price and every counted amendment's amount."""
        return Decimal(doc.summary["total"]) + sum(
            (a.amount for _r, a in amendments(doc, referring) if a is not None), Decimal(0))

    def completion(self, doc: Related, referring: list[Related]) -> dt.date:
        """The current completion date: moved by every counted amendment's days."""
        days = sum(a.days for _r, a in amendments(doc, referring) if a is not None)
        return dt.date.fromisoformat(doc.summary["completion_date"]) + dt.timedelta(days=days)

    def show(self, doc: Related, referring: list[Related], today: dt.date) -> list[str]:
        from docgen import table
        from docgen.i18n import status_word
        from docgen.money import fmt_yuan, uppercase

        s = doc.summary
        lines = [
            _("schedule: signed {sign_date}, {start_date} -> {completion_date}").format(
                sign_date=s.get("sign_date"), start_date=s.get("start_date"), completion_date=s.get("completion_date"))
            + (_("  (quote {quote})").format(quote=s["quote"]) if s.get("quote") else "")
        ]
        for p in s.get("payments", []):
            lines.append(f"          {p['percent']:>5}%  {fmt_yuan(Decimal(p['amount'])):>14}  {p['stage']}")
        changes = amendments(doc, referring)
        if changes:
            price = Decimal(s["total"])
            lines.append(_("original price: {price}").format(price=fmt_yuan(price)))
            for r, a in changes:
                net = Decimal(r.summary.get("net", "0"))
                shown = f"{'+' if net >= 0 else ''}{fmt_yuan(net)}"
                counted = "" if a is not None else _("  (not counted)")
                lines.append(f"          {r.number}  {table.pad(status_word(r.status), 8)} {shown:>14}{counted}")
            current = self.total(doc, referring) or Decimal(0)
            lines.append(_("current sum: {total}  {uppercase}").format(total=fmt_yuan(current), uppercase=uppercase(current)))
            end = self.completion(doc, referring)
            if end.isoformat() != s["completion_date"]:
                lines.append(_("completion: {date} (moved by change orders)").format(date=end.isoformat()))
        return lines

    def refuse_void(self, doc: Related, lookup: Lookup) -> str | None:
        still_open = [d.number for d in lookup.live("rectification")
                      if d.status == "issued" and d.summary.get("contract") == doc.number]
        if still_open:
            return _("rectification notice {notices} of {number} is still open; close or void it first").format(
                notices=", ".join(still_open), number=doc.number)
        return None


KIND = register(Contract())
