"""Files that came over the network (a data file, its photos, scans): checked names, a private
folder of the archive's, and removed when the operation is done.

A name sent by a browser or a script is a name, never a path: one with a folder in it
(``../``, ``\\``), a control character (NUL), a leading dot or more than 200 bytes is
refused with a line saying so, before anything is written.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from docgen.errors import InputError
from docgen.i18n import _

if TYPE_CHECKING:
    from docgen.archive.core import Archive

MAX_FILES = 200  # in one request
MAX_NAME_BYTES = 200


@dataclass(frozen=True)
class Sent:
    """One file as it came: the name the sender gave it, and its bytes."""

    name: str
    data: bytes


def plain_name(name: str) -> str:
    """``name`` if it is a plain file name; InputError saying what to change otherwise."""
    shown = repr(name[:60])
    bad = (
        not name.strip() or name in (".", "..") or name.startswith(".") or "/" in name or "\\" in name
        or any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name)
        or len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES
    )
    if bad:
        raise InputError(_("the file name {name} is not a plain file name (no folder, no control character, "
                           "not hidden, at most {n} bytes); rename the file and send it again").format(
                               name=shown, n=MAX_NAME_BYTES))
    return name


@contextmanager
def received(archive: Archive, files: Sequence[Sent], purpose: str = "upload") -> Iterator[list[Path]]:
    """The files written, owner-only, into a fresh folder under the archive's tmp/; the folder
    and whatever is left in it are removed afterwards, whatever happened."""
    if len(files) > MAX_FILES:
        raise InputError(_("{n} files in one request; send at most {max}").format(n=len(files), max=MAX_FILES))
    names = [plain_name(f.name) for f in files]
    folded = [n.casefold() for n in names]
    for n in folded:
        if folded.count(n) > 1:
            raise InputError(_("two files are named {name}; give each file its own name").format(
                name=repr(names[folded.index(n)])))
    work = archive.work_dir(purpose)
    try:
        paths = []
        for name, f in zip(names, files):
            path = work / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(f.data)
            paths.append(path)
        yield paths
    finally:
        shutil.rmtree(work, ignore_errors=True)
