"""Data -> kind -> number -> render -> PDF -> store -> catalog.

One document version is written in one catalog transaction: the number is taken,
the files rendered and stored, and the rows committed together, so bad input or a
crash leaves no number, version or document behind.
"""

from __future__ import annotations

import getpass
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from docgen import pagecode
from docgen.archive.catalog import VersionRow
from docgen.archive.core import Archive
from docgen.errors import InputError, NotFound, StateError, TemplateError
from docgen.kinds import common, contract, quote
from docgen.render.pdf import Converter

KIND_MODULES: dict[str, ModuleType] = {"quote": quote, "contract": contract}
BUNDLED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# Life cycle of a contract under legal review: action -> (from, document status, version status).
REVIEW: dict[str, tuple[str, str, str]] = {
    "submit": ("draft", "in_review", "in_review"),
    "approve": ("in_review", "approved", "approved"),
    "reject": ("in_review", "draft", "rejected"),
}
STATUS_CN = {
    "draft": "草稿",
    "in_review": "法务审核中",
    "approved": "已审批",
    "rejected": "退回修改",
    "void": "作废",
    "signed": "已签署",
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


def current_user() -> str:
    return os.environ.get("DOCGEN_USER") or getpass.getuser()


def template_path(archive: Archive, name: str) -> Path:
    """The company's own template in ``<archive>/templates/`` first, else the bundled one."""
    own = archive.root / "templates" / name
    if own.is_file():
        return own
    bundled = Path(os.environ.get("DOCGEN_TEMPLATES", BUNDLED_TEMPLATES)) / name
    if not bundled.is_file():
        raise TemplateError(f"template {name} not found in {archive.root / 'templates'} or {bundled.parent}")
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


def _resolve_project(archive: Archive, ref: str, source: Path) -> tuple[dict[str, Any], str | None]:
    model, code, _path = common.load_project(ref, source)
    if model is not None:
        data = model.model_dump(mode="json")
        data["site"]["area"] = str(model.site.area)
        return data, model.code
    assert code is not None
    stored = archive.catalog.project(code)
    if stored is None:
        raise NotFound(
            f"{source}: project: {code} is neither a file nor a project in the archive; "
            "give the path of project.yaml or an existing project code"
        )
    return stored, code


def _quote_summary(archive: Archive, number: str, source: Path, project_code: str | None) -> dict[str, Any]:
    doc = archive.catalog.document(number)
    if doc is None or doc.kind != "quote":
        raise NotFound(f"{source}: quote: {number} is not a quote in this archive; check the number")
    if doc.status == "void":
        raise StateError(f"{source}: quote: {number} is void; refer to a valid quote")
    if project_code is not None and doc.project != project_code:
        raise InputError(
            f"{source}: quote: {number} belongs to project {doc.project}, not {project_code}"
        )
    return archive.catalog.versions(number)[-1].summary


def prepare(archive: Archive, kind: str, source: Path) -> Prepared:
    """Read and validate a document file and everything it refers to; writes nothing."""
    if kind not in KIND_MODULES:
        raise InputError(f"unknown kind {kind!r}; use one of: {', '.join(KIND_MODULES)}")
    mod = KIND_MODULES[kind]
    raw = common.load_file(source)
    model = mod.parse(raw, source)
    project, code = _resolve_project(archive, model.project, source)
    if code is None:
        code = archive.catalog.find_project(project["customer"]["name"], project["site"]["address"])
    settings = archive.settings
    if kind == "contract":
        q = _quote_summary(archive, model.quote, source, code) if model.quote else None
        derived = contract.derive(model, project, settings, q)
    else:
        derived = quote.derive(model, project, settings)
    return Prepared(kind, source, raw, project, code, derived)


def _context(archive: Archive, p: Prepared, number: str, version: int) -> dict[str, Any]:
    mod = KIND_MODULES[p.kind]
    s = archive.settings
    proj = p.project
    ctx: dict[str, Any] = {
        "title": mod.TITLE,
        "number": number,
        "version": version,
        "company": vars(s.company),
        "customer": proj["customer"],
        "site": proj["site"],
        "mode": proj["mode"],
        "designer": proj["designer"],
        "project_manager": proj["project_manager"],
    }
    if p.kind == "contract":
        ctx.update(contract.context(p.derived, s))
    else:
        ctx.update(quote.context(p.derived))
    return ctx


def _write_version(
    archive: Archive,
    p: Prepared,
    converter: Converter,
    *,
    number: str | None,
    author: str,
    note: str,
) -> Made:
    """Inside one write transaction: number (if new), render, convert, store, commit."""
    from docgen.render import docx as docx_render

    mod = KIND_MODULES[p.kind]
    template = template_path(archive, mod.TEMPLATE)
    template_bytes = template.read_bytes()
    cat = archive.catalog
    with cat.write():
        code = p.project_code
        if code is None:
            year = date.today().year
            while True:
                code = f"P-{year}-{cat.next_seq('project', year):04d}"
                if cat.project(code) is None:
                    break
        cat.save_project(code, p.project)
        if number is None:
            year = (p.derived.get("date") or p.derived.get("sign_date")).year
            number = archive.settings.number(p.kind, year, cat.next_seq(p.kind, year))
            version = 1
            cat.add_document(number, p.kind, code, "draft", mod.TITLE)
        else:
            version = len(cat.versions(number)) + 1
        page_code = pagecode.make(number, version, archive.key)
        rendered = docx_render.render(template, _context(archive, p, number, version), page_code)
        with tempfile.TemporaryDirectory(dir=archive.tmp, prefix="render-") as work:
            docx_file = Path(work, f"{number}-v{version}.docx")
            pdf_file = Path(work, f"{number}-v{version}.pdf")
            docx_file.write_bytes(rendered.data)
            pages = converter.convert(docx_file, pdf_file)
            pdf_bytes = pdf_file.read_bytes()
        summary = {
            **mod.summary(p.derived),
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
        from docgen.archive.store import sha256_bytes

        with archive.intent([sha256_bytes(b) for b in blobs.values()]):
            files = {role: (archive.store.put(b), len(b)) for role, b in blobs.items()}
            cat.add_version(
                number,
                version,
                status="draft",
                author=author,
                note=note,
                template=template.name,
                pages=pages,
                summary=summary,
                files=files,
            )
            doc = cat.document(number)
            assert doc is not None
            if version > 1:
                cat.set_status(
                    number, "draft", version=None, version_status=None,
                    action="revise", actor=author, note=note,
                )
            else:
                cat.log(number, version, "create", None, "draft", author, note)
    return Made(
        number=number,
        kind=p.kind,
        version=version,
        pages=pages,
        docx=archive.ensure_view(number, version, "docx", files["docx"][0]),
        pdf=archive.ensure_view(number, version, "pdf", files["pdf"][0]),
        summary=summary,
    )


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
    )


def new_document(
    archive: Archive,
    kind: str,
    source: Path,
    converter: Converter,
    *,
    author: str | None = None,
    note: str = "",
    once: bool = False,
) -> Made:
    """Validate, number, render and archive a new document as version 1.

    With ``once``, a document already made from exactly this input is returned instead.
    """
    prepared = prepare(archive, kind, source)
    if once:
        found = archive.catalog.find_by_input(kind, prepared.input_sha)
        if found:
            return existing(archive, *found)
    return _write_version(
        archive, prepared, converter, number=None, author=author or current_user(), note=note or "新建"
    )


def revise(
    archive: Archive, number: str, source: Path, converter: Converter, *, note: str, author: str | None = None
) -> Made:
    """A new version of ``number`` from changed data."""
    doc = document(archive, number)
    if doc.status == "void":
        raise StateError(f"{number} is void; a void document cannot be revised")
    if doc.status == "in_review":
        raise StateError(f"{number} is in legal review; approve or reject it before revising")
    prepared = prepare(archive, doc.kind, source)
    if prepared.project_code is not None and prepared.project_code != doc.project:
        raise InputError(
            f"{source}: project: this file is for project {prepared.project_code}, "
            f"but {number} belongs to {doc.project}"
        )
    prepared.project_code = doc.project
    return _write_version(archive, prepared, converter, number=number, author=author or current_user(), note=note)


def document(archive: Archive, number: str):  # type: ignore[no-untyped-def]
    doc = archive.catalog.document(number.strip().upper())
    if doc is None:
        raise NotFound(f"no document {number} in {archive.root}; see `docgen list`")
    return doc


def review(archive: Archive, number: str, action: str, *, note: str, actor: str | None = None) -> str:
    """Legal review of a contract: submit, approve or reject (with notes) its newest version."""
    doc = document(archive, number)
    if doc.kind != "contract":
        raise StateError(f"{doc.number} is a {doc.kind}; legal review is for contracts")
    if action not in REVIEW:
        raise InputError(f"unknown review action {action!r}; use submit, approve or reject")
    expected, status, version_status = REVIEW[action]
    if action == "reject" and not note.strip():
        raise InputError("reject needs review notes: --note '…what to change…'")
    with archive.catalog.write():
        doc = document(archive, number)
        if doc.status != expected:
            raise StateError(
                f"{doc.number} is {doc.status} ({STATUS_CN.get(doc.status, doc.status)}); "
                f"'{action}' needs a document that is {expected}"
            )
        latest = archive.catalog.versions(doc.number)[-1].version
        archive.catalog.set_status(
            doc.number, status, version=latest, version_status=version_status,
            action=f"review:{action}", actor=actor or current_user(), note=note,
        )
    return status


def void(archive: Archive, number: str, *, note: str, actor: str | None = None) -> None:
    """Void a document; its number stays taken and its versions stay in the archive."""
    if not note.strip():
        raise InputError("say why the document is void: --note '…'")
    with archive.catalog.write():
        doc = document(archive, number)
        if doc.status == "void":
            raise StateError(f"{doc.number} is already void")
        archive.catalog.set_status(
            doc.number, "void", version=None, version_status=None,
            action="void", actor=actor or current_user(), note=note,
        )


def effective(versions: list[VersionRow]) -> VersionRow | None:
    """What a department pulls: the newest signed version, else the newest approved one."""
    for wanted in ("signed", "approved"):
        for v in reversed(versions):
            if v.status == wanted:
                return v
    return None
