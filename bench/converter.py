"""The converter service's memory over a long run: LibreOffice replaced every N documents
next to the same run with no replacement, in one run.

    .venv/bin/python bench/converter.py [--docs 300] [--after 100] [--every 25]

The sample contract (9 pages) is made once in a fresh archive; then, for each setting, a
converter service of the run's own (its own folder) is started with
DOCGEN_CONVERTER_RESTART_AFTER set, and DOCS conversions of that contract's .docx are sent to
it one after another; every EVERY documents the resident memory of the service's processes
(the service, its helpers and their LibreOffices, from /proc) is sampled. Prints the samples
side by side, the largest, the restarts and the median time per document. Target: the
memory bounded (the largest sample of the replaced run not growing with the documents).
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
SAMPLES = ROOT / "samples" / "zhangjiang"


def tree_mb(pid: int) -> float:
    """Resident memory of ``pid`` and every process below it, in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo.extend(children.get(p, []))
    return total / (1024 * 1024)


def run(docx: Path, work: Path, docs: int, after: int, every: int) -> tuple[list[float], int, float]:
    from docgen.render.service import ServiceConverter

    os.environ["DOCGEN_CONVERTER_DIR"] = str(work / f"run-{after}")
    os.environ["DOCGEN_CONVERTER_RESTART_AFTER"] = str(after)
    converter = ServiceConverter()
    samples, times = [], []
    out = work / "out.pdf"
    try:
        for n in range(1, docs + 1):
            t = time.perf_counter()
            converter.convert(docx, out)
            times.append(time.perf_counter() - t)
            if n % every == 0:
                samples.append(tree_mb(converter.status()["pid"]))
                print(f"  restart after {after}: {n} documents, {samples[-1]:.0f} MB", file=sys.stderr, flush=True)
        restarts = converter.status()["restarts"]
    finally:
        converter.close()
        subprocess.run([sys.executable, "-m", "docgen.cli", "converter", "stop"], env=dict(os.environ),
                       capture_output=True)
    return samples, restarts, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--after", type=int, default=100, help="DOCGEN_CONVERTER_RESTART_AFTER of the replaced run")
    ap.add_argument("--every", type=int, default=25, help="sample the memory every N documents")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-converter-"))
    try:
        env = {**os.environ, "DOCGEN_ARCHIVE": str(work / "archive"), "DOCGEN_CONVERTER_DIR": str(work / "run-make"),
               "DOCGEN_LANGUAGE": "en"}
        for kind in ("quote", "contract"):
            subprocess.run([sys.executable, "-m", "docgen.cli", "new", kind, str(SAMPLES / f"{kind}.yaml")],
                           env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "docgen.cli", "converter", "stop"], env=env, capture_output=True)
        docx = next((work / "archive" / "documents" / "HT-2026-0001").glob("*.docx"))
        os.environ["DOCGEN_LANGUAGE"] = "en"
        never = args.docs * 10
        kept, kept_restarts, kept_time = run(docx, work, args.docs, never, args.every)
        replaced, restarts, replaced_time = run(docx, work, args.docs, args.after, args.every)
        print(f"{args.docs} conversions of the 9-page contract, one after another; resident MB of the service's processes")
        print(f"{'documents':>10}{'never replaced':>16}{f'replaced every {args.after}':>20}")
        for i, (a, b) in enumerate(zip(kept, replaced), 1):
            print(f"{i * args.every:>10}{a:>16.0f}{b:>20.0f}")
        print(f"{'largest':>10}{max(kept):>16.0f}{max(replaced):>20.0f}")
        print(f"{'restarts':>10}{kept_restarts:>16}{restarts:>20}")
        print(f"{'ms/doc':>10}{kept_time * 1000:>16.0f}{replaced_time * 1000:>20.0f}   (median)")
        first = max(replaced[: max(1, args.after // args.every)])
        print(f"target: memory bounded: largest of the replaced run {max(replaced):.0f} MB, "
              f"largest before its first replacement {first:.0f} MB "
              f"{'PASS' if max(replaced) <= first * 1.15 else 'MISS'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
