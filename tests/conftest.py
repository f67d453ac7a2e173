from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from docgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "zhangjiang"
TEST_KEY = bytes(range(32))


@pytest.fixture(autouse=True)
def archive_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own archive, with a fixed page-code key (reproducible golden text)."""
    root = tmp_path / "archive"
    root.mkdir()
    key = root / "secret.key"
    key.write_bytes(TEST_KEY)
    key.chmod(0o600)
    monkeypatch.setenv("DOCGEN_ARCHIVE", str(root))
    monkeypatch.setenv("DOCGEN_USER", "tester")
    monkeypatch.delenv("DOCGEN_DEBUG", raising=False)
    return root


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
