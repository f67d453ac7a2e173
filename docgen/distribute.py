"""Copies for departments: which department gets which version, labelled and masked.

A copy is a PDF of a document's effective version with its 联次 label stamped on the
first page and in the file name (``HT-2026-0001_v3_财务联.pdf``):

- a department that may see personal data gets the signed scan itself where there
  is one, else the generated PDF;
- a department whose data is masked gets the generated document re-rendered with the
  customer's ID and phone numbers masked (kept as a rendering, so it is converted
  once), and, for a signed document, a line saying the signed original is on file.

Deliveries follow the rules of docgen.toml and are written atomically into each
department's outbox: every copy of a delivery is written to a temporary file first,
and only when all are written are they renamed into place and recorded, so a
delivery that fails (no permission, a full disk) leaves nothing behind and records
nothing. Every delivery, pull and refused pull is a row of the catalog's ledger.
"""

from __future__ import annotations

import io
import json
import os
import stat
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.archive.catalog import VersionRow, effective_version, is_scan
from docgen.archive.core import Archive
from docgen.archive.store import sha256_bytes
from docgen.clock import instant, today
from docgen.config import Department
from docgen.kinds import registry
from docgen.errors import DocgenError, Forbidden, NotFound, StateError
from docgen.failpoints import hit
from docgen.i18n import _, status_word
from docgen.kinds.names import kind_word
from docgen.privacy import customer_pairs, leaks, loose, mask_text, what

if TYPE_CHECKING:
    from docgen.render.pdf import Converter

STAMP_VERSION = "3"  # bump when the look of the label changes, so cached stamps are re-made
MASKED = "masked-3"  # the rendering variant; a new name when masking changes, so old ones are not reused

@dataclass(frozen=True)
class Copy:
    department: str
    label: str
    number: str
    version: int
    path: Path
    sha256: str
    note: str = ""


def _snapshot(archive: Archive, version: VersionRow) -> dict[str, Any]:
    f = version.file("data")
    if f is None:
        raise DocgenError(_("{number} v{version} has no data snapshot").format(number=version.number, version=version.version))
    data: dict[str, Any] = json.loads(archive.store.get(f.sha256))
    return data


def personal_data(archive: Archive, version: VersionRow) -> list[tuple[str, str]]:
    """(value, masked value) of the personal data a version holds: ID and phone numbers."""
    return customer_pairs(_snapshot(archive, version).get("project", {}).get("customer", {}))


