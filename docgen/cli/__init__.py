"""The docgen command line: the administrator's tool on the archive's own machine.

Each command parses its arguments, calls one function of the service (docgen.service),
and prints what it returns. The commands live in modules by group; importing this
package registers them all on ``main``.

Heavy libraries (docxtpl, pydantic, LibreOffice) load only inside the commands
that need them, so ``docgen --help`` stays fast.
"""

from docgen.cli.base import Failure, main
from docgen.cli import accounts, admin, converter, copies, documents, scans, search, serve, sheets  # noqa: F401  (each registers its commands)

__all__ = ["Failure", "main"]
