"""Backups: a consistent copy while docgen writes, incremental by checksum, restored and verified."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import TEST_KEY, edit, new, run, run_process


def quotes(work: Path, count: int, start: int = 0) -> list[Path]:
    """Quote files with different data (the same data would give the same document)."""
    out = []
    for i in range(start, start + count):
        path = work / f"quote-{i}.yaml"
        shutil.copy(work / "quote.yaml", path)
        edit(path, lambda d, i=i: d.update(valid_days=31 + i))
        out.append(path)
    return out


def snapshots(dest: Path) -> list[Path]:
    return sorted(p for p in (dest / "snapshots").iterdir() if not p.name.startswith("."))


def manifest(snapshot: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))


def catalog_files(catalog: Path) -> dict[str, list[tuple[int, str, str]]]:
    """number -> [(version, role, sha256)] as a catalog names them."""
    db = sqlite3.connect(catalog)
    try:
        out: dict[str, list[tuple[int, str, str]]] = {}
        for number in [r[0] for r in db.execute("SELECT number FROM documents")]:
            out[number] = []
        for number, version, role, sha in db.execute("SELECT number, version, role, sha256 FROM files"):
            out[number].append((version, role, sha))
        return out
    finally:
        db.close()


def objects(dest: Path) -> dict[str, tuple[int, int]]:
    """Blob name -> (inode, mtime_ns) of every blob in a backup folder."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (dest / "objects").glob("*/*")}


def assert_restored(root: Path, catalog: Path) -> None:
    """Every document the backup's catalog names is in the restored archive, with its files."""
    expected = catalog_files(catalog)
    assert expected
    r = run("--archive", root, "list", "--json")
    assert r.exit_code == 0, r
    assert sorted(d["number"] for d in json.loads(r.stdout)) == sorted(expected)
    for number, files in expected.items():
        for version, role, sha in files:
            blob = root / "objects" / sha[:2] / sha
            assert blob.is_file(), (number, version, role)
            if role in ("docx", "pdf"):
                view = root / "documents" / number / f"{number}-v{version}.{role}"
                assert view.read_bytes() == blob.read_bytes(), view
    r = run("--archive", root, "verify")
    assert r.exit_code == 0, r
    assert "verify: clean" in r.stdout


def test_backup_during_a_burst_of_writes_restores_clean(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup"
    files = quotes(work, 6)
    assert run("new", "quote", files[0]).exit_code == 0  # the archive exists before the burst
    during: list[Path] = []
    with ThreadPoolExecutor(3) as pool:
        writers = [pool.submit(run_process, "new", "quote", f) for f in files[1:]]
        while not all(w.done() for w in writers):
            busy = not all(w.done() for w in writers)
            b = run_process("backup", dest)
            assert b.returncode == 0, b.stderr
            if busy:
                during.append(snapshots(dest)[-1])
        for w in writers:
            assert w.result().returncode == 0, w.result().stderr
    assert during, "no backup ran while documents were being written"
    final = run("backup", dest)
    assert final.exit_code == 0, final
    assert final.stdout.startswith(f"backup: snapshot {snapshots(dest)[-1].name} in {dest}: 6 documents, 6 versions")
    # a snapshot taken mid-burst is a consistent archive of its own
    first = during[0]
    r = run("restore", dest, "--snapshot", first.name, "--archive", tmp_path / "mid")
    assert r.exit_code == 0, r
    assert r.stdout.splitlines()[-1].startswith("verify: clean: ")
    assert_restored(tmp_path / "mid", first / "catalog.sqlite")
    # the newest snapshot by default: all six quotes
    r = run("restore", dest, "--archive", tmp_path / "all")
    assert r.exit_code == 0, r
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"restore: snapshot {snapshots(dest)[-1].name} of {dest} (made ")
    assert lines[1].startswith("restore: 6 documents, 6 versions, ")
    assert lines[2] == "restore: re-made 12 readable copies; indexed 6 versions"
    assert lines[-1].startswith("verify: clean: ")
    assert_restored(tmp_path / "all", snapshots(dest)[-1] / "catalog.sqlite")
    # the search index was rebuilt: the restored archive finds its quotes
    found = run("--archive", tmp_path / "all", "search", "拆除非承重墙", "--json")
    assert found.exit_code == 0 and len(json.loads(found.stdout)) == 6, found


def test_second_backup_copies_only_the_new_files(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup"
    first_quote, *more = quotes(work, 3)
    new("quote", first_quote)
    r = run("backup", dest)
    assert r.exit_code == 0, r
    before = objects(dest)
    first = manifest(snapshots(dest)[0])
    assert set(first["objects"]) == set(before)
    assert f"({len(before)} copied, " in r.stdout and "; 0 already in the backup)" in r.stdout
    for path in more:
        new("quote", path)
    r = run("backup", dest)
    assert r.exit_code == 0, r
    second = manifest(snapshots(dest)[1])
    added = set(second["objects"]) - set(first["objects"])
    assert len(added) >= 2 * 3  # at least docx, pdf and data of each new quote
    assert f" files ({len(added)} copied, " in r.stdout, r.stdout
    assert f"; {len(before)} already in the backup)" in r.stdout
    after = objects(dest)
    assert set(after) == set(before) | added
    assert {k: after[k] for k in before} == before  # the earlier blobs were not written again
    assert second["counts"] == {"documents": 3, "versions": 3, "objects": len(after), "files": 3}
    for sha in after:  # every blob in the manifest, under its own checksum
        assert second["objects"][sha] == (dest / "objects" / sha[:2] / sha).stat().st_size


def test_manifest_lists_every_file_with_its_checksum(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    import hashlib

    new("quote", work / "quote.yaml")
    (archive_dir / "templates").mkdir()
    (archive_dir / "templates" / "quote.docx").write_bytes(b"company template")
    (archive_dir / "quarantine").mkdir()
    (archive_dir / "quarantine" / "memo.pdf").write_bytes(b"%PDF-1.4 not a scan")
    (archive_dir / "quarantine" / "memo.pdf.reason.txt").write_text("no page code\n", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("not the archive's", encoding="utf-8")
    (archive_dir / "quarantine" / "link.pdf").symlink_to(outside)
    (archive_dir / "logs").mkdir()
    (archive_dir / "logs" / "intake.log").write_text("filed\n", encoding="utf-8")
    dest = tmp_path / "backup"
    r = run("backup", dest)
    assert r.exit_code == 0, r
    assert r.stdout.rstrip().endswith("docgen.toml, secret.key, templates/ 1, quarantine/ 2, logs/ 1")
    snap = snapshots(dest)[0]
    m = manifest(snap)
    assert m["docgen"] == "0.1.0" and m["created"] and m["source"] == str(archive_dir.resolve())
    assert sorted(m["files"]) == [
        "catalog.sqlite", "docgen.toml", "logs/intake.log", "quarantine/memo.pdf",
        "quarantine/memo.pdf.reason.txt", "secret.key", "templates/quote.docx",
    ]
    for rel, entry in m["files"].items():
        assert hashlib.sha256((snap / rel).read_bytes()).hexdigest() == entry["sha256"], rel
    assert (snap / "secret.key").read_bytes() == TEST_KEY
    assert stat.S_IMODE((snap / "secret.key").stat().st_mode) == 0o600
    assert not (snap / "quarantine" / "link.pdf").exists()  # a symlink is neither followed nor copied
    # readable copies, the index and outboxes are re-made, not copied
    assert not (snap / "documents").exists() and not (snap / "index").exists()
    root = tmp_path / "restored"
    r = run("restore", dest, "--archive", root)
    assert r.exit_code == 0, r
    assert "docgen.toml, secret.key, templates/ 1, quarantine/ 2, logs/ 1" in r.stdout
    assert (root / "templates" / "quote.docx").read_bytes() == b"company template"
    assert (root / "quarantine" / "memo.pdf.reason.txt").read_text(encoding="utf-8") == "no page code\n"
    assert (root / "logs" / "intake.log").read_text(encoding="utf-8") == "filed\n"
    assert (root / "secret.key").read_bytes() == TEST_KEY
    assert stat.S_IMODE((root / "secret.key").stat().st_mode) == 0o600
    # what the backup and the restore write is owner-only, whatever the umask
    for path in [*dest.rglob("*"), *(root / "objects").rglob("*"), root / "catalog.sqlite"]:
        if not path.name.startswith("README"):
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_restored_archive_accepts_a_genuine_signed_scan(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "backup"
    assert run("backup", dest).exit_code == 0
    root = tmp_path / "restored"
    r = run("restore", dest, "--archive", root)
    assert r.exit_code == 0, r
    # the page code's key came back with the archive, so the signed paper is recognised
    r = run("--archive", root, "ingest", scans / "bj.pdf")
    assert r.exit_code == 0, r
    assert r.stdout.startswith("filed       bj.pdf -> BJ-2026-0001 v2 (signed copy of v1"), r
    assert run("--archive", root, "verify").exit_code == 0


def test_damaged_file_in_a_backup_stops_the_restore(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    new("quote", work / "quote.yaml")
    dest = tmp_path / "backup"
    assert run("backup", dest).exit_code == 0
    sha = next(iter(manifest(snapshots(dest)[0])["objects"]))
    blob = dest / "objects" / sha[:2] / sha
    blob.chmod(0o600)
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    root = tmp_path / "restored"
    r = run("restore", dest, "--archive", root)
    assert r.exit_code == 1, r
    assert r.stderr.splitlines()[-1] == (
        f"Error: backup file objects/{sha[:2]}/{sha} does not match its checksum: nothing restored; "
        f"restore another snapshot (--snapshot NAME, see {dest}/snapshots) or back up again from the archive"
    )
    assert not root.exists()  # nothing half-written
    assert not list(tmp_path.glob(".restored.restore-*"))
    # a damaged file of the snapshot itself is named too
    blob.unlink()
    r = run("restore", dest, "--archive", root)
    assert r.exit_code == 1
    assert f"Error: backup file objects/{sha[:2]}/{sha} is missing: nothing restored;" in r.stderr
    shutil.copy(archive_dir / "objects" / sha[:2] / sha, blob)
    snap = snapshots(dest)[0]
    (snap / "docgen.toml").write_text("[company]\nname = '改过的'\n", encoding="utf-8")
    r = run("restore", dest, "--archive", root)
    assert r.exit_code == 1
    assert (f"Error: backup file snapshots/{snap.name}/docgen.toml does not match its checksum in the "
            "manifest: nothing restored;") in r.stderr
    assert not root.exists()


def test_restore_refuses_a_root_that_is_not_empty(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    new("quote", work / "quote.yaml")
    dest = tmp_path / "backup"
    assert run("backup", dest).exit_code == 0
    # the archive being backed up is the most dangerous non-empty root of all
    before = sorted(p.relative_to(archive_dir) for p in archive_dir.rglob("*") if "index" not in p.parts)
    r = run("restore", dest)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == (
        f"Error: archive {archive_dir} is not empty; restore only into an empty or new folder (--archive NEW-FOLDER)"
    )
    assert sorted(p.relative_to(archive_dir) for p in archive_dir.rglob("*") if "index" not in p.parts) == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    r = run("restore", dest, "--archive", other)
    assert r.exit_code == 1 and "is not empty" in r.stderr
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run("restore", dest, "--archive", empty)
    assert r.exit_code == 0, r
    assert (empty / "catalog.sqlite").is_file()


def test_restore_of_a_missing_or_unfinished_backup(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    r = run("restore", tmp_path / "nowhere", "--archive", tmp_path / "restored")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == (
        f"Error: backup folder {tmp_path / 'nowhere'} does not exist; name the folder `docgen backup` wrote"
    )
    new("quote", work / "quote.yaml")
    dest = tmp_path / "backup"
    # killed after every file is written, just before the snapshot is put in place
    killed = run_process("backup", dest, env={"DOCGEN_FAILPOINT": "backup:written"})
    assert killed.returncode == -9, killed.stderr
    assert snapshots(dest) == [] and list((dest / "snapshots").glob(".partial-*"))
    r = run("restore", dest, "--archive", tmp_path / "restored")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == (
        f"Error: {dest} holds no complete backup (no snapshots/*/manifest.json); "
        "name the folder `docgen backup` wrote"
    )
    assert not (tmp_path / "restored").exists()
    r = run("backup", dest)  # the next backup completes and sweeps the unfinished one
    assert r.exit_code == 0, r
    assert len(snapshots(dest)) == 1 and not list((dest / "snapshots").glob(".partial-*"))
    r = run("restore", dest, "--snapshot", "20000101T000000Z", "--archive", tmp_path / "restored")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == f"Error: {dest} has no snapshot 20000101T000000Z; it has {snapshots(dest)[0].name}"


