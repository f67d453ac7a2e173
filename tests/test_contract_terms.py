"""The contract as a lawyer reads it (清包, signatures, copies, the penalty cap) and the warranty
card's categories (only what the job has; 供热与供冷系统 in heating and cooling seasons)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, edit, legal_approves, new, run
from test_documents import table_rows

from docgen.config import load_settings
from docgen.errors import ConfigError


def stored_text(archive_dir: Path, number: str, version: int = 1) -> str:
    shown = json.loads(run("show", number, "--json").stdout)
    sha = shown["versions"][version - 1]["files"]["text"]["sha256"]
    return (archive_dir / "objects" / sha[:2] / sha).read_text(encoding="utf-8")


@pytest.fixture
def lisi(tmp_path: Path) -> Path:
    """A copy of the 清包 sample project (李四), numbered as the first project of an archive."""
    dest = tmp_path / "lisi"
    shutil.copytree(ROOT / "samples" / "lisi", dest)
    edit(dest / "contract.yaml", lambda d: d.update(quote="BJ-2026-0001"))
    edit(dest / "acceptance.yaml", lambda d: d.update(contract="HT-2026-0001"))
    return dest


def toml_replace(archive_dir: Path, old: str, new_text: str) -> None:
    run("list")  # writes docgen.toml with its defaults
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new_text), encoding="utf-8")


# the contract ------------------------------------------------------------------------------


def test_qingbao_contract_lists_what_jia_supplies_and_nothing_yi_supplies(lisi: Path, archive_dir: Path) -> None:
    new("quote", lisi / "quote.yaml")
    made = new("contract", lisi / "contract.yaml")
    body = stored_text(archive_dir, made["number"])
    assert "本工程承包方式为包工、发包人包料（清包），工程所需的全部材料、设备均由甲方提供" in body
    assert "3.3 甲供材料清单（甲方按下表供应，双方在进场时共同验收）：" in body
    rows = table_rows(made["files"]["docx"])
    assert ["序号", "材料名称", "品牌、规格", "数量", "进场时间"] in rows
    assert ["1", "墙地砖", "客户自选 300×600 / 300×300", "约 27 ㎡", "泥瓦工程进场前三日"] in rows
    assert ["4", "地漏", "防臭地漏 50 mm", "2 个", "泥瓦工程进场前三日"] in rows
    assert "附件三 甲供材料清单（本合同第三条）" in body
    # no word of materials 乙方 supplies: not the clause, not its sealed samples, not the supply table
    for text in ("乙方提供的材料", "封样", "供应方", "乙方已采购", "辅材由乙方提供"):
        assert text not in body, text
    # the 甲供 handover is there, with its acceptance record on delivery
    assert "甲供材料进场时，双方共同清点验收并签署验收记录" in body


def test_banbao_contract_keeps_both_suppliers_and_sealed_samples(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    body = stored_text(archive_dir, new("contract", work / "contract.yaml")["number"])
    assert "3.2 乙方提供的材料、设备应符合国家标准" in body and "封样" in body
    assert "3.3 甲方提供的材料、设备（以下简称“甲供材料”）" in body
    assert "3.4 双方约定的材料供应如下：" in body
    assert "甲供材料清单" not in body


def test_qingbao_contract_refuses_a_material_yi_supplies(lisi: Path, archive_dir: Path) -> None:
    new("quote", lisi / "quote.yaml")
    edit(lisi / "contract.yaml", lambda d: d["materials"][1].update(supplied_by="乙方"))
    r = run("new", "contract", lisi / "contract.yaml")
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1
    assert "contract.yaml: materials[1].supplied_by: 乙方 supplies no materials in a 清包 contract" in r.stderr
    assert json.loads(run("list", "--json", "--kind", "contract").stdout) == []


def test_natural_person_signs_and_no_date_is_printed(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    made = new("contract", work / "contract.yaml")
    body = stored_text(archive_dir, made["number"])
    signature = body[body.index("（以下无正文）"):body.index("附件一：")]
    assert "甲方（签字）：______________" in signature
    assert "委托代理人（签字）：" in signature
    assert "乙方（盖章）：______________" in signature
    assert "代表人：" not in signature and "甲方（发包人）签字" not in signature
    # the parties write the date when they sign: 年 月 日 on blank lines, no printed date
    assert signature.count("日期：______年____月____日") == 2
    assert "2026年11月10日" not in body  # the sign_date of the data is printed nowhere


def test_copies_clause_names_the_parties_not_departments(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    toml_replace(archive_dir, "originals_company = 1", "originals_company = 3")
    body = stored_text(archive_dir, new("contract", work / "contract.yaml")["number"])
    assert "13.4 本合同一式四份，甲方执一份，乙方执三份，具有同等法律效力。" in body
    assert "财务部" not in body and "工程部" not in body and "法务部" not in body


def test_earlier_keepers_setting_is_read_as_counts(tmp_path: Path) -> None:
    (tmp_path / "docgen.toml").write_text(
        '[contract]\noriginals = 4\nkeepers = ["甲方（发包人）", "乙方财务部", "乙方工程部", "乙方法务部"]\n',
        encoding="utf-8")
    s = load_settings(tmp_path)
    assert (s.originals_customer, s.originals_company, s.originals) == (1, 3, 4)
    from docgen.kinds.contract import copies_text

    assert copies_text(1, 3) == "甲方执一份，乙方执三份"
    assert copies_text(2, 2) == "甲乙双方各执两份"


@pytest.mark.parametrize("toml, message", [
    ('[contract]\noriginals = 2\nkeepers = ["甲方", "乙方"]\noriginals_company = 1\n',
     "[contract] has both originals and keepers and originals_company"),
    ('[contract]\noriginals = 2\nkeepers = ["客户", "乙方"]\n', "each keeper must start with 甲方 or 乙方"),
    ('[contract]\noriginals = 3\nkeepers = ["甲方", "乙方"]\n', "keepers names 2 holders but originals = 3"),
    ('[contract]\noriginals = 2\n', "originals is no longer read; write originals_customer = N"),
    ("[contract]\noriginals_customer = 0\n", "[contract] originals_customer = 0 must be a whole number from 1 to 10"),
    ('[contract]\npenalty_cap = "0.5"\n', "[contract] penalty_cap = 0.5 must be between 0.01 and 0.3"),
    ('[contract]\npenalty_cap = "0.01"\npenalty_rate_per_day = "0.02"\n',
     "penalty_cap = 0.01 is less than one day's penalty (penalty_rate_per_day = 0.02)"),
    ("[warranty]\nheating_cooling = 1\n",
     "[warranty] heating_cooling = 1 is below the legal minimum of 2 heating and cooling seasons "
     "(《建设工程质量管理条例》第四十条)"),
    ('[warranty]\nheating_cooling = "two"\n', "heating_cooling must be a whole number of heating and cooling seasons"),
])
def test_contract_and_warranty_settings_are_checked(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "docgen.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(tmp_path)
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_penalty_cap_is_in_the_text_and_follows_the_setting(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    body = stored_text(archive_dir, new("contract", work / "contract.yaml")["number"])
    assert "10.3 依第 10.1 条、第 10.2 条计算的逾期违约金，各自累计不超过合同价款的 10%（¥5,130.00）。" in body
    toml_replace(archive_dir, 'penalty_cap = "0.1"', 'penalty_cap = "5%"')
    body = stored_text(archive_dir, new("contract", work / "contract.yaml")["number"])
    assert "各自累计不超过合同价款的 5%（¥2,565.00）" in body
    # a contract's own daily rate above the cap is refused, naming the field
    toml_replace(archive_dir, 'penalty_cap = "5%"', 'penalty_cap = "0.01"')
    edit(work / "contract.yaml", lambda d: d.update(penalty_rate_per_day="0.02"))
    r = run("new", "contract", work / "contract.yaml")
    assert r.exit_code == 1
    assert ("contract.yaml: penalty_rate_per_day: 2% a day is more than the cap on all delay penalties "
            "(1% of the price, [contract] penalty_cap in docgen.toml); lower the rate") in r.stderr
    edit(work / "contract.yaml", lambda d: d.update(penalty_rate_per_day="0.01"))
    assert run("new", "contract", work / "contract.yaml").exit_code == 0  # a rate equal to the cap is allowed


def test_change_order_clause_and_the_annexes(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    body = stored_text(archive_dir, new("contract", work / "contract.yaml")["number"])
    assert "第五条  工程变更" in body
    assert "工程变更单（编号 BG-年份-序号）" in body
    assert "按报价单的同类单价计算；没有同类项目的，由双方协商确定" in body
    assert "随下一期工程款一并支付，或在变更单签字后约定的日数内支付" in body
    assert "工期按工程变更单写明的天数顺延" in body
    assert "未经甲方签字确认的变更，甲方不承担费用" in body
    assert "GB 50325-2020《民用建筑工程室内环境污染控制标准》" in body
    assert "治理费用和全部检测（含复检）费用由乙方承担" in body
    assert "不得拆改房屋的承重结构和主体结构" in body and "燃气管道" in body and "防水层" in body
    assert "6.5 垃圾清运：" in body
    assert "有资质的检测机构检测鉴定；鉴定费用由提出鉴定的一方先行垫付，最终由责任方承担" in body
    assert "第十一条  合同解除" in body and "8.5 结算：" in body
    assert "附件二 设计图纸（原始结构图、平面布置图、水电点位图、立面图，经双方签字确认）" in body
    # the clauses are numbered 第一条 … 第十三条 once each, in order
    import re

    heads = re.findall(r"^第(.+?)条  ", body, flags=re.M)
    assert heads == ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"]
    # without drawings named, the annex says they are bound apart
    edit(work / "contract.yaml", lambda d: d.pop("drawings"))
    body = stored_text(archive_dir, new("contract", work / "contract.yaml")["number"])
    assert "附件二 设计图纸（经双方签字确认，另行装订）" in body


# the warranty card -------------------------------------------------------------------------


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(tmp_path / "settings")


@pytest.mark.parametrize("sections, expected", [
    (["拆除工程", "水电改造", "防水工程", "泥瓦工程"], ["basic", "plumbing_electrical", "waterproof"]),
    (["拆除工程", "防水工程", "泥瓦工程"], ["basic", "waterproof"]),
    (["地暖工程", "油漆工程"], ["basic", "heating_cooling"]),
    (["中央空调安装"], ["basic", "heating_cooling"]),
    (["暖通"], ["basic", "heating_cooling"]),
    (["油漆工程"], ["basic"]),
    (None, ["basic", "plumbing_electrical", "waterproof"]),  # nothing known: the earlier cards' three
])
def test_categories_follow_the_quote_sections(sections: list[str] | None, expected: list[str]) -> None:
    from docgen.kinds.warranty import job_categories

    assert job_categories(sections) == expected


def test_warranty_derives_only_the_jobs_periods(tmp_path: Path) -> None:
    from docgen.kinds import warranty

    settings = _settings(tmp_path)
    source = tmp_path / "warranty.yaml"
    acceptance = {"date": "2027-02-28", "contract": "HT-2026-0001"}
    contract = {"start_date": "2026-11-20", "sections": ["水电改造", "地暖工程"]}
    w = warranty.parse({"project": "P-2026-0001", "acceptance": "YS-2027-0001", "issue_date": "2027-03-01"}, source)
    d = warranty.derive(w, source, settings, acceptance, contract)
    assert [p["key"] for p in d["periods"]] == ["basic", "plumbing_electrical", "heating_cooling"]
    heat = d["periods"][-1]
    assert (heat["name"], heat["years"], heat["end"]) == ("供热与供冷系统", 2, dt.date(2029, 2, 28))
    ctx = warranty.context(d)
    assert ctx["periods"][-1]["years"] == "两个采暖期、供冷期"
    assert ctx["seasons"] == "两个采暖期、供冷期"
    assert warranty.summary(d)["periods"]["heating_cooling"] == {
        "years": 2, "seasons": 2, "start": "2027-02-28", "end": "2029-02-28"}
    # the input's categories win over the quote's sections, by key or Chinese name
    w = warranty.parse({"project": "P-2026-0001", "acceptance": "YS-2027-0001", "issue_date": "2027-03-01",
                        "categories": ["基础装修工程", "防水", "heating_cooling"]}, source)
    d = warranty.derive(w, source, settings, acceptance, contract)
    assert [p["key"] for p in d["periods"]] == ["basic", "waterproof", "heating_cooling"]
    assert warranty.context(d)["seasons"]
    w = warranty.parse({"project": "P-2026-0001", "acceptance": "YS-2027-0001", "issue_date": "2027-03-01",
                        "categories": ["水电工程"]}, source)
    d = warranty.derive(w, source, settings, acceptance, contract)
    assert [p["key"] for p in d["periods"]] == ["plumbing_electrical"] and not warranty.context(d)["seasons"]


@pytest.mark.parametrize("categories, message", [
    (["暖气片"], "categories[0]: '暖气片' is not a warranty category; use 基础装修工程、水电工程、防水工程、供热与供冷系统"),
    (["防水", "防水工程"], "categories[1]: '防水工程' is listed twice"),
    ([], "categories"),
])
def test_bad_categories_are_refused(tmp_path: Path, categories: list[str], message: str) -> None:
    from docgen.errors import InputError
    from docgen.kinds import warranty

    with pytest.raises(InputError) as e:
        warranty.parse({"project": "P", "acceptance": "YS-2027-0001", "issue_date": "2027-03-01",
                        "categories": categories}, tmp_path / "warranty.yaml")
    assert message in str(e.value)


def test_qingbao_card_lists_only_basic_and_waterproof(lisi: Path, archive_dir: Path) -> None:
    toml_replace(archive_dir, 'contract_status = "signed"', 'contract_status = "approved"')
    new("quote", lisi / "quote.yaml")
    legal_approves(new("contract", lisi / "contract.yaml")["number"])
    new("acceptance", lisi / "acceptance.yaml")
    edit(lisi / "warranty.yaml", lambda d: d.update(acceptance="YS-2026-0001"))
    made = new("warranty", lisi / "warranty.yaml")
    rows = table_rows(made["files"]["docx"])
    names = [r[0] for r in rows if r and r[0].endswith(("工程", "系统")) and len(r) == 5]
    assert names == ["基础装修工程", "防水工程"]
    body = stored_text(archive_dir, made["number"])
    assert "水电工程" not in body and "供热与供冷" not in body
    # the contract's 保修 clause says the same
    contract = stored_text(archive_dir, "HT-2026-0001")
    assert ("9.1 本工程自竣工验收合格之日起计算保修期：基础装修工程 2 年，防水工程（有防水要求的厨房、卫生间和外墙面的"
            "防渗漏）5 年。") in contract


def test_card_with_heating_has_two_seasons(work: Path, archive_dir: Path) -> None:
    toml_replace(archive_dir, 'contract_status = "signed"', 'contract_status = "approved"')
    edit(work / "quote.yaml", lambda d: d["sections"].append(
        {"name": "地暖工程", "items": [{"name": "水地暖盘管", "unit": "㎡", "quantity": "60", "unit_price": "95.00",
                                        "note": "PE-RT 管，间距 200 mm"}]}))
    new("quote", work / "quote.yaml")
    legal_approves(new("contract", work / "contract.yaml")["number"])
    contract = stored_text(archive_dir, "HT-2026-0001")
    assert "供热与供冷系统（地暖、暖气、空调等供热与供冷管道及设备）2 个采暖期、供冷期。" in contract
    new("acceptance", work / "acceptance-2.yaml")
    edit(work / "warranty.yaml", lambda d: d.update(acceptance="YS-2027-0001"))
    made = new("warranty", work / "warranty.yaml")
    rows = table_rows(made["files"]["docx"])
    assert ["供热与供冷系统", "地暖、暖气、空调等供热与供冷管道及设备", "两个采暖期、供冷期", "2027年2月28日",
            "2029年2月28日"] in rows
    assert [r[0] for r in rows if len(r) == 5 and r[2].endswith(("年", "供冷期"))] == [
        "基础装修工程", "水电工程", "防水工程", "供热与供冷系统"]
    body = stored_text(archive_dir, made["number"])
    assert "5. 供热与供冷系统的保修期为两个采暖期、供冷期（《建设工程质量管理条例》第四十条）" in body
    shown = run("show", made["number"]).stdout
    assert "heating_cooling" in shown and "2 heating and cooling seasons  2027-02-28 -> 2029-02-28" in shown


def test_repair_order_prints_the_heating_period_in_seasons() -> None:
    from test_repair import CARD, KIND, Archive, Settings, prepared, report, step

    from docgen.kinds.base import Related

    periods = {**CARD.summary["periods"],
               "heating_cooling": {"years": 2, "seasons": 2, "start": "2027-02-28", "end": "2029-02-28"}}
    card = Related(CARD.number, CARD.kind, CARD.status, CARD.project, {**CARD.summary, "periods": periods})
    derived = prepared(step(report(), "visit", category="heating_cooling"), Archive(cards=[card]))
    c = KIND.context(derived, Settings())
    assert (c["category"], c["period"]) == ("供热与供冷系统", "两个采暖期、供冷期")
    derived = prepared(step(report(), "visit", category="waterproof"), Archive(cards=[card]))
    assert KIND.context(derived, Settings())["period"] == "五年"
