"""Render a .docx template with docxtpl: strict, escaped, with the page code.

The jinja environment is strict (a field the data lacks is an error naming it
and the template) and autoescaping (``王五 & 赵六 <装饰>`` reaches the page as
written). Every page's footer shows the page code as a QR image and as text.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import segno
from docx.document import Document as DocxDocument
from docx.shared import Mm
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate, InlineImage

from docgen.errors import TemplateError
from docgen.pagecode import PageCode

QR_SIZE = Mm(15)


@dataclass(frozen=True)
class RenderedDocx:
    data: bytes
    text: str


def qr_png(code: PageCode) -> bytes:
    """The page code as a PNG QR code (error correction M, quiet zone kept)."""
    buf = io.BytesIO()
    segno.make(str(code), error="m", micro=False).save(buf, kind="png", scale=6, border=4)
    return buf.getvalue()


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    return env


def _cells_text(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        last = None
        for cell in row.cells:
            if cell._tc is last:  # a merged cell is listed once per grid column
                continue
            last = cell._tc
            cells.append(" ".join(p.text for p in cell.paragraphs).strip())
        lines.append(" | ".join(cells))
    return lines


def document_text(doc: DocxDocument) -> str:
    """The text of a document in reading order: paragraphs, then table rows as 'a | b'."""
    lines: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(_cells_text(block))
    return "\n".join(line.rstrip() for line in lines).strip() + "\n"


def render(template: Path, context: dict[str, Any], code: PageCode) -> RenderedDocx:
    """Render ``template`` with ``context`` plus ``page_code`` and its ``qr`` image."""
    if not template.is_file():
        raise TemplateError(f"template {template} does not exist")
    try:
        tpl = DocxTemplate(template)
    except Exception as exc:
        raise TemplateError(f"{template}: not a readable .docx template ({exc})") from None
    full = dict(context)
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
