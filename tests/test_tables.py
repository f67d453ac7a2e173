"""Tables a person reads (aligned by display width, within 100 columns, --wide) and CSV
for finance (--csv: the --json fields, BOM, no formulas)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import wcwidth
from conftest import SAMPLES, act_as, edit, keyed_archive, new, run

from docgen import table
from docgen.table import Column, render, to_csv, truncate, width

CUSTOMER = "欧阳明华"  # four characters: eight columns
LONG_NOTE = ("客户要求把卫生间的防水做到一米八高，厨房墙面全部重新找平，阳台封窗另行报价，"
             "请设计师下周一前回复，另附平面图三张（见附件）")
FORMULA_NOTE = '=HYPERLINK("http://evil.example/x","点此")'


@pytest.fixture(autouse=True)
def chinese_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tables as the company reads them: Chinese header words (two columns a character),
    the widths these tests are about."""
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")


def cols(text: str) -> int:
    w = wcwidth.wcswidth(text)
    assert w >= 0, repr(text)  # nothing unprintable reached the output
    return w


# ---- the width and truncation functions


@pytest.mark.parametrize(
    ("text", "expected"),
    [("abc", 3), ("欧阳明华", 8), ("P-2026-0001 张三", 16), ("（，。）", 8), ("ＡＢ", 4), ("😀", 2),
     ("e\u0301", 1), ("", 0), ("…", 1)],
)
def test_width_counts_display_columns(text: str, expected: int) -> None:
    assert width(text) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("欧阳明华", 8, "欧阳明华"),
     ("欧阳明华", 7, "欧阳明…"),
     ("欧阳明华", 6, "欧阳…"),  # 欧阳明 would take 6 and leave no room for …
     ("ab欧阳", 4, "ab…"),  # 欧 would cross the limit: left out whole
     ("（甲方）签字", 5, "（甲…"),
     ("😀😀😀", 5, "😀😀…"),
     ("e\u0301e\u0301e\u0301", 2, "e\u0301…"),  # a combining mark stays with its letter
     ("abc", 0, ""),
     ("abc", 1, "…")],
)
def test_truncate_never_exceeds_and_never_splits(text: str, limit: int, expected: str) -> None:
    cut = truncate(text, limit)
    assert cut == expected
    assert width(cut) <= limit


def test_truncate_mixed_text_at_every_limit() -> None:
    text = "HT-2026-0001 欧阳明华（签字）😀 café\u0301 第7.1条"
    for limit in range(0, width(text) + 2):
        cut = truncate(text, limit)
        assert width(cut) <= limit
        assert cut == text or cut.endswith("…") or (limit == 0 and cut == "")
        assert text.startswith(cut.removesuffix("…"))


def test_render_aligns_by_display_width_and_fits_the_budget() -> None:
    columns = [Column("number"), Column("kind"), Column("customer", flex=2), Column("total", align=">"),
               Column("note", flex=2, min_width=8)]
    rows = [{"number": "BJ-2026-0001", "kind": "报价单", "customer": CUSTOMER, "total": "¥51,299.99",
             "note": LONG_NOTE},
            {"number": "YS-2027-0001", "kind": "竣工验收报告", "customer": "Li", "total": "", "note": "ok"}]
    lines = render(columns, rows, budget=60)
    assert lines[0].split() == ["编号", "类型", "客户", "金额", "说明"]
    assert all(width(line) <= 60 for line in lines)
    starts = {line_starts(line, ["BJ-2026-0001", "YS-2027-0001", "编号"])[0] for line in lines}
    assert starts == {0}
    kind_at = {width(line[:line.index(k)]) for line, k in zip(lines, ["类型", "报价单", "竣工验收报告"])}
    assert len(kind_at) == 1  # the second column starts at the same display column on every row
    assert "…" in lines[1] and LONG_NOTE not in lines[1]
    wide = render(columns, rows, wide=True, budget=60)
    assert LONG_NOTE in wide[1] and CUSTOMER in wide[1]


def line_starts(line: str, words: list[str]) -> list[int]:
    return [width(line[:line.index(w)]) for w in words if w in line]


