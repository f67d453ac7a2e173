"""Completion acceptance report (竣工验收报告).

工程概况 comes from the project and the contract; the conclusion is derived from the
checklist: 合格 only if every item passed. A failed report is what a rectification
notice is made from; acceptance is repeated, each report referring to the earlier one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.config import Limits, Settings
from docgen.i18n import N_, NP_, _
from docgen.kinds.base import Kind, Lookup, Related, model, register
from docgen.kinds.common import (
    check_count,
    chinese_date,
    raw_len,
    validate,
)

if TYPE_CHECKING:
    from docgen.kinds.inputs.acceptance import AcceptanceInput

KIND = "acceptance"
TITLE = "竣工验收报告"
TEMPLATE = "acceptance.docx"
RESULTS = ("合格", "不合格")


FORMALLY_PASSED_KEYS = ("stage", "conclusion")  # what formally_passed reads of a summary


def formally_passed(summary: dict[str, Any]) -> bool:
    """Whether a report's summary is a passed 正式验收: the project's work is accepted."""
    return summary.get("stage") == "正式验收" and summary.get("conclusion") == "合格"


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> AcceptanceInput:
    limits = settings.limits if settings else Limits()
    check_count(source, "items", raw_len(data, "items"), limits.max_items, _("checklist items"), "max_items")
    from docgen.kinds.inputs.acceptance import AcceptanceInput

    return validate(AcceptanceInput, data, source)


def status(d: dict[str, Any]) -> str:
    return "passed" if d["passed"] else "failed"


def number_date(d: dict[str, Any]) -> dt.date:
    return d["date"]


def derive(
    a: AcceptanceInput, project: dict[str, Any], settings: Settings, contract: dict[str, Any], previous: str | None
) -> dict[str, Any]:
    items = [i.model_dump() for i in a.items]
    failed = [i for i in items if i["result"] == "不合格"]
    return {
        "contract": a.contract,
        "contract_summary": contract,
        "stage": a.stage,
        "date": a.date,
        "inspectors": list(a.inspectors),
        "items": items,
        "failed": failed,
        "passed": not failed,
        "previous": previous,
        "basis": list(a.basis) or list(settings.acceptance_basis),
        "scope": a.scope or "本工程施工合同及其附件约定的全部施工内容",
        "opinion": a.opinion,
    }


def context(d: dict[str, Any]) -> dict[str, Any]:
    c = d["contract_summary"]
    from decimal import Decimal

    from docgen.money import fmt_yuan

    n_failed = len(d["failed"])
    return {
        "contract": d["contract"],
        "contract_price": fmt_yuan(Decimal(c["total"])),
        "contract_start": chinese_date(dt.date.fromisoformat(c["start_date"])),
        "contract_completion": chinese_date(dt.date.fromisoformat(c["completion_date"])),
        "stage": d["stage"],
        "date": chinese_date(d["date"]),
        "inspectors": "、".join(d["inspectors"]),
        "items": [{**i, "no": n + 1} for n, i in enumerate(d["items"])],
        "conclusion": "合格" if d["passed"] else "不合格",
        "conclusion_text": (
            f"经{d['stage']}，{len(d['items'])}项验收项目全部合格，本工程{d['stage']}合格。"
            if d["passed"]
            else f"经{d['stage']}，{len(d['items'])}项验收项目中{n_failed}项不合格（见下表），"
            "本次验收不合格。乙方应按整改通知书限期整改，整改完成后重新组织验收。"
        ),
        "failed": [{**i, "no": n + 1} for n, i in enumerate(d["failed"])],
        "previous": d["previous"] or "",
        "basis": d["basis"],
        "scope": d["scope"],
        "opinion": d["opinion"],
    }


def summary(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "contract": d["contract"],
        "stage": d["stage"],
        "date": d["date"].isoformat(),
        "conclusion": "合格" if d["passed"] else "不合格",
        "inspectors": d["inspectors"],
        "previous": d["previous"],
        "items": [
            {k: i[k] for k in ("category", "item", "standard", "result", "note")} for i in d["items"]
        ],
    }


def _card(lookup: Lookup, number: str) -> str | None:
    """A live warranty card issued from the report ``number``, if any."""
    return next((d.number for d in lookup.live("warranty") if d.summary.get("acceptance") == number), None)


class Acceptance(Kind):
    key = "acceptance"
    title = TITLE
    template = TEMPLATE
    prefix = "YS"
    names = ("竣工验收报告", "验收报告", "验收")
    word = NP_("kind", "acceptance report")
    a_word = N_("an acceptance report")
    model = model("docgen.kinds.inputs.acceptance:AcceptanceInput")
    statuses = ("passed", "failed", "void")
    status_words = {"passed": NP_("status", "passed"), "failed": NP_("status", "failed")}
    rule_statuses = ("passed", "failed", "signed")
    signed_status = None  # a report keeps its conclusion
    refers = ("contract", "previous")
    pulled_by = ("customer", "finance", "engineering", "legal", "archive")
    drafted_by = ("engineering",)
    distribution = {"signed": {"customer": "第一联 客户留存", "engineering": "第二联 工程",
                               "finance": "第三联 财务", "archive": "第四联 档案"}}

    parse = staticmethod(parse)

    def prepare(self, model: AcceptanceInput, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        c = lookup.referenced(model.contract, "contract", "contract").summary
        lookup.contract_counts(model.contract)
        previous = model.previous
        if previous:
            lookup.referenced(previous, "acceptance", "previous")
        elif lookup.code is not None:
            # the project's latest live report dated on or before this one
            earlier = sorted((d.summary["date"], d.number) for d in lookup.live("acceptance", project=lookup.code)
                             if d.number != lookup.number and d.summary["date"] <= model.date.isoformat())
            previous = earlier[-1][1] if earlier else None
        return derive(model, lookup.project, lookup.settings, c, previous), []

    status = staticmethod(status)

    number_date = staticmethod(number_date)

    def context(self, derived: dict[str, Any], settings: Any) -> dict[str, Any]:
        return context(derived)

    summary = staticmethod(summary)

    def show(self, doc: Related, referring: list[Related], today: dt.date) -> list[str]:
        from docgen.i18n import status_word

        s = doc.summary
        lines = [
            _("report:   {stage} on {date}, contract {contract}: {conclusion}").format(
                stage=s["stage"], date=s["date"], contract=s["contract"], conclusion=s["conclusion"])
            + (_("  (after {previous})").format(previous=s["previous"]) if s.get("previous") else "")
        ]
        for item in s["items"]:
            if item["result"] != "合格":
                lines.append(f"          {status_word('failed')}: {item['category']} {item['item']} {item['note']}")
        return lines

    def refuse_revise(self, doc: Related, lookup: Lookup) -> str | None:
        card = _card(lookup, doc.number)
        if card:
            return _("warranty card {card} was issued from {number}; void the card before revising the report").format(
                card=card, number=doc.number)
        return None

    def refuse_void(self, doc: Related, lookup: Lookup) -> str | None:
        card = _card(lookup, doc.number)
        if card:
            return _("warranty card {card} was issued from {number}; void the card first").format(
                card=card, number=doc.number)
        return None


KIND = register(Acceptance())
