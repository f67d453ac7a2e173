"""The document kinds' validation messages and the search's messages follow the company's
language: Chinese by default (zh-CN), English with ``en`` (how the rest of the suite reads them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import edit, run

from docgen.archive.search import _known, parse_query
from docgen.archive.query import QueryError, Term
from docgen.errors import InputError
from docgen.kinds import common, fullwidth, pydantic_errors
from docgen.kinds.names import kind_word
from docgen.kinds.registry import table as _kind_table

KIND_TABLE = _kind_table()


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")


def _misspelt(work: Path) -> Path:
    def change(d: dict) -> None:
        d["sections"][0]["items"][1]["quantty"] = d["sections"][0]["items"][1].pop("quantity")
    return edit(work / "quote.yaml", change)


def test_a_field_message_in_chinese(chinese: None, work: Path) -> None:
    r = run("new", "quote", _misspelt(work))
    assert r.exit_code == 1
    assert "quote.yaml：sections[0].items[1].quantty：不是已知的字段（请检查拼写）（另有 1 处错误）\n" in r.stderr, r.stderr


def test_a_field_message_in_english(work: Path) -> None:
    r = run("new", "quote", _misspelt(work))
    assert r.exit_code == 1
    assert "quote.yaml: sections[0].items[1].quantty: is not a known field (check the spelling) (and 1 more)\n" in r.stderr


def test_the_wrong_kind_of_file_names_the_kind_in_chinese(chinese: None, work: Path) -> None:
    r = run("new", "contract", work / "quote.yaml")
    assert r.exit_code == 1
    assert "；这个文件确实是施工合同吗？" in r.stderr, r.stderr
    assert "contract?" not in r.stderr


def test_kind_words() -> None:
    assert kind_word("contract") == "contract" and kind_word("warranty") == "warranty card"


def test_kind_words_in_chinese(chinese: None) -> None:
    assert [kind_word(k) for k in ("quote", "contract", "rectification", "acceptance", "warranty")] == [
        "报价单", "施工合同", "整改通知书", "竣工验收报告", "保修卡"]
    assert kind_word("invoice") == "invoice"


def test_phone_and_id_numbers_in_chinese(chinese: None) -> None:
    with pytest.raises(ValueError, match="^“1381234567”不是有效的电话号码：手机号码应为 11 位，此处为 10 位$"):
        common.check_phone("1381234567")
    with pytest.raises(ValueError, match="^“12345”不是有效的身份证号码：居民身份证号码由 17 位数字加 1 位数字或 X 组成（此处为 5 位）$"):
        common.check_id_number("12345")


def test_phone_in_english() -> None:
    with pytest.raises(ValueError, match="^\"1381234567\" is not a phone number: a mobile number has 11 digits, this one 10$"):
        common.check_phone("1381234567")


def test_pydantic_errors_in_chinese(chinese: None) -> None:
    assert pydantic_errors.message({"type": "missing"}) == "缺失"
    assert pydantic_errors.message({"type": "extra_forbidden"}) == "不是已知的字段（请检查拼写）"
    choice = {"type": "literal_error", "input": "全部", "ctx": {"expected": "'全包', '半包' or '清包'"}}
    assert pydantic_errors.message(choice) == '应为 全包, 半包或清包（填写的是 "全部"）'
    assert pydantic_errors.message({"type": "list_type", "input": {"a": 1}}) == (
        "应为列表，每项一行，以 - 开头（填写的是 字段组（key: value））")


def test_pydantic_errors_in_english() -> None:
    choice = {"type": "literal_error", "input": "全部", "ctx": {"expected": "'全包', '半包' or '清包'"}}
    assert pydantic_errors.message(choice) == 'must be 全包, 半包 or 清包 (got "全部")'
    assert pydantic_errors.message({"type": "missing"}) == "is missing"


def test_full_width_punctuation_in_chinese(chinese: None) -> None:
    assert fullwidth.problem("unit_price： 45\n") == (
        "第 1 行：unit_price 后面的冒号是全角冒号“：”；请输入半角冒号 : 并加一个空格"
        "（请按 Shift 键将输入法切换为半角后重新输入）")
    assert fullwidth.problem("items: [{quantity: 12,5, unit: ㎡}]\n").startswith(
        "第 1 行：quantity: “12,5”不是数字：请写成 12.5（逗号只用于千位分隔，且在 { } 内只能写在引号中")


def test_full_width_punctuation_in_english() -> None:
    assert fullwidth.problem("unit_price： 45\n") == (
        "line 1: the colon after unit_price is a full-width colon ： (全角); type the ASCII colon : and a space "
        "(switch the input method to 半角 (Shift) and retype it)")
    assert "inside { } only in quotes" in fullwidth.problem("items: [{quantity: 12,5, unit: ㎡}]\n")


def _twice(tmp_path: Path) -> Path:
    path = tmp_path / "twice.yaml"
    path.write_text("number: HT-2026-001\nnumber: HT-2026-002\n", encoding="utf-8")
    return path


def test_file_messages_in_chinese(chinese: None, tmp_path: Path) -> None:
    path = _twice(tmp_path)
    with pytest.raises(InputError) as exc:
        common.load_file(path)
    assert str(exc.value) == f"{path}：第 2 行第 1 列：number 在同一组字段中出现了两次（第 1 行和第 2 行）；请只保留一个"
    with pytest.raises(InputError, match="：文件不存在$"):
        common.load_file(tmp_path / "nowhere.yaml")
    with pytest.raises(InputError, match="超过 docgen.toml 中 \\[limits\\] max_items 允许的 2 项"):
        common.check_count(path, "issues", 3, 2, "项整改问题", "max_items")


def test_file_messages_in_english(tmp_path: Path) -> None:
    path = _twice(tmp_path)
    with pytest.raises(InputError) as exc:
        common.load_file(path)
    assert str(exc.value) == f"{path}: line 2, column 1: number appears twice in one mapping (lines 1 and 2); keep one"
    path.write_text("a: [1\n", encoding="utf-8")
    with pytest.raises(InputError, match="; check the indentation and brackets there$"):
        common.load_file(path)


def test_query_messages_in_chinese(chinese: None) -> None:
    with pytest.raises(QueryError, match='^检索式中的 " 缺少对应的结束引号 "；请补全短语的引号或删除该引号$'):
        parse_query('"渗漏', KIND_TABLE)
    with pytest.raises(QueryError, match="^未知字段 'colour'；可用字段：number, kind, status"):
        parse_query("colour:红", KIND_TABLE)
    with pytest.raises(QueryError, match="^检索式至少需要一个必须匹配的检索词"):
        parse_query("-闭水", KIND_TABLE)
    with pytest.raises(QueryError, match="^未知状态 'gone'；可用状态：draft, in_review"):
        _known(Term("gone", "status"), KIND_TABLE)


def test_query_messages_in_english() -> None:
    with pytest.raises(QueryError, match='^the query has an opening " without its closing "; close the phrase or remove it$'):
        parse_query('"渗漏', KIND_TABLE)
    with pytest.raises(QueryError, match="^a query needs at least one term that must match, not only excluded ones"):
        parse_query("-闭水", KIND_TABLE)
    with pytest.raises(QueryError, match="^unknown kind 'invoice'; use one of: quote, contract"):
        _known(Term("invoice", "kind"), KIND_TABLE)
