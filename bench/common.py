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
