"""Several converters side by side, for callers in threads (the server).

A ``ConverterPool`` is a ``Converter``: each ``convert`` checks out an idle converter
(starting one, at most ``size`` in all), converts, and hands it back. Callers beyond
``size`` wait in a queue, first come first served, each at most ``wait_timeout``
seconds. A converter that failed (a ``ConversionError`` after its own retry) is closed
and its place goes to a fresh one; it is never handed out again.

Each ``WarmConverter`` runs its own LibreOffice with its own user profile (a kept slot
under ``~/.cache/docgen`` held by ``flock``, else a temporary one), so the converters of
a pool never share a profile, which LibreOffice would refuse.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from docgen.errors import ConfigError, ConversionError
from docgen.i18n import gettext
from docgen.render.pdf import ColdConverter, Converter, WarmConverter, env_number, find_uno_python

log = logging.getLogger(__name__)


def default_factory() -> Converter:
    """A warm converter where python3-uno exists, else a cold one (as ``shared_converter``)."""
    python = find_uno_python()
    return WarmConverter(python) if python else ColdConverter()


class _Waiter:
    """One caller in the queue; the pool hands it a converter, or a free place (None)."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.converter: Converter | None = None
        self.closed = False


class ConverterPool:
    """At most ``size`` converters, each used by one caller at a time.

    The wait for a converter is bounded like every wait of ``WarmConverter``: by
    ``wait_timeout`` seconds (``DOCGEN_POOL_TIMEOUT``, default WAIT_TIMEOUT, time for a
    queue of slow documents), after which the caller gets a ``ConversionError``. The
    conversion itself is bounded by the converter's own limits.
    """

    WAIT_TIMEOUT = 600.0

    def __init__(
        self,
        size: int,
        factory: Callable[[], Converter] = default_factory,
        wait_timeout: float | None = None,
    ) -> None:
        if size < 1:
            raise ConfigError(gettext("the number of converters must be at least 1, not {size}").format(size=size))
        self.size = size
        self.factory = factory
        self.wait_timeout = (
            wait_timeout if wait_timeout is not None else env_number("DOCGEN_POOL_TIMEOUT", self.WAIT_TIMEOUT)
        )
        self._lock = threading.Lock()
        self._idle: list[Converter] = []  # the most recently used last: it is checked out first
        self._busy: set[int] = set()  # id() of the converters checked out
        self._count = 0  # converters made and not yet closed (idle, busy, or being made)
        self._queue: collections.deque[_Waiter] = collections.deque()
        self._returned = threading.Condition(self._lock)
        self._closed = False

    @property
    def waiting(self) -> int:
        """How many callers wait for a converter."""
        with self._lock:
            return len(self._queue)

    @property
    def started(self) -> int:
        """How many converters the pool holds now (idle or in use)."""
        with self._lock:
            return self._count

    def _closed_error(self) -> ConversionError:
        return ConversionError(gettext("the PDF converters are shut down; no document can be converted now"))

    def _acquire(self) -> Converter:
        with self._lock:
            if self._closed:
                raise self._closed_error()
            if self._idle and not self._queue:
                converter = self._idle.pop()
                self._busy.add(id(converter))
                return converter
            if self._count < self.size and not self._queue:
                self._count += 1
                make = True
            else:
                make = False
                waiter = _Waiter()
                self._queue.append(waiter)
        if not make:
            try:
                served = waiter.ready.wait(self.wait_timeout)
            except BaseException:  # interrupted (Ctrl-C): leave the queue, or pass on what came
                self._leave(waiter)
                raise
            if not served:
                with self._lock:
                    if not waiter.ready.is_set():  # not served meanwhile: leave the queue
                        self._queue.remove(waiter)
                        raise ConversionError(
                            gettext("no PDF converter was free within {seconds} s (all {size} busy); "
                                    "raise DOCGEN_POOL_TIMEOUT or the number of converters").format(
                                seconds=f"{self.wait_timeout:g}", size=self.size)
                        )
            if waiter.closed:
                raise self._closed_error()
            if waiter.converter is not None:
                return waiter.converter
            # handed a free place: make a converter in it (the count already holds it)
        try:
            converter = self.factory()
        except BaseException:
            self._give_back(None)
            raise
        with self._lock:
            self._busy.add(id(converter))
        return converter

    def _leave(self, waiter: _Waiter) -> None:
        """A caller that stops waiting: out of the queue, or, if it was served meanwhile,
        what it was handed goes to the next."""
        with self._lock:
            if not waiter.ready.is_set():
                self._queue.remove(waiter)
                return
        if not waiter.closed:
            self._give_back(waiter.converter)

    def _give_back(self, converter: Converter | None) -> None:
        """Return a converter (or, with None, a place whose converter is gone) to the pool:
        to the first caller in the queue, else to the idle ones. A pool closed meanwhile
        closes what comes back."""
        close = False
        with self._lock:
            if converter is not None:
                self._busy.discard(id(converter))
            if self._closed:
                if converter is not None:
                    close = True
                self._count -= 1
            elif self._queue:
                waiter = self._queue.popleft()
                waiter.converter = converter
                if converter is not None:
                    self._busy.add(id(converter))
                waiter.ready.set()
            elif converter is not None:
                self._idle.append(converter)
            else:
                self._count -= 1
            self._returned.notify_all()
        if close and converter is not None:
            self._close_one(converter)

    def _close_one(self, converter: Converter) -> None:
        try:
            converter.close()
        except Exception:  # closing must go on with the others
            log.exception("closing a PDF converter failed")

    @contextlib.contextmanager
    def checkout(self) -> Iterator[Converter]:
        """One converter for the block's conversions, held by this caller alone.

        A ``ConversionError`` out of the block closes that converter; its place goes
        to a fresh one. Do not check out a second one in the same thread while holding
        one from a pool of one: it would wait for itself until ``wait_timeout``.
        """
        converter = self._acquire()
        try:
            yield converter
        except ConversionError:
            log.warning("a PDF converter failed; it is closed and its place goes to a fresh one")
            self._close_one(converter)
            with self._lock:
                self._busy.discard(id(converter))
            self._give_back(None)
            raise
        except BaseException:
            self._give_back(converter)
            raise
        self._give_back(converter)

    def convert(self, docx: Path, pdf: Path) -> int:
        with self.checkout() as converter:
            return converter.convert(docx, pdf)

    def close(self) -> None:
        """Close every converter. Callers still waiting get a ``ConversionError``;
        conversions under way finish first (each within its converter's limits), then
        their converters are closed too. Closing again does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            while self._queue:
                waiter = self._queue.popleft()
                waiter.closed = True
                waiter.ready.set()
        for converter in idle:
            self._close_one(converter)
        with self._lock:
            # the converters checked out are closed as they come back (_give_back)
            while self._count > 0:
                self._returned.wait()
        log.debug("PDF converter pool closed")


_shared: ConverterPool | None = None
_shared_lock = threading.Lock()


def shared_pool(size: int) -> ConverterPool:
    """The process's pool of ``size`` converters (the server's ``[server] converters``),
    made at the first call and closed at exit. A pool closed before is made anew."""
    global _shared
    with _shared_lock:
        if _shared is not None and _shared._closed:
            _shared = None
        if _shared is None:
            _shared = ConverterPool(size)
            atexit.register(_shared.close)
        elif _shared.size != size:
            raise ConfigError(
                gettext("this process already has a pool of {started} PDF converters, not {size}").format(
                    started=_shared.size, size=size)
            )
        return _shared
