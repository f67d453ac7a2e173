"""The language of what staff read: zh-CN unless docgen.toml's ``[company] language`` or the
administrator's ``DOCGEN_LANGUAGE`` says otherwise (the environment wins)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import run

from docgen import i18n
from docgen.config import load_settings
from docgen.errors import ConfigError
from docgen.intake import quarantined

OLD = time.time() - 3600


@pytest.fixture
def chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """No DOCGEN_LANGUAGE: what docgen.toml says, else zh-CN."""
    monkeypatch.delenv("DOCGEN_LANGUAGE", raising=False)


def _toml(archive: Path, language: str) -> None:
    (archive / "docgen.toml").write_text(f'[company]\nlanguage = "{language}"\n', encoding="utf-8")


def _not_a_scan(tmp_path: Path) -> Path:
    """A text file named like a scan, old enough not to be waited for."""
    path = tmp_path / "扫描0007.pdf"
    path.write_text("这不是扫描件", encoding="utf-8")
    os.utime(path, (OLD, OLD))
    return path


def _ingest_bad(tmp_path: Path, archive: Path) -> tuple[str, str, str]:
    r = run("ingest", _not_a_scan(tmp_path))
    assert r.exit_code == 1, r
    reason = (archive / "quarantine" / "扫描0007.pdf.reason.txt").read_text(encoding="utf-8")
    log = (archive / "logs" / "intake.log").read_text(encoding="utf-8")
    return r.stdout, reason, log


def test_chinese_by_default(chinese: None, archive_dir: Path, tmp_path: Path) -> None:
    out, reason, log = _ingest_bad(tmp_path, archive_dir)
    assert out.startswith("已隔离      扫描0007.pdf -> quarantine/扫描0007.pdf：文件扩展名是 .pdf，但不是 PDF 文件"), out
    assert "docgen 无法归档此扫描件。" in reason
    assert "文件：扫描0007.pdf（按收到时原样，18 字节）\n" in reason
    assert "原因：文件扩展名是 .pdf，但不是 PDF 文件" in reason
    assert "处理：请重新扫描；如果扫描仪保存为其他格式，请设为 PDF、JPEG、PNG 或 TIFF" in reason
    assert "然后：docgen quarantine retry 扫描0007.pdf" in reason
    assert " 已隔离 " in log.splitlines()[-1] and "文件扩展名是 .pdf" in log
    assert "reason" not in reason and "to do" not in reason
    assert i18n.status_word("signed") == "已签署"
    assert i18n.status_word("void") == "已作废"


def test_zh_cn_in_docgen_toml(chinese: None, archive_dir: Path, tmp_path: Path) -> None:
    _toml(archive_dir, "zh-CN")
    out, reason, _ = _ingest_bad(tmp_path, archive_dir)
    assert "原因：" in reason and out.startswith("已隔离")
    assert load_settings(archive_dir).company.language == "zh-CN"
    assert i18n.status_word("issued") == "已签发"


def test_en_in_docgen_toml(chinese: None, archive_dir: Path, tmp_path: Path) -> None:
    _toml(archive_dir, "en")
    out, reason, log = _ingest_bad(tmp_path, archive_dir)
    assert out.startswith("quarantined 扫描0007.pdf -> quarantine/扫描0007.pdf: the file is named .pdf but is not a PDF")
    assert "reason:  the file is named .pdf but is not a PDF" in reason
    assert "to do:   scan the paper again" in reason
    assert " quarantined " in log
    assert i18n.status_word("signed") == "signed"


def test_the_environment_overrides_docgen_toml(
    archive_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _toml(archive_dir, "en")
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    _, reason, _ = _ingest_bad(tmp_path, archive_dir)
    assert "原因：" in reason


def test_a_reason_file_is_read_in_either_language(chinese: None, archive_dir: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A file quarantined while docgen spoke Chinese is listed with its reason after the
    company switched to English (and the other way round)."""
    _ingest_bad(tmp_path, archive_dir)
    from docgen.archive.core import Archive

    monkeypatch.setenv("DOCGEN_LANGUAGE", "en")
    archive = Archive.open(archive_dir)
    try:
        (q,) = quarantined(archive)
    finally:
        archive.close()
    assert q.reason == "文件扩展名是 .pdf，但不是 PDF 文件（开头为 b'\\xe8\\xbf\\x99\\xe4\\xb8\\x8d\\xe6\\x98'）"
    assert q.todo.startswith("请重新扫描")
    assert q.checked


