"""The archive cannot be emptied or silently replaced: catalog and key checks, the hash
chain over events and ledger, damaged blobs never served, owner-only file modes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import new, run


RESTORE = "restore it from a backup (docgen restore SRC)"
HEAD_LINE = 64


def archive_files(root: Path) -> int:
    return sum(1 for base in ("objects", "documents") for p in (root / base).rglob("*") if p.is_file())


def lost(what: str, files: int) -> str:
    return (
        f"Error: {what} but the archive holds {files} files: {RESTORE} or ask whoever keeps the "
        "archive's backups; docgen does not start a new catalog over existing documents"
    )


def remove_catalog(root: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{root / 'catalog.sqlite'}{suffix}").unlink(missing_ok=True)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def blob(root: Path, sha: str) -> Path:
    return root / "objects" / sha[:2] / sha


def damage(path: Path) -> None:
    """Flip one byte in the middle: same size, wrong checksum."""
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def db(root: Path) -> sqlite3.Connection:
    con = sqlite3.connect(root / "catalog.sqlite", isolation_level=None)
    con.row_factory = sqlite3.Row
    return con


# the catalog ---------------------------------------------------------------------------------


EVERY_COMMAND = [("list",), ("show", "BJ-2026-0001"), ("verify",), ("search", "张江"), ("log",)]


@pytest.mark.parametrize("state", ["missing", "empty"])
def test_catalog_missing_or_empty_beside_documents_stops_every_command(
    work: Path, archive_dir: Path, state: str
) -> None:
    made = new("quote", work / "quote.yaml")
    pdf = Path(made["files"]["pdf"])
    before = pdf.read_bytes()
    remove_catalog(archive_dir)
    if state == "empty":
        (archive_dir / "catalog.sqlite").write_bytes(b"")
    files = archive_files(archive_dir)
    for args in [*EVERY_COMMAND, ("new", "quote", work / "quote.yaml")]:
        r = run(*args)
        assert r.exit_code == 1, (args, r)
        assert last_line(r.stderr) == lost(f"catalog.sqlite is {state}", files), r
    # no fresh catalog issued BJ-2026-0001 again over the readable copy
    assert pdf.read_bytes() == before
    catalog = archive_dir / "catalog.sqlite"
    assert (not catalog.exists()) if state == "missing" else catalog.stat().st_size == 0


def test_catalog_that_is_not_sqlite_stops_every_command(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    remove_catalog(archive_dir)
    (archive_dir / "catalog.sqlite").write_bytes(b"PK\x03\x04 not a database at all" * 100)
    for args in EVERY_COMMAND:
        r = run(*args)
        assert r.exit_code == 1, (args, r)
        assert last_line(r.stderr) == f"Error: catalog.sqlite is not a SQLite database (damaged or replaced): {RESTORE}"


def test_damaged_catalog_stops_every_command(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    run("list")  # checkpointed by the last close: the pages are in the main file
    catalog = archive_dir / "catalog.sqlite"
    data = bytearray(catalog.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)  # the header survives, the pages do not
    remove_catalog(archive_dir)
    catalog.write_bytes(bytes(data))
    for args in EVERY_COMMAND:
        r = run(*args)
        assert r.exit_code == 1, (args, r)
        line = last_line(r.stderr)
        assert line.startswith("Error: catalog.sqlite is damaged (") and line.endswith(f"): {RESTORE}"), r


def test_fresh_catalog_beside_documents_stops_every_command(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    made = new("quote", work / "quote.yaml")
    pdf = Path(made["files"]["pdf"])
    before = pdf.read_bytes()
    other = tmp_path / "other"
    other.mkdir()
    (other / "secret.key").write_bytes(bytes(range(32)))
    assert run("--archive", other, "list").exit_code == 0  # a brand-new folder becomes an archive
    remove_catalog(archive_dir)
    shutil.copy(other / "catalog.sqlite", archive_dir / "catalog.sqlite")
    files = archive_files(archive_dir)
    for args in [*EVERY_COMMAND, ("new", "quote", work / "quote.yaml")]:
        r = run(*args)
        assert r.exit_code == 1, (args, r)
        assert last_line(r.stderr) == lost("catalog.sqlite holds no documents", files), r
    assert pdf.read_bytes() == before


def test_blobs_left_by_a_killed_first_command_are_not_documents(archive_dir: Path) -> None:
    """A first `new` killed after storing its blobs leaves them named by its intent: the
    archive opens, and recovery removes them."""
    data = b"leftover of a killed command"
    sha = hashlib.sha256(data).hexdigest()
    blob(archive_dir, sha).parent.mkdir(parents=True)
    blob(archive_dir, sha).write_bytes(data)
    (archive_dir / "tmp").mkdir()
    (archive_dir / "tmp" / "intent-999999-x.json").write_text(json.dumps({"pid": 0, "blobs": [sha]}))
    r = run("list")
    assert r.exit_code == 0, r
    assert not blob(archive_dir, sha).exists()


# the key -------------------------------------------------------------------------------------


def test_missing_key_beside_documents_stops_every_command(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    new("quote", work / "quote.yaml")
    (archive_dir / "secret.key").unlink()
    for args in [*EVERY_COMMAND, ("new", "quote", work / "quote.yaml")]:
        r = run(*args)
        assert r.exit_code == 1, (args, r)
        assert last_line(r.stderr) == (
            f"Error: secret.key is missing but the archive holds 2 documents: {RESTORE}; "
            "a new key would make every genuine scan's page code fail"
        ), r
    assert not (archive_dir / "secret.key").exists()  # no new key was made


@pytest.mark.parametrize("size", [0, 5, 31])
def test_empty_or_short_key_is_refused(work: Path, archive_dir: Path, size: int) -> None:
    (archive_dir / "secret.key").write_bytes(b"k" * size)
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1
    assert last_line(r.stderr) == (
        f"Error: secret.key holds {size} bytes, fewer than the 32 a page-code key needs: {RESTORE}"
    )
    assert not (archive_dir / "documents").exists()


def test_new_archive_makes_its_key(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    assert run("--archive", root, "list").exit_code == 0
    key = root / "secret.key"
    assert len(key.read_bytes()) == 32 and stat.S_IMODE(key.stat().st_mode) == 0o600


# the chain -----------------------------------------------------------------------------------


def chain_head() -> str:
    r = run("verify", "--chain-head")
    assert r.exit_code == 0, r
    head = r.stdout.strip()
    assert len(head) == HEAD_LINE and all(c in "0123456789abcdef" for c in head), r
    return head


def test_chain_head_is_printed_and_a_recorded_head_found(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    first = chain_head()
    new("contract", work / "contract.yaml")
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    second = chain_head()
    assert second != first
    r = run("verify", "--chain-head", first)
    assert r.exit_code == 0, r
    assert r.stdout.strip() == "verify: chain intact; the recorded head is row 1 of 3 (2 written since)"
    assert run("verify").exit_code == 0
    r = run("verify", "--chain-head", "12ab")
    assert r.exit_code == 2 and "a chain head is 64 hexadecimal digits" in r.stderr


def test_a_changed_event_is_found(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    assert run("review", "HT-2026-0001", "approve", "--note", "同意").exit_code == 0
    with db(archive_dir) as con:
        con.execute("UPDATE events SET actor = 'boss' WHERE action = 'review:approve'")
        eid = con.execute("SELECT id FROM events WHERE action = 'review:approve'").fetchone()[0]
    r = run("verify")
    assert r.exit_code == 1
    assert (f"chain: event #{eid} (HT-2026-0001 v1 review:approve) was changed after it was written "
            "(its hash does not match)") in r.stderr.splitlines()
    assert "PROBLEMS FOUND" in r.stdout and "clean" not in r.stdout
    r = run("verify", "--chain-head")
    assert r.exit_code == 1 and r.stdout == ""
    assert last_line(r.stderr) == "Error: verify: the chain is broken (1 problems above); its head cannot be trusted"


def test_a_removed_event_is_found(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    assert run("review", "HT-2026-0001", "approve").exit_code == 0
    with db(archive_dir) as con:
        con.execute("DELETE FROM events WHERE action = 'review:submit'")
        eid = con.execute("SELECT id FROM events WHERE action = 'review:approve'").fetchone()[0]
    r = run("verify")
    assert r.exit_code == 1
    assert (f"chain: event #{eid} (HT-2026-0001 v1 review:approve) does not follow the row before it "
            "(rows were removed or inserted)") in r.stderr.splitlines()


def test_an_event_written_around_docgen_is_found(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    with db(archive_dir) as con:
        con.execute("INSERT INTO events(number, version, action, actor, created) "
                    "VALUES ('BJ-2026-0001', 1, 'sign', 'mallory', '2026-01-01T00:00:00+08:00')")
    r = run("verify")
    assert r.exit_code == 1
    assert "chain: event #2 (BJ-2026-0001 v1 sign) is outside the chain (written around docgen)" in r.stderr


def test_a_changed_ledger_row_is_found(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    r = run("pull", "HT-2026-0001", "--as", "legal", "-o", tmp_path / "out")
    assert r.exit_code == 0, r
    with db(archive_dir) as con:
        row = con.execute("SELECT id FROM ledger WHERE action = 'pulled'").fetchone()
        con.execute("UPDATE ledger SET sha256 = ? WHERE id = ?", ("0" * 64, row[0]))
    r = run("verify")
    assert r.exit_code == 1
    assert (f"chain: ledger #{row[0]} (pulled HT-2026-0001 legal) was changed after it was written "
            "(its hash does not match)") in r.stderr.splitlines()


def test_a_consistent_swap_of_blob_row_and_copy_is_found(work: Path, archive_dir: Path) -> None:
    """Blob, files row and readable copy replaced together pass the checksums; the chain
    recorded the file the version was made with."""
    made = new("quote", work / "quote.yaml")
    pdf = Path(made["files"]["pdf"])
    old = sha_of(pdf)
    forged = pdf.read_bytes().replace(b"%%EOF", b"%forged\n%%EOF")
    sha = hashlib.sha256(forged).hexdigest()
    blob(archive_dir, sha).parent.mkdir(parents=True, exist_ok=True)
    blob(archive_dir, sha).write_bytes(forged)
    blob(archive_dir, old).unlink()
    pdf.chmod(0o600)
    pdf.write_bytes(forged)
    with db(archive_dir) as con:
        con.execute("UPDATE files SET sha256 = ?, size = ? WHERE number = 'BJ-2026-0001' AND role = 'pdf'",
                    (sha, len(forged)))
    r = run("verify")
    assert r.exit_code == 1, r
    assert (f"chain: BJ-2026-0001 v1 pdf: the catalog names {sha[:12]}… but the chain recorded {old[:12]}… "
            "(the file was replaced)") in r.stderr.splitlines()
    # a later event about the version does not launder the swap
    assert run("void", "BJ-2026-0001", "--note", "作废").exit_code == 0
    assert "(the file was replaced)" in run("verify").stderr


def test_a_rewritten_chain_fails_against_a_recorded_head(work: Path, archive_dir: Path) -> None:
    """Whoever rewrites a row and re-hashes every row after it makes a chain that verifies
    by itself; the head recorded elsewhere is no longer in it."""
    from docgen.archive.catalog import chain_hash

    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    recorded = chain_head()
    with db(archive_dir) as con:
        con.execute("UPDATE events SET actor = 'boss' WHERE id = 1")
        prev = "0" * 64
        for r in con.execute("SELECT * FROM events ORDER BY seq").fetchall():
            content = {k: r[k] for k in ("number", "version", "action", "from_status", "to_status", "actor",
                                         "note", "created")}
            content["files"] = json.loads(r["files"])
            digest = chain_hash("events", r["seq"], prev, content)
            con.execute("UPDATE events SET prev = ?, hash = ? WHERE id = ?", (prev, digest, r["id"]))
            prev = digest
    assert run("verify").exit_code == 0  # consistent by itself
    r = run("verify", "--chain-head", recorded)
    assert r.exit_code == 1
    assert last_line(r.stderr) == (
        f"Error: verify: the recorded chain head {recorded[:12]}… is not in the chain: rows written before "
        "it were changed or removed since it was recorded; restore the catalog from a backup made before"
    )


def test_migration_chains_existing_rows(work: Path, archive_dir: Path) -> None:
    """A catalog made before the chain: its events and ledger are chained in time order."""
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    with db(archive_dir) as con:
        for table in ("events", "ledger"):
            con.execute(f"DROP INDEX {table}_seq")
            for column in ("seq", "prev", "hash"):
                con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        con.execute("ALTER TABLE events DROP COLUMN files")
        con.execute("DELETE FROM migrations WHERE name = 'm007_chain'")
    assert run("verify").exit_code == 0
    with db(archive_dir) as con:
        rows = con.execute("SELECT seq, action FROM events ORDER BY seq").fetchall()
    assert [(r[0], r[1]) for r in rows] == [(1, "create"), (2, "create"), (3, "review:submit")]
    assert run("review", "HT-2026-0001", "approve").exit_code == 0
    assert run("verify").exit_code == 0


# damaged blobs -------------------------------------------------------------------------------


def test_a_damaged_blob_is_never_served(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    v1 = json.loads(run("show", "HT-2026-0001", "--json").stdout)["versions"][0]
    pdf_sha = v1["files"]["pdf"]["sha256"]
    damage(blob(archive_dir, pdf_sha))
    out = tmp_path / "out"
    r = run("pull", "HT-2026-0001", "--as", "legal", "-o", out)
    assert r.exit_code == 1
    assert last_line(r.stderr) == (
        "Error: HT-2026-0001 v1 pdf: the archived file is damaged (checksum mismatch); "
        "run docgen verify --repair or restore it from a backup"
    )
    assert not out.exists() or not any(out.iterdir())
    # nor is the readable copy re-made from it
    view = archive_dir / "documents/HT-2026-0001/HT-2026-0001-v1.pdf"
    view.unlink()
    r = run("verify", "--repair")
    assert r.exit_code == 1 and not view.exists()
    assert f"HT-2026-0001 v1 pdf: objects/{pdf_sha[:2]}/{pdf_sha} does not match its checksum" in r.stderr


def test_diff_refuses_a_missing_text(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    from conftest import edit

    edit(work / "quote.yaml", lambda d: d["sections"][0]["items"][0].update(quantity="3"))
    assert run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "数量").exit_code == 0
    v1 = json.loads(run("show", "BJ-2026-0001", "--json").stdout)["versions"][0]
    data_sha = v1["files"]["text"]["sha256"]
    blob(archive_dir, data_sha).unlink()
    r = run("diff", "BJ-2026-0001", "1", "2")
    assert r.exit_code == 1
    assert last_line(r.stderr) == (
        f"Error: BJ-2026-0001 v1 text: the archived file is missing (objects/{data_sha[:2]}/{data_sha}); "
        "run docgen verify --repair or restore it from a backup"
    )


@pytest.mark.parametrize("how", ["damaged", "missing"])
def test_repair_restores_a_blob_from_its_identical_readable_copy(work: Path, archive_dir: Path, how: str) -> None:
    made = new("quote", work / "quote.yaml")
    pdf = Path(made["files"]["pdf"])
    sha = sha_of(pdf)
    damage(blob(archive_dir, sha)) if how == "damaged" else blob(archive_dir, sha).unlink()
    r = run("verify")
    assert r.exit_code == 1 and "PROBLEMS FOUND" in r.stdout
    r = run("verify", "--repair")
    assert r.exit_code == 0, r
    rel = f"objects/{sha[:2]}/{sha}"
    assert f"BJ-2026-0001 v1 pdf: {rel} restored from documents/BJ-2026-0001/BJ-2026-0001-v1.pdf" in r.stdout
    assert "verify: clean:" in r.stdout and "1 restored" in r.stdout
    assert sha_of(blob(archive_dir, sha)) == sha
    assert stat.S_IMODE(blob(archive_dir, sha).stat().st_mode) == 0o400
    assert run("verify").exit_code == 0


def test_repair_does_not_restore_from_a_different_copy(work: Path, archive_dir: Path) -> None:
    made = new("quote", work / "quote.yaml")
    pdf = Path(made["files"]["pdf"])
    sha = sha_of(pdf)
    damage(blob(archive_dir, sha))
    damage(pdf)
    r = run("verify", "--repair")
    assert r.exit_code == 1
    assert (f"BJ-2026-0001 v1 pdf: objects/{sha[:2]}/{sha} does not match its checksum "
            "(no identical readable copy to restore it from: restore it from a backup)") in r.stderr.splitlines()
    assert "clean" not in r.stdout
    assert sha_of(blob(archive_dir, sha)) != sha


def test_verify_says_clean_only_when_it_exits_0(work: Path, archive_dir: Path) -> None:
    made = new("quote", work / "quote.yaml")
    Path(made["files"]["pdf"]).unlink()
    r = run("verify")
    assert r.exit_code == 1
    assert last_line(r.stdout).startswith("verify: PROBLEMS FOUND: ")
    assert "clean" not in r.stdout


@pytest.mark.parametrize("engine", ["tantivy", "whoosh"])
def test_a_damaged_search_index_says_reindex(work: Path, archive_dir: Path, engine: str) -> None:
    new("quote", work / "quote.yaml")
    if engine != "tantivy":
        toml = archive_dir / "docgen.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('engine = "tantivy"', f'engine = "{engine}"'),
                        encoding="utf-8")
    assert run("search", "张江").exit_code == 0
    damaged = 0
    for p in (archive_dir / "index" / engine).iterdir():
        if p.suffix in (".toc", ".seg") or p.name == "meta.json":  # whoosh's table of contents, tantivy's
            p.write_bytes(b"\x00garbage" * 10)
            damaged += 1
    assert damaged
    for args in (("search", "张江"), ("verify",)):
        r = run(*args)
        assert r.exit_code == 1, (args, r)
        line = next(x for x in r.stderr.splitlines() if "search index" in x)
        assert line.startswith(f"the search index in index/{engine} is damaged (") or line.startswith(
            f"Error: the search index in index/{engine} is damaged ("), r
        assert line.endswith("); run `docgen reindex`"), r
        assert "internal error" not in r.stderr
    assert run("reindex").exit_code == 0
    assert run("search", "张江").exit_code == 0
    assert run("verify").exit_code == 0


# file modes ----------------------------------------------------------------------------------


def wide(root: Path) -> list[str]:
    """The archive's files and folders (outboxes and inbox aside) that others may read."""
    found = []
    for p in [root, *root.rglob("*")]:
        rel = p.relative_to(root).parts
        if rel and rel[0] in ("outbox", "inbox"):
            continue
        if stat.S_IMODE(p.lstat().st_mode) & 0o077:
            found.append(f"{'/'.join(rel) or '.'} {stat.S_IMODE(p.lstat().st_mode):04o}")
    return found


