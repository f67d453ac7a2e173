"""The pool of converters: callers in threads convert side by side, at most `size` at once.

The tests with LibreOffice make two callers hold their converters at the same moment (a
barrier inside the converter), then stop one LibreOffice and show the other converts
meanwhile, so nothing depends on how fast this machine is. The queue, the replacement of
a failed converter and closing are shown with stand-in converters that wait on events.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_until
from pypdf import PdfReader
from test_conversion import processes, soffice_of, wait_gone

from docgen.errors import ConfigError, ConversionError
from docgen.render import pool as pool_module
from docgen.render.pdf import WarmConverter, find_uno_python
from docgen.render.pool import ConverterPool, shared_pool


@pytest.fixture
def uno_python() -> str:
    python = find_uno_python()
    assert python, "python3-uno is installed on the test machine"
    return python


class Together(WarmConverter):
    """A warm converter that, while `barrier` is set, waits for the other caller before converting."""

    barrier: threading.Barrier | None = None

    def convert(self, docx: Path, pdf: Path) -> int:
        if Together.barrier is not None:
            Together.barrier.wait()
        return super().convert(docx, pdf)


@pytest.fixture
def warm_pool(uno_python: str) -> Iterator[tuple[ConverterPool, list[Together]]]:
    made: list[Together] = []

    def factory() -> Together:
        made.append(Together(uno_python))
        return made[-1]

    p = ConverterPool(2, factory=factory)
    yield p, made
    Together.barrier = None
    p.close()


def convert_together(p: ConverterPool, docx: Path, outs: list[Path]) -> None:
    """Two callers, each converting only once both hold a converter (a pool that made the
    second wait for the first would break the barrier)."""
    Together.barrier = threading.Barrier(2, timeout=120)
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            for pages in ex.map(lambda out: p.convert(docx, out), outs):
                assert pages == 1
    finally:
        Together.barrier = None


def test_two_documents_convert_side_by_side_in_two_libreoffices(
    warm_pool: tuple[ConverterPool, list[Together]], docx: Path, tmp_path: Path
) -> None:
    p, made = warm_pool
    convert_together(p, docx, [tmp_path / "a.pdf", tmp_path / "b.pdf"])
    assert len(made) == 2 and p.started == 2
    offices = [soffice_of(c) for c in made]
    assert offices[0] != offices[1]
    assert made[0]._profile_dir() != made[1]._profile_dir()

    # one LibreOffice stopped mid-way: the other caller's document is converted meanwhile
    os.kill(offices[0], signal.SIGSTOP)
    try:
        Together.barrier = threading.Barrier(2, timeout=120)
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            futures = {ex.submit(p.convert, docx, tmp_path / f"{n}.pdf"): n for n in ("c", "d")}
            done, pending = concurrent.futures.wait(futures, timeout=300,
                                                    return_when=concurrent.futures.FIRST_COMPLETED)
            assert len(done) == 1 and len(pending) == 1
            (first,) = done
            assert first.result() == 1
            assert len(PdfReader(tmp_path / f"{futures[first]}.pdf").pages) == 1
            os.kill(offices[0], signal.SIGCONT)
            (second,) = pending
            assert second.result(timeout=300) == 1
    finally:
        os.kill(offices[0], signal.SIGCONT)
    # both came through their own LibreOffice: none was replaced
    assert [soffice_of(c) for c in made] == offices and len(made) == 2


def test_close_ends_every_libreoffice_of_the_pool(
    warm_pool: tuple[ConverterPool, list[Together]], docx: Path, tmp_path: Path
) -> None:
    p, made = warm_pool
    convert_together(p, docx, [tmp_path / "a.pdf", tmp_path / "b.pdf"])
    helpers = [c.pid for c in made]
    offices = [soffice_of(c) for c in made]
    assert None not in helpers
    p.close()
    for pid in helpers + offices:
        wait_gone(pid)
    assert [pid for pid, (_, _, group) in processes().items() if group in helpers] == []
    p.close()  # again: nothing to do
    with pytest.raises(ConversionError, match="converters are shut down"):
        p.convert(docx, tmp_path / "late.pdf")
    assert p.started == 0


def test_the_process_pool_is_closed_at_exit(docx: Path, tmp_path: Path, uno_python: str) -> None:
    script = tmp_path / "server.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "from docgen.render.pool import shared_pool\n"
        "p = shared_pool(2)\n"
        "with p.checkout() as a, p.checkout() as b:\n"
        "    a.convert(Path(sys.argv[1]), Path(sys.argv[2], 'a.pdf'))\n"
        "    b.convert(Path(sys.argv[1]), Path(sys.argv[2], 'b.pdf'))\n"
        "    print(a.pid, b.pid, flush=True)\n",
        encoding="utf-8",
    )
    r = subprocess.run([sys.executable, str(script), str(docx), str(tmp_path)], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    helpers = [int(pid) for pid in r.stdout.split()]
    assert len(set(helpers)) == 2
    assert (tmp_path / "a.pdf").is_file() and (tmp_path / "b.pdf").is_file()
    for pid in helpers:
        wait_gone(pid)
    deadline = time.monotonic() + 60
    while [pid for pid, (_, _, group) in processes().items() if group in helpers]:
        assert time.monotonic() < deadline, "a LibreOffice of the pool outlived its process"
        time.sleep(0.1)


def test_each_warm_converter_of_a_process_has_its_own_profile(
    uno_python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    converters = [WarmConverter(uno_python) for _ in range(6)]  # more than the 4 kept slots
    try:
        profiles = [c._profile_dir() for c in converters]
        assert len(set(profiles)) == 6
        assert sum(str(tmp_path / "cache") in prof for prof in profiles) == 4
    finally:
        for c in converters:
            c.close()
    # a closed converter frees its slot for the next one
    again = WarmConverter(uno_python)
    try:
        assert again._profile_dir() == profiles[0]
    finally:
        again.close()


# --- the queue, with stand-in converters -------------------------------------------------


class Fake:
    """A converter that records what it did; it waits on `gate` and fails when told to."""

    def __init__(self, n: int, shared: Shared) -> None:
        self.n, self.shared, self.closed = n, shared, 0

    def convert(self, docx: Path, pdf: Path) -> int:
        s = self.shared
        with s.lock:
            assert not self.closed, "a closed converter was handed out"
            s.entered.append((self.n, pdf.name))
            s.running += 1
            s.most = max(s.most, s.running)
        try:
            assert s.gates.get(pdf.name, s.open).wait(60)
            if self.n in s.failing:
                raise ConversionError("could not convert one.docx to PDF: LibreOffice ended")
            pdf.write_bytes(b"%PDF-1.4")
            return 1
        finally:
            with s.lock:
                s.running -= 1

    def close(self) -> None:
        self.closed += 1


class Shared:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.made: list[Fake] = []
        self.entered: list[tuple[int, str]] = []
        self.running = self.most = 0
        self.failing: set[int] = set()
        self.open = threading.Event()
        self.open.set()
        self.gates: dict[str, threading.Event] = {}

    def factory(self) -> Fake:
        self.made.append(Fake(len(self.made), self))
        return self.made[-1]

    def gate(self, name: str) -> threading.Event:
        self.gates[name] = threading.Event()
        return self.gates[name]


@pytest.fixture
def fakes() -> Shared:
    return Shared()


@pytest.fixture
def threads() -> Iterator[concurrent.futures.ThreadPoolExecutor]:
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        yield ex


def test_a_pool_of_one_converts_one_document_at_a_time(
    fakes: Shared, threads: concurrent.futures.ThreadPoolExecutor, tmp_path: Path, docx: Path
) -> None:
    p = ConverterPool(1, factory=fakes.factory)
    gate = fakes.gate("1.pdf")
    first = threads.submit(p.convert, docx, tmp_path / "1.pdf")
    wait_until(lambda: len(fakes.entered) == 1)
    second = threads.submit(p.convert, docx, tmp_path / "2.pdf")
    wait_until(lambda: p.waiting == 1)
    assert fakes.entered == [(0, "1.pdf")]  # the second waits, it does not convert
    gate.set()
    assert first.result(60) == 1 and second.result(60) == 1
    assert fakes.entered == [(0, "1.pdf"), (0, "2.pdf")]
    assert fakes.most == 1 and len(fakes.made) == 1
    p.close()


def test_a_third_caller_on_a_pool_of_two_waits_then_gets_one(
    fakes: Shared, threads: concurrent.futures.ThreadPoolExecutor, tmp_path: Path, docx: Path
) -> None:
    p = ConverterPool(2, factory=fakes.factory)
    gates = [fakes.gate("1.pdf"), fakes.gate("2.pdf")]
    running = [threads.submit(p.convert, docx, tmp_path / f"{n}.pdf") for n in (1, 2)]
    wait_until(lambda: fakes.running == 2)
    assert fakes.most == 2 and len(fakes.made) == 2  # two at once, each in its own converter
    third = threads.submit(p.convert, docx, tmp_path / "3.pdf")
    wait_until(lambda: p.waiting == 1)
    assert len(fakes.entered) == 2 and not third.done()
    gates[1].set()  # the second caller's converter comes back: the third gets it
    assert running[1].result(60) == 1 and third.result(60) == 1
    assert fakes.entered[-1] == (fakes.entered[1][0], "3.pdf")
    assert len(fakes.made) == 2  # never more than the size
    gates[0].set()
    assert running[0].result(60) == 1
    p.close()


def test_waiting_callers_are_served_first_come_first_served(
    fakes: Shared, threads: concurrent.futures.ThreadPoolExecutor, tmp_path: Path, docx: Path
) -> None:
    p = ConverterPool(1, factory=fakes.factory)
    with p.checkout():
        waiting = []
        for n in range(1, 6):
            waiting.append(threads.submit(p.convert, docx, tmp_path / f"{n}.pdf"))
            wait_until(lambda n=n: p.waiting == n)
    for f in waiting:
        assert f.result(60) == 1
    assert [name for _, name in fakes.entered] == [f"{n}.pdf" for n in range(1, 6)]
    p.close()


def test_a_caller_waits_at_most_the_pool_timeout(fakes: Shared, tmp_path: Path, docx: Path) -> None:
    p = ConverterPool(1, factory=fakes.factory, wait_timeout=0.2)
    with p.checkout():
        with pytest.raises(ConversionError, match=r"no PDF converter was free within 0.2 s \(all 1 busy\)"):
            p.convert(docx, tmp_path / "late.pdf")
        assert p.waiting == 0  # it left the queue
    assert p.convert(docx, tmp_path / "next.pdf") == 1
    p.close()


def test_the_pool_timeout_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, fakes: Shared) -> None:
    monkeypatch.setenv("DOCGEN_POOL_TIMEOUT", "7.5")
    assert ConverterPool(1, factory=fakes.factory).wait_timeout == 7.5
    monkeypatch.setenv("DOCGEN_POOL_TIMEOUT", "soon")
    assert ConverterPool(1, factory=fakes.factory).wait_timeout == ConverterPool.WAIT_TIMEOUT


def test_a_failed_converter_is_closed_and_replaced(
    fakes: Shared, threads: concurrent.futures.ThreadPoolExecutor, tmp_path: Path, docx: Path
) -> None:
    p = ConverterPool(1, factory=fakes.factory)
    fakes.failing.add(0)
    gate = fakes.gate("bad.pdf")
    bad = threads.submit(p.convert, docx, tmp_path / "bad.pdf")
    wait_until(lambda: len(fakes.entered) == 1)
    after = threads.submit(p.convert, docx, tmp_path / "after.pdf")
    wait_until(lambda: p.waiting == 1)
    gate.set()
    with pytest.raises(ConversionError, match="LibreOffice ended"):
        bad.result(60)
    assert after.result(60) == 1  # the waiting caller got a fresh converter
    assert fakes.made[0].closed == 1
    assert fakes.entered == [(0, "bad.pdf"), (1, "after.pdf")]
    for n in range(3):
        assert p.convert(docx, tmp_path / f"{n}.pdf") == 1
    assert {n for n, _ in fakes.entered[1:]} == {1}  # the failed one is never handed out again
    assert p.started == 1
    p.close()
    assert fakes.made[1].closed == 1 and fakes.made[0].closed == 1


def test_a_converter_that_fails_to_be_made_frees_its_place(tmp_path: Path, docx: Path) -> None:
    calls = []

    def factory() -> Fake:
        calls.append(1)
        raise ConversionError("LibreOffice (soffice) is not installed")

    p = ConverterPool(1, factory=factory)
    for _ in range(2):
        with pytest.raises(ConversionError, match="not installed"):
            p.convert(docx, tmp_path / "x.pdf")
    assert len(calls) == 2 and p.started == 0
    p.close()


def test_an_interrupted_conversion_keeps_its_converter(fakes: Shared, tmp_path: Path, docx: Path) -> None:
    p = ConverterPool(1, factory=fakes.factory)
    with pytest.raises(KeyboardInterrupt):
        with p.checkout():
            raise KeyboardInterrupt
    assert p.convert(docx, tmp_path / "1.pdf") == 1
    assert len(fakes.made) == 1 and fakes.made[0].closed == 0
    p.close()


def test_close_turns_away_waiting_callers_and_closes_converters_in_use(
    fakes: Shared, threads: concurrent.futures.ThreadPoolExecutor, tmp_path: Path, docx: Path
) -> None:
    p = ConverterPool(1, factory=fakes.factory)
    gate = fakes.gate("1.pdf")
    busy = threads.submit(p.convert, docx, tmp_path / "1.pdf")
    wait_until(lambda: len(fakes.entered) == 1)
    waiter = threads.submit(p.convert, docx, tmp_path / "2.pdf")
    wait_until(lambda: p.waiting == 1)
    closing = threads.submit(p.close)
    with pytest.raises(ConversionError, match="converters are shut down"):
        waiter.result(60)
    assert not closing.done() and fakes.made[0].closed == 0  # the conversion under way goes on
    gate.set()
    assert busy.result(60) == 1
    closing.result(60)
    assert fakes.made[0].closed == 1
    with pytest.raises(ConversionError, match="converters are shut down"):
        p.convert(docx, tmp_path / "3.pdf")
    p.close()
    assert fakes.made[0].closed == 1  # closed once


def test_a_pool_needs_at_least_one_converter(fakes: Shared) -> None:
    with pytest.raises(ConfigError, match="the number of converters must be at least 1, not 0"):
        ConverterPool(0, factory=fakes.factory)


@pytest.fixture
def no_shared_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(pool_module, "_shared", None)
    yield
    with contextlib.suppress(Exception):
        if pool_module._shared is not None:
            pool_module._shared.close()


def test_the_process_has_one_pool(no_shared_pool: None) -> None:
    p = shared_pool(2)
    assert shared_pool(2) is p and p.size == 2 and p.started == 0  # nothing started before a conversion
    with pytest.raises(ConfigError, match="already has a pool of 2 PDF converters, not 3"):
        shared_pool(3)
    p.close()
    again = shared_pool(3)
    assert again is not p and again.size == 3


class Interrupted(threading.Event):
    """An event whose wait is cut short by Ctrl-C, as in a caller's main thread."""

    def wait(self, timeout: float | None = None) -> bool:
        raise KeyboardInterrupt


