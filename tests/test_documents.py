"""Quotes and contracts end to end: figures, golden text, escaping, the contract from a quote."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from conftest import ROOT, edit, new, run

GOLDEN = Path(__file__).resolve().parent / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("DOCGEN_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"text differs from {path}"


def table_rows(docx_path: str) -> list[list[str]]:
    d = docx.Document(docx_path)
    rows = []
    for t in d.tables:
        for r in t.rows:
            cells: list[str] = []
            last = None
            for c in r.cells:
                if c._tc is last:
                    continue
                last = c._tc
                cells.append(c.text.strip())
            rows.append(cells)
    return rows


def test_sample_quote_figures_and_golden_text(work: Path, archive_dir: Path) -> None:
    made = new("quote", work / "quote.yaml")
    assert made["number"] == "BJ-2026-0001" and made["version"] == 1
    assert made["total"] == "51299.99"
    rows = table_rows(made["files"]["docx"])
    assert ["1", "拆除非承重墙", "㎡", "12.5", "45.00", "562.50", "含垃圾装袋、清运至物业指定地点"] in rows
    assert ["拆除工程小计", "3,166.50", ""] in rows
    assert ["工程直接费合计", "¥46,116.50"] in rows
    assert ["管理费（直接费 × 8%）", "¥3,689.32"] in rows
    assert ["税金（（直接费 + 管理费）× 3%）", "¥1,494.17"] in rows
    assert ["工程总造价（大写）", "人民币伍万壹仟贰佰玖拾玖元玖角玖分"] in rows
    assert (archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.docx").exists()
    shown = json.loads(run("show", "BJ-2026-0001", "--json").stdout)
    assert shown["total"] == "51299.99"
    text_sha = shown["versions"][0]["files"]["text"]["sha256"]
    body = (archive_dir / "objects" / text_sha[:2] / text_sha).read_text(encoding="utf-8")
    check_golden("quote.txt", body)


def test_contract_from_quote_takes_price_and_annex(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    made = new("contract", work / "contract.yaml")
    assert made["number"] == "HT-2026-0001"
    assert made["total"] == "51299.99"
    rows = table_rows(made["files"]["docx"])
    # installments: 30/35/30/5 of 51,299.99; the remainder goes to the last one
    assert ["1", "开工前三日", "30%", "¥15,390.00", "人民币壹万伍仟叁佰玖拾元整"] in rows
    assert ["2", "水电隐蔽工程验收合格后三日内", "35%", "¥17,955.00", "人民币壹万柒仟玖佰伍拾伍元整"] in rows
    assert ["4", "竣工验收合格后三日内", "5%", "¥2,564.99", "人民币贰仟伍佰陆拾肆元玖角玖分"] in rows
    assert ["合计", "¥51,299.99", "人民币伍万壹仟贰佰玖拾玖元玖角玖分"] in rows
    # the quote's items are the annex
    # with the item's 工艺及材料说明: brands, coats and heights are promises of the contract
    assert ["拆除非承重墙", "㎡", "12.5", "45.00", "562.50", "含垃圾装袋、清运至物业指定地点"] in rows
    assert ["卫生间防水", "㎡", "18.4", "168.00", "3,091.20", "东方雨虹柔性防水涂刷两遍，淋浴区墙面1.8m"] in rows
    assert ["报价总额（即合同价款）", "¥51,299.99", ""] in rows
    shown = json.loads(run("show", "HT-2026-0001", "--json").stdout)
    text_sha = shown["versions"][0]["files"]["text"]["sha256"]
    body = (archive_dir / "objects" / text_sha[:2] / text_sha).read_text(encoding="utf-8")
    check_golden("contract.txt", body)
    assert "竣工日期 2027年2月17日" in body  # 90 days from 2026-11-20, start day included
    assert "本合同一式两份，甲乙双方各执一份，具有同等法律效力。" in body


def test_contract_with_own_price_and_rounding_remainder(work: Path) -> None:
    def change(d: dict) -> None:
        del d["quote"]
        d["price"] = "10000.01"
        d["payments"] = [{"stage": "开工", "percent": "33.33"}, {"stage": "中期", "percent": "33.33"},
                         {"stage": "竣工", "percent": "33.34"}]
    made = new("contract", edit(work / "contract.yaml", change))
    shown = json.loads(run("show", made["number"], "--json").stdout)
    amounts = [Decimal(p["amount"]) for p in shown["summary"]["payments"]]
    assert amounts == [Decimal("3333.00"), Decimal("3333.00"), Decimal("3334.01")]
    assert sum(amounts) == Decimal("10000.01")
    rows = table_rows(made["files"]["docx"])
    assert not any("附件" in " ".join(r) for r in rows)  # no quote, no annex


def test_escaping_keeps_special_characters_literal(work: Path) -> None:
    edit(work / "project.yaml", lambda d: d["customer"].update(name="王五 & 赵六 <装饰>"))

    def change(d: dict) -> None:
        d["sections"][0]["items"][0]["name"] = "{{ 定制 }} 柜体 {% raw %}"
        d["sections"][0]["items"][0]["note"] = 'A&B "引号" \'单引号\' </w:t>'
    made = new("quote", edit(work / "quote.yaml", change))
    text = "\n".join(" | ".join(r) for r in table_rows(made["files"]["docx"]))
    assert "王五 & 赵六 <装饰>" in text
    assert "{{ 定制 }} 柜体 {% raw %}" in text
    assert 'A&B "引号" \'单引号\' </w:t>' in text


def test_json_input_is_accepted(work: Path) -> None:
    import yaml

    data = yaml.safe_load((work / "quote.yaml").read_text(encoding="utf-8"))
    data["date"] = "2026-11-02"
    (work / "quote.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    made = new("quote", work / "quote.json")
    assert made["total"] == "51299.99"


def test_unquoted_yaml_numbers_are_exact(work: Path) -> None:
    text = (work / "quote.yaml").read_text(encoding="utf-8")
    # 0.1 x 3 is 0.30000000000000004 in floats; as Decimal it is exact
    text = text.replace('{name: 拆除非承重墙, unit: ㎡, quantity: "12.5", unit_price: "45.00"',
                        "{name: 拆除非承重墙, unit: ㎡, quantity: 0.1, unit_price: 3")
    (work / "quote.yaml").write_text(text, encoding="utf-8")
    made = new("quote", work / "quote.yaml")
    rows = table_rows(made["files"]["docx"])
    assert ["1", "拆除非承重墙", "㎡", "0.1", "3.00", "0.30", "含垃圾装袋、清运至物业指定地点"] in rows


def test_project_assigned_when_code_absent_and_reused(work: Path) -> None:
    edit(work / "project.yaml", lambda d: d.pop("code"))
    a = new("quote", work / "quote.yaml")
    b = new("quote", work / "quote.yaml")
    pa = json.loads(run("show", a["number"], "--json").stdout)["project"]
    pb = json.loads(run("show", b["number"], "--json").stdout)["project"]
    assert pa == pb == f"P-{__import__('datetime').date.today().year}-0001"


def test_project_by_code(work: Path) -> None:
    new("quote", work / "quote.yaml")
    edit(work / "quote.yaml", lambda d: d.update(project="P-2026-0001"))
    made = new("quote", work / "quote.yaml")
    assert made["number"] == "BJ-2026-0002"


def test_settings_file_written_with_comments(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    toml = (archive_dir / "docgen.toml").read_text(encoding="utf-8")
    for key in ("[company]", "licence", "legal_representative", "management_fee_rate", "tax_rate",
                "penalty_rate_per_day", "[numbers]", "#"):
        assert key in toml
    assert oct((archive_dir / "secret.key").stat().st_mode & 0o777) == "0o600"


def test_settings_change_rates_and_company(work: Path, archive_dir: Path) -> None:
    run("list")  # writes docgen.toml
    toml = archive_dir / "docgen.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        .replace('management_fee_rate = "0.08"', 'management_fee_rate = "0.10"')
        .replace("上海安居装饰工程有限公司", "北京美家装饰有限公司"),
        encoding="utf-8",
    )
    edit(work / "quote.yaml", lambda d: (d.pop("management_fee_rate")))
    made = new("quote", work / "quote.yaml")
    rows = table_rows(made["files"]["docx"])
    assert ["管理费（直接费 × 10%）", "¥4,611.65"] in rows
    d = docx.Document(made["files"]["docx"])
    assert "北京美家装饰有限公司" in d.sections[0].header.paragraphs[0].text


def test_company_template_in_archive_overrides_bundled(work: Path, archive_dir: Path) -> None:
    (archive_dir / "templates").mkdir()
    d = docx.Document(str(ROOT / "templates" / "quote.docx"))
    d.add_paragraph("本公司特别提示：{{ customer.name }}")
    d.save(str(archive_dir / "templates" / "quote.docx"))
    made = new("quote", work / "quote.yaml")
    assert "本公司特别提示：张三" in "\n".join(p.text for p in docx.Document(made["files"]["docx"]).paragraphs)


@pytest.mark.parametrize("name", ["quote.yaml", "contract.yaml", "project.yaml"])
def test_samples_are_documented(name: str) -> None:
    assert (ROOT / "samples" / "zhangjiang" / name).read_text(encoding="utf-8").startswith("#")


def test_settings_rates_as_percentages(work: Path, archive_dir: Path) -> None:
    """docgen.toml takes a rate as "10%" as the data does; "10" alone is one line suggesting "10%"."""
    run("list")  # writes docgen.toml
    toml = archive_dir / "docgen.toml"
    default = toml.read_text(encoding="utf-8")
    toml.write_text(default.replace('management_fee_rate = "0.08"', 'management_fee_rate = "10%"'), encoding="utf-8")
    edit(work / "quote.yaml", lambda d: (d.pop("management_fee_rate")))
    made = new("quote", work / "quote.yaml")
    assert ["管理费（直接费 × 10%）", "¥4,611.65"] in table_rows(made["files"]["docx"])
    toml.write_text(default.replace('management_fee_rate = "0.08"', 'management_fee_rate = "10"'), encoding="utf-8")
    r = run("list")
    assert r.exit_code == 1 and r.stderr.strip().splitlines() == [
        'Error: docgen.toml: [quote] management_fee_rate: "10" is a rate above 1: write "10%" for 10 percent, '
        'or a fraction such as 0.08'], r
