"""Reader benchmark: what reading a scan in the limited reader process costs per file.

    .venv/bin/python bench/reader.py [--files N]

The same 2-page scanner PDFs (200 dpi) are read three ways, ms per file (median):
- plain: ``scans.read`` in this process (no limits, what intake did before);
- docgen: ``Reader.read``, the persistent worker under its limits (the bytes sent
  through a pipe, the result pickled back, the CPU limit set per file);
- spawn: a new worker per file (what the persistent worker saves).
Target: the worker adds well under the 2 s drop-to-filed budget of bench/intake.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.common import docgen  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=8, help="scans to read")
    args = ap.parse_args()

    import scanmaker

    from docgen.archive import scans
    from docgen.reader import Limits, Reader

    work = Path(tempfile.mkdtemp(prefix="docgen-bench-reader-"))
    env = {**os.environ, "DOCGEN_ARCHIVE": str(work / "archive")}
    quote = ROOT / "samples" / "zhangjiang" / "quote.yaml"
    print(f"making {args.files} quotes and their scans in {work} ...", flush=True)
    docgen("new", "quote", *[str(quote)] * args.files, env=env)
    pdfs = sorted((work / "archive" / "documents").rglob("BJ-*-v1.pdf"))
    files = [scanmaker.scan(p, work / f"scan-{n}.pdf", 200, seed=n).read_bytes() for n, p in enumerate(pdfs)]
    limits = Limits(20, 1024)

    plain, ours, spawned = [], [], []
    reader = Reader(limits)
    reader.read(files[0], "pdf")  # started and warm, as in a running watcher
    for data in files:
        t = time.perf_counter()
        expected = scans.read(data, "pdf")
        plain.append(time.perf_counter() - t)
        t = time.perf_counter()
        got = reader.read(data, "pdf")
        ours.append(time.perf_counter() - t)
        assert [p.codes for p in got.pages] == [p.codes for p in expected.pages]
    reader.close()
    for data in files[: max(3, args.files // 2)]:
        t = time.perf_counter()
        fresh = Reader(limits)
        fresh.read(data, "pdf")
        fresh.close()
        spawned.append(time.perf_counter() - t)

    def ms(x: list[float]) -> float:
        return statistics.median(x) * 1000

    print(f"\nreading a 2-page 200 dpi scan, ms per file (median of {len(files)})")
    print(f"{'plain scans.read':<34}{ms(plain):>9.1f}")
    print(f"{'docgen Reader (persistent worker)':<34}{ms(ours):>9.1f}   {ms(ours) / ms(plain):.2f}x plain, "
          f"+{ms(ours) - ms(plain):.1f} ms a file")
    print(f"{'a new worker per file':<34}{ms(spawned):>9.1f}   {ms(spawned) / ms(plain):.2f}x plain")


if __name__ == "__main__":
    main()
