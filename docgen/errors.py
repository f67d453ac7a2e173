"""One error family. Every message is one line that says what to fix."""

from __future__ import annotations


class DocgenError(Exception):
    """A problem the user can fix; shown as one line, exit code 1."""


class InputError(DocgenError):
    """The input file is malformed or its data is invalid."""


class NotFound(DocgenError):
    """A document, version, project or file that was named does not exist."""


class Misused(DocgenError):
    """Arguments that do not go together (a usage error on the command line, 400 over HTTP)."""


class Forbidden(DocgenError):
    """The acting account's role or department does not allow it; the refusal is recorded."""


class StateError(DocgenError):
    """The operation is not allowed in the document's current status."""


class TemplateError(DocgenError):
    """A template is missing, unreadable or refers to data that does not exist."""


class ConversionError(DocgenError):
    """The PDF could not be produced (LibreOffice missing or failing)."""


class ConfigError(DocgenError):
    """docgen.toml holds a value that cannot be used."""


class ArchiveDamaged(DocgenError):
    """The catalog or the key is missing or unusable beside existing documents."""


class BlobDamaged(DocgenError):
    """An archived file is missing or fails its checksum; it is never served."""


class IndexDamaged(DocgenError):
    """The search index cannot be read; `docgen reindex` rebuilds it from the catalog."""
