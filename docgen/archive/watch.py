"""Watching the inbox: hand each completely written file to a handler, once.

Completeness: on Linux, inotify's close-after-write event (or a rename into the
inbox) says the writer is done; with ``poll`` (network shares, where inotify
sees nothing) a file is done when its size and modification time are the same
on two checks ``settle`` seconds apart. Either way a file whose size and time
have not changed for ``settle`` seconds counts as done, so a writer whose close
was never announced is not waited for forever.

The inbox is listed at start-up (what was dropped while no watcher ran) and
every ``rescan`` seconds (what no event announced). Hidden and temporary files
(``.part``, ``~$…``, ``.DS_Store``, ``Thumbs.db``) are left alone. The handler
says whether it is done with a file or wants it again once it changes or has
settled (a PDF still being written, say), or wants it again after every other
file (one whose read went past a limit).
"""

from __future__ import annotations

import queue
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen.i18n import _

TEMPORARY_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", ".lock")
SYSTEM_FILES = {".ds_store", "thumbs.db", "desktop.ini", "icon\r"}
DONE, AGAIN, LATER = "done", "again", "later"


def _error_line(message: str) -> str:
    """A watcher line about a problem: the same word and column as the intake's own lines."""
    from docgen.intake import result_word
    from docgen.table import pad

    return f"{pad(result_word('error'), 11)} {message}"


def ignored(path: Path, root: Path | None = None) -> bool:
    """Hidden, temporary and system files, which are never taken in, and the files in
    hidden or system folders under ``root`` (``.snapshot``, ``@eaDir``, ``#recycle``)."""
    name = path.name
    lower = name.lower()
    if root is not None and path.is_relative_to(root):
        if any(part.startswith((".", "@", "#", "$")) for part in path.relative_to(root).parts[:-1]):
            return True
    return (
        name.startswith((".", "~$", "~"))
        or lower.endswith(TEMPORARY_SUFFIXES)
        or lower in SYSTEM_FILES
        or lower.endswith(".reason.txt")
    )


@dataclass
class _Seen:
    size: int
    mtime: float
    since: float  # when size and mtime were last seen to change
    closed: bool = False  # a close-after-write or a rename was announced since the last change


