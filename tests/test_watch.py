"""`docgen watch`: scans dropped into the inbox are filed by a running watcher, and
nothing is lost when the watcher is killed while they arrive."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import scanmaker
from conftest import run


class Watch:
    """`docgen watch` as a separate process, its output collected line by line."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "docgen.cli", "watch", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 180, count: int = 1) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.lines if re.search(pattern, line)]
            if len(found) >= count:
                return found
            assert self.proc.poll() is None, "the watcher stopped:\n" + "\n".join(self.lines)
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} within {timeout} s:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=300)  # it finishes the file in hand first; busy machines are slow
        self._reader.join(timeout=5)
        return code

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=120)


def drop(src: Path, inbox: Path, name: str | None = None) -> Path:
    """Copy a file into the inbox the way scanners do: written under a temporary name, then renamed."""
    dest = inbox / (name or src.name)
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)
    return dest


@pytest.fixture
def inbox(archive_dir: Path) -> Path:
    path = archive_dir / "inbox"
    path.mkdir()
    return path


def test_dropped_scan_is_filed_by_a_running_watcher(scans: Path, inbox: Path, archive_dir: Path) -> None:
    w = Watch()
    try:
        w.wait_for("watching .* \\(inotify")
        for name in (".DS_Store", "Thumbs.db", "~$HT.pdf"):
            (inbox / name).write_bytes(b"x")
        (inbox / "next.pdf.part").write_bytes((scans / "ht.pdf").read_bytes()[:1000])  # still arriving
        dropped = time.monotonic()
        drop(scans / "bj.pdf", inbox)
        (line,) = w.wait_for(r"filed +bj\.pdf -> BJ-2026-0001 v2")
        assert time.monotonic() - dropped < 5
        assert re.match(r"\d\d:\d\d:\d\d filed", line)
        # a bad file does not stop the watcher
        (inbox / "notes.txt").write_text("备忘", encoding="utf-8")
        w.wait_for(r"quarantined notes\.txt -> quarantine/notes\.txt: not a scan")
        drop(scans / "ht.pdf", inbox)
        w.wait_for(r"filed +ht\.pdf -> HT-2026-0001 v2")
        # once no scan is waiting, the signed contract's copies go out
        w.wait_for(r"delivered +HT-2026-0001 v2 \[signed\] to customer")
    finally:
        assert w.stop() == 0
    assert w.lines[-1].endswith("stopped")
    assert sorted(p.name for p in inbox.iterdir()) == [".DS_Store", "Thumbs.db", "next.pdf.part", "~$HT.pdf"]
    assert json.loads(run("show", "HT-2026-0001", "--json").stdout)["status"] == "signed"
    assert (archive_dir / "outbox/finance/HT-2026-0001_v2_财务联.pdf").is_file()
    log = (archive_dir / "logs/intake.log").read_text(encoding="utf-8")
    assert "filed       bj.pdf" in log and "quarantined notes.txt" in log


