"""Input values are never misread: commas, rates, ID and phone numbers, full-width YAML
punctuation, dates in three forms, and docgen's own wording for every validation error."""

from __future__ import annotations

import datetime as dt
import json
import typing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic_core
import pytest
from conftest import edit, run
from test_bad_input import archived_counts

from docgen.dates import parse_date
from docgen.errors import InputError
from docgen.kinds import common, fields, fullwidth, pydantic_errors
from docgen.kinds import quote as quote_kind
from docgen.kinds.inputs.acceptance import AcceptanceInput
from docgen.kinds.inputs.contract import ContractInput
from docgen.kinds.inputs.quote import QuoteInput
from docgen.kinds.inputs.rectification import RectificationInput
from docgen.money import to_decimal

PYDANTIC_WORDING = ("Input should", "String should", "List should", "Field required", "validation error",
                    "type=", "https://errors.pydantic.dev", "Value error", "Assertion failed")


def refused_once(r: Any, archive_dir: Path) -> str:
    """The one stderr line of a refused command that archived nothing."""
    assert r.exit_code == 1, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert archived_counts(archive_dir) == (0, 0, 0, 0)
    assert not any(w in lines[0] for w in PYDANTIC_WORDING), lines[0]
    return lines[0]


def replace_in(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# Commas ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("1,234.50", "1234.50"), ("12,345", "12345"), ("1,234,567.89", "1234567.89"), ("-1,234", "-1234"),
    ("１２．５", "12.5"), ("１，２３４．５０", "1234.50"), ("12.5", "12.5"),
])
def test_thousands_separators_and_full_width_digits_are_read(text: str, value: str) -> None:
    assert to_decimal(text) == Decimal(value)


@pytest.mark.parametrize(("text", "message"), [
    ("12,5", '"12,5" is not a number: write 12.5 (a comma only separates thousands, as in 1,234.50)'),
    ("１２，５", '"12,5" is not a number: write 12.5 (a comma only separates thousands, as in 1,234.50)'),
    ("1,2,3", '"1,2,3" is not a number: a comma only separates thousands, one every three digits as in '
              "1,234.50; write the number without commas"),
    ("1,23.4", '"1,23.4" is not a number: a comma only separates thousands, one every three digits as in '
               "1,234.50; write the number without commas"),
    ("12,34,567", '"12,34,567" is not a number: a comma only separates thousands, one every three digits as in '
                  "1,234.50; write the number without commas"),
])
def test_a_comma_that_separates_no_thousands_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        to_decimal(text)
    assert str(caught.value) == message


def test_decimal_comma_slip_is_refused_by_the_cli(work: Path, archive_dir: Path) -> None:
    path = replace_in(work / "quote.yaml", 'quantity: "8.6"', 'quantity: "8,6"')
    line = refused_once(run("new", "quote", path), archive_dir)
    assert line == (f'Error: {path}: sections[1].items[0].quantity: "8,6" is not a number: write 8.6 '
                    "(a comma only separates thousands, as in 1,234.50)")


def test_unquoted_decimal_comma_is_refused_too(work: Path, archive_dir: Path) -> None:
    path = replace_in(work / "quote.yaml", 'unit_price: "45.00"', "unit_price: 45,00")
    line = refused_once(run("new", "quote", path), archive_dir)
    # in { } the comma separates entries: YAML alone would read unit_price: 45 and a stray 00
    assert line == (f'Error: {path}: line 10: unit_price: "45,00" is not a number: write 45.00 '
                    '(a comma only separates thousands, and inside { } only in quotes, as in "1,234.50")')


def test_quoted_thousands_inside_braces_are_read(tmp_path: Path) -> None:
    path = tmp_path / "items.yaml"
    path.write_text('items:\n  - {name: 墙, quantity: 1, unit_price: "1,234.50"}\n', encoding="utf-8")
    assert to_decimal(common.load_file(path)["items"][0]["unit_price"]) == Decimal("1234.50")


# Rates -------------------------------------------------------------------------------------

