"""Render a .docx template with docxtpl: strict, escaped, with the page code.

The jinja environment is strict (a field the data lacks is an error naming it
and the template) and autoescaping (``王五 & 赵六 <装饰>`` reaches the page as
written). Every page's footer shows the page code as a QR image and as text.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import segno
from docx.document import Document as DocxDocument
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from docgen.errors import TemplateError
from docgen.pagecode import PageCode
from docgen.picture import Picture

QR_SIZE = Mm(15)


@dataclass(frozen=True)
class RenderedDocx:
    data: bytes
    text: str


def qr_png(code: PageCode) -> bytes:
    """The page code as a PNG QR code (error correction M, quiet zone kept)."""
    buf = io.BytesIO()
    # 4 px a module: about 250 dpi at the printed size, enough for any scanner or phone.
    segno.make(str(code), error="m", micro=False).save(buf, kind="png", scale=4, border=4)
    return buf.getvalue()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    return env


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BREAKS = {W + "tab": "\t", W + "br": "\n", W + "cr": "\n"}


def _paragraph_text(p: Any) -> str:
    out = []
    for el in p.iter(W + "t", W + "tab", W + "br", W + "cr"):
        out.append(el.text or "" if el.tag == W + "t" else _BREAKS[el.tag])
    return "".join(out)


def _table_lines(tbl: Any) -> list[str]:
    lines = []
    for tr in tbl.iterchildren(W + "tr"):
        cells = [
            " ".join(_paragraph_text(p) for p in tc.iterchildren(W + "p")).strip()
            for tc in tr.iterchildren(W + "tc")
        ]
        lines.append(" | ".join(cells))
    return lines


def document_text(doc: DocxDocument) -> str:
    """The text of a document in reading order: paragraphs, then table rows as 'a | b'.

    Read straight from the XML (python-docx's objects cost a quarter of a render).
    """
    lines: list[str] = []
    for block in doc.element.body.iterchildren(W + "p", W + "tbl"):
        if block.tag == W + "p":
            lines.append(_paragraph_text(block))
        else:
            lines.extend(_table_lines(block))
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"


# the parts of a .docx whose text a reader may see: the body (tables and text boxes
# included), headers, footers, footnotes, endnotes and comments
_SHOWN_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")


def docx_parts(data: bytes) -> dict[str, str]:
    """The XML of every part of a .docx (name -> text), for what must find data in any of them."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels"))}


def shown_text(data: bytes) -> str:
    """The text of every part of a .docx that shows on a page, one line per paragraph.

    Unlike ``document_text`` (the body, which search and diff read) this also reads headers,
    footers, text boxes and notes: where a template may put a customer's data.
    """
    from lxml import etree

    lines: list[str] = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if not _SHOWN_PARTS.fullmatch(name):
                continue
            root = etree.fromstring(z.read(name), etree.XMLParser(resolve_entities=False, huge_tree=True))
            for p in root.iter(W + "p"):
                # a text box's paragraphs sit inside a run of their anchor paragraph: each
                # paragraph gives only its own text
                own = [el for el in p.iter(W + "t", W + "tab", W + "br", W + "cr")
                       if next(el.iterancestors(W + "p")) is p]
                lines.append("".join(el.text or "" if el.tag == W + "t" else _BREAKS[el.tag] for el in own))
    return "\n".join(line.rstrip() for line in lines if line.strip()) + "\n"


def _pictures(tpl: DocxTemplate, value: Any) -> Any:
    """Replace every Picture in the context with an InlineImage fitted into its box."""
    if isinstance(value, Picture):
        from docx.image.image import Image

        img = Image.from_blob(value.data)
        aspect = img.px_height / img.px_width
        width = min(value.max_width_mm, value.max_height_mm / aspect)
        return InlineImage(tpl, io.BytesIO(value.data), width=Mm(width), height=Mm(width * aspect))
    if isinstance(value, dict):
        return {k: _pictures(tpl, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_pictures(tpl, v) for v in value]
    return value


def render(template: Path, context: dict[str, Any], code: PageCode) -> RenderedDocx:
    """Render ``template`` with ``context`` plus ``page_code`` and its ``qr`` image."""
    if not template.is_file():
        raise TemplateError(f"template {template} does not exist")
    try:
        tpl = DocxTemplate(template)
    except Exception as exc:
        raise TemplateError(f"{template}: not a readable .docx template ({exc})") from None
    full = _pictures(tpl, dict(context))
    full["page_code"] = str(code)
    full["qr"] = InlineImage(tpl, io.BytesIO(qr_png(code)), width=QR_SIZE, height=QR_SIZE)
    try:
        tpl.render(full, _environment(), autoescape=True)
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"{template.name}: the template uses a field the data does not have ({exc.message}); "
            "fix the template or add the field"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"{template.name}: template syntax error near line {exc.lineno}: {exc.message}"
        ) from None
    buf = io.BytesIO()
    tpl.save(buf)
    return RenderedDocx(buf.getvalue(), document_text(tpl.docx))
