"""The command line in the company's language: messages, errors, help and status words in
Chinese when docgen speaks zh-CN, the same English as before with ``en``."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")


def test_help_in_chinese(chinese: None) -> None:
    r = run("--help")
    assert r.exit_code == 0, r
    assert "docgen：装修公司的报价单和合同，统一编号并归档。" in r.stdout
    assert "档案根目录（默认：$DOCGEN_ARCHIVE，否则为 ./archive）。" in r.stdout
    assert "显示此帮助后退出。" in r.stdout and "显示版本后退出。" in r.stdout
    assert "  list        列出档案中的文档。" in r.stdout
    r = run("new", "--help")
    assert "校验 YAML 文件，编号、生成并归档一份新文档。" in r.stdout
    assert "示例：\n    docgen new quote samples/zhangjiang/quote.yaml" in r.stdout
    assert "如果已用完全相同的数据生成过文档，则显示该文档。" in r.stdout
    assert "以 JSON 输出结果。" in r.stdout
    assert "Validate" not in r.stdout and "Print the result" not in r.stdout


def test_help_in_english() -> None:
    r = run("new", "--help")
    assert "Validate, number, render and archive a new document from a YAML file." in r.stdout
    assert "Example:\n    docgen new quote samples/zhangjiang/quote.yaml" in r.stdout
    assert "If a document was already made from exactly this data, show it" in " ".join(r.stdout.split())
    assert "Show this message and exit." in r.stdout
    r = run("quarantine", "--help")
    assert "Scans that could not be filed, with the reason for each." in r.stdout


def test_usage_errors_in_chinese(chinese: None) -> None:
    r = run("new", "quote")
    assert r.exit_code == 2, r
    assert r.stderr == "错误：请给出要生成的 quote 文件（整改通知书和保修卡也可用 --from-acceptance YS-…）\n", r
    r = run("list", "--kind", "香蕉")
    assert r.exit_code == 2, r
    assert r.stderr.startswith("错误：'--kind' 的值无效：未知的文档类型 '香蕉'；请使用以下之一：quote, contract"), r
    r = run("diff", "HT-2026-0001", "v0", "1")
    assert r.exit_code == 2 and "'v0' 不是版本号；请写 1 以上的版本号，如 2 或 v2" in r.stderr, r
    r = run("verify", "--chain-head", "abc")
    assert r.exit_code == 2 and "链头是 64 位十六进制数字" in r.stderr, r


def test_usage_errors_in_english() -> None:
    r = run("new", "quote")
    assert r.exit_code == 2, r
    assert r.stderr == ("Error: give the quote file to make (or --from-acceptance YS-… for notices and "
                        "warranty cards)\n"), r
    r = run("list", "--kind", "banana")
    assert r.exit_code == 2 and r.stderr.startswith("Error: Invalid value for '--kind': unknown kind 'banana'"), r


def test_document_errors_in_chinese(chinese: None, tmp_path: Path) -> None:
    r = run("--archive", tmp_path / "nowhere", "list")
    assert r.exit_code == 1, r
    assert r.stderr == (f"错误：{tmp_path / 'nowhere'} 没有档案；请检查 --archive 或 DOCGEN_ARCHIVE"
                        "（docgen new 会新建档案）\n"), r


def test_empty_archive_in_chinese(chinese: None) -> None:
    assert run("list").stdout == "没有文档\n"
    assert run("list", "--overdue").stdout == "没有超过时限的文档\n"
    assert run("quarantine", "list").stdout == "隔离区为空\n"
    assert run("log").stdout == "没有事件\n"
    r = run("verify")
    assert r.exit_code == 0, r
    assert r.stdout.splitlines()[-1].startswith("校验：完好：已检查 0 个文件，缺失 0 个，损坏 0 个，多余 0 个"), r


def test_empty_archive_in_english() -> None:
    assert run("list").stdout == "no documents\n"
    assert run("quarantine", "list").stdout == "quarantine is empty\n"
    assert run("verify").stdout.splitlines()[-1].startswith("verify: clean: 0 files checked, 0 missing"), run("verify")


def test_status_words_in_chinese(contracted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One word for each status everywhere: 已签署, not signed here and [signed 已签署] there."""
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    r = run("show", "HT-2026-0001", "--wide")
    assert r.exit_code == 0, r
    first = r.stdout.splitlines()[0]
    assert first.startswith("HT-2026-0001  ") and first.endswith("[已签署]"), first
    assert "signed" not in first
    assert "有效版本：v2" in r.stdout and "版本：\n" in r.stdout and "历史：\n" in r.stdout
    assert "扫描件" in r.stdout and "v1 的签字件" in r.stdout
    assert "项目：    P-2026-0001" in r.stdout
    r = run("list", "--wide")
    assert r.exit_code == 0, r
    (ht,) = [line for line in r.stdout.splitlines() if line.startswith("HT-2026-0001")]
    assert "已签署" in ht and "signed" not in ht
    r = run("list", "--json")
    assert '"status": "signed"' in r.stdout  # data keeps its keys
    r = run("void", "BJ-2026-0001", "--note", "客户取消")
    assert r.exit_code == 0 and r.stdout == "BJ-2026-0001: 已作废\n", r


def test_status_words_in_english(contracted: Path) -> None:
    r = run("show", "HT-2026-0001", "--wide")
    assert r.exit_code == 0, r
    assert r.stdout.splitlines()[0].endswith("[signed]"), r
    assert "effective version: v2" in r.stdout and "signed copy of v1" in r.stdout
    r = run("void", "BJ-2026-0001", "--note", "customer cancelled")
    assert r.stdout == "BJ-2026-0001: void\n", r


def test_click_s_own_words_follow_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """The headings and usage errors click writes itself come from docgen's catalog too."""
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    r = run("list", "--help")
    assert r.exit_code == 0 and r.stdout.startswith("用法：") and "显示此帮助后退出。" in r.stdout, r
    assert "Usage:" not in r.stdout and "Show this message" not in r.stdout
    r = run("list", "--bogus")
    assert r.exit_code == 2 and r.stderr.strip().splitlines() == ["错误：没有选项 '--bogus'。"], r
    monkeypatch.setenv("DOCGEN_LANGUAGE", "en")
    r = run("list", "--help")
    assert r.stdout.startswith("Usage:") and "Show this message and exit." in r.stdout
    assert "No such option '--bogus'" in run("list", "--bogus").stderr