class InterruptedWaiter(pool_module._Waiter):
    def __init__(self) -> None:
        super().__init__()
        self.ready = Interrupted()


def test_a_caller_interrupted_while_waiting_leaves_the_queue(
    fakes: Shared, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, docx: Path
) -> None:
    p = ConverterPool(1, factory=fakes.factory)
    with p.checkout():
        with monkeypatch.context() as m:
            m.setattr(pool_module, "_Waiter", InterruptedWaiter)
            with pytest.raises(KeyboardInterrupt):
                p.convert(docx, tmp_path / "interrupted.pdf")
        assert p.waiting == 0
    # the converter that came back is not handed to the caller who left
    assert p.convert(docx, tmp_path / "next.pdf") == 1
    assert fakes.entered == [(0, "next.pdf")] and len(fakes.made) == 1
    p.close()


def test_a_caller_interrupted_just_as_it_was_served_passes_the_converter_on(
    fakes: Shared, threads: concurrent.futures.ThreadPoolExecutor, tmp_path: Path, docx: Path
) -> None:
    p = ConverterPool(1, factory=fakes.factory)
    waiter = pool_module._Waiter()
    with p.checkout() as held:
        p._queue.append(waiter)  # a caller in the queue, as _acquire leaves it
    assert waiter.ready.is_set() and waiter.converter is held
    p._leave(waiter)  # its wait ended by Ctrl-C after it was served
    assert p.convert(docx, tmp_path / "next.pdf") == 1
    assert len(fakes.made) == 1 and p.started == 1
    p.close()
    assert fakes.made[0].closed == 1


def test_a_libreoffice_that_fails_is_replaced_by_a_fresh_one(
    uno_python: str, docx: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    made: list[WarmConverter] = []

    def factory() -> WarmConverter:
        c = WarmConverter(uno_python)
        if not made:  # the first one's LibreOffice ends as it starts, twice (its own retry)
            c.soffice = str(broken)
        made.append(c)
        return c

    p = ConverterPool(1, factory=factory)
    try:
        with pytest.raises(ConversionError, match=r"LibreOffice did not start: it ended at start \(exit 3\)"):
            p.convert(docx, tmp_path / "a.pdf")
        assert p.started == 0 and made[0].proc is None and made[0]._profile_lock is None  # closed
        for n in range(2):
            assert p.convert(docx, tmp_path / f"{n}.pdf") == 1
        assert len(made) == 2 and made[1].proc is not None
    finally:
        p.close()
