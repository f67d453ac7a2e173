"""Rectification notice (整改通知书): problems found by an inspection, a deadline, re-inspection.

Life: issued -> re-inspected: passed closes it; failed makes a new version with a new
deadline. A notice past its deadline and not closed is overdue.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.archive.catalog import EffectivePolicy
from docgen.config import Limits
from docgen.errors import InputError, StateError
from docgen.i18n import N_, NP_, _
from docgen.kinds.base import Kind, Late, Lookup, Related, model, register
from docgen.kinds.common import (
    check_count,
    chinese_date,
    raw_len,
    validate,
)
from docgen.picture import Picture

if TYPE_CHECKING:
    from docgen.kinds.inputs.rectification import RectificationInput

KIND = "rectification"
TITLE = "整改通知书"
TEMPLATE = "rectification.docx"


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> RectificationInput:
    limits = settings.limits if settings else Limits()
    check_count(source, "issues", raw_len(data, "issues"), limits.max_items, _("issues"), "max_items")
    from docgen.kinds.inputs.rectification import RectificationInput

    r = validate(RectificationInput, data, source)
    if r.deadline < r.inspection_date:
        raise InputError(
            _("{source}: deadline: {deadline} is before inspection_date {inspection}; "
              "the deadline must be on or after the inspection").format(
                source=source, deadline=r.deadline, inspection=r.inspection_date)
        )
    return r


def status(d: dict[str, Any]) -> str:
    rechecks = d["rechecks"]
    return "closed" if rechecks and rechecks[-1]["passed"] else "issued"


def number_date(d: dict[str, Any]) -> dt.date:
    return d["inspection_date"]


def derive(r: RectificationInput, project: dict[str, Any], photos: list[Any]) -> dict[str, Any]:
    return {
        "contract": r.contract,
        "acceptance": r.acceptance,
        "inspection_date": r.inspection_date,
        "inspector": r.inspector,
        "deadline": r.deadline,
        "issuer": r.issuer or r.inspector,
        "receiver": r.receiver or project["project_manager"],
        "issues": [
            {**i.model_dump(exclude={"photo"}), "photo": photos[n]} for n, i in enumerate(r.issues)
        ],
        "rechecks": [c.model_dump() for c in r.rechecks],
    }


def context(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "contract": d["contract"],
        "acceptance": d["acceptance"] or "",
        "inspection_date": chinese_date(d["inspection_date"]),
        "inspector": d["inspector"],
        "deadline": chinese_date(d["deadline"]),
        "issuer": d["issuer"],
        "receiver": d["receiver"],
        "issues": [
            {**{k: i[k] for k in ("location", "problem", "basis", "requirement")},
             "no": n + 1, "photo": Picture(i["photo"], 80, 55) if i["photo"] else ""}
            for n, i in enumerate(d["issues"])
        ],
        "rechecks": [
            {
                "date": chinese_date(c["date"]),
                "result": "通过" if c["passed"] else "不通过",
                "note": c["note"]
                + (f"（新整改期限：{chinese_date(c['deadline'])}）" if c.get("deadline") else ""),
                "inspector": c["inspector"],
            }
            for c in d["rechecks"]
        ],
        "state": "已整改复查通过，本通知关闭" if status(d) == "closed" else "待整改",
    }


def summary(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "contract": d["contract"],
        "acceptance": d["acceptance"],
        "inspection_date": d["inspection_date"].isoformat(),
        "deadline": d["deadline"].isoformat(),
        "inspector": d["inspector"],
        "issues": len(d["issues"]),
        "rechecks": len(d["rechecks"]),
    }


class Rectification(Kind):
    key = "rectification"
    title = TITLE
    template = TEMPLATE
    prefix = "ZG"
    names = ("整改通知书", "整改通知", "整改单", "整改")
    word = NP_("kind", "rectification notice")
    a_word = N_("a rectification notice")
    model = model("docgen.kinds.inputs.rectification:RectificationInput")
    statuses = ("issued", "closed", "void")
    status_words = {"issued": NP_("status", "issued"), "closed": NP_("status", "closed")}
    rule_statuses = ("issued", "closed", "signed")
    signed_status = None  # a notice signed for stays issued until re-inspected
    effective = EffectivePolicy(follows_newest=True)
    refers = ("contract", "acceptance")
    pulled_by = ("customer", "engineering", "legal", "archive")
    drafted_by = ("engineering",)
    distribution = {
        "issued": {"engineering": "第一联 工程"},
        "signed": {"engineering": "第一联 工程", "archive": "第二联 档案"},
        "closed": {"engineering": "第一联 工程", "archive": "第二联 档案"},
    }
    final = ("void", "closed")
    made_from = "acceptance"

    parse = staticmethod(parse)

    def prepare(self, model: RectificationInput, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        source = lookup.source
        if model.rechecks and lookup.number is None:
            raise InputError(_("{source}: rechecks: are recorded by `docgen recheck`, not written in a new notice")
                             .format(source=source))
        # a re-inspection keeps the references checked when the notice was made
        if not lookup.stepping:
            lookup.referenced(model.contract, "contract", "contract")
            lookup.contract_counts(model.contract)
        if model.acceptance and not lookup.stepping:
            a = lookup.referenced(model.acceptance, "acceptance", "acceptance").summary
            if a["conclusion"] == "合格":
                raise StateError(
                    _("{source}: acceptance: {number} passed (合格); a notice comes from a failed report").format(
                        source=source, number=model.acceptance)
                )
            earlier = next((d.number for d in lookup.live("rectification") if d.number != lookup.number
                            and d.summary.get("acceptance") == model.acceptance), None)
            if earlier:
                raise StateError(
                    _("{source}: acceptance: notice {notice} was already made from {number}; "
                      "recheck {notice}, or void it first").format(
                        source=source, notice=earlier, number=model.acceptance)
                )
        photos: list[bytes | None] = []
        stored = lookup.stored_photos or {}
        for n, issue in enumerate(model.issues):
            if n in stored:
                photos.append(stored[n])
            elif issue.photo:
                photos.append(lookup.photo(issue.photo, f"issues[{n}].photo"))
            else:
                photos.append(None)
        return derive(model, lookup.project, photos), photos

    status = staticmethod(status)

    number_date = staticmethod(number_date)

    def context(self, derived: dict[str, Any], settings: Any) -> dict[str, Any]:
        return context(derived)

    summary = staticmethod(summary)

    def show(self, doc: Related, referring: list[Related], today: dt.date) -> list[str]:
        s = doc.summary
        deadline = dt.date.fromisoformat(s["deadline"])
        late = (today - deadline).days if doc.status not in self.final else 0
        return [
            _("notice:   contract {contract}, inspected {date} by {inspector}, {issues} problem(s), "
              "{rechecks} re-inspection(s)").format(contract=s["contract"], date=s["inspection_date"],
                                                    inspector=s["inspector"], issues=s["issues"],
                                                    rechecks=s["rechecks"])
            + (_(", from {acceptance}").format(acceptance=s["acceptance"]) if s.get("acceptance") else ""),
            _("deadline: {deadline}").format(deadline=deadline)
            + (_("  OVERDUE by {n} day(s)").format(n=late) if late > 0 else ""),
        ]

    def overdue(self, doc: Related, today: dt.date, settings: Any) -> Late | None:
        if doc.status in self.final:
            return None
        deadline = dt.date.fromisoformat(doc.summary["deadline"])
        if deadline >= today:
            return None
        return Late(doc.number, doc.project, deadline, (today - deadline).days, _("rectification deadline"))

    def data_from(self, source: Related, settings: Any, today: dt.date, deadline: dt.date | None) -> dict[str, Any]:
        """A notice from the failed items of an acceptance report."""
        a = source.summary
        if a["conclusion"] == "合格":
            raise StateError(_("{number} passed (合格); there is nothing to rectify").format(number=source.number))
        day = dt.date.fromisoformat(a["date"])
        due = deadline or max(day, today) + dt.timedelta(days=settings.rectification_days)
        if due < max(day, today):
            raise InputError(_("--deadline {due} is already past; give a date from {first} on").format(
                due=due, first=max(day, today)))
        return {
            "project": source.project,
            "contract": a["contract"],
            "acceptance": source.number,
            "inspection_date": day,
            "inspector": a["inspectors"][-1],
            "deadline": due,
            "issues": [
                {
                    "location": i["category"],
                    "problem": f"{i['item']}不合格" + (f"：{i['note']}" if i["note"] else ""),
                    "basis": f"{source.number} 验收标准：{i['standard']}",
                    "requirement": f"返工整改至符合验收标准（{i['standard']}），完成后申请复查",
                }
                for i in a["items"]
                if i["result"] == "不合格"
            ],
        }

    def refuse_revise(self, doc: Related, lookup: Lookup) -> str | None:
        if doc.summary.get("rechecks"):
            return _("{number} has re-inspections; record changes with `docgen recheck`, "
                     "or void it and issue a new notice").format(number=doc.number)
        return None


KIND = register(Rectification())
