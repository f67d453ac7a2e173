"""Intake under faults and attack: a restarted watcher finishes what was queued, file
names cannot forge log lines, links are refused, and no file can stall the inbox."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

from conftest import ME, run, run_process
from test_watch import Watch, drop

from docgen.archive.core import Archive


def _queues(root: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    archive = Archive(root)
    try:
        return archive.catalog.index_queue(), archive.catalog.distribution_queue()
    finally:
        archive.close()


def test_a_restarted_watcher_delivers_and_indexes_what_was_queued(scans: Path, archive_dir: Path) -> None:
    """Scans filed by commands killed before they indexed and delivered, and copies whose
    outbox could not be written: the watcher makes them at start-up and once the outbox
    works again, without any new scan arriving."""
    toml = archive_dir / "docgen.toml"
    blocked = archive_dir / "not-a-folder"
    blocked.write_text("x")
    original = toml.read_text(encoding="utf-8")
    toml.write_text(original.replace('outbox = "outbox/finance"', f'outbox = "{blocked}/finance"'), encoding="utf-8")
    inbox = archive_dir / "inbox"
    inbox.mkdir()
    for name in ("ht.pdf", "bj.pdf", "zg.pdf"):
        killed = run_process("ingest", drop(scans / name, inbox), env={"DOCGEN_FAILPOINT": "intake:committed"})
        assert killed.returncode == -9, killed
        (inbox / name).unlink()  # filed: its bytes are in the archive
    index, copies = _queues(archive_dir)
    assert [n for n, _ in index] == [n for n, _ in copies] == ["BJ-2026-0001", "HT-2026-0001", "ZG-2026-0001"]
    w = Watch("--rescan", "1")
    try:
        w.wait_for(r"delivered +ZG-2026-0001 v2 \[signed\] to engineering")
        w.wait_for(r"note: copies not delivered: HT-2026-0001: cannot write to .*not-a-folder")
        index, copies = _queues(archive_dir)
        assert index == [] and [n for n, _ in copies] == ["BJ-2026-0001", "HT-2026-0001"]
        assert not list((archive_dir / "outbox").rglob("HT-2026-0001*"))
        blocked.unlink()  # the share is back
        blocked.mkdir()
        w.wait_for(r"delivered +HT-2026-0001 v2 \[signed\] to customer .*finance")
        w.wait_for(r"delivered +BJ-2026-0001 v2 \[signed\] to ")
        assert _queues(archive_dir) == ([], [])
    finally:
        assert w.stop() == 0
    assert (blocked / "finance/HT-2026-0001_v2_财务联.pdf").is_file()
    assert not [line for line in w.lines if line.split()[1:2] == ["filed"]]  # no scan arrived
    # a copy still failing is said once, not at every retry
    assert len([line for line in w.lines if "copies not delivered: HT-2026-0001" in line]) == 1


FORGED = f"a\n2026-12-01T10:00:00+08:00 {ME} filed HT-2026-0001.pdf"
HIDDEN = "x\x1b[2J\r\u202egpj.pdf\x85\u2028"  # clears the screen, returns, reverses the text
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def test_file_names_cannot_forge_log_lines(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    drops = tmp_path / "drops"
    drops.mkdir()
    shutil.copyfile(scans / "ht.pdf", drops / FORGED)
    (drops / HIDDEN).write_text("备忘", encoding="utf-8")
    r = run("ingest", drops)
    assert r.exit_code == 1, r
    assert f"[1/2] filed       a\\n2026-12-01T10:00:00+08:00 {ME} filed HT-2026-0001.pdf -> HT-2026-0001 v2" in r.stdout
    assert "[2/2] quarantined x\\x1b[2J\\r\\u202egpj.pdf\\x85\\u2028 -> quarantine/" in r.stdout
    log = (archive_dir / "logs/intake.log").read_text(encoding="utf-8").split("\n")
    assert log[-1] == "" and len(log[:-1]) == 2, log  # one line per file
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d " + re.escape(ME) + " (filed|quarantined) ", line)
               for line in log[:-1])
    assert not CONTROL.search("".join(log))
    assert not CONTROL.search((r.stdout + r.stderr).replace("\n", ""))
    assert len(r.stdout.splitlines()) == 4  # two files, the count and the copies delivered
    reason = (archive_dir / "quarantine" / f"{HIDDEN}.reason.txt").read_text(encoding="utf-8")
    assert "file:    x\\x1b[2J\\r\\u202egpj.pdf\\x85\\u2028 (as received, 6 bytes)" in reason
    assert not CONTROL.search(reason.replace("\n", ""))
    listed = run("quarantine", "list", "--wide")
    assert listed.stdout.splitlines()[1].startswith("x\\x1b[2J\\r\\u202egpj.pdf\\x85\\u2028  ")
    assert not CONTROL.search(listed.stdout.replace("\n", ""))
    short = run("quarantine", "list")  # shortened to the width: a cut escape is still only text
    assert short.stdout.splitlines()[1].startswith("x\\x1b[2J\\r\\u202egpj")
    assert not CONTROL.search(short.stdout.replace("\n", ""))
    # the signed version's note and the name it keeps are the escaped form too
    shown = json.loads(run("show", "HT-2026-0001", "--json").stdout)
    assert shown["versions"][-1]["note"] == f"签署扫描件 a\\n2026-12-01T10:00:00+08:00 {ME} filed HT-2026-0001.pdf"
    # a message naming the file: one line as well
    r = run("ingest", drops / HIDDEN)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "x\\x1b[2J" in r.stderr


SECRET = "TOPSECRET-3f9a-customer-ledger"


def test_links_in_the_inbox_are_refused_unread(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    """A link to /etc/passwd, or to a scan outside the inbox, is quarantined as the link
    itself; nothing says what it points to or what that holds."""
    outside = tmp_path / "private-area-7c1e"
    outside.mkdir()
    target = outside / "ht.pdf"
    shutil.copyfile(scans / "ht.pdf", target)  # a genuine scan: a followed link would file it
    (outside / "notes.txt").write_text(SECRET, encoding="utf-8")
    inbox = archive_dir / "inbox"
    inbox.mkdir()
    os.symlink("/etc/passwd", inbox / "passwd.pdf")
    os.symlink(target, inbox / "signed.pdf")
    os.symlink(outside / "notes.txt", inbox / "notes.pdf")
    os.symlink(outside, inbox / "folder")
    os.symlink(outside / "gone.pdf", inbox / "dangling.pdf")
    w = Watch()
    try:
        for name in ("passwd.pdf", "signed.pdf", "notes.pdf", "folder", "dangling.pdf"):
            w.wait_for(rf"quarantined {re.escape(name)} -> quarantine/{re.escape(name)}: the file is a symbolic link")
    finally:
        assert w.stop() == 0
    assert list(inbox.iterdir()) == []
    quarantine = archive_dir / "quarantine"
    for name in ("passwd.pdf", "signed.pdf", "notes.pdf", "folder", "dangling.pdf"):
        assert (quarantine / name).is_symlink()  # the link itself, kept as it came
    assert target.read_bytes() == (scans / "ht.pdf").read_bytes()
    assert json.loads(run("show", "HT-2026-0001", "--json").stdout)["status"] != "signed"
    listed = run("quarantine", "list")
    retried = run("quarantine", "retry")
    assert retried.exit_code == 1 and "5 file(s) stay in quarantine" in retried.stderr
    ingested = run("ingest", inbox.parent / "quarantine" / "signed.pdf")
    assert ingested.exit_code == 1
    said = "\n".join([
        *w.lines, listed.stdout, retried.stdout, retried.stderr, ingested.stdout, ingested.stderr,
        (archive_dir / "logs/intake.log").read_text(encoding="utf-8"),
        *(p.read_text(encoding="utf-8") for p in quarantine.glob("*.reason.txt")),
    ])
    assert "symbolic link" in (quarantine / "passwd.pdf.reason.txt").read_text(encoding="utf-8")
    for leak in ("/etc/passwd", "root:", "private-area-7c1e", SECRET, "bytes"):
        assert leak not in said, leak


def test_ingest_refuses_links_among_its_files(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    drops = tmp_path / "drops"
    drops.mkdir()
    shutil.copyfile(scans / "bj.pdf", drops / "bj.pdf")
    os.symlink("/etc/passwd", drops / "passwd.pdf")
    r = run("ingest", drops)
    assert r.exit_code == 1, r
    assert "[1/2] filed       bj.pdf -> BJ-2026-0001 v2" in r.stdout
    assert ("[2/2] quarantined passwd.pdf -> quarantine/passwd.pdf: the file is a symbolic link; "
            "docgen takes in the scans themselves and never follows a link") in r.stdout
    assert "root:" not in r.stdout + r.stderr
    os.symlink("/etc/passwd", drops / "page2.jpg")
    shutil.copyfile(scans / "bj-photo1.jpg", drops / "page1.jpg")
    r = run("ingest", drops / "page1.jpg", drops / "page2.jpg", "--join")
    assert r.exit_code == 1 and r.stderr.strip().endswith(
        "page2.jpg: the file is a symbolic link; docgen takes in the scans themselves and never follows a link; "
        "copy the scan itself into the inbox, and remove the link"), r


def _limits(root: Path, **settings: object) -> None:
    toml = root / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    for key, value in settings.items():
        text = re.sub(rf"(?m)^{key} = \S+", f"{key} = {value}", text)
    toml.write_text(text, encoding="utf-8")


def _tiff_150_frames(path: Path) -> Path:
    """150 blank A4 pages at 200 dpi: 127 KB on disk, about 580 MB once every frame is decoded."""
    from PIL import Image

    frame = Image.new("1", (1654, 2339), 1)
    frame.save(path, "TIFF", save_all=True, append_images=[frame] * 149, compression="group4")
    return path


def _busy_png(path: Path) -> Path:
    """One 13000 x 13000 px page of grid lines: 1 MB on disk, seconds of processor time to search for codes."""
    from PIL import Image, ImageDraw

    n = 13000
    im = Image.new("L", (n, n), 255)
    draw = ImageDraw.Draw(im)
    for x in range(0, n, 24):
        draw.line([(x, 0), (x, n - 1)], fill=0, width=7)
    for y in range(0, n, 36):
        draw.line([(0, y), (n - 1, y)], fill=0, width=5)
    im.save(path, "PNG", compress_level=1)
    return path


def _attempts(root: Path) -> dict:  # type: ignore[type-arg]
    try:
        return json.loads((root / "tmp/intake-attempts.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def test_a_file_past_the_memory_limit_never_stalls_the_inbox(scans: Path, archive_dir: Path) -> None:
    """A 150-frame TIFF makes the reader exceed its memory at every attempt; the watcher is
    killed while the reader chews on it, and the count goes on after the restart; the scans
    dropped behind it are filed first; the TIFF is quarantined after 3 attempts, naming the limit."""
    _limits(archive_dir, max_memory_mb=300, max_attempts=3)
    inbox = archive_dir / "inbox"
    inbox.mkdir()
    _tiff_150_frames(scans / "frames.tif")
    w = Watch()
    try:
        drop(scans / "frames.tif", inbox)
        deadline = time.monotonic() + 120
        while not _attempts(archive_dir) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        w.kill()  # while the reader decodes the frames
    ((sha, entry),) = _attempts(archive_dir).items()
    assert entry["count"] == 1 and entry["path"].endswith("inbox/frames.tif")
    os.utime(inbox / "frames.tif", (time.time() - 120, time.time() - 120))  # first in line by its time
    for name in ("bj.pdf", "ht.pdf"):  # dropped while no watcher ran, after the TIFF
        os.utime(drop(scans / name, inbox), (time.time() - 60, time.time() - 60))
    w = Watch()
    try:
        (quarantined,) = w.wait_for(r"quarantined frames\.tif", timeout=300)
    finally:
        assert w.stop() == 0
    lines = [line.split(" ", 1)[1] for line in w.lines]
    assert "deferred    frames.tif reading it went past the 300 MB memory limit ([intake] max_memory_mb in " \
           "docgen.toml), attempt 2 of 3; tried again after the other files" in lines
    assert not [line for line in lines if "attempt 1 of 3" in line]  # counted on from before the kill
    filed = [n for n, line in enumerate(lines) if line.startswith("filed ")]
    assert len(filed) == 2 and max(filed) < lines.index(quarantined.split(" ", 1)[1])
    assert filed[0] < min(n for n, line in enumerate(lines) if "frames.tif" in line)  # filed before it
    assert quarantined.endswith(
        "quarantined frames.tif -> quarantine/frames.tif: reading it went past the 300 MB memory limit "
        "([intake] max_memory_mb in docgen.toml) 3 times")
    assert (archive_dir / "quarantine/frames.tif").is_file() and list(inbox.iterdir()) == []
    assert _attempts(archive_dir) == {}
    assert json.loads(run("show", "HT-2026-0001", "--json").stdout)["status"] == "signed"


def test_a_file_past_the_time_limit_is_quarantined_and_the_others_filed(scans: Path, archive_dir: Path) -> None:
    # the page takes about 1.6 s of processor time here; the limit falls on whole seconds of the
    # worker's time (reader._cpu_budget), so 0.1 s leaves it well past the limit on a faster machine too
    _limits(archive_dir, max_seconds_per_page=0.1, max_memory_mb=3000, max_attempts=2)
    drops = scans / "drops"
    drops.mkdir()
    _busy_png(drops / "a-busy.png")
    shutil.copyfile(scans / "bj.pdf", drops / "b.pdf")
    r = run("ingest", drops)
    assert r.exit_code == 1, r
    lines = r.stdout.splitlines()
    assert lines == [
        "[1/2] deferred    a-busy.png reading it went past the time limit of 0.1 s of processor time a page "
        "([intake] max_seconds_per_page in docgen.toml), attempt 1 of 2; tried again after the other files",
        lines[1],
        "[1/2] quarantined a-busy.png -> quarantine/a-busy.png: reading it went past the time limit of 0.1 s of "
        "processor time a page ([intake] max_seconds_per_page in docgen.toml) 2 times",
        "ingest: 1 filed, 1 quarantined",
        # what was filed is delivered although another file was quarantined
        "delivered   BJ-2026-0001 v2 [signed] to customer (第一联 客户留存), finance (第二联 财务)",
    ], r
    assert lines[1].startswith("[2/2] filed       b.pdf -> BJ-2026-0001 v2")
    assert "to do:   scan the paper again in smaller parts" in (
        archive_dir / "quarantine/a-busy.png.reason.txt").read_text(encoding="utf-8")


def test_a_truncated_file_waits_until_it_is_old_enough(scans: Path, archive_dir: Path) -> None:
    """A copy that paused longer than settle_seconds is not quarantined at once: it is
    waited for until truncated_wait_seconds, then quarantined if it is still cut off."""
    pdf = (scans / "bj.pdf").read_bytes()
    cut = scans / "cut.pdf"
    cut.write_bytes(pdf[: len(pdf) // 2])
    os.utime(cut, (time.time() - 60, time.time() - 60))  # well past settle_seconds (5)
    r = run("ingest", cut)
    assert r.exit_code == 1, r
    assert r.stdout == ("waiting     cut.pdf the PDF ends early (no %EOF): it was cut off or is still being "
                        "written; judged once it is 300 s old ([intake] truncated_wait_seconds)\n")
    assert cut.exists() and not (archive_dir / "quarantine").exists()
    cut.write_bytes(pdf)  # the copy went on
    os.utime(cut, (time.time() - 60, time.time() - 60))
    assert run("ingest", cut).stdout.startswith("filed       cut.pdf -> BJ-2026-0001 v2")
    cut.write_bytes(pdf[: len(pdf) // 2])
    os.utime(cut, (time.time() - 400, time.time() - 400))  # older than truncated_wait_seconds
    r = run("ingest", cut)
    assert r.exit_code == 1 and r.stdout.startswith(
        "quarantined cut.pdf -> quarantine/cut.pdf: the PDF ends early (no %EOF)"), r


def test_a_decoder_out_of_memory_is_the_memory_limit_not_a_damaged_file(tmp_path: Path, monkeypatch) -> None:
    """Pillow's TIFF decoder reports a failed allocation as OSError("decoder error -9"); the
    reader must count it against the memory limit, not quarantine the scan as damaged."""
    import pytest
    from PIL import Image

    from docgen.archive import scans

    data = _tiff_150_frames(tmp_path / "frames.tif").read_bytes()
    for error, memory in (("decoder error -9", True), ("decoder error -2", False)):
        def fail(self: Image.Image, error: str = error) -> Image.Image:
            raise OSError(error)

        monkeypatch.setattr(Image.Image, "copy", fail)
        with pytest.raises(scans.Unreadable) as caught:
            scans.read(data, "tiff")
        assert isinstance(caught.value.__context__, MemoryError) is memory, error
        assert ("damaged" in str(caught.value.args[0])) is not memory, caught.value.args
