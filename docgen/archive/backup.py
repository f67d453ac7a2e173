"""Backups of an archive, made while docgen runs, and their restore into an empty root.

A backup folder holds the blobs of every snapshot once, by checksum, and one folder
per snapshot:

    DEST/objects/ab/abcdef…          blobs, shared by all snapshots (never rewritten)
    DEST/snapshots/20261202T011500Z/ catalog.sqlite, manifest.json, docgen.toml,
                                     secret.key, templates/, quarantine/, logs/

The catalog is copied with SQLite's online backup API, which reads one consistent
state of the database while other commands go on writing. Blobs are written before
the rows that name them are committed and are never removed while a row names them,
so every blob the copied catalog names is in the archive when the backup reads it.
Blobs the backup folder holds already are not copied again (an incremental backup).

A snapshot is written into a hidden temporary folder, fsynced, and renamed into
place last: a backup that is interrupted never looks complete. Readable copies
(documents/), the search index and the outboxes are not copied: restore re-makes
the first two from the catalog, and distribution the third.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TypeVar

from docgen import __version__, failpoints
from docgen.archive.core import Archive, _pid_alive, verify
from docgen.archive.store import fsync_dir
from docgen.errors import DocgenError
from docgen.i18n import gettext

MANIFEST = "manifest.json"
FORMAT = 1
# What the catalog cannot re-make, copied beside it (folders are copied whole).
KEPT_FILES = ("docgen.toml", "secret.key")
KEPT_FOLDERS = ("templates", "quarantine", "logs")
CHUNK = 1 << 20
README = """\
This folder holds backups of a docgen archive, made by `docgen backup`.

  objects/ab/…           the archive's files named by their SHA-256, shared by every snapshot
  snapshots/STAMP/       one backup: catalog.sqlite, manifest.json (every file's SHA-256),
                         docgen.toml, secret.key, templates/, quarantine/, logs/

Restore one with `docgen restore THIS-FOLDER --archive NEW-ROOT [--snapshot STAMP]`.
A folder under snapshots/ whose name starts with "." is a backup that did not finish.
"""


class BackupError(DocgenError):
    """A backup cannot be made, or a backup folder cannot be restored."""


class Bar(Protocol):
    def update(self, n: int) -> None: ...


# Makes a progress bar for (label, length); the CLI passes click.progressbar.
Progress = Callable[[str, int], AbstractContextManager[Bar]]


class _NoBar:
    def update(self, n: int) -> None:
        pass


def _no_progress(label: str, length: int) -> AbstractContextManager[Bar]:
    return nullcontext(_NoBar())


@dataclass
class BackupReport:
    """What one ``backup`` wrote."""

    dest: Path
    snapshot: str = ""
    documents: int = 0
    versions: int = 0
    blobs: int = 0
    copied: int = 0
    copied_bytes: int = 0
    kept: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    damaged: list[str] = field(default_factory=list)


@dataclass
class RestoreReport:
    """What one ``restore`` restored, and the verification of the result."""

    root: Path
    snapshot: str = ""
    created: str = ""
    version: str = ""
    documents: int = 0
    versions: int = 0
    blobs: int = 0
    blob_bytes: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    views: int = 0
    indexed: int = 0
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    lacking: list[str] = field(default_factory=list)


# small durable file helpers ---------------------------------------------------

# Blobs are copied by a few threads: each copy ends with an fsync, and the file system
# commits concurrent fsyncs together (about 5x faster than one after the other here).
WORKERS = 8
T = TypeVar("T")


def _parallel(items: list[T], fn: Callable[[T], str]) -> Iterator[tuple[T, str]]:
    """(item, fn(item)) for every item, as they finish; pending work is cancelled on error."""
    pool = ThreadPoolExecutor(WORKERS)
    try:
        futures = {pool.submit(fn, item): item for item in items}
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _mkdir(path: Path) -> None:
    """A folder and its missing parents, owner-only whatever the umask."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)
        os.chmod(p, 0o700)


def _copy_verified(src: Path, dest: Path, mode: int) -> tuple[str, int]:
    """Copy a file to ``dest`` durably, hashing what is read; (SHA-256, size).

    The bytes are hashed as they are copied, so the checksum describes exactly what
    the copy holds, whatever happens to the source meanwhile.
    """
    h = hashlib.sha256()
    size = 0
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with open(src, "rb") as f, os.fdopen(fd, "wb") as out:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(dest, mode)
    return h.hexdigest(), size


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _regular_files(folder: Path) -> Iterator[Path]:
    """Regular files under a folder, symlinks neither followed nor copied (sorted)."""
    if not folder.is_dir() or folder.is_symlink():
        return
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            try:
                if stat.S_ISREG(path.lstat().st_mode):
                    yield path
            except FileNotFoundError:
                continue  # moved away meanwhile (a quarantined scan filed by hand)


def _fsync_tree(folder: Path) -> None:
    for dirpath, _dirnames, _filenames in os.walk(folder):
        fsync_dir(Path(dirpath))


# backup ----------------------------------------------------------------------


def _check_dest(archive: Archive, dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise BackupError(gettext("backup folder {dest} is a file; name a folder for the backup").format(dest=dest))
    if dest.resolve().is_relative_to(archive.root.resolve()):
        raise BackupError(gettext("backup folder {dest} is inside the archive {archive}; back up to another disk or folder")
                          .format(dest=dest, archive=archive.root))
    if dest.is_dir() and any(dest.iterdir()) and not (dest / "snapshots").is_dir():
        raise BackupError(
            gettext("backup folder {dest} holds other files and no docgen backup; name an empty or new folder")
            .format(dest=dest)
        )


def _sweep(snapshots: Path) -> None:
    """Remove the temporary folders of backups that were interrupted."""
    for p in snapshots.glob(".partial-*"):
        pid = p.name.split("-")[1]
        if not (pid.isdigit() and _pid_alive(int(pid))):
            shutil.rmtree(p, ignore_errors=True)


def _stamp(snapshots: Path) -> str:
    base = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name, n = base, 1
    while (snapshots / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _catalog_blobs(db: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    """Every blob a catalog names: SHA-256 -> (size, the first version naming it)."""
    out: dict[str, tuple[int, str]] = {}
    rows = db.execute(
        "SELECT sha256, size, number, version, role FROM files UNION ALL "
        "SELECT sha256, size, number, version, 'copy:' || variant FROM renderings ORDER BY 3, 4, 5"
    )
    for sha, size, number, version, role in rows:
        out.setdefault(sha, (int(size), f"{number} v{version} {role}"))
    return out


def _counts(db: sqlite3.Connection) -> tuple[int, int]:
    documents = int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    versions = int(db.execute("SELECT count(*) FROM versions").fetchone()[0])
    return documents, versions


def backup(archive: Archive, dest: Path, progress: Progress = _no_progress) -> BackupReport:
    """Write a snapshot of ``archive`` into the backup folder ``dest``.

    Blobs that fail their checksum in the archive are not copied; they are listed in
    the report (and in the manifest), and the snapshot is still written, since it is
    the best copy there is of everything else.
    """
    _check_dest(archive, dest)
    report = BackupReport(dest)
    objects, snapshots = dest / "objects", dest / "snapshots"
    _mkdir(objects)
    _mkdir(snapshots)
    if not (dest / "README.txt").exists():
        (dest / "README.txt").write_text(README, encoding="utf-8")
    _sweep(snapshots)
    work = snapshots / f".partial-{os.getpid()}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}"
    _mkdir(work)
    try:
        _write_snapshot(archive, dest, work, report, progress)
        report.snapshot = _stamp(snapshots)
        failpoints.hit("backup:written")
        os.rename(work, snapshots / report.snapshot)
        fsync_dir(snapshots)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return report


def _write_snapshot(archive: Archive, dest: Path, work: Path, report: BackupReport, progress: Progress) -> None:
    files: dict[str, dict[str, Any]] = {}
    # 1. the catalog, as one consistent state (WAL readers do not wait for writers)
    catalog = work / "catalog.sqlite"
    copy = sqlite3.connect(catalog, isolation_level=None)
    try:
        archive.catalog.db.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        ok = str(copy.execute("PRAGMA integrity_check").fetchone()[0])
        if ok != "ok":
            raise BackupError(gettext("catalog.sqlite fails SQLite's integrity check ({result}); nothing backed up")
                              .format(result=ok))
        blobs = _catalog_blobs(copy)
        report.documents, report.versions = _counts(copy)
    finally:
        copy.close()
    os.chmod(catalog, 0o600)
    with open(catalog, "rb") as f:
        os.fsync(f.fileno())
    files["catalog.sqlite"] = {"sha256": _sha256(catalog), "size": catalog.stat().st_size}
    failpoints.hit("backup:catalog")

    # 2. the blobs it names, by checksum: only those the backup folder lacks
    stored: dict[str, int] = {}
    damaged: list[dict[str, str]] = []
    total = sum(size for sha, (size, _) in blobs.items())
    todo: list[tuple[str, int, str]] = []
    with progress(gettext("backing up {n} files").format(n=len(blobs)), total) as bar:
        for sha, (size, owner) in sorted(blobs.items()):
            target = dest / "objects" / sha[:2] / sha
            if target.is_file() and target.stat().st_size == size:
                report.kept += 1
                stored[sha] = size
                bar.update(size)
            else:
                todo.append((sha, size, owner))
        folders = sorted({dest / "objects" / sha[:2] for sha, _, _ in todo})
        for folder in folders:
            _mkdir(folder)
        copies = _parallel([(sha, size, owner) for sha, size, owner in todo],
                           lambda item: _copy_blob(archive, item[0], dest / "objects" / item[0][:2] / item[0]))
        for (sha, size, owner), problem in copies:
            if problem:
                report.damaged.append(f"{owner}: objects/{sha[:2]}/{sha} {problem}")
                damaged.append({"sha256": sha, "owner": owner, "problem": problem})
            else:
                report.copied += 1
                report.copied_bytes += size
                stored[sha] = size
            bar.update(size)
        for folder in folders:
            fsync_dir(folder)
    damaged.sort(key=lambda d: d["owner"])
    report.damaged.sort()
    report.blobs = len(stored)
    failpoints.hit("backup:objects")

    # 3. what the catalog cannot re-make
    for name in KEPT_FILES:
        src = archive.root / name
        if src.is_file() and not src.is_symlink():
            sha, size = _copy_verified(src, work / name, 0o600)
            files[name] = {"sha256": sha, "size": size}
            report.extra[name] = 1
    for folder in KEPT_FOLDERS:
        count = 0
        for src in _regular_files(archive.root / folder):
            rel = src.relative_to(archive.root)
            _mkdir((work / rel).parent)
            try:
                sha, size = _copy_verified(src, work / rel, 0o600)
            except FileNotFoundError:
                continue  # moved away while the backup ran
            files[rel.as_posix()] = {"sha256": sha, "size": size}
            count += 1
        report.extra[folder] = count

    manifest = {
        "format": FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "docgen": __version__,
        "source": str(archive.root.resolve()),
        "counts": {
            "documents": report.documents,
            "versions": report.versions,
            "objects": len(stored),
            "files": len(files),
        },
        "files": files,
        "objects": dict(sorted(stored.items())),
        "damaged": damaged,
    }
    path = work / MANIFEST
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(path, 0o600)
    _fsync_tree(work)


def _copy_blob(archive: Archive, sha: str, target: Path) -> str:
    """Copy one blob into the backup, checking its checksum on the way; a problem or ''."""
    src = archive.store.path(sha)
    tmp = target.parent / f".{sha}.{os.getpid()}.tmp"
    try:
        got, _size = _copy_verified(src, tmp, 0o400)
    except FileNotFoundError:
        tmp.unlink(missing_ok=True)
        return "is missing from the archive: not backed up"
    if got != sha:
        tmp.unlink()
        return "does not match its checksum in the archive: not backed up (docgen verify --repair)"
    os.replace(tmp, target)  # its folder is fsynced once all blobs are in
    return ""


# restore ---------------------------------------------------------------------


def snapshots(src: Path) -> list[str]:
    """The complete snapshots of a backup folder, oldest first."""
    folder = src / "snapshots"
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if not p.name.startswith(".") and (p / MANIFEST).is_file()]
    return sorted(names, key=_order)


def _order(name: str) -> tuple[str, int]:
    """Snapshot names sort by time, then by the -N of backups made in the same second."""
    base, _, n = name.partition("-")
    return base, int(n) if n.isdigit() else 1


def _pick(src: Path, name: str | None) -> Path:
    if not src.exists():
        raise BackupError(gettext("backup folder {src} does not exist; name the folder `docgen backup` wrote").format(
            src=src))
    found = snapshots(src)
    if not found:
        raise BackupError(gettext("{src} holds no complete backup (no snapshots/*/{manifest}); name the folder "
                                  "`docgen backup` wrote").format(src=src, manifest=MANIFEST))
    if name is None:
        return src / "snapshots" / found[-1]
    if name not in found:
        raise BackupError(gettext("{src} has no snapshot {name}; it has {snapshots}").format(
            src=src, name=name, snapshots=", ".join(found)))
    return src / "snapshots" / name


def _check_root(root: Path) -> None:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BackupError(
            gettext("archive {root} is not empty; restore only into an empty or new folder (--archive NEW-FOLDER)")
            .format(root=root)
        )


def restore(src: Path, root: Path, name: str | None = None, progress: Progress = _no_progress) -> RestoreReport:
    """Restore a snapshot of the backup folder ``src`` into the empty or new folder ``root``.

    Every file is checked against the manifest as it is copied into a temporary folder
    beside ``root``; only when all of them match is that folder renamed into place, so a
    damaged backup leaves nothing behind. The readable copies and the search index are
    then made from the restored catalog, and the archive is verified.
    """
    snap = _pick(src, name)
    _check_root(root)
    try:
        manifest = json.loads((snap / MANIFEST).read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = manifest["files"]
        objects: dict[str, int] = manifest["objects"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(gettext("{manifest} cannot be read ({error}); restore another snapshot (--snapshot NAME)")
                          .format(manifest=snap / MANIFEST, error=exc)) from None
    if "catalog.sqlite" not in files:
        raise BackupError(gettext("{manifest} names no catalog.sqlite; restore another snapshot (--snapshot NAME)")
                          .format(manifest=snap / MANIFEST))
    report = RestoreReport(root, snapshot=snap.name, created=str(manifest.get("created", "")),
                           version=str(manifest.get("docgen", "")))
    report.lacking = [f"{d.get('owner')}: objects/{d.get('sha256', '')[:2]}/{d.get('sha256')}"
                      for d in manifest.get("damaged", [])]
    root.parent.mkdir(parents=True, exist_ok=True)
    work = root.parent / f".{root.name}.restore-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    _mkdir(work)
    try:
        _restore_files(src, snap, work, files, objects, report, progress)
        _fsync_tree(work)
        failpoints.hit("restore:copied")
        # rename(2) replaces an empty folder; a folder filled meanwhile makes it fail
        try:
            os.replace(work, root)
        except OSError:
            raise BackupError(gettext("archive {root} is not empty any more; nothing restored").format(root=root)) from None
        fsync_dir(root.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _remake(root, report, progress)
    return report


def _damaged(path: str, snap: Path, problem: str) -> BackupError:
    return BackupError(
        gettext("backup file {path} {problem}: nothing restored; restore another snapshot "
                "(--snapshot NAME, see {folder}) or back up again from the archive").format(
            path=path, problem=problem, folder=snap.parent)
    )


def _restore_files(
    src: Path, snap: Path, work: Path, files: dict[str, dict[str, Any]], objects: dict[str, int],
    report: RestoreReport, progress: Progress,
) -> None:
    # the catalog first: nothing looks at an archive root without it
    ordered = ["catalog.sqlite", *sorted(k for k in files if k != "catalog.sqlite")]
    for rel in ordered:
        entry = files[rel]
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise _damaged(f"{snap.name}/{MANIFEST}", snap, gettext("names a file outside the archive ({path})").format(path=rel))
        source, target = snap / rel, work / rel
        _mkdir(target.parent)
        try:
            got, _size = _copy_verified(source, target, 0o600)
        except FileNotFoundError:
            raise _damaged(f"snapshots/{snap.name}/{rel}", snap, gettext("is missing")) from None
        if got != entry.get("sha256"):
            raise _damaged(f"snapshots/{snap.name}/{rel}", snap, gettext("does not match its checksum in the manifest"))
        top = Path(rel).parts[0]
        if top in KEPT_FOLDERS or rel in KEPT_FILES:
            report.extra[top] = report.extra.get(top, 0) + 1
    db = sqlite3.connect(work / "catalog.sqlite")
    try:
        named = _catalog_blobs(db)
        report.documents, report.versions = _counts(db)
    except sqlite3.Error as exc:
        raise _damaged(f"snapshots/{snap.name}/catalog.sqlite", snap,
                       gettext("cannot be read ({error})").format(error=exc)) from None
    finally:
        db.close()
    absent = sorted(set(named) - set(objects) - {d.split("/")[-1] for d in report.lacking})
    if absent:
        raise _damaged(f"snapshots/{snap.name}/{MANIFEST}", snap,
                       gettext("lacks {n} file(s) the catalog names ({path})").format(
                           n=len(absent), path=f"objects/{absent[0][:2]}/{absent[0]}"))
    total = sum(objects.values())
    for sha in objects:
        if len(sha) != 64 or not all(c in "0123456789abcdef" for c in sha):
            raise _damaged(f"snapshots/{snap.name}/{MANIFEST}", snap, gettext("names a bad checksum ({sha})").format(sha=sha[:80]))
    folders = sorted({work / "objects" / sha[:2] for sha in objects})
    for folder in folders:
        _mkdir(folder)

    def copy(item: tuple[str, int]) -> str:
        sha, size = item
        rel = f"objects/{sha[:2]}/{sha}"
        try:
            # owner-only and read-only: blobs are never rewritten, and hold personal data
            got, got_size = _copy_verified(src / rel, work / rel, 0o400)
        except FileNotFoundError:
            return gettext("is missing")
        return "" if got == sha and got_size == size else gettext("does not match its checksum")

    with progress(gettext("restoring {n} files").format(n=len(objects)), total) as bar:
        for (sha, size), problem in _parallel(sorted(objects.items()), copy):
            if problem:
                raise _damaged(f"objects/{sha[:2]}/{sha}", snap, problem)
            report.blobs += 1
            report.blob_bytes += size
            bar.update(size)


def _remake(root: Path, report: RestoreReport, progress: Progress) -> None:
    """Readable copies and the search index from the restored catalog; then verify."""
    archive = Archive.open(root)
    try:
        rows = [r for r in archive.catalog.all_files() if r[2] in ("docx", "pdf", "scan")]
        with progress(gettext("re-making {n} readable copies").format(n=len(rows)), len(rows)) as bar:
            for number, version, role, sha, _size in rows:
                if archive.store.has(sha):
                    archive.ensure_view(number, version, role, sha)
                    report.views += 1
                bar.update(1)
        index = archive.search_index()
        with progress(gettext("indexing {n} versions").format(n=report.versions), report.versions) as bar:
            report.indexed = index.rebuild(progress=bar.update)
        checked = verify(archive)
        report.checked = checked.checked
        report.problems = checked.missing + checked.corrupt + checked.orphaned + checked.other + checked.copies
        _waiting, lost = index.missing()
        report.problems += [gettext("{line}: not in the search index (docgen reindex adds it)").format(line=line)
                            for line in lost]
    finally:
        archive.close()