def test_render_shrinks_flexible_columns_before_fixed_ones() -> None:
    columns = [Column("number"), Column("customer", flex=2, min_width=8), Column("updated", flex=1)]
    rows = [{"number": "BJ-2026-0001", "customer": "欧阳明华有限公司装饰部", "updated": "2026-11-29T14:02:11+08:00"}]
    (_, line) = render(columns, rows, budget=50)
    assert line == "BJ-2026-0001  欧阳明华…  2026-11-29T14:02:11+08:00"  # the name gave way first
    (_, line) = render(columns, rows, budget=45)
    assert line == "BJ-2026-0001  欧阳明…   2026-11-29T14:02:11+…"  # at its minimum: then the time


def test_cells_are_escaped() -> None:
    (_, line) = render([Column("customer", flex=2)], [{"customer": "张\x1b[31m三\n\u202e"}], budget=100)
    assert "\x1b" not in line and "\n" not in line and "\u202e" not in line
    assert line == "张\\x1b[31m三\\n\\u202e"
    assert table.line("a\x1bb", budget=100) == "a\\x1bb"


def test_terminal_width_follows_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "132")
    assert table.terminal_width() == 132
    monkeypatch.setenv("COLUMNS", "12")
    assert table.terminal_width() == table.MIN_WIDTH  # too narrow to be useful: 40
    monkeypatch.delenv("COLUMNS")

    def no_terminal(fd: int = 1) -> os.terminal_size:
        raise OSError("not a terminal")

    monkeypatch.setattr(os, "get_terminal_size", no_terminal)
    assert table.terminal_width() == 100  # a pipe or a file: the default
    monkeypatch.setattr(os, "get_terminal_size", lambda fd=1: os.terminal_size((80, 24)))
    assert table.terminal_width() == 80  # a terminal: its width


def test_csv_quotes_has_bom_and_defuses_formulas() -> None:
    text = to_csv([{"customer": "=HYPERLINK(\"x\")", "note": "a,b\n\"c\"", "n": 3, "total": "-1", "x": None},
                   {"customer": "@SUM(A1)", "note": "+1", "n": 4, "total": "12.00", "x": "安全"}])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["customer", "note", "n", "total", "x"]
    assert rows[1] == ["'=HYPERLINK(\"x\")", "a,b\\n\"c\"", "3", "'-1", ""]
    assert rows[2] == ["'@SUM(A1)", "'+1", "4", "12.00", "安全"]