def test_slow_writes_are_filed_once_complete(scans: Path, inbox: Path, archive_dir: Path) -> None:
    w = Watch()
    try:
        w.wait_for("watching")
        data = (scans / "ht.pdf").read_bytes()
        with open(inbox / "slow.pdf", "wb") as f:  # one writer, pausing mid-file
            f.write(data[: len(data) // 2])
            f.flush()
            time.sleep(1.5)
            f.write(data[len(data) // 2:])
        w.wait_for(r"filed +slow\.pdf -> HT-2026-0001 v2")
        # a writer that closes and re-opens the file between chunks (some network copies)
        data = (scans / "bj.pdf").read_bytes()
        (inbox / "chunks.pdf").write_bytes(data[:3000])
        w.wait_for(r"waiting +chunks\.pdf the PDF ends early")
        time.sleep(0.5)
        with open(inbox / "chunks.pdf", "ab") as f:
            f.write(data[3000:])
        w.wait_for(r"filed +chunks\.pdf -> BJ-2026-0001 v2")
    finally:
        w.stop()
    assert not (archive_dir / "quarantine").exists()
    assert not [line for line in w.lines if "slow.pdf" in line and "filed" not in line]


def test_files_dropped_while_no_watcher_ran_are_filed_at_start(scans: Path, inbox: Path) -> None:
    drop(scans / "bj.pdf", inbox)
    sub = inbox / "front-desk"
    sub.mkdir()
    drop(scans / "ht.pdf", sub)
    w = Watch()
    try:
        w.wait_for(r"filed +bj\.pdf")
        w.wait_for(r"filed +ht\.pdf")
    finally:
        w.stop()
    assert [p for p in inbox.rglob("*") if p.is_file()] == []


def test_polling_mode_for_network_shares(scans: Path, tmp_path: Path) -> None:
    share = tmp_path / "share"
    r = run("watch", "--inbox", share)
    assert r.exit_code == 1 and "does not exist; check the path (is the share mounted?)" in r.stderr
    share.mkdir()
    w = Watch("--inbox", str(share), "--poll", "0.5")
    try:
        w.wait_for(r"watching .*share \(polling every 0\.5 s")
        drop(scans / "bj.pdf", share)
        w.wait_for(r"filed +bj\.pdf -> BJ-2026-0001 v2", timeout=180)
        # written in place, with no close event a poll could see: taken once size and time hold
        data = (scans / "ht.pdf").read_bytes()
        with open(share / "ht.pdf", "wb") as f:
            f.write(data[: len(data) // 2])
            f.flush()
            time.sleep(0.2)
            f.write(data[len(data) // 2:])
        w.wait_for(r"filed +ht\.pdf -> HT-2026-0001 v2", timeout=180)
    finally:
        w.stop()
    assert list(share.iterdir()) == []
    assert not [line for line in w.lines if "quarantined" in line]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_kill_9_while_200_scans_arrive_loses_nothing(archive_dir: Path, tmp_path: Path, work: Path) -> None:
    """40 quotes are signed; 200 files arrive (signed scans, byte-identical copies, scans with
    a page missing, photos with no code, text files) while the watcher is killed again and
    again. In the end every scan is filed once, every bad file is in quarantine with its
    reason, the inbox is empty and the archive verifies."""
    made = json.loads(run("new", "quote", *[work / "quote.yaml"] * 40, "--json").stdout)
    numbers = [m["number"] for m in made]
    src = tmp_path / "src"
    src.mkdir()
    good, bad = {}, []
    for i, m in enumerate(made):
        pdf = Path(m["files"]["pdf"])
        good[m["number"]] = scanmaker.scan(pdf, src / f"q{i:02d}.pdf", 150, seed=i)
        shutil.copyfile(src / f"q{i:02d}.pdf", src / f"q{i:02d} copy.pdf")
        bad.append(scanmaker.scan(pdf, src / f"q{i:02d}-p1.pdf", 150, pages=[1], seed=i))
        (src / f"memo{i:02d}.jpg").write_bytes(scanmaker.blank_photo(i, (600, 800)))
        (src / f"note{i:02d}.txt").write_text(f"备忘 {i}", encoding="utf-8")
        bad += [src / f"memo{i:02d}.jpg", src / f"note{i:02d}.txt"]
    files = sorted(src.iterdir())
    assert len(files) == 200
    random.Random(7).shuffle(files)
    inbox = archive_dir / "inbox"
    inbox.mkdir()

    def feed() -> None:  # 200 files over about 20 seconds
        for f in files:
            if f.suffix == ".txt":
                shutil.copyfile(f, inbox / f.name)  # written in place
            else:
                drop(f, inbox)
            time.sleep(0.1)

    feeder = threading.Thread(target=feed)
    feeder.start()
    rng = random.Random(11)
    kills = 0
    while feeder.is_alive() or kills < 8:
        w = Watch("--rescan", "2")
        time.sleep(rng.uniform(0.8, 2.0))
        w.kill()
        kills += 1
    feeder.join()
    w = Watch()
    deadline = time.monotonic() + 600  # every page is compared with its generated page: slow on a busy machine
    while any(p.is_file() for p in inbox.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.5)
    w.stop()
    assert [p.name for p in inbox.iterdir()] == [], "\n".join(w.lines)

    for number in numbers:
        versions = json.loads(run("show", number, "--json").stdout)["versions"]
        signed = [v for v in versions if v["signs"]]
        assert len(signed) == 1, (number, versions)
        assert signed[0]["files"]["scan"]["sha256"] == _sha(good[number])
    quarantine = archive_dir / "quarantine"
    held = [p for p in quarantine.iterdir() if not p.name.startswith(".") and not p.name.endswith(".reason.txt")]
    assert sorted(_sha(p) for p in held) == sorted(_sha(p) for p in bad)
    for p in held:
        assert "reason:" in (quarantine / f"{p.name}.reason.txt").read_text(encoding="utf-8")
    r = run("verify")
    assert r.exit_code == 0, r
    assert kills >= 8


def test_json_lines_on_stdout_the_rest_on_stderr(scans: Path, inbox: Path, tmp_path: Path) -> None:
    """`watch --json`: one JSON object per file on stdout, with ingest's fields and the time;
    the watcher's own lines (watching, delivered, stopped) on stderr."""
    err = (tmp_path / "stderr.txt").open("w+", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "docgen.cli", "watch", "--json"], stdout=subprocess.PIPE,
                            stderr=err, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.rstrip("\n") for line in proc.stdout), daemon=True)
    reader.start()
    try:
        drop(scans / "bj.pdf", inbox)
        (inbox / "notes.txt").write_text("备忘", encoding="utf-8")
        deadline = time.monotonic() + 180
        while len(lines) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=300) == 0
        reader.join(timeout=5)
    outcomes = {o["file"].rsplit("/", 1)[-1]: o for o in map(json.loads, lines)}
    assert outcomes["bj.pdf"]["result"] == "filed" and outcomes["bj.pdf"]["filed"][0]["number"] == "BJ-2026-0001"
    assert outcomes["notes.txt"]["result"] == "quarantined"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", o["created"]) for o in outcomes.values())
    err.seek(0)
    said = err.read()
    assert "watching" in said and said.rstrip().endswith("stopped")
