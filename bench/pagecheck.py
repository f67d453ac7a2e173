"""Page comparison benchmark: correct decisions per kind of scan, and the cost per page.

    .venv/bin/python bench/pagecheck.py [--seeds N]

A quote (2 pages), a contract (9 pages) and a rectification notice (2 pages) are
generated, printed, signed and scanned in many ways (tests/scanmaker.py), each page
read by docgen's reader (`scans.read`, which also keeps the page image and the code's
corners) and compared with its generated page (`pagecheck.compare`):

- genuine pages (150/200/300 dpi, turned 1.5 degrees, heavy grain, JPEG quality 40,
  bilevel, phone photos turned 3-8 degrees, shaded and blurred) must match;
- foreign pages (another page, the code of this one pasted on) and pages with one
  amount painted over and another written in the same size must differ;
- on pages with signature fields, signed prints must show ink in a field, unsigned
  prints none.

Printed: the rate of correct decisions per category (and how many pages could not be
aligned), then the median cost per page of identification alone (reading the scan)
next to identification plus comparison (rendering the generated page, comparing).
Target: identification + comparison <= 300 ms per page (medians).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402
import scanmaker  # noqa: E402
from PIL import Image  # noqa: E402

from bench.common import docgen  # noqa: E402
from docgen.archive import pagecheck, scans  # noqa: E402

AMOUNT = re.compile(r"[¥￥]?\d{1,3}(?:,\d{3})+\.\d{2}")


def pdf_of(image: Image.Image, dpi: int, quality: int = 75) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PDF", resolution=dpi, quality=quality)
    return buf.getvalue()


def jpeg_of(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def bilevel_pdf(image: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    image.point(lambda v: 255 if v > 150 else 0).convert("1").save(buf, "PDF", resolution=dpi)
    return buf.getvalue()


def amounts(pdf: Path) -> list[tuple[int, str]]:
    """(page, amount) printed on the pages, for the forger to change."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        out = []
        for n in range(len(doc)):
            text = doc[n].get_textpage().get_text_range()
            out += [(n + 1, a) for a in dict.fromkeys(AMOUNT.findall(text))]
        return out
    finally:
        doc.close()


