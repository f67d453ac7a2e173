"""PDF through LibreOffice, the one module that knows how it is called.

A batch converts in one warm LibreOffice: the first conversion of a process
starts ``uno_convert.py`` under a system Python that has the ``uno`` module
(Debian's python3-uno), and every later conversion of the process reuses it.
Where no such Python exists, each document falls back to a cold
``soffice --convert-to pdf`` call.
"""

from __future__ import annotations

import atexit
import fcntl
import functools
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO, Protocol

from docgen.errors import ConversionError

HELPER = Path(__file__).with_name("uno_convert.py")
UNO_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
INSTALL_HINT = "install it with: sudo apt-get install -y libreoffice-writer-nogui python3-uno"


class Converter(Protocol):
    def convert(self, docx: Path, pdf: Path) -> int:
        """Write ``pdf`` from ``docx``; return the number of pages."""
        ...

    def close(self) -> None: ...


@functools.cache
def find_soffice() -> str:
    found = os.environ.get("DOCGEN_SOFFICE") or shutil.which("soffice") or shutil.which(
        "libreoffice"
    )
    if not found:
        raise ConversionError(f"LibreOffice (soffice) is not installed; {INSTALL_HINT}")
    return found


@functools.cache
def find_uno_python() -> str | None:
    """A Python interpreter that can ``import uno``, or None."""
    candidates = [os.environ.get("DOCGEN_UNO_PYTHON", "")] + list(UNO_PYTHONS)
    for exe in candidates:
        if exe and os.access(exe, os.X_OK):
            ok = subprocess.run(
                [exe, "-c", "import uno"], capture_output=True, timeout=30
            ).returncode == 0
            if ok:
                return exe
    return None


def pdf_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


class ColdConverter:
    """One ``soffice --convert-to pdf`` process per document (about 1.3 s each)."""

    def __init__(self) -> None:
        self.soffice = find_soffice()

    def convert(self, docx: Path, pdf: Path) -> int:
        with tempfile.TemporaryDirectory(prefix="docgen-lo-") as work:
            profile = Path(work, "profile")
            cmd = [
                self.soffice,
                "--headless",
                "--norestore",
                f"-env:UserInstallation={profile.as_uri()}",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                work,
                str(docx),
            ]
            run = subprocess.run(cmd, capture_output=True, timeout=300)
            out = Path(work, docx.stem + ".pdf")
            if run.returncode != 0 or not out.is_file():
                raise ConversionError(
                    f"LibreOffice could not convert {docx.name}: "
                    + (run.stderr.decode(errors="replace").strip() or "no PDF was written")
                )
            shutil.move(out, pdf)
        return pdf_pages(pdf)

    def close(self) -> None:
        pass


class WarmConverter:
    """One LibreOffice for many documents, driven over UNO by a helper process."""

    def __init__(self, python: str) -> None:
        self.python = python
        self.soffice = find_soffice()
        self.proc: subprocess.Popen[str] | None = None
        self.lock = threading.Lock()
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._profile_lock: IO[bytes] | None = None

    def _profile_dir(self) -> str:
        # A kept profile starts LibreOffice faster; one process at a time may use it.
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "docgen"
        try:
            cache.mkdir(parents=True, exist_ok=True)
            for slot in range(4):
                lock = open(cache / f"lo-profile-{slot}.lock", "wb")
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    lock.close()
                    continue
                self._profile_lock = lock
                return str(cache / f"lo-profile-{slot}")
        except OSError:
            pass
        self._profile = tempfile.TemporaryDirectory(prefix="docgen-lo-")
        return self._profile.name

    def _start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [self.python, str(HELPER), self.soffice, self._profile_dir()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        if first != "ready":
            proc.kill()
            raise ConversionError(f"LibreOffice did not start ({first or 'no answer'})")
        return proc

    def convert(self, docx: Path, pdf: Path) -> int:
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._start()
            assert self.proc.stdin is not None and self.proc.stdout is not None
            try:
                self.proc.stdin.write(f"{docx.resolve()}\t{pdf.resolve()}\n")
                self.proc.stdin.flush()
                answer = self.proc.stdout.readline().strip()
            except BrokenPipeError:
                answer = ""
            if answer.startswith("ok "):
                return int(answer[3:])
            if not answer:
                self.proc = None
                answer = "error LibreOffice stopped"
            raise ConversionError(f"could not convert {docx.name} to PDF: {answer[6:]}")

    def close(self) -> None:
        with self.lock:
            if self.proc is not None:
                if self.proc.stdin:
                    self.proc.stdin.close()
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                self.proc = None
            if self._profile is not None:
                self._profile.cleanup()
                self._profile = None
            if self._profile_lock is not None:
                self._profile_lock.close()
                self._profile_lock = None


class _Shared:
    """Chooses warm or cold at its first conversion, so a command that converts nothing
    (a review, an intake whose copies are kept) does not probe for python3-uno."""

    def __init__(self) -> None:
        self._inner: Converter | None = None

    def convert(self, docx: Path, pdf: Path) -> int:
        if self._inner is None:
            python = find_uno_python()
            self._inner = WarmConverter(python) if python else ColdConverter()
        return self._inner.convert(docx, pdf)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


_shared: _Shared | None = None


def shared_converter() -> Converter:
    """The process-wide converter: warm where possible, closed at exit."""
    global _shared
    if _shared is None:
        _shared = _Shared()
        atexit.register(_shared.close)
    return _shared
