"""Change orders (工程变更单): figures, refusals, signing by scan, and what they change in the contract."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import scanmaker
from conftest import SAMPLES, new, run
from test_documents import check_golden, table_rows

from docgen.money import fen, fmt_yuan, uppercase_signed


def show(number: str) -> dict:  # type: ignore[type-arg]
    r = run("show", number, "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def stored_text(archive: Path, number: str, version: int = 1) -> str:
    sha = show(number)["versions"][version - 1]["files"]["text"]["sha256"]
    return (archive / "objects" / sha[:2] / sha).read_text(encoding="utf-8")


def sign(archive: Path, number: str, scans: Path, version: int = 1) -> None:
    """The customer signs the printed change order; its scan is filed by intake."""
    scans.mkdir(exist_ok=True)
    pdf = archive / "documents" / number / f"{number}-v{version}.pdf"
    scan = scanmaker.scan(pdf, scans / f"{number}.pdf", 200)
    r = run("ingest", scan)
    assert r.exit_code == 0 and f"{number} v{version + 1}" in r.stdout + r.stderr, r


def refused(kind: str, path: Path) -> str:
    r = run("new", kind, path)
    assert r.exit_code == 1, r
    return r.stderr.strip()


def change_file(folder: Path, name: str, **data) -> Path:  # type: ignore[no-untyped-def]
    base = {"project": "project.yaml", "contract": "HT-2026-0001", "date": "2026-12-10", "reason": "现场条件",
            "reason_text": "拆除后发现原墙体开裂，需加固。"}
    path = folder / name
    path.write_text(json.dumps({**base, **data}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def changed_base(signed_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The signed sample contract with two signed change orders (BG-2026-0001 +¥5,598.71 and 5
    days, BG-2027-0001 -¥721.50) and a void one (BG-2026-0002), made once for the module."""
    root = tmp_path_factory.mktemp("changed-base")
    archive = root / "archive"
    shutil.copytree(signed_base, archive)
    work = root / "work"
    shutil.copytree(SAMPLES, work)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_ARCHIVE", str(archive))
        assert new("change", work / "change-1.yaml")["number"] == "BG-2026-0001"
        sign(archive, "BG-2026-0001", root / "scans")
        extra = change_file(work, "extra.yaml", additions=[
            {"name": "墙体加固", "unit": "㎡", "quantity": "3", "unit_price": "1000.00"}], schedule_days=30)
        assert new("change", extra)["number"] == "BG-2026-0002"
        assert run("void", "BG-2026-0002", "--note", "客户放弃加固方案").exit_code == 0
        assert new("change", work / "change-2.yaml")["number"] == "BG-2027-0001"
        sign(archive, "BG-2027-0001", root / "scans")
    return archive


@pytest.fixture
def changed(changed_base: Path, archive_dir: Path, work: Path) -> Path:
    shutil.copytree(changed_base, archive_dir, dirs_exist_ok=True)
    return work


# figures and the page ------------------------------------------------------------------------


def test_sample_change_order_figures_and_golden_text(contracted: Path, archive_dir: Path) -> None:
    made = new("change", contracted / "change-1.yaml")
    assert made["number"] == "BG-2026-0001" and made["total"] == "5598.71"
    rows = table_rows(made["files"]["docx"])
    assert ["1", "书房定制书柜", "㎡", "4.2", "680.00", "2,856.00", "E0级多层实木板，投影面积计"] in rows
    # the 减项 names the quote's item: its unit and unit price come from the contract's annex
    assert ["1", "墙砖铺贴", "㎡", "6.5", "85.00", "552.50", "主卫墙面改为艺术漆"] in rows
    assert ["增项合计", "5,585.50", ""] in rows and ["减项合计", "552.50", ""] in rows
    assert ["管理费（净额 × 8%）", "¥402.64"] in rows  # 5,033.00 × 8%
    assert ["税金（（净额 + 管理费）× 3%）", "¥163.07"] in rows  # 5,435.64 × 3% = 163.0692
    assert ["本次变更净额（大写）", "人民币伍仟伍佰玖拾捌元柒角壹分"] in rows
    assert ["本变更生效后合同价款（小写）", "¥56,898.70"] in rows
    data = show("BG-2026-0001")
    assert data["status"] == "draft" and data["kind"] == "change"
    s = data["summary"]
    assert (s["additions"], s["deductions"], s["net"], s["after"]) == ("5585.50", "552.50", "5598.71", "56898.70")
    assert s["completion_after"] == "2027-02-22"  # 2027-02-17 and 5 days
    text = stored_text(archive_dir, "BG-2026-0001")
    assert "因本变更，工期顺延 5 日历天，竣工日期由 2027年2月17日 调整为 2027年2月22日。" in text
    assert "本变更单经甲方签字、乙方盖章后生效。" in text
    check_golden("change.txt", text)


