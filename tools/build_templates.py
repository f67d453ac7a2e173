"""Build the bundled templates (templates/*.docx) with python-docx.

The templates are ordinary Word documents with jinja tags (docxtpl): the company
edits them in Word or WPS afterwards. This script makes the first versions in a
reproducible way; run it again only to start over (it overwrites the files it builds:
all of them, or those named).

    python tools/build_templates.py            # every template
    python tools/build_templates.py change     # templates/change.docx only
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parent.parent / "templates"
SERIF_CJK = "Noto Serif CJK SC"
SANS_CJK = "Noto Sans CJK SC"
LATIN = "Liberation Serif"
LATIN_SANS = "Liberation Sans"
BODY_PT = 12  # 小四
TABLE_PT = 10.5  # 五号
SMALL_PT = 9  # 小五
TITLE_PT = 18  # 小二
HEADING_PT = 14  # 四号


def set_fonts(rpr, latin: str, east_asia: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # theme fonts would override the named ones
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")


def new_document(landscape: bool = False):
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    if landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.top_margin = Mm(25)
    sec.bottom_margin = Mm(22)
    sec.left_margin = Mm(20)
    sec.right_margin = Mm(20)
    sec.header_distance = Mm(10)
    sec.footer_distance = Mm(8)
    # Document defaults and every style: CJK serif for East Asian text, zh-CN language.
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(defaults, LATIN, SERIF_CJK)
    for rfonts in styles.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    set_fonts(normal.element.get_or_add_rPr(), LATIN, SERIF_CJK)
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.line_spacing = 1.5
    for name in ("Header", "Footer"):
        st = doc.styles[name]
        st.font.size = Pt(SMALL_PT)
        set_fonts(st.element.get_or_add_rPr(), LATIN, SERIF_CJK)
        st.paragraph_format.line_spacing = 1.0
    # 中文版式: let CJK punctuation compress, no autospace surprises in WPS.
    settings = doc.settings.element
    for old in settings.findall(qn("w:themeFontLang")):  # python-docx's default says ja-JP
        settings.remove(old)
    lang = OxmlElement("w:themeFontLang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    settings.insert_element_before(
        lang, "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures",
        "w:forceUpgrade", "w:captions", "w:readModeInkLockDown", "w:smartTagType",
        "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator",
    )
    doc.core_properties.language = "zh-CN"
    doc.core_properties.author = "docgen"
    return doc


def style_run(run, size: float | None = None, bold: bool = False, sans: bool = False) -> None:
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold
    if sans:
        set_fonts(run._r.get_or_add_rPr(), LATIN_SANS, SANS_CJK)


def para(container, text: str = "", *, size: float | None = None, bold: bool = False,
         sans: bool = False, align=None, indent: bool = False, spacing: float | None = None,
         before: float = 0, after: float = 0, keep_next: bool = False):
    p = container.add_paragraph()
    if text:
        style_run(p.add_run(text), size, bold, sans)
    if align is not None:
        p.alignment = align
    pf = p.paragraph_format
    if indent:
        pf.first_line_indent = Pt((size or BODY_PT) * 2)  # two characters
    if spacing is not None:
        pf.line_spacing = spacing
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    if keep_next:
        pf.keep_with_next = True
    return p


def field(paragraph, instr: str, size: float = SMALL_PT) -> None:
    """A complex field (PAGE, NUMPAGES) that Word, WPS and LibreOffice update."""
    def run_with(child):
        r = paragraph.add_run()
        r.font.size = Pt(size)
        r._r.append(child)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instr} "
    run_with(text)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    r = paragraph.add_run("1")
    r.font.size = Pt(size)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


TBLPR_ORDER = ["tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
               "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
               "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription"]


def set_tblpr(tbl_pr, element) -> None:
    """Put a child of w:tblPr where the schema wants it (Word rejects a wrong order)."""
    name = element.tag.split("}")[1]
    old = tbl_pr.find(qn(f"w:{name}"))
    if old is not None:
        tbl_pr.remove(old)
    rank = TBLPR_ORDER.index(name)
    for i, child in enumerate(tbl_pr):
        other = child.tag.split("}")[1]
        if other in TBLPR_ORDER and TBLPR_ORDER.index(other) > rank:
            tbl_pr.insert(i, element)
            return
    tbl_pr.append(element)


def borders(table, size: int = 4, none: bool = False) -> None:
    tbl_pr = table._tbl.tblPr
    b = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil" if none else "single")
        if not none:
            e.set(qn("w:sz"), str(size))
            e.set(qn("w:space"), "0")
            e.set(qn("w:color"), "000000")
        b.append(e)
    set_tblpr(tbl_pr, b)


def cell_margins(table, left_mm: float = 1.5, right_mm: float = 1.5) -> None:
    mar = OxmlElement("w:tblCellMar")
    for edge, mm in (("top", 0.6), ("left", left_mm), ("bottom", 0.6), ("right", right_mm)):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:w"), str(int(mm * 56.7)))
        e.set(qn("w:type"), "dxa")
        mar.append(e)
    set_tblpr(table._tbl.tblPr, mar)


def fixed_table(container, rows: int, widths_mm: list[float], *, grid: bool = True):
    if hasattr(container, "sections"):
        table = container.add_table(rows=rows, cols=len(widths_mm))
    else:  # header or footer
        table = container.add_table(rows, len(widths_mm), Mm(sum(widths_mm)))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    set_tblpr(table._tbl.tblPr, layout)
    borders(table, none=not grid)
    cell_margins(table)
    for row in table.rows:
        for i, w in enumerate(widths_mm):
            row.cells[i].width = Mm(w)
    for i, col in enumerate(table.columns):
        col.width = Mm(widths_mm[i])
    return table


def no_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def header_row(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))
    no_split(row)
    for c in row.cells:
        shade(c, "D9D9D9")


def shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    s = OxmlElement("w:shd")
    s.set(qn("w:val"), "clear")
    s.set(qn("w:color"), "auto")
    s.set(qn("w:fill"), fill)
    tc_pr.insert_element_before(
        s, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark"
    )


def put(cell, text: str, *, align=WD_ALIGN_PARAGRAPH.LEFT, bold: bool = False,
        size: float = TABLE_PT, sans: bool = False, keep_next: bool = False) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.keep_with_next = keep_next
    p.paragraph_format.line_spacing = 1.15
    p.alignment = align
    if text:
        run = p.add_run(text)
        style_run(run, size, bold, sans)
        if "□" in text:  # a neutral character: one CJK face for all, so both boxes are one size
            face = SANS_CJK if sans else SERIF_CJK
            set_fonts(run._r.get_or_add_rPr(), face, face)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


C, L, R = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT


def tag_row(table, tag: str) -> None:
    """A row holding only a docxtpl row tag ({%tr …%}); it disappears when rendered."""
    row = table.add_row()
    merged = row.cells[0].merge(row.cells[-1])
    put(merged, tag)


def header_footer(doc, width_mm: float) -> None:
    sec = doc.sections[0]
    hp = sec.header.paragraphs[0]
    hp.alignment = L
    style_run(hp.add_run("{{ company.name }}"), 10.5, True, sans=True)
    style_run(hp.add_run("\t服务热线 {{ company.phone }}"), SMALL_PT)
    style_tabs = doc.styles["Header"].element.get_or_add_pPr().find(qn("w:tabs"))
    if style_tabs is not None:  # the default centre/right stops assume Letter paper
        style_tabs.getparent().remove(style_tabs)
    hp.paragraph_format.tab_stops.add_tab_stop(Mm(width_mm), alignment=WD_TAB_ALIGNMENT.RIGHT)
    p_pr = hp._p.get_or_add_pPr()
    bdr = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    bdr.append(bottom)
    p_pr.insert_element_before(
        bdr, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
        "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
        "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
        "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
        "w:pPrChange",
    )
    # Footer: QR of the page code at the left, its text beside it, page numbers at the right.
    ft = fixed_table(sec.footer, 1, [20, width_mm - 70, 50], grid=False)
    sec.footer.paragraphs[0]._p.getparent().remove(sec.footer.paragraphs[0]._p)
    cells = ft.rows[0].cells
    put(cells[0], "{{ qr }}", size=SMALL_PT)
    put(cells[1], "文件编码 {{ page_code }}", size=8)
    p2 = cells[1].add_paragraph()
    p2.paragraph_format.line_spacing = 1.0
    style_run(p2.add_run("{{ title }} · 编号 {{ number }} · 第{{ version }}版 · 涂改无效"), 8)
    pn = cells[2].paragraphs[0]
    pn.alignment = R
    cells[2].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    style_run(pn.add_run("第 "), SMALL_PT)
    field(pn, "PAGE")
    style_run(pn.add_run(" 页 共 "), SMALL_PT)
    field(pn, "NUMPAGES")
    style_run(pn.add_run(" 页"), SMALL_PT)
    sec.footer.add_paragraph().paragraph_format.line_spacing = 0.5


def title_block(doc, title: str, date_tag: str) -> None:
    para(doc, title, size=TITLE_PT, bold=True, sans=True, align=C, after=6)
    para(doc, f"编号：{{{{ number }}}}（第{{{{ version }}}}版）    {date_tag}", size=10.5, align=R, after=6)


def signature_block(doc, left: list[str], right: list[str], width_mm: float,
                    after_table: bool = False) -> None:
    if after_table:
        # A paragraph between two tables: without it Word and LibreOffice join them into one
        # table, and the borderless signature table's settings swallow the other's borders.
        para(doc, "", spacing=0.5, keep_next=True)
    t = fixed_table(doc, 1, [width_mm * 0.45, width_mm * 0.55], grid=False)
    for cell, lines in zip(t.rows[0].cells, (left, right)):
        first = True
        first_line = True
        for line in lines:
            p = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            p.paragraph_format.line_spacing = 1.6
            if first_line:
                p.paragraph_format.space_before = Pt(10)
            first_line = False
            style_run(p.add_run(line), BODY_PT)
    no_split(t.rows[0])


# quote ------------------------------------------------------------------


def build_quote() -> None:
    doc = new_document()
    width = 170
    header_footer(doc, width)
    title_block(doc, "装修工程报价单", "报价日期：{{ date }}")

    info = fixed_table(doc, 4, [24, 61, 24, 61])
    rows = [
        ("客户姓名", "{{ customer.name }}", "联系电话", "{{ customer.phone }}"),
        ("工程地址", "{{ site.address }}", None, None),
        ("建筑面积", "{{ site.area }} ㎡", "户型", "{{ site.layout }}"),
        ("承包方式", "{{ mode }}", "设计师", "{{ designer }}"),
    ]
    for r, values in zip(info.rows, rows):
        cells = r.cells
        if values[2] is None:
            merged = cells[1].merge(cells[3])
            put(cells[0], values[0], align=C, bold=True)
            put(merged, values[1])
        else:
            for i, v in enumerate(values):
                put(cells[i], v, align=C if i % 2 == 0 else L, bold=i % 2 == 0)
        for i in (0, 2):
            shade(r.cells[i], "F2F2F2")
        no_split(r)
    para(doc, "", spacing=0.8)

    widths = [11, 40, 12, 16, 21, 24, 46]
    items = fixed_table(doc, 1, widths)
    heads = ["序号", "项目名称", "单位", "数量", "单价（元）", "合价（元）", "工艺及材料说明"]
    for c, h in zip(items.rows[0].cells, heads):
        put(c, h, align=C, bold=True, sans=True)
    header_row(items.rows[0])
    tag_row(items, "{%tr for s in sections %}")
    sec_row = items.add_row()
    merged = sec_row.cells[0].merge(sec_row.cells[-1])
    put(merged, "{{ s.no }}、{{ s.name }}", bold=True, sans=True, keep_next=True)
    shade(merged, "F2F2F2")
    no_split(sec_row)
    tag_row(items, "{%tr for it in s.rows %}")
    row = items.add_row()
    vals = ["{{ it.no }}", "{{ it.name }}", "{{ it.unit }}", "{{ it.quantity }}",
            "{{ it.unit_price }}", "{{ it.amount }}", "{{ it.note }}"]
    aligns = [C, L, C, R, R, R, L]
    for c, v, a in zip(row.cells, vals, aligns):
        put(c, v, align=a)
    no_split(row)
    tag_row(items, "{%tr endfor %}")
    sub = items.add_row()
    label = sub.cells[0].merge(sub.cells[4])
    put(label, "{{ s.name }}小计", align=R, bold=True)
    put(sub.cells[5], "{{ s.subtotal }}", align=R, bold=True)
    no_split(sub)
    tag_row(items, "{%tr endfor %}")
    para(doc, "", spacing=0.8)

    totals = fixed_table(doc, 5, [60, 110])
    lines = [
        ("工程直接费合计", "¥{{ works }}"),
        ("管理费（直接费 × {{ fee_rate }}）", "¥{{ fee }}"),
        ("税金（（直接费 + 管理费）× {{ tax_rate }}）", "¥{{ tax }}"),
        ("工程总造价（小写）", "{{ total }}"),
        ("工程总造价（大写）", "{{ total_upper }}"),
    ]
    for r, (k, v) in zip(totals.rows, lines):
        put(r.cells[0], k, align=L, bold=True)
        shade(r.cells[0], "F2F2F2")
        bold = k.startswith("工程总造价")
        put(r.cells[1], v, align=L if "大写" in k else R, bold=bold)
        no_split(r)

    para(doc, "说明", size=HEADING_PT, bold=True, sans=True, before=8, keep_next=True)
    notes = [
        "1. 本报价有效期 {{ valid_days }} 天，至 {{ valid_until }} 止；逾期请重新报价。",
        "2. 施工中如有增减项目，按实际发生的工程量结算，增减项目须经双方签字确认。",
        "3. 主材品牌、型号以双方签字确认的选材单为准；未列项目不在本报价范围内。",
        "4. 本报价单经双方确认后作为施工合同的附件，与合同具有同等效力。",
    ]
    for n in notes:
        para(doc, n, size=10.5, spacing=1.3, keep_next=True)
    para(doc, "{%p for r in remarks %}")
    para(doc, "{{ loop.index + 4 }}. {{ r }}", size=10.5, spacing=1.3, keep_next=True)
    para(doc, "{%p endfor %}")
    signature_block(
        doc,
        ["客户确认（签字）：______________", "日期：______年____月____日"],
        ["{{ company.name }}（盖章）", "报价人：{{ designer }}    日期：{{ date }}"],
        width,
    )
    doc.save(OUT / "quote.docx")


# contract ---------------------------------------------------------------

CLAUSES_INTRO = (
    "依照《中华人民共和国民法典》及有关法律、法规的规定，结合家庭居室装饰装修工程施工的特点，"
    "甲、乙双方在平等、自愿、协商一致的基础上，就乙方承包甲方家庭居室装饰装修工程（以下简称“工程”）"
    "的有关事宜，达成如下协议。"
)


def clause(doc, text: str) -> None:
    para(doc, text, size=HEADING_PT, bold=True, sans=True, before=6, after=3, keep_next=True)


def body(doc, text: str, keep_next: bool = False) -> None:
    para(doc, text, indent=True, keep_next=keep_next)


def build_contract() -> None:
    doc = new_document()
    width = 170
    header_footer(doc, width)
    para(doc, "{{ title }}", size=TITLE_PT, bold=True, sans=True, align=C, after=6)
    para(doc, "合同编号：{{ number }}（第{{ version }}版）", size=10.5, align=R, after=6)

    parties = fixed_table(doc, 8, [44, 126])
    rows = [
        ("发包人（甲方）", "{{ customer.name }}"),
        ("身份证号码", "{{ customer.id_number or '' }}"),
        ("联系电话", "{{ customer.phone }}"),
        ("住址", "{{ customer.address }}"),
        ("承包人（乙方）", "{{ company.name }}"),
        ("统一社会信用代码", "{{ company.licence }}"),
        ("法定代表人 / 项目经理", "{{ company.legal_representative }} / {{ project_manager }}"),
        ("地址 / 电话", "{{ company.address }} / {{ company.phone }}"),
    ]
    for r, (k, v) in zip(parties.rows, rows):
        put(r.cells[0], k, bold=True)
        shade(r.cells[0], "F2F2F2")
        put(r.cells[1], v)
        no_split(r)
    para(doc, "", spacing=0.8)
    body(doc, CLAUSES_INTRO)

    clause(doc, "第一条  工程概况")
    body(doc, "1.1 工程地点：{{ site.address }}。")
    body(doc, "1.2 房屋建筑面积：{{ site.area }} 平方米；户型：{{ site.layout }}。")
    body(doc, "1.3 工程内容及做法：{{ scope }}。{{ scope_annex }}")
    body(doc, "1.4 承包方式：{{ mode_term }}（{{ mode }}）。")
    body(doc, "1.5 工期：{{ duration_days }} 日历天（含开工当日），开工日期 {{ start_date }}，"
              "竣工日期 {{ completion_date }}；工期按本合同第四条顺延的，竣工日期相应顺延。")
    body(doc, "1.6 合同价款：{{ price }}（大写：{{ price_upper }}）。"
              "工程施工中如有增减项目，按本合同第五条办理，并按双方签字确认的工程变更单结算。")

    clause(doc, "第二条  工程款支付")
    body(doc, "2.1 甲方按下列节点向乙方支付工程款，各期金额之和等于合同价款：", keep_next=True)
    pay = grid(doc, [11, 45, 15, 29, 70], ["期数", "付款节点", "比例", "金额", "大写金额"])
    tag_row(pay, "{%tr for p in payments %}")
    data_row(pay, ["{{ p.no }}", "{{ p.stage }}", "{{ p.percent }}", "{{ p.amount }}", "{{ p.amount_upper }}"],
             [C, L, C, R, L])
    tag_row(pay, "{%tr endfor %}")
    tot = pay.add_row()
    label = tot.cells[0].merge(tot.cells[2])
    put(label, "合计", align=C, bold=True)
    put(tot.cells[3], "{{ price }}", align=R, bold=True)
    put(tot.cells[4], "{{ price_upper }}", bold=True)
    no_split(tot)
    para(doc, "", spacing=0.6)
    body(doc, "2.2 乙方收款后应向甲方出具收款凭证。")
    body(doc, "2.3 工程变更的价款按工程变更单约定的方式支付（见本合同第 5.3 条），竣工后按本合同第 8.5 条结算。")

    clause(doc, "第三条  材料供应")
    para(doc, "{%p for t in material_terms %}")
    body(doc, "3.{{ loop.index }} {{ t }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if materials %}")
    body(doc, "3.{{ material_terms | length + 1 }} 双方约定的材料供应如下：", keep_next=True)
    mat = grid(doc, [60, 70, 40], ["材料名称", "品牌、规格", "供应方"])
    tag_row(mat, "{%tr for m in materials %}")
    data_row(mat, ["{{ m.name }}", "{{ m.spec }}", "{{ m.supplied_by }}"], [L, L, C])
    tag_row(mat, "{%tr endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if jia_materials %}")
    body(doc, "3.{{ material_terms | length + 1 }} 甲供材料清单（甲方按下表供应，双方在进场时共同验收）：",
         keep_next=True)
    jia = grid(doc, [12, 38, 50, 26, 44], ["序号", "材料名称", "品牌、规格", "数量", "进场时间"])
    tag_row(jia, "{%tr for m in jia_materials %}")
    data_row(jia, ["{{ m.no }}", "{{ m.name }}", "{{ m.spec }}", "{{ m.quantity }}", "{{ m.delivery }}"],
             [C, L, L, C, L])
    tag_row(jia, "{%tr endfor %}")
    para(doc, "{%p endif %}")

    clause(doc, "第四条  工期顺延")
    body(doc, "4.1 有下列情形之一的，工期相应顺延：（1）工程变更，顺延天数以双方签字确认的工程变更单写明的为准，"
              "变更单未写明的不顺延；（2）甲方未按约定支付工程款；（3）甲方未按约定提供施工场地、水电条件或办理"
              "物业手续，或甲供材料、设备未按时供应、验收不合格；（4）甲方未按约定参加隐蔽工程验收或竣工验收，"
              "或要求暂停施工；（5）不可抗力，或非乙方原因的停水、停电、物业停工。")
    body(doc, "4.2 发生第 4.1 条情形的，乙方应在三日内书面通知甲方，写明原因及顺延天数，经甲方签字确认；"
              "因乙方原因造成的延误，工期不予顺延。")

    clause(doc, "第五条  工程变更")
    body(doc, "5.1 施工期间任何一方需要增加、减少或变更施工项目、做法、材料的，应先签订书面的工程变更单"
              "（编号 BG-年份-序号），写明变更内容，增减项目的名称、单位、数量、单价及金额，对工期的影响及付款方式，"
              "经甲方签字、乙方盖章确认后方可施工。")
    body(doc, "5.2 变更项目的单价：报价单中有同类项目的，按报价单的同类单价计算；没有同类项目的，由双方协商确定。"
              "管理费、税金按报价单的费率计取。")
    body(doc, "5.3 变更价款按工程变更单约定的方式支付：随下一期工程款一并支付，或在变更单签字后约定的日数内支付；"
              "减项价款从合同价款中扣减。")
    body(doc, "5.4 变更影响工期的，工期按工程变更单写明的天数顺延。")
    body(doc, "5.5 未经甲方签字确认的变更，甲方不承担费用；乙方擅自变更施工项目、做法或材料的，甲方有权要求"
              "乙方恢复原状，费用由乙方承担，工期不予顺延。")

    clause(doc, "第六条  双方责任及施工管理")
    body(doc, "6.1 甲方：按约定提供施工场地、水电条件并办理物业手续；按期支付工程款；参加隐蔽工程及竣工验收。")
    body(doc, "6.2 乙方：按图纸、报价单及施工规范施工；遵守物业管理规定，在物业允许的时间内施工，文明施工；"
              "保护甲方财产及相邻房屋；完工后清理现场。")
    body(doc, "6.3 乙方不得拆改房屋的承重结构和主体结构（承重墙、梁、柱、楼板、剪力墙等），不得扩大承重墙上原有的"
              "门窗尺寸，不得破坏厨房、卫生间地面的防水层，不得拆改燃气管道及设施、供暖主管、烟道和通风道；"
              "甲方提出上述要求的，乙方应当拒绝。施工中需拆除原防水层的，乙方应按不低于原标准的要求重做防水，"
              "并经闭水试验合格。")
    body(doc, "6.4 安全与防火：乙方应遵守安全生产及消防规定，施工现场配备灭火器，严禁吸烟；确需动火作业的，"
              "须经物业同意并采取防火措施；临时用电由持证电工操作，易燃材料妥善存放，每日离场前关闭水电。"
              "因乙方原因发生安全事故、火灾，或造成甲方及相邻住户财产损失的，由乙方承担责任和费用。")
    body(doc, "6.5 垃圾清运：施工垃圾由乙方负责装袋，每日清理，并按物业规定的时间、路线清运至物业指定地点，"
              "清运费用已包含在合同价款中；物业向业主收取的装修垃圾清运费、装修押金等，由甲方按物业规定交纳。")

    clause(doc, "第七条  室内环境污染控制")
    body(doc, "7.1 本工程使用的装饰装修材料应符合国家室内装饰装修材料有害物质限量标准；工程完工后，室内环境"
              "污染物浓度应符合 GB 50325-2020《民用建筑工程室内环境污染控制标准》的规定。")
    body(doc, "7.2 甲方可在工程完工七日后、入住前委托有资质的检测机构进行室内环境检测，检测费用由甲方先行支付。"
              "检测合格的，检测费用由甲方承担。")
    body(doc, "7.3 检测不合格的，乙方应在十五日内采取措施治理，并经复检合格；治理费用和全部检测（含复检）费用"
              "由乙方承担。经检测机构确认系甲供材料或甲方自行购置的家具、物品造成不合格的，由甲方承担。")

    clause(doc, "第八条  工程质量、验收及结算")
    body(doc, "8.1 本工程执行 GB 50210-2018《建筑装饰装修工程质量验收标准》、GB 50327-2001"
              "《住宅装饰装修工程施工规范》及国家、地方现行有关标准。")
    body(doc, "8.2 隐蔽工程（给排水、电路、防水等）完工后，乙方应提前两日通知甲方验收，"
              "验收合格并经双方签字后方可进入下道工序。")
    body(doc, "8.3 工程竣工后，乙方通知甲方验收，甲方应在接到通知后三日内组织验收，"
              "验收合格双方签署竣工验收报告；验收不合格的，乙方按整改通知书限期整改后重新验收。")
    body(doc, "8.4 双方对工程质量有争议的，由双方共同委托有资质的检测机构检测鉴定；鉴定费用由提出鉴定的一方"
              "先行垫付，最终由责任方承担。")
    body(doc, "8.5 结算：竣工验收合格后七日内，双方办理工程结算。结算价款为合同价款加减经双方签字确认的"
              "工程变更单的增减价款；结算单经双方签字确认后，甲方按第二条支付剩余工程款，多退少补。")

    clause(doc, "第九条  保修")
    body(doc, "9.1 本工程自竣工验收合格之日起计算保修期：{{ warranty_terms }}。"
              "保修期内因施工质量造成的问题，乙方免费维修。")
    body(doc, "9.2 竣工验收合格后，乙方向甲方出具保修卡。因甲方使用不当、甲供材料或甲方自购设备的质量问题、"
              "不可抗力造成的损坏，乙方可提供有偿维修。")

    clause(doc, "第十条  违约责任")
    body(doc, "10.1 乙方未按期竣工的（按第四条顺延的除外），每逾期一日，按合同价款的 {{ penalty_rate }} "
              "向甲方支付违约金。")
    body(doc, "10.2 甲方未按期支付工程款的，每逾期一日，按逾期未付金额的 {{ penalty_rate }} "
              "向乙方支付违约金。")
    body(doc, "10.3 依第 10.1 条、第 10.2 条计算的逾期违约金，各自累计不超过合同价款的 {{ penalty_cap }}"
              "（{{ penalty_cap_amount }}）。")
    body(doc, "10.4 因一方原因致使合同无法继续履行的，该方应赔偿对方因此造成的实际损失。")

    clause(doc, "第十一条  合同解除")
    body(doc, "11.1 有下列情形之一的，甲方可以书面通知乙方解除合同：（1）乙方逾期竣工超过三十日；"
              "（2）乙方违反第 6.3 条拆改承重结构、主体结构，或将工程转包；（3）工程质量经检测鉴定不合格，"
              "乙方在甲方书面通知后十日内拒不整改或整改后仍不合格。")
    body(doc, "11.2 有下列情形之一的，乙方可以书面通知甲方解除合同：（1）甲方逾期付款超过三十日，"
              "经乙方书面催告后七日内仍未支付；（2）甲方坚持要求乙方违反第 6.3 条或强制性标准施工；"
              "（3）因甲方原因停工累计超过三十日。")
    body(doc, "11.3 合同解除后七日内，双方核对已完成的工程量，按报价单单价（变更项目按变更单单价）结算已完成"
              "且质量合格的工程价款{% if not qingbao %}及乙方已采购进场、归甲方所有的材料费用{% endif %}，"
              "多退少补；乙方应在结算后三日内撤场并清理现场。解除合同不影响守约方要求违约方承担违约责任。")

    clause(doc, "第十二条  争议解决")
    body(doc, "本合同履行中发生争议，双方协商解决；协商不成的，可请求有关部门调解；调解不成的，"
              "{% if dispute == '仲裁' %}提交{{ dispute_body }}仲裁。"
              "{% else %}依法向{{ court }}提起诉讼。{% endif %}")

    clause(doc, "第十三条  其他约定")
    para(doc, "{%p for t in special_terms %}")
    body(doc, "13.{{ loop.index }} {{ t }}")
    para(doc, "{%p endfor %}")
    body(doc, "13.{{ special_terms | length + 1 }} 本合同附件：{{ annex_list }}。"
              "{% if quote %}报价单“工艺及材料说明”栏所列的做法、品牌、规格、遍数、高度等是双方约定的施工标准。{% endif %}"
              "附件及经双方签字确认的工程变更单均为本合同的组成部分，与本合同具有同等法律效力。")
    body(doc, "13.{{ special_terms | length + 2 }} 本合同自双方签字（盖章）之日起生效。", keep_next=True)
    # The last clause stays on the signature page: a page of signatures alone could be swapped.
    body(doc, "13.{{ special_terms | length + 3 }} {{ copies }}", keep_next=True)
    para(doc, "（以下无正文）", size=10.5, align=C, keep_next=True, before=3)
    # 甲方 is a natural person: they sign themselves or through an agent; no date is printed
    # before the paper is signed, the parties write it.
    signature_block(
        doc,
        ["甲方（签字）：______________", "委托代理人（签字）：__________", "日期：______年____月____日"],
        ["乙方（盖章）：______________", "法定代表人或委托代理人（签字）：______",
         "日期：______年____月____日"],
        width,
    )

    para(doc, "{%p if annex %}")
    p = para(doc, "")
    p.add_run().add_break(WD_BREAK.PAGE)
    para(doc, "附件一：装修工程报价单", size=HEADING_PT, bold=True, sans=True, align=C)
    para(doc, "报价单编号 {{ quote }}    报价日期 {{ quote_date }}", size=10.5, align=C, after=6)
    widths = [40, 12, 14, 23, 25, 56]
    ann = grid(doc, widths, ["项目名称", "单位", "数量", "单价（元）", "合价（元）", "工艺及材料说明"])
    tag_row(ann, "{%tr for s in annex %}")
    sr = ann.add_row()
    m = sr.cells[0].merge(sr.cells[-1])
    put(m, "{{ s.name }}", bold=True, sans=True, keep_next=True)
    shade(m, "F2F2F2")
    no_split(sr)
    tag_row(ann, "{%tr for it in s.rows %}")
    data_row(ann, ["{{ it.name }}", "{{ it.unit }}", "{{ it.quantity }}", "{{ it.unit_price }}", "{{ it.amount }}",
                   "{{ it.note }}"], [L, C, R, R, R, L])
    tag_row(ann, "{%tr endfor %}")
    sub = ann.add_row()
    lab = sub.cells[0].merge(sub.cells[3])
    put(lab, "{{ s.name }}小计", align=R, bold=True)
    put(sub.cells[4], "{{ s.subtotal }}", align=R, bold=True)
    no_split(sub)
    tag_row(ann, "{%tr endfor %}")
    for label_text, value in (("工程直接费合计", "{{ annex_works }}"),
                              ("管理费", "{{ annex_fee }}"), ("税金", "{{ annex_tax }}")):
        extra = ann.add_row()
        lab = extra.cells[0].merge(extra.cells[3])
        put(lab, label_text, align=R)
        put(extra.cells[4], value, align=R)
        no_split(extra)
    tot = ann.add_row()
    lab = tot.cells[0].merge(tot.cells[3])
    put(lab, "报价总额（即合同价款）", align=R, bold=True)
    put(tot.cells[4], "{{ price }}", align=R, bold=True)
    no_split(tot)
    para(doc, "{%p endif %}")
    doc.save(OUT / "contract.docx")


def info_table(doc, rows: list[tuple[str, str, str | None, str | None]], widths=(26, 59, 26, 59)) -> None:
    """Label/value pairs, two per row; a row whose third entry is None spans the row."""
    t = fixed_table(doc, len(rows), list(widths))
    for r, values in zip(t.rows, rows):
        cells = r.cells
        if values[2] is None:
            merged = cells[1].merge(cells[3])
            put(cells[0], values[0], align=C, bold=True)
            put(merged, values[1])
        else:
            for i, v in enumerate(values):
                put(cells[i], v or "", align=C if i % 2 == 0 else L, bold=i % 2 == 0)
        for i in (0, 2):
            shade(r.cells[i], "F2F2F2")
        no_split(r)


def grid(doc, widths: list[float], heads: list[str]):
    t = fixed_table(doc, 1, widths)
    for c, h in zip(t.rows[0].cells, heads):
        put(c, h, align=C, bold=True, sans=True)
    header_row(t.rows[0])
    return t


def data_row(t, values: list[str], aligns: list, height_mm: float | None = None) -> None:
    r = t.add_row()
    if height_mm:
        from docx.enum.table import WD_ROW_HEIGHT_RULE

        r.height = Mm(height_mm)
        r.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    for c, v, a in zip(r.cells, values, aligns):
        put(c, v, align=a)
    no_split(r)


def build_rectification() -> None:
    doc = new_document()
    width = 170
    header_footer(doc, width)
    title_block(doc, "整改通知书", "检查日期：{{ inspection_date }}")
    info_table(doc, [
        ("客户姓名", "{{ customer.name }}", "项目编号", "{{ project_code }}"),
        ("工程地址", "{{ site.address }}", None, None),
        ("合同编号", "{{ contract }}", "项目经理", "{{ project_manager }}"),
        ("检查人", "{{ inspector }}", "整改期限", "{{ deadline }}"),
    ])
    para(doc, "", spacing=0.6)
    body(doc, "{{ receiver }}（施工负责人）：")
    body(doc, "经{{ inspection_date }}检查"
              "{% if acceptance %}（竣工验收报告 {{ acceptance }}）{% endif %}，"
              "{{ site.address }}装饰装修工程存在下列问题。请于{{ deadline }}前按要求整改完毕，"
              "整改完成后书面回复并申请复查。逾期未整改或整改不合格的，按施工合同约定处理。")
    t = grid(doc, [11, 24, 50, 38, 47], ["序号", "部位", "问题描述", "依据条款", "整改要求"])
    tag_row(t, "{%tr for it in issues %}")
    data_row(t, ["{{ it.no }}", "{{ it.location }}", "{{ it.problem }}", "{{ it.basis }}",
                 "{{ it.requirement }}"], [C, L, L, L, L])
    tag_row(t, "{%tr if it.photo %}")
    r = t.add_row()
    put(r.cells[0], "照片", align=C)
    m = r.cells[1].merge(r.cells[4])
    put(m, "{{ it.photo }}", align=C)
    no_split(r)
    tag_row(t, "{%tr endif %}")
    tag_row(t, "{%tr endfor %}")
    signature_block(
        doc,
        ["签发人：{{ issuer }}", "日期：{{ inspection_date }}"],
        ["接收人（签字）：______________", "日期：______年____月____日"],
        width,
        after_table=True,
    )
    para(doc, "整改回复（施工方填写）", size=HEADING_PT, bold=True, sans=True, before=8, keep_next=True)
    para(doc, "整改完成情况：__________________________________________________________",
         keep_next=True)
    para(doc, "______________________________________________________________________",
         keep_next=True)
    para(doc, "回复人（签字）：______________        日期：______年____月____日")
    para(doc, "复查记录", size=HEADING_PT, bold=True, sans=True, before=8, keep_next=True)
    rc = grid(doc, [30, 30, 76, 34], ["复查日期", "复查结果", "复查意见", "复查人"])  # □通过 □不通过 on one line
    tag_row(rc, "{%tr for c in rechecks %}")
    data_row(rc, ["{{ c.date }}", "{{ c.result }}", "{{ c.note }}", "{{ c.inspector }}"], [C, C, L, C])
    tag_row(rc, "{%tr endfor %}")
    tag_row(rc, "{%tr if not rechecks %}")
    data_row(rc, ["", "□通过 □不通过", "", ""], [C, C, L, C])
    tag_row(rc, "{%tr endif %}")
    para(doc, "通知状态：{{ state }}", size=10.5, before=4, align=R)
    doc.save(OUT / "rectification.docx")


def build_acceptance() -> None:
    doc = new_document()
    width = 170
    header_footer(doc, width)
    title_block(doc, "竣工验收报告", "验收日期：{{ date }}")
    clause(doc, "一、工程概况")
    info_table(doc, [
        ("客户姓名", "{{ customer.name }}", "项目编号", "{{ project_code }}"),
        ("工程地址", "{{ site.address }}", None, None),
        ("合同编号", "{{ contract }}", "合同价款", "{{ contract_price }}"),
        ("承包方式", "{{ mode }}", "面积 / 户型", "{{ site.area }} ㎡ / {{ site.layout }}"),
        ("开工日期", "{{ contract_start }}", "合同竣工日期", "{{ contract_completion }}"),
        ("设计师", "{{ designer }}", "项目经理", "{{ project_manager }}"),
        ("验收阶段", "{{ stage }}", "前次验收", "{{ previous or '无' }}"),
    ])
    clause(doc, "二、验收依据")
    para(doc, "{%p for b in basis %}")
    body(doc, "{{ loop.index }}. {{ b }}")
    para(doc, "{%p endfor %}")
    clause(doc, "三、验收范围")
    body(doc, "{{ scope }}。")
    clause(doc, "四、验收标准")
    body(doc, "按上列依据所定标准及下表“验收标准”栏逐项检查，每一项均达到标准为合格；"
              "任一项不合格，本次验收结论为不合格。")
    clause(doc, "五、验收情况")
    t = grid(doc, [11, 20, 38, 45, 18, 38], ["序号", "类别", "验收项目", "验收标准", "结果", "备注"])
    tag_row(t, "{%tr for it in items %}")
    data_row(t, ["{{ it.no }}", "{{ it.category }}", "{{ it.item }}", "{{ it.standard }}",
                 "{{ it.result }}", "{{ it.note }}"], [C, C, L, L, C, L])
    tag_row(t, "{%tr endfor %}")
    clause(doc, "六、验收结论")
    p = para(doc, "", keep_next=True)
    style_run(p.add_run("验收结论："), BODY_PT, True, sans=True)
    style_run(p.add_run("{{ conclusion }}"), HEADING_PT, True, sans=True)
    body(doc, "{{ conclusion_text }}")
    para(doc, "{%p if failed %}")
    f = grid(doc, [11, 24, 45, 45, 45], ["序号", "类别", "不合格项目", "验收标准", "实际情况"])
    tag_row(f, "{%tr for it in failed %}")
    data_row(f, ["{{ it.no }}", "{{ it.category }}", "{{ it.item }}", "{{ it.standard }}",
                 "{{ it.note }}"], [C, C, L, L, L])
    tag_row(f, "{%tr endfor %}")
    para(doc, "{%p endif %}")
    para(doc, "客户意见：{{ opinion or '____________________________________________' }}", before=6,
         keep_next=True)
    para(doc, "验收人员：{{ inspectors }}", keep_next=True)
    sig = fixed_table(doc, 2, [85, 85], grid=False)
    lines = [
        ("客户（签字）：______________", "项目经理（签字）：______________"),
        ("设计师（签字）：______________", "质检员（签字）：______________"),
    ]
    for r, pair in zip(sig.rows, lines):
        for c, v in zip(r.cells, pair):
            cp = c.paragraphs[0]
            cp.paragraph_format.line_spacing = 1.6
            cp.paragraph_format.space_before = Pt(6)
            style_run(cp.add_run(v), BODY_PT)
            d = c.add_paragraph()
            d.paragraph_format.line_spacing = 1.4
            style_run(d.add_run("日期：______年____月____日"), 10.5)
        no_split(r)
    para(doc, "本报告一式四份：客户、工程部、财务部、档案室各执一份。", size=10.5, before=6)
    doc.save(OUT / "acceptance.docx")


def build_warranty() -> None:
    doc = new_document()
    width = 170
    header_footer(doc, width)
    title_block(doc, "装饰装修工程保修卡", "签发日期：{{ issue_date }}")
    info_table(doc, [
        ("客户姓名", "{{ customer.name }}", "联系电话", "{{ customer.phone }}"),
        ("工程地址", "{{ site.address }}", None, None),
        ("合同编号", "{{ contract }}", "验收报告", "{{ acceptance }}"),
        ("设计师", "{{ designer }}", "项目经理", "{{ project_manager }}"),
        ("开工日期", "{{ contract_start }}", "竣工验收合格", "{{ acceptance_date }}"),
    ])
    clause(doc, "一、保修期限")
    t = grid(doc, [32, 46, 26, 33, 33], ["保修项目", "保修范围", "保修期", "起始日期", "截止日期"])
    tag_row(t, "{%tr for p in periods %}")
    data_row(t, ["{{ p.name }}", "{{ p.scope }}", "{{ p.years }}", "{{ p.start }}", "{{ p.end }}"],
             [C, L, C, C, C])
    tag_row(t, "{%tr endfor %}")
    clause(doc, "二、保修说明")
    notes = [
        "1. 保修期自竣工验收合格之日起计算，不短于《建设工程质量管理条例》第四十条及"
        "《住宅室内装饰装修管理办法》第三十二条规定的最低保修期限。",
        "2. 免费保修：保修期内因施工质量造成的问题（如墙地砖空鼓脱落、管线渗漏、防水失效），"
        "乙方免费维修。",
        "3. 有偿维修：因客户使用不当或自行改动、客户自购材料及设备的质量问题、不可抗力造成的损坏，"
        "以及保修期满后的维修，乙方可提供有偿维修。",
        "4. 报修电话：{{ company.phone }}。乙方接到报修后 {{ visit_hours }} 小时内上门查看。",
    ]
    for n in notes:
        body(doc, n)
    para(doc, "{%p if seasons %}")
    body(doc, "5. 供热与供冷系统的保修期为{{ seasons }}（《建设工程质量管理条例》第四十条），按每年一个采暖期和"
              "一个供冷期计算截止日期；截止日期正处于采暖期或供冷期的，保修期延至该采暖期或供冷期结束。")
    para(doc, "{%p endif %}")
    para(doc, "{%p for n in notes %}")
    body(doc, "{{ loop.index + (5 if seasons else 4) }}. {{ n }}")
    para(doc, "{%p endfor %}")
    clause(doc, "三、维修记录")
    v = grid(doc, [11, 30, 57, 20, 26, 26], ["序号", "报修日期", "维修内容", "是否收费", "维修人", "客户签字"])
    tag_row(v, "{%tr for v in visits %}")
    data_row(v, ["{{ v.no }}", "", "", "□是 □否", "", ""], [C, C, L, C, C, C], height_mm=9)
    tag_row(v, "{%tr endfor %}")
    signature_block(
        doc,
        ["客户签收：______________", "日期：______年____月____日"],
        ["{{ company.name }}（盖章）", "签发日期：{{ issue_date }}"],
        width,
        after_table=True,
    )
    p = para(doc, "", align=C, before=6)
    style_run(p.add_run("本卡涂改无效，请妥善保管，报修时请出示。"), 10.5, True, sans=True)
    doc.save(OUT / "warranty.docx")


def keep_together(table) -> None:
    """Keep a small table on one page: every row's paragraphs keep with the next row."""
    for row in table.rows[:-1]:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def build_repair() -> None:
    doc = new_document()
    width = 170
    header_footer(doc, width)
    title_block(doc, "保修维修单", "报修日期：{{ report_day }}")
    info_table(doc, [
        ("客户姓名", "{{ customer.name }}", "项目编号", "{{ project_code }}"),
        ("工程地址", "{{ site.address }}", None, None),
        ("保修卡", "{{ warranty }}", "合同编号", "{{ contract }}"),
        ("竣工验收合格", "{{ acceptance_date }}", "项目经理", "{{ project_manager }}"),
        ("维修单状态", "{{ state }}", None, None),
    ])
    clause(doc, "一、客户报修")
    info_table(doc, [
        ("报修时间", "{{ reported_at }}", "受理人", "{{ received_by }}"),
        ("报修方式", "{{ channel }}", None, None),
        ("报修人", "{{ reporter }}", "联系电话", "{{ phone }}"),
        ("问题部位", "{{ location }}", None, None),
        ("问题描述", "{{ problem }}", None, None),
    ])
    keep_together(doc.tables[-1])
    para(doc, "{%p if photos %}")
    ph = fixed_table(doc, 1, [26, 144])
    tag_row(ph, "{%tr for p in photos %}")
    r = ph.add_row()
    put(r.cells[0], "照片{{ p.no }}", align=C, bold=True)
    shade(r.cells[0], "F2F2F2")
    put(r.cells[1], "{{ p.photo }}", align=C)
    no_split(r)
    tag_row(ph, "{%tr endfor %}")
    ph._tbl.remove(ph.rows[0]._tr)
    para(doc, "{%p endif %}")
    clause(doc, "二、上门查看")
    info_table(doc, [
        ("上门时间", "{{ visited_at }}", None, None),
        ("查看人员", "{{ visitors }}", None, None),
        ("查看情况", "{{ findings }}", None, None),
        ("问题原因", "{{ cause }}", None, None),
        ("原因说明", "{{ cause_note }}", None, None),
    ])
    keep_together(doc.tables[-1])
    for row, mm in ((2, 16), (4, 9)):  # room to write by hand on site
        from docx.enum.table import WD_ROW_HEIGHT_RULE

        doc.tables[-1].rows[row].height = Mm(mm)
        doc.tables[-1].rows[row].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    clause(doc, "三、保修判定")
    info_table(doc, [
        ("保修项目", "{{ category }}", "保修期", "{{ period }}"),
        ("保修起止", "{{ span }}", None, None),
        ("报修日", "{{ report_day }}{% if within %}（{{ within }}）{% endif %}", None, None),
        ("判定结果", "{{ verdict }}", None, None),
    ])
    keep_together(doc.tables[-1])
    para(doc, "{%p if basis %}")
    body(doc, "{{ basis }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if all_ended and not category %}")
    body(doc, "报修时本工程各项保修期均已届满，本次维修为有偿维修。")
    para(doc, "{%p endif %}")
    clause(doc, "四、维修方案")
    para(doc, "{%p if plan %}")
    body(doc, "{{ plan }}")
    para(doc, "{%p if planned_date %}")
    body(doc, "计划维修日期：{{ planned_date }}。")
    para(doc, "{%p endif %}")
    para(doc, "{%p else %}")
    for _line in range(3):
        para(doc, "_" * 85, keep_next=True)
    para(doc, "计划维修日期：______年____月____日")
    para(doc, "{%p endif %}")
    para(doc, "{%p if paid %}")
    para(doc, "维修收费明细（有偿维修，经客户确认后施工）", size=10.5, bold=True, sans=True, before=4,
         keep_next=True)
    t = grid(doc, [11, 49, 16, 20, 26, 28, 20], ["序号", "收费项目", "单位", "数量", "单价（元）", "金额（元）", "备注"])
    tag_row(t, "{%tr for c in charges %}")
    data_row(t, ["{{ c.no }}", "{{ c.name }}", "{{ c.unit }}", "{{ c.quantity }}", "{{ c.unit_price }}",
                 "{{ c.amount }}", "{{ c.note }}"], [C, L, C, R, R, R, L])
    tag_row(t, "{%tr endfor %}")
    tot = t.add_row()
    lab = tot.cells[0].merge(tot.cells[4])
    put(lab, "合计（大写）：{{ total_upper }}", bold=True)
    amt = tot.cells[5].merge(tot.cells[6])
    put(amt, "{{ total }}", align=R, bold=True)
    no_split(tot)
    para(doc, "客户确认收费（签字）：______________        日期：______年____月____日", before=4)
    para(doc, "{%p endif %}")
    clause(doc, "五、维修记录")
    rep = grid(doc, [32, 22, 50, 38, 28], ["维修时间", "维修人员", "维修内容", "使用材料", "现场清理"])
    tag_row(rep, "{%tr for r in repairs %}")
    data_row(rep, ["{{ r.at }}", "{{ r.repairers }}", "{{ r.work }}", "{{ r.materials }}", "{{ r.cleaned }}"],
             [C, C, L, L, L])
    tag_row(rep, "{%tr endfor %}")
    tag_row(rep, "{%tr if awaiting_repair %}")
    data_row(rep, ["____年__月__日\n____时____分", "", "", "", "□已清理现场、恢复原状"], [C, C, L, L, L],
             height_mm=16)
    tag_row(rep, "{%tr endif %}")
    para(doc, "{%p if times %}")
    para(doc, "响应时间：{{ times }}", size=10.5, before=2)
    para(doc, "{%p endif %}")
    clause(doc, "六、客户验收")
    acc = grid(doc, [32, 30, 80, 28], ["验收日期", "验收结果", "客户意见", "验收人"])
    tag_row(acc, "{%tr for a in acceptances %}")
    data_row(acc, ["{{ a.date }}", "{{ a.result }}", "{{ a.opinion }}", "{{ a.signed_by }}"], [C, C, L, C])
    tag_row(acc, "{%tr endfor %}")
    tag_row(acc, "{%tr if awaiting_acceptance %}")
    data_row(acc, ["____年__月__日", "□满意 □不满意", "", ""], [C, C, L, C], height_mm=14)
    tag_row(acc, "{%tr endif %}")
    para(doc, "客户对维修结果验收：满意的，本单关闭；不满意的，写明意见，乙方重新安排维修，直至验收满意。",
         size=10.5, spacing=1.2, before=2)
    signature_block(
        doc,
        ["维修人员（签字）：______________", "日期：______年____月____日"],
        ["客户（签字）：______________", "日期：______年____月____日"],
        width,
    )
    para(doc, "本单一式两份：客户、乙方工程部（售后）各执一份。报修电话：{{ company.phone }}。", size=10.5,
         before=4)
    doc.save(OUT / "repair.docx")
