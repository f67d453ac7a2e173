"""What the benchmarks share."""

from __future__ import annotations

import subprocess
import sys


def docgen(*args: str, env: dict[str, str]) -> str:
    """Run docgen as a user would; stop the benchmark with docgen's message if it fails."""
    r = subprocess.run([sys.executable, "-m", "docgen.cli", *args], capture_output=True, text=True, env=env)
    if r.returncode:
        raise SystemExit(f"docgen {' '.join(args)}: {r.stderr}")
    return r.stdout


def compiled() -> None:
    """docgen's modules compiled to bytecode first, as they are on a user's machine after the
    first run: a whole-process timing must not include compiling them (an environment with
    PYTHONDONTWRITEBYTECODE set would compile them in every process)."""
    import os
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    root = Path(__file__).resolve().parent.parent / "docgen"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