def mask_docx(data: bytes, pairs: list[tuple[str, str]]) -> bytes:
    """The .docx with every occurrence of each value replaced, however it is spaced or split
    across runs, in the text and the metadata of every part."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.endswith((".xml", ".rels")):
                body = mask_text(body.decode("utf-8"), pairs).encode("utf-8")
            dst.writestr(item, body)
    return out.getvalue()


def pdf_readable(data: bytes) -> list[tuple[str, str]]:
    """Everything a reader of a PDF can see or a program can take from it, as (where, text):
    the text of each page (headers, footers and text boxes are page content), and every
    string of the file (metadata, annotations, links, form fields, outlines)."""
    import pikepdf

    out = [(_("page {n}").format(n=n), text) for n, text in enumerate(page_texts(data), 1)]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        strings = [str(o) for obj in pdf.objects for o in _direct(obj) if isinstance(o, pikepdf.String)]
    out.append((_("the file's strings"), "\n".join(strings)))
    return out


def page_texts(data: bytes) -> list[str]:
    """The text of each page as PDFium reads it (the engine of Chrome's and Edge's viewers,
    which reads characters by where they are drawn, however the content stream orders them):
    every character of the page, also one drawn outside its box, where no viewer shows it but
    a program copying the text takes it."""
    import pypdfium2

    from docgen.pdfium import LOCK

    with LOCK:
        doc = pypdfium2.PdfDocument(data)
        try:
            out = []
            for page in doc:
                textpage = page.get_textpage()
                out.append(textpage.get_text_range())
                textpage.close()
                page.close()
            return out
        finally:
            doc.close()


def _direct(obj: Any, depth: int = 0) -> Iterator[Any]:
    """``obj`` and every direct object nested in it. Indirect objects are visited on their
    own (the callers walk ``pdf.objects``); nesting past 50 levels is not followed."""
    import pikepdf

    if depth > 50:
        return
    yield obj
    if isinstance(obj, pikepdf.Array):
        items: Any = list(obj)
    elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        items = [v for _k, v in obj.items()]
    else:
        return
    for item in items:
        if isinstance(item, pikepdf.Object) and not item.is_indirect:
            yield from _direct(item, depth + 1)


def check_masked(data: bytes, pairs: list[tuple[str, str]], what_copy: str) -> None:
    """Refuse a masked copy in which any of the personal data can still be read, anywhere."""
    for where, text in pdf_readable(data):
        found = leaks(text, pairs)
        if found:
            raise DocgenError(
                _("{copy}: the customer's {what} is still readable on {where} after masking; "
                  "no copy was made (the template writes it in a way masking cannot reach; print the field "
                  "as it is, e.g. {field})").format(
                    copy=what_copy, what=what(found[0]), where=where, field="{{ customer.phone }}")
            )


# What a page of a copy keeps: what it shows. Everything else a page may carry (/Annots
# with their actions and attached files, /AA, /Metadata, /PieceInfo, thumbnails…) is dropped.
_PAGE_KEYS = frozenset({
    "/Type", "/Parent", "/Resources", "/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox",
    "/Contents", "/Rotate", "/Group", "/UserUnit",
})
# names that make a PDF act when opened or clicked, or carry files (ISO 32000-1, 12.6 and 7.11.4)
_ACTIVE = frozenset({
    "/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles",
    "/XFA", "/AcroForm", "/Annots", "/SubmitForm", "/ImportData", "/ResetForm", "/GoToR", "/GoToE",
    "/URI", "/RichMedia", "/Rendition", "/Movie", "/Sound", "/Hide", "/SetOCGState", "/Trans", "/GoTo3DView",
})


def inert_pdf(data: bytes) -> bytes:
    """A PDF made of the pages of ``data`` and what they show, nothing else: no document
    catalog entries (/OpenAction, /AA, /Names with JavaScript and embedded files, /AcroForm
    with its actions and XFA, /Outlines), no page annotations or page actions.

    A scan arrives from outside and may have been made to act on the reader's machine; a
    copy of it goes to people who open it. The scan itself stays archived as it came.
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as src:
        out = pikepdf.Pdf.new()
        for page in src.pages:  # qpdf pushes inherited attributes (resources, boxes) to each page
            out.pages.append(page)
        for page in out.pages:
            for key in list(page.obj.keys()):
                if key not in _PAGE_KEYS:
                    del page.obj[key]
        buf = io.BytesIO()
        out.save(buf)  # only what the pages reach is written: the dropped objects are gone
        return buf.getvalue()


def active_content(data: bytes) -> list[str]:
    """The names of active content a PDF holds anywhere (an action type, a script, a form,
    an embedded file, an annotation), for the check of what leaves."""
    import pikepdf

    found: set[str] = set()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            for o in _direct(obj):
                if isinstance(o, pikepdf.Name):
                    found.add(str(o))
                elif isinstance(o, pikepdf.Dictionary | pikepdf.Stream):
                    found.update(o.keys())
    return sorted(found & _ACTIVE)


