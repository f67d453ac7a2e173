"""Every operation on the archive, as a person or a program does it, in one place.

``Service(archive, actor)`` is the archive seen by one acting account. Each method is
one operation (new, revise, review, recheck, a kind's step, void, ingest, quarantine
retry, distribute, pull, search, show, list, diff, log, verify): it checks that the
actor's role allows it, does it through the layers below (generate, intake,
distribute, the archive), and returns data (``results``) with ``to_json()``. It never
prints: the command line and the API both call it and show what it returns, so a rule
lives here once and a page and a command cannot disagree.

What must follow a write (the search index, the copies the rules deliver) happens
here, after the write, whoever called it; a write's result carries it as ``followed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docgen.clock import fmt_instant
from docgen.errors import (BlobDamaged, DocgenError, Forbidden, IndexDamaged, InputError, Misused, NotFound,
                           StateError)
from docgen.i18n import _
from docgen.service.results import (
    Batch, Changed, ChainHead, Diff, Distributed, DocumentView, Download, Followed, Hits, KindInfo, LateRow, ListRow,
    LinkMade, LogRows, MadeResult, ProjectView, Pulled, QuarantineList, Reindexed, SignedRow, StatementRow, Taken,
    Verified, Written,
)
from docgen.service.sent import Sent

if TYPE_CHECKING:
    from docgen.archive.core import Archive
    from docgen.render.pdf import Converter

__all__ = ["Actor", "ChainBroken", "Forbidden", "Sent", "Service"]


class ChainBroken(DocgenError):
    """The events' and ledger's hash chain does not hold: its head cannot be trusted."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(_("verify: the chain is broken ({n} problems above); its head cannot be trusted").format(
            n=len(problems)))
        self.problems = problems


@dataclass(frozen=True)
class Actor:
    """Who acts: an account (or, with no accounts, the operating-system user running the CLI).

    ``department`` is the account's own; an account never chooses it per request. Only the
    administrator's command line (``console``) names a department per command (`pull --as`).
    """

    name: str
    role: str
    department: str | None = None
    address: str | None = None  # the client's address, for the API
    console: bool = False  # the CLI run on the archive's machine by its owner

    @property
    def recorded(self) -> str:
        """The actor as events and ledger rows record it: the name, and where from over the network."""
        return f"{self.name}@{self.address}" if self.address else self.name


def _upper(number: str) -> str:
    return number.strip().upper()