def quote_data(**changes: Any) -> dict[str, Any]:
    data = common.load_file(Path(__file__).parent.parent / "samples" / "zhangjiang" / "quote.yaml")
    data.update(changes)
    return data


@pytest.mark.parametrize(("written", "rate"), [
    ("8%", "0.08"), ("8 %", "0.08"), ("８％", "0.08"), ("0.5%", "0.005"), ("0.08", "0.08"), (Decimal("0.03"), "0.03"),
])
def test_rates_are_fractions_or_percentages(written: object, rate: str) -> None:
    q = quote_kind.parse(quote_data(management_fee_rate=written, tax_rate=written), Path("quote.yaml"))
    assert q.management_fee_rate == Decimal(rate) and q.tax_rate == Decimal(rate)


def test_a_rate_above_one_suggests_a_percentage(work: Path, archive_dir: Path) -> None:
    path = replace_in(work / "quote.yaml", 'management_fee_rate: "0.08"', 'management_fee_rate: "8"')
    line = refused_once(run("new", "quote", path), archive_dir)
    assert line == (f'Error: {path}: management_fee_rate: "8" is a rate above 1: write "8%" for 8 percent, '
                    "or a fraction such as 0.08")


def test_a_percentage_above_the_limit_is_refused_in_docgen_words(work: Path, archive_dir: Path) -> None:
    path = replace_in(work / "quote.yaml", 'tax_rate: "0.03"', 'tax_rate: "80%"')
    line = refused_once(run("new", "quote", path), archive_dir)
    assert line == f'Error: {path}: tax_rate: must be at most 0.5 (got "80%")'


def test_contract_penalty_rate_takes_a_percentage(work: Path) -> None:
    data = common.load_file(work / "contract.yaml")
    data["penalty_rate_per_day"] = "0.3%"
    assert common.validate(ContractInput, data, Path("contract.yaml")).penalty_rate_per_day == Decimal("0.003")
    data["penalty_rate_per_day"] = "3"
    with pytest.raises(InputError, match=r'penalty_rate_per_day: "3" is a rate above 1: write "3%"'):
        common.validate(ContractInput, data, Path("contract.yaml"))


# ID and phone numbers ----------------------------------------------------------------------

@pytest.mark.parametrize("number", ["440308199001011239", "11010519491231002X", "11010519491231002x",
                                    "310104198505052341"])
def test_valid_id_numbers_pass(number: str) -> None:
    assert common.check_id_number(number) == number.upper()


@pytest.mark.parametrize(("number", "check"), [
    ("440308199001011234", "its check digit (the last character) does not match the other 17 (GB 11643-1999)"),
    ("440308199001011238", "its check digit"),
    ("110105194912310020", "its check digit"),
    ("440308199013011233", "its birth date 19901301 (characters 7-14) is not a plausible date"),
    ("440308199002301235", "its birth date 19900230"),
    ("440308185001011234", "its birth date 18500101"),
    ("440308209901011234", "its birth date 20990101"),
    ("44030819900101123", "a 居民身份证 number is 17 digits and then a digit or X (17 characters here)"),
    ("44030819900101123Y", "a 居民身份证 number is 17 digits and then a digit or X"),
])
def test_bad_id_numbers_say_which_check_failed(number: str, check: str) -> None:
    with pytest.raises(ValueError) as caught:
        common.check_id_number(number)
    assert str(caught.value).startswith(f'"{number}" is not an ID number: {check}')


def test_samples_id_numbers_pass_the_check_digit() -> None:
    root = Path(__file__).parent.parent / "samples"
    for path in root.glob("*/project.yaml"):
        common.validate(fields.Project, common.load_file(path), path)


def test_wrong_id_check_digit_is_refused_by_the_cli(work: Path, archive_dir: Path) -> None:
    replace_in(work / "project.yaml", "440308199001011239", "440308199001011234")
    line = refused_once(run("new", "quote", work / "quote.yaml"), archive_dir)
    assert line == (f'Error: {work / "project.yaml"}: customer.id_number: "440308199001011234" is not an ID number: '
                    "its check digit (the last character) does not match the other 17 (GB 11643-1999); "
                    "a digit is mistyped, copy the number from the ID card again")


