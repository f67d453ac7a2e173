"""Warranty card (保修卡), made only from a passed 正式验收.

Periods per category come from docgen.toml, whose legal floors config.py enforces;
each runs from the day acceptance passed (自竣工验收合格之日起) and ends that many
years later (a 29 February start ends on 28 February).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from docgen.config import Settings
from docgen.errors import InputError
from docgen.i18n import _
from docgen.kinds.common import Day, Number, Paragraph, Strict, Text, chinese_date, lines_of, validate

KIND = "warranty"
TITLE = "装饰装修工程保修卡"
TEMPLATE = "warranty.docx"
CATEGORIES = (
    ("basic", "基础装修工程", "墙面、顶面、地面、门窗套等装饰装修工程"),
    ("plumbing_electrical", "水电工程", "电气管线、给排水管道及设备安装"),
    ("waterproof", "防水工程", "有防水要求的厨房、卫生间和外墙面的防渗漏"),
)


class WarrantyInput(Strict):
    project: Text
    acceptance: Number
    issue_date: Day
    notes: lines_of(Paragraph) = []  # type: ignore[valid-type]


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> WarrantyInput:
    return validate(WarrantyInput, data, source)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def status(d: dict[str, Any]) -> str:
    return "issued"


def number_date(d: dict[str, Any]) -> dt.date:
    return d["issue_date"]


def derive(
    w: WarrantyInput, source: Path, settings: Settings, acceptance: dict[str, Any], contract: dict[str, Any]
) -> dict[str, Any]:
    start = dt.date.fromisoformat(acceptance["date"])
    if w.issue_date < start:
        raise InputError(
            _("{source}: issue_date: {issued} is before the acceptance date {start}; "
              "a warranty card is issued on or after acceptance").format(source=source, issued=w.issue_date, start=start)
        )
    return {
        "acceptance": w.acceptance,
        "acceptance_date": start,
        "contract": acceptance["contract"],
        "contract_summary": contract,
        "issue_date": w.issue_date,
        "periods": [
            {
                "key": key,
                "name": name,
                "scope": scope,
                "years": settings.warranty[key],
                "start": start,
                "end": add_years(start, settings.warranty[key]),
            }
            for key, name, scope in CATEGORIES
        ],
        "notes": list(w.notes),
    }


CN_YEARS = "零一二三四五六七八九十"


def context(d: dict[str, Any]) -> dict[str, Any]:
    c = d["contract_summary"]
    return {
        "acceptance": d["acceptance"],
        "acceptance_date": chinese_date(d["acceptance_date"]),
        "contract": d["contract"],
        "contract_start": chinese_date(dt.date.fromisoformat(c["start_date"])),
        "issue_date": chinese_date(d["issue_date"]),
        "periods": [
            {
                "name": p["name"],
                "scope": p["scope"],
                "years": f"{CN_YEARS[p['years']] if p['years'] <= 10 else p['years']}年",
                "start": chinese_date(p["start"]),
                "end": chinese_date(p["end"]),
            }
            for p in d["periods"]
        ],
        "notes": d["notes"],
        "visits": [{"no": n} for n in range(1, 7)],
    }


def summary(d: dict[str, Any]) -> dict[str, Any]:
    return {
        "acceptance": d["acceptance"],
        "acceptance_date": d["acceptance_date"].isoformat(),
        "contract": d["contract"],
        "issue_date": d["issue_date"].isoformat(),
        "periods": {
            p["key"]: {"years": p["years"], "start": p["start"].isoformat(), "end": p["end"].isoformat()}
            for p in d["periods"]
        },
    }
