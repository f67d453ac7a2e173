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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from docgen.archive.catalog import Catalog
from docgen.archive.store import BlobStore, sha256_file
from docgen.config import Settings, ensure_settings_file, load_settings

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


class Archive:
    """One archive root. Open it with ``Archive.open(root)``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = BlobStore(root)
        self.tmp = root / "tmp"
        self.catalog = Catalog(root / "catalog.sqlite")
        self._settings: Settings | None = None
        self._key: bytes | None = None

    @classmethod
    def open(cls, root: Path) -> Archive:
        root.mkdir(parents=True, exist_ok=True)
        ensure_settings_file(root)
        readme = root / "README.md"
        if not readme.exists():
            readme.write_text(README, encoding="utf-8")
        (root / "tmp").mkdir(exist_ok=True)
        return cls(root)

    def close(self) -> None:
        self.catalog.close()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.root)
        return self._settings

    @property
    def key(self) -> bytes:
        """The page-code key in ``<root>/secret.key``, created owner-only on first use."""
        if self._key is None:
            path = self.root / "secret.key"
            if not path.exists():
                tmp = self.tmp / f"secret.{uuid.uuid4().hex}"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(secrets.token_bytes(32))
                    f.flush()
                    os.fsync(f.fileno())
                try:
                    os.link(tmp, path)  # never replaces a key another process made first
                except FileExistsError:
                    pass
                tmp.unlink()
            self._key = path.read_bytes()
        return self._key

    def search_index(self, engine: str | None = None):  # type: ignore[no-untyped-def]
        """The full-text index (engine from docgen.toml unless named)."""
        from docgen.archive.search import SearchIndex

        return SearchIndex(self.root, self.catalog, self.store, engine or self.settings.search_engine,
                           key=lambda: self.key)

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
        with open(self.store.path(sha), "rb") as f:
            head = f.read(16)
        for magic, ext in ((b"%PDF-", "pdf"), (b"\xff\xd8\xff", "jpg"), (b"\x89PNG", "png")):
            if head.startswith(magic):
                return ext
        return "tif" if head[:4] in (b"II*\x00", b"MM\x00*") else "bin"

    def ensure_view(self, number: str, version: int, role: str, sha: str) -> Path:
        """A readable copy of a version's file; re-made from the blob when missing or changed."""
        path = self.view_path(number, version, self.view_ext(role, sha))
        if path.is_file() and sha256_file(path) == sha:
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(self.store.get(sha))
        os.chmod(tmp, 0o444)
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

    @contextmanager
    def transaction(self) -> Iterator[Intent]:
        """One catalog write transaction that may store blobs.

        Before storing blobs, the caller names them with ``intent.add(shas)``: the
        intent file lists them until the transaction has committed, so the blobs of
        a command killed before its commit are known as leftovers, not lost files.
        A transaction that fails leaves its intent marked dead, and ``recover()``
        removes the blobs no version came to name.
        """
        intent = Intent(self.tmp)
        try:
            with self.catalog.write():
                yield intent
        except BaseException:
            intent.abandon()
            raise
        intent.done()

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

    def recover(self) -> int:
        """Remove blobs and intents left by commands that died (or failed) before committing.

        Runs under the catalog's write lock: writers store blobs under that lock too,
        so none can be counting on a blob removed here.
        """
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
    leftovers: int = 0
    copies: list[str] = field(default_factory=list)
    repaired: int = 0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.corrupt or self.orphaned or self.other)


def verify(archive: Archive, repair: bool = False) -> VerifyReport:
    """Recompute every checksum; report missing, corrupt and orphaned files.

    Readable copies under documents/ that are missing or differ from their blob are
    listed in ``copies`` (and re-made from the blob with ``repair``).
    """
    report = VerifyReport()
    integrity = archive.catalog.integrity()
    if integrity != "ok":
        report.other.append(f"catalog.sqlite: integrity check says {integrity}")
    referenced: dict[str, str] = {}
    for number, version, role, sha, size in archive.catalog.all_files():
        referenced.setdefault(sha, f"{number} v{version} {role}")
    live, dead = archive.pending_blobs()
    for sha, owner in sorted(referenced.items(), key=lambda kv: kv[1]):
        report.checked += 1
        path = archive.store.path(sha)
        if not path.is_file():
            report.missing.append(f"{owner}: objects/{sha[:2]}/{sha} is missing")
        elif sha256_file(path) != sha:
            report.corrupt.append(f"{owner}: objects/{sha[:2]}/{sha} does not match its checksum")
    for name, path in archive.store:
        if name in referenced:
            continue
        if name in live or name in dead or name.endswith(".tmp"):
            report.leftovers += 1
            continue
        report.orphaned.append(f"objects/{path.parent.name}/{name} belongs to no version")
    for number, version, role, sha, _size in archive.catalog.all_files():
        if role not in ("docx", "pdf", "scan") or not archive.store.has(sha):
            continue
        view = archive.view_path(number, version, archive.view_ext(role, sha))
        state = "missing" if not view.is_file() else "changed" if sha256_file(view) != sha else ""
        if not state:
            continue
        rel = view.relative_to(archive.root)
        report.copies.append(f"{number} v{version} {role}: readable copy {rel} is {state}")
        if repair and archive.store.has(sha) and sha256_file(archive.store.path(sha)) == sha:
            view.unlink(missing_ok=True) if state == "changed" else None
            archive.ensure_view(number, version, role, sha)
            report.repaired += 1
    return report