@pytest.mark.parametrize("phone", ["13812345678", "19912345678", "138 1234 5678", "138-1234-5678",
                                   "+86 138 1234 5678", "+8613812345678", "008613812345678",
                                   "021-12345678", "0755-1234567", "0755 12345678", "+86 21 1234 5678",
                                   "+86-755-1234567"])
def test_mainland_phone_numbers_pass(phone: str) -> None:
    assert common.check_phone(phone) == phone


@pytest.mark.parametrize(("phone", "why"), [
    ("1381234567", "a mobile number has 11 digits, this one 10"),
    ("138123456789", "a mobile number has 11 digits, this one 12"),
    ("12812345678", "a mobile number starts with 13 to 19"),
    ("10012345678", "a mobile number starts with 13 to 19"),
    ("62345678", "write a mobile number such as 13812345678, or a landline with its area code"),
    ("021-123456", "a landline is 0, the area code and 7 or 8 digits"),
    ("0021-12345678", "a landline is 0, the area code and 7 or 8 digits"),
    ("+1 415 555 0100", "only mainland numbers (+86) are taken"),
    ("138-1234-567八", "write digits, spaces and dashes only"),
    ("138 " + "-" * 30 + " 12345678", "it is 43 characters long, a phone number at most 20"),
])
def test_bad_phone_numbers_say_what_is_wrong(phone: str, why: str) -> None:
    with pytest.raises(ValueError) as caught:
        common.check_phone(phone)
    assert str(caught.value).startswith(f'"{phone[:30]}') and f"is not a phone number: {why}" in str(caught.value)


def test_bad_phone_is_refused_by_the_cli(work: Path, archive_dir: Path) -> None:
    edit(work / "project.yaml", lambda d: d["customer"].update(phone="1381234567"))
    line = refused_once(run("new", "quote", work / "quote.yaml"), archive_dir)
    assert line == (f'Error: {work / "project.yaml"}: customer.phone: "1381234567" is not a phone number: '
                    "a mobile number has 11 digits, this one 10")


# Full-width punctuation in the YAML structure ------------------------------------------------

@pytest.mark.parametrize(("old", "new", "line", "what"), [
    ('unit_price: "45.00", note: 含垃圾', 'unit_price： "45.00", note: 含垃圾', 10, "the colon after unit_price is a full-width colon ："),
    ("valid_days: 30", "valid_days：30", 4, "the colon after valid_days is a full-width colon ："),
    ("  - name: 基础工程", "  - name： 基础工程", 12, "the colon after name is a full-width colon ："),
    ('quantity: "12.5", unit_price', 'quantity: "12.5"， unit_price', 10, "the entries are separated by a full-width comma ，"),
    ("    items:\n      - {name: 新砌", "    items:\n　　　- {name: 新砌", 14, "the indentation holds a full-width space (全角空格)"),
    ("date: 2026-11-02", "date:　2026-11-02", 3, "after date: comes a full-width space (全角空格)"),
])
def test_full_width_punctuation_names_its_line(old: str, new: str, line: int, what: str, work: Path,
                                               archive_dir: Path) -> None:
    path = replace_in(work / "quote.yaml", old, new)
    found = refused_once(run("new", "quote", path), archive_dir)
    assert found.startswith(f"Error: {path}: line {line}: {what}"), found
    assert "全角" in found and "半角" in found


def test_full_width_punctuation_inside_text_is_kept(tmp_path: Path) -> None:
    text = ("project: project.yaml  # 项目：张三\n"
            "remarks:\n"
            "  - 报价含：人工、辅料，不含主材\n"
            "  - \"unit： 不是键，而是文字\"\n"
            "  - 　　首行缩进的段落\n"
            "scope: |\n"
            "  　　本工程范围：卫生间，厨房\n"
            "  name： 仍是正文\n"
            "sections:\n"
            "  - {name: 拆除, note: 含垃圾装袋，清运}\n")
    assert fullwidth.problem(text) is None
    path = tmp_path / "data.yaml"
    path.write_text(text, encoding="utf-8")
    assert common.load_file(path)["remarks"][0] == "报价含：人工、辅料，不含主材"


