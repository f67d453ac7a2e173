from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import scanmaker
import yaml
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from docgen import i18n, pagecode
from docgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "zhangjiang"
ME = __import__("docgen.accounts", fromlist=["os_user"]).os_user()  # who the CLI records
TEST_KEY = bytes(range(32))
# The suite reads docgen's messages in English, module- and session-wide fixtures too (the
# autouse fixture below sets it again for each test); tests of the Chinese text unset it.
os.environ["DOCGEN_LANGUAGE"] = "en"
# Tables are read at docgen's default width whatever runs the suite (a terminal, CI, or
# pytest-xdist's workers, which set COLUMNS=80); tests of the width set it themselves.
os.environ["COLUMNS"] = "100"


def legal_approves(number: str) -> None:
    """Legal review of a contract, submitted and approved (a step most set-ups need)."""
    assert run("review", number, "submit").exit_code == 0
    assert run("review", number, "approve", "--note", "同意").exit_code == 0


def keyed_archive(root: Path) -> Path:
    """A new, empty archive folder with the suite's fixed page-code key (owner-only)."""
    root.mkdir()
    key = root / "secret.key"
    key.write_bytes(TEST_KEY)
    key.chmod(0o600)
    return root


def wait_until(condition: Callable[[], bool], timeout: float = 120) -> None:
    """Wait for a state (bounded), never for a length of time."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


@pytest.fixture
def docx(tmp_path: Path) -> Path:
    """A one-page .docx made with python-docx (the converters' tests)."""
    from docx import Document

    d = Document()
    d.add_heading("报价单 BJ-2026-0001", level=1)
    d.add_paragraph("客厅 地面找平 12.5 ㎡ ¥1,250.00")
    path = tmp_path / "one.docx"
    d.save(str(path))
    return path


@pytest.fixture(scope="session", autouse=True)
def converter_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The run's converter services (render.service) have a folder of the run's own, so the
    suite never uses or stops a service of the machine's user, and they end with the run."""
    folder = tmp_path_factory.mktemp("lo")
    os.environ["DOCGEN_CONVERTER_DIR"] = str(folder)
    os.environ.setdefault("DOCGEN_CONVERTER_IDLE", "600")
    yield
    from docgen.render.service import stop_service

    for sock in folder.glob("*.sock"):
        stop_service(sock)


@pytest.fixture(autouse=True)
def archive_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own archive, with a fixed page-code key (reproducible golden text),
    under a permissive umask: docgen keeps the archive owner-only whatever the umask (opening
    an archive sets the process's own, so each test starts from the permissive one again)."""
    umask = os.umask(0o022)
    root = keyed_archive(tmp_path / "archive")
    monkeypatch.setenv("DOCGEN_ARCHIVE", str(root))
    monkeypatch.delenv("DOCGEN_DEBUG", raising=False)
    # the suite reads docgen's messages in English; tests of the Chinese text unset this
    monkeypatch.setenv("DOCGEN_LANGUAGE", "en")
    i18n.reset()
    yield root
    i18n.reset()
    os.umask(umask)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A copy of the sample project to edit freely."""
    dest = tmp_path / "work"
    shutil.copytree(SAMPLES, dest)
    return dest


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    def __repr__(self) -> str:
        return f"<exit {self.exit_code}\nstdout: {self.stdout}\nstderr: {self.stderr}>"


def run(*args: str | Path) -> Result:
    """Run docgen in-process through click's CliRunner (stdout and stderr apart)."""
    runner = CliRunner()
    r = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    return Result(r.exit_code, r.stdout, r.stderr)


def run_process(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run docgen as a separate process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "docgen.cli", *[str(a) for a in args]],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def edit(path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """Load a YAML file, let ``change`` modify the dict, write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def new(kind: str, path: Path) -> dict:  # type: ignore[type-arg]
    import json

    r = run("new", kind, path, "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive with documents ready to be signed, and scans of them (made once per test run).

    BJ-2026-0001 quote (2 pages), HT-2026-0001 contract approved (9 pages),
    HT-2026-0002 contract in draft, ZG-2026-0001 rectification notice (2 pages). The notice
    is made while the archive lets work start on an approved contract ([chain]
    contract_status = "approved"), so the tests can still file the contract's signed scan;
    the archive's settings are the defaults again afterwards.
    """
    root = tmp_path_factory.mktemp("intake-base")
    archive = keyed_archive(root / "archive")
    work = root / "work"
    shutil.copytree(SAMPLES, work)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_ARCHIVE", str(archive))
        new("quote", work / "quote.yaml")
        new("contract", work / "contract.yaml")
        legal_approves("HT-2026-0001")
        new("contract", work / "contract.yaml")
        toml = archive / "docgen.toml"
        default = toml.read_text(encoding="utf-8")
        toml.write_text(default.replace('contract_status = "signed"', 'contract_status = "approved"'),
                        encoding="utf-8")
        new("rectification", work / "rectification.yaml")
        toml.write_text(default, encoding="utf-8")
    docs = archive / "documents"
    bj, ht = docs / "BJ-2026-0001/BJ-2026-0001-v1.pdf", docs / "HT-2026-0001/HT-2026-0001-v1.pdf"
    s = root / "scans"
    s.mkdir()
    scanmaker.scan(ht, s / "ht.pdf", 200)
    scanmaker.scan(bj, s / "bj.pdf", 200, seed=1)
    scanmaker.scan(bj, s / "bj-150.pdf", 150, seed=2)
    scanmaker.scan(bj, s / "bj-300.pdf", 300, seed=3)
    scanmaker.scan(docs / "HT-2026-0002/HT-2026-0002-v1.pdf", s / "ht2.pdf", 200, seed=4)
    scanmaker.scan(docs / "ZG-2026-0001/ZG-2026-0001-v1.pdf", s / "zg.pdf", 200, seed=5)
    scanmaker.scan(ht, s / "ht-missing.pdf", 200, pages=[1, 2, 4, 5, 6, 7, 8, 9])
    pages = [scanmaker.degrade(im, n) for n, im in enumerate(scanmaker.render(bj, 200))]
    pages[0].save(s / "bj.tif", save_all=True, append_images=pages[1:], compression="tiff_lzw", dpi=(200, 200))
    bilevel = [im.point(lambda v: 255 if v > 150 else 0).convert("1") for im in pages]
    bilevel[0].save(s / "bj-bilevel.pdf", "PDF", resolution=200, save_all=True, append_images=bilevel[1:])
    for n, page in enumerate(scanmaker.render(bj, 250)):
        (s / f"bj-photo{n + 1}.jpg").write_bytes(scanmaker.phone_photo(page, seed=n))
    covered = [scanmaker.cover_qr(im) for im in scanmaker.render(bj, 200)]
    scanmaker.image_pdf(covered, s / "bj-noqr.pdf")
    # an OCR'd scan: the page image over a text layer that holds the code in words
    overlay = PdfReader(scanmaker.image_pdf(covered, root / "covered.pdf"))
    writer = PdfWriter(clone_from=bj)
    for text_page, image_page in zip(writer.pages, overlay.pages, strict=True):
        text_page.merge_page(image_page)
    writer.write(s / "bj-textlayer.pdf")
    forged = [scanmaker.replace_qr(im, "BJ-2026-0001.V1.AAAAAAAA") for im in scanmaker.render(bj, 200)]
    scanmaker.image_pdf(forged, s / "bj-forged.pdf")
    unknown = str(pagecode.make("HT-2026-0099", 1, TEST_KEY))
    scanmaker.image_pdf([scanmaker.replace_qr(im, unknown) for im in scanmaker.render(bj, 200)], s / "unknown.pdf")
    merged = PdfWriter()
    for name in ("ht.pdf", "bj.pdf"):
        merged.append(PdfReader(s / name))
    merged.write(s / "batch.pdf")
    merged = PdfWriter()
    for name in ("ht-missing.pdf", "bj.pdf"):
        merged.append(PdfReader(s / name))
    merged.write(s / "batch-bad.pdf")
    return root


@pytest.fixture
def scans(base: Path, archive_dir: Path, tmp_path: Path) -> Path:
    """This test's own copy of the base archive, and of the scans in a folder of their own."""
    shutil.copytree(base / "archive", archive_dir, dirs_exist_ok=True)
    dest = tmp_path / "scans"
    shutil.copytree(base / "scans", dest)
    return dest


@pytest.fixture(scope="session")
def signed_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive where the sample project's contract counts (made once per test run):
    BJ-2026-0001 quote, HT-2026-0001 contract approved by legal review and signed (v2, a
    scan of the signed paper filed), as the life cycle needs before a notice or a report."""
    root = tmp_path_factory.mktemp("signed-base")
    archive = keyed_archive(root / "archive")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_ARCHIVE", str(archive))
        new("quote", SAMPLES / "quote.yaml")
        new("contract", SAMPLES / "contract.yaml")
        legal_approves("HT-2026-0001")
        scan = scanmaker.scan(archive / "documents/HT-2026-0001/HT-2026-0001-v1.pdf", root / "ht.pdf", 200)
        r = run("ingest", scan)
        assert r.exit_code == 0 and "HT-2026-0001 v2" in r.stdout + r.stderr, r
    return archive


@pytest.fixture
def contracted(signed_base: Path, archive_dir: Path, work: Path) -> Path:
    """The sample project (a copy to edit) with its quote and its signed contract archived."""
    shutil.copytree(signed_base, archive_dir, dirs_exist_ok=True)
    return work


@pytest.fixture(scope="session")
def warranted_base(signed_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project with its signed contract, a passed 正式验收 (YS-2027-0001) and its
    warranty card BX-2027-0001 (made once per test run)."""
    root = tmp_path_factory.mktemp("warranted-base")
    archive = root / "archive"
    shutil.copytree(signed_base, archive)
    work = root / "work"
    shutil.copytree(SAMPLES, work)
    edit(work / "warranty.yaml", lambda d: d.update(acceptance="YS-2027-0001"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_ARCHIVE", str(archive))
        assert new("acceptance", work / "acceptance-2.yaml")["number"] == "YS-2027-0001"
        assert new("warranty", work / "warranty.yaml")["number"] == "BX-2027-0001"
    return archive


@pytest.fixture
def warranted(warranted_base: Path, archive_dir: Path, work: Path) -> Path:
    """This test's copy of the archive with the warranty card, and of the sample files."""
    shutil.copytree(warranted_base, archive_dir, dirs_exist_ok=True)
    return work


def act_as(name: str, root: Path | None = None) -> None:
    """Let the command line act as the account ``name`` (made if needed), mapped to this OS user:
    the only way a name other than the OS user's gets into the record."""
    from docgen.accounts import Accounts
    from docgen.archive.core import Archive

    archive = Archive.open(root or Path(os.environ["DOCGEN_ARCHIVE"]))
    accounts = Accounts(archive)
    with archive.catalog.write():
        for a in accounts.list():
            if a.os_user == ME:
                accounts.store.update(a.name, os_user=None)
        if accounts.get(name) is not None:
            accounts.store.update(name, os_user=ME)
    if accounts.get(name) is None:
        accounts.add(name, "admin", by="test", os_user=ME)
    archive.close() if hasattr(archive, "close") else None


@contextmanager
def served(root: Path, language: str = "en") -> Iterator[str]:
    """`docgen serve` on ``root`` as a separate process on a free port, as the departments reach
    it: its URL once it answers, and the process stopped afterwards."""
    import socket
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {**os.environ, "DOCGEN_ARCHIVE": str(root), "DOCGEN_LANGUAGE": language}
    proc = subprocess.Popen([sys.executable, "-m", "docgen.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a bound for a busy machine, not a measure of speed
        while True:
            try:
                if httpx.get(f"{url}/api/v1/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"docgen serve ended: {proc.stderr.read() if proc.stderr else ''}")
            if time.monotonic() > deadline:
                pytest.fail("docgen serve did not answer within 120 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