def test_the_archive_is_owner_only_whatever_the_umask(work: Path, tmp_path: Path) -> None:
    os.umask(0o022)
    root = tmp_path / "fresh"
    r = run("--archive", root, "new", "quote", work / "quote.yaml")
    assert r.exit_code == 0, r
    os.umask(0o022)
    assert run("--archive", root, "search", "张江").exit_code == 0
    assert (root / "index").is_dir() and (root / "objects").is_dir() and (root / "documents").is_dir()
    # SQLite's -wal and -shm files follow the catalog's mode while a connection is open
    con = sqlite3.connect(root / "catalog.sqlite")
    con.execute("SELECT count(*) FROM documents").fetchone()
    assert Path(f"{root / 'catalog.sqlite'}-wal").exists()
    assert wide(root) == []
    con.close()
    blobs = [p for p in (root / "objects").rglob("*") if p.is_file()]
    assert blobs and all(stat.S_IMODE(p.stat().st_mode) == 0o400 for p in blobs)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert run("--archive", root, "verify").exit_code == 0


def test_verify_reports_files_others_may_read(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    (archive_dir / "catalog.sqlite").chmod(0o644)
    (archive_dir / "documents").chmod(0o755)
    r = run("verify")
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert ("mode: catalog.sqlite is 0644, readable by others than its owner "
            "(chmod 600 it; the archive's files are owner-only)") in lines
    assert ("mode: documents is 0755, readable by others than its owner "
            "(chmod 700 it; the archive's folders are owner-only)") in lines
    assert "verify: PROBLEMS FOUND" in r.stdout and "2 with wide modes" in r.stdout


def test_outboxes_get_their_departments_modes(scans: Path, archive_dir: Path) -> None:
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('outbox = "outbox/legal"\n', 'outbox = "outbox/legal"\nmode = "0700"\n'),
                    encoding="utf-8")
    os.umask(0o022)
    r = run("ingest", scans / "ht.pdf")
    assert r.exit_code == 0, r
    outbox = archive_dir / "outbox"
    customer = [p for p in (outbox / "customer").iterdir()]
    legal = [p for p in (outbox / "legal").iterdir()]
    assert customer and legal
    assert stat.S_IMODE((outbox / "customer").stat().st_mode) == 0o750  # the default
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o640 for p in customer)
    assert stat.S_IMODE((outbox / "legal").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in legal)
    assert run("verify").exit_code == 0
    legal[0].chmod(0o644)
    r = run("verify")
    assert r.exit_code == 1
    assert (f"mode: outbox/legal/{legal[0].name} is 0644, wider than [departments.legal] mode allows (0600)"
            in r.stderr.splitlines()), r


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ('"0777"', 'mode = "0777" must give the owner rwx and others no write access, e.g. "0750"'),
        ('"0450"', 'mode = "0450" must give the owner rwx and others no write access, e.g. "0750"'),
        ("750", "mode must be an octal string such as \"0750\", not 750"),
    ],
)
def test_a_department_mode_that_cannot_be_used_is_refused(archive_dir: Path, mode: str, message: str) -> None:
    assert run("list").exit_code == 0
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('outbox = "outbox/finance"\n', f'outbox = "outbox/finance"\nmode = {mode}\n'),
                    encoding="utf-8")
    r = run("list")
    assert r.exit_code == 1
    line = last_line(r.stderr)
    assert line.startswith("Error: docgen.toml line ") and line.endswith(f": [departments.finance]: {message}"), r
