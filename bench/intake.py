"""Intake benchmark: identifying scans, and a scan's way from the inbox to the archive.

    .venv/bin/python bench/intake.py [--docs N] [--drops N]

1. Identification, ms per page (median) of image-only scanner PDFs at 150, 200 and
   300 dpi: docgen's reader (`docgen.archive.scans.read`) next to the plain
   libraries (pypdf's page image, decoded whole by zxing-cpp with its defaults).
   Target: <= 150 ms per page.
2. Drop to filed: a running `docgen watch` (inotify); each scan is written to the
   inbox under a temporary name and renamed, and the time until the watcher prints
   its "filed" line is measured: scans dropped one at a time (each after the copies of
   the one before were delivered), then a burst dropped at once. Target: a scan filed
   within 2 s of its last write.
3. Filed to delivered: signed contracts (9 pages, four departments, two of them masked)
   dropped one at a time into the running watcher; the time from its "filed" line to the
   "delivered" line of its copies, the first contract in a new archive (its masked
   rendering made through the converter service, the stamps drawn) and the others.
   Target: a signed scan's copies delivered within 2 s of filing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.common import docgen  # noqa: E402


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f}"


def plain_read(data: bytes) -> list[list[str]]:
    """The plain libraries: every page's image through pypdf, decoded whole by zxing-cpp."""
    import io

    import zxingcpp
    from pypdf import PdfReader

    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        image = page.images[0].image
        out.append([r.text for r in zxingcpp.read_barcodes(image)])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=6, help="documents to scan")
    ap.add_argument("--drops", type=int, default=12, help="scans dropped into a running watcher")
    ap.add_argument("--contracts", type=int, default=5, help="signed contracts dropped to time their copies")
    args = ap.parse_args()

    import scanmaker

    from docgen.archive import scans

    work = Path(tempfile.mkdtemp(prefix="docgen-bench-intake-"))
    archive = work / "archive"
    # the watcher's lines are read in English ("filed", "delivered"), whatever the archive's language
    env = {**os.environ, "DOCGEN_ARCHIVE": str(archive), "PYTHONUNBUFFERED": "1", "DOCGEN_LANGUAGE": "en"}
    quote = ROOT / "samples" / "zhangjiang" / "quote.yaml"
    count = max(args.docs, args.drops)
    print(f"making {count} quotes and their scans in {work} ...", flush=True)
    made = json.loads(docgen("new", "quote", *[str(quote)] * count, "--json", env=env))
    pdfs = [Path(m["files"]["pdf"]) for m in made]

    print("\n1. identification of image-only scanner PDFs, ms per page (median) and pages per second")
    print(f"{'scan':<22}{'docgen':>9}{'pages/s':>9}{'plain':>9}{'pages/s':>9}{'ratio':>8}")
    for dpi in (150, 200, 300):
        files = [scanmaker.scan(p, work / f"id-{dpi}-{n}.pdf", dpi, seed=n) for n, p in enumerate(pdfs[: args.docs])]
        ours: list[float] = []
        plain: list[float] = []
        for f in files:
            data = f.read_bytes()
            for reader, samples in ((lambda d: scans.read(d, "pdf"), ours), (plain_read, plain)):
                t = time.perf_counter()
                result = reader(data)
                pages = len(result.pages) if hasattr(result, "pages") else len(result)
                samples.append((time.perf_counter() - t) / pages)
        ratio = statistics.median(ours) / statistics.median(plain)
        size = statistics.median(f.stat().st_size for f in files) / 1024
        rates = [1 / statistics.median(x) for x in (ours, plain)]
        print(f"{f'{dpi} dpi ({size:.0f} KB)':<22}{ms(ours):>9}{rates[0]:>9.1f}{ms(plain):>9}{rates[1]:>9.1f}"
              f"{ratio:>7.2f}x")

    print(f"\n2. drop to filed with a running `docgen watch` (inotify), {args.drops} scans")
    drops = [scanmaker.scan(p, work / f"drop-{n}.pdf", 200, seed=100 + n) for n, p in enumerate(pdfs[: args.drops])]
    inbox = archive / "inbox"
    inbox.mkdir(exist_ok=True)
    watcher = subprocess.Popen([sys.executable, "-m", "docgen.cli", "watch"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env)
    seen: dict[str, float] = {}
    delivered: dict[str, int] = {}
    delivered_at: dict[str, float] = {}
    ready = threading.Event()
    last_filed = [""]

    def read() -> None:
        assert watcher.stdout is not None
        for line in watcher.stdout:
            if "watching" in line:
                ready.set()
            m = re.search(r" filed +(\S+)", line)
            if m:
                seen[m.group(1)] = time.monotonic()
                last_filed[0] = m.group(1).replace(".pdf", "")
            if " delivered " in line:
                delivered[last_filed[0]] = delivered.get(last_filed[0], 0) + 1
                delivered_at.setdefault(last_filed[0], time.monotonic())

    threading.Thread(target=read, daemon=True).start()
    ready.wait(60)
    def drop(n: int, f: Path) -> tuple[str, float]:
        name = f"scan-{n}.pdf"
        tmp = inbox / (name + ".part")
        shutil.copyfile(f, tmp)
        os.replace(tmp, inbox / name)
        return name, time.monotonic()

    def wait(name: str, written: float) -> float:
        while name not in seen and time.monotonic() - written < 60:
            time.sleep(0.005)
        return seen.get(name, float("inf")) - written

    half = len(drops) // 2
    one_by_one = []
    for n, f in enumerate(drops[:half]):  # one at a time, each into an idle watcher
        name, written = drop(n, f)
        one_by_one.append(wait(name, written))
        while delivered.get(name.replace(".pdf", ""), 0) < 1 and time.monotonic() - written < 60:
            time.sleep(0.01)
    burst = [drop(half + n, f) for n, f in enumerate(drops[half:])]  # all at once
    in_burst = [wait(name, written) for name, written in burst]
    print(f"{'2-page scans, 200 dpi':<30}{'median':>9}{'max':>9}")
    print(f"{f'one at a time ({half})':<30}{ms(one_by_one):>9}{max(one_by_one) * 1000:>9.1f}   ms")
    print(f"{f'{len(burst)} dropped at once':<30}{ms(in_burst):>9}{max(in_burst) * 1000:>9.1f}   ms")

    print(f"\n3. filed to delivered: {args.contracts} signed contracts to four departments, one at a time")
    contracts = json.loads(docgen("new", "contract", *[str(ROOT / "samples" / "zhangjiang" / "contract.yaml")]
                                  * args.contracts, "--json", env=env))
    contracts = contracts if isinstance(contracts, list) else [contracts]
    filed_to_delivered = []
    for n, c in enumerate(contracts):
        docgen("review", c["number"], "submit", env=env)
        docgen("review", c["number"], "approve", env=env)
        f = scanmaker.scan(Path(c["files"]["pdf"]), work / f"signed-{n}.pdf", 200, seed=300 + n)
        name, written = drop(100 + n, f)
        wait(name, written)
        key = name.replace(".pdf", "")
        while key not in delivered_at and time.monotonic() - written < 120:
            time.sleep(0.005)
        filed_to_delivered.append(delivered_at.get(key, float("inf")) - seen[name])
    watcher.terminate()
    watcher.wait(30)
    rest = filed_to_delivered[1:] or filed_to_delivered
    print(f"{'9-page contracts, 200 dpi':<30}{'median':>9}{'max':>9}")
    print(f"{'the first (renders masked)':<30}{filed_to_delivered[0] * 1000:>9.1f}{filed_to_delivered[0] * 1000:>9.1f}"
          f"   ms")
    print(f"{f'the others ({len(rest)})':<30}{ms(rest):>9}{max(rest) * 1000:>9.1f}   ms")
    worst = max(filed_to_delivered)
    print(f"target: copies delivered within 2 s of filing: worst {worst:.2f} s  {'PASS' if worst <= 2 else 'MISS'}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
