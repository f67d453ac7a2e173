"""The converter service: warm LibreOffices shared by every docgen command and server of a user.

A command's first conversion connects to the service's socket; when none answers, it starts
the service (``python -m docgen.render.service``, detached in a session of its own) and
connects again. The service keeps a pool of warm converters (``render.pool``), converts what
its callers send, restarts a LibreOffice after ``restart_after`` documents or when its
processes hold more than ``max_memory_mb``, and ends after ``idle`` seconds without a request.
So no command starts LibreOffice once it runs, nor waits for it to shut down.

One service per configuration: the socket's name is a digest of what decides how documents
are converted (the Python, LibreOffice and uno Python found, the timeouts), so a command run
with another LibreOffice (``DOCGEN_SOFFICE``) never gets the answer of the usual one.

The protocol, one JSON object per line each way, any number of requests per connection::

    -> {"docx": "/abs/a.docx", "pdf": "/abs/a.pdf"}     <- {"pages": 3} or {"error": "one line"}
    -> {"status": true}                                  <- {"pid": …, "converted": …, "restarts": …}
    -> {"stop": true}                                    <- {"stopping": true}

The socket lives in an owner-only folder (``DOCGEN_CONVERTER_DIR``, else
``$XDG_RUNTIME_DIR/docgen``, else ``~/.cache/docgen/run``), and the service answers only
processes of its own user (``SO_PEERCRED``).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docgen.errors import ConversionError
from docgen.i18n import gettext
from docgen.render.pdf import env_number, user_cache

log = logging.getLogger(__name__)

IDLE_SECONDS = 900.0  # DOCGEN_CONVERTER_IDLE: the service ends after this long without a request
RESTART_AFTER = 200  # DOCGEN_CONVERTER_RESTART_AFTER: documents per LibreOffice before a fresh one
MAX_MEMORY_MB = 1024  # DOCGEN_CONVERTER_MAX_MB: a LibreOffice holding more is replaced after its document
START_SECONDS = 60.0  # how long a command waits for a service it started to listen
MAX_LINE = 64 * 1024


SOCKET_NAME_ROOM = 26  # "convert-" + 12 hex digits + ".sock", and a margin
MAX_SOCKET_PATH = 100  # a Unix socket's path holds at most 107 bytes


def runtime_dir() -> Path:
    """The owner-only folder of the service's socket, its start lock and its log. Where that
    folder's path is too long for a socket, ``/tmp/docgen-UID`` (made by this user, or refused)."""
    explicit = os.environ.get("DOCGEN_CONVERTER_DIR")
    if explicit:
        folder = Path(explicit)
    elif os.environ.get("XDG_RUNTIME_DIR") and Path(os.environ["XDG_RUNTIME_DIR"]).is_dir():
        folder = Path(os.environ["XDG_RUNTIME_DIR"]) / "docgen"
    else:
        folder = user_cache() / "run"
    if len(os.fsencode(folder)) + SOCKET_NAME_ROOM > MAX_SOCKET_PATH:
        import tempfile

        folder = Path(tempfile.gettempdir()) / f"docgen-{os.getuid()}"
    return _own_folder(folder)


def _own_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    st = folder.lstat()  # a link put in its place (in /tmp) is not followed
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise ConversionError(gettext("{path} is not a folder of this user's own (a link, or another user's); "
                                      "the converter service needs one: set DOCGEN_CONVERTER_DIR").format(path=folder))
    if stat.S_IMODE(st.st_mode) & 0o077:
        folder.chmod(0o700)
    return folder


def configuration() -> dict[str, Any]:
    """What decides how a document is converted: one service serves one such configuration."""
    from docgen import i18n
    from docgen.render.pdf import find_soffice, find_uno_python

    return {
        "language": i18n.active(),  # the language of the service's messages
        "python": sys.executable,
        "soffice": find_soffice(),
        "uno": find_uno_python(),
        "timeouts": [os.environ.get(n, "") for n in ("DOCGEN_LO_START_TIMEOUT", "DOCGEN_CONVERT_TIMEOUT")],
        "docgen": str(Path(__file__).resolve().parents[1]),  # the code the service runs
    }


def socket_path() -> Path:
    digest = hashlib.sha256(json.dumps(configuration(), sort_keys=True).encode()).hexdigest()[:12]
    return runtime_dir() / f"convert-{digest}.sock"


# the service ------------------------------------------------------------------------------------