class Copier:
    """Makes the copies of one archive (LibreOffice only for masked renderings; stamps are drawn)."""

    def __init__(self, archive: Archive, converter: Converter) -> None:
        self.archive = archive
        self.converter = converter

    def _convert(self, docx: bytes) -> bytes:
        work = self.archive.work_dir("copy")
        try:
            src, dst = work / "copy.docx", work / "copy.pdf"
            src.write_bytes(docx)
            hit("copy:convert")
            self.converter.convert(src, dst)
            return dst.read_bytes()
        finally:
            for p in work.iterdir():
                p.unlink()
            work.rmdir()

    def generated(self, number: str, version: VersionRow, masked: bool) -> bytes:
        """The generated PDF of a version (of the version a scan signs), masked if asked."""
        cat = self.archive.catalog
        if is_scan(version):
            version = next(v for v in cat.versions(number) if v.version == version.summary["signs"])
        pdf = version.file("pdf")
        assert pdf is not None
        pairs = self.shown(version) if masked else []
        if not pairs:
            return self.archive.store.get(pdf.sha256)
        kept = cat.rendering(number, version.version, MASKED)
        if kept and self.archive.store.has(kept):
            return self.archive.store.get(kept)
        docx = version.file("docx")
        assert docx is not None
        # kept unchecked: every copy made from it is checked whole before it leaves (copy())
        data = self._convert(mask_docx(self.archive.store.get(docx.sha256), pairs))
        with self.archive.transaction() as intent:
            intent.add([sha256_bytes(data)])
            sha = self.archive.store.put(data)
            cat.add_rendering(number, version.version, MASKED, sha, len(data))
        return data

    def shown(self, version: VersionRow) -> list[tuple[str, str]]:
        """The personal data a generated version shows anywhere: the body, tables, headers,
        footers, text boxes, notes, and the XML of every part (links, field codes, metadata).
        A notice may show none, and then needs no masked rendering."""
        from docgen.render.docx import docx_parts, shown_text

        if is_scan(version):
            version = next(v for v in self.archive.catalog.versions(version.number)
                           if v.version == version.summary["signs"])
        pairs = personal_data(self.archive, version)
        docx = version.file("docx")
        if docx is None or not pairs:
            return pairs
        data = self.archive.store.get(docx.sha256)
        parts = docx_parts(data).values()
        text = shown_text(data)
        return [p for p in pairs if leaks(text, [p]) or any(loose(p[0]).search(x) for x in parts)]

    def scan_pdf(self, version: VersionRow) -> bytes:
        scan = version.file("scan")
        assert scan is not None
        data = self.archive.store.get(scan.sha256)
        if data.startswith(b"%PDF-"):
            return data
        from PIL import Image, ImageSequence

        frames = [f.convert("RGB") for f in ImageSequence.Iterator(Image.open(io.BytesIO(data)))]
        buf = io.BytesIO()
        frames[0].save(buf, "PDF", save_all=True, append_images=frames[1:], resolution=200)
        return buf.getvalue()

    def stamp_pdf(self, label: str, note: str) -> bytes:
        """A transparent A4 page with the label (and note) at its top right. A stamp of the
        department's texts alone is kept in ``cache/stamps/`` (a few labels and notes); one whose
        note names a document (a signed copy's) is drawn each time, in tens of milliseconds,
        rather than kept for every signed document of the archive."""
        from docgen.render.stamp import fonts_dir, stamp_pdf

        cache = self.archive.root / "cache" / "stamps"
        kept = not any(ch.isdigit() for ch in note)
        key = sha256_bytes(f"{STAMP_VERSION}\n{label}\n{note}".encode())[:20]
        path = cache / f"{key}.pdf"
        if kept and path.is_file():
            return path.read_bytes()
        data = stamp_pdf(label, note, fonts_dir(cache / "fonts"))
        if kept:
            cache.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return data

    def copy(self, number: str, version: VersionRow, dept: Department, label: str) -> tuple[bytes, str]:
        """The PDF for a department and the note stamped with the label (may be empty)."""
        from pypdf import PdfReader, PdfWriter, Transformation
        from pypdf.generic import RectangleObject

        doc = self.archive.catalog.document(number)
        assert doc is not None
        note = ""
        if is_scan(version) and not dept.masked:
            base = inert_pdf(self.scan_pdf(version))
        else:
            base = self.generated(number, version, dept.masked)
            if is_scan(version):
                note = f"签字原件存档备查（{number} 第{version.version}版扫描件）"
            elif dept.masked and self.shown(version):
                note = "个人信息已按公司规定隐去"
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(base)))
        stamp = PdfReader(io.BytesIO(self.stamp_pdf(label, note))).pages[0]
        first = writer.pages[0]
        try:
            box = first.mediabox
        except ValueError:  # a scan whose page has no usable box: take it as A4
            first.mediabox = RectangleObject([0, 0, 595.28, 841.89])
            box = first.mediabox
        sx = float(box.width) / float(stamp.mediabox.width)
        sy = float(box.height) / float(stamp.mediabox.height)
        first.merge_transformed_page(
            stamp, Transformation().scale(sx, sy).translate(float(box.left), float(box.bottom))
        )
        # metadata says what the copy is, and nothing else (no personal data, no scanner details)
        if "/Metadata" in writer._root_object:
            del writer._root_object["/Metadata"]
        if "/OpenAction" in writer._root_object:  # LibreOffice's opening view; a copy opens at page 1
            del writer._root_object["/OpenAction"]
        writer._info = None  # type: ignore[assignment]
        writer.add_metadata({
            "/Title": f"{doc.title} {number} 第{version.version}版 {label}",
            "/Producer": "docgen",
            "/Creator": "docgen",
        })
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
        if is_scan(version) and not dept.masked:
            left = active_content(data)
            if left:  # never expected after inert_pdf: a copy that could act is not sent
                raise DocgenError(_("{number} v{version}: the copy of the scan still holds "
                                    "{content}; no copy was made").format(
                    number=number, version=version.version, content=", ".join(left)))
        if dept.masked:  # what leaves is checked as a whole, whatever made it
            check_masked(data, personal_data(self.archive, version), _("{number} v{version} for {department}").format(
                number=number, version=version.version, department=dept.key))
        return data, note


