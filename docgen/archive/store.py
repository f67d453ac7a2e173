"""Immutable blobs named by their SHA-256 under ``<root>/objects/ab/abcdef…``.

A blob is written to a temporary file in its final folder, fsynced, then renamed
into place, and the folder is fsynced: after ``put`` returns, the bytes survive
a crash. Existing blobs are never rewritten.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from docgen.errors import BlobDamaged
from docgen.i18n import gettext


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` survive a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """Content-addressed files; the catalog says which version owns which blob."""

    def __init__(self, root: Path) -> None:
        self.root = root / "objects"
        # names a blob in messages ("HT-2026-0001 v3 scan"); the archive sets it from the catalog
        self.describe: Callable[[str], str] = lambda sha: f"objects/{sha[:2]}/{sha}"

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def has(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put(self, data: bytes) -> str:
        """Store bytes durably; return their SHA-256."""
        sha = sha256_bytes(data)
        dest = self.path(sha)
        if dest.is_file() and dest.stat().st_size == len(data):
            return sha
        self._write(dest, data)
        return sha

    def restore(self, sha: str, source: Path) -> bool:
        """Put back a missing or damaged blob from a file whose checksum proves it the same;
        False (and nothing changed) when it is not."""
        data = source.read_bytes()
        if sha256_bytes(data) != sha:
            return False
        self._write(self.path(sha), data)
        return True

    @staticmethod
    def _write(dest: Path, data: bytes) -> None:
        """Bytes into ``dest`` durably: a temporary file, fsync, read-only, rename, fsync the folder."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.parent / f".{dest.name}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o400)
        os.replace(tmp, dest)
        fsync_dir(dest.parent)

    def get(self, sha: str) -> bytes:
        """A blob's bytes, checked against its name: a damaged blob is never served."""
        try:
            data = self.path(sha).read_bytes()
        except FileNotFoundError:
            raise BlobDamaged(
                gettext("{what}: the archived file is missing ({path}); "
                        "run docgen verify --repair or restore it from a backup").format(
                    what=self.describe(sha), path=f"objects/{sha[:2]}/{sha}")
            ) from None
        if sha256_bytes(data) != sha:
            raise BlobDamaged(
                gettext("{what}: the archived file is damaged (checksum mismatch); "
                        "run docgen verify --repair or restore it from a backup").format(what=self.describe(sha))
            )
        return data

    def __iter__(self) -> Iterator[tuple[str, Path]]:
        """Every file under objects/ as (name, path), temporaries included."""
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if sub.is_dir():
                for p in sorted(sub.iterdir()):
                    yield p.name, p
