"""Repair order (保修维修单): the policy's 售后服务, one document through its steps.

客户报修 (``docgen new repair``) -> 上门查看 (step ``visit``: the cause, the warranty category,
the coverage, the repair plan and, when paid, the charge) -> 维修 (step ``repair``: date,
work, materials, the site cleaned up) -> 客户验收 (step ``accept``: 满意 closes it, 不满意
reopens it for another repair). Each step is a new version of the same document.

Coverage comes from the project's warranty card (its summary's ``periods``): a report within
the category's period, whose cause is not 使用不当, is repaired free (保修); anything else is
paid, with the charge's items and amount agreed first (the policy: 有偿维修, 收费先行确认).
A report after every period ended is recorded, as paid.

Response times run from the report to the visit and to the repair, in hours; their limits
are ``[repair] visit_within_hours`` and ``repair_within_hours`` in docgen.toml (及时响应).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.archive.catalog import EffectivePolicy
from docgen.errors import ConfigError, InputError, StateError
from docgen.i18n import N_, NP_, _
from docgen.kinds.base import Kind, Late, Lookup, Related, Step, model, register
from docgen.kinds.common import (
    _in_range,
    chinese_date,
)
from docgen.money import fen, fmt, fmt_yuan, uppercase
from docgen.picture import Picture

if TYPE_CHECKING:
    from docgen.kinds.inputs.repair import Acceptance, Repair, RepairInput, Visit

TITLE = "保修维修单"
CHANNELS = ("电话", "微信", "上门", "其他")
CAUSES = ("施工质量", "材料", "使用不当", "其他")
MISUSE = "使用不当"
RESULTS = ("满意", "不满意")
MAX_PHOTOS = 6
MAX_CHARGES = 50
MAX_REPAIRS = 20  # repairs (and acceptances) of one order: 不满意 reopens it for another
CHECKED, UNCHECKED = "■", "□"  # ☑ is not in the CJK SC fonts; ■ is, and reads as ticked

# Instants people write: 2027-06-10 09:30, 2027/06/10 9:30, 2027-06-10T09:30:00, 2027年6月10日 9:30
_INSTANT = re.compile(
    r"([0-9]{4})\s*(?:[-/]|年)\s*([0-9]{1,2})\s*(?:[-/]|月)\s*([0-9]{1,2})\s*[日号]?"
    r"(?:\s+|T|\s*)([0-9]{1,2})\s*[:时点]\s*([0-9]{2})(?:\s*:\s*([0-9]{2}))?\s*分?",
    re.ASCII,
)


def parse_instant(value: object) -> dt.datetime:
    """A moment of the company's day, to the minute: ``2027-06-10 09:30`` (also ``/``,
    ``T`` and ``2027年6月10日 9:30``). One with an offset is turned into the company's time."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        raise ValueError(_("{value} has no time of day; write it as {value} 09:30").format(value=value.isoformat()))
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        m = _INSTANT.fullmatch(text)
        if m:
            from docgen.dates import parse_date

            year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
            try:
                date = parse_date(f"{year:04d}-{month:02d}-{day:02d}")
            except ValueError as exc:
                raise ValueError(_("{value} is not a time: {problem}").format(
                    value=repr(value[:40]), problem=str(exc).split(": ", 1)[-1])) from None
            if hour > 23 or minute > 59 or int(m.group(6) or 0) > 59:
                raise ValueError(_("{value} is not a time: there is no {hour}:{minute:02d} in a day").format(
                    value=repr(value[:40]), hour=hour, minute=minute))
            moment = dt.datetime.combine(date, dt.time(hour, minute))
        else:
            try:  # ISO 8601 with an offset: 2027-06-10T01:30:00Z
                moment = dt.datetime.fromisoformat(text) if ":" in text else None
            except ValueError:
                moment = None
            if moment is None:
                raise ValueError(_("{value} is not a time; write the day and the hour, as in 2027-06-10 09:30").format(
                    value=repr(value[:40])))
    else:
        raise ValueError(_("{value} is not a time; write the day and the hour, as in 2027-06-10 09:30").format(
            value=repr(str(value)[:40])))
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        from docgen.clock import instant

        moment = instant(moment).replace(tzinfo=None)
    _in_range(moment.date())
    return moment.replace(second=0, microsecond=0, tzinfo=None)


# settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairSettings:
    visit_within_hours: int = 24
    repair_within_hours: int = 72


SETTINGS_TOML = """\
[repair]
# Response times of a repair order (保修维修单), in hours from the customer's report
# (the policy's 及时响应): `list --overdue` names an order past one without its step.
visit_within_hours = 24        # 上门查看
repair_within_hours = 72       # 开始维修
"""


def read_settings(table: dict[str, Any]) -> RepairSettings:
    if not isinstance(table, dict):
        raise ConfigError(_("docgen.toml: [repair] must be a table of settings"))
    known = ("visit_within_hours", "repair_within_hours")
    for key in table:
        if key not in known:
            raise ConfigError(_("docgen.toml: [repair] {key} is not a setting; use {known}").format(
                key=key, known=", ".join(known)))
    values: dict[str, int] = {}
    for key in known:
        value = table.get(key, getattr(RepairSettings, key))
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 24 * 365:
            raise ConfigError(_("docgen.toml: [repair] {key} must be a whole number of hours from 1 to 8760 (got {value})")
                              .format(key=key, value=repr(value)))
        values[key] = value
    if values["repair_within_hours"] < values["visit_within_hours"]:
        raise ConfigError(_("docgen.toml: [repair] repair_within_hours ({repair}) is shorter than visit_within_hours "
                            "({visit}); the repair comes after the visit").format(
            repair=values["repair_within_hours"], visit=values["visit_within_hours"]))
    return RepairSettings(**values)


def limits(settings: Any) -> RepairSettings:
    """The archive's ``[repair]`` settings (the defaults for settings that have no kinds' sections)."""
    kind = getattr(settings, "kind", None)
    return kind("repair") if callable(kind) else RepairSettings()


# steps --------------------------------------------------------------------------------------


def state(data: dict[str, Any]) -> str:
    """The status that input data (a report and its steps so far) gives."""
    repairs, accepted = data.get("repairs") or [], data.get("acceptances") or []
    if accepted and len(accepted) == len(repairs):
        return "closed" if accepted[-1]["result"] == "满意" else "reopened"
    if len(repairs) > len(accepted):
        return "repaired"
    return "visited" if data.get("visit") else "reported"


def _closed(data: dict[str, Any]) -> StateError:
    return StateError(_("the order is closed: the customer accepted the repair (满意) on {day}; "
                        "nothing more is recorded on it").format(day=data["acceptances"][-1]["date"]))


def _dumped(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_defaults=False)


def apply_visit(data: dict[str, Any], visit: Visit) -> dict[str, Any]:
    now = state(data)
    if now == "closed":
        raise _closed(data)
    if data.get("visit"):
        raise StateError(_("visit: the order was visited on {at} already; record the repair next (step repair)").format(
            at=_shown_instant(data["visit"]["visited_at"])))
    return {**data, "visit": _dumped(visit)}


def apply_repair(data: dict[str, Any], repair: Repair) -> dict[str, Any]:
    now = state(data)
    if now == "closed":
        raise _closed(data)
    if now == "reported":
        raise StateError(_("repair: the order has not been visited yet; record the visit first (step visit)"))
    if now == "repaired":
        raise StateError(_("repair: the repair of {at} awaits the customer's acceptance; record it first (step accept)")
                         .format(at=_shown_instant(data["repairs"][-1]["repaired_at"])))
    return {**data, "repairs": [*(data.get("repairs") or []), _dumped(repair)]}


def apply_accept(data: dict[str, Any], accepted: Acceptance) -> dict[str, Any]:
    now = state(data)
    if now == "closed":
        raise _closed(data)
    if now != "repaired":
        raise StateError(_("accept: there is no repair to accept yet; record the repair first (step repair)"))
    if accepted.result == "不满意" and not accepted.opinion:
        raise InputError(_("accept: opinion: say what the customer is not satisfied with (不满意 reopens the order)"))
    return {**data, "acceptances": [*(data.get("acceptances") or []), _dumped(accepted)]}


