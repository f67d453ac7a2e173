"""Named points where a test may kill or hold docgen, to prove a crash there loses nothing
and that other commands go on meanwhile.

``DOCGEN_FAILPOINT=intake:stored`` makes the process kill itself (SIGKILL, as
``kill -9`` would) when it reaches that point. ``DOCGEN_FAILPOINT=convert:hold`` with
``DOCGEN_FAILPOINT_FILE=PATH`` holds the process there instead: it creates PATH, then
waits (at most ten minutes) until PATH is removed, as a very long conversion would.
Unset, a failpoint costs one environment lookup.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

HOLD_LIMIT = 600.0


def hit(name: str) -> None:
    point = os.environ.get("DOCGEN_FAILPOINT")
    if point == name:
        os.kill(os.getpid(), signal.SIGKILL)
    elif point == f"{name}:hold":
        flag = Path(os.environ["DOCGEN_FAILPOINT_FILE"])
        flag.write_text(str(os.getpid()))
        deadline = time.monotonic() + HOLD_LIMIT
        while flag.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
