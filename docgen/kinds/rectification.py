"""Rectification notice (整改通知书): problems found by an inspection, a deadline, re-inspection.

Life: issued -> re-inspected: passed closes it; failed makes a new version with a new
deadline. A notice past its deadline and not closed is overdue.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from docgen.errors import InputError
from docgen.i18n import _
from docgen.config import Limits
from docgen.kinds.common import (
    Day,
    Name,
    Number,
    OptionalParagraph,
    Paragraph,
    Strict,
    Text,
    check_count,
    chinese_date,
    raw_len,
    validate,
)
from docgen.picture import Picture

KIND = "rectification"
TITLE = "整改通知书"
TEMPLATE = "rectification.docx"


class Issue(Strict):
    location: Text
    problem: Paragraph
    basis: OptionalParagraph = ""
    requirement: Paragraph
    photo: Text | None = None


class Recheck(Strict):
    date: Day
    passed: bool
    note: Paragraph
    inspector: Name
    deadline: Day | None = None


class RectificationInput(Strict):
    project: Text
    contract: Number
    acceptance: Number | None = None
    inspection_date: Day
    inspector: Name
    deadline: Day
    issuer: Name | None = None
    receiver: Name | None = None
    issues: Annotated[list[Issue], Field(min_length=1)]
    rechecks: Annotated[list[Recheck], Field(max_length=100)] = []


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> RectificationInput:
    limits = settings.limits if settings else Limits()
    check_count(source, "issues", raw_len(data, "issues"), limits.max_items, _("issues"), "max_items")
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