def test_a_draft_change_order_does_not_change_the_contract(contracted: Path) -> None:
    new("change", contracted / "change-1.yaml")
    contract = show("HT-2026-0001")
    assert Decimal(contract["total"]) == Decimal("51299.99")
    r = run("show", "HT-2026-0001")
    assert "BG-2026-0001" in r.stdout and "(not counted)" in r.stdout


def test_fee_and_tax_at_the_rates_of_the_contracts_quote(contracted: Path, archive_dir: Path) -> None:
    # the company's rates changed after the contract was signed: the change order keeps the quote's
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('management_fee_rate = "0.08"', 'management_fee_rate = "0.10"')
                    .replace('tax_rate = "0.03"', 'tax_rate = "0.05"'), encoding="utf-8")
    s = show(new("change", contracted / "change-1.yaml")["number"])["summary"]
    assert (s["fee_rate"], s["tax_rate"], s["fee"], s["tax"]) == ("0.08", "0.03", "402.64", "163.07")


def test_negative_net_and_its_uppercase(contracted: Path, archive_dir: Path) -> None:
    made = new("change", contracted / "change-2.yaml")
    s = show(made["number"])["summary"]
    # 1,352.00 - 2,000.60 = -648.60; fee -51.888 -> -51.89; tax -700.49 × 3% = -21.0147 -> -21.01
    assert (s["works"], s["fee"], s["tax"], s["net"]) == ("-648.60", "-51.89", "-21.01", "-721.50")
    rows = table_rows(made["files"]["docx"])
    assert ["本次变更净额（小写）", "-¥721.50"] in rows
    assert ["本次变更净额（大写）", "人民币负柒佰贰拾壹元伍角"] in rows
    assert ["本变更生效后合同价款（小写）", "¥50,578.49"] in rows
    text = stored_text(archive_dir, made["number"])
    assert "本变更减少的款项，由乙方于本变更单经双方签字之日起7日内退还甲方。" in text
    assert "本变更不影响工期，竣工日期仍为 2027年2月17日。" in text


def test_uppercase_of_negative_amounts() -> None:
    assert uppercase_signed(Decimal("-721.50")) == "人民币负柒佰贰拾壹元伍角"
    assert uppercase_signed(Decimal("-0.01")) == "人民币负壹分"
    assert uppercase_signed(Decimal("-10000")) == "人民币负壹万元整"
    assert uppercase_signed(Decimal("0")) == "人民币零元整"
    assert uppercase_signed(Decimal("1680.32")) == "人民币壹仟陆佰捌拾元零叁角贰分"
    assert fmt_yuan(Decimal("-721.5")) == "-¥721.50" and fmt_yuan(Decimal("-0.001")) == "¥0.00"
    assert fen(Decimal("-51.885")) == Decimal("-51.89")  # half up, by size, as for a positive amount


# refusals -------------------------------------------------------------------------------------


