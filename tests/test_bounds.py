"""Every input has bounds: one line naming the field, exit 1, nothing archived, no internal error."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from conftest import edit, new, run
from test_bad_input import archived_counts


def refused(path: Path, line: str, kind: str = "quote", root: Path | None = None) -> None:
    r = run("new", kind, path)
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines() == [f"Error: {line}"], r.stderr
    assert "internal error" not in r.stderr


def first_item(work: Path, field: str, value: str) -> Path:
    """quote.yaml with the first item's field written as ``value`` (YAML text, as typed)."""
    path = work / "quote.yaml"
    text = path.read_text(encoding="utf-8")
    old = {"quantity": 'quantity: "12.5"', "unit_price": 'unit_price: "45.00"', "note": "note: 含垃圾装袋、清运至物业指定地点"}[field]
    assert old in text
    path.write_text(text.replace(old, f"{field}: {value}", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", ".inf", '".inf" is not a finite number: write digits, as in 12.5'),
        ("quantity", "-.inf", '"-.inf" is not a finite number: write digits, as in 12.5'),
        ("quantity", ".nan", '".nan" is not a finite number: write digits, as in 12.5'),
        ("quantity", "1e400", "must be at most 1,000,000 (got 1.000E+400)"),
        ("quantity", '"1e400"', "must be at most 1,000,000 (got 1.000E+400)"),
        ("quantity", "99999999999999999999", "must be at most 1,000,000 (got 99999999999999999999)"),
        ("quantity", '"1e-400"', "has more than 4 decimal places (got 1.000E-400)"),
        ("unit_price", '"100000000.01"', "must be at most 100,000,000 (got 100000000.01)"),
        ("unit_price", "1e400", "must be at most 100,000,000 (got 1.000E+400)"),
    ],
)
def test_amounts_and_quantities_are_bounded(field: str, value: str, message: str, work: Path,
                                            archive_dir: Path) -> None:
    refused(first_item(work, field, value), f"{work / 'quote.yaml'}: sections[0].items[0].{field}: {message}")
    assert archived_counts(archive_dir) == (0, 0, 0, 0)


def test_line_total_without_an_uppercase_form_is_refused(work: Path, archive_dir: Path) -> None:
    first_item(work, "quantity", '"1000000"')
    path = first_item(work, "unit_price", '"99999999"')
    refused(path, f"{path}: sections[0].items[0]: the line total ¥99,999,999,000,000.00 is above the largest "
                  "amount docgen writes (¥999,999,999,999.99); check quantity and unit_price")
    assert archived_counts(archive_dir) == (0, 0, 0, 0)


def test_grand_total_above_the_largest_amount_is_refused(work: Path, archive_dir: Path) -> None:
    def change(d: dict) -> None:
        d["sections"][0]["items"][0].update(quantity="1000000", unit_price="500000")
        d["sections"][0]["items"][1].update(quantity="1000000", unit_price="400000")
    path = edit(work / "quote.yaml", change)
    # 900,000,000,000.00 of works and the other lines, then 8 % fee and 3 % tax
    refused(path, f"{path}: sections: the total comes to ¥1,001,160,047,777.58, above the largest amount "
                  "docgen writes (¥999,999,999,999.99); split the quote")


def test_contract_price_is_bounded(work: Path, archive_dir: Path) -> None:
    def change(d: dict) -> None:
        d.pop("quote")
        d["price"] = "1000000000000"
    path = edit(work / "contract.yaml", change)
    refused(path, f"{path}: price: must be at most 999,999,999,999.99 (got 1000000000000)", "contract")


@pytest.mark.parametrize(("day", "shown"), [("0001-01-01", "0001-01-01"), ("1999-12-31", "1999-12-31"),
                                            ("2100-01-01", "2100-01-01")])
def test_dates_are_within_docgens_range(day: str, shown: str, work: Path, archive_dir: Path) -> None:
    path = work / "quote.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2026-11-02", f"date: {day}"), encoding="utf-8")
    refused(path, f"{path}: date: {shown} is outside 2000-01-01..2099-12-31; check the year")
    assert archived_counts(archive_dir) == (0, 0, 0, 0)


