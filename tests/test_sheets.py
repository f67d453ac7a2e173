"""Quotes and change orders from the company's spreadsheets (docgen.sheets): the layouts people
make, every figure checked to the fen against the cell that printed it, and the hostile files."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sheetmaker
from conftest import SAMPLES, run


def show(number: str) -> dict:  # type: ignore[type-arg]
    r = run("show", number, "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def documents() -> list[dict]:  # type: ignore[type-arg]
    r = run("list", "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def refused(*args: str | Path) -> str:
    """The one line a refused sheet gets; nothing is archived."""
    before = documents()
    r = run("new", *args)
    assert r.exit_code == 1, r
    assert documents() == before
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r
    return lines[0]


def items_of(number: str) -> list[dict]:  # type: ignore[type-arg]
    summary = show(number)["summary"]
    return [it for s in summary["sections"] for it in s["items"]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "project.yaml"
    dest.write_text((SAMPLES / "project.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return dest


def test_a_split_price_sheet_with_loss_becomes_the_quote_the_sheet_shows(tmp_path: Path, project: Path,
                                                                            archive_dir: Path) -> None:
    """Merged title and section rows, a two-row header (单价 over 主材 / 辅材 / 人工 / 合计), 损耗 as a
    percent, 小计 rows, 合计 / 管理费（8%） / 税金（3%） / 总造价, a 备注 block and a hidden row."""
    sheet = tmp_path / "报价.xlsx"
    made = sheetmaker.split_sheet(sheet, hidden_row=True)
    r = run("new", "quote", sheet, "--project", project, "--json")
    assert r.exit_code == 0, r
    number = json.loads(r.stdout)["number"]
    summary = show(number)["summary"]
    want = made["figures"]
    assert Decimal(summary["total"]) == want["total"] and Decimal(summary["works"]) == want["works"]
    assert [s["name"] for s in summary["sections"]] == ["拆除工程", "水电改造", "泥瓦工程"]
    assert [Decimal(s["subtotal"]) for s in summary["sections"]] == want["subtotals"]
    items = items_of(number)
    assert "（已取消）旧墙面拆除" not in [it["name"] for it in items]  # the hidden row
    ppr = next(it for it in items if it["name"] == "PPR给水管暗改")
    assert (ppr["materials"], ppr["auxiliary"], ppr["labour"], ppr["unit_price"]) == ("38", "7", "20", "65")
    tiles = next(it for it in items if it["name"] == "墙砖铺贴")
    assert Decimal(tiles["loss"]) == Decimal("0.05") and Decimal(tiles["amount"]) == Decimal("3802.05")
    # the rates printed on the sheet's rows, its header cells, its 备注 without the sheet's numbering
    assert summary["fee_rate"] == "0.08" and summary["designer"] == "李明" and summary["date"] == "2026-11-02"
    data = json.loads(stored(archive_dir, number, "data"))
    assert data["input"]["remarks"] == ["垃圾清运至小区物业指定地点。", "瓷砖、洁具由甲方自购。"]
    # the sheet itself is kept with the version, byte for byte
    assert stored(archive_dir, number, "sheet", text=False) == sheet.read_bytes()
    # and the quote prints the split and the loss
    text = stored(archive_dir, number, "text")
    assert "主材 38.00 + 辅材 7.00 + 人工 20.00" in text and "损耗 5%" in text


def stored(archive: Path, number: str, role: str, text: bool = True) -> str | bytes:
    sha = show(number)["versions"][-1]["files"][role]["sha256"]
    data = (archive / "objects" / sha[:2] / sha).read_bytes()
    return data.decode("utf-8") if text else data


def test_formulas_are_read_by_the_values_excel_or_calc_saved(tmp_path: Path, project: Path) -> None:
    """A sheet whose 单价, 金额, 小计 and totals are formulas, saved by LibreOffice Calc (as Excel
    and WPS save: each formula with its value; its merged cells and hidden rows as Calc writes
    them), gives the same quote."""
    sheet = tmp_path / "公式.xlsx"
    made = sheetmaker.split_sheet(sheet, formulas=True, hidden_row=True)
    saved = sheetmaker.calc_saved(sheet)
    formulas = openpyxl.load_workbook(saved)["报价"]
    assert str(formulas[made["cells"]["total"]].value).startswith("=")  # still formulas after Calc
    r = run("new", "quote", saved, "--project", project, "--json")
    assert r.exit_code == 0, r
    assert Decimal(json.loads(r.stdout)["total"]) == made["figures"]["total"]


def test_formulas_saved_without_values_are_refused_with_the_reason(tmp_path: Path, project: Path) -> None:
    sheet = tmp_path / "未计算.xlsx"
    sheetmaker.split_sheet(sheet, formulas=True)  # openpyxl stores no value with a formula
    line = refused("quote", sheet, "--project", project)
    assert "报价!H6" in line and "formula saved without its value" in line and "save it once" in line


@pytest.mark.parametrize("wrong, cell, says", [
    ("line2", "J7", "金额 2,640.00 but 数量 × 单价 = 2,604.00"),
    ("line5", "J16", "金额 3,700.00 but 数量 × 单价 × (1 + 损耗) = 3,802.05"),
    ("subtotal2", "J13", "水电改造小计 10,000.00 but docgen's 水电改造小计 is 10,020.00"),
    ("fee", "J21", "管理费（8%） 1,700.00 but docgen's 管理费 is 1,711.29"),
    ("total", "J23", "工程总造价 23,800.00 but docgen's 总计 is 23,795.54"),
])
def test_a_figure_that_differs_from_docgen_s_names_its_cell(tmp_path: Path, project: Path, wrong: str,
                                                            cell: str, says: str) -> None:
    sheet = tmp_path / "报价.xlsx"
    value = {"line2": "2640", "line5": "3700", "subtotal2": "10000", "fee": "1700", "total": "23800"}[wrong]
    made = sheetmaker.split_sheet(sheet, amounts={wrong: value})
    assert made["cells"][wrong] == cell
    line = refused("quote", sheet, "--project", project)
    assert line.startswith(f"Error: 报价.xlsx: 报价!{cell}: ") and says in line, line


def test_a_plain_sheet_with_other_names_and_no_sections(tmp_path: Path, project: Path) -> None:
    """名称 / 工程量 / 综合单价 / 合价 / 备注, numbers written as text (¥1,200.00, １２.５), no section
    rows, a 合计 row; the project from --project."""
    sheet = tmp_path / "简单.xlsx"
    sheetmaker.plain_sheet(sheet, [
        [1, "石膏板吊顶", "㎡", "１２.５", "¥110.00", "1,375.00", "轻钢龙骨"],
        [2, "室内门安装", "套", 4, 120, 480, None],
        [],
        [None, "合计", None, None, None, 1855],
    ])
    r = run("new", "quote", sheet, "--project", project, "--json")
    assert r.exit_code == 0, r
    number = json.loads(r.stdout)["number"]
    summary = show(number)["summary"]
    assert [s["name"] for s in summary["sections"]] == ["报价项目"]
    assert summary["works"] == "1855.00"
    assert [it["quantity"] for it in items_of(number)] == ["12.5", "4"]


@pytest.mark.parametrize("row, says", [
    ([1, "石膏板吊顶", "㎡", "约12", 110, 1320, ""], "Sheet1!D2: 数量 '约12' is not a number"),
    ([1, None, "㎡", 12, 110, 1320, ""], "Sheet1!B2: 项目名称 is empty"),
    ([1, "石膏板吊顶", None, 12, 110, 1320, ""], "Sheet1!C2: "),
    ([1, "石膏板吊顶", "㎡", 12, None, 1320, ""], "Sheet1!E2: 单价 is empty for 石膏板吊顶"),
    ([1, "石膏板吊顶", "㎡", -2, 110, -220, ""], "Sheet1!D2: "),
    ([1, "石膏板吊顶", "㎡", 12.12345, 110, 1333.58, ""], "Sheet1!D2: "),
])
def test_every_cell_error_is_one_line_naming_sheet_and_cell(tmp_path: Path, project: Path, row: list,  # type: ignore[type-arg]
                                                            says: str) -> None:
    sheet = tmp_path / "错.xlsx"
    sheetmaker.plain_sheet(sheet, [row])
    line = refused("quote", sheet, "--project", project)
    assert says.replace("报价!", "Sheet1!") in line, line


def test_a_split_price_that_disagrees_with_its_parts(tmp_path: Path, project: Path) -> None:
    sheet = tmp_path / "拆分.xlsx"
    sheetmaker.plain_sheet(sheet, [[1, "卫生间防水", "㎡", 18.4, 100, 20, 50, 168, 3091.2]],
                           header=["序号", "项目名称", "单位", "数量", "主材", "辅材", "人工", "单价", "金额"])
    line = refused("quote", sheet, "--project", project)
    assert "Sheet1!H2: 单价 168.00 but 主材 + 辅材 + 人工 = 170.00" in line


def test_the_project_comes_from_the_sheet_and_must_agree(tmp_path: Path, project: Path) -> None:
    sheet = tmp_path / "报价.xlsx"
    sheetmaker.split_sheet(sheet, project=None)
    assert "names no project" in refused("quote", sheet) and "--project" in refused("quote", sheet)
    sheetmaker.split_sheet(sheet, project="P-2026-0009")
    assert "报价!D2: 项目编号 P-2026-0009, but --project gives" in refused("quote", sheet, "--project", project)
    sheetmaker.split_sheet(sheet, customer="王五")
    line = refused("quote", sheet, "--project", project)
    assert "报价!A2: 客户 王五, but project" in line and "张三" in line


def test_old_and_false_formats_are_refused_saying_what_to_do(tmp_path: Path, project: Path) -> None:
    xls = tmp_path / "报价.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert "save it as an Excel workbook (.xlsx)" in refused("quote", xls, "--project", project)
    et = tmp_path / "报价.et"
    et.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "WPS" in refused("quote", et, "--project", project)
    fake = tmp_path / "假.xlsx"
    fake.write_text("序号,名称\n", encoding="utf-8")
    assert "not an .xlsx workbook" in refused("quote", fake, "--project", project)
    sheet = tmp_path / "合同.xlsx"
    sheetmaker.split_sheet(sheet)
    assert "is made from a .yaml file" in refused("contract", sheet)
    yaml_file = tmp_path / "quote.yaml"
    yaml_file.write_text((SAMPLES / "quote.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert "--project goes with a spreadsheet" in refused("quote", yaml_file, "--project", "P-2026-0001")


def test_a_zip_bomb_and_an_entity_bomb_are_not_opened(tmp_path: Path, project: Path) -> None:
    good = tmp_path / "good.xlsx"
    sheetmaker.split_sheet(good)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        out.writestr("xl/media/padding.bin", b"\0" * (300 * 1024 * 1024))
    assert bomb.stat().st_size < 2 * 1024 * 1024
    assert "zip bomb" in refused("quote", bomb, "--project", project)
    laughs = tmp_path / "laughs.xlsx"
    entities = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(laughs, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"?>", f'?><!DOCTYPE worksheet [<!ENTITY l0 "ha">{entities}]>'.encode(), 1)
                data = data.replace(b"<v>12.5</v>", b"<v>&l9;</v>", 1)
            out.writestr(item, data)
    line = refused("quote", laughs, "--project", project)
    assert "entit" in line


def test_the_company_s_column_names_from_docgen_toml(tmp_path: Path, project: Path, archive_dir: Path) -> None:
    sheet = tmp_path / "公司格式.xlsx"
    sheetmaker.plain_sheet(sheet, [[1, "地面找平", "㎡", 62.3, 38, 2367.4, "水泥砂浆"]],
                           header=["No", "工作内容", "计价单位", "量", "价", "小记", "做法"])
    assert "no sheet has a header row" in refused("quote", sheet, "--project", project)
    run("kinds")  # docgen.toml written
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[spreadsheet.quote]\nheader_row = 1\n'
                    '[spreadsheet.quote.columns]\nname = "工作内容"\nunit = "C"\nquantity = "D"\nunit_price = "价"\n'
                    'amount = "F"\nnote = ["做法"]\n', encoding="utf-8")
    r = run("new", "quote", sheet, "--project", project, "--json")
    assert r.exit_code == 0, r
    assert show(json.loads(r.stdout)["number"])["summary"]["works"] == "2367.40"
    toml.write_text(toml.read_text(encoding="utf-8").replace('unit_price = "价"', 'unit_price = "单价"'),
                    encoding="utf-8")
    assert "no column is headed 单价" in refused("quote", sheet, "--project", project)


def test_revise_from_a_sheet_keeps_the_document_s_project(tmp_path: Path, project: Path) -> None:
    sheet = tmp_path / "报价.xlsx"
    sheetmaker.split_sheet(sheet, project=None, customer=None)
    r = run("new", "quote", sheet, "--project", project, "--json")
    assert r.exit_code == 0, r
    number = json.loads(r.stdout)["number"]
    items = [(s, [(n, u, q if n != "电路暗改" else "190", p, loss, note) for n, u, q, p, loss, note in rows])
             for s, rows in sheetmaker.ITEMS]
    made = sheetmaker.split_sheet(sheet, project=None, customer=None, items=items)
    r = run("revise", number, sheet, "--note", "电路加长", "--json")
    assert r.exit_code == 0, r
    assert Decimal(show(number)["summary"]["total"]) == made["figures"]["total"]


def test_a_change_order_from_a_sheet(contracted: Path, tmp_path: Path) -> None:
    """增项 and 减项 rows (a 减项 without 单价 is the quote's item), the labelled cells, the project
    from the contract."""
    sheet = tmp_path / "变更.xlsx"
    sheetmaker.plain_sheet(sheet, [
        ["增项"],
        [1, "书房定制书柜", "㎡", 4.2, 680, 2856, "E0级多层实木板"],
        [2, "书房墙面护墙板", "㎡", 9.6, 220, 2112, None],
        ["减项"],
        [1, "墙砖铺贴", "㎡", 6.5, None, None, "主卫改艺术漆"],
    ], header=["序号", "项目名称", "单位", "数量", "单价", "金额", "备注"], title="变更单", above=[
        ["合同编号：HT-2026-0001", None, "变更日期", "2026-12-08"],
        ["变更原因", "客户要求", "变更说明", "次卧改书房，增加书柜及护墙板"],
        ["工期顺延", "3天", "付款方式", "随下期工程款"],
    ])
    r = run("new", "change", sheet, "--json")
    assert r.exit_code == 0, r
    summary = show(json.loads(r.stdout)["number"])["summary"]
    assert summary["project"] == "P-2026-0001" and summary["days"] == 3
    assert Decimal(summary["additions"]) == Decimal("4968.00")
    assert Decimal(summary["deductions"]) == Decimal("552.50")  # 6.5 ㎡ at the quote's 85.00
    wb = openpyxl.load_workbook(sheet)
    wb["变更单"]["E7"] = 200
    wb.save(sheet)
    assert "变更单!F7: 金额 2,112.00 but 数量 × 单价 = 1,920.00" in refused("change", sheet)


def test_a_sheet_over_the_api(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    """A quote's sheet sent to POST /api/v1/documents with its project file; a wrong figure is a 400
    naming the cell; a project named outside the files sent is refused."""
    from test_api_routes import Office, sample, upload

    office = Office(archive_dir)
    sales = office["sales"]
    sheet = tmp_path / "报价.xlsx"
    made = sheetmaker.split_sheet(sheet, project=None)
    r = sales.post("/api/v1/documents", **upload("quote", ("报价.xlsx", sheet.read_bytes()), sample("project.yaml"),
                                                 project="project.yaml"))
    assert r.status_code == 201, r.text
    assert Decimal(r.json()["total"]) == made["figures"]["total"]
    assert office["archive"].get(f"/api/v1/documents/{r.json()['number']}/versions/1/files/sheet").content == sheet.read_bytes()
    sheetmaker.split_sheet(sheet, amounts={"line1": "600"})
    r = sales.post("/api/v1/documents", **upload("quote", ("报价.xlsx", sheet.read_bytes()), project="P-2026-0001"))
    assert r.status_code == 400 and r.json()["error"].startswith("报价.xlsx: 报价!J6: 金额 600.00"), r.text
    assert str(archive_dir) not in r.text
    sheetmaker.split_sheet(sheet, project=None)
    r = sales.post("/api/v1/documents", **upload("quote", ("报价.xlsx", sheet.read_bytes()),
                                                 project="../../../etc/project.yaml"))
    assert r.status_code == 400 and str(archive_dir) not in r.text, r.text


# spreadsheets out --------------------------------------------------------------------------


def test_a_quote_exported_and_read_back_is_the_same_quote(tmp_path: Path, project: Path) -> None:
    """export → new quote: the same sections, items, split prices, loss and totals; the sheet's
    amounts are numbers in ¥ and its 金额 and totals formulas saved with their values."""
    sheet = tmp_path / "报价.xlsx"
    sheetmaker.split_sheet(sheet)
    first = json.loads(run("new", "quote", sheet, "--project", project, "--json").stdout)["number"]
    out = tmp_path / "导出" / "报价.xlsx"
    r = run("export", "报价单", first, "--xlsx", out)
    assert r.exit_code == 0 and out.is_file(), r
    ws = openpyxl.load_workbook(out)["报价"]
    formulas = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert any("ROUND(" in c.value for c in formulas) and any("SUM(" in c.value for c in formulas)
    values = openpyxl.load_workbook(out, data_only=True)["报价"]
    total = next(row for row in values.iter_rows(values_only=True) if row[0] == "工程总造价")
    assert Decimal(str(total[9])) == Decimal(show(first)["summary"]["total"])
    assert ws[formulas[-1].coordinate].number_format == '"¥"#,##0.00'
    upper = next(row for row in values.iter_rows(values_only=True) if row[0] == "工程总造价（大写）")
    assert upper[9] == "人民币贰万叁仟柒佰玖拾伍元伍角肆分"
    again = json.loads(run("new", "quote", out, "--json").stdout)["number"]  # its project from the sheet
    a, b = show(first)["summary"], show(again)["summary"]
    assert a["sections"] == b["sections"] and a["total"] == b["total"] and a["fee_rate"] == b["fee_rate"]


def test_a_contract_and_a_change_order_exported(contracted: Path, tmp_path: Path) -> None:
    r = run("new", "change", contracted / "change-1.yaml")
    assert r.exit_code == 0, r
    out = tmp_path / "合同.xlsx"
    assert run("export", "contract", "HT-2026-0001", "--xlsx", out).exit_code == 0
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb.sheetnames == ["报价", "付款", "变更"]
    pay = list(wb["付款"].iter_rows(values_only=True))
    assert pay[0] == ("付款节点", "比例", "金额") and len(pay) > 3
    changes = list(wb["变更"].iter_rows(values_only=True))
    assert changes[1][0] == "BG-2026-0001" and changes[1][2] == "否"  # a draft does not count
    out = tmp_path / "变更.xlsx"
    assert run("export", "change", "BG-2026-0001", "--xlsx", out).exit_code == 0
    rows = list(openpyxl.load_workbook(out, data_only=True)["变更单"].iter_rows(values_only=True))
    net = next(row for row in rows if row[0] == "变更净额")
    assert Decimal(str(net[9])) == Decimal(show("BG-2026-0001")["summary"]["net"])
    r = run("export", "quote", "HT-2026-0001", "--xlsx", tmp_path / "x.xlsx")
    assert r.exit_code == 1 and "HT-2026-0001 is a contract, not a quote" in r.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_a_blank_sheet_filled_in_and_saved_by_calc_becomes_a_quote(tmp_path: Path, project: Path) -> None:
    """`docgen template quote --xlsx`: the company's blank sheet with its formulas and validation;
    filled in (a person types into it) and saved by Calc, docgen reads it."""
    blank = tmp_path / "报价模板.xlsx"
    r = run("template", "quote", "--xlsx", blank)
    assert r.exit_code == 0, r
    wb = openpyxl.load_workbook(blank)
    ws = wb["报价"]
    rules = {str(v.sqref): v.type for v in ws.data_validations.dataValidation}
    assert "list" in rules.values() and "decimal" in rules.values()
    assert [c.value for c in ws[4]][:4] == ["序号", "项目名称", "单位", "数量"]
    # the first section's first row, as a designer fills it
    ws["B2"], ws["E2"] = "张三", "P-2026-0001"
    ws["B6"], ws["C6"], ws["D6"], ws["G6"] = "拆除非承重墙", "㎡", 12.5, 45
    ws["B7"], ws["C7"], ws["D7"], ws["E7"], ws["G7"] = "铲除原墙面腻子", "㎡", 186, 4, 10
    wb.save(blank)
    saved = sheetmaker.calc_saved(blank)
    r = run("new", "quote", saved, "--project", project, "--json")
    assert r.exit_code == 0, r
    summary = show(json.loads(r.stdout)["number"])["summary"]
    assert summary["works"] == "3166.50" and [s["name"] for s in summary["sections"]] == ["拆除工程"]


def test_finance_takes_a_month_of_signed_contracts_as_a_spreadsheet(contracted: Path, tmp_path: Path) -> None:
    out = tmp_path / "11月合同.xlsx"
    r = run("list", "--kind", "合同", "--status", "signed", "--since", "2026-11-01", "--until", "2026-11-30",
            "--xlsx", out)
    assert r.exit_code == 0, r
    rows = list(openpyxl.load_workbook(out)["documents"].iter_rows(values_only=True))
    assert rows[0][:3] == ("number", "kind", "status") or rows[0][0] in ("编号", "number")
    (number, _kind, _status, customer, code, day, original, total, changes, installments, _updated) = rows[1]
    assert (number, customer, code) == ("HT-2026-0001", "张三", "P-2026-0001")
    assert isinstance(original, (int, float)) and Decimal(str(original)) == Decimal(show(number)["summary"]["total"])
    assert day.date().isoformat() == show(number)["summary"]["sign_date"] and "%" in installments
    assert len(rows) == 2
    r = run("list", "--kind", "合同", "--since", "2027-01-01", "--xlsx", out)
    assert r.exit_code == 0 and len(list(openpyxl.load_workbook(out).active.iter_rows())) == 1
    assert run("list", "--since", "2026-11-01").exit_code == 2  # --since goes with --xlsx
    for args in (("log", "HT-2026-0001"), ("search", "合同")):
        out = tmp_path / f"{args[0]}.xlsx"
        r = run(*args, "--xlsx", out)
        assert r.exit_code == 0 and len(list(openpyxl.load_workbook(out).active.iter_rows())) > 1, r


def test_text_that_looks_like_a_formula_is_exported_as_text(tmp_path: Path, project: Path) -> None:
    """A name or note written =HYPERLINK(…) in the data is a text cell in every sheet docgen writes."""
    evil = '=HYPERLINK("http://example.invalid/steal","点击")'
    sheet = tmp_path / "报价.xlsx"
    sheetmaker.plain_sheet(sheet, [[1, "石膏板吊顶", "㎡", 10, 110, 1100, "x"]])
    wb = openpyxl.load_workbook(sheet)
    wb.active["G2"] = evil
    wb.active["G2"].data_type = "s"  # typed as text, as Excel keeps '=… typed with a quote
    wb.save(sheet)
    number = json.loads(run("new", "quote", sheet, "--project", project, "--json").stdout)["number"]
    out = tmp_path / "导出.xlsx"
    assert run("export", "quote", number, "--xlsx", out).exit_code == 0
    with zipfile.ZipFile(out) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>HYPERLINK" not in xml and "HYPERLINK" in (xml + z_strings(out))
    assert run("search", "石膏板吊顶", "--xlsx", tmp_path / "s.xlsx").exit_code == 0


def z_strings(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else ""


def test_the_pages_take_a_sheet_and_give_finance_its_spreadsheet(contracted: Path, archive_dir: Path,
                                                                 tmp_path: Path) -> None:
    """新建 takes a quote's .xlsx with the project's code; a wrong figure is the cell's one line on
    the page; the 复印件 page's selection downloads as finance's spreadsheet."""
    from test_pages import PASSWORD, PEOPLE, Browser, error

    from docgen.accounts import Accounts
    from docgen.archive.core import Archive
    from docgen.web import create_app

    accounts = Accounts(Archive.open(archive_dir))
    for role, name in PEOPLE.items():
        accounts.add(name, role, by="test", password=PASSWORD)
    app = create_app(archive_dir)
    sales = Browser(app, "sun")
    sheet = tmp_path / "报价.xlsx"
    made = sheetmaker.split_sheet(sheet, project=None, amounts={"line1": "600"})
    r = sales.post("/new", {"kind": "quote", "project": "P-2026-0001"}, files=[("data", ("报价.xlsx", sheet.read_bytes()))])
    assert r.status_code == 400 and error(r).startswith("报价.xlsx: 报价!J6: 金额 600.00"), error(r)
    made = sheetmaker.split_sheet(sheet, project=None)
    r = sales.post("/new", {"kind": "quote", "project": "P-2026-0001"}, files=[("data", ("报价.xlsx", sheet.read_bytes()))])
    assert r.status_code == 303, error(r)
    number = r.headers["location"].split("/")[2].split("?")[0]
    assert Decimal(show(number)["summary"]["total"]) == made["figures"]["total"]
    finance = Browser(app, "li")
    page = finance.get("/copies?kind=contract&since=2026-01-01&until=2027-12-31").text
    assert 'formaction="/copies.xlsx"' in page
    r = finance.post("/copies.xlsx", {"kind": "contract", "since": "2026-01-01", "until": "2027-12-31",
                                      "numbers": ["HT-2026-0001"]})
    assert r.status_code == 200 and r.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), r.text[:200]
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["HT-2026-0001"]


def test_the_api_exports_and_refuses_what_it_should(contracted: Path, archive_dir: Path) -> None:
    """GET /api/v1/documents/{number}/xlsx and /api/v1/statement.xlsx: a sheet for a reader; an
    unknown kind or status, a bad date, a number that is a path, or no token, refused."""
    from test_api_routes import Office

    office = Office(archive_dir)
    finance = office["finance"]
    r = finance.get("/api/v1/documents/HT-2026-0001/xlsx")
    assert r.status_code == 200 and openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames == ["报价", "付款", "变更"]
    r = finance.get("/api/v1/statement.xlsx", params={"kind": "合同", "status": "signed", "since": "2026-01-01"})
    assert r.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["HT-2026-0001"]
    for params in ({"kind": "发票"}, {"status": "paid"}, {"since": "2026-13-01"}):
        r = finance.get("/api/v1/statement.xlsx", params=params)
        assert r.status_code in (400, 422) and "error" in r.json(), (params, r.text)
    for url in ("/api/v1/documents/..%2F..%2Fcatalog.sqlite/xlsx", "/api/v1/documents/HT-2099-0001/xlsx"):
        r = finance.get(url)
        assert r.status_code == 404 and str(archive_dir) not in r.text, r.text
    r = office["finance"].get("/api/v1/documents/ZZ/xlsx", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
