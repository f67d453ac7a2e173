"""What personal-data handling costs, next to the work it sits beside, in one run.

    .venv/bin/python bench/privacy.py [--repeat 15]

- indexing: finding, masking and tokenising the ID and phone numbers of a version's text
  (docgen.privacy, as SearchIndex does) next to the analysis every version gets anyway
  (whoosh's grams), for a 6-page contract and for a 2,000-item quote;
- copies of scans: rebuilding a 6-page scan without its active content (pikepdf) next to
  the pypdf copy every delivery makes anyway.
Medians in milliseconds, and the ratio.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docgen.archive.search import grams
from docgen.distribute import inert_pdf
from docgen.privacy import customer_pairs, id_numbers, leaks, mask_id, mask_text, token

ID, PHONE = "440308199001011239", "13812345678"
KEY = bytes(range(32))


def contract_text(items: int) -> str:
    head = (f"家庭居室装饰装修工程施工合同\n发包人（甲方） | 张三\n身份证号码 | {ID}\n联系电话 | {PHONE}\n"
            "住址 | 上海市浦东新区张江路88弄12号1602室\n")
    rows = "".join(f"{i} | 卫生间防水涂料两遍 | ㎡ | 12.5 | 168.00 | 2100.00 | 含闭水试验48小时\n"
                   for i in range(1, items + 1))
    terms = "7.1 乙方未按期竣工的，每逾期一日，按合同价款的 0.3% 向甲方支付违约金。\n" * 40
    return head + rows + terms + "紧急联系电话 138-1234-5678\n"


def masked_body(text: str) -> str:
    """What SearchIndex indexes for a version's text."""
    pairs = customer_pairs({"id_number": ID, "phone": PHONE}) + [(n, mask_id(n)) for n in id_numbers(text)]
    shown = set(leaks(text, pairs))
    pairs = [p for p in pairs if p[0] in shown]
    return mask_text(text, pairs) + "\n" + " ".join(token(KEY, v) for v, _ in pairs)


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def scan_pdf(pages: int) -> bytes:
    """An image-only PDF of ``pages`` A4 pages at 200 dpi, one JPEG each, as scanners make."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(180, 255, (2339, 1654), dtype=np.uint8)) for _ in range(pages)]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", resolution=200, save_all=True, append_images=images[1:], quality=75)
    return buf.getvalue()


def pypdf_copy(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    rows = []
    for name, items in (("contract, 6 pages", 20), ("quote, 2,000 items", 2000)):
        text = contract_text(items)
        assert ID not in masked_body(text) and PHONE not in masked_body(text)
        mine = median_ms(lambda t=text: masked_body(t), args.repeat)
        plain = median_ms(lambda t=text: grams(t), args.repeat)
        rows.append((f"index: masking ({name}, {len(text):,} chars)", mine, "whoosh grams", plain))
    scan = scan_pdf(6)
    mine = median_ms(lambda: pypdf_copy(inert_pdf(scan)), args.repeat)
    plain = median_ms(lambda: pypdf_copy(scan), args.repeat)
    rows.append(("copy of a 6-page scan: inert_pdf + pypdf", mine, "pypdf alone", plain))
    print(f"{'docgen':<52} {'ms':>8}   {'beside':<14} {'ms':>8}  {'ratio':>6}")
    for what, mine, beside, plain in rows:
        print(f"{what:<52} {mine:>8.2f}   {beside:<14} {plain:>8.2f}  {mine / plain:>6.2f}")


if __name__ == "__main__":
    main()