def test_damaged_archive_error_in_chinese(chinese: None, archive_dir: Path) -> None:
    (archive_dir / "catalog.sqlite").write_bytes(b"PK\x03\x04 not a database at all" * 100)
    r = run("list")
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines()[-1].endswith(
        "catalog.sqlite 不是 SQLite 数据库（已损坏或被替换）：请从备份恢复（docgen restore SRC）"
    ), r


def test_damaged_archive_error_follows_docgen_toml(chinese: None, archive_dir: Path) -> None:
    _toml(archive_dir, "en")
    (archive_dir / "catalog.sqlite").write_bytes(b"PK\x03\x04 not a database at all" * 100)
    r = run("list")
    assert r.exit_code == 1, r
    assert "catalog.sqlite is not a SQLite database (damaged or replaced)" in r.stderr, r


@pytest.mark.parametrize("value", ['"fr"', '"klingon"', "7"])
def test_unknown_language_is_a_one_line_config_error(chinese: None, archive_dir: Path, value: str) -> None:
    (archive_dir / "docgen.toml").write_text(f"[company]\nlanguage = {value}\n", encoding="utf-8")
    r = run("list")
    assert r.exit_code == 1, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r
    assert "language" in lines[0] and "zh-CN" in lines[0] and '"en"' in lines[0], r
    assert "Traceback" not in r.stderr


def test_unknown_language_in_the_environment(archive_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_LANGUAGE", "fr")
    with pytest.raises(ConfigError, match="DOCGEN_LANGUAGE='fr'"):
        load_settings(archive_dir)
    r = run("list")
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1, r


def test_language_names() -> None:
    assert i18n.known("zh_CN") == i18n.known("zh-cn") == "zh-CN"
    assert i18n.known("EN") == "en"
    assert i18n.known("fr") is None


def test_lazy_text_follows_the_language(monkeypatch: pytest.MonkeyPatch) -> None:
    text = i18n.lazy_gettext("scan the paper again")
    monkeypatch.setenv("DOCGEN_LANGUAGE", "en")
    assert str(text) == "scan the paper again"
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    assert str(text) == "请重新扫描纸质文件" and f"{text}" == "请重新扫描纸质文件"
    assert text + "。" == "请重新扫描纸质文件。"


def test_plural_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.intake import _pages

    assert _pages(1) == "1 page" and _pages(3) == "3 pages"
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    assert _pages(3) == "3 页"


def test_missing_pages_in_chinese(chinese: None, scans: Path, archive_dir: Path) -> None:
    path = scans / "ht-missing.pdf"
    r = run("ingest", path)
    assert r.exit_code == 1, r
    reason = (archive_dir / "quarantine" / "ht-missing.pdf.reason.txt").read_text(encoding="utf-8")
    assert "原因：HT-2026-0001 v1 共 9 页，扫描件只有 8 页：缺页" in reason
    assert "处理：请把签字后的全部 9 页扫描成一个文件，再放入收件箱" in reason
    assert "ht-missing.pdf -> quarantine/ht-missing.pdf：HT-2026-0001 v1 共 9 页，扫描件只有 8 页：缺页" in r.stdout


def test_watcher_lines_in_chinese(chinese: None, tmp_path: Path) -> None:
    """The watcher's own lines: a handler that fails names the file and goes on."""
    from docgen.archive.watch import Watcher

    said: list[str] = []
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "扫描0001.pdf").write_bytes(b"%PDF-1.4")

    def handle(path: Path) -> str:
        raise OSError("磁盘已满")

    w = Watcher(inbox, handle, poll=0.5, settle=0, say=said.append)
    assert w.mode == "每 0.5 秒轮询一次"
    w.scan_inbox()
    w._seen[inbox / "扫描0001.pdf"].closed = True
    assert w.run_once() == 1
    assert said == ["出错        扫描0001.pdf：OSError：磁盘已满；下次重新扫描时再试"], said


