"""The archive: versions, review life cycle, verify, concurrency and crash safety."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ME, edit, new, run, run_process


def show(number: str) -> dict:  # type: ignore[type-arg]
    r = run("show", number, "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def test_show_json_has_versions_and_checksums(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    data = show("BJ-2026-0001")
    assert {k: data[k] for k in ("number", "kind", "status", "project", "total")} == {
        "number": "BJ-2026-0001", "kind": "quote", "status": "draft", "project": "P-2026-0001",
        "total": "51299.99",
    }
    v = data["versions"][0]
    assert v["version"] == 1 and v["status"] == "draft" and v["actor"] == ME
    assert v["created"] and v["note"] == "新建"
    for role in ("docx", "pdf", "data", "text", "template"):
        sha = v["files"][role]["sha256"]
        assert (archive_dir / "objects" / sha[:2] / sha).is_file()
    snapshot = json.loads((archive_dir / "objects" / v["files"]["data"]["sha256"][:2]
                           / v["files"]["data"]["sha256"]).read_text(encoding="utf-8"))
    assert snapshot["input"]["sections"][0]["items"][0]["unit_price"] == "45.00"
    assert snapshot["project"]["customer"]["name"] == "张三"
    human = run("show", "BJ-2026-0001")
    assert "¥51,299.99" in human.stdout and "人民币伍万壹仟贰佰玖拾玖元玖角玖分" in human.stdout


def test_revise_makes_new_version_and_keeps_old(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    made = new("contract", work / "contract.yaml")
    v1_pdf = Path(made["files"]["pdf"]).read_bytes()
    edit(work / "contract.yaml", lambda d: d.update(penalty_rate_per_day="0.003"))
    r = run("revise", "HT-2026-0001", work / "contract.yaml", "--note", "法务意见：违约金改为0.3%")
    assert r.exit_code == 0, r
    assert "HT-2026-0001 v2" in r.stdout
    data = show("HT-2026-0001")
    assert [v["version"] for v in data["versions"]] == [1, 2]
    assert data["versions"][1]["note"] == "法务意见：违约金改为0.3%"
    assert Path(made["files"]["pdf"]).read_bytes() == v1_pdf  # v1 untouched
    d = run("diff", "HT-2026-0001", "1", "2")
    assert d.exit_code == 0
    assert "-10.1 乙方未按期竣工的（按第四条顺延的除外），每逾期一日，按合同价款的 0.2% 向甲方支付违约金。" in d.stdout
    assert "+10.1 乙方未按期竣工的（按第四条顺延的除外），每逾期一日，按合同价款的 0.3% 向甲方支付违约金。" in d.stdout
    assert "HT-2026-0001.V2." in data["summary"]["page_code"]
    same = run("diff", "HT-2026-0001", "1", "1")
    assert "no differences" in same.stdout
    assert run("diff", "HT-2026-0001", "1", "9").exit_code == 1


def test_revise_must_keep_the_project(work: Path) -> None:
    new("quote", work / "quote.yaml")
    edit(work / "project.yaml", lambda d: d.update(code="P-2026-0777"))
    r = run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "x")
    assert r.exit_code == 1 and "belongs to P-2026-0001" in r.stderr


def test_contract_review_life_cycle(work: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    assert run("review", "HT-2026-0001", "approve").exit_code == 1  # not submitted yet
    assert run("review", "HT-2026-0001", "submit", "--note", "请审核").exit_code == 0
    assert show("HT-2026-0001")["status"] == "in_review"
    r = run("revise", "HT-2026-0001", work / "contract.yaml", "--note", "x")
    assert r.exit_code == 1 and "in legal review" in r.stderr
    r = run("review", "HT-2026-0001", "reject")
    assert r.exit_code == 1 and "reject needs review notes" in r.stderr
    assert run("review", "HT-2026-0001", "reject", "--note", "第十条违约金过高").exit_code == 0
    data = show("HT-2026-0001")
    assert data["status"] == "draft" and data["versions"][0]["status"] == "rejected"
    assert data["effective_version"] is None
    edit(work / "contract.yaml", lambda d: d.update(penalty_rate_per_day="0.001"))
    assert run("revise", "HT-2026-0001", work / "contract.yaml", "--note", "按法务意见修改").exit_code == 0
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    assert run("review", "HT-2026-0001", "approve", "--note", "同意").exit_code == 0
    data = show("HT-2026-0001")
    assert data["status"] == "approved"
    assert [v["status"] for v in data["versions"]] == ["rejected", "approved"]
    assert data["effective_version"] == 2
    actions = [e["action"] for e in data["events"]]
    assert actions == ["create", "review:submit", "review:reject", "revise", "review:submit", "review:approve"]
    assert data["events"][2]["note"] == "第十条违约金过高"
    # quotes are not legally reviewed
    r = run("review", "BJ-2026-0001", "submit")
    assert r.exit_code == 1 and "legal review is for: contract" in r.stderr


def test_void_keeps_number_and_blocks_use(work: Path) -> None:
    new("quote", work / "quote.yaml")
    assert run("void", "BJ-2026-0001", "--note", "客户取消").exit_code == 0
    assert show("BJ-2026-0001")["status"] == "void"
    r = run("new", "contract", work / "contract.yaml")
    assert r.exit_code == 1 and "BJ-2026-0001 is void" in r.stderr
    assert run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "x").exit_code == 1
    assert run("void", "BJ-2026-0001", "--note", "again").exit_code == 1
    assert new("quote", work / "quote.yaml")["number"] == "BJ-2026-0002"  # never reused


def test_list_json_and_filters(work: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    rows = json.loads(run("list", "--json").stdout)
    assert [(r["number"], r["kind"], r["status"]) for r in rows] == [
        ("BJ-2026-0001", "quote", "draft"), ("HT-2026-0001", "contract", "draft")]
    only = json.loads(run("list", "--kind", "contract", "--json").stdout)
    assert [r["number"] for r in only] == ["HT-2026-0001"]
    assert "HT-2026-0001" in run("list").stdout


def test_numbers_per_kind_and_year(work: Path) -> None:
    new("quote", work / "quote.yaml")
    edit(work / "quote.yaml", lambda d: d.update(date="2027-01-05"))
    assert new("quote", work / "quote.yaml")["number"] == "BJ-2027-0001"
    edit(work / "quote.yaml", lambda d: d.update(date="2026-12-30"))
    assert new("quote", work / "quote.yaml")["number"] == "BJ-2026-0002"


def test_once_does_not_duplicate(work: Path) -> None:
    a = run("new", "quote", work / "quote.yaml", "--once", "--json")
    b = run("new", "quote", work / "quote.yaml", "--once", "--json")
    assert json.loads(a.stdout)["number"] == json.loads(b.stdout)["number"] == "BJ-2026-0001"
    assert len(json.loads(run("list", "--json").stdout)) == 1


def test_verify_clean_then_finds_corrupt_missing_and_orphaned(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    ok = run("verify")
    assert ok.exit_code == 0 and "clean" in ok.stdout
    v = show("BJ-2026-0001")["versions"][0]["files"]
    pdf = archive_dir / "objects" / v["pdf"]["sha256"][:2] / v["pdf"]["sha256"]
    pdf.chmod(0o644)
    pdf.write_bytes(pdf.read_bytes()[:-10] + b"0123456789")
    text = archive_dir / "objects" / v["text"]["sha256"][:2] / v["text"]["sha256"]
    text.unlink()
    stray = archive_dir / "objects" / "ab" / ("ab" + "0" * 62)
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"stray")
    r = run("verify")
    assert r.exit_code == 1
    assert "1 missing, 1 corrupt, 1 orphaned" in r.stdout
    assert "BJ-2026-0001 v1 pdf" in r.stderr and "does not match its checksum" in r.stderr
    assert "BJ-2026-0001 v1 text" in r.stderr and "is missing" in r.stderr
    assert "belongs to no version" in r.stderr


def test_blobs_are_read_only_and_views_restored(work: Path, archive_dir: Path) -> None:
    made = new("quote", work / "quote.yaml")
    pdf = Path(made["files"]["pdf"])
    assert not os.access(pdf, os.W_OK) or os.geteuid() == 0
    assert oct(pdf.stat().st_mode & 0o777) == "0o400"
    pdf.unlink()
    r = run("new", "quote", work / "quote.yaml", "--once")
    assert r.exit_code == 0 and pdf.is_file()


def test_migrations_are_recorded(work: Path, archive_dir: Path) -> None:
    run("list")
    con = sqlite3.connect(archive_dir / "catalog.sqlite")
    names = [r[0] for r in con.execute("SELECT name FROM migrations")]
    assert names[:6] == [
        "m001_core", "m002_index_queue", "m003_queue_project_changes", "m004_ledger", "m005_distribution_queue",
        "m006_reservations",
    ]
    assert "m007_chain" in names
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_processes_get_distinct_numbers(work: Path, archive_dir: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "docgen.cli", "new", "quote", str(work / "quote.yaml"),
             str(work / "quote.yaml"), "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(3)
    ]
    numbers = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        numbers += [m["number"] for m in json.loads(out)]
    assert sorted(numbers) == [f"BJ-2026-{i:04d}" for i in range(1, 7)]
    assert run("verify").exit_code == 0


def test_kill_during_new_leaves_archive_consistent(work: Path, archive_dir: Path) -> None:
    rng = random.Random(7)
    made = 0
    for _ in range(6):
        p = subprocess.Popen(
            [sys.executable, "-m", "docgen.cli", "new", "quote", str(work / "quote.yaml")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        time.sleep(rng.uniform(0.3, 2.5))
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        r = run_process("verify")
        assert r.returncode == 0, r.stdout + r.stderr
        listed_r = run("list", "--json")
        assert listed_r.exit_code == 0, listed_r
        rows = json.loads(listed_r.stdout)
        for row in rows:
            data = show(row["number"])
            assert len(data["versions"]) == 1
            assert all(data["versions"][0]["files"][k] for k in ("docx", "pdf", "data", "text"))
        made = len(rows)
    # after all kills, the archive still works; a number a killed command had reserved is
    # never reused, and verify explains it as unused
    nxt = new("quote", work / "quote.yaml")
    con = sqlite3.connect(archive_dir / "catalog.sqlite")
    handed_out = con.execute("SELECT last FROM counters WHERE kind = 'quote'").fetchone()[0]
    assert nxt["number"] == f"BJ-2026-{handed_out:04d}"
    listed = {row["number"] for row in json.loads(run("list", "--json").stdout)}
    assert len(listed) == made + 1
    r = run_process("verify")
    assert r.returncode == 0, r.stdout + r.stderr
    for seq in range(1, handed_out + 1):
        number = f"BJ-2026-{seq:04d}"
        assert (number in listed) != (f"{number}: number unused (the command that reserved it" in r.stdout)
    assert not list((archive_dir / "tmp").glob("intent-*"))
    assert not list((archive_dir / "tmp").glob("render-*"))


def test_help_has_examples_for_every_command() -> None:
    from docgen.cli import main

    for name, cmd in main.commands.items():
        r = run(name, "--help")
        assert r.exit_code == 0
        assert cmd.help and "Example" in cmd.help, f"docgen {name} --help lacks an example"


def test_help_does_not_load_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from docgen.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('docxtpl', 'docx', 'pydantic', 'jinja2', 'lxml', 'pypdf', 'segno', 'yaml',"
        " 'whoosh', 'tantivy', 'opencc')"
        " if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY:"


@pytest.mark.parametrize("archive_flag", [True, False])
def test_archive_root_option_and_env(work: Path, tmp_path: Path, archive_flag: bool,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other"
    args: tuple[str | Path, ...] = ("--archive", other) if archive_flag else ()
    if not archive_flag:
        monkeypatch.setenv("DOCGEN_ARCHIVE", str(other))
    r = run(*args, "list")
    assert r.exit_code == 1 and f"no archive at {other}" in r.stderr  # a typo makes no archive
    assert not other.exists()
    assert run(*args, "new", "quote", work / "quote.yaml").exit_code == 0
    assert (other / "docgen.toml").is_file() and (other / "README.md").is_file()
    assert "BJ-2026-0001" in run(*args, "list").stdout


def test_archive_path_that_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    monkeypatch.setenv("DOCGEN_ARCHIVE", str(f))
    r = run("list")
    assert r.exit_code == 1 and "is a file, not a folder" in r.stderr


def test_once_reports_existing_document(work: Path) -> None:
    first = json.loads(run("new", "quote", work / "quote.yaml", "--once", "--json").stdout)
    again = run("new", "quote", work / "quote.yaml", "--once")
    assert first["existing"] is False
    assert "already in the archive" in again.stdout


def test_revise_with_unchanged_data_is_refused(work: Path) -> None:
    new("quote", work / "quote.yaml")
    r = run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "nothing changed")
    assert r.exit_code == 1 and "the data is the same as BJ-2026-0001 v1" in r.stderr
    assert len(show("BJ-2026-0001")["versions"]) == 1


def test_verify_checks_and_repairs_readable_copies(work: Path, archive_dir: Path) -> None:
    made = new("quote", work / "quote.yaml")
    pdf, docx_copy = Path(made["files"]["pdf"]), Path(made["files"]["docx"])
    original = pdf.read_bytes()
    pdf.unlink()
    docx_copy.chmod(0o644)
    docx_copy.write_bytes(b"edited by hand")
    r = run("verify")
    assert r.exit_code == 1
    assert "BJ-2026-0001 v1 pdf: readable copy documents/BJ-2026-0001/BJ-2026-0001-v1.pdf is missing" in r.stderr
    assert "BJ-2026-0001 v1 docx: readable copy" in r.stderr and "is changed" in r.stderr
    fixed = run("verify", "--repair")
    assert fixed.exit_code == 0 and "re-made 2 readable copies" in fixed.stdout
    assert pdf.read_bytes() == original
    assert run("verify").exit_code == 0


def test_show_flags_an_expired_quote(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    new("quote", work / "quote.yaml")  # 2026-11-02, valid 30 days
    monkeypatch.setenv("DOCGEN_TODAY", "2026-12-02")
    assert "EXPIRED" not in run("show", "BJ-2026-0001").stdout
    monkeypatch.setenv("DOCGEN_TODAY", "2026-12-03")
    assert "valid until 2026-12-02  (EXPIRED" in run("show", "BJ-2026-0001").stdout


def test_processes_opening_a_new_archive_at_once_all_open_it(tmp_path: Path) -> None:
    """Several processes that open a new catalog at the same moment race to put it in WAL mode;
    SQLite answers "database is locked" at once to the one that would deadlock, and that
    process must try again rather than call the catalog damaged."""
    import time

    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from docgen.archive.catalog import Catalog\n"
        "start = float(sys.argv[2])\n"
        "while time.time() < start: pass\n"
        "Catalog(Path(sys.argv[1]))\n"
    )
    for round_ in range(10):
        path = tmp_path / f"c{round_}" / "catalog.sqlite"
        path.parent.mkdir()
        start = time.time() + 1.0
        procs = [subprocess.Popen([sys.executable, "-c", script, str(path), str(start)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
        for p in procs:
            _out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.close()


def test_an_archive_from_before_the_refs_index_is_filled_on_opening(contracted: Path, archive_dir: Path) -> None:
    """m010: what refers to what, read from the summaries there are; a contract still finds its
    quote's referrer and the change orders made later are indexed as they are made."""
    con = sqlite3.connect(archive_dir / "catalog.sqlite")
    con.execute("DROP TABLE refs")
    con.execute("DELETE FROM migrations WHERE name = 'm010_refs'")
    con.commit()
    con.close()
    r = run("show", "BJ-2026-0001", "--json")
    assert r.exit_code == 0, r
    assert [x["number"] for x in json.loads(r.stdout)["referred_by"]] == ["HT-2026-0001"]
    assert run("new", "change", contracted / "change-1.yaml").exit_code == 0
    con = sqlite3.connect(archive_dir / "catalog.sqlite")
    refs = set(con.execute("SELECT number, key, target FROM refs"))
    assert {("HT-2026-0001", "quote", "BJ-2026-0001"), ("BG-2026-0001", "contract", "HT-2026-0001")} <= refs
    r = run("list", "--kind", "contract", "--json")
    assert json.loads(r.stdout)[0]["total"] == json.loads(run("show", "HT-2026-0001", "--json").stdout)["total"]


def test_the_newest_summaries_read_for_some_keys_hold_those_keys_as_read_whole(contracted: Path,
                                                                               archive_dir: Path) -> None:
    """``Catalog.newest(only=...)`` has SQLite read a few keys of each summary; they are what the
    whole summary holds (strings, numbers, lists and objects alike), and a missing key is missing."""
    import pytest

    from docgen.archive.core import Archive

    cat = Archive.open(archive_dir).catalog
    whole = cat.newest()
    keys = {k for _d, summary in whole for k in summary}
    assert {"total", "doc_date"} <= keys and any(isinstance(v, (list, dict)) for _d, s in whole for v in s.values())
    some = sorted(keys) + ["no_such_key"]
    part = cat.newest(only=some)
    assert [d for d, _s in part] == [d for d, _s in whole]
    for (_d, full), (_d2, read) in zip(whole, part, strict=True):
        assert read == {k: full[k] for k in some if k in full and full[k] is not None}
    for bad in (["total') || ('"], ["$.x"], [], ["Total"]):
        with pytest.raises(ValueError):
            cat.newest(only=bad)