class Service:
    def __init__(self, archive: Archive, actor: Actor, converter: Converter | None = None) -> None:
        self.archive = archive
        self.actor = actor
        self._converter = converter

    # the parts ---------------------------------------------------------------

    @property
    def converter(self) -> Converter:
        if self._converter is None:
            from docgen.render.pdf import shared_converter

            self._converter = shared_converter()
        return self._converter

    @property
    def settings(self) -> Any:
        return self.archive.settings

    def allows(self, operation: str, kind: str | None = None) -> bool:
        """Whether the actor's role allows ``operation`` (on documents of ``kind``)."""
        roles = getattr(self.settings, "roles", None)
        if roles is None:
            return self.actor.console
        role = roles.get(self.actor.role)
        return role is not None and role.allows(operation, kind)

    def require(self, operation: str, kind: str | None = None, number: str | None = None) -> None:
        """Refuse (and record the refusal) what the actor's role does not allow."""
        if self.allows(operation, kind):
            return
        what = f"{operation}:{kind}" if kind else operation
        raise self._refused(
            _("{name} ({role}) may not {operation}; ask an administrator ([roles.{role}] may in docgen.toml)").format(
                name=self.actor.name, role=self.actor.role, operation=what), number)

    def _refused(self, reason: str, number: str | None = None) -> Forbidden:
        """A refusal, recorded in the ledger with who asked (and from where)."""
        with self.archive.catalog.write():
            self.archive.catalog.record("refused", self.actor.department or "", self.actor.recorded,
                                        number=number, note=reason)
        return Forbidden(reason)

    def _document(self, number: str) -> Any:
        from docgen.generate import document

        return document(self.archive, number)

    # what follows a write ----------------------------------------------------

    def follow(self, stop: Callable[[], bool] | None = None, quiet: bool = False) -> Followed:
        """Bring the search index up to date and deliver the copies the rules call for.

        Indexing and delivery never fail a write: what cannot be done now stays queued in
        the catalog for the next write, `docgen reindex` or `docgen distribute`.
        """
        followed = Followed()
        note = self.sync_index()
        if note and not quiet:
            followed.index_notes.append(note)
        from docgen.distribute import sync

        try:
            report = sync(self.archive, self.converter, self.actor.recorded, stop)
        except DocgenError as exc:
            followed.notes.append(
                _("note: copies not delivered ({error}); the next command tries again").format(error=exc))
            return followed
        followed.deliveries = report.deliveries
        followed.withdrawn = report.withdrawn
        followed.notes += [
            _("note: copies not delivered: {line}; the next command tries again (or docgen distribute)").format(line=line)
            for line in report.errors
        ]
        return followed

    def sync_index(self) -> str | None:
        """Index what the catalog queued; a line saying what could not be, or None."""
        try:
            report = self.archive.search_index().sync()
        except (IndexDamaged, BlobDamaged) as exc:  # the filing stands; verify names the damage
            return _("note: search index not updated: {error}").format(error=exc)
        except DocgenError:
            raise
        except Exception as exc:
            import os

            if os.environ.get("DOCGEN_DEBUG"):
                raise
            return _("note: search index not updated ({error}); `docgen reindex` catches up").format(error=exc)
        if report.error:
            return _("note: {error}; {n} document(s) will be indexed by the next command or `docgen reindex`").format(
                error=report.error, n=len(report.pending))
        return None

    def _followed(self, result: Written) -> Any:
        result.followed = self.follow()
        return result

    # making documents --------------------------------------------------------

    def new(
        self, kind: str, sources: Iterable[Path], *, note: str = "", once: bool = False,
        update_project: bool = False, each: Callable[[MadeResult], None] | None = None, project: str | None = None,
    ) -> Batch:
        """Documents of one kind, one from each data file, in one warm converter; ``each`` is told
        of every document as it is made. What follows the writes runs once, after the last; when a
        later file fails, the documents made before it stand and their copies stay queued."""
        from docgen.generate import new_document

        self.require("new", kind)
        batch = Batch([])
        for source in sources:
            made = MadeResult(new_document(self.archive, kind, source, self.converter,
                                           author=self.actor.recorded, note=note, once=once,
                                           update_project=update_project, project=project))
            batch.made.append(made)
            if each is not None:
                each(made)
        return self._followed(batch)

    def new_from(self, kind: str, number: str, *, deadline: date | None = None, note: str = "") -> MadeResult:
        """A notice or a warranty card made from an acceptance report (``made_from``)."""
        from docgen.generate import from_acceptance, made_from

        self.require("new", kind)
        prepared = from_acceptance(self.archive, kind, _upper(number), deadline=deadline)
        made = made_from(self.archive, prepared, self.converter, note=note or f"据 {_upper(number)} 生成",
                         author=self.actor.recorded)
        return self._followed(MadeResult(made))

    @contextmanager
    def _sent_data(self, data: Sent, attachments: Sequence[Sent]) -> Iterator[Path]:
        """A data file sent over the network, with the files it names (project.yaml, photos)
        beside it; its references reach those files and nothing else on the server."""
        from docgen.kinds.common import confined_to
        from docgen.service.sent import plain_name, received

        if Path(plain_name(data.name)).suffix.lower() not in DATA_SUFFIXES:
            raise InputError(_("{name}: send the document's data as a .yaml, .json or .xlsx file").format(
                name=data.name))
        with received(self.archive, [data, *attachments], "data") as paths, confined_to(paths[0].parent):
            try:
                yield paths[0]
            except DocgenError as exc:  # the sender's file is named as they named it, not by the server's folder
                folder = f"{paths[0].parent}/"
                if folder in str(exc):
                    exc.args = (str(exc).replace(folder, ""), *exc.args[1:])
                raise

    def new_sent(
        self, kind: str, data: Sent, attachments: Sequence[Sent] = (), *, note: str = "", update_project: bool = False,
        project: str | None = None,
    ) -> MadeResult:
        """``new`` from a data file (and the files it names) sent over the network; ``project``, a
        spreadsheet's project: a code, or the name of a project file sent with it."""
        self.require("new", kind)
        with self._sent_data(data, attachments) as source:
            batch = self.new(kind, [source], note=note, update_project=update_project, project=project)
        made = batch.made[0]
        made.followed = batch.followed
        return made

    def revise_sent(
        self, number: str, data: Sent, attachments: Sequence[Sent] = (), *, note: str, update_project: bool = False,
        project: str | None = None,
    ) -> MadeResult:
        doc = self._document(number)
        self.require("revise", doc.kind, doc.number)
        with self._sent_data(data, attachments) as source:
            return self.revise(doc.number, source, note=note, update_project=update_project, project=project)

    def step_sent(
        self, number: str, name: str, data: Sent | None, attachments: Sequence[Sent] = (), *, note: str = "",
    ) -> MadeResult:
        doc = self._document(number)
        self.require("step", doc.kind, doc.number)
        if data is None:
            return self.step(doc.number, name, None, note=note)
        with self._sent_data(data, attachments) as source:
            return self.step(doc.number, name, source, note=note)

    def revise(
        self, number: str, source: Path, *, note: str, update_project: bool = False, project: str | None = None,
    ) -> MadeResult:
        from docgen.generate import revise

        doc = self._document(number)
        self.require("revise", doc.kind, doc.number)
        made = revise(self.archive, doc.number, source, self.converter, note=note, author=self.actor.recorded,
                      update_project=update_project, project=project)
        return self._followed(MadeResult(made))

    def review(self, number: str, action: str, *, note: str = "") -> Changed:
        from docgen.generate import review

        doc = self._document(number)
        if action in ("submit", "approve", "reject"):  # another action is refused below as unknown
            self.require(f"review:{action}", doc.kind, doc.number)
        status = review(self.archive, doc.number, action, note=note, actor=self.actor.recorded)
        return self._followed(Changed(doc.number, doc.kind, action, status, self._latest(doc.number), note))

    def recheck(
        self, number: str, *, passed: bool, note: str, deadline: date | None = None, inspector: str | None = None,
        day: date | None = None,
    ) -> MadeResult:
        from docgen.generate import recheck

        doc = self._document(number)
        self.require("recheck", doc.kind, doc.number)
        made = recheck(self.archive, doc.number, self.converter, passed=passed, note=note, deadline=deadline,
                       inspector=inspector, day=day, author=self.actor.recorded)
        return self._followed(MadeResult(made, status="closed" if passed else "issued"))

    def step(self, number: str, name: str, source: Path | None, *, note: str = "") -> MadeResult:
        from docgen.generate import step

        doc = self._document(number)
        self.require("step", doc.kind, doc.number)
        made = step(self.archive, doc.number, name.strip(), source, self.converter, note=note,
                    author=self.actor.recorded)
        now = self.archive.catalog.document(made.number)
        return self._followed(MadeResult(made, status=now.status if now else None, step=name.strip()))

    def void(self, number: str, *, note: str) -> Changed:
        from docgen.generate import void

        doc = self._document(number)
        self.require("void", doc.kind, doc.number)
        void(self.archive, doc.number, note=note, actor=self.actor.recorded)
        now = self._document(doc.number)
        return self._followed(Changed(doc.number, doc.kind, "void", now.status, self._latest(doc.number), note))

    def _latest(self, number: str) -> int | None:
        versions = self.archive.catalog.versions(number)
        return versions[-1].version if versions else None

    # reading documents -------------------------------------------------------

    def show(self, number: str) -> DocumentView:
        from docgen.clock import today
        from docgen.generate import effective, referring, related
        from docgen.kinds import registry

        archive = self.archive
        doc = self._document(number)
        self.require("read", doc.kind, doc.number)
        versions = archive.catalog.versions(doc.number)
        project = archive.catalog.project(doc.project) or {}
        eff = effective(versions, doc.kind)
        latest = versions[-1].summary if versions else {}
        kind = registry.get(doc.kind)
        this = related(doc, latest)
        refs = referring(archive, doc.number)
        total = kind.total(this, refs)
        amending = registry.amendments(this, refs)
        data = {
            "number": doc.number,
            "kind": doc.kind,
            "title": doc.title,
            "status": doc.status,
            "project": doc.project,
            "customer": project.get("customer", {}).get("name"),
            "site": project.get("site", {}).get("address"),
            "total": str(total) if total is not None else None,
            "original_total": latest.get("total"),
            "amendments": [
                {"number": r.number, "kind": r.kind, "status": r.status, "counted": a is not None,
                 "amount": str(a.amount) if a is not None else r.summary.get("net"),
                 "days": a.days if a is not None else 0}
                for r, a in amending
            ],
            "referred_by": [{"number": r.number, "kind": r.kind, "status": r.status} for r in refs],
            "steps": [st.name for st in kind.steps],
            "effective_version": eff.version if eff else None,
            "summary": latest,
            "versions": [
                {
                    "version": v.version,
                    "status": v.status,
                    "actor": v.author,
                    "created": fmt_instant(v.created),
                    "note": v.note,
                    "pages": v.pages,
                    "template": v.template,
                    "signs": v.summary.get("signs"),
                    "scan": v.summary.get("scan"),
                    "files": {f.role: {"sha256": f.sha256, "size": f.size} for f in v.files},
                }
                for v in versions
            ],
            "events": [
                {
                    "version": e.version,
                    "action": e.action,
                    "from": e.from_status,
                    "to": e.to_status,
                    "actor": e.actor,
                    "note": e.note,
                    "created": fmt_instant(e.created),
                }
                for e in archive.catalog.events(doc.number)
            ],
        }
        return DocumentView(data, kind.show(this, refs, today()))

    def kinds(self) -> list[KindInfo]:
        """The kinds of document, with this archive's number prefixes."""
        return self.defined_kinds(self.settings.prefixes)

    @staticmethod
    def defined_kinds(prefixes: dict[str, str] | None = None) -> list[KindInfo]:
        """The kinds as docgen defines them (``prefixes`` as an archive's docgen.toml sets them)."""
        from docgen.kinds import registry

        prefixes = prefixes or registry.prefixes()
        return [KindInfo(k.key, list(k.names), prefixes.get(k.key, k.prefix), list(k.statuses), k.review,
                         [s.name for s in k.steps]) for k in registry.kinds()]

    def documents(
        self, kind: str | None = None, status: str | None = None, *, numbers: Iterable[str] | None = None,
        project: str | None = None,
    ) -> list[ListRow]:
        """The documents of the archive (`list`), each with its current total; only those of
        ``kind``, ``status``, among ``numbers`` or of ``project`` when given (the rows are the same
        as in the whole list: only the selected documents' summaries and what refers to them are read)."""
        from docgen.generate import referrers, referring_all, related
        from docgen.kinds import registry

        self.require("read", kind)
        cat = self.archive.catalog
        numbers = list(numbers) if numbers is not None else None
        # of each summary only what the totals and the references read (SQLite picks the keys)
        only = {key for k in registry.kinds() for key in (*k.listed, *k.refers)}
        if kind is None and status is None and numbers is None and project is None:
            newest = cat.newest(only=only)
            referring = referrers(newest)
            counts = cat.version_counts()
            customers = cat.customers()
        else:
            newest = cat.newest(kind, status=status, numbers=numbers, project=project, only=only)
            chosen = [d.number for d, _summary in newest]
            referring = referring_all(self.archive, chosen)
            counts = cat.version_counts(chosen)
            customers = cat.customers({d.project for d, _summary in newest})
        rows = []
        for d, summary in newest:
            if (kind and d.kind != kind) or (status and d.status != status) or not self.allows("read", d.kind):
                continue
            definition = registry.find(d.kind)
            total = definition.total(related(d, summary), referring.get(d.number, [])) if definition else None
            rows.append(ListRow(d.number, d.kind, d.status, d.project, customers.get(d.project),
                                counts.get(d.number, 0), str(total) if total is not None else None,
                                fmt_instant(d.updated)))
        return rows

    def statement(
        self, kind: str | None = None, status: str | None = None, *, since: date | None = None,
        until: date | None = None, numbers: Iterable[str] | None = None,
    ) -> list[StatementRow]:
        """The documents as finance keeps them in a spreadsheet: each with its date, its original
        sum and its current one (after the change orders that count), those change orders, and
        its installments; of ``kind`` and ``status``, dated from ``since`` to ``until``."""
        from docgen.generate import referring_all, related
        from docgen.kinds import registry

        self.require("read", kind)
        cat = self.archive.catalog
        chosen = [_upper(n) for n in numbers] if numbers is not None else None
        newest = [(d, summary) for d, summary in cat.newest(kind, status=status, numbers=chosen)
                  if self.allows("read", d.kind)
                  and (since is None or (summary.get("doc_date") or "") >= since.isoformat())
                  and (until is None or (summary.get("doc_date") or "9999") <= until.isoformat())]
        referring = referring_all(self.archive, [d.number for d, _summary in newest])
        customers = cat.customers({d.project for d, _summary in newest})
        rows = []
        for d, summary in newest:
            definition = registry.find(d.kind)
            doc = related(d, summary)
            refs = referring.get(d.number, [])
            total = definition.total(doc, refs) if definition else None
            counted = [r.number for r, a in registry.amendments(doc, refs) if a is not None]
            rows.append(StatementRow(
                d.number, d.kind, d.status, d.project, customers.get(d.project), summary.get("doc_date"),
                summary.get("total"), str(total) if total is not None else None, counted,
                [f"{p['stage']} {p['percent']}% {p['amount']}" for p in summary.get("payments") or []],
                fmt_instant(d.updated)))
        return rows

    def awaiting_acceptance(self, limit: int | None = None) -> tuple[list[ListRow], int]:
        """Signed contracts whose project has no passed 正式验收 yet: the reports engineering has to
        write, the longest signed first; the first ``limit`` of them as list rows, and how many
        there are in all."""
        from docgen.kinds.acceptance import FORMALLY_PASSED_KEYS, formally_passed

        self.require("read", "contract")
        cat = self.archive.catalog
        accepted = {d.project for d, summary in cat.newest("acceptance", only=FORMALLY_PASSED_KEYS)
                    if d.status != "void" and formally_passed(summary)}
        waiting = sorted((d for d in cat.documents("contract") if d.status == "signed" and d.project not in accepted),
                         key=lambda d: (d.updated, d.number))
        shown = waiting if limit is None else waiting[:limit]
        rows = {r.number: r for r in self.documents(numbers=[d.number for d in shown])} if shown else {}
        return [rows[d.number] for d in shown if d.number in rows], len(waiting)

    def listing(self, statuses: Iterable[str] | None = None) -> list[Any]:
        """Every document the actor may read (of ``statuses``) as the catalog lists it (number, kind,
        project, status, title, created, updated), without totals or customers: one query, for
        choosing which rows of ``documents`` to show."""
        self.require("read")
        from docgen.kinds import registry

        readable = {k: self.allows("read", k) for k in registry.keys()}
        return [d for d in self.archive.catalog.documents(statuses=statuses) if readable.get(d.kind, False)]

    def status_counts(self) -> list[tuple[str, str, int]]:
        """How many documents of each kind the actor may read there are in each status."""
        self.require("read")
        return [(k, st, n) for k, st, n in self.archive.catalog.status_counts() if self.allows("read", k)]

    def project(self, code: str) -> ProjectView:
        """A project and its whole chain in order (quote, contract, change orders, notices,
        reports, warranty, repairs), with what of it is overdue."""
        from docgen.kinds import registry

        self.require("read")
        code = code.strip()
        data = self.archive.catalog.project(code)
        if data is None:
            raise NotFound(_("no project {code} in this archive").format(code=repr(code[:40])))
        order = {k: i for i, k in enumerate(registry.keys())}
        rows = sorted(self.documents(project=code),
                      key=lambda r: (order.get(r.kind, 99), r.number))
        late = [r for r in self.overdue() if r.project == code]
        return ProjectView(code, data, rows, late)

    def overdue(self) -> list[LateRow]:
        """Documents past a time limit (`list --overdue`)."""
        from docgen.generate import overdue

        self.require("read")
        late = [o for o in overdue(self.archive) if self.allows("read", o.kind)]
        customers = self.archive.catalog.customers({o.project for o in late})  # one query for them all
        return [LateRow(o.number, o.project, customers.get(o.project) or "", o.due.isoformat(), o.days, o.kind, o.what)
                for o in late]

    def diff(self, number: str, a: int, b: int) -> Diff:
        from docgen.versions import text_diff

        doc = self._document(number)
        self.require("read", doc.kind, doc.number)
        return Diff(doc.number, doc.kind, a, b, text_diff(self.archive, doc.number, a, b))

    # search ------------------------------------------------------------------

    def search(
        self, query: str, filters: Any, *, limit: int = 20, offset: int = 0, department: str | None = None,
    ) -> Hits:
        """Full-text search; ID and phone numbers shown whole only where the department's policy is "full"."""
        from docgen.archive.search import parse_query
        from docgen.kinds import registry

        self.require("search", filters.kind)
        parse_query(query, registry.table())  # a QueryError before anything else
        if filters.status and filters.status not in registry.statuses():
            from docgen.errors import InputError

            raise InputError(_("unknown status {status}; use one of: {statuses}").format(
                status=repr(filters.status), statuses=", ".join(registry.statuses())))
        dept = self._department(department)
        reveal = dept is not None and not dept.masked
        self.sync_index()
        results = self.archive.search_index().search(query, filters, offset + limit, reveal=reveal)
        if not self.actor.console:
            results = [r for r in results if self.allows("read", r.kind)]
        return Hits(results[offset:offset + limit], offset, limit)

    def reindex(self, engine: str | None = None, progress: Callable[[int], None] | None = None,
                start: Callable[[int, str], Any] | None = None) -> Reindexed:
        self.require("verify")
        index = self.archive.search_index(engine)
        total = len(self.archive.catalog.version_keys())
        if start is not None:
            start(total, index.engine_name)
        done = index.rebuild(progress=progress or (lambda _n: None))
        return Reindexed(done, index.engine_name, index.path, self.settings.search_engine)

    def _department(self, key: str | None) -> Any:
        """The department the actor reads as: its own, or at the console the one named."""
        from docgen.distribute import department

        if key is not None and not self.actor.console:
            own = self.actor.department
            if own is None or department(self.archive, key).key != own:
                    raise self._refused(_("{name} reads as its own department ({department}); it cannot name another").format(
                    name=self.actor.name, department=own or _("none")))
        key = key if key is not None else self.actor.department
        return department(self.archive, key) if key is not None else None

    # scans -------------------------------------------------------------------

    def intake(self) -> Any:
        """The archive's intake, acting as this actor (the caller closes it)."""
        from docgen.intake import Intake

        self.require("ingest")
        return Intake(self.archive, self.actor.recorded)

    def ingest(
        self, paths: Iterable[Path], *, as_number: str | None = None, as_version: int | None = None,
        supersede: str | None = None, join: bool = False, keep: bool = False,
        each: Callable[[int, int, Any], None] | None = None,
    ) -> Taken:
        """File signed scans (files or folders). ``each(n, total, outcome)`` is told of every file as it goes.

        A file whose read went past a limit is tried again after the others, until it is filed
        or quarantined ([intake] max_attempts). With ``join`` the files are the pages of one scan.
        """
        from docgen.intake import candidates
        from docgen.intake import join as join_files

        if as_number is not None or supersede is not None:
            self.require("quarantine")
        intake = self.intake()
        try:
            files = candidates(self.archive, list(paths))
            if not files:
                raise DocgenError(_("no files to take in under {paths}").format(paths=", ".join(map(str, paths))))
            if as_number and len(files) > 1 and not join:
                raise Misused(_("--as names one document: give one file (or several with --join)"))
            outcomes = []
            if join:
                if len(files) < 2:
                    raise Misused(_("--join needs two files or more (the pages of one scan, in order)"))
                data = join_files(files)
                outcome = intake.process(
                    files[0], as_number=as_number, as_version=as_version, keep=True, data=data,
                    sources=[f.read_bytes() for f in files],
                    display=_("{file} (+{n} joined)").format(file=files[0].name, n=len(files) - 1),
                    supersede=supersede,
                )
                if outcome.result in ("filed", "duplicate") and not keep:
                    for f in files:
                        f.unlink(missing_ok=True)
                outcomes.append(outcome)
                if each is not None:
                    each(1, 1, outcome)
            else:
                outcomes = _take(intake, files, each, as_number=as_number, as_version=as_version, keep=keep,
                                 supersede=supersede)
        finally:
            intake.close()
        return self._followed(Taken(outcomes))

    def ingest_sent(self, files: Sequence[Sent], each: Callable[[int, int, Any], None] | None = None) -> Taken:
        """Scans uploaded over the network, each through intake as if dropped in the inbox:
        filed, a duplicate, or quarantined with the reason (the front desk's upload)."""
        from docgen.service.sent import received

        self.require("ingest")
        if not files:
            raise InputError(_("no files sent; choose one or more scans"))
        with received(self.archive, files, "scans") as paths:
            intake = self.intake()
            try:
                outcomes = _take(intake, paths, each, settled=True)
            finally:
                intake.close()
        return self._followed(Taken(outcomes, sent=True))

    def filed_on(self, day: date) -> list[dict[str, Any]]:
        """The signed scans filed on the company's ``day`` (the front desk's 今天归档)."""
        from docgen.clock import instant

        self.require("quarantine")
        return [{"number": e.number, "version": e.version, "created": fmt_instant(e.created), "actor": e.actor}
                for e in self.archive.catalog.events_since("sign", (day - timedelta(days=1)).isoformat())
                if instant(e.created).date() == day]

    def quarantine(self) -> QuarantineList:
        from docgen.intake import quarantined

        self.require("quarantine")
        return QuarantineList(quarantined(self.archive))

    def retry(self, names: Iterable[str] = (), each: Callable[[Any], None] | None = None) -> Taken:
        """Try quarantined files again: those named (by file name, never a path), else all of them."""
        from docgen.intake import find_quarantined, quarantined

        self.require("quarantine")
        paths = [find_quarantined(self.archive, n) for n in names] or [q.path for q in quarantined(self.archive)]
        if not paths:
            return Taken([])
        intake = self.intake()
        outcomes = []
        try:
            for path in paths:
                outcome = intake.process(path)
                outcomes.append(outcome)
                if each is not None:
                    each(outcome)
        finally:
            intake.close()
        return self._followed(Taken(outcomes))

    def file_as(self, name: str, number: str, *, version: int | None = None, supersede: str | None = None) -> Taken:
        """A quarantined file filed as ``number`` after a person checked it (手动归档)."""
        from docgen.intake import find_quarantined

        self.require("quarantine")
        path = find_quarantined(self.archive, name)
        return self.ingest([path], as_number=_upper(number), as_version=version, supersede=supersede)

    # copies ------------------------------------------------------------------

    def distribute(self, number: str, *, again: bool = False) -> Distributed:
        from docgen.distribute import distribute

        doc = self._document(number)
        self.require("distribute", doc.kind, doc.number)
        d = distribute(self.archive, doc.number, self.converter, self.actor.recorded, again=again)
        return self._followed(Distributed(d))

    def pull(self, number: str, out: Path, *, department: str | None = None, version: int | None = None) -> Pulled:
        """The department's copy of a document (its effective version, or ``version``), written into ``out``."""
        from docgen.distribute import pull

        doc = self.archive.catalog.document(_upper(number))
        self.require("pull", doc.kind if doc else None, _upper(number))
        key = self._pull_department(department, number)
        return Pulled([pull(self.archive, number, key, out, self.converter, self.actor.recorded, version=version)])

    def pull_since(
        self, kind: str, since: date, out: Path, *, department: str | None = None,
        each: Callable[[str, int], None] | None = None,
    ) -> Pulled:
        """The department's copies of every document of ``kind`` signed on or after ``since``;
        ``each(number, total)`` is told of every copy as it is made."""
        from docgen.distribute import may_pull, pull, signed_since

        self.require("pull", kind)
        key = self._pull_department(department, None)
        may_pull(self.archive, key, kind, self.actor.recorded)
        copies = []
        numbers = signed_since(self.archive, kind, since)
        for n in numbers:
            copies.append(pull(self.archive, n, key, out, self.converter, self.actor.recorded))
            if each is not None:
                each(n, len(numbers))
        return Pulled(copies)

    def download(self, number: str, *, version: int | None = None) -> Download:
        """The account's department's copy of a document as bytes (labelled, masked per policy),
        recorded as a download with who took it and from where."""
        from docgen.distribute import download

        doc = self.archive.catalog.document(_upper(number))
        self.require("pull", doc.kind if doc else None, _upper(number))
        key = self._pull_department(None, number)
        copy, data = download(self.archive, number, key, self.converter, self.actor.recorded, version=version)
        return Download(copy.path.name, "application/pdf", data, copy)

    def signed(self, kind: str, since: date, until: date | None = None) -> list[SignedRow]:
        """The documents of ``kind`` signed from ``since`` to ``until`` whose copies the account's
        department may take, oldest first, each with its current total (the 复印件 selection)."""
        from docgen.distribute import may_pull, signed_between

        self.require("pull", kind)
        key = self._pull_department(None, None)
        may_pull(self.archive, key, kind, self.actor.recorded)
        signed = signed_between(self.archive, kind, since, until)
        rows = {r.number: r for r in self.documents(kind, numbers=[n for _at, n in signed])}
        return [SignedRow(fmt_instant(at), rows[n]) for at, n in signed if n in rows]

    def copies_zip(
        self, kind: str, since: date, each: Callable[[str, int], None] | None = None, *, until: date | None = None,
        numbers: Sequence[str] | None = None,
    ) -> Download:
        """The department's copies of every ``kind`` signed on or after ``since`` (to ``until``;
        only ``numbers`` of them when given), as one ZIP (finance's month of contracts); each
        copy is recorded as a download."""
        import io
        import zipfile

        from docgen.distribute import download, may_pull, signed_since
        from docgen.kinds.names import kind_word

        self.require("pull", kind)
        key = self._pull_department(None, None)
        dept = may_pull(self.archive, key, kind, self.actor.recorded)
        signed = signed_since(self.archive, kind, since, until)
        if numbers is not None:
            wanted = [_upper(n) for n in numbers]
            for n in wanted:
                if n not in signed:
                    raise InputError(_("{number} is not a {kind} signed in that time").format(
                        number=n, kind=kind_word(kind)))
            signed = [n for n in signed if n in wanted]
        numbers = signed
        if not numbers:
            raise NotFound(_("no {kind} was signed on or after {date}").format(kind=kind_word(kind), date=since))
        buffer = io.BytesIO()
        copies = []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for n in numbers:
                copy, data = download(self.archive, n, key, self.converter, self.actor.recorded)
                z.writestr(copy.path.name, data)
                copies.append(copy)
                if each is not None:
                    each(n, len(numbers))
        name = f"{kind_word(kind)}_{since.isoformat()}起_{dept.name}联.zip"
        return Download(name, "application/zip", buffer.getvalue(), None, copies)

    def export(self, number: str, kind: str | None = None) -> Download:
        """A quote's, contract's or change order's items as a spreadsheet a person keeps working
        in (``docgen.sheets.write``), of its newest version; recorded as a download. ``kind``:
        the kind the caller expects it to be."""
        from docgen.generate import referring, related
        from docgen.i18n import status_word
        from docgen.kinds import registry
        from docgen.sheets import write

        doc = self._document(number)
        self.require("read", doc.kind, doc.number)
        if kind is not None and kind != doc.kind:
            raise InputError(_("{number} is a {kind}, not a {given}").format(
                number=doc.number, kind=registry.get(doc.kind).word_now(), given=registry.get(kind).word_now()))
        cat = self.archive.catalog
        latest = cat.versions(doc.number)[-1]
        summary = {**latest.summary, "project": doc.project}
        project = cat.project(doc.project) or {}
        company = self.archive.settings.company.name
        if doc.kind == "quote":
            data = write.quote_sheet(summary, project, doc.number, company)
        elif doc.kind == "change":
            data = write.change_sheet(summary, doc.number, company)
        elif doc.kind == "contract":
            quote = None
            if summary.get("quote"):
                q = cat.document(summary["quote"])
                if q is not None:
                    quote = {**cat.versions(q.number)[-1].summary, "project": doc.project, "number": q.number}
            refs = referring(self.archive, doc.number)
            definition = registry.get(doc.kind)
            total = definition.total(related(doc, latest.summary), refs)
            changes = [{"number": r.number, "status": status_word(r.status), "counted": a is not None,
                        "amount": str(a.amount) if a is not None else r.summary.get("net"),
                        "days": a.days if a is not None else 0}
                       for r, a in registry.amendments(related(doc, latest.summary), refs)]
            data = write.contract_sheet(summary, quote, project, changes, str(total) if total is not None else None,
                                        doc.number, company)
        else:
            raise StateError(_("{number} is a {kind}; docgen exports the items of quotes, contracts and change "
                               "orders").format(number=doc.number, kind=registry.get(doc.kind).word_now()))
        name = f"{doc.number}-v{latest.version}.xlsx"
        with cat.write():
            cat.record("downloaded", self.actor.department or "", self.actor.recorded, number=doc.number,
                       version=latest.version, label="xlsx", path=name, note="export")
        return Download(name, XLSX, data)

    def blank_sheet(self, kind: str) -> Download:
        """A blank sheet of a kind docgen reads from spreadsheets, in docgen's layout."""
        from docgen.kinds import registry
        from docgen.sheets import write

        definition = registry.get(kind)
        if not definition.sheets:
            readers = ", ".join(k.key for k in registry.kinds() if k.sheets)
            raise InputError(_("docgen reads spreadsheets for {kinds}, not for {kind}").format(
                kinds=readers, kind=definition.word_now()))
        return Download(f"{definition.names[0]}模板.xlsx", XLSX, write.blank(kind, self.archive.settings))

    def word_template(self, kind: str) -> Download:
        """The Word template the archive renders ``kind`` with (the company's own, else docgen's)."""
        from docgen.generate import template_path
        from docgen.kinds import registry

        self.require("read")
        path = template_path(self.archive, registry.get(kind).template)
        return Download(path.name, _MEDIA["docx"][1], path.read_bytes())

    def statement_sheet(self, rows: list[StatementRow]) -> bytes:
        """``statement`` rows as finance's spreadsheet: amounts as numbers in ¥, dates as dates."""
        from docgen.i18n import status_word
        from docgen.kinds.names import kind_word
        from docgen.sheets import write
        from docgen.table import HEADERS

        names = {**{k: HEADERS[k] for k in HEADERS}, "total": HEADERS["current"]}
        shown = [{**r.to_json(), "kind": kind_word(r.kind), "status": status_word(r.status)} for r in rows]
        return write.table(_("documents"), STATEMENT_FIELDS, names, shown, amounts=("original", "total"),
                           dates=("date", "updated"))

    def original(self, number: str, version: int, role: str) -> Download:
        """A stored file of a version as it was archived (docx, pdf, scan, data, …), for the roles
        allowed originals; recorded as a download."""
        doc = self._document(number)
        self.require("originals", doc.kind, doc.number)
        row = next((v for v in self.archive.catalog.versions(doc.number) if v.version == version), None)
        if row is None:
            raise NotFound(_("{number} has no version {version}").format(number=doc.number, version=version))
        f = row.file(role)
        if f is None:
            raise NotFound(_("{number} version {version} has no file {role}; it has: {roles}").format(
                number=doc.number, version=version, role=repr(role[:40]),
                roles=", ".join(x.role for x in row.files)))
        data = self.archive.store.get(f.sha256)  # checked: a damaged blob is never sent
        ext, media = _file_type(role, data)
        name = f"{doc.number}-v{version}-{role}.{ext}"
        with self.archive.catalog.write():
            self.archive.catalog.record("downloaded", self.actor.department or "", self.actor.recorded,
                                        number=doc.number, version=version, label=role, sha256=f.sha256,
                                        path=name, note="original")
        return Download(name, media, data)

    def _pull_department(self, key: str | None, number: str | None) -> str:
        """Who pulls: the account's own department; at the console, the one named."""
        if self.actor.console and key is not None:
            return key
        if self.actor.department is None:
            raise self._refused(_("{name} belongs to no department, so it has no copies to pull").format(
                name=self.actor.name), number)
        if key is not None and key != self.actor.department:
            raise self._refused(_("{name} pulls the copies of its own department ({department}), not of {other}").format(
                name=self.actor.name, department=self.actor.department, other=key), number)
        return self.actor.department

    # the record --------------------------------------------------------------

    def log(self, number: str | None = None, department: str | None = None) -> LogRows:
        """Every event of the archive, of one document or project, or what a department received or pulled."""
        archive = self.archive
        cat = archive.catalog
        key = None
        if number and cat.document(_upper(number)) is None and cat.project(number.strip()) is not None:
            number = number.strip()  # a project: the changes of its data
            self.require("read")
        elif number:
            doc = self._document(number)
            self.require("read", doc.kind, doc.number)
            number = doc.number
        else:
            self.require("log")
        if department:
            key = self._department(department).key
        rows: list[dict[str, Any]] = []
        if not department:
            for e in cat.all_events(number):
                shas = {}
                if e.version:
                    v = next((v for v in cat.versions(e.number) if v.version == e.version), None)
                    f = v and (v.file("scan") or v.file("pdf"))
                    shas = {"sha256": f.sha256} if f else {}
                rows.append({"created": fmt_instant(e.created), "action": e.action, "number": e.number,
                             "version": e.version, "department": None, "actor": e.actor, "status": e.to_status,
                             "note": e.note, **shas})
        for r in cat.ledger(number, key):
            rows.append({"created": fmt_instant(r["created"]), "action": r["action"], "number": r["number"],
                         "version": r["version"], "department": r["department"], "actor": r["actor"],
                         "label": r["label"], "sha256": r["sha256"], "path": r["path"], "note": r["note"]})
        rows.sort(key=lambda r: _when(r["created"]))
        return LogRows(rows)

    # customer links ----------------------------------------------------------

    def link_create(self, number: str, *, days: int = 14, code: bool = False) -> LinkMade:
        """A link for the customer to the copies of this document's project (客户链接)."""
        from docgen.links import Links

        doc = self._document(number)
        self.require("link", doc.kind, doc.number)
        self._customer_department()
        secret, pin, link = Links(self.archive).create(doc.number, doc.project, by=self.actor.recorded, days=days,
                                                       code=code)
        return LinkMade(secret, pin, link)

    def links(self, number: str) -> list[Any]:
        from docgen.links import Links

        doc = self._document(number)
        self.require("link", doc.kind, doc.number)
        return Links(self.archive).for_document(doc.number)

    def link_revoke(self, number: str, link_id: str) -> Any:
        from docgen.links import Links

        doc = self._document(number)
        self.require("link", doc.kind, doc.number)
        links = Links(self.archive)
        link = links.get(link_id.strip())
        if link.number != doc.number:
            raise NotFound(_("no customer link {id} on {number}").format(id=repr(link_id[:20]), number=doc.number))
        return links.revoke(link.id, by=self.actor.recorded)

    def _customer_department(self) -> Any:
        from docgen.distribute import department

        return department(self.archive, CUSTOMER)

    # accounts (the administrator's) -------------------------------------------

    def _accounts(self) -> Any:
        from docgen.accounts import Accounts

        self.require("accounts")
        return Accounts(self.archive)

    def accounts(self) -> list[Any]:
        """The archive's accounts."""
        return self._accounts().list()

    def account_add(self, name: str, role: str, *, department: str | None = None, display: str | None = None,
                    password: str | None = None) -> Any:
        return self._accounts().add(name, role, by=self.actor.recorded, department=department or None,
                                    display=display or None, password=password or None)

    def account_disable(self, name: str) -> Any:
        if name == self.actor.name:
            raise InputError(_("an administrator does not disable their own account; ask another administrator"))
        return self._accounts().disable(name, by=self.actor.recorded)

    def account_passwd(self, name: str, password: str) -> Any:
        return self._accounts().passwd(name, password, by=self.actor.recorded)

    def account_role(self, name: str, role: str) -> Any:
        return self._accounts().set_role(name, role, by=self.actor.recorded)

    def token_create(self, name: str, *, note: str = "") -> tuple[str, Any]:
        """A new API token for ``name``: (the secret, given once, and the token)."""
        return self._accounts().token_create(name, by=self.actor.recorded, note=note)  # type: ignore[no-any-return]

    def tokens(self, name: str | None = None) -> list[Any]:
        return self._accounts().tokens(name)  # type: ignore[no-any-return]

    def token_revoke(self, token_id: str) -> Any:
        return self._accounts().token_revoke(token_id, by=self.actor.recorded)

    def verify(self, *, repair: bool = False) -> Verified:
        from docgen.archive.core import verify

        self.require("verify")
        report = verify(self.archive, repair=repair)
        lost: list[str] = []
        index_line = ""
        try:
            waiting, lost = self.archive.search_index().missing()
        except DocgenError as exc:
            waiting, index_line = [], str(exc)
        return Verified(report, repair, lost, len(waiting), index_line)

    def chain(self) -> tuple[list[str], list[str]]:
        """The chain's problems and its hashes, oldest first."""
        self.require("verify")
        return self.archive.catalog.check_chain()

    def chain_head(self, recorded: str | None = None) -> ChainHead:
        """The chain's head; with ``recorded``, where a head recorded earlier sits in it."""
        problems, hashes = self.chain()
        if problems:
            raise ChainBroken(problems)
        if recorded is None:
            return ChainHead(hashes[-1] if hashes else self.archive.catalog.chain_head()[1], len(hashes))
        wanted = recorded.strip().lower()
        if wanted not in hashes:
            raise DocgenError(
                _("verify: the recorded chain head {head}… is not in the chain: rows written before it "
                  "were changed or removed since it was recorded; restore the catalog from a backup made before")
                .format(head=wanted[:12])
            )
        return ChainHead(wanted, len(hashes), hashes.index(wanted) + 1)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATEMENT_FIELDS = ("number", "kind", "status", "customer", "project", "date", "original", "total", "changes",
                    "installments", "updated")
