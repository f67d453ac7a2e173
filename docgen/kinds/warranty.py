"""Warranty card (保修卡), made only from a passed 正式验收.

Periods per category come from docgen.toml, whose legal floors config.py enforces;
each runs from the day acceptance passed (自竣工验收合格之日起) and ends that many
years later (a 29 February start ends on 28 February). 供热与供冷系统 is counted in
heating and cooling seasons (采暖期、供冷期): one of each a year, so N seasons end N
years later, and a season running on that day runs to its end.

The card lists the categories the job has: the input's ``categories:``, else what the
contract's quote sections show (see ``job_categories``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.config import Settings
from docgen.errors import InputError, StateError
from docgen.i18n import N_, NP_, _
from docgen.kinds.base import Kind, Lookup, Related, model, register
from docgen.kinds.common import (
    chinese_date,
    validate,
)

if TYPE_CHECKING:
    from docgen.kinds.inputs.warranty import WarrantyInput

KIND = "warranty"
TITLE = "装饰装修工程保修卡"
TEMPLATE = "warranty.docx"
CATEGORIES = (
    ("basic", "基础装修工程", "墙面、顶面、地面、门窗套等装饰装修工程"),
    ("plumbing_electrical", "水电工程", "电气管线、给排水管道及设备安装"),
    ("waterproof", "防水工程", "有防水要求的厨房、卫生间和外墙面的防渗漏"),
    ("heating_cooling", "供热与供冷系统", "地暖、暖气、空调等供热与供冷管道及设备"),
)
NAMES = {key: name for key, name, _scope in CATEGORIES}
SEASONS = frozenset({"heating_cooling"})
"""Categories whose period is counted in heating and cooling seasons, not years."""
SECTION_WORDS = {
    "plumbing_electrical": ("水电", "给排水", "电路", "电气"),
    "waterproof": ("防水",),
    "heating_cooling": ("暖通", "地暖", "空调", "采暖", "供暖", "暖气"),
}
"""A quote section whose name holds one of these words means the job has the category."""
EARLIER = ("basic", "plumbing_electrical", "waterproof")
"""What a card lists when the contract shows nothing (no quote, or a contract made before
the contract kept its quote's sections): the three categories every card listed before."""


def job_categories(sections: list[str] | None) -> list[str]:
    """The warranty categories of a job whose quote has these section names; 基础装修 always.
    ``None`` (nothing known about the job) gives the earlier cards' three categories."""
    if sections is None:
        return list(EARLIER)
    return ["basic"] + [key for key, words in SECTION_WORDS.items()
                        if any(w in name for name in sections for w in words)]


def category_key(text: str) -> str | None:
    """The category a key or Chinese name names: ``heating_cooling``, ``供热与供冷系统``,
    ``供热与供冷``, ``水电工程``, ``水电`` …"""
    text = text.strip()
    if text in NAMES:
        return text
    for key, name in NAMES.items():
        short = name.removesuffix("工程").removesuffix("系统")
        if text in (name, short):
            return key
    return None


def parse(data: dict[str, Any], source: Path, settings: Any = None) -> WarrantyInput:
    from docgen.kinds.inputs.warranty import WarrantyInput

    w = validate(WarrantyInput, data, source)
    if w.categories is not None:
        keys = []
        for n, text in enumerate(w.categories):
            key = category_key(text)
            if key is None:
                raise InputError(
                    _("{source}: categories[{n}]: {text} is not a warranty category; use {names}").format(
                        source=source, n=n, text=repr(text), names="、".join(NAMES.values())))
            if key in keys:
                raise InputError(_("{source}: categories[{n}]: {text} is listed twice").format(
                    source=source, n=n, text=repr(text)))
            keys.append(key)
        w = w.model_copy(update={"categories": keys})
    return w


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
    have = w.categories or job_categories(contract.get("sections"))
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
                "years": settings.warranty[key],  # of seasons: one heating and one cooling season a year
                "seasons": key in SEASONS,
                "start": start,
                "end": add_years(start, settings.warranty[key]),
            }
            for key, name, scope in CATEGORIES
            if key in have
        ],
        "notes": list(w.notes),
    }


CN_YEARS = "零一二三四五六七八九十"


