"""The warm LibreOffice converter: a crashed, hung or slow LibreOffice is replaced, never kept.

The converter runs its helper (and the helper's soffice) in a process group of its own;
these tests find LibreOffice there, kill or stop it, and show that the next conversions
succeed in a fresh one.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run, run_process
from pypdf import PdfReader

from docgen.render.pdf import WarmConverter, find_uno_python

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "zhangjiang"


def processes() -> dict[int, tuple[str, int, int]]:
    """pid -> (command name, parent pid, process group) of every live process (from /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        if rest[0] != "Z":
            found[int(entry)] = (name, int(rest[1]), int(rest[2]))
    return found


def soffice_of(converter: WarmConverter) -> int:
    """The soffice.bin that the converter's helper started."""
    assert converter.proc is not None
    procs, family = processes(), {converter.proc.pid}
    while True:
        more = {pid for pid, (_, ppid, _) in procs.items() if ppid in family} - family
        if not more:
            break
        family |= more
    (pid,) = [p for p in family if procs[p][0] == "soffice.bin"]
    return pid


def wait_gone(pid: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state == "Z":
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} still runs")


@pytest.fixture
def docx(work: Path, archive_dir: Path, tmp_path: Path) -> Path:
    """The sample quote as a .docx (2 pages)."""
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 0, r
    dest = tmp_path / "quote.docx"
    dest.write_bytes((archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.docx").read_bytes())
    return dest


@pytest.fixture
def converter(monkeypatch: pytest.MonkeyPatch) -> Iterator[WarmConverter]:
    python = find_uno_python()
    assert python, "python3-uno is installed on the test machine"
    c = WarmConverter(python)
    yield c
    c.close()


@pytest.fixture
def busy_cores() -> Iterator[None]:
    """Every core of this machine busy with other work while the test runs."""
    loops = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        yield
    finally:
        for p in loops:
            p.kill()
            p.wait()


def test_killed_libreoffice_is_replaced_and_the_next_conversions_succeed(
    converter: WarmConverter, docx: Path, tmp_path: Path
) -> None:
    assert converter.convert(docx, tmp_path / "0.pdf") == 2
    assert converter.proc is not None
    helper, office = converter.proc.pid, soffice_of(converter)
    os.kill(office, signal.SIGKILL)
    wait_gone(office)
    # the helper still runs, but its bridge to the office is disposed
    assert converter.proc is not None and converter.proc.poll() is None
    for n in range(1, 4):
        assert converter.convert(docx, tmp_path / f"{n}.pdf") == 2
        assert len(PdfReader(tmp_path / f"{n}.pdf").pages) == 2
    assert converter.proc.pid != helper
    # the old helper and everything it started are gone
    assert [pid for pid, (_, _, group) in processes().items() if group == helper] == []


def test_killed_helper_is_replaced(converter: WarmConverter, docx: Path, tmp_path: Path) -> None:
    assert converter.convert(docx, tmp_path / "0.pdf") == 2
    assert converter.proc is not None
    helper, office = converter.proc.pid, soffice_of(converter)
    os.kill(helper, signal.SIGKILL)
    assert converter.convert(docx, tmp_path / "1.pdf") == 2
    assert converter.proc.pid != helper
    wait_gone(office)  # the office the dead helper had started is not left running


def test_hung_libreoffice_hits_the_timeout_and_the_document_is_retried(
    monkeypatch: pytest.MonkeyPatch, docx: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCGEN_CONVERT_TIMEOUT", "20")
    python = find_uno_python()
    assert python
    converter = WarmConverter(python)
    try:
        assert converter.convert(docx, tmp_path / "0.pdf") == 2
        assert converter.proc is not None
        helper, office = converter.proc.pid, soffice_of(converter)
        os.kill(office, signal.SIGSTOP)  # LibreOffice hangs: it will never answer
        assert converter.convert(docx, tmp_path / "1.pdf") == 2
        assert converter.proc.pid != helper
        wait_gone(office)  # the stopped office was killed, not left behind
        assert converter.convert(docx, tmp_path / "2.pdf") == 2
    finally:
        converter.close()


def test_a_libreoffice_that_never_starts_is_a_message_within_the_start_timeout(
    work: Path, tmp_path: Path, archive_dir: Path
) -> None:
    marker = tmp_path / "started"
    hang = tmp_path / "soffice"
    hang.write_text(f"#!/bin/sh\necho $$ >> {marker}\nexec sleep 100000\n")
    hang.chmod(0o755)
    r = run_process(
        "new", "quote", work / "quote.yaml",
        env={"DOCGEN_SOFFICE": str(hang), "DOCGEN_LO_START_TIMEOUT": "3"},
    )
    assert r.returncode == 1, r
    assert r.stderr.strip().splitlines()[-1] == (
        "Error: LibreOffice did not start: no connection within 3 s; on a slow machine raise "
        "DOCGEN_LO_START_TIMEOUT (now 3 s), else reinstall it: "
        "sudo apt-get install -y libreoffice-writer-nogui python3-uno"
    )
    # tried twice (the second time with a fresh profile), and neither sleeper is left running
    pids = [int(p) for p in marker.read_text().split()]
    assert len(pids) == 2
    for pid in pids:
        wait_gone(pid, timeout=10)
    assert run("list").stdout.count("BJ-") == 0


def test_conversions_succeed_with_every_core_busy(
    busy_cores: None, converter: WarmConverter, docx: Path, tmp_path: Path, work: Path
) -> None:
    for n in range(6):
        assert converter.convert(docx, tmp_path / f"{n}.pdf") == 2
    # and as the suite runs them: each command its own LibreOffice, three at once
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "docgen.cli", "new", kind, str(work / f"{kind}.yaml")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for kind in ("quote", "quote", "contract")
    ]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    listed = run("list").stdout
    for number in ("BJ-2026-0002", "BJ-2026-0003", "HT-2026-0001"):
        assert number in listed


def descendants(pid: int) -> dict[int, str]:
    procs, family = processes(), {pid}
    while True:
        more = {p for p, (_, ppid, _) in procs.items() if ppid in family} - family
        if not more:
            return {p: procs[p][0] for p in family - {pid}}
        family |= more


def test_a_running_watcher_survives_a_libreoffice_crash(scans: Path, archive_dir: Path) -> None:
    from test_watch import Watch, drop

    inbox = archive_dir / "inbox"
    inbox.mkdir()
    w = Watch()
    try:
        w.wait_for("watching .* \\(inotify")
        drop(scans / "ht.pdf", inbox)
        w.wait_for(r"delivered +HT-2026-0001 v2 \[signed\] to customer", timeout=600)
        # the watcher's conversions are the converter service's: its LibreOffice is killed
        from docgen.render.service import ServiceConverter

        service = ServiceConverter().status()["pid"]
        offices = [p for p, name in descendants(service).items() if name == "soffice.bin"]
        assert offices
        for office in offices:  # every LibreOffice it has
            os.kill(office, signal.SIGKILL)
            wait_gone(office)
        # the next copies need conversions (their 联次 stamps are re-made when missing, and the
        # quote's masked copy was made already): a fresh LibreOffice makes them
        shutil.rmtree(archive_dir / "cache" / "stamps")
        drop(scans / "bj.pdf", inbox)
        w.wait_for(r"filed +bj\.pdf -> BJ-2026-0001 v2", timeout=600)
        w.wait_for(r"delivered +BJ-2026-0001 v2 \[signed\] to customer \(第一联 客户留存\), finance", timeout=600)
        assert not [line for line in w.lines if "not delivered" in line]
        assert not set(offices) & set(descendants(service))
    finally:
        assert w.stop() == 0
    assert (archive_dir / "outbox/finance/BJ-2026-0001_v2_财务联.pdf").is_file()


def test_a_hung_cold_conversion_is_a_message_and_leaves_nothing_running(
    monkeypatch: pytest.MonkeyPatch, docx: Path, tmp_path: Path
) -> None:
    from docgen.errors import ConversionError
    from docgen.render.pdf import ColdConverter, find_soffice

    marker = tmp_path / "started"
    hang = tmp_path / "soffice"
    hang.write_text(f"#!/bin/sh\necho $$ >> {marker}\nexec sleep 100000\n")
    hang.chmod(0o755)
    monkeypatch.setenv("DOCGEN_SOFFICE", str(hang))
    monkeypatch.setenv("DOCGEN_LO_START_TIMEOUT", "2")
    monkeypatch.setenv("DOCGEN_CONVERT_TIMEOUT", "2")
    find_soffice.cache_clear()
    try:
        with pytest.raises(ConversionError, match=r"^LibreOffice could not convert quote\.docx: no answer within \d+ s$"):
            ColdConverter().convert(docx, tmp_path / "out.pdf")
    finally:
        find_soffice.cache_clear()
    (pid,) = [int(p) for p in marker.read_text().split()]
    wait_gone(pid, timeout=10)


def test_a_watcher_stops_at_once_while_copies_convert(
    scans: Path, archive_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_watch import Watch, drop

    inbox = archive_dir / "inbox"
    inbox.mkdir()
    flag = tmp_path / "converting"
    monkeypatch.setenv("DOCGEN_FAILPOINT", "copy:convert:hold")  # a copy that takes very long
    monkeypatch.setenv("DOCGEN_FAILPOINT_FILE", str(flag))
    shutil.rmtree(archive_dir / "cache" / "stamps")  # so the copies need conversions
    w = Watch()
    try:
        w.wait_for("watching .* \\(inotify")
        drop(scans / "ht.pdf", inbox)
        w.wait_for(r"filed +ht\.pdf -> HT-2026-0001 v2", timeout=600)
        deadline = time.monotonic() + 600
        while not flag.exists():
            assert time.monotonic() < deadline and w.proc.poll() is None, "\n".join(w.lines)
            time.sleep(0.05)
    finally:
        assert w.stop() == 0  # within its 30 s, though the conversion would go on for minutes
    assert w.lines[-2:] == [w.lines[-2][:9] + "stopping: copies not delivered yet stay queued for the next command",
                            w.lines[-1][:9] + "stopped"]
    assert [p for p in (archive_dir / "tmp").glob("copy-*")] == []
    monkeypatch.delenv("DOCGEN_FAILPOINT")
    r = run("distribute", "HT-2026-0001")
    assert r.exit_code == 0, r
    assert (archive_dir / "outbox/finance/HT-2026-0001_v2_财务联.pdf").is_file()