# change order -----------------------------------------------------------


def change_lines(doc, rows: str, total_label: str, total: str) -> None:
    """A 增项 or 减项 table: its lines, or one 无 row, and its total."""
    widths = [11, 42, 13, 17, 22, 25, 40]
    t = grid(doc, widths, ["序号", "项目名称", "单位", "数量", "单价（元）", "金额（元）", "备注"])
    tag_row(t, f"{{%tr for it in {rows} %}}")
    data_row(t, ["{{ it.no }}", "{{ it.name }}", "{{ it.unit }}", "{{ it.quantity }}",
                 "{{ it.unit_price }}", "{{ it.amount }}", "{{ it.note }}"], [C, L, C, R, R, R, L])
    tag_row(t, "{%tr endfor %}")
    tag_row(t, f"{{%tr if not {rows} %}}")
    r = t.add_row()
    put(r.cells[0].merge(r.cells[-1]), "无", align=C)
    no_split(r)
    tag_row(t, "{%tr endif %}")
    tot = t.add_row()
    put(tot.cells[0].merge(tot.cells[4]), total_label, align=R, bold=True)
    put(tot.cells[5], total, align=R, bold=True)
    no_split(tot)
    para(doc, "", spacing=0.6)


def change_clause(doc, text: str) -> None:
    # a one- or two-page form: tighter than a contract's clauses
    para(doc, text, size=HEADING_PT, bold=True, sans=True, before=3, after=2, keep_next=True)