def test_refused_against_a_contract_that_is_not_signed(work: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    assert refused("change", work / "change-1.yaml") == (
        f"Error: {work / 'change-1.yaml'}: contract: HT-2026-0001 is draft, not signed; a change order "
        "amends a signed contract: file the contract's signed scan first")
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    assert run("review", "HT-2026-0001", "approve", "--note", "同意").exit_code == 0
    assert "HT-2026-0001 is approved, not signed" in refused("change", work / "change-1.yaml")
    assert run("list", "--json").stdout.count("BG-") == 0  # nothing archived, no number taken


def test_refused_after_the_formal_acceptance_passed(contracted: Path) -> None:
    passed = new("acceptance", contracted / "acceptance-2.yaml")["number"]
    assert show(passed)["status"] == "passed"
    assert refused("change", contracted / "change-1.yaml") == (
        f"Error: {contracted / 'change-1.yaml'}: the project passed its formal acceptance ({passed}); "
        "work after acceptance is a new contract or a repair, not a change order")


def test_a_failed_acceptance_does_not_stop_change_orders(contracted: Path) -> None:
    new("acceptance", contracted / "acceptance-1.yaml")  # 正式验收, 不合格
    assert new("change", contracted / "change-1.yaml")["number"] == "BG-2026-0001"


def test_refused_when_the_contract_sum_would_go_below_zero(contracted: Path) -> None:
    path = change_file(contracted, "too-much.yaml", deductions=[
        {"name": "取消全部木作", "unit": "项", "quantity": "1", "unit_price": "60000.00"}])
    assert refused("change", path) == (
        f"Error: {path}: this change order's net -¥66,744.00 would take contract HT-2026-0001's sum "
        "below zero (now ¥51,299.99); deduct less")


def test_refused_a_deduction_of_more_than_the_quote_held(contracted: Path) -> None:
    path = change_file(contracted, "over.yaml", deductions=[{"item": "墙砖铺贴", "quantity": "42.7"}])
    assert refused("change", path) == (
        f"Error: {path}: deductions[0].quantity: 42.7 ㎡ of 墙砖铺贴 is more than the contract holds: "
        "quote BJ-2026-0001 has 42.6 ㎡, signed change orders removed 0, so at most 42.6 ㎡ is left")
    # two lines of one change order count together
    path = change_file(contracted, "twice.yaml", deductions=[{"item": "墙砖铺贴", "quantity": "40"},
                                                              {"item": "墙砖铺贴", "quantity": "3"}])
    assert "deductions[1].quantity: 43 ㎡ of 墙砖铺贴 is more than the contract holds" in refused("change", path)
    ok = change_file(contracted, "all.yaml", deductions=[{"item": "墙砖铺贴", "quantity": "42.6"}])
    assert new("change", ok)["total"] == "-4028.00"  # 3,621.00, fee 289.68, tax 117.32: all of it


def test_a_deduction_counts_what_signed_change_orders_removed(changed: Path) -> None:
    # BG-2026-0001 (signed) removed 6.5 ㎡ of 墙砖铺贴; the void and draft ones do not count
    path = change_file(changed, "more.yaml", date="2027-01-20", deductions=[{"item": "墙砖铺贴", "quantity": "36.2"}])
    assert refused("change", path) == (
        f"Error: {path}: deductions[0].quantity: 36.2 ㎡ of 墙砖铺贴 is more than the contract holds: "
        "quote BJ-2026-0001 has 42.6 ㎡, signed change orders removed 6.5, so at most 36.1 ㎡ is left")
    draft = change_file(changed, "draft.yaml", date="2027-01-20", deductions=[{"item": "墙砖铺贴", "quantity": "36.1"}])
    assert new("change", draft)["number"] == "BG-2027-0002"


def test_refused_deduction_items_the_quote_does_not_have(contracted: Path) -> None:
    path = change_file(contracted, "unknown.yaml", deductions=[{"item": "卫生间墙砖铺贴", "quantity": "1"}])
    assert refused("change", path) == (
        f"Error: {path}: deductions[0].item: 卫生间墙砖铺贴 is not an item of quote BJ-2026-0001, the "
        "contract's annex; write the name as the annex does (docgen show BJ-2026-0001 --json)")
    path = change_file(contracted, "section.yaml", deductions=[
        {"section": "拆除工程", "item": "墙砖铺贴", "quantity": "1"}])
    assert "墙砖铺贴 is not an item of section 拆除工程 of quote BJ-2026-0001" in refused("change", path)
    path = change_file(contracted, "unit.yaml", deductions=[{"item": "墙砖铺贴", "unit": "m", "quantity": "1"}])
    assert "deductions[0].unit: m is not the unit of 墙砖铺贴 in quote BJ-2026-0001 (㎡); deduct in ㎡" in \
        refused("change", path)
    path = change_file(contracted, "bare.yaml", deductions=[{"name": "拆除", "quantity": "1"}])
    assert refused("change", path) == (
        f"Error: {path}: deductions[0]: unit, unit_price missing; give them, or item: naming an item of "
        "the contract's quote")


def test_refused_input_errors(contracted: Path) -> None:
    path = change_file(contracted, "empty.yaml")
    assert refused("change", path) == (
        f"Error: {path}: additions, deductions: a change order lists at least one 增项 or 减项 line")
    add = [{"name": "加固", "unit": "㎡", "quantity": "1", "unit_price": "10"}]
    path = change_file(contracted, "days.yaml", additions=add, payment="签字后支付")
    assert refused("change", path) == (
        f"Error: {path}: payment_days: is missing; 签字后支付 needs the days within which it is paid")
    path = change_file(contracted, "early.yaml", additions=add, date="2026-11-01")
    assert refused("change", path) == (
        f"Error: {path}: date: 2026-11-01 is before the contract HT-2026-0001 was signed (2026-11-10)")
    path = change_file(contracted, "reason.yaml", additions=add, reason="甲方想改")
    assert f"{path}: reason:" in refused("change", path)


def test_refused_a_signed_change_order_is_not_revised(changed: Path) -> None:
    r = run("revise", "BG-2026-0001", changed / "change-1.yaml", "--note", "改数量")
    assert r.exit_code == 1, r
    assert r.stderr.startswith("Error: BG-2026-0001 was signed (v2, scan filed ")  # as any signed document


# signed change orders and the contract ---------------------------------------------------------


def test_signed_by_scan_through_intake(changed: Path) -> None:
    data = show("BG-2026-0001")
    assert data["status"] == "signed"
    assert [v["status"] for v in data["versions"]] == ["draft", "signed"]
    assert data["versions"][1]["signs"] == 1 and data["versions"][1]["scan"]["pages"] == 2
    assert show("BG-2026-0002")["status"] == "void"


def test_contract_sum_after_two_signed_change_orders_and_a_void_one(changed: Path) -> None:
    # 51,299.99 + 5,598.71 - 721.50 = 56,177.20; the void BG-2026-0002 (+¥3,337.20) does not count
    contract = show("HT-2026-0001")
    assert Decimal(contract["total"]) == Decimal("56177.20")
    assert contract["original_total"] == "51299.99"
    assert {a["number"]: (a["status"], a["counted"], a["amount"], a["days"]) for a in contract["amendments"]} == {
        "BG-2026-0001": ("signed", True, "5598.71", 5),
        "BG-2026-0002": ("void", False, "3337.20", 0),
        "BG-2027-0001": ("signed", True, "-721.50", 0),
    }
    text = run("show", "HT-2026-0001").stdout
    assert "¥51,299.99" in text  # the original price
    for number in ("BG-2026-0001", "BG-2026-0002", "BG-2027-0001"):
        assert number in text
    assert "¥56,177.20" in text and "人民币伍万陆仟壹佰柒拾柒元贰角" in text
    listed = {r["number"]: r for r in json.loads(run("list", "--json").stdout)}
    assert Decimal(listed["HT-2026-0001"]["total"]) == Decimal("56177.20")
    assert Decimal(listed["BG-2027-0001"]["total"]) == Decimal("-721.50")
    assert "¥56,177.20" in run("list").stdout
    # the later change order printed the sum it leaves: the first one counted
    assert show("BG-2027-0001")["summary"]["before"] == "56898.70"


def test_the_completion_date_follows_signed_change_orders(changed: Path) -> None:
    # BG-2026-0001 moves 2027-02-17 by 5 days; the void one's 30 days do not count
    text = run("show", "HT-2026-0001").stdout
    assert "2027-02-22" in text
    assert show("BG-2027-0001")["summary"]["completion_before"] == "2027-02-22"


def test_show_of_a_change_order(changed: Path) -> None:
    text = run("show", "BG-2027-0001").stdout
    assert "设计变更" in text and "HT-2026-0001" in text
    assert "-¥721.50" in text and "人民币负柒佰贰拾壹元伍角" in text
    assert "¥56,177.20" in text  # the new sum
    assert "within 7 days of signing" in text
    assert "schedule: unchanged (completion 2027-02-22)" in text


def test_voiding_a_change_order_the_sum_needs_is_refused(changed: Path, archive_dir: Path) -> None:
    # deduct nearly everything that is left after BG-2026-0001's addition, and sign it
    left = change_file(changed, "left.yaml", date="2027-01-25", deductions=[
        {"name": "取消部分工程", "unit": "项", "quantity": "1", "unit_price": "50000.00"}])
    number = new("change", left)["number"]
    sign(archive_dir, number, changed / "scans")
    r = run("void", "BG-2026-0001", "--note", "客户撤回")
    assert r.exit_code == 1, r
    assert "voiding BG-2026-0001 would take contract HT-2026-0001's sum below zero" in r.stderr


def test_signed_change_order_copies_go_where_a_signed_contract_goes(changed: Path, archive_dir: Path) -> None:
    out = archive_dir / "outbox"
    for dept, name in (("customer", "客户"), ("finance", "财务"), ("engineering", "工程"), ("legal", "法务")):
        assert (out / dept / f"BG-2026-0001_v2_{name}联.pdf").is_file(), dept
    assert not list((out / "archive").glob("BG-*"))


def test_search_finds_change_orders_by_kind_and_status(changed: Path) -> None:
    r = run("search", "kind:变更单", "--json")
    assert r.exit_code == 0, r
    found = sorted(h["number"] for h in json.loads(r.stdout))
    assert found == ["BG-2026-0001", "BG-2027-0001"]  # the void one is not found by default
    r = run("search", "书柜", "--status", "signed", "--json")
    assert [h["number"] for h in json.loads(r.stdout)] == ["BG-2026-0001"]
    r = run("search", "加固", "--kind", "change", "--all-versions", "--json")
    assert [h["number"] for h in json.loads(r.stdout)] == ["BG-2026-0002"]


def test_kind_names(contracted: Path) -> None:
    assert new("变更单", contracted / "change-1.yaml")["number"] == "BG-2026-0001"
    assert [r["number"] for r in json.loads(run("list", "--kind", "工程变更单", "--json").stdout)] == ["BG-2026-0001"]


def test_change_order_messages_in_chinese(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    monkeypatch.delenv("DOCGEN_LANGUAGE")
    text = refused("change", work / "change-1.yaml")
    assert "HT-2026-0001 的状态为草稿，尚未签字；变更单只能针对已签字的合同" in text


# what was signed meanwhile -----------------------------------------------------------------------


def quarantined(archive: Path, number: str, scans: Path) -> str:
    """The customer's signed scan of ``number`` v1 is not filed: the reason docgen gives."""
    scans.mkdir(exist_ok=True)
    scan = scanmaker.scan(archive / "documents" / number / f"{number}-v1.pdf", scans / f"{number}.pdf", 200)
    run("ingest", scan)
    assert show(number)["status"] == "draft", "the scan was filed"
    listed = json.loads(run("quarantine", "list", "--json").stdout)
    return " ".join(str(entry) for entry in listed)


def test_signing_two_drafts_cannot_take_the_sum_below_zero(contracted: Path, archive_dir: Path, tmp_path: Path) -> None:
    """Each draft alone leaves the sum above zero; once the first is signed, the second's paper
    would take it below zero, and is not filed."""
    big = [{"name": "取消全部木作", "unit": "项", "quantity": "1", "unit_price": "40000.00"}]
    first = new("change", change_file(contracted, "a.yaml", deductions=big))["number"]
    second = new("change", change_file(contracted, "b.yaml", deductions=big))["number"]
    sign(archive_dir, first, tmp_path / "scans")
    reason = quarantined(archive_dir, second, tmp_path / "scans")
    assert "would take contract HT-2026-0001's sum below zero" in reason
    assert Decimal(show("HT-2026-0001")["total"]) > 0


def test_signing_two_drafts_cannot_deduct_more_than_the_quote_held(contracted: Path, archive_dir: Path,
                                                                  tmp_path: Path) -> None:
    first = new("change", change_file(contracted, "a.yaml", deductions=[{"item": "墙砖铺贴", "quantity": "40"}]))
    second = new("change", change_file(contracted, "b.yaml", deductions=[{"item": "墙砖铺贴", "quantity": "30"}]))
    sign(archive_dir, first["number"], tmp_path / "scans")
    reason = quarantined(archive_dir, second["number"], tmp_path / "scans")
    assert "30 ㎡ of 墙砖铺贴 is more than the contract holds" in reason


def test_a_draft_signed_after_the_formal_acceptance_is_not_filed(contracted: Path, archive_dir: Path,
                                                                tmp_path: Path) -> None:
    draft = new("change", contracted / "change-1.yaml")["number"]
    new("acceptance", contracted / "acceptance-2.yaml")  # 正式验收, 合格
    assert "the project passed its formal acceptance" in quarantined(archive_dir, draft, tmp_path / "scans")


def test_a_draft_whose_printed_sum_is_stale_is_not_filed(contracted: Path, archive_dir: Path, tmp_path: Path) -> None:
    """The paper of a draft made before another change order was signed prints the old new sum."""
    first = new("change", contracted / "change-1.yaml")["number"]
    extra = change_file(contracted, "b.yaml", additions=[
        {"name": "墙体加固", "unit": "㎡", "quantity": "3", "unit_price": "1000.00"}])
    second = new("change", extra)["number"]
    sign(archive_dir, first, tmp_path / "scans")
    reason = quarantined(archive_dir, second, tmp_path / "scans")
    assert f"{second} v1's figures are no longer right" in reason and "after" in reason
    # revised, the new version prints the right sum and is filed
    assert run("revise", second, extra, "--note", "按现合同价款重出").exit_code == 1  # same data: refused
    extra.write_text(extra.read_text(encoding="utf-8").replace("墙体加固", "墙体加固（钢网）"), encoding="utf-8")
    assert run("revise", second, extra, "--note", "按现合同价款重出").exit_code == 0
    sign(archive_dir, second, tmp_path / "scans", version=2)
    assert show(second)["status"] == "signed"


def test_a_deduction_by_a_quote_item_s_name_must_name_the_item(contracted: Path) -> None:
    path = change_file(contracted, "free.yaml", deductions=[
        {"name": "墙砖铺贴", "unit": "㎡", "quantity": "500", "unit_price": "85"}])
    assert "deductions[0].name: 墙砖铺贴 is an item of quote BJ-2026-0001: name it with item: 墙砖铺贴" in refused(
        "change", path)


def test_a_contract_with_signed_change_orders_is_not_voided_before_them(changed: Path) -> None:
    r = run("void", "HT-2026-0001", "--note", "合同解除")
    assert r.exit_code == 1 and "BG-2026-0001, BG-2027-0001 signed for HT-2026-0001 count in its sum" in r.stderr
    assert run("void", "BG-2027-0001", "--note", "合同解除").exit_code == 0
    assert run("void", "BG-2026-0001", "--note", "合同解除").exit_code == 0
    assert run("void", "HT-2026-0001", "--note", "合同解除").exit_code == 0


def test_a_signed_contract_or_change_order_points_to_a_change_order(changed: Path) -> None:
    r = run("revise", "HT-2026-0001", changed / "contract.yaml", "--note", "加项")
    assert r.exit_code == 1 and "agree changes in a change order (docgen new change)" in r.stderr, r
    r = run("revise", "BG-2026-0001", changed / "change-1.yaml", "--note", "改数量")
    assert r.exit_code == 1 and "make another change order (docgen new change)" in r.stderr, r