# rules --------------------------------------------------------------------


def trigger(version: VersionRow) -> str:
    """The status a distribution rule is looked up by: signed for a signed scan, else the
    effective version's own status (approved, issued, passed…)."""
    return "signed" if is_scan(version) else version.status


def file_name(number: str, version: int, dept: Department) -> str:
    return f"{number}_v{version}_{dept.name}联.pdf"


def _find_department(archive: Archive, key: str) -> Department | None:
    """A department by its key (finance) or its name (财务)."""
    depts = archive.settings.departments
    return depts.get(key) or next((d for d in depts.values() if d.name == key), None)


def department(archive: Archive, key: str) -> Department:
    depts = archive.settings.departments
    found = _find_department(archive, key)
    if found is None:
        raise NotFound(_("unknown department {key}; use one of: {departments} (see [departments] in docgen.toml)")
                       .format(key=repr(key), departments=", ".join(depts)))
    return found


def _write_temp(folder: Path, name: str, data: bytes, dept: Department | None = None) -> Path:
    """A temporary file beside its final name; in a department's outbox, with the modes
    its [departments] entry names (the process umask keeps everything else owner-only)."""
    folder.mkdir(parents=True, exist_ok=True)
    if dept is not None and stat.S_IMODE(folder.stat().st_mode) != dept.mode:
        folder.chmod(dept.mode)
    tmp = folder / f".{name}.{uuid.uuid4().hex[:8]}.part"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if dept is not None:
        os.chmod(tmp, dept.file_mode)
    return tmp


@dataclass
class Delivery:
    number: str
    version: int | None
    status: str
    copies: list[Copy]
    skipped: list[str]
    superseded: list[str]


def distribute(
    archive: Archive, number: str, converter: Converter, actor: str, *, again: bool = False,
    only_new: bool = False,
) -> Delivery:
    """Deliver the effective version of ``number`` to the departments its rule names.

    Copies already delivered (same version, same department) are skipped unless
    ``again``. A department holding an older version gets a notice that it is
    superseded. With ``only_new`` (automatic delivery) a document with no rule for
    its state is no error.
    """
    with archive.lock("distribute"):  # one delivery at a time, reading to ledger
        return _distribute(archive, number, converter, actor, again=again, only_new=only_new)


