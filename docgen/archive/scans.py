"""Reading scans: the page codes on each page of a PDF, JPEG, PNG or TIFF.

A scanner's PDF holds one JPEG per page; that JPEG is decoded straight from the
PDF at about 150-200 dpi (JPEG's own reduced decoding, so a 300 dpi scan costs
little more than a 150 dpi one) and its QR codes are read with zxing-cpp. A page
whose images hold no readable code (CCITT or JBIG2 images, a vector page, a code
too small at reduced size) is rendered with PDFium and read again. Photos are
read the same way. Nothing here knows documents: it returns what each page shows.

Heavy libraries (pypdf, Pillow, PDFium, zxing-cpp) load on first use.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docgen.pdfium import LOCK


def N_(message: str) -> str:  # noqa: N802 - marks a message for the catalog (docgen.i18n.N_)
    return message


# What the inbox accepts, by the file's first bytes.
MAGIC = {
    b"%PDF-": "pdf",
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}
EXTENSIONS = {".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".tif": "tiff", ".tiff": "tiff"}
FORMAT_EXT = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png", "tiff": ".tif"}

# A page image counts as a scan of the whole page when it has at least this share of
# the pixels the page would have at 100 dpi (the QR picture of a generated PDF has ~1%).
SCAN_SHARE = 0.25
TARGET_DPI = 200
PHOTO_PIXELS = 2000
MAX_PIXELS = 40_000_000  # an A4 page at 600 dpi is 35 million
COMPARE_DPI = 100  # the resolution pages are compared at (docgen.archive.pagecheck)
COMPARE_PIXELS = 2_000_000  # the most a page's comparison image holds (A4 at 100 dpi is 1 million)
PHOTO_COMPARE = 1400  # pixels across a photo's comparison image (the page fills most of it)


class Unreadable(Exception):
    """The file cannot be read as a scan; the message says why, for the reason file.

    The message is kept in English with its fields and translated when it is shown, in the
    process that shows it (scans are read in the reader process, which does not know the
    company's language)."""

    def __init__(self, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message, fields or {})
        self.message, self.fields = message, fields or {}

    def __str__(self) -> str:
        from docgen.i18n import _  # not in the reader process, which never shows a message

        return _(self.message).format(**self.fields)


class Encrypted(Unreadable):
    """The PDF needs a password."""


class Truncated(Unreadable):
    """The file ends early: still being written, or cut off."""


@dataclass
class Page:
    """One page of a scan: the QR payloads read on it, and whether it is a scanned image.

    For the comparison with the generated page (``pagecheck``), the page as a grey image
    of about COMPARE_DPI (``image``: ``size[0] * size[1]`` bytes, row by row) and where
    each code sits on it (``corners``: payload, then its four corners in those pixels).
    Plain data of bounded size, so a child process can hand it back.
    """

    number: int
    codes: list[str] = field(default_factory=list)
    scanned: bool = True
    route: str = ""
    image: bytes = b""
    size: tuple[int, int] = (0, 0)
    corners: list[tuple[str, tuple[tuple[float, float], ...]]] = field(default_factory=list)


@dataclass
class Scan:
    format: str
    pages: list[Page]
    text: list[str] | None = None  # the PDF's text layer per page, read only when asked


def sniff(head: bytes) -> str | None:
    """The scan format of a file from its first bytes, or None when it is no scan."""
    for magic, fmt in MAGIC.items():
        if head.startswith(magic):
            return fmt
    return None


def _zxing() -> Any:
    import zxingcpp

    return zxingcpp


Found = list[tuple[str, tuple[tuple[float, float], ...]]]  # payload, corners as fractions of the image


def find(image: Any, thorough: bool = False) -> Found:
    """QR payloads in a PIL image, each with its corners (top-left, top-right,
    bottom-right, bottom-left in the code's own orientation) as fractions of the image."""
    zx = _zxing()
    results = zx.read_barcodes(image, formats=zx.BarcodeFormat.QRCode, try_invert=thorough)
    w, h = image.size
    out: Found = []
    for r in results:
        if r.text:
            p = r.position
            out.append((r.text, tuple((q.x / w, q.y / h) for q in
                                      (p.top_left, p.top_right, p.bottom_right, p.bottom_left))))
    return out


def decode(image: Any, thorough: bool = False) -> list[str]:
    """QR payloads in a PIL image."""
    return [text for text, _corners in find(image, thorough)]


def _jpeg_codes(data: bytes, scale: int) -> tuple[Found, Any]:
    """Decode a JPEG at 1/scale of its size first (fast), at full size if that finds nothing.
    Returns the codes found and the image they were found on."""
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    w, h = im.size
    if scale >= 2:
        im.draft("L", (w // scale, h // scale))
        found = find(im)
        if found:
            return found, im
        im = Image.open(io.BytesIO(data))
    im.draft("L", (w, h))
    return find(im), im


def _keep_image(page: Page, image: Any, found: Found, width: int) -> None:
    """The page at about ``width`` pixels across and its codes' corners, for the comparison."""
    from PIL import Image

    grey = image.convert("L")
    scale = min(width / grey.width, (COMPARE_PIXELS / (grey.width * grey.height)) ** 0.5)
    size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
    small = grey.resize(size, Image.BILINEAR, reducing_gap=2.0) if size != grey.size else grey
    page.image, page.size = small.tobytes(), small.size
    page.corners = [(text, tuple((x * size[0], y * size[1]) for x, y in c)) for text, c in found]


def _load_pdf(data: bytes) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    tail = data[-2048:]
    if b"%%EOF" not in tail:
        raise Truncated(N_("the PDF ends early (no %EOF): it was cut off or is still being written"))
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:
                ok = 0
            if not ok:
                raise Encrypted(N_("the PDF is protected by a password; save or scan it again without one"))
        if len(reader.pages) == 0:
            raise Unreadable(N_("the PDF has no pages"))
        return reader
    except (Encrypted, Unreadable):
        raise
    except FileNotDecryptedError:
        raise Encrypted(N_("the PDF is protected by a password; save or scan it again without one")) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise Unreadable(N_("the PDF is damaged and cannot be read ({error}: {detail})"),
                         {"error": type(exc).__name__, "detail": str(exc)}) from None


def _page_images(page: Any) -> Iterator[tuple[int, int, str, Any]]:
    """(width, height, filter, stream) of the images drawn on a page, forms included."""
    def walk(resources: Any, depth: int) -> Iterator[tuple[int, int, str, Any]]:
        if resources is None or depth > 3:
            return
        xobjects = resources.get_object().get("/XObject")
        if xobjects is None:
            return
        xobjects = xobjects.get_object()
        for name in xobjects:
            obj = xobjects[name].get_object()
            subtype = obj.get("/Subtype")
            if subtype == "/Image":
                filt = obj.get("/Filter")
                if isinstance(filt, list):
                    filt = filt[0] if len(filt) == 1 else "/Chain"
                yield int(obj.get("/Width", 0)), int(obj.get("/Height", 0)), str(filt), obj
            elif subtype == "/Form":
                yield from walk(obj.get("/Resources"), depth + 1)

    yield from walk(page.get("/Resources"), 0)


def _render(pdfium_doc: Any, index: int, dpi: int) -> Any:
    """A page as a grey image at ``dpi``, or less where the page is so large that the
    image would pass MAX_PIXELS (a poster-sized page, a malformed box)."""
    page = pdfium_doc[index]
    try:
        w, h = page.get_size()
        scale = dpi / 72
        if w * h * scale * scale > MAX_PIXELS:
            scale = (MAX_PIXELS / max(w * h, 1.0)) ** 0.5
        return page.render(scale=scale, grayscale=True).to_pil()
    finally:
        page.close()


def read_pdf(data: bytes) -> Scan:
    reader = _load_pdf(data)
    pdfium_doc = None
    pages: list[Page] = []
    try:
        for i, page in enumerate(reader.pages):
            try:
                box = page.mediabox
                w_in, h_in = abs(float(box.width)) / 72, abs(float(box.height)) / 72
            except Exception:
                w_in, h_in = 8.27, 11.69  # a page without a usable box: take it as A4
            out = Page(i + 1, scanned=False)
            try:
                images = sorted(_page_images(page), key=lambda im: -im[0] * im[1])
            except Exception:
                images = []
            if images:
                w, h = images[0][0], images[0][1]
                out.scanned = w * h >= SCAN_SHARE * (w_in * 100) * (h_in * 100)
            across = round(w_in * COMPARE_DPI)
            for w, h, filt, obj in images[:2]:
                if filt == "/DCTDecode" and w * h > 0:
                    try:
                        found, im = _jpeg_codes(obj.get_data(), int(w / w_in // TARGET_DPI) if w_in else 1)
                    except Exception:
                        found = []
                    if found:
                        out.codes, out.route = [t for t, _c in found], "image"
                        if w == images[0][0] and h == images[0][1]:  # the page itself, not a pasted picture
                            _keep_image(out, im, found, across)
                        break
            if not out.codes:
                if pdfium_doc is None:
                    import pypdfium2 as pdfium

                    try:
                        with LOCK:
                            pdfium_doc = pdfium.PdfDocument(data)
                    except Exception as exc:
                        raise Unreadable(N_("the PDF cannot be rendered ({error})"), {"error": str(exc)}) from None
                for dpi in (150, 300):
                    with LOCK:
                        rendered = _render(pdfium_doc, i, dpi)
                    found = find(rendered, thorough=dpi == 300)
                    if found or dpi == 150:  # a page without a code is compared by its frame
                        _keep_image(out, rendered, found, across)
                    if found:
                        out.codes, out.route = [t for t, _c in found], f"render {dpi} dpi"
                        break
            pages.append(out)
    finally:
        if pdfium_doc is not None:
            with LOCK:
                pdfium_doc.close()
    return Scan("pdf", pages)


def pdf_text(data: bytes) -> list[str]:
    """The text layer of each page (empty strings for image-only pages)."""
    try:
        reader = _load_pdf(data)
    except Exception:
        return []
    out = []
    for page in reader.pages:
        try:
            out.append(page.extract_text() or "")
        except Exception:
            out.append("")
    return out


def _out_of_memory(exc: Exception) -> bool:
    """Pillow's decoders report a failed allocation as ``OSError("decoder error -9")``
    (IMAGING_CODEC_MEMORY) or an "out of memory" message, not as MemoryError: such a
    file is not damaged, it needed more memory than the reader has."""
    text = str(exc)
    return text == "decoder error -9" or "out of memory" in text.lower()


def read_image(data: bytes, fmt: str) -> Scan:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
        frames = [f.copy() for f in ImageSequence.Iterator(im)] if fmt == "tiff" else [im]
    except Image.DecompressionBombError:
        raise Unreadable(N_("the image is too large to be a page scan (more than 178 million pixels)")) from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        if _out_of_memory(exc):
            raise MemoryError from None
        if "truncated" in str(exc):
            raise Truncated(N_("the image ends early: it was cut off or is still being written")) from None
        raise Unreadable(N_("the image is damaged or incomplete and cannot be read")) from None
    pages = []
    for n, frame in enumerate(frames):
        try:
            if fmt == "jpeg":
                # a phone photo of an A4 page: decode at about 2000 px wide first
                found, seen = _jpeg_codes(data, max(frame.size) // PHOTO_PIXELS)
            else:
                frame.load()
                seen = frame.convert("L")
                found = find(seen)
            if not found:
                seen = frame.convert("L")
                found = find(seen, thorough=True)
            codes = [t for t, _c in found]
        except OSError as exc:
            if _out_of_memory(exc):
                raise MemoryError from None
            if "truncated" in str(exc):
                raise Truncated(N_("the image ends early: it was cut off or is still being written")) from None
            raise Unreadable(N_("the image is damaged or incomplete and cannot be read")) from None
        page = Page(n + 1, codes=codes, scanned=True, route="image" if codes else "")
        if found:
            _keep_image(page, seen, found, PHOTO_COMPARE)
        pages.append(page)
    return Scan(fmt, pages)


def read(data: bytes, fmt: str) -> Scan:
    """Every page of a scan with the QR payloads found on it.

    Whatever goes wrong while reading is the file's fault (a scan docgen cannot read),
    so it comes out as ``Unreadable`` with a message fit for a reason file.
    """
    if fmt == "jpeg" and not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise Truncated(N_("the image ends early: it was cut off or is still being written"))
    if fmt == "png" and b"IEND" not in data[-16:]:
        raise Truncated(N_("the image ends early: it was cut off or is still being written"))
    try:
        return read_pdf(data) if fmt == "pdf" else read_image(data, fmt)
    except Unreadable:
        raise
    except MemoryError:
        raise Unreadable(N_("the file's pages are too large to read as page scans")) from None
    except Exception as exc:
        what = N_("the PDF is damaged and cannot be read ({error})") if fmt == "pdf" else \
            N_("the image is damaged and cannot be read ({error})")
        raise Unreadable(what, {"error": type(exc).__name__}) from None


def extract(data: bytes, fmt: str, pages: list[int]) -> tuple[bytes, str]:
    """Pages (1-based) of a scan as a file of their own: (bytes, format)."""
    if fmt == "pdf":
        from pypdf import PdfWriter

        reader = _load_pdf(data)
        writer = PdfWriter()
        for n in pages:
            writer.add_page(reader.pages[n - 1])
        buf = io.BytesIO()
        writer.write(buf)
        return buf.getvalue(), "pdf"
    if fmt == "tiff":
        from PIL import Image, ImageSequence

        frames = [f.copy() for f in ImageSequence.Iterator(Image.open(io.BytesIO(data)))]
        chosen = [frames[n - 1] for n in pages]
        buf = io.BytesIO()
        chosen[0].save(buf, "TIFF", save_all=True, append_images=chosen[1:], compression="tiff_lzw")
        return buf.getvalue(), "tiff"
    if pages == [1]:
        return data, fmt
    raise ValueError(f"a {fmt} file has one page")


def join(files: list[tuple[bytes, str]]) -> bytes:
    """Scans and photos (bytes, format) as the pages of one PDF, in the order given."""
    from PIL import Image, ImageOps, ImageSequence
    from pypdf import PdfWriter

    writer = PdfWriter()
    for data, fmt in files:
        if fmt != "pdf":
            frames = [ImageOps.exif_transpose(f.copy()).convert("RGB")
                      for f in ImageSequence.Iterator(Image.open(io.BytesIO(data)))]
            buf = io.BytesIO()
            frames[0].save(buf, "PDF", save_all=True, append_images=frames[1:], resolution=200, quality=90)
            data = buf.getvalue()
        writer.append(_load_pdf(data))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
