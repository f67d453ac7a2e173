"""Realistic scans of generated documents, for the intake tests and the benchmark.

A page is rendered from the generated PDF (as a printer would print it), turned a
little, given sensor noise and saved as JPEG inside an image-only PDF, the way an
office scanner delivers it. Phone photos are shot at an angle on a desk.
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import segno
import zxingcpp
from PIL import Image, ImageDraw, ImageFilter


def render(pdf: Path, dpi: int = 200, pages: list[int] | None = None, signed: bool = True) -> list[Image.Image]:
    """Pages (1-based; all by default) of a PDF as grey images, printed and signed
    (``signed=False``: the print as it left the printer)."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        numbers = pages or list(range(1, len(doc) + 1))
        images = [doc[n - 1].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for n in numbers]
    finally:
        doc.close()
    return sign(pdf, images, numbers) if signed else images


def degrade(img: Image.Image, seed: int = 0, angle: float | None = None, noise: float = 10) -> Image.Image:
    """A scanner's copy: turned by up to 1.5 degrees, with grain."""
    rng = random.Random(seed)
    angle = rng.uniform(-1.5, 1.5) if angle is None else angle
    img = img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=250)
    grain = np.random.default_rng(seed).normal(0, noise, (img.height, img.width))
    arr = np.clip(np.asarray(img, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(arr)


def image_pdf(images: list[Image.Image], out: Path, dpi: int = 200, quality: int = 75) -> Path:
    """An image-only PDF with one JPEG per page, as scanners make them."""
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:], quality=quality)
    return out


def scan(
    pdf: Path, out: Path, dpi: int = 200, pages: list[int] | None = None, seed: int = 0, signed: bool = True
) -> Path:
    """A scanned copy of a generated PDF, signed (or of some of its pages, in the order given)."""
    images = [degrade(im, seed + n) for n, im in enumerate(render(pdf, dpi, pages, signed))]
    return image_pdf(images, out, dpi)


def qr_box(img: Image.Image, margin: int = 6) -> tuple[int, int, int, int]:
    """Where the page code's QR sits on a page image."""
    found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found, "no QR code on this page"
    p = found[0].position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    return min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin


def cover_qr(img: Image.Image) -> Image.Image:
    """The page with its QR code blotted out (a coffee stain, a torn corner)."""
    img = img.copy()
    ImageDraw.Draw(img).rectangle(qr_box(img), fill=255)
    return img


def replace_qr(img: Image.Image, payload: str) -> Image.Image:
    """The page with another QR code pasted over its own (a forged code)."""
    img = img.copy()
    box = qr_box(img, margin=0)
    size = box[2] - box[0]
    buf = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buf, kind="png", scale=10, border=0)
    code = Image.open(buf).convert("L").resize((size, size), Image.NEAREST)
    ImageDraw.Draw(img).rectangle(qr_box(img), fill=255)
    img.paste(code, box[:2])
    return img


