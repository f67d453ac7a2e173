"""Distribution benchmark: a signed contract to four departments, and 100 contract copies pulled.

    .venv/bin/python bench/distribute.py [--contracts N]

1. `distribute` of a signed 6-page contract to customer, finance, engineering and legal:
   the first time (two masked renderings through LibreOffice, four label stamps made)
   and again (renderings and stamps kept), next to the plain library work of a copy
   (pypdf: clone the PDF, merge a stamp page, write), times four.
2. 100 contract copies pulled by finance (`pull --kind contract --since`, masked copies
   of N signed contracts, repeated until 100), per copy, next to the same plain pypdf work.
"""

from __future__ import annotations

import argparse
import io
import json
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

from bench.common import docgen  # noqa: E402


def plain_copy(pdf: bytes, stamp: bytes) -> bytes:
    """The plain library work of one copy: clone, stamp the first page, write."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(stamp)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contracts", type=int, default=10, help="signed contracts to pull from")
    ap.add_argument("--copies", type=int, default=100, help="contract copies pulled")
    args = ap.parse_args()

    from docgen.archive.core import Archive
    from docgen.distribute import Copier, distribute, pull, signed_since
    from docgen.render.pdf import shared_converter

    work = Path(tempfile.mkdtemp(prefix="docgen-bench-dist-"))
    archive_dir = work / "archive"
    env = {**os.environ, "DOCGEN_ARCHIVE": str(archive_dir)}
    samples = ROOT / "samples" / "zhangjiang"
    print(f"making, approving, printing, signing and scanning {args.contracts} contracts in {work} ...", flush=True)
    docgen("new", "quote", str(samples / "quote.yaml"), env=env)
    made = json.loads(docgen("new", "contract", *[str(samples / "contract.yaml")] * args.contracts, "--json",
                             env=env))
    made = made if isinstance(made, list) else [made]
    inbox = archive_dir / "inbox"
    inbox.mkdir(exist_ok=True)
    for m in made:
        docgen("review", m["number"], "submit", env=env)
        docgen("review", m["number"], "approve", env=env)
        scan = [sys.executable, str(ROOT / "tools" / "print_and_scan.py"), m["files"]["pdf"],
                str(inbox / f"{m['number']}-signed.pdf")]
        subprocess.run(scan, check=True, capture_output=True)
    docgen("ingest", str(inbox), env=env)

    os.environ["DOCGEN_ARCHIVE"] = str(archive_dir)
    archive = Archive.open(archive_dir)
    converter = shared_converter()
    number = made[0]["number"]
    # the first delivery, as it happens when a scan is filed: no renderings or stamps kept yet
    with archive.catalog.write():
        archive.catalog.db.execute("DELETE FROM renderings")
    shutil.rmtree(archive_dir / "cache", ignore_errors=True)
    t = time.perf_counter()
    d = distribute(archive, number, converter, "bench", again=True)
    first = time.perf_counter() - t
    assert len(d.copies) == 4
    again = []
    for _ in range(5):
        t = time.perf_counter()
        distribute(archive, number, converter, "bench", again=True)
        again.append(time.perf_counter() - t)
    signed = next(v for v in archive.catalog.versions(number) if v.summary.get("signs"))
    scan = archive.store.get(signed.file("scan").sha256)  # type: ignore[union-attr]
    stamp = Copier(archive, converter).stamp_pdf("第二联 财务", "")
    plain = []
    for _ in range(5):
        t = time.perf_counter()
        for _dept in range(4):
            plain_copy(scan, stamp)
        plain.append(time.perf_counter() - t)
    print("\n1. a signed 6-page contract to four departments (ms)")
    print(f"{'':<34}{'docgen':>10}{'plain pypdf':>13}{'ratio':>8}")
    print(f"{'first delivery (renders masked)':<34}{first * 1000:>10.0f}{statistics.median(plain) * 1000:>13.0f}"
          f"{first / statistics.median(plain):>7.1f}x")
    print(f"{'again (renderings kept), median':<34}{statistics.median(again) * 1000:>10.0f}"
          f"{statistics.median(plain) * 1000:>13.0f}{statistics.median(again) / statistics.median(plain):>7.1f}x")

    numbers = signed_since(archive, "contract", __import__("datetime").date(2000, 1, 1))
    out = work / "pulled"
    times = []
    total = time.perf_counter()
    while len(times) < args.copies:
        for n in numbers:
            if len(times) == args.copies:
                break
            t = time.perf_counter()
            pull(archive, n, "finance", out, converter, "bench")
            times.append(time.perf_counter() - t)
    total = time.perf_counter() - total
    generated = next(v for v in archive.catalog.versions(number) if not v.summary.get("signs"))
    pdf = archive.store.get(generated.file("pdf").sha256)  # type: ignore[union-attr]
    plain_one = []
    for _ in range(20):
        t = time.perf_counter()
        plain_copy(pdf, stamp)
        plain_one.append(time.perf_counter() - t)
    print(f"\n2. {len(times)} contract copies pulled by finance ({len(numbers)} signed contracts, masked)")
    print(f"{'':<34}{'docgen':>10}{'plain pypdf':>13}{'ratio':>8}")
    print(f"{'per copy, median (ms)':<34}{statistics.median(times) * 1000:>10.0f}"
          f"{statistics.median(plain_one) * 1000:>13.0f}{statistics.median(times) / statistics.median(plain_one):>7.1f}x")
    print(f"{'all copies (s)':<34}{total:>10.1f}")
    converter.close()
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