def _distribute(
    archive: Archive, number: str, converter: Converter, actor: str, *, again: bool, only_new: bool
) -> Delivery:
    cat = archive.catalog
    doc = cat.document(number.strip().upper())
    if doc is None:
        raise NotFound(_("no document {number} in {archive}; see `docgen list`").format(number=number, archive=archive.root))
    if doc.status == "void":
        raise StateError(_("{number} is void; void documents are not distributed").format(number=doc.number))
    versions = cat.versions(doc.number)
    eff = effective_version(versions, registry.get(doc.kind).effective)
    if eff is None:
        if only_new:
            return Delivery(doc.number, None, doc.status, [], [], [])
        raise StateError(
            _("{number} has no effective version yet ({status}): a contract is distributed once "
              "legal review approves it or a signed scan is filed").format(
                number=doc.number, status=status_word(doc.status))
        )
    status = trigger(eff)
    rule = archive.settings.distribution.get((doc.kind, status), {})
    result = Delivery(doc.number, eff.version, status, [], [], [])
    held = any(old["version"] < eff.version
               for k in archive.settings.departments for old in cat.deliveries(doc.number, k))
    if not rule and not held:  # with no rule for the new status, older copies are still told
        if only_new:
            return result
        raise StateError(
            _("no rule sends a {kind} that is {status}: add [distribution.{kind}.{key}] to docgen.toml").format(
                kind=doc.kind, status=status_word(status), key=status)
        )
    copier = Copier(archive, converter)
    planned = []
    for key, label in rule.items():
        dept = archive.settings.departments[key]
        done = [r for r in cat.deliveries(doc.number, key) if r["version"] == eff.version]
        if done and not again:
            result.skipped.append(key)
            continue
        data, note = copier.copy(doc.number, eff, dept, label)
        planned.append((dept, label, data, note))
    # every department holding an older version is told, also one the new rule leaves out
    stale = [
        (archive.settings.departments[k], old)
        for k in archive.settings.departments
        for old in cat.deliveries(doc.number, k)
        if old["version"] < eff.version
    ]
    if not planned and not stale:
        return result
    # the document stays queued until the ledger says what was delivered: a delivery
    # killed after its files are in place is recorded by the next command's sync
    seq = cat.queue_distribution(doc.number)
    for dept in {d.key: d for d, *_rest in planned} | {d.key: d for d, _old in stale}:
        _sweep(archive.settings.departments[dept].outbox)
    # all copies and notices to temporary files first: a folder that cannot be written
    # stops the whole delivery before anything is in place or recorded
    temps: list[tuple[Path, Path]] = []
    try:
        for dept, _label, data, _note in planned:
            name = file_name(doc.number, eff.version, dept)
            temps.append((_write_temp(dept.outbox, name, data, dept), dept.outbox / name))
        for dept, old in stale:
            notice = _notice(doc.number, old["version"], eff.version, dept, dept.key in rule)
            name = f"{doc.number}_v{old['version']}_{dept.name}联_已被第{eff.version}版取代.txt"
            temps.append((_write_temp(dept.outbox, name, notice.encode("utf-8"), dept), dept.outbox / name))
    except OSError as exc:
        for tmp, _final in temps:
            tmp.unlink(missing_ok=True)
        where = Path(exc.filename).parent if getattr(exc, "filename", None) else _("an outbox")
        raise DocgenError(
            _("cannot write to {where}: {error}; nothing of {number} was delivered "
              "(check the outbox folder in [departments] of docgen.toml)").format(
                where=where, error=exc.strerror or exc, number=doc.number)
        ) from None
    for tmp, final in temps:
        os.replace(tmp, final)
    hit("distribute:renamed")
    with cat.write():
        for dept, label, data, note in planned:
            path = dept.outbox / file_name(doc.number, eff.version, dept)
            sha = sha256_bytes(data)
            cat.record("delivered", dept.key, actor, number=doc.number, version=eff.version, label=label,
                       sha256=sha, path=str(path), note=note)
            result.copies.append(Copy(dept.key, label, doc.number, eff.version, path, sha, note))
        for dept, old in stale:
            row = cat.record("superseded", dept.key, actor, number=doc.number, version=old["version"],
                             label=old["label"], sha256=old["sha256"], path=old["path"],
                             note=f"replaced by v{eff.version}")
            cat.supersede(old["id"], row)
            result.superseded.append(f"{dept.key} v{old['version']}")
        cat.dequeue_distribution(doc.number, seq)
    return result


def withdraw(archive: Archive, number: str, actor: str) -> list[str]:
    """Tell every department holding a copy of a void document that it is void: a notice
    beside each copy, and a ``withdrawn`` row. The departments told."""
    with archive.lock("distribute"):  # one delivery at a time, reading to ledger
        cat = archive.catalog
        held = [(archive.settings.departments.get(k), old)
                for k in {r["department"] for r in cat.ledger(number) if r["action"] == "delivered"}
                for old in cat.deliveries(number, k)]
        held = [(d, old) for d, old in held if d is not None]
        if not held:
            return []
        why = next((e.note for e in reversed(cat.events(number)) if e.action == "void"), "")
        seq = cat.queue_distribution(number)
        temps = []
        try:
            for dept, old in held:
                assert dept is not None
                _sweep(dept.outbox)
                text = (
                    f"作废通知（{dept.name}）\n\n{number} 已作废" + (f"（{why}）" if why else "") + "，"
                    f"第{old['version']}版副本自即日起作废，请销毁或退回档案室。\n\n{today().isoformat()}  docgen\n"
                )
                name = f"{number}_v{old['version']}_{dept.name}联_已作废.txt"
                temps.append((_write_temp(dept.outbox, name, text.encode("utf-8"), dept), dept.outbox / name))
        except OSError as exc:
            for tmp, _final in temps:
                tmp.unlink(missing_ok=True)
            raise DocgenError(_("cannot write the void notice of {number}: {error}").format(
                number=number, error=exc.strerror or exc)) from None
        for tmp, final in temps:
            os.replace(tmp, final)
        with cat.write():
            for dept, old in held:
                assert dept is not None
                row = cat.record("withdrawn", dept.key, actor, number=number, version=old["version"],
                                 label=old["label"], sha256=old["sha256"], path=old["path"],
                                 note=f"void: {why}" if why else "void")
                cat.supersede(old["id"], row)
            cat.dequeue_distribution(number, seq)
        return [d.key for d, _old in held if d is not None]