def test_contract_dates_are_within_range(work: Path, archive_dir: Path) -> None:
    path = edit(work / "contract.yaml", lambda d: d.update(start_date="2100-03-01"))
    refused(path, f"{path}: start_date: 2100-03-01 is outside 2000-01-01..2099-12-31; check the year", "contract")


@pytest.mark.parametrize(("area", "message"), [("0", "must be greater than 0 (got 0)"),
                                               ("-12", "must be greater than 0 (got -12)"),
                                               ("1e9", "must be at most 100,000 (got 1000000000)")])
def test_site_area_is_above_zero_and_bounded(area: str, message: str, work: Path, archive_dir: Path) -> None:
    edit(work / "project.yaml", lambda d: d["site"].update(area=area))
    refused(work / "quote.yaml", f"{work / 'project.yaml'}: site.area: {message}")


def test_deep_yaml_nesting_is_refused(work: Path, archive_dir: Path) -> None:
    path = work / "quote.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  - " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    line = len(path.read_text(encoding="utf-8").splitlines())
    refused(path, f"{path}: line {line}: nested more than 20 levels deep; no document nests so deep")


def test_deep_json_nesting_is_refused(work: Path, archive_dir: Path) -> None:
    data = yaml.safe_load((work / "quote.yaml").read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False, indent=1, default=str).replace('"remarks": [', '"remarks": [' + "[" * 10_000 + "]" * 10_000 + ",")
    path = work / "quote.json"
    path.write_text(text, encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if '"remarks"' in t)
    refused(path, f"{path}: line {line}: nested more than 20 levels deep; no document nests so deep")


def test_a_long_note_is_refused_with_its_length(work: Path, archive_dir: Path) -> None:
    path = first_item(work, "note", "长" * (1024 * 1024))
    refused(path, f"{path}: sections[0].items[0].note: is 1,048,576 characters long, more than the 200 "
                  "allowed; shorten it")


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 50), ("address", 200)],
)
def test_customer_texts_are_bounded(field: str, limit: int, work: Path, archive_dir: Path) -> None:
    edit(work / "project.yaml", lambda d: d["customer"].update({field: "张" * (limit + 1)}))
    refused(work / "quote.yaml", f"{work / 'project.yaml'}: customer.{field}: is {limit + 1} characters long, "
                                 f"more than the {limit} allowed; shorten it")


def test_remarks_are_bounded_in_number(work: Path, archive_dir: Path) -> None:
    path = edit(work / "quote.yaml", lambda d: d.update(remarks=["说明"] * 51))
    refused(path, f"{path}: remarks: has 51 entries, more than the 50 allowed; split the document")


def many_items(work: Path, count: int) -> Path:
    def change(d: dict) -> None:
        item = d["sections"][0]["items"][0]
        d["sections"] = [{"name": "拆除工程", "items": [dict(item) for _ in range(count)]}]
    return edit(work / "quote.yaml", change)


def test_item_count_default_limit(work: Path, archive_dir: Path) -> None:
    path = many_items(work, 2001)
    refused(path, f"{path}: sections: 2,001 line items, more than the 2,000 allowed by [limits] max_items in "
                  "docgen.toml; split the document or raise the limit there")
    assert archived_counts(archive_dir) == (0, 0, 0, 0)


def test_item_count_limit_is_set_in_docgen_toml(work: Path, archive_dir: Path) -> None:
    run("list")
    toml = archive_dir / "docgen.toml"
    assert "max_items = 2000" in toml.read_text(encoding="utf-8")
    toml.write_text(toml.read_text(encoding="utf-8").replace("max_items = 2000", "max_items = 10"), encoding="utf-8")
    refused(work / "quote.yaml", f"{work / 'quote.yaml'}: sections: 17 line items, more than the 10 allowed by "
                                 "[limits] max_items in docgen.toml; split the document or raise the limit there")
    toml.write_text(toml.read_text(encoding="utf-8").replace("max_items = 10", "max_items = 0"), encoding="utf-8")
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1
    assert r.stderr.strip() == "Error: docgen.toml: [limits] max_items = 0 must be a whole number from 1 to 100000"


