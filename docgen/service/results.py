"""What the service's operations return: plain data, each with ``to_json()``.

The JSON a command prints with ``--json`` and the JSON the API answers are both
``to_json()`` of these, so the two cannot disagree. Field names are public (README,
"JSON output"); a change here is a change of the interface.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docgen.distribute import Copy, Delivery
    from docgen.generate import Made
    from docgen.intake import Outcome, Quarantined


@dataclass
class Followed:
    """What happened after a write, whoever wrote: the search index brought up to date and
    the copies the rules call for delivered. What could not be done stays queued in the
    catalog for the next write (or `docgen reindex` / `docgen distribute`); ``notes`` say so."""

    deliveries: list[Delivery] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    index_notes: list[str] = field(default_factory=list)  # what could not be indexed, one line each
    notes: list[str] = field(default_factory=list)  # copies that could not be delivered, one line each

    def to_json(self) -> dict[str, Any]:
        return {
            "deliveries": [delivery_json(d) for d in self.deliveries],
            "withdrawn": list(self.withdrawn),
            "notes": self.index_notes + self.notes,
        }


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {
        "number": d.number, "version": d.version, "status": d.status, "skipped": d.skipped,
        "superseded": d.superseded,
        "copies": [{"department": c.department, "label": c.label, "path": str(c.path), "sha256": c.sha256,
                    "note": c.note} for c in d.copies],
    }


@dataclass
class Written:
    """A write's own result; ``followed`` is what came after it (not part of its JSON)."""

    followed: Followed = field(default_factory=Followed, init=False, repr=False, compare=False)


@dataclass
class MadeResult(Written):
    """A version written (new, revise, recheck, a step)."""

    made: Made
    status: str | None = None  # recheck and steps: the document's status after it
    step: str | None = None

    def to_json(self) -> dict[str, Any]:
        m = self.made
        out: dict[str, Any] = {
            "number": m.number, "version": m.version, "kind": m.kind, "pages": m.pages,
            "files": {"docx": str(m.docx), "pdf": str(m.pdf)},
            "total": m.summary.get("total"), "existing": m.existing,
        }
        if self.step is not None:
            out["step"] = self.step
        if self.status is not None:
            out["status"] = self.status
        return out


@dataclass
class Batch(Written):
    """Several versions written by one operation (``new`` with several files)."""

    made: list[MadeResult]

    def to_json(self) -> Any:
        out = [m.to_json() for m in self.made]
        return out[0] if len(out) == 1 else out


@dataclass
class Changed(Written):
    """A status changed without a new version (review, void)."""

    number: str
    kind: str
    action: str
    status: str
    version: int | None
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "action": self.action, "status": self.status,
                "version": self.version, "note": self.note}


@dataclass
class DocumentView:
    """Everything about one document (`show`): ``data`` is its JSON, ``lines`` what its kind prints."""

    data: dict[str, Any]
    lines: list[str]

    def to_json(self) -> dict[str, Any]:
        return dict(self.data)


@dataclass
class KindInfo:
    kind: str
    names: list[str]
    prefix: str
    statuses: list[str]
    review: bool
    steps: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ListRow:
    number: str
    kind: str
    status: str
    project: str
    customer: str | None
    versions: int
    total: str | None
    updated: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)  # plain values only: asdict's deep copy of each is a list's slowest part


@dataclass
class StatementRow:
    """A document as finance's spreadsheet shows it (``Service.statement``)."""

    number: str
    kind: str
    status: str
    project: str
    customer: str | None
    date: str | None  # the document's own date (a contract's signing date)
    original: str | None  # its sum as made
    total: str | None  # its current sum (after the change orders that count)
    changes: list[str]  # the change orders that count
    installments: list[str]  # a contract's 付款节点: "stage percent% amount"
    updated: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LinkMade:
    """A new customer link: its secret (for the URL) and its code are given here once."""

    secret: str
    code: str | None
    link: Any  # links.Link

    def to_json(self) -> dict[str, Any]:
        return {"secret": self.secret, "path": f"/c/{self.secret}", "code": self.code, **self.link.to_json()}


@dataclass
class SignedRow:
    """A document signed in a time asked about: when it was first signed, and its list row."""

    signed: str
    row: ListRow

    def to_json(self) -> dict[str, Any]:
        return {"signed": self.signed, **self.row.to_json()}


@dataclass
class ProjectView:
    """A project (`GET /projects/CODE`): its data, its documents in the chain's order, what is late."""

    code: str
    data: dict[str, Any]
    documents: list[ListRow]
    late: list[LateRow]

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "project": self.data, "documents": [d.to_json() for d in self.documents],
                "overdue": [r.to_json() for r in self.late]}