def _sweep(outbox: Path) -> None:
    """Temporary files a killed delivery left in an outbox (under the distribution lock
    no other delivery is writing there)."""
    if outbox.is_dir():
        for p in outbox.glob(".*.part"):
            p.unlink(missing_ok=True)


def _notice(number: str, old: int, new: int, dept: Department, copy_sent: bool) -> str:
    then = (
        f"请以新副本 {number}_v{new}_{dept.name}联.pdf 为准，旧副本请销毁或退回档案室。"
        if copy_sent else "新版本不再分发给本部门，旧副本请销毁或退回档案室。"
    )
    return (
        f"作废通知（{dept.name}）\n\n"
        f"{number} 第{old}版副本已被第{new}版取代，自即日起作废。\n{then}\n"
        f"\n{today().isoformat()}  docgen\n"
    )


# pulls ----------------------------------------------------------------------


def _refuse(archive: Archive, dept_key: str, actor: str, number: str | None, reason: str) -> DocgenError:
    with archive.catalog.write():
        archive.catalog.record("refused", dept_key, actor, number=number, note=reason)
    return Forbidden(reason)


def pull(
    archive: Archive, number: str, dept_key: str, out: Path, converter: Converter, actor: str,
    *, version: int | None = None,
) -> Copy:
    """A department's copy of a document's effective version (or of ``version``), written to ``out``."""
    doc, chosen, dept, label, data, note = _copy_for(archive, number, dept_key, converter, actor, version)
    name = file_name(doc.number, chosen.version, dept)
    try:
        tmp = _write_temp(out, name, data)
        os.replace(tmp, out / name)
    except OSError as exc:
        raise DocgenError(f"cannot write {out / name}: {exc.strerror or exc}") from None
    sha = sha256_bytes(data)
    with archive.catalog.write():
        archive.catalog.record("pulled", dept.key, actor, number=doc.number, version=chosen.version, label=label,
                               sha256=sha, path=str(out / name), note=note)
    return Copy(dept.key, label, doc.number, chosen.version, out / name, sha, note)


def download(
    archive: Archive, number: str, dept_key: str, converter: Converter, actor: str, *, version: int | None = None,
) -> tuple[Copy, bytes]:
    """A department's copy as bytes, for a download over the network; recorded as a pull
    (``downloaded``) with who took it and from where."""
    doc, chosen, dept, label, data, note = _copy_for(archive, number, dept_key, converter, actor, version)
    name = file_name(doc.number, chosen.version, dept)
    sha = sha256_bytes(data)
    with archive.catalog.write():
        archive.catalog.record("downloaded", dept.key, actor, number=doc.number, version=chosen.version,
                               label=label, sha256=sha, path=name, note=note)
    return Copy(dept.key, label, doc.number, chosen.version, Path(name), sha, note), data