# ---- the commands


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive with a 4-character customer, the longest kind name (竣工验收报告), long
    notes, a note that is a formula, and a quarantined file with a hostile name."""
    root = tmp_path_factory.mktemp("tables")
    archive = keyed_archive(root / "archive")
    mp = pytest.MonkeyPatch()
    mp.setenv("DOCGEN_ARCHIVE", str(archive))
    mp.setenv("DOCGEN_LANGUAGE", "zh-CN")  # the module reads the Chinese tables, reasons included
    try:
        import shutil

        work = root / "work"
        shutil.copytree(SAMPLES, work)
        act_as("前台小王", archive)
        edit(work / "project.yaml", lambda d: d["customer"].update(name=CUSTOMER))
        assert run("new", "quote", work / "quote.yaml", "--note", LONG_NOTE).exit_code == 0
        assert run("new", "contract", work / "contract.yaml", "--note", FORMULA_NOTE).exit_code == 0
        assert run("review", "HT-2026-0001", "submit", "--note", LONG_NOTE * 2).exit_code == 0
        # a name with an escape cannot be an account's; a row of an older archive may hold one
        from docgen.archive.core import Archive
        from docgen.service import Actor, Service

        Service(Archive.open(archive), Actor("法务\x1b[31m", "admin", console=True)).review(
            "HT-2026-0001", "reject", note="\x1b[2J第七条\r改")
        # the report and the notice need the contract: approved by legal is enough for tables
        toml = archive / "docgen.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace(
            'contract_status = "signed"', 'contract_status = "approved"'), encoding="utf-8")
        assert run("review", "HT-2026-0001", "submit").exit_code == 0
        assert run("review", "HT-2026-0001", "approve", "--note", "同意").exit_code == 0
        new("acceptance", work / "acceptance-1.yaml")
        new("rectification", work / "rectification.yaml")  # ZG-2026-0001, deadline 2026-12-22
        hostile = root / "扫描件\x1b[31m客户欧阳明华签字的施工合同第二版（补签）.txt"
        hostile.write_text("not a scan", encoding="utf-8")
        run("ingest", hostile)
    finally:
        mp.undo()
    return archive


@pytest.fixture
def archived(filled: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DOCGEN_ARCHIVE", str(filled))
    monkeypatch.setenv("COLUMNS", "100")  # pinned, whatever terminal runs the tests
    return filled


def check_table(lines: list[str], header: list[str], first: str, wide: bool = False,
                right: tuple[str, ...] = ()) -> None:
    """A header row, every line within 100 columns, every column starting at the same
    display column on every row (the header's word positions)."""
    assert lines[0].split()[:len(header)] == header, lines[0]
    if not wide:
        for text in lines:
            assert cols(text) <= 100, text
    starts = [cols(lines[0][:m.start()]) for m in re.finditer(r"\S+", lines[0]) if m.group() not in right]
    rows = [text for text in lines[1:] if text.startswith(first)]
    assert rows
    for text in rows:
        for s in starts[1:]:
            # each column's cell begins right there: a space before it, text at it
            if cols(text) <= s:
                continue  # the cells from here on are empty
            prefix = cut_at(text, s)
            assert prefix.endswith(" "), (text, s)


def cut_at(text: str, column: int) -> str:
    used = 0
    for i, ch in enumerate(text):
        if used >= column:
            return text[:i]
        used += max(wcwidth.wcwidth(ch), 0)
    return text


def col_starts(text: str, cells: list[str]) -> list[int]:
    out, pos = [], 0
    for c in cells:
        pos = text.index(c, pos)
        out.append(cols(text[:pos]))
        pos += len(c)
    return out


def test_list_is_a_table_within_100_columns(archived: Path) -> None:
    r = run("list")
    assert r.exit_code == 0, r
    lines = r.stdout.splitlines()
    check_table(lines, ["编号", "类型", "状态", "版本", "项目", "客户", "金额"], "BJ-", right=("金额",))
    rows = {text.split()[0]: text for text in lines[1:]}
    assert set(rows) == {"BJ-2026-0001", "HT-2026-0001", "YS-2027-0001", "ZG-2026-0001"}
    assert "竣工验收报告" in rows["YS-2027-0001"] and CUSTOMER in rows["YS-2027-0001"]
    # the customer, the project and the amount start at the same column on every row
    starts = {tuple(col_starts(rows[n], ["P-2026-0001", CUSTOMER])) for n in rows}
    assert len(starts) == 1
    ends = {cols(rows[n][:rows[n].index("¥51,299.99") + 10]) for n in ("BJ-2026-0001", "HT-2026-0001")}
    assert len(ends) == 1  # amounts are right-aligned
    assert all(cols(text) <= 100 for text in lines)


def test_list_csv_round_trips_with_the_json_fields(archived: Path) -> None:
    as_json = json.loads(run("list", "--json").stdout)
    r = run("list", "--csv")
    assert r.exit_code == 0 and r.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(r.stdout.removeprefix("\ufeff"))))
    assert list(rows[0]) == list(as_json[0])
    assert [{k: str(v) if v is not None else "" for k, v in d.items()} for d in as_json] == rows


def test_log_table_truncates_and_wide_shows_the_note(archived: Path) -> None:
    r = run("log")
    lines = r.stdout.splitlines()
    check_table(lines, ["时间", "操作", "编号", "操作人"], "20")
    assert all(cols(text) <= 100 for text in lines)
    assert LONG_NOTE not in r.stdout and "…" in r.stdout
    wide = run("log", "--wide").stdout
    assert LONG_NOTE * 2 in wide and LONG_NOTE in wide
    assert max(cols(text) for text in wide.splitlines()) > 100


