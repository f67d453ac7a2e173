"""Reading a scan in a child process, under a time and a memory limit.

Decoding pixels is where a hostile or broken file does harm: a 150-frame TIFF that
needs gigabytes, a page that keeps the decoder busy for minutes. ``Reader`` runs
``scans.read(data, fmt)`` in a persistent worker process (``python -m docgen.reader``)
and returns whatever it returns. The worker limits itself with ``setrlimit``: its
address space to what its libraries took at start-up plus ``memory_mb``, its CPU time
per file to ``seconds_per_page`` times the file's pages (counted first, under one
page's budget). Past the memory limit an allocation fails (MemoryError) or the worker
dies; past the CPU limit the kernel stops it (SIGXCPU). The parent also gives up
waiting after four times the CPU budget plus 30 s of wall time (a worker stuck
without using CPU) and kills it. Either way the caller gets ``LimitHit`` naming the
limit, and the next file gets a fresh worker. The watcher itself never decodes.

One worker serves file after file (Python and the imaging libraries load once, about
a second); it is replaced after ``RECYCLE`` files so memory its allocator kept from
earlier files never counts against a later one.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

RECYCLE = 200
HEADER = struct.Struct(">Q")
START_SECONDS = 120.0  # the worker's own start (imports) on a busy machine


@dataclass(frozen=True)
class Limits:
    seconds_per_page: float
    memory_mb: int


class LimitHit(Exception):
    """Reading a file went past a limit or killed the worker. ``limit`` says which, in
    words for the reason file; ``setting`` is the docgen.toml setting that sets it."""

    def __init__(self, limit: str, setting: str) -> None:
        super().__init__(limit)
        self.limit, self.setting = limit, setting


def gettext(message: str) -> str:
    """docgen.i18n's, imported only where a message is made: the worker process stays as lean
    as it was, since its memory limit is measured from what it has loaded."""
    from docgen.i18n import gettext as translate

    return translate(message)


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return gettext("signal {code}").format(code=code)


class Reader:
    """``read(data, fmt)``: ``scans.read`` run in the worker, under ``limits``."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._proc: subprocess.Popen[bytes] | None = None
        self._buf = b""
        self._jobs = 0

    # the worker's life --------------------------------------------------

    def start(self) -> None:
        """Start the worker now (it loads its libraries while the caller does other work)."""
        if self._proc is not None and self._proc.poll() is None:
            return
        env = {
            **os.environ,
            # one thread each: every thread's stack and malloc arena counts against RLIMIT_AS
            "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
            "MALLOC_ARENA_MAX": "2",
        }
        debug = os.environ.get("DOCGEN_DEBUG") == "1"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "docgen.reader", str(self.limits.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None if debug else subprocess.DEVNULL, env=env,
        )
        self._buf = b""
        self._jobs = 0
        self._ready = False

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                f.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # one file -----------------------------------------------------------

    def read(self, data: bytes, fmt: str) -> Any:
        """What ``scans.read(data, fmt)`` returns; its ``Unreadable`` is raised as such.
        ``LimitHit`` when the file went past a limit (the worker is replaced)."""
        if self._jobs >= RECYCLE:
            self.close()
        self.start()
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        try:
            if not self._ready:
                self._expect("ready", time.monotonic() + START_SECONDS)
                self._ready = True
            self._jobs += 1
            payload = pickle.dumps((data, fmt, self.limits.seconds_per_page), protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.write(HEADER.pack(len(payload)) + payload)
            proc.stdin.flush()
            budget = self.limits.seconds_per_page
            pages = self._expect("pages", time.monotonic() + self._wall(budget))
            result = self._expect("done", time.monotonic() + self._wall(budget * max(1, pages)))
        except LimitHit:
            self.close()
            raise
        except (BrokenPipeError, EOFError, OSError):
            raise self._died() from None
        kind, value = result
        if kind == "memory":
            self.close()
            raise LimitHit(gettext("the {mb} MB memory limit").format(mb=self.limits.memory_mb), "[intake] max_memory_mb")
        if kind == "unreadable":
            raise value
        return value

    @staticmethod
    def _wall(cpu_seconds: float) -> float:
        return 4 * cpu_seconds + 30

    def _expect(self, tag: str, deadline: float) -> Any:
        got, value = self._receive(deadline)
        if got != tag:
            raise self._died()
        return value

    def _receive(self, deadline: float) -> tuple[str, Any]:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        fd = proc.stdout.fileno()
        while True:
            if len(self._buf) >= HEADER.size:
                (size,) = HEADER.unpack_from(self._buf)
                if len(self._buf) >= HEADER.size + size:
                    frame = self._buf[HEADER.size:HEADER.size + size]
                    self._buf = self._buf[HEADER.size + size:]
                    message: tuple[str, Any] = pickle.loads(frame)
                    return message
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise LimitHit(
                    gettext("the time limit of {seconds} s a page (no answer within {wall} s a page of waiting)")
                    .format(seconds=f"{self.limits.seconds_per_page:g}",
                            wall=f"{self._wall(self.limits.seconds_per_page):g}"),
                    "[intake] max_seconds_per_page",
                )
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise EOFError
                self._buf += chunk

    def _died(self) -> LimitHit:
        proc = self._proc
        code = proc.wait() if proc is not None else 0
        self.close()
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            return LimitHit(
                gettext("the time limit of {seconds} s of processor time a page").format(
                    seconds=f"{self.limits.seconds_per_page:g}"),
                "[intake] max_seconds_per_page",
            )
        how = _signal_name(-code) if code < 0 else gettext("exit code {code}").format(code=code)
        return LimitHit(
            gettext("the {mb} MB memory limit (the reader stopped with {how})").format(
                mb=self.limits.memory_mb, how=how),
            "[intake] max_memory_mb",
        )


class Attempts:
    """How often each file (by its SHA-256) was handed to a reader without a result:
    a small JSON file, replaced atomically and synced before the reader sees the file,
    so a watcher killed while the reader chews on it still counts that attempt."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def get(self, sha: str) -> dict[str, Any]:
        return self._load().get(sha) or {"count": 0}

    def begin(self, sha: str, path: Path) -> int:
        """Count one more attempt at the file; the number of this attempt."""
        data = self._load()
        entry = data.setdefault(sha, {"count": 0})
        entry["count"] = int(entry.get("count", 0)) + 1
        entry["path"] = str(path)
        self._save(data)
        return int(entry["count"])

    def hit(self, sha: str, hit: LimitHit) -> None:
        data = self._load()
        if sha in data:
            data[sha].update(limit=hit.limit, setting=hit.setting)
            self._save(data)

    def forget(self, sha: str) -> None:
        data = self._load()
        if data.pop(sha, None) is not None:
            self._save(data)

    def paths(self) -> set[Path]:
        """The files with attempts on record (the watcher takes them after the others)."""
        return {Path(e["path"]) for e in self._load().values() if isinstance(e, dict) and "path" in e}


# the worker ----------------------------------------------------------------


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_budget(seconds: float) -> None:
    """SIGXCPU once this process has used ``seconds`` more of processor time. Only the soft
    limit moves: a hard limit once lowered could not be raised again for the next file."""
    soft = int(_cpu_used() + seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.getrlimit(resource.RLIMIT_CPU)[1]))


def _pages(data: bytes, fmt: str) -> int:
    """The file's page count, cheaply (no pixels decoded); 1 where it cannot be told."""
    import io

    try:
        if fmt == "pdf":
            from pypdf import PdfReader

            return max(1, len(PdfReader(io.BytesIO(data), strict=False).pages))
        if fmt == "tiff":
            from PIL import Image

            return max(1, int(getattr(Image.open(io.BytesIO(data)), "n_frames", 1)))
    except Exception:
        pass
    return 1


def _send(out: BinaryIO, tag: str, value: Any) -> None:
    payload = pickle.dumps((tag, value), protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(payload)) + payload)
    out.flush()


