"""Conversion holds no lock: a number is reserved in one short transaction, the document is
rendered and converted with no lock held, and the version is committed in another. Readers
never take the write lock. A number whose render failed, or whose command was killed, is
recorded as unused, and `verify` explains every gap in a kind's numbers."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from conftest import new, run, run_process

UNUSED_KILLED = "number unused (the command that reserved it (pid {pid}) ended before committing"


def start(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "docgen.cli", *[str(a) for a in args]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the held command ended: {proc.communicate()}")
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def reservations(archive_dir: Path) -> dict[str, tuple[str, str]]:
    con = sqlite3.connect(archive_dir / "catalog.sqlite")
    try:
        return {r[0]: (r[1], r[2]) for r in con.execute("SELECT number, state, reason FROM reservations")}
    finally:
        con.close()


def numbers() -> list[str]:
    r = run("list", "--json")
    assert r.exit_code == 0, r
    return sorted(row["number"] for row in json.loads(r.stdout))


def test_readers_and_another_new_go_on_while_a_conversion_is_held(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    new("quote", work / "quote.yaml")
    flag = tmp_path / "held"
    held = start("new", "quote", work / "quote.yaml",
                 env={"DOCGEN_FAILPOINT": "convert:hold", "DOCGEN_FAILPOINT_FILE": str(flag)})
    try:
        wait_for(flag, held)
        # while LibreOffice (held) converts BJ-2026-0002, everyone else goes on
        others = {
            "list": start("list"),
            "show": start("show", "BJ-2026-0001"),
            "verify": start("verify"),
            "search": start("search", "拆除非承重墙"),
            "new": start("new", "quote", work / "quote.yaml", "--json"),
        }
        out = {}
        for name, proc in others.items():
            stdout, stderr = proc.communicate(timeout=600)
            assert proc.returncode == 0, (name, stdout, stderr)
            out[name] = stdout
        assert held.poll() is None and flag.exists(), "the held conversion was still running meanwhile"
        assert "BJ-2026-0001" in out["list"] and "BJ-2026-0001" in out["show"] and "BJ-2026-0001" in out["search"]
        assert "BJ-2026-0002: number reserved by pid" in out["verify"]
        assert json.loads(out["new"])["number"] == "BJ-2026-0003"
    finally:
        flag.unlink(missing_ok=True)
    stdout, stderr = held.communicate(timeout=600)
    assert held.returncode == 0, stderr
    assert "BJ-2026-0002" in stdout
    assert numbers() == ["BJ-2026-0001", "BJ-2026-0002", "BJ-2026-0003"]
    r = run_process("verify")
    assert r.returncode == 0 and "number unused" not in r.stdout, r
    assert {state for state, _ in reservations(archive_dir).values()} == {"used"}


def test_a_failed_conversion_records_the_number_unused_and_verify_explains_the_gap(
    work: Path, archive_dir: Path
) -> None:
    new("quote", work / "quote.yaml")
    r = run_process("new", "quote", work / "quote.yaml", env={"DOCGEN_SOFFICE": "/bin/false"})
    assert r.returncode == 1, r
    reason = r.stderr.strip().splitlines()[-1].removeprefix("Error: ")
    assert reason.startswith("LibreOffice did not start: it ended at start (exit 1)"), r.stderr
    assert reservations(archive_dir)["BJ-2026-0002"] == ("unused", reason)
    assert new("quote", work / "quote.yaml")["number"] == "BJ-2026-0003"  # the number is not reused
    assert numbers() == ["BJ-2026-0001", "BJ-2026-0003"]
    r = run_process("verify")
    assert r.returncode == 0, r
    assert f"BJ-2026-0002: number unused ({reason}, " in r.stdout
    assert not list((archive_dir / "tmp").glob("render-*"))


def test_a_failed_render_records_the_number_unused(work: Path, archive_dir: Path) -> None:
    # a company template that names a field no quote has
    (archive_dir / "templates").mkdir()
    bundled = Path(__file__).resolve().parent.parent / "templates" / "quote.docx"
    with zipfile.ZipFile(bundled) as src, zipfile.ZipFile(archive_dir / "templates" / "quote.docx", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"{{ customer.phone }}", b"{{ customer.fax }}", 1)
            dst.writestr(item, data)
    for path, mode in ((archive_dir, 0o700), (archive_dir / "templates", 0o700),
                       (archive_dir / "templates" / "quote.docx", 0o600)):
        path.chmod(mode)  # the archive's files are owner-only; verify reports others
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1, r
    reason = r.stderr.strip().splitlines()[-1].removeprefix("Error: ")
    assert "fax" in reason
    assert reservations(archive_dir)["BJ-2026-0001"] == ("unused", reason)
    assert numbers() == []
    r = run_process("verify")
    assert r.returncode == 0, r
    assert "BJ-2026-0001: number unused (" in r.stdout


def test_kill_during_conversion_leaves_the_number_unused_and_no_leftovers(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    killed = start("new", "quote", work / "quote.yaml", env={"DOCGEN_FAILPOINT": "convert"})
    killed.communicate(timeout=600)
    assert killed.returncode == -9
    # what the killed command left: its reserved number, its work folder
    assert reservations(archive_dir)["BJ-2026-0002"][0] == "pending"
    (left,) = (archive_dir / "tmp").glob("render-*")
    assert left.name.startswith(f"render-{killed.pid}-") and any(left.iterdir())
    # the next command (even one that only reads) recovers both
    assert numbers() == ["BJ-2026-0001"]
    assert reservations(archive_dir)["BJ-2026-0002"][0] == "unused"
    assert not left.exists()
    r = run_process("verify")
    assert r.returncode == 0, r
    assert "BJ-2026-0002: " + UNUSED_KILLED.format(pid=killed.pid) in r.stdout
    assert new("quote", work / "quote.yaml")["number"] == "BJ-2026-0003"


def test_a_live_commands_work_folder_is_kept(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    flag = tmp_path / "held"
    held = start("new", "quote", work / "quote.yaml",
                 env={"DOCGEN_FAILPOINT": "convert:hold", "DOCGEN_FAILPOINT_FILE": str(flag)})
    try:
        wait_for(flag, held)
        (folder,) = (archive_dir / "tmp").glob("render-*")
        assert run("list").exit_code == 0  # runs recovery
        assert folder.exists() and reservations(archive_dir)["BJ-2026-0001"][0] == "pending"
    finally:
        flag.unlink(missing_ok=True)
    held.communicate(timeout=600)
    assert held.returncode == 0
    assert numbers() == ["BJ-2026-0001"]


def test_verify_reports_an_unexplained_gap(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    con = sqlite3.connect(archive_dir / "catalog.sqlite")
    with con:
        con.execute("UPDATE counters SET last = last + 1 WHERE kind = 'quote'")
    con.close()
    r = run_process("verify")
    assert r.returncode == 1, r
    assert ("BJ-2026-0002: the number was handed out but no document and no record of it going unused "
            "is in the catalog") in r.stderr.splitlines()


def test_reading_commands_take_no_write_lock(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    assert run("search", "拆除非承重墙").exit_code == 0  # nothing left queued for the index
    con = sqlite3.connect(archive_dir / "catalog.sqlite", isolation_level=None)
    con.execute("BEGIN IMMEDIATE")  # a writer holds the lock for as long as it likes
    try:
        for args in (["list"], ["show", "BJ-2026-0001"], ["log", "BJ-2026-0001"], ["verify"],
                     ["search", "拆除非承重墙"], ["diff", "BJ-2026-0001", "1", "1"]):
            r = run_process(*args, timeout=600)
            assert r.returncode in (0, 1) and "database is locked" not in r.stderr, (args, r)
            assert r.returncode == 0 or args[0] == "diff", (args, r)
    finally:
        con.execute("ROLLBACK")
        con.close()


def test_kill_while_a_copy_converts_leaves_no_folder_behind(scans: Path, archive_dir: Path) -> None:
    killed = start("ingest", scans / "ht.pdf", env={"DOCGEN_FAILPOINT": "copy:convert"})
    killed.communicate(timeout=600)
    assert killed.returncode == -9
    (left,) = (archive_dir / "tmp").glob("copy-*")
    assert left.name.startswith(f"copy-{killed.pid}-") and (left / "copy.docx").is_file()
    r = run("distribute", "HT-2026-0001")  # recovery first, then the copies the killed command owed
    assert r.exit_code == 0, r
    assert not list((archive_dir / "tmp").glob("copy-*"))
    assert (archive_dir / "outbox/finance/HT-2026-0001_v2_财务联.pdf").is_file()


def test_first_commands_started_together_write_one_settings_file(tmp_path: Path) -> None:
    """A new archive's first commands may start at the same moment: each writes its own
    temporary file, one docgen.toml wins, none fails and no temporary file is left behind."""
    import threading

    from docgen.config import default_toml, ensure_settings_file

    root = tmp_path / "new-archive"
    start_line = threading.Barrier(8)
    errors: list[BaseException] = []

    def first_command() -> None:
        start_line.wait()
        try:
            ensure_settings_file(root)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=first_command) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert (root / "docgen.toml").read_text(encoding="utf-8") == default_toml()
    assert sorted(p.name for p in root.iterdir()) == ["docgen.toml"]


def test_a_settings_file_written_meanwhile_is_not_overwritten(tmp_path: Path, monkeypatch) -> None:
    import docgen.config as config

    root = tmp_path / "new-archive"
    root.mkdir()
    company = "# the company's own settings\n"
    real = config.default_toml

    def slow_default() -> str:  # another command writes docgen.toml while this one prepares its own
        (root / "docgen.toml").write_text(company, encoding="utf-8")
        return real()

    monkeypatch.setattr(config, "default_toml", slow_default)
    config.ensure_settings_file(root)
    assert (root / "docgen.toml").read_text(encoding="utf-8") == company