def test_duplicate_yaml_key_names_both_lines(work: Path, archive_dir: Path) -> None:
    path = work / "quote.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('quantity: "12.5", unit_price', 'quantity: "12.5", quantity: "125", unit_price'),
                    encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "12.5" in t)
    column = path.read_text(encoding="utf-8").splitlines()[line - 1].index('quantity: "125"') + 1
    refused(path, f"{path}: line {line}, column {column}: quantity appears twice in one mapping "
                  f"(lines {line} and {line}); keep one")


def test_duplicate_top_level_yaml_key(work: Path, archive_dir: Path) -> None:
    path = work / "quote.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "date: 2026-12-01\n", encoding="utf-8")
    last = len(path.read_text(encoding="utf-8").splitlines())
    refused(path, f"{path}: line {last}, column 1: date appears twice in one mapping (lines 3 and {last}); keep one")


def test_duplicate_json_key_names_both_lines(work: Path, archive_dir: Path) -> None:
    data = yaml.safe_load((work / "quote.yaml").read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False, indent=1, default=str)
    text = text.replace('"quantity": "12.5",', '"quantity": "12.5",\n "quantity": "125",', 1)
    path = work / "quote.json"
    path.write_text(text, encoding="utf-8")
    lines = [n for n, t in enumerate(text.splitlines(), 1) if '"quantity": "12' in t]
    refused(path, f"{path}: line {lines[1]}: quantity appears twice in one object (lines {lines[0]} and "
                  f"{lines[1]}); keep one")


@pytest.mark.parametrize(
    ("char", "shown"),
    [("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"), ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
     ("\u200f", "U+200F (RIGHT-TO-LEFT MARK)"), ("\x07", "U+0007"), ("\x9b", "U+009B"), ("\x1b", "U+001B")],
)
def test_control_and_bidi_characters_in_names_are_refused(char: str, shown: str, work: Path,
                                                          archive_dir: Path) -> None:
    edit(work / "project.yaml", lambda d: d["customer"].update(name=f"张{char}三"))
    refused(work / "quote.yaml", f"{work / 'project.yaml'}: customer.name: contains the control character "
                                 f"{shown}; remove it")


def test_control_characters_in_item_texts_are_refused(work: Path, archive_dir: Path) -> None:
    path = edit(work / "quote.yaml", lambda d: d["sections"][1]["items"][0].update(name="新砌\u202d轻体砖墙"))
    refused(path, f"{path}: sections[1].items[0].name: contains the control character U+202D "
                  "(LEFT-TO-RIGHT OVERRIDE); remove it")
    path = edit(work / "quote.yaml", lambda d: d["sections"][1]["items"][0].update(name="新砌", note="含\u202e税"))
    refused(path, f"{path}: sections[1].items[0].note: contains the control character U+202E "
                  "(RIGHT-TO-LEFT OVERRIDE); remove it")


def test_a_line_break_only_where_a_text_has_lines(work: Path, archive_dir: Path) -> None:
    edit(work / "project.yaml", lambda d: d["site"].update(address="上海市浦东新区\n张江路88弄"))
    refused(work / "quote.yaml", f"{work / 'project.yaml'}: site.address: contains a line break (U+000A); "
                                 "write it on one line")


def test_full_width_id_and_phone_are_normalised(work: Path, archive_dir: Path) -> None:
    edit(work / "project.yaml",
         lambda d: d["customer"].update(id_number="１１０１０５１９４９１２３１００２Ｘ", phone="１３８１２３４５６７８"))
    new("quote", work / "quote.yaml")
    con = sqlite3.connect(archive_dir / "catalog.sqlite")
    stored = json.loads(con.execute("SELECT data FROM projects").fetchone()[0])
    con.close()
    assert stored["customer"]["id_number"] == "11010519491231002X"
    assert stored["customer"]["phone"] == "13812345678"


def test_other_digits_in_an_id_number_are_refused(work: Path, archive_dir: Path) -> None:
    # Arabic-Indic digits are digits to a regular expression, not to an ID card
    edit(work / "project.yaml", lambda d: d["customer"].update(id_number="٤٤٠٣٠٨١٩٩٠٠١٠١١٢٣٤"))
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1 and "customer.id_number: \"٤٤٠٣٠٨١٩٩٠٠١٠١١٢٣٤\" is not an ID number: a 居民身份证 number is 17 digits" in r.stderr, r
