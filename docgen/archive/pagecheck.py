"""Does a scanned page show the page it claims to be? Images and areas, no documents.

The page code proves which document and version a page claims, not that the page is
that document's: a genuine code cut out and pasted onto other paper reads the same.
So the scan is laid over the generated page and their print compared:

1. the QR code's four corners, found on both, give the first alignment (position,
   size and rotation; corners are ordered by the code itself, so a page scanned
   upside down aligns too);
2. OpenCV's ECC refines it over the whole page at a quarter of the resolution
   (the code is small, so its angle is rough), then the shift of every inked tile
   of the page (phase correlation) is fitted as one affine transform, twice;
   a page without a readable code starts from its frame (a flatbed scan);
3. ink is taken from both (the scan thresholded against its own neighbourhood, so
   shading and grey paper do not count); print missing from the scan, and ink on the
   scan where the generated page has none, each beyond a small tolerance, outside the
   areas where people write (signature and seal fields, dates) and the code itself;
4. what is left, grouped into marks the size of a few characters, is a difference.

A page that cannot be aligned (no code position, an implausible size) is reported as
such, never as "does not match": a person may look and decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docgen.archive import scans
from docgen.i18n import gettext

COMPARE_DPI = scans.COMPARE_DPI  # both sides are compared at this resolution (digits are ~14 px high)
TOLERANCE = 2  # pixels either way a stroke may sit from where it should
TILE = 128  # pixels of a tile whose shift refines the alignment
PASSES = 2  # tile refinements (the second corrects what the first's rotation left)
MIN_MARK = 24  # differing pixels that make a mark (a digit's stroke is ~20 at 100 dpi)
SIGNED_INK = 120  # pixels of ink at 100 dpi in a field: a short signature has several hundred
EDGE = 0.03  # the page's rim, where scanners leave shadows, is not compared

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the page
Corners = tuple[tuple[float, float], ...]  # the QR's top-left, top-right, bottom-right, bottom-left


@dataclass(frozen=True)
class Verdict:
    """``match``, ``differs`` (with where) or ``unaligned`` (with why)."""

    status: str
    detail: str = ""
    where: tuple[float, float] | None = None  # (down, across) as fractions of the page
    signed: tuple[str, ...] = ()  # the required areas that hold ink


def _np() -> Any:
    import numpy

    return numpy


def _cv() -> Any:
    import cv2

    return cv2


def _similarity(src: Any, dst: Any) -> Any:
    """The 2x3 rotation-scale-translation that takes the points ``src`` to ``dst``."""
    cv2 = _cv()
    m, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)
    return m


def _ecc(template: Any, image: Any, warp: Any, motion: int) -> Any | None:
    """ECC alignment of ``image`` to ``template`` from ``warp`` (template -> image), or None
    where it does not converge (the first guess too far off, or a page that is not this one)."""
    cv2 = _cv()
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    try:
        _rho, warp = cv2.findTransformECC(template, image, warp, motion, criteria, None, 5)
    except cv2.error:
        return None
    return warp


def _warp(scan: Any, h: Any, shape: tuple[int, int]) -> Any:
    """The scan laid over the generated page by ``h`` (generated -> scan)."""
    np, cv2 = _np(), _cv()
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    if np.allclose(h[2], [0, 0, 1]):  # affine (all fits are): half the cost of a perspective warp
        return cv2.warpAffine(scan, h[:2].astype(np.float64), (shape[1], shape[0]), flags=flags,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return cv2.warpPerspective(scan, h.astype(np.float64), (shape[1], shape[0]), flags=flags,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def _tiles(
    generated: Any, scan: Any, h: Any, gen_qr: Corners | None, scan_qr: Corners | None
) -> tuple[Any, int]:
    """``h`` refined by the shift of each inked tile of the page (phase correlation), fitted
    as one affine transform; tiles that disagree (a changed line) are left out."""
    np, cv2 = _np(), _cv()
    rows, cols = generated.shape
    warped = _warp(scan, h, generated.shape)
    size, step = TILE, TILE
    window = cv2.createHanningWindow((size, size), cv2.CV_32F)
    src, dst = [], []
    for y in range(0, rows - size + 1, step):
        for x in range(0, cols - size + 1, step):
            g = generated[y:y + size, x:x + size]
            if (g < 160).mean() < 0.02:
                continue  # blank paper says nothing about where it lies
            a = 255 - g.astype(np.float32)
            b = 255 - warped[y:y + size, x:x + size].astype(np.float32)
            (dx, dy), response = cv2.phaseCorrelate(a, b, window)
            if response < 0.05 or abs(dx) > size / 3 or abs(dy) > size / 3:
                continue
            c = (x + size / 2, y + size / 2)
            src.append(c)
            dst.append((c[0] + dx, c[1] + dy))
    if len(src) < 4:
        return h, 0
    to_scan = cv2.perspectiveTransform(np.array([dst], dtype=np.float64), h)[0]
    pts, targets = np.array(src, dtype=np.float64), to_scan
    if gen_qr is not None and scan_qr is not None:
        # the code's corners hold the fit where the page has little print (a last page)
        pts = np.vstack([pts, np.array(gen_qr, dtype=np.float64)])
        targets = np.vstack([targets, np.array(scan_qr, dtype=np.float64)])
    fitted, inliers = cv2.estimateAffine2D(pts, targets, method=cv2.RANSAC, ransacReprojThreshold=1.5)
    if fitted is None:
        return h, 0
    return np.vstack([fitted, [0, 0, 1]]), int(inliers.sum())


def align(generated: Any, gen_qr: Corners, scan: Any, scan_qr: Corners) -> Any | str:
    """The 3x3 transform from the generated page to the scan, or why there is none."""
    np, cv2 = _np(), _cv()
    src = np.array(scan_qr, dtype=np.float32)
    dst = np.array(gen_qr, dtype=np.float32)
    m = _similarity(src, dst)
    if m is None:
        return gettext("the code's position on the scan cannot be used to lay it over the page")
    scale = float(np.sqrt(abs(np.linalg.det(m[:, :2]))))
    if not 0.25 < scale < 4:
        return gettext("the code on the scan is not the size it is printed (a copy enlarged or reduced?)")
    warp = cv2.invertAffineTransform(m).astype(np.float32)  # generated -> scan
    # the code is small, so its angle is rough: a coarse ECC over the whole page first
    f = 0.25
    small_t = cv2.GaussianBlur(cv2.resize(generated, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), (5, 5), 0)
    small_i = cv2.GaussianBlur(cv2.resize(scan, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), (5, 5), 0)
    coarse = warp.copy()
    coarse[:, 2] *= f
    refined = _ecc(small_t, small_i, coarse, cv2.MOTION_AFFINE)
    if refined is not None:
        refined[:, 2] /= f
        warp = refined
    h = np.vstack([warp, [0, 0, 1]]).astype(np.float64)
    for _ in range(PASSES):
        h, _agreed = _tiles(generated, scan, h, gen_qr, scan_qr)
    return h


def _ink_generated(image: Any, faint: bool = False) -> Any:
    # anti-aliased thin strokes (一) are light grey: faint ink explains a scan's dark pixel
    return image < (235 if faint else 128)


def _ink_scan(image: Any) -> Any:
    cv2 = _cv()
    # against the neighbourhood's own brightness: shading, grey paper and grain stay paper
    return cv2.adaptiveThreshold(image, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 24) > 0


def _mask(shape: tuple[int, int], ignore: list[Box], qr: Corners | None) -> Any:
    """True where the page is compared."""
    np = _np()
    h, w = shape
    keep = np.zeros(shape, dtype=bool)
    ey, ex = int(h * EDGE), int(w * EDGE)
    keep[ey:h - ey, ex:w - ex] = True
    if qr is not None:  # the code itself (a pasted genuine one matches by design)
        xs, ys = [p[0] for p in qr], [p[1] for p in qr]
        pad = (max(xs) - min(xs)) * 0.15
        keep[max(0, int(min(ys) - pad)):int(max(ys) + pad) + 1,
             max(0, int(min(xs) - pad)):int(max(xs) + pad) + 1] = False
    for x0, y0, x1, y1 in ignore:
        keep[int(y0 * h):int(y1 * h) + 1, int(x0 * w):int(x1 * w) + 1] = False
    return keep


def _marks(diff: Any) -> list[tuple[int, float, float]]:
    """Groups of differing pixels the size of characters: (pixels, centre y, centre x)."""
    np, cv2 = _np(), _cv()
    d = diff.astype(np.uint8)
    d = cv2.morphologyEx(d, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))  # lone specks are grain
    if int(d.sum()) < MIN_MARK:
        return []  # too little to make a mark: a genuine page's usual case, spared the labelling
    grouped = cv2.dilate(d, np.ones((9, 9), np.uint8))  # strokes of one word together
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    if n <= 1:
        return []
    counts = np.bincount(labels[d > 0], minlength=n)
    out = [(int(counts[i]), float(centroids[i][1]), float(centroids[i][0])) for i in range(1, n)
           if counts[i] >= MIN_MARK]
    return sorted(out, reverse=True)


def compare(
    generated: Any, gen_qr: Corners | None, scan: Any, scan_qr: Corners | None, areas: list[Area]
) -> Verdict:
    """Compare a scanned page (grey uint8 array, its code's corners in pixels, or None) with
    the generated page (grey uint8 array at COMPARE_DPI, its code's corners) outside the
    ``areas`` where people write; say which required areas hold ink."""
    np, cv2 = _np(), _cv()
    rows, cols = generated.shape
    if scan_qr is not None and gen_qr is not None:
        h = align(generated, gen_qr, scan, scan_qr)
        if isinstance(h, str):
            return Verdict("unaligned", h)
    else:
        # no code to go by: a flatbed scan holds the page edge to edge, so its frame is the
        # first guess, and enough tiles of print must agree on where the page lies
        ratio = (scan.shape[0] / scan.shape[1]) / (rows / cols)
        if not 0.97 < ratio < 1.03:
            return Verdict("unaligned", gettext("its code could not be read, so the scan cannot be laid over the page"))
        h = np.diag([scan.shape[1] / cols, scan.shape[0] / rows, 1.0])
        for _ in range(PASSES + 1):  # from the frame, the first guess is rougher
            h, agreed = _tiles(generated, scan, h, None, None)
            if agreed < 8:
                return Verdict("unaligned", gettext("its code could not be read and the print does not show "
                                                    "where the page lies"))
    warped = _warp(scan, h, generated.shape)
    keep = _mask(generated.shape, [a.box for a in areas], gen_qr)
    printed, inked = _ink_generated(generated), _ink_scan(warped)
    faint = cv2.dilate(_ink_generated(generated, faint=True).astype(np.uint8), _kernel()) > 0
    missing = printed & ~(cv2.dilate(inked.astype(np.uint8), _kernel()) > 0) & keep
    extra = inked & ~faint
    marks = _marks(missing | (extra & keep))
    signed = tuple(a.label for a in areas if a.required and _inked(extra, a.box))
    if not marks:
        return Verdict("match", signed=signed)
    _n, y, x = marks[0]
    return Verdict("differs", gettext("the printed text differs"), (y / rows, x / cols), signed=signed)


def _kernel() -> Any:
    np = _np()
    return np.ones((2 * TOLERANCE + 1, 2 * TOLERANCE + 1), np.uint8)


def _inked(extra: Any, box: Box) -> bool:
    """Someone wrote or stamped in the area: more ink there than the print explains."""
    rows, cols = extra.shape
    x0, y0, x1, y1 = box
    inside = extra[int(y0 * rows):int(y1 * rows) + 1, int(x0 * cols):int(x1 * cols) + 1]
    return bool(_marks(inside)) and int(inside.sum()) >= SIGNED_INK


@dataclass(frozen=True)
class Area:
    """A place on the page where people write: a signature or seal field, a date to fill in."""

    label: str
    box: Box  # where ink is expected (the label's line and the space above it)
    required: bool  # a signature or seal, not a date


@dataclass(frozen=True)
class Reference:
    """A generated page as the comparison needs it."""

    image: Any  # grey uint8 array at COMPARE_DPI
    corners: Corners | None  # its code's corners, in pixels
    areas: list[Area]


SIGNING = ("签字", "签名", "盖章", "签章", "签收", "验收人", "确认人")
SEAL_MM = 45  # a company's round seal is 38-42 mm across, stamped near its line


def _fields(textpage: Any, width: float, height: float) -> list[Area]:
    """Runs of underscores after a label (甲方（发包人）签字：______, 日期：____年__月__日), found
    by their characters' positions, so they survive the template being edited in Word."""
    n = textpage.count_chars()
    text = textpage.get_text_range(0, n) if n else ""
    out: list[Area] = []
    i = 0
    while i < len(text):
        if text[i] != "_":
            i += 1
            continue
        j = i
        while j < len(text) and text[j] in "_年月日 ":
            j += 1
        run = text[i:j].rstrip()
        if run.count("_") < 3:
            i = j
            continue
        start = i
        while start > 0 and text[start - 1] not in "\r\n_" and i - start < 30:
            start -= 1
        label = text[start:i].strip().rstrip("：:").strip()
        if not label:
            i = j
            continue  # underscores on their own (a blank to fill in, not a field)
        boxes = [textpage.get_charbox(k) for k in range(start, i + len(run)) if not text[k].isspace()]
        boxes = [b for b in boxes if b[2] > b[0]]
        i = j
        if not boxes:
            continue
        y0, y1 = min(b[1] for b in boxes), max(b[3] for b in boxes)  # PDF points, from the bottom
        line = max(y1 - y0, 8.0)
        required = any(word in label for word in SIGNING)
        under = boxes[-len(run):]
        ux0, ux1 = min(b[0] for b in under), max(b[2] for b in under)
        if "章" in label:  # a seal: a big round stamp centred on the line
            r = SEAL_MM / 25.4 * 72 / 2
            cx, cy = (ux0 + ux1) / 2, (y0 + y1) / 2
            area = (min(ux0, cx - r), cy - r, max(ux1, cx + r), cy + r)
        else:  # a signature or a date written on and above the line
            area = (ux0 - line, y0 - line, ux1 + line, y1 + 2.5 * line)
        x_0, y_0, x_1, y_1 = area
        out.append(Area(label or "签字栏", (max(0.0, x_0 / width), max(0.0, 1 - y_1 / height),
                                           min(1.0, x_1 / width), min(1.0, 1 - y_0 / height)), required))
    return out


def references(pdf: bytes, pages: list[int] | None = None) -> list[Reference]:
    """Pages (1-based; all by default) of a generated PDF, rendered at COMPARE_DPI with
    their codes and their fields."""
    import pypdfium2 as pdfium
    from PIL import Image

    from docgen.pdfium import LOCK

    np = _np()
    with LOCK:
        doc = pdfium.PdfDocument(pdf)
    out = []
    try:
        for number in pages or range(1, len(doc) + 1):
            with LOCK:  # PDFium for the page's image and fields; the codes are read without it
                page = doc[number - 1]
                w, h = page.get_size()
                image = page.render(scale=COMPARE_DPI / 72, grayscale=True).to_pil().convert("L")
                textpage = page.get_textpage()
                try:
                    areas = _fields(textpage, w, h)
                finally:
                    textpage.close()
                    page.close()
            found = scans.find(image)
            if not found:  # a small code reads better at twice the size
                big = image.resize((image.width * 2, image.height * 2), Image.BICUBIC)
                found = scans.find(big)
            corners = None
            if found:
                corners = tuple((x * image.width, y * image.height) for x, y in found[0][1])
            out.append(Reference(np.asarray(image), corners, areas))
    finally:
        with LOCK:
            doc.close()
    return out