def test_log_csv_same_fields_as_json_and_no_formula(archived: Path) -> None:
    events = json.loads(run("log", "--json").stdout)
    r = run("log", "--csv")
    text = r.stdout.removeprefix("\ufeff")
    assert r.stdout.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert set(rows[0]) >= {k for e in events for k in e}  # every field of --json, ledger ones too
    assert list(rows[0]) == ["created", "action", "number", "version", "department", "actor", "status", "label",
                             "sha256", "path", "note"]
    assert len(rows) == len(events)
    by_note = {row["note"]: row for row in rows}
    assert "'" + FORMULA_NOTE in by_note  # Excel sees text, not a formula
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())
    for e, row in zip(events, rows):
        for k, v in e.items():
            text = "" if v is None else table.printable(str(v))  # escaped as in the tables
            assert row[k] == ("'" + text if text[:1] in ("=", "+", "-", "@") else text), (k, row)


def test_search_table_and_snippets_fit(archived: Path) -> None:
    r = run("search", "防水")
    assert r.exit_code == 0, r
    lines = r.stdout.splitlines()
    check_table(lines, ["编号", "版本", "类型", "状态", "项目", "客户", "日期"], "BJ-")
    assert all(cols(re.sub(r"\x1b\[[0-9;]*m", "", text)) <= 100 for text in lines)
    rows = [text for text in lines[1:] if not text.startswith("    ")]
    assert len({tuple(col_starts(text, ["P-2026-0001", CUSTOMER])) for text in rows}) == 1


def test_search_csv_same_fields_as_json(archived: Path) -> None:
    hits = json.loads(run("search", "防水", "--json").stdout)
    rows = list(csv.DictReader(io.StringIO(run("search", "防水", "--csv").stdout.removeprefix("\ufeff"))))
    assert list(rows[0]) == list(hits[0])
    assert [(h["number"], str(h["version"]), h["customer"]) for h in hits] == \
        [(row["number"], row["version"], row["customer"]) for row in rows]


def test_show_tables_align_and_fit(archived: Path) -> None:
    r = run("show", "HT-2026-0001")
    assert r.exit_code == 0, r
    lines = r.stdout.splitlines()
    assert all(cols(text) <= 100 for text in lines)
    versions = lines[lines.index("版本：") + 1:lines.index("历史：")]
    history = lines[lines.index("历史：") + 1:]
    assert versions[0].split() == ["版本", "状态", "创建时间", "作者", "页数", "文件", "校验值", "说明"]
    assert history[0].split()[:4] == ["时间", "操作人", "操作", "新状态"]
    assert "前台小王" in history[1]
    assert len({tuple(col_starts(text, ["前台小王"])) for text in history[1:] if "前台小王" in text}) == 1
    assert len({tuple(col_starts(text, ["提交审核"])) for text in history[1:] if "提交审核" in text}) == 1
    assert LONG_NOTE * 2 not in r.stdout
    assert LONG_NOTE * 2 in run("show", "HT-2026-0001", "--wide").stdout


def test_quarantine_list_is_a_table_with_the_name_escaped(archived: Path) -> None:
    r = run("quarantine", "list")
    assert r.exit_code == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["文件", "检查时间", "原因", "处理办法"]
    assert lines[1].startswith("扫描件\\x1b[31m")
    assert "\x1b" not in r.stdout
    assert all(cols(text) <= 100 for text in lines[:-1])  # the folder under the table is shown whole
    wide = run("quarantine", "list", "--wide").stdout
    assert "扫描件\\x1b[31m客户欧阳明华签字的施工合同第二版（补签）.txt" in wide
    assert "收件箱只放扫描件；请删除此文件" in wide


