"""What the customer holds: PDF pages with the code, page numbers and Simplified-Chinese fonts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import numpy as np
import zxingcpp
from conftest import ROOT, TEST_KEY, new, run
from docx.oxml.ns import qn

from docgen import pagecode


def page_images(pdf: Path, tmp: Path, dpi: int = 150) -> list[np.ndarray]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(tmp / "p")], check=True)
    images = []
    for pgm in sorted(tmp.glob("p-*.pgm")):
        raw = pgm.read_bytes()
        # binary PGM: "P5\n<w> <h>\n<max>\n" then bytes
        parts = raw.split(maxsplit=4)
        w, h = int(parts[1]), int(parts[2])
        images.append(np.frombuffer(parts[4][: w * h], dtype=np.uint8).reshape(h, w))
    return images


def pdf_page_texts(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return [p for p in out.stdout.split("\f") if p.strip()]


def test_every_page_carries_qr_code_text_and_page_numbers(work: Path, tmp_path: Path) -> None:
    new("quote", work / "quote.yaml")
    made = new("contract", work / "contract.yaml")
    pdf = Path(made["files"]["pdf"])
    texts = pdf_page_texts(pdf)
    pages = made["pages"]
    assert len(texts) == pages >= 4
    expected = pagecode.make("HT-2026-0001", 1, TEST_KEY)
    for i, text in enumerate(texts, 1):
        assert f"文件编码 {expected}" in text, f"page {i} lacks the code text"
        squeezed = text.replace(" ", "")
        assert f"第{i}页共{pages}页" in squeezed, f"page {i} lacks 第 {i} 页 共 {pages} 页"
    images = page_images(pdf, tmp_path)
    assert len(images) == pages
    for i, img in enumerate(images, 1):
        found = [b.text for b in zxingcpp.read_barcodes(img) if b.format == zxingcpp.BarcodeFormat.QRCode]
        assert found == [str(expected)], f"page {i}: QR read {found}"
        code = pagecode.parse(found[0])
        assert code is not None and pagecode.verify(code, TEST_KEY)


def test_pdf_has_no_stray_template_tags_and_embeds_cjk_font(work: Path) -> None:
    made = new("quote", work / "quote.yaml")
    pdf = Path(made["files"]["pdf"])
    text = "".join(pdf_page_texts(pdf))
    for tag in ("{{", "}}", "{%", "%}"):
        assert tag not in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifCJK" in fonts and "NotoSansCJK" in fonts
    assert "Liberation" in fonts


def test_templates_set_east_asian_font_and_zh_cn_everywhere() -> None:
    for name in ("quote.docx", "contract.docx"):
        d = docx.Document(str(ROOT / "templates" / name))
        styles = d.styles.element
        default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        fonts = default.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == "Noto Serif CJK SC"
        assert fonts.get(qn("w:ascii")) == "Liberation Serif"
        assert default.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
        for rfonts in d.element.body.iter(qn("w:rFonts")):
            ea = rfonts.get(qn("w:eastAsia"))
            assert ea in (None, "Noto Serif CJK SC", "Noto Sans CJK SC"), ea
            assert rfonts.get(qn("w:eastAsiaTheme")) is None
        for rfonts in styles.iter(qn("w:rFonts")):
            assert rfonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would win over SC
        sec = d.sections[0]
        assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)


def test_tables_repeat_header_and_rows_do_not_split(work: Path) -> None:
    made = new("quote", work / "quote.yaml")
    d = docx.Document(made["files"]["docx"])
    items = d.tables[1]
    assert items.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    for row in items.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None


def test_rendered_docx_is_a_valid_word_document(work: Path, tmp_path: Path) -> None:
    """The .docx re-opens in python-docx and LibreOffice (what Word/WPS users edit)."""
    made = new("quote", work / "quote.yaml")
    d = docx.Document(made["files"]["docx"])
    assert d.paragraphs[0].text == "装修工程报价单"
    footer = d.sections[0].footer
    assert any("文件编码" in c.text for t in footer.tables for r in t.rows for c in r.cells)


def test_new_kinds_carry_code_and_page_numbers_on_every_page(contracted: Path, tmp_path: Path) -> None:
    work = contracted  # the quote and the signed contract archived
    made = [
        new("rectification", work / "rectification.yaml"),
        new("acceptance", work / "acceptance-1.yaml"),
        new("acceptance", work / "acceptance-2.yaml"),
    ]
    assert run("recheck", "ZG-2026-0001", "--passed", "--note", "复查合格", "--date", "2026-12-20").exit_code == 0
    made.append(new("warranty", work / "warranty.yaml"))
    for m in made:
        pdf = Path(m["files"]["pdf"])
        texts = pdf_page_texts(pdf)
        expected = pagecode.make(m["number"], 1, TEST_KEY)
        assert len(texts) == m["pages"]
        for i, text in enumerate(texts, 1):
            assert f"文件编码 {expected}" in text, (m["number"], i)
            assert f"第{i}页共{m['pages']}页" in text.replace(" ", "")
            for tag in ("{{", "{%", "}}", "%}"):
                assert tag not in text
        out = tmp_path / m["number"]
        out.mkdir()
        first = page_images(pdf, out)[0]
        found = [b.text for b in zxingcpp.read_barcodes(first)]
        assert found == [str(expected)], m["number"]


def test_new_templates_set_zh_cn_and_sc_fonts() -> None:
    for name in ("rectification.docx", "acceptance.docx", "warranty.docx"):
        d = docx.Document(str(ROOT / "templates" / name))
        default = d.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        assert default.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "Noto Serif CJK SC"
        assert default.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
        settings = d.settings.element
        langs = settings.findall(qn("w:themeFontLang"))
        assert [x.get(qn("w:eastAsia")) for x in langs] == ["zh-CN"]


def test_tables_are_separated_so_borders_survive() -> None:
    """Two tables in a row merge into one in Word and LibreOffice; a paragraph must part them."""
    for name in ("quote.docx", "contract.docx", "rectification.docx", "acceptance.docx", "warranty.docx"):
        body = docx.Document(str(ROOT / "templates" / name)).element.body
        tags = [el.tag.split("}")[1] for el in body]
        for a, b in zip(tags, tags[1:]):
            assert not (a == "tbl" and b == "tbl"), name
