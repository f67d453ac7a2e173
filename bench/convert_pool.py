"""PDF throughput: one warm LibreOffice after another vs a pool of converters in threads.

    .venv/bin/python bench/convert_pool.py [--docs 10] [--size 2] [--runs 3]

Converts N one-page documents one after another through one WarmConverter, then the same
N through a ConverterPool of SIZE with N threads (every converter started before the
clock runs, as in a server that has served its first requests), and a cold
`soffice --convert-to pdf` of one document. Prints medians of the runs (this machine is
noisy), documents per second and the pool's ratio to the sequential converter.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def one_page_docx(path: Path, n: int) -> None:
    from docx import Document

    d = Document()
    d.add_heading(f"工程变更单 BG-2026-{n:04d}", level=1)
    d.add_paragraph("项目：P-2026-0001  张三  上海市浦东新区张江路88弄12号1602室")
    table = d.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ("项目", "数量", "单价", "金额")):
        cell.text = text
    for i in range(8):
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text, row[3].text = f"增项 {i + 1} 墙面乳胶漆", "12.5 ㎡", "¥38.00", "¥475.00"
    d.save(str(path))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=10, help="documents per run")
    ap.add_argument("--size", type=int, default=2, help="converters in the pool")
    ap.add_argument("--runs", type=int, default=3, help="runs of each measurement (the median is printed)")
    args = ap.parse_args()

    from docgen.render.pdf import WarmConverter, find_soffice, find_uno_python
    from docgen.render.pool import ConverterPool

    python = find_uno_python()
    if not python:
        raise SystemExit("no Python with python3-uno: the warm converter cannot run")
    work = Path(tempfile.mkdtemp(prefix="docgen-bench-pool-"))
    docs = [work / f"doc{n}.docx" for n in range(args.docs)]
    for n, path in enumerate(docs):
        one_page_docx(path, n + 1)

    one = WarmConverter(python)
    t = time.perf_counter()
    assert one.convert(docs[0], work / "start.pdf") == 1
    start = time.perf_counter() - t
    sequential = []
    for run in range(args.runs):
        t = time.perf_counter()
        for n, path in enumerate(docs):
            one.convert(path, work / f"s{run}-{n}.pdf")
        sequential.append(time.perf_counter() - t)
    one.close()

    pool = ConverterPool(args.size, factory=lambda: WarmConverter(python))
    with contextlib.ExitStack() as held:  # every converter of the pool started first
        for n in range(args.size):
            held.enter_context(pool.checkout()).convert(docs[0], work / f"warm{n}.pdf")
    pooled = []
    with concurrent.futures.ThreadPoolExecutor(args.docs) as threads:
        for run in range(args.runs):
            t = time.perf_counter()
            pages = list(threads.map(lambda job: pool.convert(job[1], work / f"p{run}-{job[0]}.pdf"),
                                     enumerate(docs)))
            pooled.append(time.perf_counter() - t)
            assert pages == [1] * args.docs
    pool.close()

    soffice = find_soffice()
    cold = []
    for run in range(args.runs):
        t = time.perf_counter()
        subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir", str(work / f"cold{run}"),
                        str(docs[0])], check=True, capture_output=True)
        cold.append(time.perf_counter() - t)

    seq, par, cold_s = statistics.median(sequential), statistics.median(pooled), statistics.median(cold)
    n = args.docs
    rows = [
        ("cold soffice --convert-to, 1 document", f"{cold_s * 1000:7.0f} ms", f"{1 / cold_s:5.2f} docs/s", ""),
        (f"one WarmConverter, {n} documents in turn", f"{seq * 1000:7.0f} ms", f"{n / seq:5.2f} docs/s",
         f"{seq / n / cold_s:.2f}x cold per document; start {start * 1000:.0f} ms"),
        (f"ConverterPool({args.size}), {n} documents from {n} threads", f"{par * 1000:7.0f} ms",
         f"{n / par:5.2f} docs/s", f"{seq / par:.2f}x the one converter's throughput"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{args.runs} runs each, medians; {os.cpu_count()} cores")
    for label, ms, rate, note in rows:
        print(f"{label:<{width}}  {ms}  {rate}  {note}")


if __name__ == "__main__":
    main()
