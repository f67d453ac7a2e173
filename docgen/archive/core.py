"""The archive on disk: settings, secret key, blob store and catalog under one root.

Writing a version is one catalog transaction. Blobs are written (durably) before
the rows that name them are committed; an *intent* file listing those blobs is
written first, so the blobs of a command killed before its commit are known to be
leftovers of that command, not lost documents. ``recover()`` removes them.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import stat
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite3

from docgen.archive.catalog import Catalog
from docgen.archive.store import BlobStore, sha256_file
from docgen.clock import fmt_instant
from docgen.config import Settings, ensure_settings_file, load_settings, read_language
from docgen.errors import ArchiveDamaged

if TYPE_CHECKING:
    from docgen.archive.search import SearchIndex
from docgen.i18n import N_, _

# The archive's own files are owner-only whatever the caller's umask (the catalog, the
# key, the index, the blobs and readable copies hold customers' personal data); SQLite's
# -wal/-shm files and the index engines' files follow it. Department outboxes get the
# mode their [departments] entry names, set explicitly.
UMASK = 0o077
SQLITE_MAGIC = b"SQLite format 3\x00"
KEY_BYTES = 32
RESTORE = N_("restore it from a backup (docgen restore SRC)")

README = """\
This folder is a docgen archive.

  docgen.toml      settings: company profile, rates, number formats (edit freely)
  secret.key       key of the code printed on every page (keep private; owner-only)
  catalog.sqlite   the catalog: projects, documents, versions, files, events
  objects/ab/…     immutable files named by their SHA-256 (never edit)
  documents/NUM/   readable copies of each version's .docx and .pdf, and of signed scans
  index/ENGINE/    the full-text search index (rebuilt from the catalog by `docgen reindex`)
  inbox/           the scanner drops signed scans here; `docgen watch` files them
  quarantine/      scans that could not be filed, each with a .reason.txt beside it
  logs/intake.log  one line per scan taken in: filed, duplicate or quarantined
  outbox/DEPT/     copies delivered to each department (see [departments] in docgen.toml)
  cache/stamps/    the 联次 labels stamped on copies (re-made when missing)
  tmp/             work in progress; safe to empty when no docgen command runs