@dataclass
class LateRow:
    number: str
    project: str
    customer: str
    deadline: str
    days_overdue: int
    kind: str
    limit: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Diff:
    number: str
    kind: str
    from_version: int
    to_version: int
    lines: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "from_version": self.from_version,
                "to_version": self.to_version, "same": not self.lines, "lines": self.lines}


@dataclass
class Hits:
    """Search results, best first; ``offset`` results were skipped before them."""

    results: list[Any]  # archive.search.Result
    offset: int = 0
    limit: int = 20

    def to_json(self) -> list[dict[str, Any]]:
        return [vars(r) for r in self.results]


@dataclass
class Reindexed:
    indexed: int
    engine: str
    path: Path
    configured_engine: str

    def to_json(self) -> dict[str, Any]:
        return {"indexed": self.indexed, "engine": self.engine, "path": str(self.path),
                "configured_engine": self.configured_engine}


@dataclass
class Taken(Written):
    """What became of the files of one intake run (ingest, retry, an upload)."""

    outcomes: list[Outcome]
    sent: bool = False  # uploaded: the files are named as they were sent, not by their place on the server

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.result] = counts.get(o.result, 0) + 1
        return counts

    @property
    def all_filed(self) -> bool:
        return not set(self.counts) - {"filed", "duplicate", "gone"}

    def to_json(self) -> list[dict[str, Any]]:
        if not self.sent:
            return [o.as_dict() for o in self.outcomes]
        out = []
        for o in self.outcomes:
            d = o.as_dict()
            d["file"] = o.file.name
            d["quarantined"] = [p.name for p in o.quarantined]  # the names `quarantine retry` and file-as take
            for f, filed in zip(d["filed"], o.filed):
                f["path"] = filed.path.name
            out.append(d)
        return out


@dataclass
class QuarantineList:
    items: list[Quarantined]

    def to_json(self) -> list[dict[str, Any]]:
        return [{"file": str(q.path), "reason": q.reason, "todo": q.todo, "checked": q.checked,
                 "proposed": q.proposed} for q in self.items]


@dataclass
class Distributed(Written):
    delivery: Delivery

    def to_json(self) -> dict[str, Any]:
        return delivery_json(self.delivery)


@dataclass
class Pulled:
    copies: list[Copy]

    def to_json(self) -> list[dict[str, Any]]:
        return [{"number": c.number, "version": c.version, "department": c.department,
                 "label": c.label, "path": str(c.path), "sha256": c.sha256} for c in self.copies]


@dataclass
class Download:
    """A file for a download: its name, media type and bytes; ``copy`` (or ``copies`` for a ZIP)
    says which department's copy of which version it is."""

    name: str
    media_type: str
    data: bytes
    copy: Copy | None = None
    copies: list[Copy] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        copies = [self.copy] if self.copy else self.copies
        return {"name": self.name, "media_type": self.media_type, "size": len(self.data),
                "copies": [{"number": c.number, "version": c.version, "department": c.department,
                            "label": c.label, "sha256": c.sha256} for c in copies]}


@dataclass
class LogRows:
    rows: list[dict[str, Any]]

    def to_json(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows]


@dataclass
class Verified:
    """`verify`: the archive's report and the search index's."""

    report: Any  # archive.core.VerifyReport
    repair: bool
    index_missing: list[str]
    index_waiting: int
    index_error: str

    @property
    def problems(self) -> int:
        r = self.report
        n = len(r.missing) + len(r.corrupt) + len(r.orphaned) + len(r.other)
        n += len(r.chain) + len(r.modes) + (0 if self.repair else len(r.copies))
        return n + len(self.index_missing) + bool(self.index_error)

    def to_json(self) -> dict[str, Any]:
        r = self.report
        return {
            "clean": not self.problems, "checked": r.checked, "problems": self.problems,
            "missing": r.missing, "corrupt": r.corrupt, "orphaned": r.orphaned,
            "chain": r.chain, "modes": r.modes, "other": r.other, "restored": r.restored,
            "copies": r.copies, "repaired": r.repaired, "unused": r.unused,
            "index_missing": self.index_missing, "index_queued": self.index_waiting,
            "index_error": self.index_error or None,
        }


@dataclass
class ChainHead:
    head: str
    rows: int
    row: int | None = None  # where a recorded head sits

    def to_json(self) -> dict[str, Any]:
        if self.row is None:
            return {"clean": True, "head": self.head, "rows": self.rows}
        return {"clean": True, "head": self.head, "row": self.row, "rows": self.rows,
                "since": self.rows - self.row}
