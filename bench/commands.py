"""Whole commands as a user runs them, next to their floors, in one run.

    .venv/bin/python bench/commands.py [--runs 7]

Each command is a fresh process (python start, imports, the archive opened, the work, the
exit), timed from outside, the rows interleaved run by run (this machine is noisy); the
medians are printed with the ratio to the floor the issue names:

- `docgen new contract` with the converter service warm, next to a cold
  `soffice --convert-to pdf` of the same contract's .docx (target: <= 0.6x), and next to the
  same command with a LibreOffice of its own (`DOCGEN_CONVERTER=process`, what every command
  did before the service);
- `docgen show NUMBER` next to `docgen --help` (target: <= 1.5x).

The archive is the sample project's quote and contract, made first in a fresh folder; the
converter service is one of this run's own (its own folder), started by the first document
and stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import compiled  # noqa: E402
SAMPLES = ROOT / "samples" / "zhangjiang"


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.strip()[-400:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    compiled()
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-"))
    try:
        shutil.copytree(SAMPLES, work / "w")
        env = {**os.environ, "DOCGEN_ARCHIVE": str(work / "archive"), "DOCGEN_CONVERTER_DIR": str(work / "run"),
               "DOCGEN_LANGUAGE": "en"}
        docgen = [sys.executable, "-m", "docgen.cli"]
        soffice = shutil.which("soffice") or "soffice"
        timed([*docgen, "new", "quote", "w/quote.yaml"], env, work)  # starts the service
        timed([*docgen, "new", "contract", "w/contract.yaml"], env, work)
        docx = next((work / "archive" / "documents" / "HT-2026-0001").glob("*.docx"))
        rows: dict[str, list[float]] = {k: [] for k in ("new", "cold", "process", "show", "help")}
        for n in range(args.runs):
            out = work / f"cold-{n}"
            rows["new"].append(timed([*docgen, "new", "contract", "w/contract.yaml"], env, work))
            rows["cold"].append(timed([soffice, "--headless", "--norestore",
                                       f"-env:UserInstallation=file://{work}/lo-{n}", "--convert-to",
                                       "pdf:writer_pdf_Export", "--outdir", str(out), str(docx)], env, work))
            rows["process"].append(timed([*docgen, "new", "contract", "w/contract.yaml"],
                                         {**env, "DOCGEN_CONVERTER": "process"}, work))
            rows["show"].append(timed([*docgen, "show", "HT-2026-0001"], env, work))
            rows["help"].append(timed([*docgen, "--help"], env, work))
            print(f"run {n + 1}: " + "  ".join(f"{k} {v[-1] * 1000:.0f}" for k, v in rows.items()),
                  file=sys.stderr, flush=True)
        m = {k: statistics.median(v) for k, v in rows.items()}
        lo = {k: min(v) for k, v in rows.items()}
        hi = {k: max(v) for k, v in rows.items()}
        print(f"{os.cpu_count()} cores; {args.runs} runs each, interleaved; median (min-max) ms")

        def row(label: str, key: str, floor: str | None = None, target: float | None = None) -> None:
            text = f"{label:58} {m[key] * 1000:7.0f}  ({lo[key] * 1000:.0f}-{hi[key] * 1000:.0f})"
            if floor:
                ratio = m[key] / m[floor]
                text += f"  {ratio:5.2f}x {floor}"
                if target is not None:
                    text += f"  (target <= {target}x: {'PASS' if ratio <= target else 'MISS'})"
            print(text)

        row("cold soffice --convert-to pdf (the contract's .docx)", "cold")
        row("docgen new contract, converter service warm", "new", "cold", 0.6)
        row("docgen new contract, a LibreOffice of its own (before)", "process", "cold")
        row("docgen --help", "help")
        row("docgen show HT-2026-0001", "show", "help", 1.5)
    finally:
        subprocess.run([sys.executable, "-m", "docgen.cli", "converter", "stop"],
                       env={**os.environ, "DOCGEN_CONVERTER_DIR": str(work / "run"), "DOCGEN_LANGUAGE": "en"},
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