STEPS = (
    Step("visit", NP_("step", "visit"), N_("the visit: when and who, the findings, the cause, the warranty category, "
                                          "the plan and, for a paid repair, the charge"),
         model("docgen.kinds.inputs.repair:Visit"), apply_visit),
    Step("repair", NP_("step", "repair"), N_("the repair: when and who, the work, the materials, the site cleaned up"),
         model("docgen.kinds.inputs.repair:Repair"), apply_repair),
    Step("accept", NP_("step", "accept"), N_("the customer's acceptance: 满意 closes the order, 不满意 reopens it"),
         model("docgen.kinds.inputs.repair:Acceptance"), apply_accept),
)


# deriving -----------------------------------------------------------------------------------


def _shown_instant(value: str | dt.datetime) -> str:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    return moment.strftime("%Y-%m-%d %H:%M")


def _chinese_instant(moment: dt.datetime) -> str:
    return f"{chinese_date(moment.date())} {moment:%H:%M}"


def hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Hours from ``start`` to ``end``, to a tenth (half up)."""
    minutes = int((end - start).total_seconds() // 60)
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _card(lookup: Lookup) -> Related:
    cards = [c for c in lookup.live("warranty", project=lookup.code) if c.status != "void"] if lookup.code else []
    if not cards:
        who = lookup.code or _("the project of {customer}").format(customer=lookup.project["customer"]["name"])
        raise StateError(
            _("{source}: {who} has no warranty card (issued, not void); a repair order comes under the project's "
              "warranty card: issue it first (docgen new warranty)").format(source=lookup.source, who=who))
    return max(cards, key=lambda c: (c.summary.get("issue_date", ""), c.number))


def _category_names() -> dict[str, str]:
    from docgen.kinds.warranty import CATEGORIES

    return {key: name for key, name, _scope in CATEGORIES}


def _category(given: str, periods: dict[str, Any], source: Path, card: str) -> str:
    names = _category_names()
    if given in periods:
        return given
    for key, name in names.items():
        if given in (name, name.removesuffix("工程")) and key in periods:
            return key
    choices = ", ".join(f"{k} ({names.get(k, k)})" for k in periods)
    raise InputError(_("{source}: visit.category: {given} is not a category of warranty card {card}; use {choices}").format(
        source=source, given=repr(given), card=card, choices=choices))


def _coverage(model: RepairInput, card: Related, source: Path) -> dict[str, Any]:
    periods = card.summary["periods"]
    day = model.reported_at.date()
    every_end = max(dt.date.fromisoformat(p["end"]) for p in periods.values())
    out: dict[str, Any] = {"all_ended": day > every_end, "category": None, "free": None}
    if model.visit is None:
        if out["all_ended"]:
            out["free"] = False
            out["reason"] = "ended"
        return out
    key = _category(model.visit.category, periods, source, card.number)
    p = periods[key]
    start, end = dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"])
    within = start <= day <= end
    out.update(category=key, years=p["years"], seasons="seasons" in p, start=start, end=end, within=within)
    if not within:
        out.update(free=False, reason="ended")
    elif model.visit.cause == MISUSE:
        out.update(free=False, reason="misuse")
    else:
        out.update(free=True, reason="covered")
    return out


def derive(model: RepairInput, lookup: Lookup, card: Related, photos: list[bytes | None]) -> dict[str, Any]:
    source = lookup.source
    reported = model.reported_at
    acceptance_day = dt.date.fromisoformat(card.summary["acceptance_date"])
    if reported.date() < acceptance_day:
        raise InputError(
            _("{source}: reported_at: {day} is before the acceptance of {acceptance} passed ({passed}), when the "
              "warranty of card {card} starts; a problem before acceptance is rectified under the contract").format(
                source=source, day=reported.date(), acceptance=card.summary["acceptance"], passed=acceptance_day,
                card=card.number))
    visit = model.visit
    if visit is not None and visit.visited_at < reported:
        raise InputError(_("{source}: visit.visited_at: {at} is before the report ({reported})").format(
            source=source, at=_shown_instant(visit.visited_at), reported=_shown_instant(reported)))
    if visit is None and (model.repairs or model.acceptances):
        raise InputError(_("{source}: repairs: a repair needs the visit first").format(source=source))
    if len(model.acceptances) > len(model.repairs) or any(
            a.result == "满意" for a in model.acceptances[:-1]):
        raise InputError(_("{source}: acceptances: each acceptance follows its own repair, and only the last may be 满意")
                         .format(source=source))
    last = visit.visited_at if visit else reported
    for n, r in enumerate(model.repairs):
        if r.repaired_at < last:
            raise InputError(_("{source}: repairs[{n}].repaired_at: {at} is before {before}; a repair follows the visit "
                               "and the customer's last acceptance").format(
                source=source, n=n, at=_shown_instant(r.repaired_at), before=_shown_instant(last)))
        if n < len(model.acceptances):
            a = model.acceptances[n]
            if a.date < r.repaired_at.date():
                raise InputError(_("{source}: acceptances[{n}].date: {day} is before the repair ({at})").format(
                    source=source, n=n, day=a.date, at=_shown_instant(r.repaired_at)))
            last = dt.datetime.combine(a.date, dt.time())
    cover = _coverage(model, card, source)
    charges = []
    if visit is not None:
        if cover["free"] and visit.charges:
            raise InputError(
                _("{source}: visit.charges: the repair is covered by warranty card {card} ({category} until {end}, "
                  "cause {cause}) and free; remove the charges").format(
                    source=source, card=card.number, category=_category_names().get(cover["category"], cover["category"]),
                    end=cover["end"], cause=visit.cause))
        if not cover["free"] and not visit.charges:
            why = (_("the cause is 使用不当") if cover["reason"] == "misuse"
                   else _("the {category} period ended on {end}").format(
                       category=_category_names().get(cover["category"], cover["category"]), end=cover["end"]))
            raise InputError(_("{source}: visit.charges: the repair is paid ({why}); list the charge's items "
                               "(name, unit, quantity, unit_price), agreed with the customer first").format(
                source=source, why=why))
        charges = [{**c.model_dump(), "amount": fen(c.quantity * c.unit_price)} for c in visit.charges]
    total = sum((c["amount"] for c in charges), Decimal(0))
    return {
        "warranty": card.number,
        "contract": card.summary.get("contract"),
        "acceptance": card.summary.get("acceptance"),
        "acceptance_date": acceptance_day,
        "reported_at": reported,
        "channel": model.channel,
        "reporter": model.reporter,
        "phone": model.phone or lookup.project["customer"]["phone"],
        "received_by": model.received_by or "",
        "location": model.location,
        "problem": model.problem,
        "photos": photos,
        "visit": visit.model_dump() if visit else None,
        "coverage": cover,
        "charges": charges,
        "total": fen(total) if charges else None,
        "repairs": [r.model_dump() for r in model.repairs],
        "acceptances": [a.model_dump() for a in model.acceptances],
        "visit_hours": hours_between(reported, visit.visited_at) if visit else None,
        "repair_hours": hours_between(reported, model.repairs[0].repaired_at) if model.repairs else None,
        "limits": limits(lookup.settings),
    }


# the document -------------------------------------------------------------------------------

STATE_CN = {"reported": "待上门查看", "visited": "待维修", "repaired": "待客户验收", "reopened": "客户不满意，待重新维修",
            "closed": "客户验收满意，本单关闭"}
BLANK_TIME = "______年____月____日 ____时____分"
BLANK_DAY = "______年____月____日"


def _boxes(choices: tuple[str, ...], chosen: str | None) -> str:
    return " ".join(f"{CHECKED if c == chosen else UNCHECKED}{c}" for c in choices)


def _status(d: dict[str, Any]) -> str:
    return state({"visit": d["visit"], "repairs": d["repairs"], "acceptances": d["acceptances"]})


def context(d: dict[str, Any]) -> dict[str, Any]:
    visit, cover = d["visit"], d["coverage"]
    names = _category_names()
    if cover["category"]:
        category = names.get(cover["category"], cover["category"])
        from docgen.kinds.warranty import period_text

        period = period_text(cover["years"], cover.get("seasons", False))  # 二年, 两个采暖期、供冷期
        span = f"{chinese_date(cover['start'])}至{chinese_date(cover['end'])}"
        within = "在保修期内" if cover["within"] else "已过保修期"
    else:
        category = period = span = within = ""
    if cover["free"] is True:
        verdict = f"{CHECKED}免费保修 {UNCHECKED}有偿维修"
        basis = (f"报修日在{category}保修期（{period}，至{chinese_date(cover['end'])}）内，"
                 f"问题原因为{visit['cause']}，非使用不当所致，按保修卡约定免费维修。")
    elif cover["free"] is False:
        verdict = f"{UNCHECKED}免费保修 {CHECKED}有偿维修"
        if cover["reason"] == "misuse":
            basis = "问题原因为使用不当，不属于保修范围，按有偿维修处理，收费项目及金额经客户确认后施工。"
        elif cover["category"]:
            basis = (f"报修日已超过{category}保修期（至{chinese_date(cover['end'])}），"
                     "按有偿维修处理，收费项目及金额经客户确认后施工。")
        else:
            basis = "报修时本工程各项保修期均已届满，按有偿维修处理，收费项目及金额经客户确认后施工。"
    else:
        verdict = f"{UNCHECKED}免费保修 {UNCHECKED}有偿维修"
        basis = ""
    charges = [
        {"no": n + 1, "name": c["name"], "unit": c["unit"], "quantity": f"{c['quantity']:f}",
         "unit_price": fmt(c["unit_price"]), "amount": fmt(c["amount"]), "note": c["note"]}
        for n, c in enumerate(d["charges"])
    ]
    repairs = []
    for r in d["repairs"]:
        materials = "；".join(
            f"{m['name']}{(' ' + m['spec']) if m['spec'] else ''} {m['quantity']:f}{m['unit']}" for m in r["materials"])
        repairs.append({
            "at": _chinese_instant(r["repaired_at"]),
            "repairers": r["repairers"],
            "work": r["work"],
            "materials": materials or "无",
            "cleaned": f"{CHECKED if r['cleaned_up'] else UNCHECKED}已清理现场、恢复原状",
        })
    acceptances = [
        {"date": chinese_date(a["date"]), "result": _boxes(RESULTS, a["result"]), "opinion": a["opinion"],
         "signed_by": a["signed_by"]}
        for a in d["acceptances"]
    ]
    status = _status(d)
    times = []
    if d["visit_hours"] is not None:
        times.append(f"报修至上门 {d['visit_hours']} 小时")
    if d["repair_hours"] is not None:
        times.append(f"报修至维修 {d['repair_hours']} 小时")
    return {
        "warranty": d["warranty"],
        "contract": d["contract"] or "",
        "acceptance": d["acceptance"] or "",
        "acceptance_date": chinese_date(d["acceptance_date"]),
        "reported_at": _chinese_instant(d["reported_at"]),
        "report_day": chinese_date(d["reported_at"].date()),
        "channel": _boxes(CHANNELS, d["channel"]),
        "reporter": d["reporter"],
        "phone": d["phone"],
        "received_by": d["received_by"] or "",
        "location": d["location"],
        "problem": d["problem"],
        "photos": [{"no": n + 1, "photo": Picture(p, 60, 45)} for n, p in enumerate(d["photos"]) if p],
        "visited": visit is not None,
        "visited_at": _chinese_instant(visit["visited_at"]) if visit else BLANK_TIME,
        "visitors": visit["visitors"] if visit else "",
        "findings": visit["findings"] if visit else "",
        "cause": _boxes(CAUSES, visit["cause"] if visit else None),
        "cause_note": visit["cause_note"] if visit else "",
        "category": category,
        "period": period,
        "span": span,
        "within": within,
        "verdict": verdict,
        "basis": basis,
        "all_ended": bool(cover["all_ended"]),
        "plan": visit["plan"] if visit else "",
        "planned_date": chinese_date(visit["planned_date"]) if visit and visit["planned_date"] else "",
        "paid": cover["free"] is False,
        "charges": charges,
        "total": fmt_yuan(d["total"]) if d["total"] is not None else "",
        "total_upper": uppercase(d["total"]) if d["total"] is not None else "",
        "repairs": repairs,
        "awaiting_repair": status in ("reported", "visited", "reopened"),
        "acceptances": acceptances,
        "awaiting_acceptance": status != "closed",
        "times": "；".join(times),
        "state": STATE_CN[status],
    }


def summary(d: dict[str, Any]) -> dict[str, Any]:
    cover, visit = d["coverage"], d["visit"]
    coverage = None if cover["free"] is None else ("free" if cover["free"] else "paid")
    return {
        "warranty": d["warranty"],
        "contract": d["contract"],
        "reported_at": d["reported_at"].isoformat(timespec="minutes"),
        "channel": d["channel"],
        "reporter": d["reporter"],
        "location": d["location"],
        "visited_at": visit["visited_at"].isoformat(timespec="minutes") if visit else None,
        "cause": visit["cause"] if visit else None,
        "category": cover["category"],
        "coverage": coverage,
        "coverage_reason": cover.get("reason"),
        "period_end": cover["end"].isoformat() if cover.get("end") else None,
        "total": str(d["total"]) if d["total"] is not None else None,
        "repairs": len(d["repairs"]),
        "repaired_at": d["repairs"][0]["repaired_at"].isoformat(timespec="minutes") if d["repairs"] else None,
        "last_repaired_at": d["repairs"][-1]["repaired_at"].isoformat(timespec="minutes") if d["repairs"] else None,
        "acceptances": [a["result"] for a in d["acceptances"]],
        "accepted_on": d["acceptances"][-1]["date"].isoformat() if d["acceptances"] else None,
        "visit_hours": str(d["visit_hours"]) if d["visit_hours"] is not None else None,
        "repair_hours": str(d["repair_hours"]) if d["repair_hours"] is not None else None,
        # the limits when the version was made, for show (list --overdue reads docgen.toml's own)
        "visit_within_hours": d["limits"].visit_within_hours,
        "repair_within_hours": d["limits"].repair_within_hours,
    }


def _late(doc: Related, now: dt.datetime, within: RepairSettings) -> tuple[dt.datetime, str] | None:
    s = doc.summary
    reported = dt.datetime.fromisoformat(s["reported_at"])
    if not s.get("visited_at"):
        due = reported + dt.timedelta(hours=within.visit_within_hours)
        if now > due:
            return due, _("visit within {hours} h").format(hours=within.visit_within_hours)
    if not s.get("repaired_at"):
        due = reported + dt.timedelta(hours=within.repair_within_hours)
        if now > due:
            return due, _("repair within {hours} h").format(hours=within.repair_within_hours)
    return None


def _now(today: dt.date) -> dt.datetime:
    """The company's present moment (naive, as the order's times are), on ``today``."""
    from docgen.clock import now

    moment = now().replace(tzinfo=None)
    if moment.date() != today:  # DOCGEN_TODAY fixes only the date: the day's end counts
        moment = dt.datetime.combine(today, dt.time(23, 59))
    return moment


class RepairOrder(Kind):
    key = "repair"
    title = TITLE
    template = "repair.docx"
    prefix = "WX"
    names = ("保修维修单", "维修单", "报修单", "维修")
    word = NP_("kind", "repair order")
    a_word = N_("a repair order")
    model = model("docgen.kinds.inputs.repair:RepairInput")
    statuses = ("reported", "visited", "repaired", "reopened", "closed", "void")
    status_words = {
        "reported": NP_("status", "reported"),
        "visited": NP_("status", "visited"),
        "repaired": NP_("status", "repaired"),
        "reopened": NP_("status", "reopened"),
        "closed": NP_("status", "closed"),
    }
    rule_statuses = ("reported", "visited", "repaired", "reopened", "closed")
    signed_status = None  # the customer's signature on 客户验收 is the accept step's; a scan keeps the status
    refers = ("warranty", "contract")
    steps = STEPS
    pulled_by = ("customer", "engineering", "legal", "archive")
    drafted_by = ("engineering",)
    distribution = {
        "reported": {"engineering": "第二联 工程（售后）"},
        "visited": {"customer": "第一联 客户留存", "engineering": "第二联 工程（售后）"},
        "repaired": {"customer": "第一联 客户留存", "engineering": "第二联 工程（售后）"},
        "reopened": {"customer": "第一联 客户留存", "engineering": "第二联 工程（售后）"},
        "closed": {"customer": "第一联 客户留存", "engineering": "第二联 工程（售后）"},
    }
    settings_toml = SETTINGS_TOML
    final = ("closed", "void")
    effective = EffectivePolicy(follows_newest=True)  # the order goes on after a signed step

    def prepare(self, model: RepairInput, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        if not lookup.stepping and (model.visit or model.repairs or model.acceptances):
            raise InputError(_("{source}: visit, repairs and acceptances are recorded by `docgen step`, "
                               "not written in the report").format(source=lookup.source))
        card = _card(lookup)
        photos: list[bytes | None] = []
        for n, ref in enumerate(model.photos):
            if lookup.stored_photos and n in lookup.stored_photos:
                photos.append(lookup.stored_photos[n])
            else:
                photos.append(lookup.photo(ref, f"photos[{n}]"))
        return derive(model, lookup, card, photos), photos

    def status(self, derived: dict[str, Any]) -> str:
        return _status(derived)

    def number_date(self, derived: dict[str, Any]) -> dt.date:
        return derived["reported_at"].date()

    def context(self, derived: dict[str, Any], settings: Any) -> dict[str, Any]:
        return context(derived)

    summary = staticmethod(summary)

    def read_settings(self, table: dict[str, Any]) -> RepairSettings:
        return read_settings(table)

    def refuse_revise(self, doc: Related, lookup: Lookup) -> str | None:
        if doc.status != "reported":
            return _("{number} has recorded steps; record what follows with `docgen step`, or void it and "
                     "make a new order").format(number=doc.number)
        return None

    def overdue(self, doc: Related, today: dt.date, settings: Any) -> Late | None:
        if doc.status in self.final:
            return None
        late = _late(doc, _now(today), limits(settings))
        if late is None:
            return None
        due, what = late
        return Late(doc.number, doc.project, due.date(), (today - due.date()).days, what)

    def show(self, doc: Related, referring: list[Related], today: dt.date) -> list[str]:
        s = doc.summary
        lines = [_("repair: reported {at} by {reporter} ({channel}), {location}; warranty card {card}").format(
            at=_shown_instant(s["reported_at"]), reporter=s["reporter"], channel=s["channel"],
            location=s["location"], card=s["warranty"])]
        if s["coverage"] == "free":
            category = _category_names().get(s['category'], s['category'])
            lines.append(_("        covered: {category}, period until {end}, cause {cause}: free").format(
                category=category, end=s["period_end"], cause=s["cause"]))
        elif s["coverage"] == "paid":
            why = {"misuse": _("cause 使用不当"), "ended": _("period ended {end}").format(end=s["period_end"] or "")}
            lines.append(_("        paid ({why}): {total}").format(
                why=why.get(s["coverage_reason"], ""), total=fmt_yuan(Decimal(s["total"])) if s["total"] else "—"))
        now = _now(today)
        lines.append(_("        visit:  {at}").format(at=_timing(s["reported_at"], s["visited_at"], s["visit_hours"],
                                                                   s["visit_within_hours"], now)))
        lines.append(_("        repair: {at}").format(at=_timing(s["reported_at"], s["repaired_at"], s["repair_hours"],
                                                                   s["repair_within_hours"], now)))
        if s["acceptances"]:
            lines.append(_("        accepted: {results}").format(results=" → ".join(s["acceptances"])))
        return lines


def _timing(reported: str, at: str | None, hours: str | None, limit: int, now: dt.datetime) -> str:
    """A step's time against its limit: when, how many hours after the report, late or not."""
    if at is None:
        due = dt.datetime.fromisoformat(reported) + dt.timedelta(hours=limit)
        if now > due:
            return _("not yet, due {due} (within {limit} h): {late} h late").format(
                due=_shown_instant(due), limit=limit, late=hours_between(due, now))
        return _("not yet, due {due} (within {limit} h)").format(due=_shown_instant(due), limit=limit)
    if Decimal(hours or 0) > limit:
        return _("{at}, {hours} h after the report (limit {limit} h): late").format(
            at=_shown_instant(at), hours=hours, limit=limit)
    return _("{at}, {hours} h after the report (limit {limit} h)").format(at=_shown_instant(at), hours=hours, limit=limit)


KIND = register(RepairOrder())