DATA_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx", ".xlsm", ".xls", ".et")  # .xls, .et: refused with how to save
CUSTOMER = "customer"  # the department whose copies a customer link opens

_MEDIA = {
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "template": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": ("pdf", "application/pdf"),
    "data": ("json", "application/json"),
    "text": ("txt", "text/plain; charset=utf-8"),
    "sheet": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
_SCAN_MEDIA = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "tiff": "image/tiff"}
# every media type an original can be sent as (the API's spec lists them)
ORIGINAL_MEDIA_TYPES = tuple(sorted({media.split(";")[0] for _, media in _MEDIA.values()}
                                    | set(_SCAN_MEDIA.values()) | {"application/octet-stream"}))


def _file_type(role: str, data: bytes) -> tuple[str, str]:
    """A stored file's extension and media type: by its role, or for a scan, photo or source by
    its bytes (the formats intake knows, ``scans.sniff``)."""
    from docgen.archive import scans

    if role in _MEDIA:
        return _MEDIA[role]
    fmt = scans.sniff(data[:16])
    if fmt is None:
        return "bin", "application/octet-stream"
    return scans.FORMAT_EXT[fmt].lstrip("."), _SCAN_MEDIA[fmt]


def _take(intake: Any, files: list[Path], each: Callable[[int, int, Any], None] | None, **how: Any) -> list[Any]:
    """Each file through intake; one whose read went past a limit goes to the back of the line."""
    outcomes = []
    line = list(enumerate(files, 1))
    while line:
        n, path = line.pop(0)
        outcome = intake.process(path, **how)
        if outcome.result == "deferred":
            line.append((n, path))
        else:
            outcomes.append(outcome)
        if each is not None:
            each(n, len(files), outcome)
    return outcomes


def _when(text: str) -> Any:
    """A stored instant for sorting: rows written in other zones fall in time order."""
    from datetime import datetime, timezone

    from docgen.clock import instant

    try:
        return instant(text)
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)
