"""The 联次 label a copy carries on its first page, drawn as a PDF page without LibreOffice.

A stamp is one transparent A4 page with one line at its top right, in the document's red:
the note (8 pt; "签字原件存档备查（…）" and the like), then the label (11 pt bold) in a
box. fpdf2 draws it in Noto Sans CJK SC (a Simplified Chinese face: 联, 骨, 直 in their
mainland shapes), embedded as a subset, so the text stays text: a reader copies it, a
search finds it.

Reading the whole Noto collection (about 20 MB a weight) costs about a second, so docgen
keeps a small font of its own in the user's cache (``~/.cache/docgen/fonts/``, else the
archive's ``cache/stamps/fonts/``): the SC face cut down to the characters stamps use
(ASCII, the digits and words of labels and notes), made once for every archive of the
user; a text with other characters gets a font of those characters too. A stamp then costs
a few tens of milliseconds (``distribute.Copier.stamp_pdf`` keeps those of the departments'
own texts).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import uuid
from functools import cache
from pathlib import Path

from docgen.errors import DocgenError
from docgen.i18n import _

FACE = "Noto Sans CJK SC"
RED = (0xC0, 0x00, 0x00)
# A4 in mm; the line sits in the top margin, above any header (as the copies always had it)
PAGE_W, PAGE_H = 210.0, 297.0
TOP, RIGHT = 4.0, 10.0
LABEL_PT, NOTE_PT = 11, 8
GAP = 4.0  # mm between the note and the label's box
PAD = 1.5  # mm between the box and the label

# what labels and notes are written with; a text with anything else gets a font of its own
COMMON = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "（）：，、。·—"
    + "〇一二三四五六七八九十百第联份页版次"
    + "客户留存财务工程法务档案售后销售审核设计监理项目部经理公司甲乙方正副本原件复印"
    + "签字存档备查扫描件个人信息已按规定隐去仅供内部使用作废取代"
)
FONT_VERSION = "1"  # bump when COMMON or the cutting changes: fonts of the old name are not read


@cache
def _source(bold: bool) -> tuple[str, int]:
    """The font file and face index of Noto Sans CJK SC (regular or bold) on this machine."""
    style = "Bold" if bold else "Regular"
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\n%{file}\n%{index}", f"{FACE}:style={style}"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        out = []
    if len(out) < 3 or FACE not in out[0].split(",") or not os.path.isfile(out[1]):
        raise DocgenError(_("the copies' labels are drawn in the font {face}, which this machine lacks "
                            "(Debian: apt-get install fonts-noto-cjk)").format(face=FACE))
    return out[1], int(out[2] or 0)


_cutting = threading.Lock()


def fonts_dir(fallback: Path) -> Path:
    """Where stamp fonts are kept: the user's cache, else (not writable) ``fallback``."""
    from docgen.render.pdf import user_cache

    try:
        folder = user_cache() / "fonts"
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
    except (OSError, RuntimeError):  # no home folder, a cache that cannot be written
        pass
    return fallback


def _font(folder: Path, bold: bool, text: str) -> Path:
    """A font file holding the SC face's glyphs for COMMON and ``text``, made once."""
    extra = "".join(sorted(set(text) - set(COMMON)))
    source, index = _source(bold)
    st = os.stat(source)
    key = hashlib.sha256(
        f"{FONT_VERSION}\n{source}\n{index}\n{st.st_size}\n{st.st_mtime_ns}\n{extra}".encode()).hexdigest()[:16]
    path = folder / f"{'bold' if bold else 'regular'}-{key}.otf"
    if path.is_file():
        return path
    with _cutting:
        if path.is_file():
            return path
        from fontTools import subset
        from fontTools.ttLib import TTFont

        font = TTFont(source, fontNumber=index, lazy=True)
        options = subset.Options()
        options.name_IDs = ["*"]  # the face's name, as the PDF names it
        options.notdef_outline = True
        cutter = subset.Subsetter(options)
        cutter.populate(text=COMMON + extra)
        cutter.subset(font)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
        try:
            font.save(tmp)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
            font.close()
    return path


def stamp_pdf(label: str, note: str, fonts: Path) -> bytes:
    """The stamp page of ``label`` (and ``note``, which may be empty), its fonts kept in ``fonts``."""
    try:
        return _draw(label, note, fonts)
    except DocgenError:
        raise
    except Exception:  # a kept font that was damaged (a full disk, a crash while it was written): cut anew
        for bold, text in ((False, note), (True, label)):
            _font(fonts, bold, text).unlink(missing_ok=True)
        return _draw(label, note, fonts)


def _draw(label: str, note: str, fonts: Path) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format=(PAGE_W, PAGE_H))
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_creator("docgen")
    pdf.set_producer("docgen")
    pdf.add_font("stamp", "", str(_font(fonts, False, note)))
    pdf.add_font("stamp", "B", str(_font(fonts, True, label)))
    pdf.add_page()
    pdf.set_text_color(*RED)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.3)
    pdf.set_font("stamp", "B", LABEL_PT)
    box_w = pdf.get_string_width(label) + 2 * PAD
    box_h = LABEL_PT * 0.3528 * 1.45  # the label's height in mm, with room above and below
    x = PAGE_W - RIGHT - box_w
    pdf.set_xy(x, TOP)
    pdf.cell(box_w, box_h, label, border=1, align="C")
    if note:
        pdf.set_font("stamp", "", NOTE_PT)
        note_w = pdf.get_string_width(note)
        pdf.set_xy(x - GAP - note_w, TOP)
        pdf.cell(note_w, box_h, note)  # on the label's line, centred on it
    return bytes(pdf.output())

