"""Completion acceptance report (竣工验收报告).

工程概况 comes from the project and the contract; the conclusion is derived from the
checklist: 合格 only if every item passed. A failed report is what a rectification
notice is made from; acceptance is repeated, each report referring to the earlier one.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from docgen.config import Limits, Settings
from docgen.i18n import _
from docgen.kinds.common import (
    MAX_INSPECTORS,
    Day,
    Name,
    Note,
    Number,
    OptionalParagraph,
    Paragraph,
    Strict,
    Text,
    check_count,
    chinese_date,
    lines_of,
    raw_len,
    validate,
)

KIND = "acceptance"
TITLE = "竣工验收报告"
TEMPLATE = "acceptance.docx"
RESULTS = ("合格", "不合格")


class Item(Strict):
    category: Text
    item: Text
    standard: Paragraph
    result: str
    note: Note = ""

    @field_validator("result")
    @classmethod
    def _result(cls, v: str) -> str:
        if v not in RESULTS:
            raise ValueError(_("must be 合格 or 不合格 (got {value})").format(value=repr(v)))
        return v


class AcceptanceInput(Strict):
    project: Text
    contract: Number
    stage: Literal["初验", "正式验收"]
    date: Day
    inspectors: Annotated[list[Name], Field(min_length=1, max_length=MAX_INSPECTORS)]
    items: Annotated[list[Item], Field(min_length=1)]
    previous: Number | None = None
    basis: lines_of(Paragraph) = []  # type: ignore[valid-type]
    scope: OptionalParagraph = ""
    opinion: OptionalParagraph = ""


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> AcceptanceInput:
    limits = settings.limits if settings else Limits()
    check_count(source, "items", raw_len(data, "items"), limits.max_items, _("checklist items"), "max_items")
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