@pytest.mark.parametrize("language, expected", [
    ("en", "reason:  the PDF ends early (no %EOF): it was cut off or is still being written"),
    ("zh-CN", "原因：PDF 提前结束（没有 %EOF）：文件被截断或仍在写入"),
])
def test_reasons_from_the_reader_process_follow_docgen_toml(
    chinese: None, archive_dir: Path, tmp_path: Path, language: str, expected: str
) -> None:
    """Scans are read in a separate process that never reads docgen.toml: what it finds
    wrong is still told in the company's language."""
    _toml(archive_dir, language)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20)
    os.utime(cut, (time.time() - 400, time.time() - 400))
    r = run("ingest", cut)
    assert r.exit_code == 1, r
    reason = (archive_dir / "quarantine" / "cut.pdf.reason.txt").read_text(encoding="utf-8")
    assert expected in reason, reason


@pytest.mark.parametrize("language, expected", [
    ("zh-CN", 'docgen.toml：不支持 [search] engine = "lucene"；请用 "whoosh" 或 "tantivy"'),
    ("en", 'docgen.toml: [search] engine = "lucene" is not known; use "whoosh" or "tantivy"'),
])
def test_settings_errors_in_the_language_of_the_same_file(
    chinese: None, archive_dir: Path, language: str, expected: str
) -> None:
    (archive_dir / "docgen.toml").write_text(
        f'[company]\nlanguage = "{language}"\n\n[search]\nengine = "lucene"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(archive_dir)
    assert str(caught.value) == expected
    r = run("list")
    assert r.exit_code == 1 and r.stderr.strip().endswith(expected), r


def test_every_status_has_its_word(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared statuses' words are i18n's, a kind's own are in its definition: every status
    the registry knows has a Chinese word, and no two statuses share one."""
    from docgen.kinds import registry

    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    words = {s: i18n.status_word(s) for s in registry.statuses()}
    assert {s: words[s] for s in ("draft", "in_review", "approved", "rejected", "issued", "signed", "closed",
                                  "void", "passed", "failed")} == {
        "draft": "草稿", "in_review": "法务审核中", "approved": "已审批", "rejected": "退回修改",
        "issued": "已签发", "signed": "已签署", "closed": "已关闭", "void": "已作废",
        "passed": "合格", "failed": "不合格",
    }
    assert all(w != s and any("\u4e00" <= c <= "\u9fff" for c in w) for s, w in words.items()), words
    assert len(set(words.values())) == len(words), words
    assert i18n.status_word("someday") == "someday"
    monkeypatch.setenv("DOCGEN_LANGUAGE", "en")
    assert i18n.status_word("in_review") == "in review"


def test_every_intake_result_has_a_word(monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.intake import RESULT_WORDS, Outcome

    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    words = {r: Outcome(Path("扫描.pdf"), r).line().split()[0] for r in RESULT_WORDS}
    assert words == {"filed": "已归档", "duplicate": "重复", "quarantined": "已隔离", "waiting": "等待中",
                     "deferred": "稍后重试", "gone": "已被取走", "error": "出错"}
    assert Outcome(Path("扫描.pdf"), "filed").line().startswith("已归档      扫描.pdf")  # 6 + 5 columns, a space


def test_lazy_help_texts_in_click(monkeypatch: pytest.MonkeyPatch) -> None:
    """Help made when the command is defined (import time) is shown in the language of the
    moment it is shown."""
    import click
    from click.testing import CliRunner

    @click.command(help=i18n.lazy_gettext("scan the paper again"))
    @click.option("--pages", default=3, show_default=True, cls=i18n.TranslatedOption,
                  help=i18n.lazy_gettext("scan each page of paper on its own"))
    def command(pages: int) -> None:
        pass

    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    out = CliRunner().invoke(command, ["--help"]).output
    assert "请重新扫描纸质文件" in out and "请每页纸单独扫描  [默认：3]" in out  # click's own "default:" too
    monkeypatch.setenv("DOCGEN_LANGUAGE", "en")
    out = CliRunner().invoke(command, ["--help"]).output
    assert "scan the paper again" in out and "scan each page of paper on its own  [default: 3]" in out


def test_action_words_are_one_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """What an event or a copy's row records reads as a word in each language (tables of show
    and log); JSON and CSV keep the key."""
    from docgen.i18n import ACTION_WORDS, action_word

    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    words = {key: action_word(key) for key in ACTION_WORDS}
    assert words["review:submit"] == "提交审核" and words["delivered"] == "已分发"
    assert all(w and not w.isascii() for w in words.values()), words
    assert len(set(words.values())) == len(words)  # no two actions read alike
    monkeypatch.setenv("DOCGEN_LANGUAGE", "en")
    assert action_word("review:submit") == "sent for review" and action_word("odd") == "odd"