def test_damaged_file_in_the_archive_is_named_not_backed_up(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    made = new("quote", work / "quote.yaml")
    pdf = json.loads(run("show", made["number"], "--json").stdout)["versions"][0]["files"]["pdf"]["sha256"]
    blob = archive_dir / "objects" / pdf[:2] / pdf
    blob.chmod(0o600)
    blob.write_bytes(blob.read_bytes()[:-10] + b"0123456789")
    dest = tmp_path / "backup"
    r = run("backup", dest)
    assert r.exit_code == 1, r
    assert r.stderr.splitlines()[-2] == (
        f"BJ-2026-0001 v1 pdf: objects/{pdf[:2]}/{pdf} does not match its checksum in the archive: "
        "not backed up (docgen verify --repair)"
    )
    assert r.stderr.splitlines()[-1] == (
        "backup: 1 damaged file(s) not backed up; run `docgen verify --repair`, then back up again"
    )
    assert not (dest / "objects" / pdf[:2] / pdf).exists()
    snap = snapshots(dest)[0]
    assert [d["sha256"] for d in manifest(snap)["damaged"]] == [pdf]
    # its restore says what is lacking, and verify does not call it clean
    r = run("restore", dest, "--archive", tmp_path / "restored")
    assert r.exit_code == 1
    assert (f"BJ-2026-0001 v1 pdf: objects/{pdf[:2]}/{pdf} was damaged in the archive when the backup was "
            "made: not in the backup") in r.stderr
    assert "verify: PROBLEMS FOUND" in r.stderr


def test_backup_folder_must_be_outside_the_archive_and_a_backup(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    new("quote", work / "quote.yaml")
    r = run("backup", archive_dir / "backup")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == (
        f"Error: backup folder {archive_dir / 'backup'} is inside the archive {archive_dir}; "
        "back up to another disk or folder"
    )
    assert not (archive_dir / "backup").exists()
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"\xff\xd8\xff")
    r = run("backup", other)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1] == (
        f"Error: backup folder {other} holds other files and no docgen backup; name an empty or new folder"
    )
    assert [p.name for p in other.iterdir()] == ["holiday.jpg"]
    r = run("--archive", tmp_path / "no-archive", "backup", tmp_path / "b")
    assert r.exit_code == 1 and "no archive at" in r.stderr
    assert os.path.exists(tmp_path / "b") is False


def test_a_manifest_naming_files_outside_the_archive_is_refused(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    new("quote", work / "quote.yaml")
    dest = tmp_path / "backup"
    assert run("backup", dest).exit_code == 0
    snap = snapshots(dest)[0]
    m = manifest(snap)
    m["files"]["../escaped.txt"] = m["files"]["docgen.toml"]
    (snap / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    root = tmp_path / "restored"
    r = run("restore", dest, "--archive", root)
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-1].startswith(
        f"Error: backup file {snap.name}/manifest.json names a file outside the archive (../escaped.txt): "
        "nothing restored;"
    )
    assert not root.exists() and not (tmp_path / "escaped.txt").exists()
