"""Rectification notices, acceptance reports and warranty cards, and the chain between them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import docx
import pytest
from conftest import ROOT, edit, new, run
from docx.oxml.ns import qn
from test_bad_input import archived_counts
from test_documents import check_golden, table_rows


def show(number: str) -> dict:  # type: ignore[type-arg]
    r = run("show", number, "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def stored_text(archive_dir: Path, number: str, version: int = 1) -> str:
    v = show(number)["versions"][version - 1]
    sha = v["files"]["text"]["sha256"]
    return (archive_dir / "objects" / sha[:2] / sha).read_text(encoding="utf-8")


def test_rectification_notice_with_photo(contracted: Path, archive_dir: Path) -> None:
    made = new("rectification", contracted / "rectification.yaml")
    assert made["number"] == "ZG-2026-0001"
    data = show("ZG-2026-0001")
    assert data["status"] == "issued"
    assert "photo1" in data["versions"][0]["files"]  # the photo is archived with the version
    d = docx.Document(made["files"]["docx"])
    issues = d.tables[1]
    pics = [b for b in issues._tbl.iter(qn("w:drawing"))]
    assert len(pics) == 1  # one issue has a photo, placed in its row
    extent = next(pics[0].iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent"))
    width_mm = int(extent.get("cx")) / 36000
    height_mm = int(extent.get("cy")) / 36000
    assert width_mm <= 80.5 and height_mm <= 55.5
    assert abs(width_mm / height_mm - 480 / 320) < 0.02  # aspect kept
    check_golden("rectification.txt", stored_text(archive_dir, "ZG-2026-0001"))


def test_acceptance_conclusion_is_derived(contracted: Path, archive_dir: Path) -> None:
    failed = new("acceptance", contracted / "acceptance-1.yaml")
    assert failed["number"] == "YS-2027-0001"
    assert show("YS-2027-0001")["status"] == "failed"
    assert show("YS-2027-0001")["summary"]["conclusion"] == "不合格"
    text = stored_text(archive_dir, "YS-2027-0001")
    assert "验收结论：不合格" in text
    assert "8 项验收项目中2项不合格" in text.replace("经正式验收，", "") or "8项验收项目中2项不合格" in text
    check_golden("acceptance-failed.txt", text)
    edit(contracted / "acceptance-1.yaml", lambda d: [i.update(result="合格") for i in d["items"]])
    passed = new("acceptance", contracted / "acceptance-1.yaml")
    assert show(passed["number"])["status"] == "passed"
    assert "验收结论：合格" in stored_text(archive_dir, passed["number"])
    assert show(passed["number"])["summary"]["previous"] == "YS-2027-0001"  # refers to the earlier one


def test_whole_chain_through_the_cli(contracted: Path, archive_dir: Path) -> None:
    # a failed acceptance
    new("acceptance", contracted / "acceptance-1.yaml")
    # a notice from its failed items, deadline from the option
    r = run("new", "rectification", "--from-acceptance", "YS-2027-0001", "--deadline", "2027-02-27", "--json")
    assert r.exit_code == 0, r
    notice = json.loads(r.stdout)["number"]
    assert notice == "ZG-2027-0001"
    data = show(notice)
    assert data["summary"]["acceptance"] == "YS-2027-0001" and data["summary"]["issues"] == 2
    assert data["summary"]["deadline"] == "2027-02-27"
    rows = table_rows(json.loads(r.stdout)["files"]["docx"])
    assert any("地砖空鼓率不合格：主卫地面空鼓约8%" in " ".join(row) for row in rows)
    # a failed re-inspection re-issues it with a new deadline, as a new version
    bad = run("recheck", notice, "--failed", "--note", "仍有空鼓", "--date", "2027-02-26",
              "--deadline", "2027-03-05")
    assert bad.exit_code == 0, bad
    data = show(notice)
    assert data["status"] == "issued" and len(data["versions"]) == 2
    assert data["summary"]["deadline"] == "2027-03-05" and data["summary"]["rechecks"] == 1
    # a passed re-inspection closes it
    good = run("recheck", notice, "--passed", "--note", "复查合格", "--date", "2027-03-04")
    assert good.exit_code == 0, good
    data = show(notice)
    assert data["status"] == "closed" and len(data["versions"]) == 3
    text = stored_text(archive_dir, notice, 3)
    assert "2027年2月26日 | 不通过 | 仍有空鼓（新整改期限：2027年3月5日） | 质检员 赵六" in text
    assert "2027年3月4日 | 通过 | 复查合格 | 质检员 赵六" in text
    assert "photo1" not in data["versions"][2]["files"]
    # the next acceptance passes, refers to the failed one, and a warranty card follows
    new("acceptance", contracted / "acceptance-2.yaml")
    assert show("YS-2027-0002")["summary"]["previous"] == "YS-2027-0001"
    made = new("warranty", contracted / "warranty.yaml")
    card = show(made["number"])
    assert card["summary"]["periods"]["waterproof"] == {"years": 5, "start": "2027-02-28", "end": "2032-02-28"}
    check_golden("warranty.txt", stored_text(archive_dir, made["number"]))
    events = [e["action"] for e in data["events"]]
    assert events == ["create", "recheck:failed", "recheck:passed"]


def test_warranty_from_acceptance_option(contracted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new("acceptance", contracted / "acceptance-2.yaml")
    monkeypatch.setenv("DOCGEN_TODAY", "2027-03-02")
    r = run("new", "warranty", "--from-acceptance", "YS-2027-0001", "--json")
    assert r.exit_code == 0, r
    card = show(json.loads(r.stdout)["number"])
    assert card["summary"]["issue_date"] == "2027-03-02"
    assert card["summary"]["acceptance_date"] == "2027-02-28"


def test_photos_survive_a_recheck_after_the_file_is_gone(contracted: Path) -> None:
    new("rectification", contracted / "rectification.yaml")
    shutil.rmtree(contracted / "photos")
    r = run("recheck", "ZG-2026-0001", "--failed", "--note", "未完成", "--date", "2026-12-22",
            "--deadline", "2026-12-29")
    assert r.exit_code == 0, r
    files = show("ZG-2026-0001")["versions"][1]["files"]
    assert files["photo1"] == show("ZG-2026-0001")["versions"][0]["files"]["photo1"]


@pytest.mark.parametrize(
    "start, years, end",
    [("2028-02-29", 2, "2030-02-28"), ("2028-02-29", 4, "2032-02-29"), ("2028-02-29", 5, "2033-02-28"),
     ("2027-02-28", 5, "2032-02-28"), ("2026-12-31", 2, "2028-12-31")],
)
def test_end_dates(start: str, years: int, end: str) -> None:
    from docgen.kinds.warranty import add_years

    assert add_years(dt.date.fromisoformat(start), years) == dt.date.fromisoformat(end)


def test_leap_day_acceptance_through_the_cli(contracted: Path) -> None:
    edit(contracted / "acceptance-2.yaml", lambda d: d.update(date="2028-02-29"))
    new("acceptance", contracted / "acceptance-2.yaml")
    edit(contracted / "warranty.yaml", lambda d: d.update(acceptance="YS-2028-0001", issue_date="2028-03-01"))
    card = show(new("warranty", contracted / "warranty.yaml")["number"])
    periods = card["summary"]["periods"]
    assert periods["basic"]["end"] == "2030-02-28"
    assert periods["waterproof"]["end"] == "2033-02-28"


@pytest.mark.parametrize(
    "key, value, floor, rule",
    [("basic", 1, 2, "住宅室内装饰装修管理办法》第三十二条"),
     ("plumbing_electrical", 1, 2, "建设工程质量管理条例》第四十条"),
     ("waterproof", 4, 5, "建设工程质量管理条例》第四十条")],
)
def test_legal_floors(key: str, value: int, floor: int, rule: str, contracted: Path, archive_dir: Path) -> None:
    new("acceptance", contracted / "acceptance-2.yaml")
    edit(contracted / "warranty.yaml", lambda d: d.update(acceptance="YS-2027-0001"))
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    default = {"basic": 2, "plumbing_electrical": 2, "waterproof": 5}[key]
    toml.write_text(text.replace(f"\n{key} = {default}", f"\n{key} = {value}"), encoding="utf-8")
    r = run("new", "warranty", contracted / "warranty.yaml")
    assert r.exit_code == 1
    assert f"[warranty] {key} = {value} is below the legal minimum of {floor} years" in r.stderr
    assert rule in r.stderr
    assert run("list").exit_code == 1  # every command refuses a docgen.toml below the floors
    toml.write_text(text, encoding="utf-8")
    assert len(json.loads(run("list", "--json", "--kind", "warranty").stdout)) == 0


def test_longer_warranty_than_the_floor(contracted: Path, archive_dir: Path) -> None:
    new("acceptance", contracted / "acceptance-2.yaml")
    edit(contracted / "warranty.yaml", lambda d: d.update(acceptance="YS-2027-0001"))
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("\nwaterproof = 5", "\nwaterproof = 20"),
                    encoding="utf-8")
    made = new("warranty", contracted / "warranty.yaml")
    assert ["防水工程", "有防水要求的厨房、卫生间和外墙面的防渗漏", "20年", "2027年2月28日", "2047年2月28日"] in \
        table_rows(made["files"]["docx"])


def test_overdue_listing_with_fixed_clock(contracted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new("rectification", contracted / "rectification.yaml")  # deadline 2026-12-22
    edit(contracted / "rectification.yaml", lambda d: d.update(inspection_date="2026-12-20", deadline="2026-12-27"))
    new("rectification", contracted / "rectification.yaml")  # ZG-2026-0002, deadline 2026-12-27
    monkeypatch.setenv("DOCGEN_TODAY", "2026-12-22")
    assert "nothing is overdue" in run("list", "--overdue").stdout  # due today is not overdue
    monkeypatch.setenv("DOCGEN_TODAY", "2027-01-05")
    rows = json.loads(run("list", "--overdue", "--json").stdout)
    assert [(r["number"], r["days_overdue"]) for r in rows] == [("ZG-2026-0001", 14), ("ZG-2026-0002", 9)]
    assert run("list", "--overdue").stdout.splitlines()[1].split()[-2:] == ["2026-12-22", "14"]
    assert "OVERDUE by 14 day(s)" in run("show", "ZG-2026-0001").stdout
    assert run("recheck", "ZG-2026-0001", "--passed", "--note", "ok", "--date", "2027-01-04").exit_code == 0
    rows = json.loads(run("list", "--overdue", "--json").stdout)
    assert [r["number"] for r in rows] == ["ZG-2026-0002"]


# bad input -------------------------------------------------------------------------------


def _fails_cleanly(args: list, message: str, archive_dir: Path) -> None:  # type: ignore[type-arg]
    before = archived_counts(archive_dir)
    r = run(*args)
    assert r.exit_code == 1, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert archived_counts(archive_dir) == before


def test_warranty_from_failed_acceptance(contracted: Path, archive_dir: Path) -> None:
    new("acceptance", contracted / "acceptance-1.yaml")
    edit(contracted / "warranty.yaml", lambda d: d.update(acceptance="YS-2027-0001"))
    _fails_cleanly(["new", "warranty", contracted / "warranty.yaml"],
                   "acceptance: YS-2027-0001 did not pass (不合格)", archive_dir)
    _fails_cleanly(["new", "warranty", "--from-acceptance", "YS-2027-0001"], "did not pass", archive_dir)


def test_warranty_from_initial_acceptance(contracted: Path, archive_dir: Path) -> None:
    edit(contracted / "acceptance-2.yaml", lambda d: d.update(stage="初验"))
    new("acceptance", contracted / "acceptance-2.yaml")
    edit(contracted / "warranty.yaml", lambda d: d.update(acceptance="YS-2027-0001"))
    _fails_cleanly(["new", "warranty", contracted / "warranty.yaml"],
                   "acceptance: YS-2027-0001 is an 初验 report; a warranty card needs a passed 正式验收", archive_dir)


def test_warranty_from_unknown_acceptance(contracted: Path, archive_dir: Path) -> None:
    _fails_cleanly(["new", "warranty", contracted / "warranty.yaml"],
                   "acceptance: YS-2027-0002 is not an acceptance report in this archive", archive_dir)
    _fails_cleanly(["new", "warranty", "--from-acceptance", "YS-2027-0404"], "no document YS-2027-0404",
                   archive_dir)


def test_notice_deadline_before_inspection(contracted: Path, archive_dir: Path) -> None:
    edit(contracted / "rectification.yaml", lambda d: d.update(deadline="2026-12-10"))
    _fails_cleanly(["new", "rectification", contracted / "rectification.yaml"],
                   "deadline: 2026-12-10 is before inspection_date 2026-12-15", archive_dir)


def test_acceptance_result_must_be_pass_or_fail(contracted: Path, archive_dir: Path) -> None:
    edit(contracted / "acceptance-1.yaml", lambda d: d["items"][2].update(result="基本合格"))
    _fails_cleanly(["new", "acceptance", contracted / "acceptance-1.yaml"],
                   "items[2].result: must be 合格 or 不合格 (got '基本合格')", archive_dir)


def test_photo_missing(contracted: Path, archive_dir: Path) -> None:
    edit(contracted / "rectification.yaml", lambda d: d["issues"][0].update(photo="photos/nope.jpg"))
    _fails_cleanly(["new", "rectification", contracted / "rectification.yaml"],
                   "issues[0].photo: photo photos/nope.jpg does not exist", archive_dir)


def test_photo_not_an_image(contracted: Path, archive_dir: Path) -> None:
    (contracted / "photos" / "notes.jpg").write_text("not a picture", encoding="utf-8")
    edit(contracted / "rectification.yaml", lambda d: d["issues"][0].update(photo="photos/notes.jpg"))
    _fails_cleanly(["new", "rectification", contracted / "rectification.yaml"],
                   "issues[0].photo: photos/notes.jpg is not an image", archive_dir)


def test_recheck_of_closed_notice(contracted: Path, archive_dir: Path) -> None:
    new("rectification", contracted / "rectification.yaml")
    assert run("recheck", "ZG-2026-0001", "--passed", "--note", "ok", "--date", "2026-12-20").exit_code == 0
    _fails_cleanly(["recheck", "ZG-2026-0001", "--passed", "--note", "again", "--date", "2026-12-21"],
                   "ZG-2026-0001 is closed", archive_dir)


@pytest.mark.parametrize(
    "args, message",
    [(["--passed", "--note", "x", "--date", "2026-12-01"], "before the inspection date 2026-12-15"),
     (["--failed", "--note", "x", "--date", "2026-12-20", "--deadline", "2026-12-19"], "is before the re-inspection date")],
)
def test_recheck_bad_options(args: list, message: str, contracted: Path, archive_dir: Path) -> None:  # type: ignore[type-arg]
    new("rectification", contracted / "rectification.yaml")
    _fails_cleanly(["recheck", "ZG-2026-0001", *args], message, archive_dir)


@pytest.mark.parametrize(
    "args, message",
    [(["--failed", "--note", "x", "--date", "2026-12-20"], "needs the new deadline: --deadline"),
     (["--passed", "--note", "x", "--deadline", "2026-12-30"], "--deadline is for a failed re-inspection")],
)
def test_recheck_options_that_do_not_go_together(args: list, message: str, contracted: Path,  # type: ignore[type-arg]
                                                 archive_dir: Path) -> None:
    new("rectification", contracted / "rectification.yaml")
    before = archived_counts(archive_dir)
    r = run("recheck", "ZG-2026-0001", *args)
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and len(lines) == 1 and message in lines[0], r  # a usage error
    assert archived_counts(archive_dir) == before


def test_notice_from_passed_acceptance_is_refused(contracted: Path, archive_dir: Path) -> None:
    new("acceptance", contracted / "acceptance-2.yaml")
    _fails_cleanly(["new", "rectification", "--from-acceptance", "YS-2027-0001"], "nothing to rectify", archive_dir)


def test_notice_needs_an_archived_contract(work: Path, archive_dir: Path) -> None:
    _fails_cleanly(["new", "rectification", work / "rectification.yaml"],
                   "contract: HT-2026-0001 is not a contract in this archive", archive_dir)


def test_default_deadline_from_settings(contracted: Path) -> None:
    new("acceptance", contracted / "acceptance-1.yaml")
    r = run("new", "rectification", "--from-acceptance", "YS-2027-0001", "--json")
    assert show(json.loads(r.stdout)["number"])["summary"]["deadline"] == "2027-02-27"  # 2027-02-20 + 7


def test_sample_demo_script_lists_every_kind() -> None:
    script = (ROOT / "scripts" / "demo").read_text(encoding="utf-8")
    for kind in ("quote", "contract", "rectification", "acceptance", "warranty", "recheck"):
        assert kind in script


def test_one_warranty_per_acceptance_and_report_locked_by_it(contracted: Path, archive_dir: Path) -> None:
    new("acceptance", contracted / "acceptance-2.yaml")
    edit(contracted / "warranty.yaml", lambda d: d.update(acceptance="YS-2027-0001"))
    new("warranty", contracted / "warranty.yaml")
    _fails_cleanly(["new", "warranty", "--from-acceptance", "YS-2027-0001"],
                   "warranty card BX-2027-0001 was already issued from YS-2027-0001", archive_dir)
    edit(contracted / "acceptance-2.yaml", lambda d: d["items"][0].update(result="不合格"))
    _fails_cleanly(["revise", "YS-2027-0001", contracted / "acceptance-2.yaml", "--note", "改为不合格"],
                   "warranty card BX-2027-0001 was issued from YS-2027-0001", archive_dir)
    # the card itself can still be corrected, and a void card frees the report
    edit(contracted / "warranty.yaml", lambda d: d.update(notes=["赠送一次免费深度保洁"]))
    assert run("revise", "BX-2027-0001", contracted / "warranty.yaml", "--note", "补充说明").exit_code == 0
    assert run("void", "BX-2027-0001", "--note", "重新签发").exit_code == 0
    assert run("new", "warranty", "--from-acceptance", "YS-2027-0001").exit_code == 0


def test_one_notice_per_failed_acceptance(contracted: Path, archive_dir: Path) -> None:
    new("acceptance", contracted / "acceptance-1.yaml")
    assert run("new", "rectification", "--from-acceptance", "YS-2027-0001").exit_code == 0
    _fails_cleanly(["new", "rectification", "--from-acceptance", "YS-2027-0001"],
                   "notice ZG-2027-0001 was already made from YS-2027-0001", archive_dir)
    # rechecking the notice is of course allowed
    assert run("recheck", "ZG-2027-0001", "--passed", "--note", "ok", "--date", "2027-02-25").exit_code == 0


def test_void_references_are_refused(contracted: Path, archive_dir: Path) -> None:
    new("acceptance", contracted / "acceptance-2.yaml")
    assert run("void", "YS-2027-0001", "--note", "录入错误").exit_code == 0
    edit(contracted / "warranty.yaml", lambda d: d.update(acceptance="YS-2027-0001"))
    _fails_cleanly(["new", "warranty", contracted / "warranty.yaml"], "YS-2027-0001 is void", archive_dir)
    assert run("void", "HT-2026-0001", "--note", "合同作废").exit_code == 0
    _fails_cleanly(["new", "rectification", contracted / "rectification.yaml"], "HT-2026-0001 is void", archive_dir)


def test_notice_file_cannot_carry_rechecks(contracted: Path, archive_dir: Path) -> None:
    edit(contracted / "rectification.yaml", lambda d: d.update(
        rechecks=[{"date": "2026-12-20", "passed": True, "note": "ok", "inspector": "x"}]))
    _fails_cleanly(["new", "rectification", contracted / "rectification.yaml"],
                   "rechecks: are recorded by `docgen recheck`", archive_dir)


def test_revise_keeps_recheck_history_safe(contracted: Path, archive_dir: Path) -> None:
    new("rectification", contracted / "rectification.yaml")
    assert run("recheck", "ZG-2026-0001", "--failed", "--note", "未完成", "--date", "2026-12-20",
               "--deadline", "2026-12-28").exit_code == 0
    _fails_cleanly(["revise", "ZG-2026-0001", contracted / "rectification.yaml", "--note", "x"],
                   "ZG-2026-0001 has re-inspections", archive_dir)


def test_recheck_dates_stay_in_order(contracted: Path, archive_dir: Path) -> None:
    new("rectification", contracted / "rectification.yaml")
    assert run("recheck", "ZG-2026-0001", "--failed", "--note", "未完成", "--date", "2026-12-20",
               "--deadline", "2026-12-28").exit_code == 0
    _fails_cleanly(["recheck", "ZG-2026-0001", "--passed", "--note", "ok", "--date", "2026-12-18"],
                   "before the last re-inspection (2026-12-20)", archive_dir)


def test_warranty_waits_for_open_notices(contracted: Path, archive_dir: Path) -> None:
    new("acceptance", contracted / "acceptance-1.yaml")
    assert run("new", "rectification", "--from-acceptance", "YS-2027-0001", "--deadline", "2027-02-27").exit_code == 0
    new("acceptance", contracted / "acceptance-2.yaml")
    _fails_cleanly(["new", "warranty", contracted / "warranty.yaml"],
                   "rectification notice ZG-2027-0001 is still open", archive_dir)
    # voiding the contract would strand the open notice
    _fails_cleanly(["void", "HT-2026-0001", "--note", "x"], "ZG-2027-0001 of HT-2026-0001 is still open", archive_dir)
    assert run("recheck", "ZG-2027-0001", "--passed", "--note", "ok", "--date", "2027-02-26").exit_code == 0
    assert run("new", "warranty", contracted / "warranty.yaml").exit_code == 0
    _fails_cleanly(["void", "YS-2027-0002", "--note", "x"], "warranty card BX-2027-0001 was issued from YS-2027-0002",
                   archive_dir)


def test_previous_report_is_the_latest_earlier_one(contracted: Path) -> None:
    edit(contracted / "acceptance-2.yaml", lambda d: d.update(stage="初验", date="2027-02-10"))
    new("acceptance", contracted / "acceptance-2.yaml")  # a passed 初验
    edit(contracted / "acceptance-2.yaml", lambda d: d.update(stage="正式验收", date="2027-02-28"))
    new("acceptance", contracted / "acceptance-2.yaml")
    assert show("YS-2027-0002")["summary"]["previous"] == "YS-2027-0001"
    # revising the first report never makes it refer to itself or to a later one
    edit(contracted / "acceptance-2.yaml", lambda d: d.update(stage="初验", date="2027-02-10", opinion="补充"))
    assert run("revise", "YS-2027-0001", contracted / "acceptance-2.yaml", "--note", "补充意见").exit_code == 0
    assert show("YS-2027-0001")["summary"]["previous"] is None


def test_from_acceptance_deadline_not_in_the_past(contracted: Path, archive_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    new("acceptance", contracted / "acceptance-1.yaml")
    monkeypatch.setenv("DOCGEN_TODAY", "2027-03-10")
    _fails_cleanly(["new", "rectification", "--from-acceptance", "YS-2027-0001", "--deadline", "2027-02-21"],
                   "--deadline 2027-02-21 is already past", archive_dir)
    r = run("new", "rectification", "--from-acceptance", "YS-2027-0001", "--json")
    assert show(json.loads(r.stdout)["number"])["summary"]["deadline"] == "2027-03-17"