def test_a_full_width_key_after_a_block_scalar_is_found() -> None:
    assert fullwidth.problem("scope: >\n  正文：一段\nunit_price： 4\n") == (
        "line 3: the colon after unit_price is a full-width colon ： (全角); type the ASCII colon : and a space "
        "(switch the input method to 半角 (Shift) and retype it)")


# Dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["2026-11-02", "2026/11/02", "2026/11/2", "2026年11月2日", "2026年11月02日",
                                  "２０２６年１１月２日", "２０２６－１１－０２"])
def test_three_date_forms_are_read(text: str) -> None:
    assert parse_date(text) == dt.date(2026, 11, 2)


def test_a_date_is_returned_as_it_is() -> None:
    assert parse_date(dt.date(2026, 11, 2)) == dt.date(2026, 11, 2)
    assert parse_date(dt.datetime(2026, 11, 2, 9, 30)) == dt.date(2026, 11, 2)


@pytest.mark.parametrize(("text", "message"), [
    ("2026-02-30", "'2026-02-30' is not a date: 2026-02 has 28 days"),
    ("2028/02/30", "'2028/02/30' is not a date: 2028-02 has 29 days"),
    ("2026年4月31日", "'2026年4月31日' is not a date: 2026-04 has 30 days"),
    ("2026-13-01", "'2026-13-01' is not a date: there is no month 13"),
    ("2026.11.02", "'2026.11.02' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
    ("下周一", "'下周一' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
    ("11/02/2026", "'11/02/2026' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
])
def test_a_date_that_is_none_is_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_date(text)
    assert str(caught.value) == message


def test_date_forms_through_the_cli(work: Path, archive_dir: Path) -> None:
    slash = replace_in(work / "quote.yaml", "date: 2026-11-02", "date: 2026/11/03")
    chinese = work / "quote-chinese-date.yaml"
    chinese.write_text(slash.read_text(encoding="utf-8").replace("date: 2026/11/03", "date: 2026年11月4日"),
                       encoding="utf-8")
    r = run("new", "quote", slash, chinese, "--json")
    assert r.exit_code == 0, r
    numbers = [m["number"] for m in json.loads(r.stdout)]
    dates = []
    for number in numbers:
        shown = run("show", number, "--json")
        assert shown.exit_code == 0, shown
        dates.append(json.dumps(json.loads(shown.stdout), ensure_ascii=False))
    assert '"2026-11-03"' in dates[0] and '"2026-11-04"' in dates[1]


def test_impossible_date_is_refused_by_the_cli(work: Path, archive_dir: Path) -> None:
    path = replace_in(work / "quote.yaml", "date: 2026-11-02", "date: 2026/02/30")
    line = refused_once(run("new", "quote", path), archive_dir)
    assert line == f"Error: {path}: date: '2026/02/30' is not a date: 2026-02 has 28 days"


def test_unquoted_impossible_iso_date_is_named_by_its_field(work: Path, archive_dir: Path) -> None:
    path = replace_in(work / "contract.yaml", "start_date: 2026-11-20", "start_date: 2026-11-31")
    line = refused_once(run("new", "contract", path), archive_dir)
    assert line == f"Error: {path}: start_date: '2026-11-31' is not a date: 2026-11 has 30 days"


# docgen's own wording for every validation error --------------------------------------------

def item(**changes: Any) -> Any:
    def change(d: dict[str, Any]) -> None:
        d["sections"][0]["items"][0].update(changes)
    return change


def top(**changes: Any) -> Any:
    return lambda d: d.update(changes)


def drop(key: str) -> Any:
    return lambda d: d.pop(key)


# (model, sample, change, the pydantic error type it triggers, docgen's line after the path)
CASES: dict[str, tuple[type, str, Any, str, str]] = {
    "wrong-type-text": (QuoteInput, "quote.yaml", item(name=["a"]), "string_type",
                        'sections[0].items[0].name: must be a text (got a list); write it in quotes if it is a number'),
    "wrong-type-list": (QuoteInput, "quote.yaml", top(sections="拆除工程"), "list_type",
                        'sections: must be a list of entries, each on a line starting with - (got "拆除工程")'),
    "wrong-type-group": (QuoteInput, "quote.yaml", lambda d: d["sections"].__setitem__(0, "拆除"), "model_type",
                         'sections[0]: must be a group of fields (key: value) on the lines below it (got "拆除")'),
    "wrong-type-int": (QuoteInput, "quote.yaml", top(valid_days="三十"), "int_parsing",
                       'valid_days: "三十" is not a whole number: write digits, as in 30'),
    "int-with-decimals": (QuoteInput, "quote.yaml", top(valid_days=Decimal("30.5")), "int_from_float",
                          "valid_days: 30.5 is not a whole number: write it without decimals, as in 30"),
    "wrong-type-bool": (RectificationInput, "rectification.yaml",
                        lambda d: d.update(rechecks=[{"date": "2026-12-01", "passed": "也许", "note": "复查",
                                                      "inspector": "赵工"}]),
                        "bool_parsing", 'rechecks[0].passed: must be true or false (got "也许")'),
    "missing-field": (QuoteInput, "quote.yaml", lambda d: d["sections"][0]["items"][0].pop("unit"), "missing",
                      "sections[0].items[0].unit: is missing"),
    "extra-field": (QuoteInput, "quote.yaml", item(colour="白"), "extra_forbidden",
                    "sections[0].items[0].colour: is not a known field (check the spelling)"),
    "pattern": (ContractInput, "contract.yaml", top(quote="BJ2026-1"), "string_pattern_mismatch",
                'quote: "BJ2026-1" is not a document number like HT-2026-0001'),
    "project-code-pattern": (fields.Project, "project.yaml", top(code="项目一"), "string_pattern_mismatch",
                             'code: "项目一" is not a project code: write letters, digits and dashes, as in P-2026-0001'),
    "empty-text": (QuoteInput, "quote.yaml", item(unit=""), "string_too_short", "sections[0].items[0].unit: is empty; write it"),
    "too-long-text": (QuoteInput, "quote.yaml", item(name="墙" * 101), "value_error",
                      "sections[0].items[0].name: is 101 characters long, more than the 100 allowed; shorten it"),
    "too-long-list": (QuoteInput, "quote.yaml", top(remarks=["一条"] * 51), "too_long",
                      "remarks: has 51 entries, more than the 50 allowed; split the document"),
    "empty-list": (AcceptanceInput, "acceptance-1.yaml", top(inspectors=[]), "too_short",
                   "inspectors: is empty; give at least one entry"),
    "bad-date": (QuoteInput, "quote.yaml", top(date="2026-02-30"), "value_error",
                 "date: '2026-02-30' is not a date: 2026-02 has 28 days"),
    "not-a-date": (QuoteInput, "quote.yaml", top(date=20261102), "value_error",
                   "date: '20261102' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"),
    "bad-enum": (ContractInput, "contract.yaml", top(dispute="打官司"), "literal_error",
                 'dispute: must be 仲裁 or 诉讼 (got "打官司")'),
    "bad-enum-stage": (AcceptanceInput, "acceptance-1.yaml", top(stage="终验"), "literal_error",
                       'stage: must be 初验 or 正式验收 (got "终验")'),
    "bad-number": (QuoteInput, "quote.yaml", item(quantity="12,5"), "value_error",
                   'sections[0].items[0].quantity: "12,5" is not a number: write 12.5 '
                   "(a comma only separates thousands, as in 1,234.50)"),
    "number-too-big": (QuoteInput, "quote.yaml", top(valid_days=400), "less_than_equal",
                       "valid_days: must be at most 365 (got 400)"),
    "number-too-small": (QuoteInput, "quote.yaml", top(valid_days=0), "greater_than",
                         "valid_days: must be greater than 0 (got 0)"),
    "number-below-zero": (ContractInput, "contract.yaml", top(penalty_rate_per_day="-0.001"), "greater_than_equal",
                          'penalty_rate_per_day: must be at least 0 (got "-0.001")'),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_validation_error_is_in_docgen_words(case: str, work: Path) -> None:
    model, sample, change, pydantic_type, expected = CASES[case]
    data = common.load_file(work / sample)
    change(data)
    with pytest.raises(Exception) as raw:
        model.model_validate(data)
    assert pydantic_type in [e["type"] for e in raw.value.errors()]  # the case really is that kind of error
    with pytest.raises(InputError) as caught:
        common.validate(model, data, Path(sample))
    message = str(caught.value)
    assert "\n" not in message
    assert not any(w in message for w in PYDANTIC_WORDING), message
    assert message.startswith(f"{sample}: {expected}"), message


@pytest.mark.parametrize("kind", typing.get_args(pydantic_core.core_schema.ErrorType))
def test_no_pydantic_error_type_shows_pydantic_wording(kind: str) -> None:
    err = {"type": kind, "loc": ("x",), "msg": "Input should be a valid thing [type=x]", "input": "值",
           "ctx": {"expected": "'a' or 'b'", "pattern": "^x$", "max_length": 3, "min_length": 1, "gt": 0,
                   "ge": 0, "lt": 1, "le": 1, "multiple_of": 2, "actual_length": 5}}
    text = pydantic_errors.message(err)
    assert text and "\n" not in text
    assert not any(w in text for w in PYDANTIC_WORDING), text


def test_bad_value_through_the_cli_has_no_pydantic_wording(work: Path, archive_dir: Path) -> None:
    path = edit(work / "quote.yaml", item(unit=["㎡"]))
    line = refused_once(run("new", "quote", path), archive_dir)
    assert line.startswith(f"Error: {path}: sections[0].items[0].unit: must be a text (got a list)")


def test_an_id_number_typed_in_groups_is_kept_in_one_piece(work: Path) -> None:
    data = common.load_file(work / "project.yaml")
    data["customer"]["id_number"] = "440308 19900101 123９"
    project = common.validate(fields.Project, data, work / "project.yaml")
    assert project.customer.id_number == "440308199001011239"


def test_json_dates_take_the_three_forms_too(tmp_path: Path, work: Path) -> None:
    data = common.load_file(work / "quote.yaml")
    for written in ("2026/11/02", "2026年11月2日"):
        path = tmp_path / "quote.json"
        path.write_text(json.dumps({**data, "date": written}, ensure_ascii=False, default=str), encoding="utf-8")
        assert quote_kind.parse(common.load_file(path), path).date == dt.date(2026, 11, 2)
    path.write_text(json.dumps({**data, "date": "2026-02-29"}, ensure_ascii=False, default=str), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        quote_kind.parse(common.load_file(path), path)
    assert str(caught.value) == f"{path}: date: '2026-02-29' is not a date: 2026-02 has 28 days"


def test_a_full_width_colon_after_a_misspelt_key_is_named_where_yaml_fails(work: Path, archive_dir: Path) -> None:
    path = replace_in(work / "quote.yaml", "valid_days: 30", "Valid_Days： 30")
    line = refused_once(run("new", "quote", path), archive_dir)
    assert line == (f"Error: {path}: line 4: a full-width colon ： or space 　 (全角) where YAML expects its own; "
                    "type the ASCII colon : and ordinary spaces (switch the input method to 半角 (Shift) and retype it)")


def test_a_yaml_error_without_full_width_punctuation_keeps_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("remarks:\n  - 报价含：人工\nsections: [\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        common.load_file(path)
    assert "全角" not in str(caught.value) and "line 4" in str(caught.value)
