"""PDFium (pypdfium2) may be called by one thread of a process at a time, whatever the
document: its state is global, and two threads in it crash or corrupt the process
(pypdfium2's documentation, "Incompatibility with Threading"). Every use of it in docgen
holds LOCK: the server makes copies and checks scans in threads of one process."""

from __future__ import annotations

import threading

LOCK = threading.RLock()