def _copy_for(
    archive: Archive, number: str, dept_key: str, converter: Converter, actor: str, version: int | None,
) -> tuple[Any, VersionRow, Department, str, bytes, str]:
    """The document, the version, the department, its label and the copy's bytes; a refusal is logged."""
    cat = archive.catalog
    dept = _known_department(archive, dept_key, actor, number)
    doc = cat.document(number.strip().upper())
    if doc is None:
        raise _refuse(archive, dept.key, actor, number, f"no document {number} in this archive")
    _allowed(archive, dept, doc.kind, actor, doc.number)
    versions = cat.versions(doc.number)
    if version is not None:
        chosen = next((v for v in versions if v.version == version), None)
        if chosen is None:
            raise _refuse(archive, dept.key, actor, doc.number, f"{doc.number} has no version {version}")
    else:
        chosen = effective_version(versions, registry.get(doc.kind).effective) if doc.status != "void" else None
        if chosen is None:
            raise _refuse(
                archive, dept.key, actor, doc.number,
                f"{doc.number} has no effective version ({doc.status}); pull a draft by naming it: --version N",
            )
    rule = archive.settings.distribution.get((doc.kind, trigger(chosen)), {})
    label = rule.get(dept.key) or f"{dept.name}联"
    data, note = Copier(archive, converter).copy(doc.number, chosen, dept, label)
    return doc, chosen, dept, label, data, note


def _known_department(archive: Archive, dept_key: str, actor: str, number: str | None) -> Department:
    """The department pulling; an unknown one is refused and logged."""
    dept = _find_department(archive, dept_key)
    if dept is None:
        depts = archive.settings.departments
        raise _refuse(archive, dept_key, actor, number, _("unknown department {department}; use one of: {departments}").format(
            department=repr(dept_key), departments=", ".join(depts)))
    return dept


def _allowed(archive: Archive, dept: Department, kind: str, actor: str, number: str | None) -> None:
    """A pull of a kind the department's policy does not allow is refused and logged."""
    if kind not in dept.pull:
        raise _refuse(
            archive, dept.key, actor, number,
            _("{department} ({name}) may not pull a {kind}; its policy allows: {kinds} "
              "([departments.{department}] pull in docgen.toml)").format(
                department=dept.key, name=dept.name, kind=kind_word(kind),
                kinds=_(", ").join(kind_word(k) for k in dept.pull) or _("none")),
        )


def may_pull(archive: Archive, dept_key: str, kind: str, actor: str) -> Department:
    """The department, if it exists and its policy lets it pull this kind; else refused and logged."""
    dept = _known_department(archive, dept_key, actor, None)
    _allowed(archive, dept, kind, actor, None)
    return dept


def signed_since(archive: Archive, kind: str, since: date, until: date | None = None) -> list[str]:
    """Documents of a kind with a signed scan filed on or after ``since`` (and on or before
    ``until``), oldest first."""
    return [n for _t, n in signed_between(archive, kind, since, until)]


def signed_between(archive: Archive, kind: str, since: date, until: date | None = None) -> list[tuple[datetime, str]]:
    """(when first signed, number) of the documents of a kind signed in the company's days ``since``..``until``."""
    out: list[tuple[datetime, str]] = []
    for number, created in archive.catalog.first_events("sign", kind):
        signed = instant(created)
        if signed.date() >= since and (until is None or signed.date() <= until):
            out.append((signed, number))
    return sorted(out)


@dataclass
class SyncReport:
    deliveries: list[Delivery]
    errors: list[str]
    withdrawn: list[str] = field(default_factory=list)


def sync(
    archive: Archive, converter: Converter, actor: str, stop: Callable[[], bool] | None = None
) -> SyncReport:
    """Deliver what the rules say for every document changed since the last sync.

    The catalog queues a document whenever it changes (same transaction), so a copy
    that could not be delivered now (an outbox folder missing, say) stays queued for
    the next command.
    """
    report = SyncReport([], [])
    done = []
    for number, seq in archive.catalog.distribution_queue():
        if stop is not None and stop():  # a watcher asked to stop: the rest stays queued
            break
        try:
            doc = archive.catalog.document(number)
            if doc is not None and doc.status == "void":
                told = withdraw(archive, number, actor)
                if told:
                    report.withdrawn.append(_("{number}: void notice to {departments}").format(
                        number=number, departments=_(", ").join(told)))
            elif doc is not None:
                delivery = distribute(archive, number, converter, actor, only_new=True)
                if delivery.copies or delivery.superseded:
                    report.deliveries.append(delivery)
        except DocgenError as exc:
            report.errors.append(f"{number}: {exc}")
            continue
        except Exception as exc:  # a copy that cannot be made never fails the command that queued it
            report.errors.append(f"{number}: {type(exc).__name__}: {exc}")
            continue
        done.append((number, seq))
    if done:
        archive.catalog.distributed(done)
    return report
