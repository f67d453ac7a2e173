"""The converter service: warm LibreOffices that outlive the command.

A command's first conversion starts the service; the next command's conversion is done by
the same service and the same LibreOffice, and no command waits for LibreOffice to end.
Each LibreOffice is replaced after RESTART_AFTER documents or past MAX_MB; the service ends
after IDLE seconds; a dead service is replaced by the next conversion; only its own user
reaches it. Nothing here depends on how fast the machine is: waits are for states, bounded.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_process, wait_until
from pypdf import PdfReader
from test_conversion import descendants, wait_gone

from docgen.errors import ConversionError
from docgen.render import service as service_module
from docgen.render.service import ServiceConverter, socket_path, stop_service


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A converter-service folder of the test's own (short: a socket's path holds 107 bytes,
    and a test's temporary folder may be deep); its services are stopped at the end."""
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="dg-", dir="/tmp"))
    run = base / "run"
    monkeypatch.setenv("DOCGEN_CONVERTER_DIR", str(run))
    yield run
    for sock in run.glob("*.sock"):
        stop_service(sock)
    shutil.rmtree(base, ignore_errors=True)


def offices(service_pid: int) -> set[int]:
    return {p for p, name in descendants(service_pid).items() if name == "soffice.bin"}


def test_commands_share_one_service_and_its_libreoffice(folder: Path, work: Path, archive_dir: Path) -> None:
    for _ in range(2):
        r = run_process("new", "quote", work / "quote.yaml")
        assert r.returncode == 0, r.stderr
    status = ServiceConverter().status()
    assert status["converted"] == 2 and status["restarts"] == 0
    # the service outlived both commands, with the LibreOffice that converted for both
    (office,) = offices(status["pid"])
    r = run_process("new", "quote", work / "quote.yaml")
    assert r.returncode == 0, r.stderr
    after = ServiceConverter().status()
    assert after["pid"] == status["pid"] and after["converted"] == 3 and offices(after["pid"]) == {office}
    sock = socket_path()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(sock.stat().st_mode) == 0o600


