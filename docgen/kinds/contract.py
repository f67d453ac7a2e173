"""Contract (家庭居室装饰装修工程施工合同), after the model contract's structure.

Price in figures and uppercase, installments whose percentages add to 100 and
whose amounts add to the price to the fen (the rounding remainder goes to the last
installment), a completion date computed from the start and the duration.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.archive.catalog import EffectivePolicy
from docgen.config import Settings
from docgen.errors import InputError
from docgen.i18n import N_, NP_, _
from docgen.kinds.base import Amendment, Kind, Lookup, Related, model, register
from docgen.kinds.common import (
    MODE_TERMS,
    chinese_date,
    validate,
)
from docgen.kinds.quote import PARTS, note_text, percent_text, quantity_text
from docgen.money import fen, fmt, fmt_yuan, uppercase

if TYPE_CHECKING:
    from docgen.kinds.inputs.contract import ContractInput, Payment

KIND = "contract"
TITLE = "家庭居室装饰装修工程施工合同"
TEMPLATE = "contract.docx"


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> ContractInput:
    from docgen.kinds.inputs.contract import ContractInput

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
    source: Path = Path("contract.yaml"),
) -> dict[str, Any]:
    price = Decimal(quote["total"]) if quote is not None else c.price
    assert price is not None
    amounts = installments(price, list(c.payments))
    completion = c.start_date + dt.timedelta(days=c.duration_days - 1)
    penalty = c.penalty_rate_per_day if c.penalty_rate_per_day is not None else settings.penalty_rate_per_day
    if penalty > settings.penalty_cap:
        raise InputError(
            _("{source}: penalty_rate_per_day: {rate} a day is more than the cap on all delay penalties "
              "({cap} of the price, [contract] penalty_cap in docgen.toml); lower the rate").format(
                source=source, rate=percent_text(penalty), cap=percent_text(settings.penalty_cap)))
    if project["mode"] == "清包":
        for n, m in enumerate(c.materials):
            if m.supplied_by != "甲方":
                raise InputError(
                    _("{source}: materials[{n}].supplied_by: 乙方 supplies no materials in a 清包 contract "
                      "(包工、发包人包料); write 甲方, or make the project 半包 or 全包").format(source=source, n=n))
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
        "drawings": list(c.drawings),
        "penalty_cap": settings.penalty_cap,
        "special_terms": list(c.special_terms),
        "quote": c.quote,
        "quote_sections": quote["sections"] if quote is not None else [],
        "quote_date": quote["date"] if quote is not None else None,
        "quote_figures": {k: quote[k] for k in ("works", "fee", "tax")} if quote is not None else {},
        "mode": project["mode"],
    }


CN_COUNT = "零一二三四五六七八九十"
CN_ORDINAL = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")


def count_text(n: int, before_measure: bool = True) -> str:
    """一, 两 (before a measure word: 一式两份, 各执两份), 三 … 十, then digits."""
    if n == 2 and before_measure:
        return "两"
    return CN_COUNT[n] if n <= 10 else str(n)


def copies_text(customer: int, company: int) -> str:
    """甲乙双方各执一份 / 甲方执一份，乙方执三份."""
    if customer == company:
        return f"甲乙双方各执{count_text(customer)}份"
    return f"甲方执{count_text(customer)}份，乙方执{count_text(company)}份"


def warranty_text(sections: list[str] | None, settings: Settings) -> str:
    """The 保修 clause's periods, for the categories the job has (as on its warranty card)."""
    from docgen.kinds.warranty import CATEGORIES, SEASONS, job_categories

    have = job_categories(sections)
    parts = []
    for key, name, scope in CATEGORIES:
        if key not in have:
            continue
        n = settings.warranty[key]
        period = f"{n} 个采暖期、供冷期" if key in SEASONS else f"{n} 年"
        parts.append(f"{name} {period}" if key == "basic" else f"{name}（{scope}）{period}")
    return "，".join(parts)


def material_terms(mode: str, materials: list[dict[str, Any]]) -> list[str]:
    """第三条's clauses before its table: the mode's supply, 乙方's materials and their sealed
    samples (not in a 清包 contract: 乙方 supplies none), 甲方's materials and their acceptance
    on delivery."""
    jia = mode != "全包" or any(m["supplied_by"] == "甲方" for m in materials)
    terms = {
        "全包": "本工程承包方式为包工包料（全包），工程所需材料、设备除双方约定由甲方提供的以外，均由乙方采购供应。",
        "半包": "本工程承包方式为包工、部分包料（半包），材料、设备的供应方以本条材料供应表的约定为准；"
                "表中未列明的，主材由甲方提供，辅材由乙方提供。",
        "清包": "本工程承包方式为包工、发包人包料（清包），工程所需的全部材料、设备均由甲方提供，"
                "乙方负责施工并自备施工机具。",
    }
    out = [terms[mode]]
    if mode != "清包":
        out.append(
            "乙方提供的材料、设备应符合国家标准及双方约定的品牌、规格、型号，并具有产品合格证明；"
            "主要材料进场前应经甲方确认并封样，封样经双方签字后留存至竣工验收。进场材料与封样不符的，"
            "甲方有权拒收，乙方应予更换并承担由此产生的费用，工期不予顺延。"
        )
    if jia:
        out.append(
            "甲方提供的材料、设备（以下简称“甲供材料”）应按约定的时间送达施工现场，并对其质量负责。"
            "甲供材料进场时，双方共同清点验收并签署验收记录；验收后由乙方妥善保管，因乙方保管、使用不当"
            "造成的损失由乙方承担。乙方发现甲供材料不符合质量要求或与约定不符的，应及时书面告知甲方，"
            "未经验收或验收不合格的甲供材料不得使用；甲供材料未按时供应或不合格造成的返工费用和工期延误"
            "由甲方承担，工期相应顺延。"
        )
    if mode == "清包" and not materials:
        out.append("甲供材料的名称、品牌、规格、数量及进场时间，由双方在开工前以书面清单确认，作为本合同附件。")
    return out