Check it with `docgen verify`.
"""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Intent:
    """The blobs a transaction is about to store (see ``Archive.transaction``)."""

    def __init__(self, tmp: Path) -> None:
        self.path = tmp / f"intent-{os.getpid()}-{uuid.uuid4().hex}.json"
        self.shas: list[str] = []

    def add(self, shas: list[str]) -> None:
        """Name blobs before storing them (durably, before this returns)."""
        self.shas += shas
        self._write(os.getpid())

    def _write(self, pid: int) -> None:
        tmp = self.path.with_suffix(".part")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"pid": pid, "blobs": self.shas}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def abandon(self) -> None:
        if self.shas:
            self._write(0)

    def done(self) -> None:
        self.path.unlink(missing_ok=True)


def _intent_blobs(tmp: Path) -> set[str]:
    """Blobs named by any intent file: leftovers of a first command, not documents."""
    named: set[str] = set()
    for p in tmp.glob("intent-*.json"):
        try:
            named.update(json.loads(p.read_text(encoding="utf-8")).get("blobs", []))
        except (OSError, ValueError, AttributeError):
            continue
    return named


def archive_files(root: Path) -> int:
    """Files under objects/ and documents/ that only a committed version leaves there."""
    named = _intent_blobs(root / "tmp")
    count = 0
    for base in (root / "objects", root / "documents"):
        if base.is_dir():
            for p in base.rglob("*"):
                if p.is_file() and not p.name.startswith(".") and p.name not in named:
                    count += 1
    return count


_HEADS: dict[tuple[int, int], int] = {}  # (device, inode) -> an fd kept open for the process


def _catalog_head(path: Path) -> bytes:
    """The first bytes of the catalog file, read through a descriptor this process keeps open.

    Closing any descriptor of a file drops every POSIX lock the process holds on it, the
    locks of SQLite's own connections included (sqlite.org/howtocorrupt.html, 2.2), so a
    process that has the catalog open must never open and close the file beside SQLite.
    """
    st = os.stat(path)
    fd = _HEADS.get((st.st_dev, st.st_ino))
    if fd is None:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        _HEADS[(st.st_dev, st.st_ino)] = fd
    return os.pread(fd, len(SQLITE_MAGIC), 0)


def _check_catalog_file(root: Path) -> None:
    """Refuse to let SQLite start a fresh catalog over an archive that holds documents."""
    path = root / "catalog.sqlite"
    try:
        head = _catalog_head(path)
    except FileNotFoundError:
        state = "missing"
    except OSError as exc:
        raise ArchiveDamaged(_("catalog.sqlite cannot be read ({error}): {restore} or fix its permissions").format(
            error=exc.strerror, restore=_(RESTORE))) from None
    else:
        if head and head != SQLITE_MAGIC:
            raise ArchiveDamaged(_("catalog.sqlite is not a SQLite database (damaged or replaced): {restore}").format(
                restore=_(RESTORE)))
        state = "empty" if not head else ""
    if state:
        files = archive_files(root)
        if files:
            raise ArchiveDamaged(_lost(_("catalog.sqlite is missing") if state == "missing" else
                                       _("catalog.sqlite is empty"), files))


def _lost(what: str, files: int) -> str:
    return _("{what} but the archive holds {files} files: {restore} or ask whoever keeps the "
             "archive's backups; docgen does not start a new catalog over existing documents").format(
        what=what, files=files, restore=_(RESTORE))


class Archive:
    """One archive root. Open it with ``Archive.open(root)``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = BlobStore(root)
        self.tmp = root / "tmp"
        try:
            self.catalog = Catalog(root / "catalog.sqlite")
        except sqlite3.DatabaseError as exc:
            raise ArchiveDamaged(_("catalog.sqlite is damaged ({error}): {restore}").format(
                error=exc, restore=_(RESTORE))) from None
        self.store.describe = self._describe_blob
        self._settings: Settings | None = None
        self._key: bytes | None = None
        self._indexes: dict[str, "SearchIndex"] = {}  # search_index() by engine: opened once per Archive

    @classmethod
    def open(cls, root: Path) -> Archive:
        """Open (or, in an empty folder, create) the archive at ``root``.

        A catalog that is missing, empty, unreadable or holds no documents beside
        existing blobs or readable copies stops the command, as does a missing or short
        key beside existing documents: a fresh catalog would issue BJ-2026-0001 again
        and overwrite its readable copy, and a fresh key would make every genuine
        scan's page code fail.
        """
        os.umask(UMASK)
        read_language(root)  # before anything can go wrong: the messages are in the company's language
        fresh = not root.exists() or not (root / "catalog.sqlite").exists()
        root.mkdir(parents=True, exist_ok=True)
        _check_catalog_file(root)
        if fresh:
            root.chmod(0o700)  # a new archive; an existing one's mode is verify's to report
        ensure_settings_file(root)
        readme = root / "README.md"
        if not readme.exists():
            readme.write_text(README, encoding="utf-8")
        (root / "tmp").mkdir(exist_ok=True)
        archive = cls(root)
        try:
            archive._check_documents()
            archive._check_key()
        except BaseException:
            archive.close()
            raise
        return archive

    def _check_documents(self) -> None:
        """A catalog without documents beside files only a commit leaves is a replaced one."""
        if self.catalog.has_documents():
            return
        if archive_files(self.root):
            # checked again under the write lock: a first command may be committing
            with self.catalog.write():
                files = archive_files(self.root)
                if files and not self.catalog.has_documents():
                    raise ArchiveDamaged(_lost(_("catalog.sqlite holds no documents"), files))

    def _check_key(self) -> None:
        path = self.root / "secret.key"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            documents = self.catalog.count_documents()
            if documents:
                raise ArchiveDamaged(
                    _("secret.key is missing but the archive holds {documents} documents: {restore}; "
                      "a new key would make every genuine scan's page code fail").format(
                        documents=documents, restore=_(RESTORE))
                ) from None
            self._make_key(path)
            return
        if size < KEY_BYTES:
            raise ArchiveDamaged(
                _("secret.key holds {size} bytes, fewer than the {need} a page-code key needs: {restore}").format(
                    size=size, need=KEY_BYTES, restore=_(RESTORE))
            )

    def _make_key(self, path: Path) -> None:
        tmp = self.tmp / f"secret.{uuid.uuid4().hex}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # never replaces a key another process made first
        except FileExistsError:
            pass
        tmp.unlink()

    def _describe_blob(self, sha: str) -> str:
        """What a blob is, for messages: 'HT-2026-0001 v3 scan'."""
        try:
            owner = self.catalog.blob_owner(sha)
        except sqlite3.Error:
            owner = None
        return owner or f"objects/{sha[:2]}/{sha}"

    def close(self) -> None:
        for index in self._indexes.values():
            index.close()
        self._indexes.clear()
        self.catalog.close()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.root)
            from docgen import clock

            clock.use_zone(self._settings.timezone)  # the times this process stores and shows
        return self._settings

    @property
    def key(self) -> bytes:
        """The page-code key in ``<root>/secret.key`` (made owner-only when the archive was)."""
        if self._key is None:
            path = self.root / "secret.key"
            try:
                key = path.read_bytes()
            except FileNotFoundError:
                raise ArchiveDamaged(_("secret.key is missing: {restore}").format(restore=_(RESTORE))) from None
            except OSError as exc:
                raise ArchiveDamaged(_("secret.key cannot be read ({error}): fix its permissions").format(
                    error=exc.strerror)) from None
            if len(key) < KEY_BYTES:
                raise ArchiveDamaged(
                    _("secret.key holds {size} bytes, fewer than the {need} a page-code key needs: {restore}").format(
                        size=len(key), need=KEY_BYTES, restore=_(RESTORE))
                )
            self._key = key
        return self._key

    def search_index(self, engine: str | None = None):  # type: ignore[no-untyped-def]
        """The full-text index (engine from docgen.toml unless named), kept open for the archive's
        later searches (it reopens its engine when a rebuild swapped the index folder)."""
        from docgen.archive.search import SearchIndex

        name = engine or self.settings.search_engine
        if name not in self._indexes:
            self._indexes[name] = SearchIndex(self.root, self.catalog, self.store, name, key=lambda: self.key,
                                              kinds=self.kinds)
        return self._indexes[name]

    @property
    def kinds(self):  # type: ignore[no-untyped-def]
        """The document kinds as data (``catalog.KindTable``), from the kinds' registry."""
        from docgen.kinds.registry import table

        return table()

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def view_path(self, number: str, version: int, ext: str) -> Path:
        return self.root / "documents" / number / f"{number}-v{version}.{ext}"

    def view_ext(self, role: str, sha: str) -> str:
        """The file extension of a readable copy: the role, or for a scan its format."""
        if role != "scan":
            return role
        from docgen.archive import scans

        with open(self.store.path(sha), "rb") as f:
            fmt = scans.sniff(f.read(16))
        return scans.FORMAT_EXT[fmt].lstrip(".") if fmt else "bin"

    def ensure_view(self, number: str, version: int, role: str, sha: str) -> Path:
        """A readable copy of a version's file; re-made from the blob when missing or changed."""
        # a scan's format is read from its blob; when that is gone, any identical copy serves
        exts = [self.view_ext(role, sha)] if role != "scan" or self.store.has(sha) else list(SCAN_EXTS)
        for ext in exts:
            path = self.view_path(number, version, ext)
            if path.is_file() and sha256_file(path) == sha:
                return path
        path = self.view_path(number, version, exts[0])
        data = self.store.get(sha)  # checked: a damaged blob is never copied out
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.chmod(tmp, 0o400)
        os.replace(tmp, path)
        return path

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """An exclusive ``flock`` on ``tmp/NAME.lock``, shared by every docgen process of
        this archive (released by the kernel if the process dies)."""
        self.tmp.mkdir(exist_ok=True)
        with open(self.tmp / f"{name}.lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    # intents --------------------------------------------------------------

    def work_dir(self, purpose: str) -> Path:
        """A fresh folder ``tmp/PURPOSE-PID-…`` for one command's work in progress; the pid in
        its name lets ``recover()`` remove the folders of commands that died, never a live one's."""
        self.tmp.mkdir(exist_ok=True)
        path = self.tmp / f"{purpose}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        path.mkdir(mode=0o700)
        return path

    @contextmanager
    def intent(self) -> Iterator[Intent]:
        """Blobs stored ahead of the transaction that will name them (see ``transaction``):
        the intent lists them until the block ends; a block that fails marks it dead."""
        intent = Intent(self.tmp)
        try:
            yield intent
        except BaseException:
            intent.abandon()
            raise
        intent.done()

    @contextmanager
    def transaction(self) -> Iterator[Intent]:
        """One catalog write transaction that may store blobs.

        Before storing blobs, the caller names them with ``intent.add(shas)``: the
        intent file lists them until the transaction has committed, so the blobs of
        a command killed before its commit are known as leftovers, not lost files.
        A transaction that fails leaves its intent marked dead, and ``recover()``
        removes the blobs no version came to name.
        """
        with self.intent() as intent, self.catalog.write():
            yield intent

    def pending_blobs(self) -> tuple[set[str], set[str]]:
        """Blobs named by intents: (of running commands, of commands that died)."""
        live: set[str] = set()
        dead: set[str] = set()
        for p in self.tmp.glob("intent-*.json"):
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            pid = int(data.get("pid", 0))
            (live if pid and _pid_alive(pid) else dead).update(data.get("blobs", []))
        return live, dead

    def _recover_work(self) -> None:
        """Numbers and work folders of commands that died: a number reserved by a dead
        process is recorded as unused (its document was never committed), and its
        ``tmp/render-PID-…`` / ``tmp/copy-PID-…`` folders are removed."""
        dead = [(n, pid) for n, pid in self.catalog.pending_reservations() if not _pid_alive(pid)]
        if dead:
            with self.catalog.write():
                for number, pid in dead:
                    self.catalog.settle_reservation(
                        number, "unused", f"the command that reserved it (pid {pid}) ended before committing"
                    )
        for folder in [*self.tmp.glob("render-*"), *self.tmp.glob("copy-*")]:
            parts = folder.name.split("-")
            pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0
            if pid and _pid_alive(pid):
                continue
            if not pid:  # named before folders carried their pid: only when surely abandoned
                try:
                    if time.time() - folder.stat().st_mtime < 86400:
                        continue
                except OSError:
                    continue
            shutil.rmtree(folder, ignore_errors=True)

    def recover(self) -> int:
        """Remove blobs and intents left by commands that died (or failed) before committing.

        Runs under the catalog's write lock. Writers store blobs before their commit
        transaction, each named first in an intent of a live process (skipped here), and
        check under the lock that their blobs still exist before they commit.
        """
        self._recover_work()
        intents = list(self.tmp.glob("intent-*.json"))
        if not intents:
            return 0
        removed = 0
        with self.catalog.write():
            referenced = {r[3] for r in self.catalog.all_files()}
            for p in intents:
                try:
                    data = json.loads(p.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    p.unlink(missing_ok=True)
                    continue
                pid = int(data.get("pid", 0))
                if pid and _pid_alive(pid):
                    continue
                for sha in data.get("blobs", []):
                    if sha not in referenced and self.store.has(sha):
                        self.store.path(sha).unlink()
                        removed += 1
                p.unlink(missing_ok=True)
            for p in self.tmp.glob("intent-*.part"):
                pid = int(p.name.split("-")[1]) if p.name.split("-")[1].isdigit() else 0
                if not (pid and _pid_alive(pid)):
                    p.unlink(missing_ok=True)
        return removed


@dataclass
class VerifyReport:
    """Findings of ``verify``: empty problem lists mean the archive is clean."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)
    leftovers: int = 0
    copies: list[str] = field(default_factory=list)
    repaired: int = 0
    restored: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)  # gaps in numbering, each explained

    @property
    def clean(self) -> bool:
        return not (self.missing or self.corrupt or self.orphaned or self.other or self.chain or self.modes)


SCAN_EXTS = ("pdf", "jpg", "png", "tif", "bin")
# folders that are not the archive's own: the scanner's drop folder and the departments'
UNCHECKED = ("inbox", "outbox")


def _views_of(archive: Archive, sha: str) -> list[Path]:
    """Readable copies that may hold a blob's bytes (for a scan, whatever its format)."""
    out = []
    for number, version, role in archive.catalog.files_with(sha):
        if role in ("docx", "pdf"):
            out.append(archive.view_path(number, version, role))
        elif role == "scan":
            out += [archive.view_path(number, version, ext) for ext in SCAN_EXTS]
    return out


def _restore_blob(archive: Archive, sha: str) -> Path | None:
    """Put a missing or damaged blob back from an identical readable copy, if one exists."""
    for view in _views_of(archive, sha):
        if view.is_file() and archive.store.restore(sha, view):
            return view
    return None


def wide_modes(archive: Archive) -> list[str]:
    """The archive's files and folders that others than its owner may read or enter."""
    found = []
    for dirpath, dirnames, filenames in os.walk(archive.root):
        here = Path(dirpath)
        if here == archive.root:
            dirnames[:] = [d for d in dirnames if d not in UNCHECKED]
        for name in [*dirnames, *filenames, *([""] if here == archive.root else [])]:
            path = here / name if name else here
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode) or not st.st_mode & 0o077:
                continue
            rel = path.relative_to(archive.root).as_posix() if name else _("the archive folder")
            folder = stat.S_ISDIR(st.st_mode)
            found.append(
                (_("mode: {path} is {mode}, readable by others than its owner "
                   "(chmod 700 it; the archive's folders are owner-only)") if folder else
                 _("mode: {path} is {mode}, readable by others than its owner "
                   "(chmod 600 it; the archive's files are owner-only)")).format(
                    path=rel, mode=f"{stat.S_IMODE(st.st_mode):04o}")
            )
    for dept in archive.settings.departments.values():
        found += _wide_outbox(archive, dept.key, dept.outbox, dept.mode)
    return found


def number_gaps(archive: Archive) -> tuple[list[str], list[str]]:
    """Every number handed out without a document: (explained by its unused reservation,
    unexplained). Numbers run 1..last per kind and year (the counters)."""
    cat = archive.catalog
    reserved = {r["number"]: r for r in cat.reservations()}
    documents: dict[str, set[str]] = {}
    for doc in cat.documents():
        documents.setdefault(doc.kind, set()).add(doc.number)
    expected: dict[str, dict[str, tuple[int, int]]] = {}
    for kind, year, last in cat.counters():
        if kind == "project":  # project codes are not a legal series; a skipped one is harmless
            continue
        try:
            numbers = {archive.settings.number(kind, year, seq): (year, seq) for seq in range(1, last + 1)}
        except KeyError:  # a kind docgen.toml no longer names
            continue
        expected.setdefault(kind, {}).update(numbers)
    explained, unexplained = [], []
    for kind, numbers in sorted(expected.items()):
        if documents.get(kind, set()) - numbers.keys():
            continue  # the number format changed since: older numbers cannot be told apart
        for number in sorted(numbers, key=lambda n: numbers[n]):
            if number in documents.get(kind, set()):
                continue
            row = reserved.get(number)
            if row is not None and row["state"] == "unused":
                explained.append(_("{number}: number unused ({reason}, {when})").format(
                    number=number, reason=row["reason"] or _("no reason recorded"), when=fmt_instant(row["created"])))
            elif row is not None and row["state"] == "pending":
                explained.append(_("{number}: number reserved by pid {pid}, not committed yet").format(
                    number=number, pid=row["pid"]))
            else:
                unexplained.append(_("{number}: the number was handed out but no document and no record "
                                     "of it going unused is in the catalog").format(number=number))
    return explained, unexplained
def _wide_outbox(archive: Archive, key: str, outbox: Path, mode: int) -> list[str]:
    """An outbox's folder and copies with more access than its [departments] mode gives."""
    if not outbox.is_dir():
        return []
    out = []
    for path, allowed in [(outbox, mode), *((p, mode & 0o666) for p in sorted(outbox.iterdir()))]:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or not stat.S_IMODE(st.st_mode) & ~allowed:
            continue
        rel = path.relative_to(archive.root) if path.is_relative_to(archive.root) else path
        out.append(
            _("mode: {path} is {mode}, wider than [departments.{key}] mode allows ({allowed})").format(
                path=rel.as_posix(), mode=f"{stat.S_IMODE(st.st_mode):04o}", key=key, allowed=f"{allowed:04o}")
        )
    return out


def verify(archive: Archive, repair: bool = False) -> VerifyReport:
    """Recompute every checksum, walk the chain; report missing, corrupt and orphaned files,
    a broken chain and files others may read.

    Readable copies under documents/ that are missing or differ from their blob are
    listed in ``copies`` (and re-made from the blob with ``repair``); with ``repair`` a
    missing or damaged blob is put back from an identical readable copy where one exists.
    """
    report = VerifyReport()
    integrity = archive.catalog.integrity()
    if integrity != "ok":
        report.other.append(_("catalog.sqlite: integrity check says {result}").format(result=integrity))
    report.chain = archive.catalog.check_chain()[0]
    report.unused, gaps = number_gaps(archive)
    report.other += gaps
    referenced: dict[str, str] = {}
    for number, version, role, sha, _size in archive.catalog.all_files():
        referenced.setdefault(sha, f"{number} v{version} {role}")
    live, dead = archive.pending_blobs()
    for sha, owner in sorted(referenced.items(), key=lambda kv: kv[1]):
        report.checked += 1
        path = archive.store.path(sha)
        state = "missing" if not path.is_file() else "corrupt" if sha256_file(path) != sha else ""
        if not state:
            continue
        rel = f"objects/{sha[:2]}/{sha}"
        source = _restore_blob(archive, sha) if repair else None
        if source is not None:
            report.restored.append(_("{what}: {path} restored from {source}").format(
                what=owner, path=rel, source=source.relative_to(archive.root)))
            continue
        hint = _(" (no identical readable copy to restore it from: restore it from a backup)") if repair else ""
        if state == "missing":
            report.missing.append(_("{what}: {path} is missing").format(what=owner, path=rel) + hint)
        else:
            report.corrupt.append(_("{what}: {path} does not match its checksum").format(what=owner, path=rel) + hint)
    for name, path in archive.store:
        if name in referenced:
            continue
        if name in live or name in dead or name.endswith(".tmp"):
            report.leftovers += 1
            continue
        report.orphaned.append(_("{path} belongs to no version").format(path=f"objects/{path.parent.name}/{name}"))
    for number, version, role, sha, _size in archive.catalog.all_files():
        if role not in ("docx", "pdf", "scan") or not archive.store.has(sha):
            continue
        view = archive.view_path(number, version, archive.view_ext(role, sha))
        state = "missing" if not view.is_file() else "changed" if sha256_file(view) != sha else ""
        if not state:
            continue
        rel = view.relative_to(archive.root)
        report.copies.append((_("{number} v{version} {role}: readable copy {path} is missing") if state == "missing"
                              else _("{number} v{version} {role}: readable copy {path} is changed")).format(
            number=number, version=version, role=role, path=rel))
        if repair and archive.store.has(sha) and sha256_file(archive.store.path(sha)) == sha:
            view.unlink(missing_ok=True) if state == "changed" else None
            archive.ensure_view(number, version, role, sha)
            report.repaired += 1
    report.modes = wide_modes(archive)
    return report