def changed(amount: str, rng: random.Random) -> str:
    digits = [i for i, c in enumerate(amount) if c.isdigit()]
    i = rng.choice(digits[:-3] or digits)
    return amount[:i] + str((int(amount[i]) + rng.randint(1, 8)) % 10) + amount[i + 1:]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=1, help="scans of each kind per page")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="docgen-bench-pagecheck-"))
    env = {**os.environ, "DOCGEN_ARCHIVE": str(tmp / "archive")}
    samples = ROOT / "samples" / "zhangjiang"
    docgen("new", "quote", str(samples / "quote.yaml"), env=env)
    docgen("new", "contract", str(samples / "contract.yaml"), env=env)
    # a notice needs a contract that counts: here the approved one (its scan is what is measured)
    toml = tmp / "archive" / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('contract_status = "signed"',
                                                             'contract_status = "approved"'), encoding="utf-8")
    docgen("review", "HT-2026-0001", "submit", env=env)
    docgen("review", "HT-2026-0001", "approve", env=env)
    docgen("new", "rectification", str(samples / "rectification.yaml"), env=env)
    docs = tmp / "archive" / "documents"
    pdfs = [docs / "BJ-2026-0001/BJ-2026-0001-v1.pdf", docs / "HT-2026-0001/HT-2026-0001-v1.pdf",
            docs / "ZG-2026-0001/ZG-2026-0001-v1.pdf"]
    refs = {pdf: pagecheck.references(pdf.read_bytes()) for pdf in pdfs}
    pages = [(pdf, n) for pdf in pdfs for n in range(1, len(refs[pdf]) + 1)]
    results: dict[str, list[str]] = {}
    read_ms: list[float] = []
    total_ms: list[float] = []

    def check(category: str, pdf: Path, n: int, data: bytes, fmt: str, want: str) -> None:
        t0 = time.perf_counter()
        page = scans.read(data, fmt).pages[0]
        t1 = time.perf_counter()
        ref = pagecheck.references(pdf.read_bytes(), [n])[0]  # what intake renders per page
        if page.image:
            image = np.frombuffer(page.image, dtype=np.uint8).reshape(page.size[1], page.size[0])
            corners = page.corners[0][1] if page.corners else None
            verdict = pagecheck.compare(ref.image, ref.corners, image, corners, ref.areas)
        else:
            verdict = pagecheck.Verdict("unaligned", "no image")
        t2 = time.perf_counter()
        read_ms.append(t1 - t0)
        total_ms.append(t2 - t0)
        got = verdict.status
        if want in ("signed", "unsigned"):
            got = "signed" if verdict.signed else "unsigned"
        results.setdefault(category, []).append("ok" if got == want else got)

    rng = random.Random(1)
    for seed in range(args.seeds):
        for pdf, n in pages:
            s = seed * 100 + n
            for dpi in (150, 200, 300):
                im = scanmaker.degrade(scanmaker.render(pdf, dpi, [n])[0], s)
                check(f"genuine {dpi} dpi", pdf, n, pdf_of(im, dpi), "pdf", "match")
            page200 = scanmaker.render(pdf, 200, [n])[0]
            angle = 1.5 if s % 2 else -1.5
            check("genuine turned 1.5°", pdf, n, pdf_of(scanmaker.degrade(page200, s, angle=angle), 200), "pdf", "match")
            check("genuine noisy (σ=25)", pdf, n, pdf_of(scanmaker.degrade(page200, s, noise=25), 200), "pdf", "match")
            check("genuine JPEG q=40", pdf, n, pdf_of(scanmaker.degrade(page200, s), 200, 40), "pdf", "match")
            check("genuine bilevel", pdf, n, bilevel_pdf(scanmaker.degrade(page200, s), 200), "pdf", "match")
            photo = scanmaker.phone_photo(scanmaker.render(pdf, 250, [n])[0], seed=s)
            check("genuine phone photo", pdf, n, photo, "jpeg", "match")
            # foreign: another page of these documents, this page's genuine code pasted on
            others = [p for p in pages if p != (pdf, n)]
            opdf, on = others[(s * 7) % len(others)]
            code = scanmaker.read_code(page200)
            foreign = scanmaker.replace_qr(scanmaker.render(opdf, 200, [on])[0], code)
            check("foreign page, pasted code", pdf, n, pdf_of(scanmaker.degrade(foreign, s), 200), "pdf", "differs")
            if any(a.required for a in refs[pdf][n - 1].areas):
                unsigned = scanmaker.render(pdf, 200, [n], signed=False)[0]
                check("signed print", pdf, n, pdf_of(scanmaker.degrade(page200, s), 200), "pdf", "signed")
                check("unsigned print", pdf, n, pdf_of(scanmaker.degrade(unsigned, s), 200), "pdf", "unsigned")
        for pdf in pdfs:
            for n, amount in amounts(pdf):
                edited = scanmaker.sign(pdf, [scanmaker.change_text(pdf, n, amount, changed(amount, rng))], [n])[0]
                check("one amount changed", pdf, n, pdf_of(scanmaker.degrade(edited, seed * 100 + n), 200), "pdf",
                      "differs")

    print(f"{'category':28} {'pages':>5} {'correct':>8} {'rate':>7}  other outcomes")
    allok = alln = 0
    for category, outcomes in results.items():
        ok = outcomes.count("ok")
        allok, alln = allok + ok, alln + len(outcomes)
        other = ", ".join(f"{k} {outcomes.count(k)}" for k in sorted(set(outcomes) - {"ok"}))
        print(f"{category:28} {len(outcomes):5} {ok:8} {ok / len(outcomes):7.1%}  {other}")
    print(f"{'all':28} {alln:5} {allok:8} {allok / alln:7.1%}")
    ident, both = statistics.median(read_ms) * 1000, statistics.median(total_ms) * 1000
    print(f"\nms per page (median of {len(read_ms)}): identification {ident:.1f}, "
          f"identification + comparison {both:.1f} (x{both / ident:.2f}); target <= 300")


if __name__ == "__main__":
    main()
