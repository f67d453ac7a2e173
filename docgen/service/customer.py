"""What a customer link opens: the customer's own project's copies, and nothing else.

The visitor has no account: the link (its secret, and its code when it has one) is the whole
permission, and it reaches only the documents of the link's project whose kind the customer's
department may take (``[departments.customer] pull``), each as the customer's labelled copy of
its effective version. Every opening and download is in the ledger with the link's id and
the visitor's address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docgen.errors import NotFound
from docgen.i18n import _
from docgen.service.results import Download

if TYPE_CHECKING:
    from docgen.archive.core import Archive
    from docgen.render.pdf import Converter

CUSTOMER = "customer"


@dataclass
class Shared:
    """A link opened: the project and the copies it reaches."""

    link: Any  # links.Link
    project: dict[str, Any]
    documents: list[dict[str, Any]] = field(default_factory=list)  # number, kind, title, version, status


class CustomerLink:
    def __init__(self, archive: Archive, converter: Converter, address: str | None) -> None:
        self.archive = archive
        self.converter = converter
        self.address = address

    def _open(self, secret: str, code: str | None) -> tuple[Any, Any]:
        from docgen.links import Links

        links = Links(self.archive)
        return links, links.opened(secret, code, self.address)

    def open(self, secret: str, code: str | None) -> Shared:
        """The link's page; recorded as an opening."""
        links, link = self._open(secret, code)
        shared = self._shared(link)
        links.record(link, "link:open", self.address)
        return shared

    def _shared(self, link: Any) -> Shared:
        from docgen.archive.catalog import effective_version
        from docgen.distribute import department
        from docgen.kinds import registry

        cat = self.archive.catalog
        dept = department(self.archive, CUSTOMER)
        documents = []
        for d in cat.documents():
            if d.project != link.project or d.status == "void" or d.kind not in dept.pull:
                continue
            chosen = effective_version(cat.versions(d.number), registry.get(d.kind).effective)
            if chosen is not None:
                documents.append({"number": d.number, "kind": d.kind, "title": d.title, "version": chosen.version,
                                  "status": d.status})
        order = {k: i for i, k in enumerate(registry.keys())}
        documents.sort(key=lambda d: (order.get(d["kind"], 99), d["number"]))
        return Shared(link, cat.project(link.project) or {}, documents)

    def copy(self, secret: str, code: str | None, number: str) -> Download:
        """The customer's copy of one of the link's documents; recorded as a download by the link."""
        from docgen.distribute import download
        from docgen.links import _who

        _links, link = self._open(secret, code)
        wanted = number.strip().upper()
        if wanted not in {d["number"] for d in self._shared(link).documents}:
            raise NotFound(_("{number} is not one of the documents this link opens").format(number=wanted[:40]))
        copy, data = download(self.archive, wanted, CUSTOMER, self.converter, _who(link, self.address))
        return Download(copy.path.name, "application/pdf", data, copy)
