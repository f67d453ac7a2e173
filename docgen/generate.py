"""Data -> kind -> number -> render -> PDF -> store -> catalog.

One document version is written in one catalog transaction: the number is taken,
the files rendered and stored, and the rows committed together, so bad input or a
crash leaves no number, version or document behind.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen import pagecode
from docgen.i18n import _, status_word
from docgen.archive.catalog import DocumentRow, VersionRow, effective_version, is_scan
from docgen.archive.core import Archive
from docgen.clock import fmt_day
from docgen.config import today
from docgen.errors import DocgenError, InputError, NotFound, StateError, TemplateError
from docgen.failpoints import hit
from docgen.kinds import common, registry
from docgen.kinds.base import Late, Related, links

if TYPE_CHECKING:
    from docgen.render.pdf import Converter

BUNDLED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Legal review (kinds whose definition has review = True): action -> (from, document status,
# version status).
REVIEW: dict[str, tuple[str, str, str]] = {
    "submit": ("draft", "in_review", "in_review"),
    "approve": ("in_review", "approved", "approved"),
    "reject": ("in_review", "draft", "rejected"),
}


@dataclass(frozen=True)
class Made:
    number: str
    kind: str
    version: int
    pages: int
    docx: Path
    pdf: Path
    summary: dict[str, Any]
    existing: bool = False


def template_path(archive: Archive, name: str) -> Path:
    """The company's own template in ``<archive>/templates/`` first, else the bundled one."""
    own = archive.root / "templates" / name
    if own.is_file():
        return own
    bundled = Path(os.environ.get("DOCGEN_TEMPLATES", BUNDLED_TEMPLATES)) / name
    if not bundled.is_file():
        raise TemplateError(_("template {name} not found in {own} or {bundled}").format(
            name=name, own=archive.root / "templates", bundled=bundled.parent))
    return bundled


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class Prepared:
    """A validated document, ready to be numbered and rendered."""

    kind: str
    source: Path
    raw: dict[str, Any]
    project: dict[str, Any]
    project_code: str | None
    derived: dict[str, Any]
    photos: list[bytes | None]
    update_project: bool = False  # the project file may change the archived project
    sheet: bytes | None = None  # the spreadsheet the data was read from, kept with the version

    @property
    def input_sha(self) -> str:
        """Identifies the input: the same file and project data give the same value."""
        import hashlib

        blob = json.dumps(
            {"kind": self.kind, "input": _jsonable(self.raw), "project": self.project},
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()


def _resolve_project(
    archive: Archive, ref: str, source: Path, update: bool = False
) -> tuple[dict[str, Any], str | None]:
    model, code, path = common.load_project(ref, source)
    if model is not None:
        data = model.model_dump(mode="json")
        data["site"]["area"] = str(model.site.area)
        # a file naming a project the archive holds (by code, else by customer and site) may not
        # change it unnoticed: every document of the project shows its data
        found = model.code or archive.catalog.find_project(data["customer"]["name"], data["site"]["address"])
        stored = archive.catalog.project(found) if found else None
        if stored is not None and stored != data and not update:
            from docgen.archive.catalog import _fields, project_changes

            changes = project_changes(stored, data)
            raise InputError(
                _("{path}: project {code} is in the archive with {stored}; this file says "
                  "{given}: to change the project, run again with --update-project").format(
                    path=path, code=found, stored=_fields(changes, 1), given=_fields(changes, 2))
            )
        return data, model.code
    assert code is not None
    stored = archive.catalog.project(code)
    if stored is None:
        raise NotFound(
            _("{source}: project: {code} is neither a file nor a project in the archive; "
              "give the path of project.yaml or an existing project code").format(source=source, code=code)
        )
    return stored, code


def _referenced(
    archive: Archive, number: str, kind: str, field: str, source: Path, project_code: str | None
) -> Related:
    """A referenced document with its newest summary, checked: right kind, not void, same project."""
    doc = archive.catalog.document(number)
    name = _(registry.get(kind).a_word)
    if doc is None or doc.kind != kind:
        raise NotFound(_("{source}: {field}: {number} is not {name} in this archive; check the number").format(
            source=source, field=field, number=number, name=name))
    if doc.status == "void":
        raise StateError(_("{source}: {field}: {number} is void; refer to a valid document").format(
            source=source, field=field, number=number))
    if project_code is not None and doc.project != project_code:
        raise InputError(_("{source}: {field}: {number} belongs to project {project}, not {code}").format(
            source=source, field=field, number=number, project=doc.project, code=project_code))
    return related(doc, archive.catalog.versions(number)[-1].summary)


def _contract_counts(
    archive: Archive, code: str | None, project: dict[str, Any], named: str, source: Path
) -> None:
    """A notice or a report needs its project's contract to count: signed (a signed scan
    filed), or approved by legal review where ``[chain] contract_status = "approved"``. Any
    one of the project's contracts that is not void will do; else refused with the reason."""
    wanted = archive.settings.chain_contract_status
    counts = ("signed",) if wanted == "signed" else ("signed", "approved")
    contracts = [d for d in archive.catalog.documents("contract") if code is not None and d.project == code]
    if any(d.status in counts for d in contracts):
        return
    who = code or _("the project of {customer} ({address})").format(
        customer=project["customer"]["name"], address=project["site"]["address"])
    other = "approved" if wanted == "signed" else "signed"
    how = (
        _('sign the contract first, or set [chain] contract_status = "{other}" in docgen.toml').format(other=other)
        if wanted == "signed"
        else _("approve the contract in legal review (docgen review) first")
    )
    if not contracts:
        raise StateError(_("{source}: contract: {who} has no contract ({named} is another project's): "
                           "make the project's contract and have it {wanted} first").format(
            source=source, who=who, named=named, wanted=status_word(wanted)))
    states = _(", ").join(
        _("{number} is {status}").format(number=d.number, status=status_word(d.status)) for d in contracts)
    raise StateError(_("{source}: contract: {who} has no {wanted} contract ({states}): {how}").format(
        source=source, who=who, wanted=status_word(wanted), states=states, how=how))


def _photo(ref: str, source: Path, field: str) -> tuple[bytes, str]:
    """Read a photo named in the data; it must exist and be an image Word can hold."""
    from docx.image.exceptions import UnrecognizedImageError
    from docx.image.image import Image

    path = common.referenced(ref, source, field)
    if path.is_dir():
        raise InputError(_("{source}: {field}: {ref} is a folder; give the photo's file").format(
            source=source, field=field, ref=ref))
    if not path.is_file():
        raise InputError(_("{source}: {field}: photo {ref} does not exist (looked at {path})").format(
            source=source, field=field, ref=ref, path=path))
    data = path.read_bytes()
    try:
        Image.from_blob(data)
    except (UnrecognizedImageError, Exception):
        raise InputError(_("{source}: {field}: {ref} is not an image (use JPEG or PNG)").format(
            source=source, field=field, ref=ref)) from None
    return data, path.name


def related(doc: DocumentRow, summary: dict[str, Any]) -> Related:
    return Related(doc.number, doc.kind, doc.status, doc.project, summary)


def referrers(newest: list[tuple[DocumentRow, dict[str, Any]]]) -> dict[str, list[Related]]:
    """Each document number -> the documents whose newest version refers to it (through their
    kind's ``refers`` keys), void ones too, by number; from ``catalog.newest()``."""
    out: dict[str, list[Related]] = {}
    for d, summary in sorted(newest, key=lambda row: row[0].number):
        kind = registry.find(d.kind)
        for target in links(summary, kind.refers if kind else ()) - {d.number}:
            out.setdefault(target, []).append(related(d, summary))
    return out


def referring_all(archive: Archive, numbers: list[str]) -> dict[str, list[Related]]:
    """What refers to each of ``numbers`` (see ``referrers``): the newest summaries of the kinds
    that refer to others are looked through once in the catalog, and only the documents naming one
    of ``numbers`` under one of those kinds' keys are read."""
    kinds = [k for k in registry.kinds() if k.refers]
    if not numbers or not kinds:
        return {}
    keys = {key for k in kinds for key in k.refers}
    return referrers(archive.catalog.newest_naming(numbers, keys, [k.key for k in kinds]))


def referring(archive: Archive, number: str) -> list[Related]:
    """The documents that refer to ``number`` (see ``referrers``)."""
    return referring_all(archive, [number]).get(number, [])


class _Lookup:
    """What a kind may ask of the archive while it prepares a document (``base.Lookup``)."""

    def __init__(
        self, archive: Archive, source: Path, project: dict[str, Any], code: str | None, *,
        number: str | None, stepping: bool, stored_photos: dict[int, bytes] | None,
    ) -> None:
        self.archive, self.source, self.project, self.code = archive, source, project, code
        self.settings = archive.settings
        self.number, self.stepping, self.stored_photos = number, stepping, stored_photos

    def referenced(self, number: str, kind: str, field: str, *, same_project: bool = True) -> Related:
        return _referenced(self.archive, number, kind, field, self.source, self.code if same_project else None)

    def contract_counts(self, named: str) -> None:
        _contract_counts(self.archive, self.code, self.project, named, self.source)

    def photo(self, ref: str, field: str) -> bytes:
        return _photo(ref, self.source, field)[0]

    def live(self, kind: str, *, project: str | None = None) -> list[Related]:
        return [related(d, s) for d, s in self.archive.catalog.newest(kind)
                if d.status != "void" and (project is None or d.project == project)]

    def referring(self, number: str) -> list[Related]:
        return referring(self.archive, number)


def prepare(
    archive: Archive, kind: str, source: Path, number: str | None = None, update_project: bool = False,
    project: str | None = None, default_project: str | None = None,
) -> Prepared:
    """Read and validate a document file (YAML, JSON, or a spreadsheet) and everything it refers
    to; writes nothing. ``project`` (a code or a project file) is the project of a spreadsheet
    that names none, or must agree with the one it names; ``default_project``, the project a
    revised document belongs to."""
    from docgen import sheets

    if registry.find(kind) is None:
        raise InputError(_("unknown kind {kind}; use one of: {kinds}").format(
            kind=repr(kind), kinds=", ".join(registry.keys())))
    if sheets.is_sheet(source) or source.suffix.lower() in sheets.OLD_FORMATS:
        return _prepare_sheet(archive, kind, source, number, update_project, project, default_project)
    if project is not None:
        raise InputError(_("{source}: --project goes with a spreadsheet; a YAML or JSON file names its project "
                           "itself (project:)").format(source=source))
    return prepare_data(
        archive, kind, common.load_file(source), source, number=number, update_project=update_project
    )


def _project_code(ref: str, source: Path) -> str:
    """The code a project reference stands for: the code itself, or a project file's code:."""
    model, code, _path = common.load_project(ref, source)
    found = model.code if model is not None else code
    return (found or ref).strip().upper()


def _prepare_sheet(
    archive: Archive, kind: str, source: Path, number: str | None, update_project: bool, project: str | None,
    default_project: str | None,
) -> Prepared:
    """``prepare`` for a spreadsheet: its table read (``docgen.sheets``), the kind's data made of
    it, then checked like a YAML file's, every error naming the sheet's cell; the figures the
    sheet printed are checked against the derived ones, and its customer against the project's."""
    from docgen import sheets

    definition = registry.get(kind)
    sheets.refuse_old_format(source)
    if not definition.sheets:
        readers = ", ".join(k.key for k in registry.kinds() if k.sheets)
        raise InputError(_("{source}: a {kind} is made from a .yaml file; docgen reads spreadsheets for: {kinds}")
                         .format(source=source, kind=definition.word_now(), kinds=readers))
    table = sheets.read(source, kind, archive.settings)
    try:
        raw = definition.from_sheet(table, archive.settings)
        named = raw.get("project")
        if project is not None:
            if named and named.strip().upper() != _project_code(project, source):
                cell = table.labels["project"][1]
                raise InputError(_("{source}: {cell}: 项目编号 {named}, but --project gives {given}; correct the "
                                   "sheet or the option").format(source=source.name, cell=cell, named=named,
                                                                  given=project))
            raw["project"] = project
        elif not named:
            for key in definition.refers:  # a change order is of its contract's project
                referred = archive.catalog.document(str(raw.get(key, "")).strip().upper())
                if referred is not None and default_project is None:
                    default_project = referred.project
            if default_project is None:
                raise InputError(_("{source}: the sheet names no project (a cell 项目编号：P-2026-0001); give "
                                   "--project P-… or --project project.yaml").format(source=source.name))
            raw["project"] = default_project
        prepared = prepare_data(archive, kind, raw, source, number=number, update_project=update_project)
        definition.check_sheet(table, prepared.derived)
    except DocgenError as exc:
        exc.args = (table.place(str(exc)), *exc.args[1:])
        raise
    customer = table.labels.get("customer")
    if customer is not None and sheets.label_text(table, "customer") != prepared.project["customer"]["name"]:
        raise InputError(_("{source}: {cell}: 客户 {named}, but project {code} is {customer}'s; is this the "
                           "right sheet, or the right project?").format(
            source=source.name, cell=customer[1], named=sheets.label_text(table, "customer"),
            code=prepared.project_code or raw["project"], customer=prepared.project["customer"]["name"]))
    prepared.sheet = source.read_bytes()
    return prepared


def prepare_data(
    archive: Archive,
    kind: str,
    raw: dict[str, Any],
    source: Path,
    stored_photos: dict[int, bytes] | None = None,
    number: str | None = None,
    rechecking: bool = False,
    update_project: bool = False,
) -> Prepared:
    """Validate data of a kind and resolve its project and references; writes nothing.

    ``number`` is the document being revised or rechecked, if any.
    """
    definition = registry.get(kind)
    model = definition.parse(raw, source, archive.settings)
    project, code = _resolve_project(archive, model.project, source, update_project)
    if code is None:
        code = archive.catalog.find_project(project["customer"]["name"], project["site"]["address"])
    lookup = _Lookup(archive, source, project, code, number=number, stepping=rechecking, stored_photos=stored_photos)
    derived, photos = definition.prepare(model, lookup)
    # a template the sandbox refuses is refused here, before a number is taken
    from docgen.render import docx as docx_render

    docx_render.check(template_path(archive, definition.template))
    return Prepared(kind, source, raw, project, code, derived, photos, update_project)


def from_acceptance(archive: Archive, kind: str, number: str, *, deadline: date | None = None) -> Prepared:
    """A document made from an acceptance report (a kind whose definition has ``made_from``):
    a rectification notice from the failed items of a report, a warranty card from a passed one."""
    doc = document(archive, number)
    definition = registry.get(kind)
    if definition.made_from is None:
        makers = _(", ").join(k.word_now() for k in registry.kinds() if k.made_from)
        raise InputError(_("--from-acceptance makes {kinds}, not a {kind}").format(kinds=makers, kind=definition.word_now()))
    if doc.kind != definition.made_from:
        raise InputError(_("--from-acceptance: {number} is a {kind}, not {wanted}").format(
            number=doc.number, kind=registry.get(doc.kind).word_now(), wanted=_(registry.get(definition.made_from).a_word)))
    raw = definition.data_from(_current(archive, doc), archive.settings, today(), deadline)
    return prepare_data(archive, kind, raw, Path(f"{doc.number}"))


def _context(archive: Archive, p: Prepared, number: str, version: int) -> dict[str, Any]:
    definition = registry.get(p.kind)
    s = archive.settings
    proj = p.project
    ctx: dict[str, Any] = {
        "title": definition.title,
        "number": number,
        "version": version,
        "company": vars(s.company),
        "customer": proj["customer"],
        "site": proj["site"],
        "mode": proj["mode"],
        "designer": proj["designer"],
        "project_manager": proj["project_manager"],
        "project_code": p.project_code or "",
    }
    ctx.update(definition.context(p.derived, s))
    return ctx


def _write_version(
    archive: Archive,
    p: Prepared,
    converter: Converter,
    *,
    number: str | None,
    author: str,
    note: str,
    action: str | None = None,
    expected_version: int | None = None,
) -> Made:
    """Number (if new), render, convert, store, commit: the write lock only for the first
    and the last step, each a short transaction.

    A new number is reserved first; LibreOffice then converts with no lock held, and the
    version is committed after checking that nothing changed meanwhile. A render that
    fails records the reserved number as unused with the reason, so numbers stay unique
    and ``verify`` can explain the gap (a killed command's number is recorded by the next
    command's recovery).
    """
    from docgen.archive.store import sha256_bytes
    from docgen.render import docx as docx_render

    mod = registry.get(p.kind)
    template = template_path(archive, mod.template)
    template_bytes = template.read_bytes()
    cat = archive.catalog
    status = mod.status(p.derived)
    reserved = False
    with cat.write():
        code = p.project_code
        if code is None:
            year = today().year  # the company's year
            while True:
                code = f"P-{year}-{cat.next_seq('project', year):04d}"
                if cat.project(code) is None:
                    break
        if number is None:
            year = mod.number_date(p.derived).year
            seq = cat.next_seq(p.kind, year)
            number = archive.settings.number(p.kind, year, seq)
            cat.reserve(number, p.kind, year, seq, os.getpid())
            reserved = True
            version = 1
        else:
            version = len(cat.versions(number)) + 1
            _check_unchanged(archive, number, version, expected_version)
    try:
        p.project_code = code
        page_code = pagecode.make(number, version, archive.key)
        rendered = docx_render.render(template, _context(archive, p, number, version), page_code)
        work = archive.work_dir("render")
        try:
            docx_file = work / f"{number}-v{version}.docx"
            pdf_file = work / f"{number}-v{version}.pdf"
            docx_file.write_bytes(rendered.data)
            hit("convert")
            pages = converter.convert(docx_file, pdf_file)
            pdf_bytes = pdf_file.read_bytes()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        summary = {
            **mod.summary(p.derived),
            "doc_date": mod.number_date(p.derived).isoformat(),
            "project": code,
            "page_code": str(page_code),
            "input_sha": p.input_sha,
        }
        snapshot = json.dumps(
            {
                "kind": p.kind,
                "source": p.source.name,
                "input": _jsonable(p.raw),
                "project": {**p.project, "code": code},
                "derived": _jsonable(summary),
            },
            ensure_ascii=False,
            sort_keys=True,
            indent=1,
        ).encode()
        blobs = {
            "docx": rendered.data,
            "pdf": pdf_bytes,
            "data": snapshot,
            "text": rendered.text.encode(),
            "template": template_bytes,
        }
        for n, photo in enumerate(p.photos):
            if photo is not None:
                blobs[f"photo{n + 1}"] = photo
        if p.sheet is not None:
            blobs["sheet"] = p.sheet
        # stored before the commit transaction (named in an intent first), so the lock is
        # held only for the rows
        with archive.intent() as intent:
            intent.add([sha256_bytes(b) for b in blobs.values()])
            files = {role: (archive.store.put(b), len(b)) for role, b in blobs.items()}
            with cat.write():
                if reserved:
                    if cat.reservation_state(number) != "pending":
                        raise StateError(_("{number} was recorded as unused while this command ran; run it again")
                                         .format(number=number))
                else:
                    _check_unchanged(archive, number, version, expected_version)
                for role, b in blobs.items():
                    if not archive.store.has(files[role][0]):  # removed by a recovery that ran meanwhile
                        archive.store.put(b)
                cat.save_project(code, p.project, actor=author, update=p.update_project)
                if reserved:
                    cat.add_document(number, p.kind, code, status, mod.title)
                cat.add_version(
                    number,
                    version,
                    status=status,
                    author=author,
                    note=note,
                    template=template.name,
                    pages=pages,
                    summary=summary,
                    files=files,
                )
                if version > 1:
                    cat.set_status(
                        number, status, version=None, version_status=None,
                        action=action or "revise", actor=author, note=note,
                    )
                else:
                    cat.log(number, version, "create", None, status, author, note)
                if reserved:
                    cat.settle_reservation(number, "used")
    except BaseException as exc:
        if reserved:
            _give_up(archive, number, exc)
        raise
    return Made(
        number=number,
        kind=p.kind,
        version=version,
        pages=pages,
        docx=archive.ensure_view(number, version, "docx", files["docx"][0]),
        pdf=archive.ensure_view(number, version, "pdf", files["pdf"][0]),
        summary=summary,
    )


def _check_unchanged(archive: Archive, number: str, version: int, expected_version: int | None) -> None:
    """Inside a write: the document is still as this command found it (no one revised,
    voided or closed it meanwhile)."""
    if expected_version is not None and version != expected_version:
        raise StateError(
            _("{number} changed while this command ran (now v{version}); "
              "look at `docgen show` and run it again").format(number=number, version=version - 1)
        )
    current = archive.catalog.document(number)
    if current is not None and current.status in registry.get(current.kind).final:
        raise StateError(_("{number} became {status} while this command ran").format(
            number=number, status=status_word(current.status)))


def _give_up(archive: Archive, number: str, exc: BaseException) -> None:
    """Record a reserved number as unused, with the reason, after its render failed."""
    import sqlite3

    reason = str(exc) if isinstance(exc, DocgenError) else (
        "interrupted" if isinstance(exc, KeyboardInterrupt | SystemExit) else f"{type(exc).__name__}: {exc}"
    )
    try:
        with archive.catalog.write():
            archive.catalog.settle_reservation(number, "unused", " ".join(reason.split())[:500])
    except sqlite3.Error:
        pass  # the next command's recovery records it once this process has ended


def existing(archive: Archive, number: str, version: int) -> Made:
    """A version already in the archive, as ``new`` would have reported it."""
    v = next(v for v in archive.catalog.versions(number) if v.version == version)
    doc = archive.catalog.document(number)
    assert doc is not None
    return Made(
        number=number,
        kind=doc.kind,
        version=version,
        pages=v.pages,
        docx=archive.ensure_view(number, version, "docx", v.file("docx").sha256),  # type: ignore[union-attr]
        pdf=archive.ensure_view(number, version, "pdf", v.file("pdf").sha256),  # type: ignore[union-attr]
        summary=v.summary,
        existing=True,
    )


def made_from(archive: Archive, prepared: Prepared, converter: Converter, *, note: str, author: str) -> Made:
    """Archive a document prepared from other documents (``--from-acceptance``)."""
    return _write_version(archive, prepared, converter, number=None, author=author, note=note)


def new_document(
    archive: Archive,
    kind: str,
    source: Path,
    converter: Converter,
    *,
    author: str,
    note: str = "",
    once: bool = False,
    update_project: bool = False,
    project: str | None = None,
) -> Made:
    """Validate, number, render and archive a new document as version 1.

    With ``once``, a document already made from exactly this input is returned instead;
    with ``update_project``, the project file may change the archived project; ``project``,
    the project of a spreadsheet (``prepare``).
    """
    prepared = prepare(archive, kind, source, update_project=update_project, project=project)
    if once:
        found = archive.catalog.find_by_input(kind, prepared.input_sha)
        if found:
            return existing(archive, *found)
    return _write_version(
        archive, prepared, converter, number=None, author=author, note=note or "新建"
    )


def revise(
    archive: Archive,
    number: str,
    source: Path,
    converter: Converter,
    *,
    note: str,
    author: str,
    update_project: bool = False,
    project: str | None = None,
) -> Made:
    """A new version of ``number`` from changed data (a spreadsheet that names no project is
    of the document's)."""
    doc = document(archive, number)
    if doc.status == "void":
        raise StateError(_("{number} is void; a void document cannot be revised").format(number=number))
    if doc.status == "in_review":
        raise StateError(_("{number} is in legal review; approve or reject it before revising").format(number=number))
    definition = registry.get(doc.kind)
    if doc.status in definition.final:
        raise StateError(_("{number} is {status}; make a new {kind} instead of revising it").format(
            number=number, status=status_word(doc.status), kind=definition.word_now()))
    signed = [v for v in archive.catalog.versions(doc.number) if is_scan(v)]
    if signed:
        amender = next((k for k in registry.kinds() if k.amends == doc.kind), None)
        if amender is not None:  # a contract: its works change by change orders
            how = _("agree changes in a {kind} (docgen new {key}), or void it and make a new one").format(
                kind=amender.word_now(), key=amender.key)
        elif definition.amends is not None:  # a change order: another one changes it
            how = _("make another {kind} (docgen new {key}), or void it first").format(
                kind=definition.word_now(), key=definition.key)
        else:
            how = _("agree changes in a supplementary document, or void it and make a new one")
        raise StateError(
            _("{number} was signed (v{version}, scan filed {day}); a signed document is not revised: {how}").format(
                number=doc.number, version=signed[-1].version, day=fmt_day(signed[-1].created), how=how)
        )
    why = definition.refuse_revise(_current(archive, doc), _lookup_for(archive, doc))
    if why:
        raise StateError(why)
    prepared = prepare(archive, doc.kind, source, number=doc.number, update_project=update_project,
                       project=project, default_project=doc.project)
    if prepared.project_code is not None and prepared.project_code != doc.project:
        raise InputError(
            _("{source}: project: this file is for project {code}, but {number} belongs to {project}").format(
                source=source, code=prepared.project_code, number=number, project=doc.project)
        )
    prepared.project_code = doc.project
    latest = archive.catalog.versions(doc.number)[-1]
    if latest.summary.get("input_sha") == prepared.input_sha:
        raise InputError(
            _("{source}: the data is the same as {number} v{version}; change the file, then revise").format(
                source=source, number=doc.number, version=latest.version)
        )
    return _write_version(
        archive, prepared, converter, number=number, author=author, note=note,
        expected_version=latest.version + 1,
    )


def document(archive: Archive, number: str):  # type: ignore[no-untyped-def]
    doc = archive.catalog.document(number.strip().upper())
    if doc is None:
        raise NotFound(_("no document {number} in {archive}; see `docgen list`").format(number=number, archive=archive.root))
    return doc


def review(archive: Archive, number: str, action: str, *, note: str, actor: str) -> str:
    """Legal review of a contract: submit, approve or reject (with notes) its newest version."""
    doc = document(archive, number)
    if not registry.get(doc.kind).review:
        reviewed = _(", ").join(k.word_now() for k in registry.kinds() if k.review)
        raise StateError(_("{number} is a {kind}; legal review is for: {kinds}").format(
            number=doc.number, kind=registry.get(doc.kind).word_now(), kinds=reviewed))
    if action not in REVIEW:
        raise InputError(_("unknown review action {action}; use submit, approve or reject").format(action=repr(action)))
    expected, status, version_status = REVIEW[action]
    if action == "reject" and not note.strip():
        raise InputError(_("reject needs review notes: --note '…what to change…'"))
    with archive.catalog.write():
        doc = document(archive, number)
        if doc.status != expected:
            raise StateError(
                _("{number} is {status}; '{action}' needs a document that is {expected}").format(
                    number=doc.number, status=status_word(doc.status), action=action, expected=status_word(expected))
            )
        latest = archive.catalog.versions(doc.number)[-1].version
        archive.catalog.set_status(
            doc.number, status, version=latest, version_status=version_status,
            action=f"review:{action}", actor=actor, note=note,
        )
    return status


def void(archive: Archive, number: str, *, note: str, actor: str) -> None:
    """Void a document; its number stays taken and its versions stay in the archive."""
    if not note.strip():
        raise InputError(_("say why the document is void: --note '…'"))
    with archive.catalog.write():
        doc = document(archive, number)
        if doc.status == "void":
            raise StateError(_("{number} is already void").format(number=doc.number))
        why = registry.get(doc.kind).refuse_void(_current(archive, doc), _lookup_for(archive, doc))
        if why:
            raise StateError(why)
        archive.catalog.set_status(
            doc.number, "void", version=None, version_status=None,
            action="void", actor=actor, note=note,
        )


def effective(versions: list[VersionRow], kind: str) -> VersionRow | None:
    """What a department pulls: the version the kind's policy makes effective
    (``catalog.effective_version``)."""
    return effective_version(versions, registry.get(kind).effective)


def _current(archive: Archive, doc: DocumentRow) -> Related:
    versions = archive.catalog.versions(doc.number)
    return related(doc, versions[-1].summary if versions else {})


def _lookup_for(archive: Archive, doc: DocumentRow) -> _Lookup:
    """A lookup for checks on an archived document (revise, void, a step)."""
    project = archive.catalog.project(doc.project) or {}
    return _Lookup(archive, Path(doc.number), project, doc.project, number=doc.number, stepping=True,
                   stored_photos=None)


def _snapshot(archive: Archive, version: VersionRow) -> dict[str, Any]:
    f = version.file("data")
    assert f is not None
    data: dict[str, Any] = json.loads(archive.store.get(f.sha256))
    return data


def recheck(
    archive: Archive,
    number: str,
    converter: Converter,
    *,
    passed: bool,
    note: str,
    deadline: date | None = None,
    inspector: str | None = None,
    day: date | None = None,
    author: str,
) -> Made:
    """Record a re-inspection of a notice as a new version: passed closes it, failed re-issues it."""
    doc = document(archive, number)
    if doc.kind != "rectification":
        raise StateError(_("{number} is a {kind}; recheck is for rectification notices").format(
            number=doc.number, kind=doc.kind))
    if doc.status == "closed":
        raise StateError(_("{number} is closed (its last re-inspection passed); nothing to recheck").format(
            number=doc.number))
    if doc.status == "void":
        raise StateError(_("{number} is void").format(number=doc.number))
    if not note.strip():
        raise InputError(_("say what the re-inspection found: --note '…'"))
    day = day or today()
    if passed and deadline is not None:
        raise InputError(_("--deadline is for a failed re-inspection (the new deadline)"))
    if not passed:
        if deadline is None:
            raise InputError(_("a failed re-inspection needs the new deadline: --deadline YYYY-MM-DD"))
        if deadline < day:
            raise InputError(_("--deadline {deadline} is before the re-inspection date {day}").format(
                deadline=deadline, day=day))
    latest = archive.catalog.versions(doc.number)[-1]
    snap = _snapshot(archive, latest)
    raw = dict(snap["input"])
    if day < date.fromisoformat(str(raw["inspection_date"])):
        raise InputError(_("the re-inspection date {day} is before the inspection date {inspected}").format(
            day=day, inspected=raw["inspection_date"]))
    previous_checks = raw.get("rechecks", [])
    if previous_checks and day < date.fromisoformat(str(previous_checks[-1]["date"])):
        raise InputError(
            _("the re-inspection date {day} is before the last re-inspection ({last})").format(
                day=day, last=previous_checks[-1]["date"])
        )
    raw["project"] = doc.project
    check: dict[str, Any] = {
        "date": day.isoformat(),
        "passed": passed,
        "note": note,
        "inspector": inspector or raw["inspector"],
    }
    if deadline is not None:
        check["deadline"] = deadline.isoformat()
        raw["deadline"] = deadline.isoformat()
    raw["rechecks"] = [*raw.get("rechecks", []), check]
    return _next_version(archive, doc, latest, snap, raw, converter, author=author, note=note,
                         action="recheck:passed" if passed else "recheck:failed")


def _next_version(
    archive: Archive, doc: DocumentRow, latest: VersionRow, snap: dict[str, Any], raw: dict[str, Any],
    converter: Converter, *, author: str, note: str, action: str,
) -> Made:
    """A new version of ``doc`` from ``raw``, its newest version's input (``snap``) with a
    re-inspection or a step added: the photos are the newest version's, the references were
    checked when the document was made, and the write fails if someone else wrote meanwhile."""
    stored = {
        int(f.role[5:]) - 1: archive.store.get(f.sha256) for f in latest.files if f.role.startswith("photo")
    }
    prepared = prepare_data(
        archive, doc.kind, raw, Path(snap.get("source", doc.number)), stored, doc.number, rechecking=True
    )
    prepared.project_code = doc.project
    return _write_version(
        archive, prepared, converter, number=doc.number, author=author, note=note, action=action,
        expected_version=latest.version + 1,
    )


def overdue(archive: Archive, on: date | None = None) -> list[Late]:
    """Every document past one of its kind's time limits (a notice's deadline, a repair
    order's response time), most overdue first."""
    from docgen.kinds.base import Kind

    on = on or today()
    out = []
    for kind in registry.kinds():
        if type(kind).overdue is Kind.overdue:  # a kind without time limits: never late, its summaries not read
            continue
        for d, summary in archive.catalog.newest(kind.key):
            if d.status == "void":
                continue
            late = kind.overdue(related(d, summary), on, archive.settings)
            if late is not None:
                out.append(replace(late, kind=kind.key))
    return sorted(out, key=lambda o: (-o.days, o.number))


def step(
    archive: Archive,
    number: str,
    name: str,
    source: Path | None,
    converter: Converter,
    *,
    note: str = "",
    author: str,
) -> Made:
    """Record one of a kind's own steps (``Kind.steps``) as a new version of ``number``.

    The step's data (``source``, a YAML or JSON file; none for a step without fields) is
    validated by the step's model and folded into the newest version's input by the step;
    the result is checked and rendered as any version is.
    """
    from docgen.i18n import pgettext

    doc = document(archive, number)
    definition = registry.get(doc.kind)
    st = definition.step(name)
    if st is None:
        names = ", ".join(s.name for s in definition.steps)
        raise InputError(
            (_("{number} is a {kind}; its steps are: {steps}") if names else
             _("{number} is a {kind}, which has no steps of its own")).format(
                number=doc.number, kind=definition.word_now(), steps=names))
    if doc.status in definition.final:
        raise StateError(_("{number} is {status}; no step is recorded on it").format(
            number=doc.number, status=status_word(doc.status)))
    data = common.load_file(source) if source is not None else {}
    given = common.validate(st.input_model(), data, source or Path(doc.number), what=pgettext("step", st.word))
    latest = archive.catalog.versions(doc.number)[-1]
    snap = _snapshot(archive, latest)
    raw = dict(snap["input"])
    raw["project"] = doc.project
    raw = st.apply(raw, given)
    return _next_version(archive, doc, latest, snap, raw, converter, author=author,
                         note=note or pgettext("step", st.word), action=f"step:{name}")


_GENERIC_SUMMARY = ("doc_date", "project", "page_code", "input_sha", "signs", "scan")


def still_valid(archive: Archive, number: str, version: VersionRow) -> str | None:
    """For a kind that is checked again at signing (``Kind.recheck_on_signing``): why the
    generated ``version`` of ``number`` may not be filed as signed now, or None. Its data is
    checked as when it was made, against the archive as it is now, and its figures must be
    those the paper shows."""
    doc = document(archive, number)
    if not registry.get(doc.kind).recheck_on_signing:
        return None
    snap = _snapshot(archive, version)
    raw = dict(snap["input"])
    raw["project"] = doc.project
    try:
        prepared = prepare_data(archive, doc.kind, raw, Path(doc.number), None, doc.number)
    except DocgenError as exc:
        return str(exc)
    now = registry.get(doc.kind).summary(prepared.derived)
    printed = {k: v for k, v in version.summary.items() if k not in _GENERIC_SUMMARY}
    if json.loads(json.dumps(_jsonable(now), sort_keys=True)) != json.loads(json.dumps(printed, sort_keys=True)):
        changed = sorted(k for k in set(now) | set(printed) if _jsonable(now.get(k)) != printed.get(k))
        return _("{number} v{version}'s figures are no longer right ({fields} changed since it was made, "
                 "by what was signed meanwhile)").format(number=doc.number, version=version.version,
                                                          fields=", ".join(changed))
    return None