def phone_photo(page: Image.Image, seed: int = 0) -> bytes:
    """A phone photo of a page lying on a desk: turned, smaller, softer, unevenly lit."""
    rng = random.Random(seed)
    w, h = page.size
    desk = Image.new("L", (int(w * 1.25), int(h * 1.2)), 90)
    turned = page.rotate(rng.uniform(3, 8), resample=Image.BICUBIC, expand=True, fillcolor=90)
    desk.paste(turned, ((desk.width - turned.width) // 2, (desk.height - turned.height) // 2))
    shade = np.linspace(1.0, 0.8, desk.width, dtype=np.float32)[None, :]
    arr = np.clip(np.asarray(desk, dtype=np.float32) * shade, 0, 255).astype(np.uint8)
    photo = Image.fromarray(arr).filter(ImageFilter.GaussianBlur(1.0)).convert("RGB")
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=85)
    return out.getvalue()


def blank_photo(seed: int = 0, size: tuple[int, int] = (1200, 1600)) -> bytes:
    """A photo of paper with no code on it."""
    arr = np.random.default_rng(seed).normal(200, 20, (size[1], size[0]))
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    ImageDraw.Draw(img).text((100, 100), f"memo {seed}", fill=0)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def change_text(pdf: Path, page: int, old: str, new: str, dpi: int = 200) -> Image.Image:
    """A page of a PDF rendered with one piece of text (an amount) painted over and
    another written in its place at the same size: a forger's edited print."""
    from PIL import ImageFont

    doc = pdfium.PdfDocument(str(pdf))
    try:
        p = doc[page - 1]
        _w, height = p.get_size()
        image = p.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        textpage = p.get_textpage()
        text = textpage.get_text_range()
        at = text.index(old)
        boxes = [textpage.get_charbox(i) for i in range(at, at + len(old))]
    finally:
        doc.close()
    s = dpi / 72
    x0, x1 = min(b[0] for b in boxes) * s, max(b[2] for b in boxes) * s
    y0, y1 = (height - max(b[3] for b in boxes)) * s, (height - min(b[1] for b in boxes)) * s
    draw = ImageDraw.Draw(image)
    draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf", round((y1 - y0) * 1.45))
    draw.text((x1, y1), new, fill=0, font=font, anchor="rb")  # right-aligned, as in the table
    return image


def read_code(img: Image.Image) -> str:
    """The page code's payload on a page image."""
    found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found, "no QR code on this page"
    return found[0].text


FIELD = re.compile(r"(签字|签名|签收|签章|盖章|验收人)[）)]?[：:]\s*(_{3,})")


def sign(pdf: Path, images: list[Image.Image], pages: list[int] | None = None) -> list[Image.Image]:
    """The pages signed: a scribble on every signature line, a round seal on every seal line
    (the fields found by their printed labels, as a person finds them)."""
    doc = pdfium.PdfDocument(str(pdf))
    out = []
    try:
        numbers = pages or list(range(1, len(doc) + 1))
        for n, image in zip(numbers, images, strict=True):
            page = doc[n - 1]
            w, h = page.get_size()
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            image = image.copy()
            draw = ImageDraw.Draw(image)
            sx, sy = image.width / w, image.height / h
            for m in FIELD.finditer(text):
                boxes = [textpage.get_charbox(i) for i in range(m.start(2), m.end(2))]
                x0, x1 = min(b[0] for b in boxes) * sx, max(b[2] for b in boxes) * sx
                y = (h - min(b[1] for b in boxes)) * sy
                if "章" in m.group(1):
                    r = 19 / 25.4 * 72 * sx  # a 38 mm seal
                    cx, cy = (x0 + x1) / 2, y - r * 0.3
                    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=110, width=max(2, int(r / 12)))
                    star = [(cx + r * 0.3 * np.cos(a), cy + r * 0.3 * np.sin(a))
                            for a in np.linspace(-np.pi / 2, 3.5 * np.pi, 6)]
                    draw.polygon(star[:5], fill=110)
                    for k in range(8):  # the company's name around the rim
                        a = np.pi * (1.1 + 0.8 * k / 7)
                        px, py = cx + r * 0.72 * np.cos(a), cy + r * 0.72 * np.sin(a)
                        draw.rectangle((px - r * 0.07, py - r * 0.07, px + r * 0.07, py + r * 0.07), fill=110)
                else:
                    rng = random.Random(n * 100 + m.start())
                    line_h = (max(b[3] for b in boxes) - min(b[1] for b in boxes)) * sy + 12 * sy
                    pts = [(x0 + (x1 - x0) * t / 12, y - line_h * rng.uniform(0.2, 1.4)) for t in range(13)]
                    draw.line(pts, fill=30, width=max(2, int(sx * 1.2)), joint="curve")
            textpage.close()
            page.close()
            out.append(image)
    finally:
        doc.close()
    return out
