"""Make a scanner-like copy of a generated PDF, to try intake without paper and scanner.

    .venv/bin/python tools/print_and_scan.py archive/documents/HT-2026-0001/HT-2026-0001-v1.pdf out.pdf

Each page is rendered at 200 dpi in grey, turned by under a degree and saved as JPEG in
an image-only PDF, as an office scanner delivers it. (No signature is drawn: the code
on the pages is what docgen reads.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    doc = pdfium.PdfDocument(str(src))
    pages = []
    for n, page in enumerate(doc):
        image = page.render(scale=200 / 72, grayscale=True).to_pil().convert("L")
        pages.append(image.rotate(0.6 if n % 2 else -0.4, resample=Image.BICUBIC, expand=True, fillcolor=250))
    doc.close()
    pages[0].save(out, "PDF", resolution=200, save_all=True, append_images=pages[1:], quality=80)
    print(f"{out}: {len(pages)} scanned page(s)")


if __name__ == "__main__":
    main()
