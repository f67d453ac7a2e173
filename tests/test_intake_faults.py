"""Intake under faults and attack: a restarted watcher finishes what was queued, file
names cannot forge log lines, links are refused, and no file can stall the inbox."""

from __future__ import annotations

from pathlib import Path

from conftest import run_process
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
