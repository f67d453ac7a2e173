"""Reading a quote's sheet: docgen.sheets.read beside openpyxl's plain read of the same file.

    .venv/bin/python bench/sheets.py [--rows 100,1000,10000] [--runs 5]

For each size, a quote sheet of that many item rows (the split-price layout of
tests/sheetmaker.py: merged section rows every 20 items, 小计 rows, 合计 / 管理费 / 税金 /
总计, a 备注 block, 主材 / 辅材 / 人工 under a merged 单价, 损耗) is written once, then read
RUNS times by

- the floors: ``openpyxl.load_workbook(path, data_only=True)`` and every cell's value
  (``iter_rows(values_only=True)``), the plain read; and the same with ``read_only=True``
  (rows streamed), the mode docgen reads in: what any reader of the file pays;
- docgen: ``docgen.sheets.read`` (the zip checked, the header found, every row classified,
  every figure parsed with its cell) and the line amounts checked to the fen
  (``check_line_amounts``): what ``docgen new quote SHEET.xlsx`` spends before the quote's
  model, numbering and rendering.

It prints the median and the fastest run of each, and docgen's median over the floor's
(this machine is noisy: the medians of interleaved runs are the figure to quote). The target
is 10,000 item rows read in under 2 s.
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


def items_for(rows: int) -> list:  # type: ignore[type-arg]
    """``rows`` items in sections of 20, names and figures varied like a real quote's."""
    import sheetmaker

    base = [it for _s, items in sheetmaker.ITEMS for it in items]
    sections = []
    for start in range(0, rows, 20):
        chunk = []
        for i in range(start, min(start + 20, rows)):
            name, unit, q, price, loss, note = base[i % len(base)]
            chunk.append((f"{name}{i + 1}", unit, f"{(i % 37) + 1}.5", price, loss, note))
        sections.append((f"第{len(sections) + 1}区工程", chunk))
    return sections


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="100,1000,10000")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    import openpyxl
    import sheetmaker

    from docgen import sheets

    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; {args.runs} runs each, interleaved")
    print(f"{'item rows':>10} {'openpyxl p50':>13} {'read-only p50':>14} {'docgen p50':>11} {'min':>8} "
          f"{'vs plain':>9} {'vs read-only':>13}  target")
    with tempfile.TemporaryDirectory(prefix="docgen-bench-sheets-") as tmp:
        for n in (int(x) for x in args.rows.split(",")):
            path = Path(tmp) / f"报价-{n}.xlsx"
            sheetmaker.split_sheet(path, items=items_for(n), numerals=False)
            floor, streamed, ours = [], [], []
            for _ in range(args.runs):
                for read_only, into in ((False, floor), (True, streamed)):
                    t = time.perf_counter()
                    wb = openpyxl.load_workbook(path, data_only=True, read_only=read_only)
                    for ws in wb.worksheets:
                        for _row in ws.iter_rows(values_only=True):
                            pass
                    wb.close()
                    into.append(time.perf_counter() - t)
                t = time.perf_counter()
                table = sheets.read(path, "quote", None)
                sheets.check_line_amounts(table)
                ours.append(time.perf_counter() - t)
                assert sum(len(s.lines) for s in table.sections) == n
            f, r, o = statistics.median(floor), statistics.median(streamed), statistics.median(ours)
            target = ("< 2 s: " + ("met" if o < 2 else "MISSED")) if n >= 10000 else ""
            print(f"{n:>10,} {f * 1000:>10.0f} ms {r * 1000:>11.0f} ms {o * 1000:>8.0f} ms "
                  f"{min(ours) * 1000:>5.0f} ms {o / f:>8.2f}x {o / r:>12.2f}x  {target}")


if __name__ == "__main__":
    main()
