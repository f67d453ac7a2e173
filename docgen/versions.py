"""Comparing the versions of a document."""

from __future__ import annotations

import difflib

from docgen.archive.core import Archive
from docgen.errors import NotFound
from docgen.i18n import gettext


def version_text(archive: Archive, number: str, version: int) -> str:
    from docgen.generate import document

    doc = document(archive, number)
    for v in archive.catalog.versions(doc.number):
        if v.version == version:
            f = v.file("text")
            if f is None:
                raise NotFound(gettext("{number} v{version} has no text").format(number=doc.number, version=version))
            return archive.store.get(f.sha256).decode()
    raise NotFound(gettext("{number} has no version {version}; see `docgen show {number}`").format(
        number=doc.number, version=version))


def text_diff(archive: Archive, number: str, a: int, b: int) -> list[str]:
    """A unified diff of the text of two versions (empty when the texts are equal)."""
    old = version_text(archive, number, a).splitlines()
    new = version_text(archive, number, b).splitlines()
    n = number.upper()
    return list(difflib.unified_diff(old, new, f"{n} v{a}", f"{n} v{b}", lineterm="", n=1))
