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
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Protocol

from docgen.errors import ConversionError
from docgen.i18n import N_, gettext

HELPER = Path(__file__).with_name("uno_convert.py")
UNO_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")
INSTALL_COMMAND = "sudo apt-get install -y libreoffice-writer-nogui python3-uno"
INSTALL_HINT = N_("install it with: sudo apt-get install -y libreoffice-writer-nogui python3-uno")

log = logging.getLogger(__name__)


def user_cache() -> Path:
    """The user's cache of docgen (LibreOffice profiles, stamp fonts): ``$XDG_CACHE_HOME/docgen``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "docgen"


def env_number(name: str, default: float) -> float:
    """A positive number from the environment (a timeout for slow machines and for tests, a
    converter service's limit), else the default."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


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
        raise ConversionError(gettext("LibreOffice (soffice) is not installed; {hint}").format(hint=gettext(INSTALL_HINT)))
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
        with tempfile.TemporaryDirectory(prefix="docgen-lo-", ignore_cleanup_errors=True) as work:
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
            # a cold start and a conversion, with the warm converter's limits
            timeout = (
                env_number("DOCGEN_LO_START_TIMEOUT", WarmConverter.START_TIMEOUT)
                + env_number("DOCGEN_CONVERT_TIMEOUT", WarmConverter.CONVERT_TIMEOUT)
                + WarmConverter.CONVERT_SECONDS_PER_MB * docx.stat().st_size / 1_000_000
            )
            # its own process group, so that a hung soffice.bin is killed with its launcher
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            try:
                _, stderr = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                raise ConversionError(
                    gettext("LibreOffice could not convert {name}: no answer within {seconds} s").format(
                        name=docx.name, seconds=f"{timeout:.0f}")
                ) from None
            out = Path(work, docx.stem + ".pdf")
            if proc.returncode != 0 or not out.is_file():
                raise ConversionError(
                    gettext("LibreOffice could not convert {name}: {problem}").format(
                        name=docx.name, problem=stderr.decode(errors="replace").strip() or gettext("no PDF was written"))
                )
            shutil.move(out, pdf)
        return pdf_pages(pdf)

    def close(self) -> None:
        pass


class WarmConverter:
    """One LibreOffice for many documents, driven over UNO by a helper process.

    A LibreOffice that answers with an error (a bridge disposed by a dead office, a
    RuntimeException), crashes or hangs is never kept: the helper and its office are
    killed together (they run in their own process group) and the document is tried
    once more in a fresh one. Every wait is bounded: START_TIMEOUT seconds for
    LibreOffice to come up, and per document CONVERT_TIMEOUT seconds plus
    CONVERT_SECONDS_PER_MB for each megabyte of .docx (a 10,000-item quote, about
    2 MB, gets 1,320 s, more than twice what it needs on an idle machine).
    """

    START_TIMEOUT = 180.0
    CONVERT_TIMEOUT = 120.0
    CONVERT_SECONDS_PER_MB = 600.0

    def __init__(self, python: str) -> None:
        self.python = python
        self.soffice = find_soffice()
        self.proc: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()
        self._buffer = b""
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._profile_lock: IO[bytes] | None = None
        self._profile_path: str | None = None
        self.start_timeout = env_number("DOCGEN_LO_START_TIMEOUT", self.START_TIMEOUT)
        self.convert_timeout = env_number("DOCGEN_CONVERT_TIMEOUT", self.CONVERT_TIMEOUT)

    def _profile_dir(self) -> str:
        # A kept profile starts LibreOffice faster; one converter at a time may use it (a
        # flock is per open file, so two converters of one process, a pool's, never share one).
        if self._profile_path is not None:
            return self._profile_path
        cache = user_cache()
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
                self._profile_path = str(cache / f"lo-profile-{slot}")
                return self._profile_path
        except OSError:
            pass
        self._profile = tempfile.TemporaryDirectory(prefix="docgen-lo-", ignore_cleanup_errors=True)
        self._profile_path = self._profile.name
        return self._profile_path

    def _fresh_profile(self) -> None:
        """Forget a kept profile that LibreOffice could not start with (a killed office
        may leave it half-written); the next start makes a new one."""
        if self._profile_path is not None:
            shutil.rmtree(self._profile_path, ignore_errors=True)

    @property
    def pid(self) -> int | None:
        """The helper's pid, which is also its process group (LibreOffice runs in it)."""
        return self.proc.pid if self.proc is not None else None

    def _readline(self, timeout: float) -> str | None:
        """One line from the helper, or None when it ended or said nothing for ``timeout`` s."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode(errors="replace").strip()

    def _start(self) -> None:
        for attempt in (1, 2):
            self._buffer = b""
            self.proc = subprocess.Popen(
                [self.python, str(HELPER), self.soffice, self._profile_dir(), str(self.start_timeout)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, so soffice.bin is killed with it
            )
            first = self._readline(self.start_timeout + 10)
            if first == "ready":
                return
            self._kill()
            if attempt == 2:
                reason = (first or "").removeprefix("error ") or f"no answer within {self.start_timeout:g} s"
                raise ConversionError(
                    gettext("LibreOffice did not start: {reason}; on a slow machine raise DOCGEN_LO_START_TIMEOUT "
                            "(now {seconds} s), else reinstall it: {command}").format(
                        reason=reason, seconds=f"{self.start_timeout:g}", command=INSTALL_COMMAND)
                )
            self._fresh_profile()

    def _kill(self) -> None:
        """End the helper and its LibreOffice at once (a hung office ignores a polite stop)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        self.proc = None
        self._buffer = b""

    def _once(self, docx: Path, pdf: Path, timeout: float) -> tuple[int | None, str]:
        """(pages, "") on success, else (None, what went wrong); a failed helper is killed."""
        if self.proc is None or self.proc.poll() is not None:
            self._kill()
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(f"{docx.resolve()}\t{pdf.resolve()}\n".encode())
            self.proc.stdin.flush()
        except OSError:
            answer: str | None = None
        except BaseException:
            self._kill()
            raise
        else:
            try:
                answer = self._readline(timeout)
            except BaseException:  # interrupted (a signal): its late answer would be taken for the next
                self._kill()
                raise
        if answer is not None and answer.startswith("ok "):
            return int(answer[3:]), ""
        ended = self.proc.poll() is not None
        self._kill()
        if answer is None:
            return None, "LibreOffice ended during the conversion" if ended else (
                f"LibreOffice gave no answer within {timeout:.0f} s"
            )
        return None, answer.removeprefix("error ")

    def convert(self, docx: Path, pdf: Path) -> int:
        size_mb = docx.stat().st_size / 1_000_000
        timeout = self.convert_timeout + self.CONVERT_SECONDS_PER_MB * size_mb
        with self.lock:
            pages, problem = self._once(docx, pdf, timeout)
            if pages is None:
                log.warning("LibreOffice failed on %s (%s); retrying in a fresh one", docx.name, problem)
                pages, problem = self._once(docx, pdf, timeout)
            if pages is None:
                raise ConversionError(gettext("could not convert {name} to PDF: {problem}").format(
                    name=docx.name, problem=problem))
            return pages

    def close(self) -> None:
        with self.lock:
            if self.proc is not None:
                if self.proc.stdin:
                    try:
                        self.proc.stdin.close()
                    except OSError:
                        pass
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    pass
                self._kill()  # also ends an office the helper left behind
            if self._profile is not None:
                self._profile.cleanup()
                self._profile = None
            if self._profile_lock is not None:
                self._profile_lock.close()
                self._profile_lock = None
            # the slot is free for others now: a later conversion (a converter restarted after its
            # documents) takes a slot again, never the one it gave up without its lock
            self._profile_path = None


class _Shared:
    """Chooses at its first conversion, so a command that converts nothing (a review, an
    intake whose copies are kept) does not probe for python3-uno: the user's converter
    service (``render.service``: warm LibreOffices that outlive the command) where python3-uno
    exists, else a cold ``soffice`` per document. ``DOCGEN_CONVERTER=process`` keeps a warm
    LibreOffice of the command's own instead of the service."""

    def __init__(self) -> None:
        self._inner: Converter | None = None

    def convert(self, docx: Path, pdf: Path) -> int:
        if self._inner is None:
            from docgen.render import service

            python = find_uno_python()
            if service.wanted():
                self._inner = service.ServiceConverter()
            else:
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
