"""Named points where a test may kill docgen, to prove a crash there loses nothing.

``DOCGEN_FAILPOINT=intake:stored`` makes the process kill itself (SIGKILL, as
``kill -9`` would) when it reaches that point. Unset, a failpoint costs one
environment lookup.
"""

from __future__ import annotations

import os
import signal


def hit(name: str) -> None:
    if os.environ.get("DOCGEN_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
