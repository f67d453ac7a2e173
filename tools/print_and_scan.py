"""Make a scanner-like copy of a generated PDF, to try intake without paper and scanner.

    .venv/bin/python tools/print_and_scan.py archive/documents/HT-2026-0001/HT-2026-0001-v1.pdf out.pdf
    .venv/bin/python tools/print_and_scan.py --unsigned in.pdf out.pdf

Each page is rendered at 200 dpi in grey, signed (a scribble on each signature line, a
round seal on each seal line), turned by under a degree and saved as JPEG in an
image-only PDF, as an office scanner delivers it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import scanmaker  # noqa: E402  (the test suite's scanner, so the demo signs as the tests do)


def main() -> None:
    args = sys.argv[1:]
    signed = "--unsigned" not in args
    args = [a for a in args if a != "--unsigned"]
    if len(args) != 2:
        sys.exit(__doc__)
    src, out = Path(args[0]), Path(args[1])
    pages = [
        image.rotate(0.6 if n % 2 else -0.4, resample=Image.BICUBIC, expand=True, fillcolor=250)
        for n, image in enumerate(scanmaker.render(src, 200, signed=signed))
    ]
    pages[0].save(out, "PDF", resolution=200, save_all=True, append_images=pages[1:], quality=80)
    print(f"{out}: {len(pages)} scanned page(s)" + ("" if signed else ", unsigned"))


if __name__ == "__main__":
    main()