def _recv(inp: BinaryIO) -> Any:
    head = inp.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    (size,) = HEADER.unpack(head)
    return pickle.loads(inp.read(size))


def _die_with_parent() -> None:
    """Linux: the kernel kills the worker when the watcher dies (kill -9 included)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def worker(memory_mb: int) -> None:
    _die_with_parent()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a library that prints cannot corrupt the frames
    inp = os.fdopen(os.dup(0), "rb")
    from docgen.archive import scans

    for module in ("pypdf", "PIL.Image", "PIL.TiffImagePlugin", "pypdfium2", "zxingcpp"):
        __import__(module)  # loaded before the limit is set: the limit is for the file's pixels
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    limit = _address_space() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    _send(out, "ready", os.getpid())
    while True:
        job = _recv(inp)
        if job is None:
            return
        data, fmt, seconds = job
        try:
            _cpu_budget(seconds)
            pages = _pages(data, fmt)
            _send(out, "pages", pages)
            _cpu_budget(seconds * pages)
            try:
                result: tuple[str, Any] = ("ok", scans.read(data, fmt))
            except scans.Unreadable as exc:
                # scans.read words a MemoryError as an unreadable file: here it is the limit
                failed = exc.__context__
                result = ("memory", None) if isinstance(failed, MemoryError) else ("unreadable", exc)
            del data, job
            _send(out, "done", result)
            resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.getrlimit(resource.RLIMIT_CPU)[1]))
            if result[0] == "memory":
                return  # what a failed allocation left behind is not trusted with the next file
        except MemoryError:
            _send(out, "done", ("memory", None))
            return


if __name__ == "__main__":
    worker(int(sys.argv[1]))