def test_overdue_table(archived: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_TODAY", "2026-12-22")
    monkeypatch.setenv("DOCGEN_LANGUAGE", "en")  # the message in the suite's English
    r = run("list", "--overdue")
    assert r.exit_code == 0 and "nothing is overdue" in r.stdout
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    text = run("list", "--overdue", "--csv").stdout
    assert text.replace("\r\n", "\n") == "\ufeffnumber,project,customer,deadline,days_overdue,kind,limit\n"
    monkeypatch.setenv("DOCGEN_TODAY", "2027-01-05")
    lines = run("list", "--overdue").stdout.splitlines()
    assert lines[0].split() == ["编号", "项目", "客户", "时限", "到期日", "逾期天数"]
    assert lines[1].split() == ["ZG-2026-0001", "P-2026-0001", CUSTOMER, "整改期限", "2026-12-22", "14"]
    assert cols(lines[1]) == cols(lines[0])  # the days right-aligned under their header
    rows = list(csv.DictReader(io.StringIO(run("list", "--overdue", "--csv").stdout.removeprefix("\ufeff"))))
    assert rows == [{k: str(v) for k, v in d.items()} for d in json.loads(run("list", "--overdue", "--json").stdout)]


def test_escapes_in_data_reach_the_terminal_escaped(archived: Path) -> None:
    for args in (["log"], ["log", "--wide"], ["show", "HT-2026-0001"], ["show", "HT-2026-0001", "--wide"]):
        out = run(*args).stdout
        assert "\x1b" not in out and "\r" not in out, args
        if "--wide" in args:
            assert "法务\\x1b[31m" in out, args  # escaped, whole
        else:
            assert re.search(r"法务(\\x|\\…|…)", out), args  # escaped, and maybe shortened
    assert "\\x1b[2J第七条\\r改" in run("log", "--wide").stdout
    assert "\\x1b[2J第七条\\r改" in run("show", "HT-2026-0001", "--wide").stdout
    text = run("log", "--csv").stdout
    assert "\x1b" not in text and "\\x1b[2J第七条\\r改" in text  # the CSV too: it is read in terminals


def test_csv_bytes_are_utf8_with_bom_and_crlf(archived: Path) -> None:
    """As a file redirected from a real process: UTF-8 with a BOM whatever the console's
    encoding, RFC 4180 line ends, and Chinese text intact."""
    r = subprocess.run([sys.executable, "-m", "docgen.cli", "list", "--csv"], capture_output=True, timeout=120,
                       env={**os.environ, "PYTHONIOENCODING": "gbk"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"\xef\xbb\xbfnumber,kind,status,")
    assert b"\r\n" in r.stdout and b"\r\r\n" not in r.stdout and r.stdout.endswith(b"\r\n")
    assert CUSTOMER.encode("utf-8") in r.stdout


def test_a_narrow_budget_keeps_the_header_words() -> None:
    columns = [Column("number"), Column("customer", flex=2), Column("note", flex=2, min_width=8)]
    rows = [{"number": "BJ-2026-0001", "customer": CUSTOMER, "note": LONG_NOTE}]
    head, line = render(columns, rows, budget=20)
    assert head.split() == ["编号", "客户", "说明"]  # never 编… : the fixed column shrinks last, to its header
    assert line == "BJ-…  欧…   客户要…" and width(line) <= 20  # shortened to the header widths
    head, again = render(columns, rows, budget=10)
    assert (head.split(), again) == (["编号", "客户", "说明"], line)  # below that: the floors, no less


def test_the_quarantine_folder_is_never_shortened(archived: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")  # narrower than the folder's path
    footer = run("quarantine", "list").stdout.splitlines()[-1]
    assert str(archived / "quarantine") in footer and "…" not in footer


def test_the_plain_width_is_wcwidth_s() -> None:
    """Chinese names, numbers and punctuation are measured without wcwidth, to the same columns."""
    from docgen.table import _plain_width

    texts = ["欧阳明华", "¥51,299.99 ×2 é", "P-2026-0001 张三", "（，。）【】《》", "ＡＢ１２", "上海市浦东新区张江路88弄12号1602室",
             "\u3000张三", "¥51,299.99", "第二联 财务", "已签署", "①", "㎡"]
    for text in texts:
        plain = _plain_width(text)
        if plain is not None:
            assert plain == wcwidth.wcswidth(text), text
    assert _plain_width("欧阳明华") == 8 and _plain_width("e\u0301") is None and _plain_width("😀") is None
    for ch in map(chr, [*range(0x80, 0xD800), *range(0xE000, 0x10000)]):  # every character it takes, as wcwidth has it
        plain = _plain_width(ch)
        if plain is not None:
            assert plain == wcwidth.wcswidth(ch), hex(ord(ch))