def _group_memory_mb(group: int) -> float:
    """Resident memory of the processes of a process group (a converter's helper and its office)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:
                continue
            total += int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total / (1024 * 1024)


class Recycled:
    """A warm converter that gets a fresh LibreOffice after ``after`` documents, or after a
    document that left its processes holding more than ``max_mb`` (LibreOffice's memory grows
    over long runs). The old one is closed in the background: the caller has its answer."""

    def __init__(self, inner: Any, after: int, max_mb: float, counts: dict[str, int]) -> None:
        self.inner = inner
        self.after = after
        self.max_mb = max_mb
        self.done = 0
        self.counts = counts

    def convert(self, docx: Path, pdf: Path) -> int:
        pages = self.inner.convert(docx, pdf)
        self.done += 1
        self.counts["converted"] += 1
        group = getattr(self.inner, "pid", None)
        if self.done >= self.after or (group is not None and _group_memory_mb(group) > self.max_mb):
            self.done = 0
            self.counts["restarts"] += 1
            threading.Thread(target=self.inner.close, daemon=True).start()  # the next convert waits for it
        return pages

    def close(self) -> None:
        self.inner.close()


class Service:
    def __init__(self, path: Path, size: int, idle: float, after: int, max_mb: float) -> None:
        from docgen.render.pool import ConverterPool, default_factory

        self.path = path
        self.idle = idle
        self.counts = {"converted": 0, "restarts": 0}
        self.pool = ConverterPool(size, factory=lambda: Recycled(default_factory(), after, max_mb, self.counts))
        self.size = size
        self.busy = 0
        self.last = time.monotonic()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        fresh = self.path.with_name(f".{os.getpid() % 100_000:05d}.sock")  # never longer than the socket's name
        fresh.unlink(missing_ok=True)
        listener.bind(str(fresh))
        os.chmod(fresh, 0o600)
        listener.listen(64)
        os.replace(fresh, self.path)  # in place at once: a caller connects to a listening socket or none
        mine = self.path.stat().st_ino
        listener.settimeout(0.5)
        log.info("listening on %s (pid %d, %d converters)", self.path, os.getpid(), self.size)
        try:
            while not self.stopping.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    with self.lock:
                        if not self.busy and time.monotonic() - self.last > self.idle:
                            log.info("idle for %.0f s: ending", self.idle)
                            break
                    continue
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()
        finally:
            with contextlib.suppress(OSError):
                if self.path.stat().st_ino == mine:
                    self.path.unlink()
            listener.close()
            self.pool.close()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                 struct.calcsize("3i")))
            if uid != os.getuid():
                log.warning("refused a caller of user %d (pid %d)", uid, pid)
                return
            reader = conn.makefile("rb")
            while True:
                line = reader.readline(MAX_LINE + 1)
                if not line:
                    return
                try:
                    answer = self._answer(line)
                except Exception as exc:  # noqa: BLE001 - every failure is an answer, never a dead service
                    answer = {"error": f"{type(exc).__name__}: {exc}"}
                try:
                    conn.sendall(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
                except OSError:
                    return
                if answer.get("stopping"):
                    return

    def _answer(self, line: bytes) -> dict[str, Any]:
        if len(line) > MAX_LINE or not line.endswith(b"\n"):
            return {"error": "request too long"}
        request = json.loads(line)
        if not isinstance(request, dict):
            return {"error": "a request is a JSON object"}
        if request.get("status"):
            return {"pid": os.getpid(), "converters": self.size, **self.counts}
        if request.get("stop"):
            self.stopping.set()
            return {"stopping": True}
        docx, pdf = request.get("docx"), request.get("pdf")
        if not (isinstance(docx, str) and isinstance(pdf, str) and os.path.isabs(docx) and os.path.isabs(pdf)):
            return {"error": "docx and pdf are absolute paths"}
        with self.lock:
            self.busy += 1
        try:
            return {"pages": self.pool.convert(Path(docx), Path(pdf))}
        except ConversionError as exc:
            return {"error": str(exc)}
        finally:
            with self.lock:
                self.busy -= 1
                self.last = time.monotonic()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m docgen.render.service", description="docgen's converter service")
    ap.add_argument("socket", type=Path)
    ap.add_argument("--converters", type=int, default=2)
    args = ap.parse_args(argv)
    os.umask(0o077)  # what LibreOffice writes (PDFs, its profile) is its user's alone, whoever started it
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s [{os.getpid()}] %(message)s")
    service = Service(args.socket, max(1, min(args.converters, 16)),
                      env_number("DOCGEN_CONVERTER_IDLE", IDLE_SECONDS),
                      int(env_number("DOCGEN_CONVERTER_RESTART_AFTER", RESTART_AFTER)),
                      env_number("DOCGEN_CONVERTER_MAX_MB", MAX_MEMORY_MB))
    signal.signal(signal.SIGTERM, lambda *_: service.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: service.stopping.set())
    service.run()
    return 0


# the callers' side ------------------------------------------------------------------------------


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")

    def ask(self, request: dict[str, Any], timeout: float | None) -> dict[str, Any] | None:
        """The service's answer, or None when it ended the connection (it went idle, or died)."""
        self.sock.settimeout(timeout)
        self.sock.sendall(json.dumps(request, ensure_ascii=False).encode() + b"\n")
        line = self.reader.readline(MAX_LINE + 1)
        if not line:
            return None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.reader.close()
            self.sock.close()


def _connect(path: Path) -> _Connection | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    return _Connection(sock)