def period_text(n: int, seasons: bool) -> str:
    """二年, 五年, 20年; 两个采暖期、供冷期 (a count before 个 says 两, not 二)."""
    count = CN_YEARS[n] if n <= 10 else str(n)
    if seasons:
        return f"{'两' if n == 2 else count}个采暖期、供冷期"
    return f"{count}年"


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
                "years": period_text(p["years"], p.get("seasons", False)),
                "start": chinese_date(p["start"]),
                "end": chinese_date(p["end"]),
            }
            for p in d["periods"]
        ],
        # the heating and cooling period in words, when the card has one (its note says how it ends)
        "seasons": next((period_text(p["years"], True) for p in d["periods"] if p.get("seasons")), ""),
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
            | ({"seasons": p["years"]} if p.get("seasons") else {})
            for p in d["periods"]
        },
    }


class Warranty(Kind):
    key = "warranty"
    title = TITLE
    template = TEMPLATE
    prefix = "BX"
    names = ("保修卡", "保修")
    word = NP_("kind", "warranty card")
    a_word = N_("a warranty card")
    model = model("docgen.kinds.inputs.warranty:WarrantyInput")
    statuses = ("issued", "signed", "void")
    status_words = {"issued": NP_("status", "issued")}
    rule_statuses = ("issued", "signed")
    refers = ("acceptance", "contract")
    pulled_by = ("customer", "engineering", "legal", "archive")
    drafted_by = ("engineering",)
    distribution = {"signed": {"customer": "第一联 客户留存", "engineering": "第二联 工程（售后）", "archive": "第三联 档案"}}
    made_from = "acceptance"

    parse = staticmethod(parse)

    def prepare(self, model: WarrantyInput, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        source = lookup.source
        a = lookup.referenced(model.acceptance, "acceptance", "acceptance").summary
        if a["stage"] != "正式验收":
            raise StateError(
                _("{source}: acceptance: {number} is an {stage} report; "
                  "a warranty card needs a passed 正式验收").format(
                    source=source, number=model.acceptance, stage=a["stage"])
            )
        if a["conclusion"] != "合格":
            raise StateError(
                _("{source}: acceptance: {number} did not pass (不合格); "
                  "rectify, pass a new 正式验收, then issue the warranty from that report").format(
                    source=source, number=model.acceptance)
            )
        still_open = [d.number for d in lookup.live("rectification", project=lookup.code) if d.status == "issued"]
        if still_open:
            raise StateError(
                _("{source}: rectification notice {notices} is still open; "
                  "recheck it (docgen recheck) before issuing the warranty card").format(
                    source=source, notices=", ".join(still_open))
            )
        earlier = next((d.number for d in lookup.live("warranty") if d.number != lookup.number
                        and d.summary.get("acceptance") == model.acceptance), None)
        if earlier:
            raise StateError(
                _("{source}: acceptance: warranty card {card} was already issued from {number}; "
                  "void it first to issue a new one").format(source=source, card=earlier, number=model.acceptance)
            )
        c = lookup.referenced(a["contract"], "contract", "acceptance", same_project=False).summary
        return derive(model, source, lookup.settings, a, c), []

    status = staticmethod(status)

    number_date = staticmethod(number_date)

    def context(self, derived: dict[str, Any], settings: Any) -> dict[str, Any]:
        from docgen.kinds import repair

        # the card promises the response time a repair order is held to ([repair] visit_within_hours)
        return {**context(derived), "visit_hours": repair.limits(settings).visit_within_hours}

    summary = staticmethod(summary)

    def data_from(self, source: Related, settings: Any, today: dt.date, deadline: dt.date | None) -> dict[str, Any]:
        """A card from a passed acceptance report, issued today (or on the report's date, if later)."""
        if deadline is not None:
            raise InputError(_("--deadline is for rectification notices, not warranty cards"))
        return {"project": source.project, "acceptance": source.number,
                "issue_date": max(today, dt.date.fromisoformat(source.summary["date"]))}

    def show(self, doc: Related, referring: list[Related], today: dt.date) -> list[str]:
        s = doc.summary
        lines = [_("warranty: from {acceptance} passed {date}, contract {contract}").format(
            acceptance=s["acceptance"], date=s["acceptance_date"], contract=s["contract"])]
        for key, p in s["periods"].items():
            if "seasons" in p:
                lines.append(_("          {period:<20} {seasons:>2} heating and cooling seasons  {start} -> {end}")
                             .format(period=key, seasons=p["seasons"], start=p["start"], end=p["end"]))
                continue
            lines.append(_("          {period:<20} {years:>2} years  {start} -> {end}").format(
                period=key, years=p["years"], start=p["start"], end=p["end"]))
        return lines


KIND = register(Warranty())