class Watcher:
    """Calls ``handle(path)`` for every file that is completely written into ``inbox``.

    ``handle`` returns DONE or AGAIN; it runs in the thread that calls ``run``.
    ``say`` receives the watcher's own messages (start, rescans, handler errors).
    ``idle`` is called when no file is ready, for work that may wait (so a burst of
    scans is filed first).
    """

    def __init__(
        self,
        inbox: Path,
        handle: Callable[[Path], str],
        *,
        poll: float | None = None,
        settle: float = 5.0,
        rescan: float = 60.0,
        say: Callable[[str], None] = print,
        idle: Callable[[], None] | None = None,
    ) -> None:
        self.inbox = inbox
        self.handle = handle
        self.poll = poll
        self.settle = poll if poll else settle
        self.rescan = rescan
        self.say = say
        self.idle = idle
        self.stop = threading.Event()
        self._events: queue.Queue[tuple[str, Path]] = queue.Queue()
        self._seen: dict[Path, _Seen] = {}
        # files the handler put off (a read past a limit): taken after every other ready file
        self.later: set[Path] = set()

    @property
    def mode(self) -> str:
        return _("polling every {seconds} s").format(seconds=f"{self.poll:g}") if self.poll else "inotify"

    def _observer(self) -> Any:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        events = self._events

        class Handler(FileSystemEventHandler):  # type: ignore[misc]
            def on_any_event(self, event: Any) -> None:
                if event.is_directory:
                    return
                kind = event.event_type
                if kind == "closed":
                    events.put(("closed", Path(event.src_path)))
                elif kind == "moved":
                    events.put(("closed", Path(event.dest_path)))
                elif kind in ("created", "modified"):
                    events.put(("changed", Path(event.src_path)))

        observer = PollingObserver(timeout=self.poll) if self.poll else Observer()
        observer.schedule(Handler(), str(self.inbox), recursive=True)
        return observer

    def _note(self, path: Path, closed: bool) -> None:
        if not path.is_relative_to(self.inbox) or ignored(path, self.inbox):
            return
        try:
            st = path.lstat()  # a link is handed on as itself (to be refused), never followed
        except OSError:
            self._seen.pop(path, None)
            return
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
            return
        now = time.monotonic()
        old = self._seen.get(path)
        if old is None or (old.size, old.mtime) != (st.st_size, st.st_mtime):
            # a file already there at start-up counts from its own modification time
            age = max(0.0, time.time() - st.st_mtime) if old is None else 0.0
            self._seen[path] = _Seen(st.st_size, st.st_mtime, now - age, closed)
        elif closed:
            old.closed = True

    def scan_inbox(self) -> None:
        """List the inbox: every file not known yet becomes a candidate."""
        try:
            paths = sorted(self.inbox.rglob("*"))
        except OSError as exc:  # a network share gone away: say so, and try again later
            self.say(_error_line(_("cannot list {inbox}: {error}; listed again in {seconds} s").format(
                inbox=self.inbox, error=exc, seconds=f"{self.rescan:g}")))
            return
        for path in paths:
            if path not in self._seen and (path.is_symlink() or path.is_file()) and not ignored(path, self.inbox):
                self._note(path, closed=False)

    def _ready(self) -> list[Path]:
        now = time.monotonic()
        ready = []
        for path, seen in list(self._seen.items()):
            try:
                st = path.lstat()
            except OSError:
                del self._seen[path]
                continue
            if (st.st_size, st.st_mtime) != (seen.size, seen.mtime):
                self._seen[path] = _Seen(st.st_size, st.st_mtime, now)
                continue
            if seen.closed or now - seen.since >= self.settle:
                ready.append(path)
        return sorted(ready, key=lambda p: (p in self.later, self._seen[p].mtime, p.name))

    def run_once(self) -> int:
        """Handle every file that is ready now; the number handled."""
        handled = 0
        for path in self._ready():
            if self.stop.is_set():
                break
            try:
                result = self.handle(path)
            except Exception as exc:  # one bad file must not stop the watcher
                self.say(_error_line(_("{name}: {error}: {detail}; tried again at the next rescan").format(
                    name=path.name, error=type(exc).__name__, detail=exc)))
                result = DONE
            seen = self._seen.get(path)
            if result in (AGAIN, LATER) and seen is not None:
                seen.closed, seen.since = False, time.monotonic()
            else:
                self._seen.pop(path, None)
            if result == LATER:
                self.later.add(path)
            else:
                self.later.discard(path)
            handled += 1
        return handled

    def run(self) -> None:
        """Watch until ``stop`` is set."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.inbox = self.inbox.resolve()
        observer = self._observer()
        observer.start()
        self.say(_("watching {inbox} ({mode}, listed again every {seconds} s); Ctrl-C stops").format(
            inbox=self.inbox, mode=self.mode, seconds=f"{self.rescan:g}"))
        try:
            self.scan_inbox()
            last_scan = time.monotonic()
            tick = min(0.25, self.poll or 0.25)
            while not self.stop.is_set():
                try:
                    kind, path = self._events.get(timeout=tick)
                    self._note(path, closed=kind == "closed")
                    while True:
                        kind, path = self._events.get_nowait()
                        self._note(path, closed=kind == "closed")
                except queue.Empty:
                    pass
                if time.monotonic() - last_scan >= self.rescan:
                    self.scan_inbox()
                    last_scan = time.monotonic()
                if not self.run_once() and self.idle is not None and self._events.empty():
                    self.idle()  # follow-up work (index, copies) waits until no file is ready
        finally:
            observer.stop()
            observer.join(timeout=5)
