"""Repair orders (保修维修单): the report, its steps (visit, repair, accept), coverage from the
project's warranty card, response times, and the document at each step.

The kind is exercised through its interface (docgen/kinds/base.py): parse, Step.apply,
prepare with a Lookup standing in for the archive, status, summary, context, overdue, show,
and the bundled template rendered as ``docgen`` renders it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, act_as, edit, new, run
from test_documents import check_golden

from docgen import pagecode
from docgen.errors import ConfigError, InputError, StateError
from docgen.generate import _jsonable
from docgen.kinds import common, fields
from docgen.kinds import repair as R
from docgen.kinds.base import Related

KIND = R.KIND
ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "repair.docx"
NUMBER = "WX-2027-0001"
# the sample project's warranty card (samples/zhangjiang/warranty.yaml: acceptance passed 2027-02-28)
CARD = Related("BX-2027-0001", "warranty", "issued", "P-2026-0001", {
    "acceptance": "YS-2027-0002", "acceptance_date": "2027-02-28", "contract": "HT-2026-0001",
    "issue_date": "2027-03-01",
    "periods": {
        "basic": {"years": 2, "start": "2027-02-28", "end": "2029-02-28"},
        "plumbing_electrical": {"years": 2, "start": "2027-02-28", "end": "2029-02-28"},
        "waterproof": {"years": 5, "start": "2027-02-28", "end": "2032-02-28"},
    },
})


@dataclass
class Settings:
    """The part of docgen.config.Settings a repair order reads: its own [repair] section."""

    table: dict[str, Any] = field(default_factory=dict)

    def kind(self, key: str) -> Any:
        assert key == "repair"
        return KIND.read_settings(self.table)


@dataclass
class Archive:
    """What the archive answers a repair order's questions with (docgen.kinds.base.Lookup)."""

    cards: list[Related] = field(default_factory=lambda: [CARD])
    source: Path = SAMPLES / "repair.yaml"
    code: str | None = "P-2026-0001"
    settings: Any = field(default_factory=Settings)
    number: str | None = None
    stepping: bool = False
    stored_photos: dict[int, bytes] | None = None
    asked: list[tuple[str, str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.project = common.validate(fields.Project, common.load_file(SAMPLES / "project.yaml"),
                                       SAMPLES / "project.yaml").model_dump(mode="json")

    def live(self, kind: str, *, project: str | None = None) -> list[Related]:
        self.asked.append((kind, project))
        return [c for c in self.cards if c.kind == kind and c.status != "void" and c.project == project]

    def photo(self, ref: str, field: str) -> bytes:
        return (self.source.parent / ref).read_bytes()

    def referenced(self, number: str, kind: str, field: str, *, same_project: bool = True) -> Related:
        raise AssertionError("a repair order finds its warranty card with live()")

    def contract_counts(self, named: str) -> None:
        raise AssertionError("a repair order does not ask for the contract")

    def referring(self, number: str) -> list[Related]:
        return []


def sample(name: str) -> dict[str, Any]:
    return common.load_file(SAMPLES / name)


STEP_FILES = {"visit": "repair-visit.yaml", "repair": "repair-repair.yaml", "accept": "repair-accept.yaml"}


def step(data: dict[str, Any], name: str, given: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """``docgen step NUMBER name FILE``: the step's data validated by its model, applied to the
    newest input, and the result stored as JSON (as the archive keeps a version's input)."""
    s = KIND.step(name)
    assert s is not None
    raw = {**(given if given is not None else sample(STEP_FILES[name])), **changes}
    model = common.validate(s.input_model(), raw, Path(f"{name}.yaml"))
    return json.loads(json.dumps(_jsonable(s.apply(data, model))))


def prepared(data: dict[str, Any], archive: Archive | None = None) -> dict[str, Any]:
    archive = archive or Archive()
    stepped = bool(data.get("visit"))
    archive.number = archive.number or (NUMBER if stepped else None)
    archive.stepping = stepped
    model = KIND.parse(data, archive.source, archive.settings)
    derived, photos = KIND.prepare(model, archive)
    assert photos == derived["photos"]
    return derived


def report(**changes: Any) -> dict[str, Any]:
    return {**sample("repair.yaml"), **changes}


def through(*names: str, data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The input after each of the steps ``names`` (the report first)."""
    out = [data or report()]
    for name in names:
        out.append(step(out[-1], name))
    return out


def rendered_text(derived: dict[str, Any], version: int) -> str:
    from docgen.config import ensure_settings_file, load_settings
    from docgen.render import docx as docx_render

    root = Path(os.environ["DOCGEN_ARCHIVE"])  # this test's archive (conftest), for its default docgen.toml
    ensure_settings_file(root)
    company = vars(load_settings(root).company)
    project = Archive().project
    context = {
        "title": KIND.title, "number": NUMBER, "version": version, "company": company,
        "customer": project["customer"], "site": project["site"], "mode": project["mode"],
        "designer": project["designer"], "project_manager": project["project_manager"],
        "project_code": "P-2026-0001", **KIND.context(derived, Settings()),
    }
    code = pagecode.make(NUMBER, version, bytes(range(32)))
    return docx_render.render(TEMPLATE, context, code).text


# the kind's definition ----------------------------------------------------------------------


def test_definition() -> None:
    assert (KIND.key, KIND.prefix, KIND.template, KIND.title, KIND.cn) == (
        "repair", "WX", "repair.docx", "保修维修单", "保修维修单")
    assert [s.name for s in KIND.steps] == ["visit", "repair", "accept"]
    assert KIND.statuses[:5] == ("reported", "visited", "repaired", "reopened", "closed")
    assert set(KIND.status_words) == {"reported", "visited", "repaired", "reopened", "closed"}
    assert KIND.signed_status is None  # a filed scan of the signed 验收 keeps the status
    assert KIND.final == ("closed", "void")
    assert set(KIND.rule_statuses) == set(KIND.distribution)
    # copies go to the customer and engineering (售后); the customer has no copy of a bare report
    assert set(KIND.distribution["closed"]) == {"customer", "engineering"}
    assert set(KIND.distribution["visited"]) == {"customer", "engineering"}
    assert set(KIND.distribution["reported"]) == {"engineering"}
    assert set(KIND.pulled_by) == {"customer", "engineering", "legal", "archive"}
    assert TEMPLATE.is_file()
    from docgen.render import docx as docx_render

    docx_render.check(TEMPLATE)


def test_settings_section() -> None:
    import tomllib

    table = tomllib.loads(KIND.settings_toml)["repair"]
    assert KIND.read_settings(table) == R.RepairSettings(24, 72)
    assert KIND.read_settings({}) == R.RepairSettings(24, 72)
    assert KIND.read_settings({"visit_within_hours": 12, "repair_within_hours": 48}) == R.RepairSettings(12, 48)


@pytest.mark.parametrize("table, message", [
    ({"visit_within_hours": 0}, "[repair] visit_within_hours must be a whole number of hours from 1 to 8760 (got 0)"),
    ({"visit_within_hours": "24"}, "[repair] visit_within_hours must be a whole number of hours from 1 to 8760 (got '24')"),
    ({"repair_within_hours": 2.5}, "[repair] repair_within_hours must be a whole number of hours"),
    ({"visit_within_hours": True}, "[repair] visit_within_hours must be a whole number of hours"),
    ({"visit_hours": 24}, "[repair] visit_hours is not a setting; use visit_within_hours, repair_within_hours"),
    ({"visit_within_hours": 48, "repair_within_hours": 24},
     "[repair] repair_within_hours (24) is shorter than visit_within_hours (48)"),
])
def test_settings_refused(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        KIND.read_settings(table)
    assert message in str(exc.value)


@pytest.mark.parametrize("written, moment", [
    ("2027-06-10 09:30", dt.datetime(2027, 6, 10, 9, 30)),
    ("2027/6/10 9:30", dt.datetime(2027, 6, 10, 9, 30)),
    ("2027-06-10T09:30:00", dt.datetime(2027, 6, 10, 9, 30)),
    ("2027年6月10日 9:30", dt.datetime(2027, 6, 10, 9, 30)),
    ("２０２７-０６-１０ ０９:３０", dt.datetime(2027, 6, 10, 9, 30)),
    (dt.datetime(2027, 6, 10, 9, 30, 15), dt.datetime(2027, 6, 10, 9, 30)),
    ("2027-06-10T01:30:00Z", dt.datetime(2027, 6, 10, 9, 30)),  # in the company's time (Asia/Shanghai)
])
def test_times_as_written(written: object, moment: dt.datetime) -> None:
    assert R.parse_instant(written) == moment


@pytest.mark.parametrize("written, message", [
    ("2027-06-10", "reported_at: '2027-06-10' is not a time; write the day and the hour, as in 2027-06-10 09:30"),
    ("2027-06-31 09:30", "reported_at: '2027-06-31 09:30' is not a time: 2027-06 has 30 days"),
    ("2027-06-10 25:00", "reported_at: '2027-06-10 25:00' is not a time: there is no 25:00 in a day"),
    ("1999-06-10 09:30", "reported_at: 1999-06-10 is outside 2000-01-01..2099-12-31; check the year"),
])
def test_bad_times(written: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        KIND.parse(report(reported_at=written), SAMPLES / "repair.yaml", None)
    assert str(exc.value) == f"{SAMPLES / 'repair.yaml'}: {message}"


@pytest.mark.parametrize("changes, message", [
    ({"channel": "短信"}, "channel:"),
    ({"reporter": ""}, "reporter:"),
    ({"phone": "12345"}, "phone:"),
    ({"photos": ["a.png"] * 7}, "photos:"),
    ({"problme": "x"}, "problme"),
])
def test_report_fields_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as exc:
        KIND.parse(report(**changes), SAMPLES / "repair.yaml", None)
    assert message in str(exc.value)


# the report and its coverage ----------------------------------------------------------------


def test_report() -> None:
    archive = Archive()
    d = prepared(report(), archive)
    assert archive.asked == [("warranty", "P-2026-0001")]
    assert KIND.status(d) == "reported"
    assert KIND.number_date(d) == dt.date(2027, 6, 10)
    s = KIND.summary(d)
    assert s["warranty"] == "BX-2027-0001" and s["contract"] == "HT-2026-0001"
    assert s["reported_at"] == "2027-06-10T09:30" and s["coverage"] is None and s["total"] is None
    assert s["visited_at"] is None and s["repairs"] == 0
    assert d["phone"] == "13812345678"  # the customer's, when the report gives none
    assert d["photos"] == [(SAMPLES / "photos/wall.png").read_bytes()]
    assert KIND.total(Related(NUMBER, "repair", "reported", "P-2026-0001", s), []) is None


def test_refused_without_a_warranty_card() -> None:
    for archive in (Archive(cards=[]), Archive(cards=[Related(**{**vars(CARD), "status": "void"})]),
                    Archive(cards=[Related(**{**vars(CARD), "project": "P-2026-0002"})])):
        with pytest.raises(StateError) as exc:
            prepared(report(), archive)
        assert str(exc.value) == (
            f"{SAMPLES / 'repair.yaml'}: P-2026-0001 has no warranty card (issued, not void); a repair order "
            "comes under the project's warranty card: issue it first (docgen new warranty)")
    with pytest.raises(StateError, match="the project of 张三 has no warranty card"):
        prepared(report(), Archive(code=None))


def test_signed_card_counts_and_the_newest_is_used() -> None:
    newer = Related("BX-2027-0002", "warranty", "signed", "P-2026-0001", {**CARD.summary, "issue_date": "2027-04-01"})
    assert KIND.summary(prepared(report(), Archive(cards=[CARD, newer])))["warranty"] == "BX-2027-0002"


def test_report_before_acceptance_refused() -> None:
    with pytest.raises(InputError) as exc:
        prepared(report(reported_at="2027-02-20 10:00"))
    assert "reported_at: 2027-02-20 is before the acceptance of YS-2027-0002 passed (2027-02-28)" in str(exc.value)


def test_steps_are_not_written_in_a_new_report() -> None:
    visited = through("visit")[-1]
    archive = Archive()
    archive.number = None
    model = KIND.parse(visited, archive.source, archive.settings)
    with pytest.raises(InputError, match="visit, repairs and acceptances are recorded by `docgen step`"):
        KIND.prepare(model, archive)


def test_covered_through_every_step() -> None:
    stages = through("visit", "repair", "accept")
    derived = [prepared(s) for s in stages]
    assert [KIND.status(d) for d in derived] == ["reported", "visited", "repaired", "closed"]
    s = KIND.summary(derived[-1])
    assert (s["coverage"], s["coverage_reason"], s["category"], s["cause"]) == ("free", "covered", "waterproof", "施工质量")
    assert s["period_end"] == "2032-02-28" and s["total"] is None
    assert (s["visit_hours"], s["repair_hours"]) == ("5.5", "47.5")
    assert s["acceptances"] == ["满意"] and s["accepted_on"] == "2027-06-15"
    c = KIND.context(derived[1], Settings())
    assert c["verdict"] == "■免费保修 □有偿维修" and not c["paid"]
    assert c["category"] == "防水工程" and c["period"] == "五年" and c["within"] == "在保修期内"
    assert c["span"] == "2027年2月28日至2032年2月28日"


def test_category_by_its_chinese_name() -> None:
    d = prepared(step(report(), "visit", category="防水工程"))
    assert KIND.summary(d)["category"] == "waterproof"
    with pytest.raises(InputError) as exc:
        prepared(step(report(), "visit", category="暖通"))
    assert ("visit.category: '暖通' is not a category of warranty card BX-2027-0001; use basic (基础装修工程), "
            "plumbing_electrical (水电工程), waterproof (防水工程)") in str(exc.value)


MISUSE_CHARGES = [
    {"name": "更换地漏（含拆装）", "unit": "个", "quantity": 1, "unit_price": "85.00"},
    {"name": "局部重做防水", "unit": "㎡", "quantity": "1.35", "unit_price": "158.333"},
    {"name": "上门费", "unit": "次", "quantity": 1, "unit_price": "50"},
]


def test_misuse_is_paid_to_the_fen() -> None:
    visited = step(report(), "visit", cause="使用不当", cause_note="客户自行更换地漏，未做密封", charges=MISUSE_CHARGES)
    d = prepared(visited)
    s = KIND.summary(d)
    assert (s["coverage"], s["coverage_reason"]) == ("paid", "misuse")
    # 1.35 × 158.333 = 213.74955 -> 213.75 (half up to the fen); 85.00 + 213.75 + 50.00
    assert [c["amount"] for c in d["charges"]] == [Decimal("85.00"), Decimal("213.75"), Decimal("50.00")]
    assert s["total"] == "348.75"
    assert KIND.total(Related(NUMBER, "repair", "visited", "P-2026-0001", s), []) == Decimal("348.75")
    c = KIND.context(d, Settings())
    assert c["paid"] and c["verdict"] == "□免费保修 ■有偿维修"
    assert c["total"] == "¥348.75" and c["total_upper"] == "人民币叁佰肆拾捌元柒角伍分"
    assert c["basis"].startswith("问题原因为使用不当，不属于保修范围")
    text = rendered_text(d, 2)
    assert "2 | 局部重做防水 | ㎡ | 1.35 | 158.33 | 213.75 |" in text
    assert "合计（大写）：人民币叁佰肆拾捌元柒角伍分 | ¥348.75" in text
    assert "客户确认收费（签字）" in text


def test_paid_without_charges_and_free_with_charges_refused() -> None:
    with pytest.raises(InputError) as exc:
        prepared(step(report(), "visit", cause="使用不当"))
    assert "visit.charges: the repair is paid (the cause is 使用不当); list the charge's items" in str(exc.value)
    with pytest.raises(InputError) as exc:
        prepared(step(report(), "visit", charges=MISUSE_CHARGES))
    assert ("visit.charges: the repair is covered by warranty card BX-2027-0001 (防水工程 until 2032-02-28, "
            "cause 施工质量) and free; remove the charges") in str(exc.value)


def test_after_the_category_period_is_paid() -> None:
    # 2029-03-10: the basic period (2 years) ended on 2029-02-28, waterproofing (5 years) runs on
    late = report(reported_at="2029-03-10 10:00")
    with pytest.raises(InputError, match=r"the repair is paid \(the 基础装修工程 period ended on 2029-02-28\)"):
        prepared(step(late, "visit", category="basic", visited_at="2029-03-10 16:00"))
    d = prepared(step(late, "visit", category="basic", visited_at="2029-03-10 16:00", charges=MISUSE_CHARGES[:1]))
    s = KIND.summary(d)
    assert (s["coverage"], s["coverage_reason"], s["period_end"], s["total"]) == ("paid", "ended", "2029-02-28", "85.00")
    assert KIND.context(d, Settings())["within"] == "已过保修期"
    d = prepared(step(late, "visit", visited_at="2029-03-10 16:00"))
    assert KIND.summary(d)["coverage"] == "free"
    # the last day of the period is still within it
    d = prepared(step(report(reported_at="2029-02-28 18:00"), "visit", category="basic", visited_at="2029-03-01 09:00"))
    assert KIND.summary(d)["coverage"] == "free"


def test_report_after_every_period_is_recorded_as_paid() -> None:
    late = report(reported_at="2032-03-01 10:00")
    d = prepared(late)
    s = KIND.summary(d)
    assert (s["coverage"], s["coverage_reason"]) == ("paid", "ended")
    c = KIND.context(d, Settings())
    assert c["all_ended"] and c["paid"] and "各项保修期均已届满" in c["basis"]
    assert "报修时本工程各项保修期均已届满，本次维修为有偿维修。" in rendered_text(d, 1)
    d = prepared(step(late, "visit", visited_at="2032-03-01 15:00", charges=MISUSE_CHARGES))
    assert KIND.summary(d)["coverage"] == "paid"


# the order of the steps ---------------------------------------------------------------------


def test_step_order_refused() -> None:
    reported, visited, repaired, closed = through("visit", "repair", "accept")
    with pytest.raises(StateError) as exc:
        step(reported, "repair")
    assert str(exc.value) == "repair: the order has not been visited yet; record the visit first (step visit)"
    with pytest.raises(StateError, match="accept: there is no repair to accept yet; record the repair first"):
        step(reported, "accept")
    with pytest.raises(StateError, match="accept: there is no repair to accept yet"):
        step(visited, "accept")
    with pytest.raises(StateError) as exc:
        step(visited, "visit")
    assert str(exc.value) == ("visit: the order was visited on 2027-06-10 15:00 already; "
                              "record the repair next (step repair)")
    with pytest.raises(StateError) as exc:
        step(repaired, "repair")
    assert str(exc.value) == ("repair: the repair of 2027-06-12 09:00 awaits the customer's acceptance; "
                              "record it first (step accept)")
    for name in ("visit", "repair", "accept"):
        with pytest.raises(StateError) as exc:
            step(closed, name)
        assert str(exc.value) == ("the order is closed: the customer accepted the repair (满意) on 2027-06-15; "
                                  "nothing more is recorded on it")


def test_step_times_in_order() -> None:
    with pytest.raises(InputError, match=r"visit.visited_at: 2027-06-10 08:00 is before the report \(2027-06-10 09:30\)"):
        prepared(step(report(), "visit", visited_at="2027-06-10 08:00"))
    visited = step(report(), "visit")
    with pytest.raises(InputError, match=r"repairs\[0\].repaired_at: 2027-06-10 12:00 is before 2027-06-10 15:00"):
        prepared(step(visited, "repair", repaired_at="2027-06-10 12:00"))
    repaired = step(visited, "repair")
    with pytest.raises(InputError, match=r"acceptances\[0\].date: 2027-06-11 is before the repair \(2027-06-12 09:00\)"):
        prepared(step(repaired, "accept", date="2027-06-11"))


@pytest.mark.parametrize("name, changes, message", [
    ("visit", {"cause": "天气"}, "visit.yaml: cause:"),
    ("visit", {"plan": ""}, "visit.yaml: plan:"),
    ("repair", {"cleaned_up": "也许"}, "repair.yaml: cleaned_up:"),
    ("repair", {"materials": [{"name": "胶", "quantity": 0, "unit": "支"}]}, "repair.yaml: materials[0].quantity:"),
    ("accept", {"result": "还行"}, "accept.yaml: result:"),
    ("accept", {"signed_by": ""}, "accept.yaml: signed_by:"),
])
def test_step_data_refused(name: str, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as exc:
        step(report(), name, **changes)
    assert str(exc.value).startswith(message)


def test_not_satisfied_reopens() -> None:
    reported, visited, repaired = through("visit", "repair")
    with pytest.raises(InputError, match="accept: opinion: say what the customer is not satisfied with"):
        step(repaired, "accept", result="不满意", opinion="")
    reopened = step(repaired, "accept", result="不满意", opinion="淋浴区地面仍有积水，坡度不够", date="2027-06-13")
    d = prepared(reopened)
    assert KIND.status(d) == "reopened"
    c = KIND.context(d, Settings())
    assert c["awaiting_repair"] and c["awaiting_acceptance"] and c["state"] == "客户不满意，待重新维修"
    with pytest.raises(StateError, match="accept: there is no repair to accept yet"):
        step(reopened, "accept")
    again = step(reopened, "repair", repaired_at="2027-06-14 09:00", work="重新找坡，地面排水坡向地漏 1%")
    d = prepared(again)
    assert KIND.status(d) == "repaired" and KIND.summary(d)["repairs"] == 2
    # the response time is the first repair's
    assert KIND.summary(d)["repair_hours"] == "47.5"
    done = step(again, "accept", date="2027-06-16")
    d = prepared(done)
    assert KIND.status(d) == "closed"
    assert KIND.summary(d)["acceptances"] == ["不满意", "满意"]
    text = rendered_text(d, 5)
    assert "2027年6月13日 | □满意 ■不满意 | 淋浴区地面仍有积水，坡度不够 | 张三" in text
    assert "2027年6月16日 | ■满意 □不满意 |" in text
    assert "2027年6月14日 09:00 | 防水工 王师傅、瓦工 李师傅 | 重新找坡，地面排水坡向地漏 1%" in text
    # a repair after a reopening may not come before the customer's verdict
    with pytest.raises(InputError, match=r"repairs\[1\].repaired_at: 2027-06-12 10:00 is before 2027-06-13 00:00"):
        prepared(step(reopened, "repair", repaired_at="2027-06-12 10:00"))


def test_photos_kept_from_the_version_a_step_starts_from(tmp_path: Path) -> None:
    visited = step(report(), "visit")
    archive = Archive(source=tmp_path / "repair.yaml", stored_photos={0: b"\x89PNG kept"})
    assert prepared(visited, archive)["photos"] == [b"\x89PNG kept"]


# response times -----------------------------------------------------------------------------


def row(data: dict[str, Any], status: str | None = None, settings: Settings | None = None) -> Related:
    archive = Archive(settings=settings or Settings())
    d = prepared(data, archive)
    return Related(NUMBER, "repair", status or KIND.status(d), "P-2026-0001", KIND.summary(d))


def test_overdue_visit(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = row(report())
    # reported 2027-06-10 09:30 (+08:00): the visit is due within 24 hours, by 2027-06-11 09:30
    monkeypatch.setenv("DOCGEN_NOW", "2027-06-11T01:00:00Z")  # 09:00 in Shanghai
    assert KIND.overdue(doc, dt.date(2027, 6, 11), Settings()) is None
    monkeypatch.setenv("DOCGEN_NOW", "2027-06-11T02:00:00Z")  # 10:00
    assert KIND.overdue(doc, dt.date(2027, 6, 11), Settings()) == R.Late(
        NUMBER, "P-2026-0001", dt.date(2027, 6, 11), 0, "visit within 24 h")
    monkeypatch.setenv("DOCGEN_NOW", "2027-06-13T02:00:00Z")
    late = KIND.overdue(doc, dt.date(2027, 6, 13), Settings())
    assert late is not None and late.days == 2
    # the archive's own limit counts, not the one of the version
    assert KIND.overdue(doc, dt.date(2027, 6, 13), Settings({"visit_within_hours": 96, "repair_within_hours": 120})) is None
    shown = "\n".join(KIND.show(doc, [], dt.date(2027, 6, 13)))
    assert "visit:  not yet, due 2027-06-11 09:30 (within 24 h): 48.5 h late" in shown
    assert "repair: not yet, due 2027-06-13 09:30 (within 72 h): 0.5 h late" in shown


def test_overdue_repair(monkeypatch: pytest.MonkeyPatch) -> None:
    visited = step(report(), "visit")
    doc = row(visited)
    monkeypatch.setenv("DOCGEN_NOW", "2027-06-13T01:00:00Z")  # 09:00: 71.5 hours after the report
    assert KIND.overdue(doc, dt.date(2027, 6, 13), Settings()) is None
    monkeypatch.setenv("DOCGEN_NOW", "2027-06-14T02:00:00Z")
    late = KIND.overdue(doc, dt.date(2027, 6, 14), Settings())
    assert late == R.Late(NUMBER, "P-2026-0001", dt.date(2027, 6, 13), 1, "repair within 72 h")
    shown = "\n".join(KIND.show(doc, [], dt.date(2027, 6, 14)))
    assert "visit:  2027-06-10 15:00, 5.5 h after the report (limit 24 h)" in shown
    assert "repair: not yet, due 2027-06-13 09:30 (within 72 h): 24.5 h late" in shown
    # repaired: nothing is late any more, whenever it is
    doc = row(step(visited, "repair"))
    assert KIND.overdue(doc, dt.date(2027, 6, 14), Settings()) is None
    doc = row(step(visited, "repair"), status="void")
    assert KIND.overdue(doc, dt.date(2027, 6, 14), Settings()) is None


def test_overdue_with_only_the_date_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOCGEN_NOW", raising=False)
    monkeypatch.setenv("DOCGEN_TODAY", "2027-06-11")  # the whole day counts: late by its end
    doc = row(report())
    late = KIND.overdue(doc, dt.date(2027, 6, 11), Settings())
    assert late is not None and late.what == "visit within 24 h" and late.days == 0


def test_show_on_time_and_late() -> None:
    closed = through("visit", "repair", "accept")[-1]
    lines = KIND.show(row(closed), [], dt.date(2027, 7, 1))
    assert lines == [
        "repair: reported 2027-06-10 09:30 by 张三 (电话), 主卫淋浴区; warranty card BX-2027-0001",
        "        covered: 防水工程, period until 2032-02-28, cause 施工质量: free",
        "        visit:  2027-06-10 15:00, 5.5 h after the report (limit 24 h)",
        "        repair: 2027-06-12 09:00, 47.5 h after the report (limit 72 h)",
        "        accepted: 满意",
    ]
    slow = step(step(report(), "visit", visited_at="2027-06-11 15:00"), "repair", repaired_at="2027-06-14 09:00")
    lines = KIND.show(row(slow), [], dt.date(2027, 7, 1))
    assert lines[2] == "        visit:  2027-06-11 15:00, 29.5 h after the report (limit 24 h): late"
    assert lines[3] == "        repair: 2027-06-14 09:00, 95.5 h after the report (limit 72 h): late"
    paid = step(report(), "visit", cause="使用不当", charges=MISUSE_CHARGES)
    assert KIND.show(row(paid), [], dt.date(2027, 7, 1))[1] == "        paid (cause 使用不当): ¥348.75"


def test_revise_only_a_bare_report() -> None:
    assert KIND.refuse_revise(row(report()), Archive()) is None
    refused = KIND.refuse_revise(row(step(report(), "visit")), Archive())
    assert refused == ("WX-2027-0001 has recorded steps; record what follows with `docgen step`, "
                       "or void it and make a new order")


# the document -------------------------------------------------------------------------------


def test_golden_text_of_the_closed_order() -> None:
    d = prepared(through("visit", "repair", "accept")[-1])
    check_golden("repair.txt", rendered_text(d, 4))


def test_blank_parts_for_the_paper_before_the_visit() -> None:
    text = rendered_text(prepared(report()), 1)
    assert "报修方式 | ■电话 □微信 □上门 □其他" in text
    assert "上门时间 | ______年____月____日 ____时____分" in text
    assert "问题原因 | □施工质量 □材料 □使用不当 □其他" in text
    assert "判定结果 | □免费保修 □有偿维修" in text
    assert "计划维修日期：______年____月____日" in text
    assert "□已清理现场、恢复原状" in text and "□满意 □不满意" in text
    assert "维修单状态 | 待上门查看" in text
    assert "收费明细" not in text
    visited = rendered_text(prepared(step(report(), "visit")), 2)
    assert "维修单状态 | 待维修" in visited and "上门时间 | 2027年6月10日 15:00" in visited
    assert "计划维修日期：2027年6月12日。" in visited
    assert "____年__月__日" in visited  # the repair and acceptance rows stay blank for the site


# through the command line -------------------------------------------------------------------


def show(number: str) -> dict[str, Any]:
    r = run("show", number, "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def cli_step(number: str, name: str, path: Path, *more: str) -> Any:
    return run("step", number, name, path, *more)


def stored_text(archive_dir: Path, number: str, version: int) -> str:
    sha = show(number)["versions"][version - 1]["files"]["text"]["sha256"]
    return (archive_dir / "objects" / sha[:2] / sha).read_text(encoding="utf-8")


def test_cli_through_every_step(warranted: Path, archive_dir: Path) -> None:
    act_as("tester")
    made = new("repair", warranted / "repair.yaml")
    assert made["number"] == NUMBER and show(NUMBER)["status"] == "reported"
    assert cli_step(NUMBER, "visit", warranted / "repair-visit.yaml", "--note", "上门查看，保修期内免费").exit_code == 0
    assert show(NUMBER)["status"] == "visited"
    assert cli_step(NUMBER, "repair", warranted / "repair-repair.yaml").exit_code == 0
    assert show(NUMBER)["status"] == "repaired"
    r = cli_step(NUMBER, "accept", warranted / "repair-accept.yaml", "--json")
    assert r.exit_code == 0, r
    data = show(NUMBER)
    assert data["status"] == "closed" and len(data["versions"]) == 4
    assert [(e["action"], e["actor"]) for e in data["events"]][:4] == [
        ("create", "tester"), ("step:visit", "tester"), ("step:repair", "tester"), ("step:accept", "tester")]
    assert [v["status"] for v in data["versions"]] == ["reported", "visited", "repaired", "closed"]
    assert data["summary"]["coverage"] == "free" and data["summary"]["visit_hours"] == "5.5"
    # every version keeps the report's photo, the file is read once
    assert len({v["files"]["photo1"]["sha256"] for v in data["versions"]}) == 1
    check_golden("repair.txt", stored_text(archive_dir, NUMBER, 4))
    # the history names each step and who recorded it
    shown = run("show", NUMBER, "--wide").stdout
    for line in ("tester  visit    visited", "tester  repair   repaired", "tester  accept   closed", "上门查看，保修期内免费"):
        assert line in shown, shown
    assert "visit:  2027-06-10 15:00, 5.5 h after the report (limit 24 h)" in shown
    # copies: engineering (售后) from the report on, the customer from the visit on
    customer = sorted(p.name for p in (archive_dir / "outbox/customer").glob("WX-*"))
    engineering = sorted(p.name for p in (archive_dir / "outbox/engineering").glob("WX-*"))
    assert "WX-2027-0001_v4_客户联.pdf" in customer and "WX-2027-0001_v1_客户联.pdf" not in customer
    assert "WX-2027-0001_v1_工程联.pdf" in engineering and "WX-2027-0001_v4_工程联.pdf" in engineering
    listed = json.loads(run("list", "--kind", "维修单", "--json").stdout)
    assert [(d["number"], d["status"]) for d in listed] == [(NUMBER, "closed")]


def test_cli_refused_without_a_warranty_card(contracted: Path, archive_dir: Path) -> None:
    r = run("new", "repair", contracted / "repair.yaml")
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        f"Error: {contracted / 'repair.yaml'}: P-2026-0001 has no warranty card (issued, not void); a repair order "
        "comes under the project's warranty card: issue it first (docgen new warranty)"]
    assert json.loads(run("list", "--kind", "repair", "--json").stdout) == []
    assert not (archive_dir / "documents" / NUMBER).exists()


def test_cli_step_order_and_a_closed_order(warranted: Path) -> None:
    new("repair", warranted / "repair.yaml")
    r = cli_step(NUMBER, "repair", warranted / "repair-repair.yaml")
    assert r.exit_code == 1
    assert r.stderr.strip() == "Error: repair: the order has not been visited yet; record the visit first (step visit)"
    r = cli_step(NUMBER, "accept", warranted / "repair-accept.yaml")
    assert r.exit_code == 1 and "accept: there is no repair to accept yet" in r.stderr
    r = cli_step(NUMBER, "inspect", warranted / "repair-visit.yaml")
    assert r.exit_code == 1 and "its steps are: visit, repair, accept" in r.stderr
    assert len(show(NUMBER)["versions"]) == 1
    assert cli_step(NUMBER, "visit", warranted / "repair-visit.yaml").exit_code == 0
    r = cli_step(NUMBER, "visit", warranted / "repair-visit.yaml")
    assert r.exit_code == 1 and "visit: the order was visited on 2027-06-10 15:00 already" in r.stderr
    # a report is revised only before its first step
    r = run("revise", NUMBER, warranted / "repair.yaml", "--note", "改")
    assert r.exit_code == 1 and r.stderr.strip() == (
        f"Error: {NUMBER} has recorded steps; record what follows with `docgen step`, or void it and make a new order")
    # 不满意 reopens the order for another repair and acceptance
    assert cli_step(NUMBER, "repair", warranted / "repair-repair.yaml").exit_code == 0
    edit(warranted / "repair-accept.yaml", lambda d: d.update(result="不满意", opinion="地面仍有积水", date="2027-06-13"))
    assert cli_step(NUMBER, "accept", warranted / "repair-accept.yaml").exit_code == 0
    assert show(NUMBER)["status"] == "reopened"
    edit(warranted / "repair-repair.yaml", lambda d: d.update(repaired_at="2027-06-14 09:00", work="重新找坡"))
    assert cli_step(NUMBER, "repair", warranted / "repair-repair.yaml").exit_code == 0
    edit(warranted / "repair-accept.yaml", lambda d: d.update(result="满意", date="2027-06-15"))
    assert cli_step(NUMBER, "accept", warranted / "repair-accept.yaml").exit_code == 0
    data = show(NUMBER)
    assert data["status"] == "closed" and data["summary"]["acceptances"] == ["不满意", "满意"]
    r = cli_step(NUMBER, "repair", warranted / "repair-repair.yaml")
    assert r.exit_code == 1 and r.stderr.strip() == f"Error: {NUMBER} is closed; no step is recorded on it"
    assert len(show(NUMBER)["versions"]) == 6
    r = run("revise", NUMBER, warranted / "repair.yaml", "--note", "改")
    assert r.exit_code == 1 and r.stderr.strip() == f"Error: {NUMBER} is closed; make a new repair order instead of revising it"


def overdue_now(at: str, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.setenv("DOCGEN_NOW", at)
    r = run("list", "--overdue", "--json")
    assert r.exit_code == 0, r
    return [o for o in json.loads(r.stdout) if o["kind"] == "repair"]


def test_cli_on_time_and_overdue(warranted: Path, archive_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new("repair", warranted / "repair.yaml")  # reported 2027-06-10 09:30
    assert overdue_now("2027-06-11T01:00:00Z", monkeypatch) == []  # 09:00 next day: within 24 h
    late = overdue_now("2027-06-12T02:00:00Z", monkeypatch)
    assert [(o["number"], o["deadline"], o["days_overdue"], o["limit"]) for o in late] == [
        (NUMBER, "2027-06-11", 1, "visit within 24 h")]
    shown = run("show", NUMBER).stdout
    assert "visit:  not yet, due 2027-06-11 09:30 (within 24 h): 24.5 h late" in shown
    # the archive's docgen.toml sets the limits
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("visit_within_hours = 24", "visit_within_hours = 48"),
                    encoding="utf-8")
    assert overdue_now("2027-06-12T00:00:00Z", monkeypatch) == []
    assert cli_step(NUMBER, "visit", warranted / "repair-visit.yaml").exit_code == 0
    assert overdue_now("2027-06-13T01:00:00Z", monkeypatch) == []  # 71.5 h: within 72
    late = overdue_now("2027-06-14T02:00:00Z", monkeypatch)
    assert [(o["deadline"], o["days_overdue"], o["limit"]) for o in late] == [("2027-06-13", 1, "repair within 72 h")]
    assert cli_step(NUMBER, "repair", warranted / "repair-repair.yaml").exit_code == 0
    assert overdue_now("2027-07-01T02:00:00Z", monkeypatch) == []


def test_cli_paid_after_every_period(warranted: Path) -> None:
    edit(warranted / "repair.yaml", lambda d: d.update(reported_at="2032-03-01 10:00"))
    made = new("repair", warranted / "repair.yaml")
    assert made["number"] == "WX-2032-0001"
    assert show("WX-2032-0001")["summary"]["coverage"] == "paid"
    edit(warranted / "repair-visit.yaml", lambda d: d.update(visited_at="2032-03-01 15:00", charges=MISUSE_CHARGES))
    r = cli_step("WX-2032-0001", "visit", warranted / "repair-visit.yaml")
    assert r.exit_code == 0, r
    listed = json.loads(run("list", "--kind", "repair", "--json").stdout)
    assert listed[0]["total"] == "348.75"


def test_cli_signed_scan_search_and_verify(warranted: Path, archive_dir: Path, tmp_path: Path) -> None:
    import scanmaker

    new("repair", warranted / "repair.yaml")
    assert cli_step(NUMBER, "visit", warranted / "repair-visit.yaml").exit_code == 0
    # the customer signs the printed order on site; its scan is filed and keeps the status
    scan = scanmaker.scan(archive_dir / f"documents/{NUMBER}/{NUMBER}-v2.pdf", tmp_path / "wx.pdf", 200)
    r = run("ingest", scan)
    assert r.exit_code == 0 and f"{NUMBER} v3" in r.stdout + r.stderr, r
    data = show(NUMBER)
    assert data["status"] == "visited" and len(data["versions"]) == 3
    # the next step starts from the signed version's data
    assert cli_step(NUMBER, "repair", warranted / "repair-repair.yaml").exit_code == 0
    assert show(NUMBER)["status"] == "repaired"
    # the order goes on after a signed step: the newest step's version stands, not the old scan
    assert show(NUMBER)["effective_version"] == 4
    found = json.loads(run("search", "渗水", "--kind", "维修单", "--json").stdout)
    assert {f["number"] for f in found} == {NUMBER}
    assert run("verify").exit_code == 0


def test_cli_revise_cannot_record_steps(warranted: Path) -> None:
    """A revised report may not carry a visit, repairs or the customer's acceptance: only
    `docgen step` records them, each as its own version with who and when."""
    import yaml

    new("repair", warranted / "repair.yaml")
    data = yaml.safe_load((warranted / "repair.yaml").read_text(encoding="utf-8"))
    data["acceptances"] = [{"date": "2027-06-12", "result": "满意", "signed_by": "张三"}]
    revised = warranted / "repair-revised.yaml"
    revised.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = run("revise", NUMBER, revised, "--note", "x")
    assert r.exit_code == 1 and "are recorded by `docgen step`" in r.stderr, r
    assert show(NUMBER)["status"] == "reported" and len(show(NUMBER)["versions"]) == 1


def test_the_warranty_card_promises_the_repair_order_s_response_time(warranted: Path, archive_dir: Path) -> None:
    """The card's 报修 line states the hours a repair order is held to ([repair] visit_within_hours)."""
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("visit_within_hours = 24", "visit_within_hours = 12"),
                    encoding="utf-8")
    assert run("void", "BX-2027-0001", "--note", "重新签发").exit_code == 0
    card = run("new", "warranty", "--from-acceptance", "YS-2027-0001", "--json")
    assert card.exit_code == 0, card
    card = json.loads(card.stdout)["number"]
    assert "乙方接到报修后 12 小时内上门查看" in stored_text(archive_dir, card, 1)