def test_a_libreoffice_is_replaced_after_its_documents(folder: Path, docx: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_CONVERTER_RESTART_AFTER", "2")
    converter = ServiceConverter(converters=1)
    seen = []
    for n in range(5):
        assert converter.convert(docx, tmp_path / f"{n}.pdf") == 1
        pid = converter.status()["pid"]
        wait_until(lambda pid=pid: len(offices(pid)) <= 1)  # a replaced one is closed in the background
        seen.append(frozenset(offices(pid)))
    status = converter.status()
    assert status["converted"] == 5 and status["restarts"] == 2
    assert len({s for s in seen if s}) >= 2  # another LibreOffice after the second document
    assert len(PdfReader(tmp_path / "4.pdf").pages) == 1
    converter.close()


def test_a_libreoffice_past_the_memory_bound_is_replaced(folder: Path, docx: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_CONVERTER_MAX_MB", "1")  # every LibreOffice holds more than 1 MB
    converter = ServiceConverter(converters=1)
    for n in range(3):
        assert converter.convert(docx, tmp_path / f"{n}.pdf") == 1
    status = converter.status()
    assert status["converted"] == 3 and status["restarts"] == 3
    converter.close()


def test_the_service_ends_when_idle_and_the_next_conversion_starts_another(
        folder: Path, docx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_CONVERTER_IDLE", "1")
    converter = ServiceConverter(converters=1)
    assert converter.convert(docx, tmp_path / "a.pdf") == 1
    first = converter.status()["pid"]
    office = offices(first)
    wait_until(lambda: not socket_path().exists())
    wait_gone(first)
    for pid in office:
        wait_gone(pid)  # its LibreOffice ended with it
    # the connection this caller kept is dead: the conversion goes to a fresh service
    assert converter.convert(docx, tmp_path / "b.pdf") == 1
    assert converter.status()["pid"] != first
    converter.close()


def test_a_killed_service_is_replaced_by_the_next_conversion(folder: Path, docx: Path, tmp_path: Path) -> None:
    converter = ServiceConverter(converters=1)
    assert converter.convert(docx, tmp_path / "a.pdf") == 1
    first = converter.status()["pid"]
    os.kill(first, signal.SIGKILL)
    wait_gone(first)
    assert converter.convert(docx, tmp_path / "b.pdf") == 1  # its stale socket replaced
    assert converter.status()["pid"] != first
    for pid in offices(first):
        os.kill(pid, signal.SIGKILL)  # the killed service's LibreOffice, orphaned
    converter.close()


def test_a_failed_conversion_is_one_line_and_the_service_goes_on(folder: Path, docx: Path, tmp_path: Path) -> None:
    converter = ServiceConverter(converters=1)
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04 not really a document")
    with pytest.raises(ConversionError) as caught:
        converter.convert(broken, tmp_path / "broken.pdf")
    assert "\n" not in str(caught.value) and "broken.docx" in str(caught.value)
    assert converter.convert(docx, tmp_path / "a.pdf") == 1
    converter.close()


def test_what_is_not_a_request_is_answered_and_changes_nothing(folder: Path, docx: Path, tmp_path: Path) -> None:
    converter = ServiceConverter(converters=1)
    assert converter.convert(docx, tmp_path / "a.pdf") == 1
    pid = converter.status()["pid"]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(socket_path()))
    reader = sock.makefile("rb")

    def ask(raw: bytes) -> dict:  # type: ignore[type-arg]
        sock.sendall(raw)
        return json.loads(reader.readline())  # type: ignore[no-any-return]

    assert "error" in ask(b"not json\n")
    assert ask(b"[1, 2]\n") == {"error": "a request is a JSON object"}
    assert ask(json.dumps({"docx": "one.docx", "pdf": "a.pdf"}).encode() + b"\n") == {
        "error": "docx and pdf are absolute paths"}
    assert ask(b"{" + b" " * (service_module.MAX_LINE + 10) + b"}\n") == {"error": "request too long"}
    sock.close()
    assert converter.status()["pid"] == pid and converter.convert(docx, tmp_path / "b.pdf") == 1
    converter.close()


def test_another_user_is_not_answered(docx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The owner-only folder and socket keep other users out; past them (a folder opened by
    mistake), the service itself answers no process of another user (SO_PEERCRED)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="docgen-test-", dir="/tmp"))  # under /tmp: others may pass through
    monkeypatch.setenv("DOCGEN_CONVERTER_DIR", str(folder))
    try:
        _not_answered(folder, docx, tmp_path)
    finally:
        for sock in folder.glob("*.sock"):
            stop_service(sock)
        shutil.rmtree(folder, ignore_errors=True)


def _not_answered(folder: Path, docx: Path, tmp_path: Path) -> None:
    converter = ServiceConverter(converters=1)
    assert converter.convert(docx, tmp_path / "a.pdf") == 1
    path = socket_path()

    def as_nobody() -> int:
        child = os.fork()
        if child == 0:
            code = 9
            try:
                os.setgid(65534)
                os.setuid(65534)
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(str(path))
                except PermissionError:
                    code = 2  # kept out by the file system
                else:
                    try:  # 0: connected, and not answered
                        s.sendall(b'{"status": true}\n')
                        code = 0 if s.recv(100) == b"" else 1
                    except (BrokenPipeError, ConnectionResetError):
                        code = 0
            finally:
                os._exit(code)
        return os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])

    assert as_nobody() == 2
    folder.chmod(0o755)
    path.chmod(0o666)
    assert as_nobody() == 0
    assert converter.status()["converted"] == 1  # and it goes on for its own user
    converter.close()