@contextlib.contextmanager
def _start_lock(folder: Path) -> Iterator[None]:
    with open(folder / "convert.lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _start(path: Path, converters: int) -> _Connection:
    """Connect to the service, starting it first when none listens (one starter at a time)."""
    folder = path.parent
    with _start_lock(folder):
        found = _connect(path)
        if found is not None:
            return found
        path.unlink(missing_ok=True)  # a service that died left its socket
        log_file = open(folder / "convert.log", "ab")  # noqa: SIM115 - handed to the service
        with log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "docgen.render.service", str(path), "--converters", str(converters)],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, cwd=folder, close_fds=True,
                start_new_session=True,  # not in the command's process group: Ctrl-C ends the command only
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            found = _connect(path)
            if found is not None:
                return found
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        raise ConversionError(gettext("the converter service did not start; see {log}").format(
            log=folder / "convert.log"))


class ServiceConverter:
    """A ``Converter`` that has the user's converter service convert (starting it when needed).

    Thread-safe: each conversion in progress has a connection of its own, kept for the next.
    The service is chosen at each conversion (``socket_path``), so a process whose language or
    LibreOffice changed meanwhile reaches the service of its configuration now."""

    def __init__(self, converters: int = 2) -> None:
        self.converters = converters
        self._idle: dict[Path, list[_Connection]] = {}
        self._lock = threading.Lock()

    def _connection(self, path: Path) -> _Connection:
        with self._lock:
            if self._idle.get(path):
                return self._idle[path].pop()
        return _connect(path) or _start(path, self.converters)

    def ask(self, request: dict[str, Any], timeout: float | None) -> dict[str, Any]:
        path = socket_path()
        for attempt in range(3):  # a kept connection to a service that ended, one that is ending, a fresh one
            if attempt == 2:
                time.sleep(0.2)  # a killed service's threads may still hold its socket a moment
            conn = self._connection(path)
            try:
                answer = conn.ask(request, timeout)
            except TimeoutError:
                conn.close()
                raise ConversionError(gettext("the converter service gave no answer within {seconds} s").format(
                    seconds=f"{timeout:.0f}")) from None
            except (OSError, ValueError):
                answer = None
            if answer is None:  # the service ended (idle, or killed): a fresh one takes the request
                conn.close()
                continue
            with self._lock:
                self._idle.setdefault(path, []).append(conn)
            return answer
        raise ConversionError(gettext("the converter service ended during a request; see {log}").format(
            log=path.parent / "convert.log"))

    def convert(self, docx: Path, pdf: Path) -> int:
        from docgen.render.pdf import WarmConverter

        size_mb = docx.stat().st_size / 1_000_000
        # the service's own limits (a start, two tries of a conversion), and a margin
        timeout = (env_number("DOCGEN_LO_START_TIMEOUT", WarmConverter.START_TIMEOUT) * 2
                   + 2 * (env_number("DOCGEN_CONVERT_TIMEOUT", WarmConverter.CONVERT_TIMEOUT)
                          + WarmConverter.CONVERT_SECONDS_PER_MB * size_mb) + 30)
        answer = self.ask({"docx": str(docx.resolve()), "pdf": str(pdf.resolve())}, timeout)
        if "pages" in answer:
            return int(answer["pages"])
        raise ConversionError(str(answer.get("error") or "no answer"))

    def status(self) -> dict[str, Any]:
        """The service's pid, its converters, documents converted and LibreOffices restarted."""
        return self.ask({"status": True}, 30)

    def close(self) -> None:
        """Close this caller's connections; the service goes on for the next command."""
        with self._lock:
            idle, self._idle = [c for cs in self._idle.values() for c in cs], {}
        for conn in idle:
            conn.close()


def wanted() -> bool:
    """Whether conversions go to the service: where python3-uno exists, unless
    ``DOCGEN_CONVERTER=process`` keeps them in the caller's own LibreOffice."""
    from docgen.render.pdf import find_uno_python

    return find_uno_python() is not None and os.environ.get("DOCGEN_CONVERTER") != "process"


def server_converter(converters: int) -> Any:
    """The server's converter: the user's converter service with ``converters`` warm
    LibreOffices where python3-uno exists (``DOCGEN_CONVERTER=process``: a pool of the
    server process's own), else a pool of cold ones."""
    from docgen.render.pool import shared_pool

    if wanted():
        return ServiceConverter(converters)
    return shared_pool(converters)


def _ask_running(path: Path, request: dict[str, Any]) -> dict[str, Any] | None:
    """One request to the service at ``path``, or None when none runs there; never starts one."""
    conn = _connect(path)
    if conn is None:
        return None
    try:
        return conn.ask(request, 30)
    except OSError:
        return None
    finally:
        conn.close()


def running_status(path: Path | None = None) -> dict[str, Any] | None:
    """The status of the service (of this configuration, or at ``path``), or None when none runs."""
    path = path or socket_path()
    answer = _ask_running(path, {"status": True})
    return {**answer, "socket": str(path)} if answer else None


def stop_service(path: Path | None = None) -> bool:
    """Ask the service (of this configuration, or at ``path``) to end; False when none runs."""
    return bool((_ask_running(path or socket_path(), {"stop": True}) or {}).get("stopping"))


if __name__ == "__main__":
    sys.exit(main())
