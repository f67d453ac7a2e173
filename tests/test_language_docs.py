"""The documents' own messages in the company's language: the life cycle (generate), copies
for departments (distribute, privacy), money, dates, the clock and table headers. zh-CN is
what the company reads; the suite's English (DOCGEN_LANGUAGE=en) reads as before."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run

from docgen import i18n, table
from docgen.archive.core import Archive
from docgen.clock import zone
from docgen.dates import parse_date
from docgen.errors import NotFound
from docgen.generate import document
from docgen.money import to_decimal, uppercase
from docgen.privacy import what


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")


def _error(exc: type[BaseException], call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(exc) as info:
        call(*args)
    return str(info.value)


def test_review_in_the_wrong_state_in_chinese(chinese: None, scans: Path) -> None:
    r = run("review", "HT-2026-0002", "approve")
    assert r.exit_code != 0, r
    assert "HT-2026-0002 当前状态为“草稿”；'approve' 只适用于状态为“法务审核中”的文件" in r.stderr, r
    assert "draft" not in r.stderr and "in_review" not in r.stderr, r


def test_review_in_the_wrong_state_in_english(scans: Path) -> None:
    r = run("review", "HT-2026-0002", "approve")
    assert r.exit_code != 0, r
    assert "HT-2026-0002 is draft; 'approve' needs a document that is in review" in r.stderr, r
    assert "草稿" not in r.stderr, r


def test_distribution_refused_in_chinese(chinese: None, scans: Path) -> None:
    r = run("distribute", "HT-2026-0002")
    assert r.exit_code != 0, r
    assert ("HT-2026-0002 尚无生效版本（草稿）：合同须经法务审核审批，或归档签署扫描件后才能分发"
            in r.stderr), r


def test_an_unknown_document_in_either_language(archive_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = Archive.open(archive_dir)
    try:
        english = _error(NotFound, document, archive, "HT-2026-0099")
        monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
        chinese = _error(NotFound, document, archive, "HT-2026-0099")
    finally:
        archive.close()
    assert english == f"no document HT-2026-0099 in {archive_dir}; see `docgen list`"
    assert chinese == f"{archive_dir} 中没有文件 HT-2026-0099；请用 `docgen list` 查看"


def test_status_words_are_the_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    assert i18n.status_word("void") == "void"
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    assert i18n.status_word("void") == "已作废"
    assert i18n.status_word("in_review") == "法务审核中"
    assert i18n.status_word("unheard-of") == "unheard-of"


def test_dates_in_chinese(chinese: None) -> None:
    assert _error(ValueError, parse_date, "2026-02-30") == "'2026-02-30' 不是日期：2026-02 只有 28 天"
    assert _error(ValueError, parse_date, "明天") == (
        "'明天' 不是日期；请写作 2026-11-02、2026/11/02 或 2026年11月2日"
    )
    r = run("recheck", "ZG-2026-0001", "--failed", "--note", "仍有空鼓", "--deadline", "2026-02-30")
    assert r.exit_code == 2, r
    assert r.stderr.strip() == "错误：--deadline '2026-02-30' 不是日期：2026-02 只有 28 天", r


def test_dates_in_english() -> None:
    assert _error(ValueError, parse_date, "2026-02-30") == "'2026-02-30' is not a date: 2026-02 has 28 days"
    assert _error(ValueError, parse_date, "tomorrow") == (
        "'tomorrow' is not a date; write 2026-11-02, 2026/11/02 or 2026年11月2日"
    )
    r = run("recheck", "ZG-2026-0001", "--failed", "--note", "still hollow", "--deadline", "2026-02-30")
    assert r.exit_code == 2, r
    assert r.stderr.strip() == "Error: --deadline '2026-02-30' is not a date: 2026-02 has 28 days", r


def test_money_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _error(ValueError, to_decimal, "12,5") == (
        '"12,5" is not a number: write 12.5 (a comma only separates thousands, as in 1,234.50)'
    )
    assert _error(ValueError, uppercase, Decimal(-1)) == "uppercase amounts are for non-negative sums"
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    assert _error(ValueError, to_decimal, "12,5") == "“12,5”不是数字：请写作 12.5（逗号只用作千位分隔符，如 1,234.50）"
    assert _error(ValueError, to_decimal, "abc") == "“abc”不是数字：请填写数字，如 12.5"
    assert _error(ValueError, uppercase, Decimal(-1)) == "大写金额只适用于非负金额"


def test_time_zone_in_both_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _error(ValueError, zone, "Mars/Base") == (
        "'Mars/Base' is not a known time zone; use an IANA name such as \"Asia/Shanghai\""
    )
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    assert _error(ValueError, zone, "Mars/Base") == "'Mars/Base' 不是已知时区；请使用 IANA 时区名，如 \"Asia/Shanghai\""


def test_personal_data_words(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (what("110101199003074578"), what("13800138000")) == ("ID number", "phone number")
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    assert (what("110101199003074578"), what("13800138000")) == ("身份证号", "电话号码")


def test_table_headers_follow_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    columns = [table.Column("number"), table.Column("deadline"), table.Column("days_overdue")]
    rows = [{"number": "ZG-2026-0001", "deadline": "2026-12-22", "days_overdue": 14}]
    english = table.render(columns, rows)
    assert english[0].split() == ["number", "deadline", "days", "overdue"]
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    chinese = table.render(columns, rows)
    assert chinese[0].split() == ["编号", "到期日", "逾期天数"]
    assert {table.HEADERS[k] for k in ("todo", "label", "to")} == {"处理办法", "联次", "新状态"}
    assert set(table.HEADERS) == set(table.HEADER_WORDS)