def test_a_folder_others_may_read_is_made_owner_only(folder: Path, docx: Path, tmp_path: Path) -> None:
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    converter = ServiceConverter(converters=1)
    assert converter.convert(docx, tmp_path / "a.pdf") == 1
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    converter.close()


def test_the_administrator_sees_and_stops_the_service(folder: Path, docx: Path, tmp_path: Path) -> None:
    from conftest import run

    assert run("converter", "status").stdout.strip() == "no converter service is running; the next conversion starts one"
    assert json.loads(run("converter", "status", "--json").stdout) == {"running": False}
    converter = ServiceConverter(converters=1)
    assert converter.convert(docx, tmp_path / "a.pdf") == 1
    status = json.loads(run("converter", "status", "--json").stdout)
    assert status["converted"] == 1 and status["converters"] == 1 and status["socket"] == str(socket_path())
    line = run("converter", "status").stdout.strip()
    assert line.startswith(f"converter service: pid {status['pid']}, 1 converters, 1 documents converted")
    r = run("converter", "stop")
    assert r.exit_code == 0 and r.stdout.strip() == f"stopped the converter service (pid {status['pid']})"
    wait_gone(status["pid"])
    assert run("converter", "stop").stdout.strip() == "no converter service is running"
    converter.close()


def test_a_converter_started_again_holds_its_profile_slot_again(docx: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A LibreOffice the service replaces gives its profile slot up; the next one takes a slot
    with its lock again, so no other converter starts a second LibreOffice on that profile
    (which would hand its work to the first and end at once)."""
    import fcntl

    from docgen.render.pdf import WarmConverter, find_uno_python

    python = find_uno_python()
    assert python, "python3-uno is installed on the test machine"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # slots of its own: all four free
    converter = WarmConverter(python)
    try:
        for n in range(2):
            assert converter.convert(docx, tmp_path / f"{n}.pdf") == 1
            lock = converter._profile_lock
            assert lock is not None and converter._profile_path == str(tmp_path / "cache/docgen/lo-profile-0")
            with open(lock.name, "wb") as other:  # another converter's try for the same slot
                with pytest.raises(BlockingIOError):
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            converter.close()
    finally:
        converter.close()


def test_what_the_service_writes_is_owner_only_whoever_started_it(folder: Path, docx: Path, tmp_path: Path) -> None:
    old = os.umask(0o022)  # a caller that would let others read what it writes
    try:
        converter = ServiceConverter(converters=1)
        assert converter.convert(docx, tmp_path / "a.pdf") == 1
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.pdf").stat().st_mode) & 0o077 == 0
    converter.close()


def test_a_folder_too_long_for_a_socket_falls_back_to_a_short_one_of_its_own(
        docx: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Unix socket's path holds at most 107 bytes; a home folder deep in a file tree (as
    the README's examples run) gets ``$TMPDIR/docgen-UID`` instead, and never one that is a
    link or another user's."""
    import tempfile

    short = Path(tempfile.mkdtemp(prefix="dg-", dir="/tmp"))  # a temporary folder as short as a machine's
    monkeypatch.setattr(tempfile, "tempdir", str(short))
    deep = tmp_path / ("深" * 30) / "run"
    monkeypatch.setenv("DOCGEN_CONVERTER_DIR", str(deep))
    assert service_module.runtime_dir() == short / f"docgen-{os.getuid()}"
    converter = ServiceConverter(converters=1)
    try:
        assert converter.convert(docx, tmp_path / "a.pdf") == 1
        assert socket_path().parent == short / f"docgen-{os.getuid()}"
    finally:
        converter.close()
        stop_service()
    # a link left in its place (by anyone who may write the temporary folder) is refused
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(short / f"docgen-{os.getuid()}")
    (short / f"docgen-{os.getuid()}").symlink_to(elsewhere)
    try:
        with pytest.raises(ConversionError, match="is not a folder of this user's own"):
            service_module.runtime_dir()
    finally:
        shutil.rmtree(short)