def context(d: dict[str, Any], settings: Settings) -> dict[str, Any]:
    mode = d["mode"]
    qingbao = mode == "清包"
    materials = d["materials"]
    terms = material_terms(mode, materials)
    sections = [s["name"] for s in d["quote_sections"]] if d["quote"] else None
    annexes = []
    if d["quote"]:
        annexes.append(f"《装修工程报价单》（编号 {d['quote']}）")
    drawings = "、".join(d.get("drawings", []))
    annexes.append(f"设计图纸（{drawings}，经双方签字确认）" if drawings else "设计图纸（经双方签字确认，另行装订）")
    if qingbao and materials:
        annexes.append("甲供材料清单（本合同第三条）")
    annex_list = "；".join(f"附件{CN_ORDINAL[i]}{'' if a.startswith('《') else ' '}{a}" for i, a in enumerate(annexes))
    cap = d.get("penalty_cap", settings.penalty_cap)
    originals = settings.originals
    copies = copies_text(settings.originals_customer, settings.originals_company)
    return {
        "sign_date": chinese_date(d["sign_date"]),
        "start_date": chinese_date(d["start_date"]),
        "completion_date": chinese_date(d["completion_date"]),
        "duration_days": d["duration_days"],
        "price": fmt_yuan(d["price"]),
        "price_upper": uppercase(d["price"]),
        "mode_term": MODE_TERMS[mode],
        "qingbao": qingbao,
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
        "penalty_cap": percent_text(cap),
        "penalty_cap_amount": fmt_yuan(fen(d["price"] * cap)),
        "dispute": d["dispute"],
        "dispute_body": settings.dispute_body,
        "court": settings.court,
        "scope": d["scope"] or "按双方确认的报价单及设计图纸施工",
        "scope_annex": (f"详见附件一《装修工程报价单》（编号 {d['quote']}）及附件二设计图纸。" if d["quote"]
                        else "详见附件一设计图纸。"),
        # 第三条: its clauses, then the supply table (全包/半包) or the 甲供材料清单 (清包)
        "material_terms": terms,
        "materials": [] if qingbao else materials,
        "jia_materials": [{"no": i + 1, **m} for i, m in enumerate(materials)] if qingbao else [],
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
                        "note": note_text({**{k: Decimal(v) for k, v in it.items() if k in (*PARTS, "loss")},
                                           "note": it.get("note", "")}),
                    }
                    for it in s["items"]
                ],
            }
            for s in d["quote_sections"]
        ],
        "annex_list": annex_list,
        "warranty": settings.warranty,
        "warranty_terms": warranty_text(sections, settings),
        **{
            f"annex_{k}": fmt(Decimal(d["quote_figures"][k])) if d["quote_figures"] else ""
            for k in ("works", "fee", "tax")
        },
        "originals": count_text(originals),
        "keepers": copies,  # templates of the earlier form print 本合同一式{{ originals }}份，{{ keepers }}，…
        "copies": f"本合同一式{count_text(originals)}份，{copies}，具有同等法律效力。",
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
        # the quote's section names (None without a quote): the warranty card's categories follow them
        "sections": [s["name"] for s in d["quote_sections"]] if d["quote"] else None,
    }


def number_date(d: dict[str, Any]) -> dt.date:
    return d["sign_date"]


def amendments(doc: Related, referring: list[Related]) -> list[tuple[Related, Amendment | None]]:
    """``registry.amendments``, imported when first used (the registry imports this module)."""
    from docgen.kinds import registry

    return registry.amendments(doc, referring)


class Contract(Kind):
    key = "contract"
    title = TITLE
    template = TEMPLATE
    prefix = "HT"
    names = ("施工合同", "合同")
    word = NP_("kind", "contract")
    a_word = N_("a contract")
    model = model("docgen.kinds.inputs.contract:ContractInput")
    statuses = ("draft", "in_review", "approved", "rejected", "signed", "void")
    rule_statuses = ("approved", "signed")
    review = True
    effective = EffectivePolicy(needs_approval=True)
    refers = ("quote",)
    pulled_by = ("customer", "finance", "engineering", "legal", "archive")
    distribution = {"signed": {"customer": "第一联 客户留存", "finance": "第二联 财务",
                               "engineering": "第三联 工程", "legal": "第四联 法务"}}

    parse = staticmethod(parse)

    def prepare(self, model: ContractInput, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        q = lookup.referenced(model.quote, "quote", "quote").summary if model.quote else None
        return derive(model, lookup.project, lookup.settings, q, lookup.source), []

    number_date = staticmethod(number_date)

    context = staticmethod(context)

    summary = staticmethod(summary)

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
        counting = [r.number for r, a in amendments(doc, lookup.referring(doc.number)) if a is not None]
        if counting:
            return _("{changes} signed for {number} count in its sum; void them first (the latest first)").format(
                changes=", ".join(counting), number=doc.number)
        still_open = [d.number for d in lookup.live("rectification")
                      if d.status == "issued" and d.summary.get("contract") == doc.number]
        if still_open:
            return _("rectification notice {notices} of {number} is still open; close or void it first").format(
                notices=", ".join(still_open), number=doc.number)
        return None


KIND = register(Contract())