def change_body(doc, text: str, keep_next: bool = False) -> None:
    para(doc, text, indent=True, spacing=1.3, keep_next=keep_next)


def build_change() -> None:
    doc = new_document()
    width = 170
    header_footer(doc, width)
    title_block(doc, "工程变更单", "变更日期：{{ date }}")
    info_table(doc, [
        ("客户姓名", "{{ customer.name }}", "项目编号", "{{ project_code }}"),
        ("工程地址", "{{ site.address }}", None, None),
        ("合同编号", "{{ contract }}", "合同签订日期", "{{ contract_sign_date }}"),
        ("设计师", "{{ designer }}", "项目经理", "{{ project_manager }}"),
        ("原合同价款", "{{ original }}", "本变更前合同价款", "{{ before }}"),
        ("已签认变更单", "{{ earlier or '无' }}", None, None),
    ], widths=(26, 54, 34, 56))
    para(doc, "", spacing=0.6)
    change_clause(doc, "一、变更原因")
    change_body(doc, "变更类型：{{ reason_marks }}")
    change_body(doc, "{{ reason_text }}")
    change_clause(doc, "二、增项明细")
    change_lines(doc, "additions", "增项合计", "{{ added }}")
    change_clause(doc, "三、减项明细")
    change_lines(doc, "deductions", "减项合计", "{{ taken }}")
    change_clause(doc, "四、变更金额")
    totals = fixed_table(doc, 9, [78, 92])
    lines = [
        ("增项合计", "¥{{ added }}", False),
        ("减项合计", "¥{{ taken }}", False),
        ("直接费净额（增项 − 减项）", "{{ works }}", False),
        ("管理费（净额 × {{ fee_rate }}）", "{{ fee }}", False),
        ("税金（（净额 + 管理费）× {{ tax_rate }}）", "{{ tax }}", False),
        ("本次变更净额（小写）", "{{ net }}", True),
        ("本次变更净额（大写）", "{{ net_upper }}", True),
        ("本变更生效后合同价款（小写）", "{{ after }}", True),
        ("本变更生效后合同价款（大写）", "{{ after_upper }}", True),
    ]
    for n, (r, (k, v, bold)) in enumerate(zip(totals.rows, lines)):
        more = n < len(lines) - 1  # the figures stay together on one page
        put(r.cells[0], k, bold=True, keep_next=more)
        shade(r.cells[0], "F2F2F2")
        put(r.cells[1], v, align=L if "大写" in k else R, bold=bold, keep_next=more)
        no_split(r)
    para(doc, "注：金额为正数表示合同价款增加，负数表示减少；管理费、税金按施工合同约定的费率计取，"
              "各项金额按四舍五入精确到分。", size=10.5, spacing=1.3, before=3)
    change_clause(doc, "五、工期")
    change_body(doc, "{% if days %}因本变更，工期顺延 {{ days }} 日历天，竣工日期由 {{ completion_before }} "
                     "调整为 {{ completion_after }}。{% else %}本变更不影响工期，竣工日期仍为 "
                     "{{ completion_before }}。{% endif %}")
    change_clause(doc, "六、付款方式")
    change_body(doc, "{{ payment_text }}")
    change_clause(doc, "七、其他约定")
    change_body(doc, "1. 本变更单是施工合同（编号 {{ contract }}）的组成部分；本变更单未涉及的事项，"
                     "仍按原合同执行。变更项目的质量标准、验收及保修，按原合同约定执行。")
    change_body(doc, "2. 本变更单经甲方签字、乙方盖章后生效。未经双方签字确认的变更，甲方不承担相应费用，"
                     "乙方不得据此施工。")
    para(doc, "{%p for r in remarks %}")
    change_body(doc, "{{ loop.index + 2 }}. {{ r }}")
    para(doc, "{%p endfor %}")
    change_body(doc, "{{ remarks | length + 3 }}. 本变更单份数及持有人与施工合同相同，各份具有同等效力。",
                keep_next=True)
    para(doc, "（以下无正文）", size=10.5, align=C, keep_next=True, before=3)
    signature_block(
        doc,
        ["甲方（签字）：______________", "委托代理人：______________", "日期：______年____月____日"],
        ["乙方（盖章）：______________", "项目经理（签字）：______________", "日期：______年____月____日"],
        width,
    )
    doc.save(OUT / "change.docx")


if __name__ == "__main__":
    import sys

    # every build_NAME() makes templates/NAME.docx
    BUILDERS = {name.removeprefix("build_"): f for name, f in list(globals().items())
                if name.startswith("build_") and callable(f)}
    OUT.mkdir(exist_ok=True)
    wanted = sys.argv[1:] or list(BUILDERS)  # python tools/build_templates.py change: that one only
    for name in wanted:
        BUILDERS[name]()
    print(f"wrote {', '.join(wanted)} into {OUT}")
