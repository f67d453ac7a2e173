"""Signed scans into the archive: identify, check, file; or quarantine with a reason.

One file at a time, under an inbox lock shared by every docgen process:

1. judge the file itself: size limit, empty, a scan format, named for what it is;
2. the same bytes filed before are a duplicate: reported and removed;
3. read the code on every page (``archive.scans``), check its MAC with the archive
   key, and group the pages by code (a batch scan holds several documents);
   where no page has a readable code, a code in the PDF's text layer or a
   document number in the file name is only proposed, in quarantine, to a person;
4. check each part: a known, live document; the version it names is the one to
   sign (approved by legal review for contracts; not replaced by a newer
   version; not signed yet); every page came back; the pages are scans;
5. file: the scan's blobs are stored durably, then one catalog transaction adds a
   signed version per part, tied to the version it signs; only then does the
   file leave the inbox. What cannot be filed moves to ``quarantine/`` unchanged,
   its reason file written first.

A kill at any point leaves the file filed, quarantined or still in the inbox; a
second run finds a filed file's bytes in the catalog and removes it as a duplicate.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docgen import clock, pagecode
from docgen.archive import scans
from docgen.archive.catalog import VersionRow, is_scan
from docgen.archive.core import Archive
from docgen.archive.store import fsync_dir, sha256_bytes, sha256_file
from docgen.clock import fmt_day, fmt_instant
from docgen.errors import DocgenError, InputError, NotFound, StateError
from docgen.failpoints import hit
from docgen.i18n import N_, NP_, _, ngettext, pgettext, status_word
from docgen.kinds import registry
from docgen.reader import Attempts, LimitHit, Limits, Reader
from docgen import table
from docgen.table import printable  # one escaping function for every line a person reads

NUMBER_IN_NAME = re.compile(r"([A-Z]{2,4}-\d{4}-\d{3,})(?:[ ._-]*V(\d{1,4})(?![0-9]))?")
MATCHED = {"qr": N_("matched by QR code"), "text": N_("matched by the code in the text layer"),
           "filename": N_("matched by the number in the file name"), "manual": N_("identified by hand")}


LINK_REFUSED = (
    N_("the file is a symbolic link; docgen takes in the scans themselves and never follows a link"),
    N_("copy the scan itself into the inbox, and remove the link"),
)
# the word before each line of the watcher, the log and ingest, by Outcome.result
RESULT_WORDS = {
    "filed": NP_("intake", "filed"), "duplicate": NP_("intake", "duplicate"),
    "quarantined": NP_("intake", "quarantined"), "waiting": NP_("intake", "waiting"),
    "deferred": NP_("intake", "deferred"), "gone": NP_("intake", "gone"), "error": NP_("intake", "error"),
}


def result_word(result: str) -> str:
    """``filed``, ``quarantined``… in the active language (``已归档``, ``已隔离``…)."""
    return pgettext("intake", RESULT_WORDS[result]) if result in RESULT_WORDS else result


class Deferred(Exception):
    """A file whose read went past a limit, to be tried again after the other files."""


class Refused(Exception):
    """A file or part that cannot be filed: what is wrong and what to do."""

    def __init__(self, reason: str, todo: str, proposed: str = "") -> None:
        super().__init__(reason)
        self.reason, self.todo = reason, todo
        self.proposed = proposed  # a document a fallback found, for the person who looks


@dataclass
class Part:
    """Consecutive pages of a scan that belong to one document version."""

    pages: list[int]
    number: str | None
    version: int | None
    target: VersionRow | None = None
    kind: str = ""
    refused: Refused | None = None
    manual: bool = False
    supersede: str | None = None  # a person's reason to file an old version as the effective one

    @property
    def span(self) -> str:
        return _span(self.pages)


@dataclass(frozen=True)
class Filed:
    number: str
    version: int
    signs: int
    pages: int
    matched_by: str
    path: Path


@dataclass
class Outcome:
    """What became of one file: filed, duplicate, quarantined, waiting or gone."""

    file: Path
    result: str
    message: str = ""
    filed: list[Filed] = field(default_factory=list)
    quarantined: list[Path] = field(default_factory=list)

    def line(self) -> str:
        word = table.pad(result_word(self.result), 11)
        return printable(f"{word} {self.file.name}" + (f" {self.message}" if self.message else ""))

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file),
            "result": self.result,
            "message": self.message,
            "filed": [
                {"number": f.number, "version": f.version, "signs": f.signs, "pages": f.pages,
                 "matched_by": f.matched_by, "path": str(f.path)}
                for f in self.filed
            ],
            "quarantined": [str(p) for p in self.quarantined],
        }


def _span(pages: list[int]) -> str:
    if not pages:
        return _("no pages")
    if len(pages) == 1:
        return _("page {page}").format(page=pages[0])
    if pages == list(range(pages[0], pages[-1] + 1)):
        return _("pages {first}-{last}").format(first=pages[0], last=pages[-1])
    return _("pages {pages}").format(pages=", ".join(map(str, pages)))


def _pages(n: int) -> str:
    return ngettext("{n} page", "{n} pages", n).format(n=n)


def _write_durably(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


class Intake:
    """Takes scans into one archive. ``actor`` is who is recorded as filing them."""

    def __init__(self, archive: Archive, actor: str) -> None:
        self.archive = archive
        self.actor = actor
        self._identity: tuple[int, int, int] | None = None  # of the file being taken in
        settings = archive.settings
        self.reader = Reader(Limits(settings.intake_max_seconds_per_page, settings.intake_max_memory_mb))
        self.attempts = Attempts(archive.tmp / "intake-attempts.json")
        self._settled = False

    def close(self) -> None:
        self.reader.close()
        self._supersede: str | None = None  # why a person files an old version's signed copy

    # the pipeline ---------------------------------------------------------

    def process(
        self,
        path: Path,
        *,
        as_number: str | None = None,
        as_version: int | None = None,
        keep: bool = False,
        data: bytes | None = None,
        sources: list[bytes] | None = None,
        display: str | None = None,
        supersede: str | None = None,
        settled: bool = False,
    ) -> Outcome:
        """Take one file in. With ``as_number`` a person has identified it: a file that
        still cannot be filed raises DocgenError and stays where it is. With ``keep``
        the file stays where it is (a quarantined one is copied).

        ``data`` gives the bytes when they are not the file's (photos joined into one
        scan), and ``sources`` the original files, kept with the signed version.
        ``supersede`` (with ``as_number``) is the person's reason to file the signed copy
        of a version that a newer one replaced, making the old one effective again.
        ``settled`` says the file is whole (an upload, received before it is taken in): it is
        judged at once, never left waiting as a file a scanner may still be writing.
        """
        self._supersede = supersede if as_number is not None else None
        self._settled = settled
        with self.archive.lock("intake"):  # one file at a time across processes
            try:
                outcome = self._process(path, as_number, as_version, keep, data, sources or [], display)
            except Deferred as d:
                outcome = Outcome(path, "deferred", str(d))
            except Refused as r:
                self.archive.recover()
                if as_number is not None or data is not None:
                    raise StateError(_("{file}: {reason}; {todo}").format(file=display or path.name, reason=r.reason, todo=r.todo)) from None
                outcome = self._quarantine_whole(path, r, keep)
            except DocgenError:
                raise
            except Exception as exc:
                # not the file's fault (the catalog locked too long, a full disk): it stays
                # where it is, and the log says why
                self._log(Outcome(path, "error", _("{error}: {detail}; the file stays in place").format(error=type(exc).__name__, detail=exc)))
                raise
            if outcome.result != "gone":
                self._log(outcome)
            return outcome

    def _process(
        self, path: Path, as_number: str | None, as_version: int | None, keep: bool, data: bytes | None,
        sources: list[bytes], display: str | None,
    ) -> Outcome:
        settings = self.archive.settings
        name = printable(display or path.name)
        self._identity = None
        data_given = data is not None
        if data is None:
            try:
                st = path.lstat()
            except FileNotFoundError:
                return Outcome(path, "gone", _("taken in by another docgen process"))
            if stat.S_ISLNK(st.st_mode):  # refused unread: its target is nobody's business here
                raise Refused(_(LINK_REFUSED[0]), _(LINK_REFUSED[1]))
            if not stat.S_ISREG(st.st_mode):
                raise InputError(_("{path} is not a file").format(path=printable(str(path))))
            self._identity = (st.st_ino, st.st_size, st.st_mtime_ns)
            young = not self._settled and time.time() - st.st_mtime < settings.intake_settle
            limit = settings.intake_max_mb * 1024 * 1024
            if st.st_size > limit:
                raise Refused(
                    _("the file is {size} MB, above the {limit} MB limit ([intake] max_mb in docgen.toml)")
                    .format(size=f"{st.st_size / 1048576:.0f}", limit=settings.intake_max_mb),
                    _("scan at 150-300 dpi in grey or black and white (about 1 MB a page), "
                      "or raise max_mb if such files are expected"),
                )
            if st.st_size == 0:
                if young:
                    return Outcome(path, "waiting", _("is empty so far (still being written?)"))
                raise Refused(_("the file is empty (0 bytes)"), _("scan the paper again"))
            try:
                data = _read_unfollowed(path, st)
            except FileNotFoundError:
                return Outcome(path, "gone", _("taken in by another docgen process"))
            if data is None:  # replaced by a link or another file since it was looked at
                return Outcome(path, "waiting", _("changed while it was read (still being written?)"))
            if len(data) != st.st_size:
                return Outcome(path, "waiting", _("changed while it was read (still being written?)"))
        else:
            young = False
        fmt = scans.sniff(data[:16])
        named = scans.EXTENSIONS.get(path.suffix.lower()) if not sources else None
        if fmt is None:
            if named and young:
                return Outcome(path, "waiting", _("does not look complete yet (still being written?)"))
            if named:
                raise Refused(
                    _("the file is named {suffix} but is not a {format} (it starts with {start})").format(
                        suffix=path.suffix, format=named.upper(), start=repr(data[:8])),
                    _("scan the paper again; if the scanner saves another format, set it to PDF, JPEG, PNG or TIFF"),
                )
            raise Refused(
                (_("not a scan: docgen files PDF, JPEG, PNG and TIFF scans, and this {suffix} is none of them")
                 .format(suffix=path.suffix) if path.suffix else
                 _("not a scan: docgen files PDF, JPEG, PNG and TIFF scans, and this file without extension "
                   "is none of them")),
                _("drop only scans into the inbox; remove this file"),
            )
        if named and named != fmt:
            raise Refused(
                _("the file is named {suffix} but is a {format} file").format(suffix=path.suffix, format=fmt.upper()),
                _("rename it to {name} (or check the scanner's settings) and drop it again").format(
                    name=path.stem + scans.FORMAT_EXT[fmt]),
            )
        sha = sha256_bytes(data)
        seen = self._seen(sha, data)
        if seen is not None:
            seen.file = path
            return seen if keep else self._remove(path, seen)
        generated = [(n, v) for n, v, role in self.archive.catalog.files_with(sha) if role == "pdf"]
        if generated:  # with --as too: a person's word does not make the unsigned file signed
            n, v = generated[0]
            raise Refused(
                _("this is the generated PDF of {number} v{version} itself, not a scan of the signed paper")
                .format(number=n, version=v),
                _("print it, have it signed, and scan the signed paper"),
            )
        try:
            scan = self._read(path, data, fmt, sha)
        except scans.Unreadable as exc:
            if young:  # a file still arriving reads as damaged: judge it once it has settled
                return Outcome(path, "waiting", f"{exc}")
            if isinstance(exc, scans.Truncated):
                wait = settings.intake_truncated_wait
                if data_given is False and not self._settled and time.time() - st.st_mtime < wait:  # a slow copy
                    return Outcome(path, "waiting", _(
                        "{problem}; judged once it is {seconds} s old ([intake] truncated_wait_seconds)"
                    ).format(problem=exc, seconds=f"{wait:g}"))
                raise Refused(str(exc), _("scan the paper again, or copy the whole file again")) from None
            raise Refused(str(exc), _("scan the paper again")) from None
        if as_number is not None:
            parts, matched = [self._manual_part(scan, name, as_number, as_version)], "manual"
        else:
            parts, matched = self._identify(scan, fmt, data, name)
        seen_parts: dict[tuple[str | None, int | None], Part] = {}
        for part in parts:
            first = seen_parts.setdefault((part.number, part.version), part)
            if first is not part and part.number is not None:
                part.refused = Refused(
                    _("{number} v{version} appears twice in this batch (also on {span})").format(
                        number=part.number, version=part.version, span=first.span),
                    _("check which copy was signed; file that one by hand: "
                      "docgen ingest FILE --as {number} --version {version}").format(
                        number=part.number, version=part.version),
                )
        for part in parts:
            if part.refused is None:
                try:
                    self._check(part, scan, manual=as_number is not None)
                    self._compare(part, scan)
                except Refused as r:
                    part.refused = r
        good = [p for p in parts if p.refused is None]
        if not good:
            if len(parts) == 1:
                assert parts[0].refused is not None
                raise parts[0].refused
            raise Refused(
                _("no part of this batch can be filed: ")
                + "; ".join(f"{p.span}: {p.refused.reason}" for p in parts if p.refused),
                "; ".join(f"{p.span}: {p.refused.todo}" for p in parts if p.refused),
            )
        outcome = Outcome(path, "filed")
        for part in parts:
            if part.refused is not None:
                outcome.quarantined.append(self._quarantine_part(path, data, fmt, part, sha))
        outcome.filed = self._file(
            good, scan, data, fmt, sha, name, matched, batch=len(parts) > 1, sources=sources
        )
        hit("intake:committed")
        if not keep and not self._leave(path):
            outcome.message = _("(the file was replaced while it was read: the new one is left to be taken in) ")
        outcome.message += "-> " + ", ".join(
            f"{f.number} v{f.version}" + (f" ({_span(p.pages)})" if len(parts) > 1 else "")
            for f, p in zip(outcome.filed, good, strict=True)
        )
        first = outcome.filed[0]
        if len(parts) == 1:
            outcome.message += _(" (signed copy of v{signs}, {pages}, {matched})").format(
                signs=first.signs, pages=_pages(first.pages), matched=_(MATCHED[first.matched_by]))
        else:
            outcome.message += _(" (batch of {n} documents, {matched})").format(
                n=len(parts), matched=_(MATCHED[first.matched_by]))
        for q in outcome.quarantined:
            outcome.message += _("; {name} quarantined").format(name=q.name)
        return outcome

    def _read(self, path: Path, data: bytes, fmt: str, sha: str) -> scans.Scan:
        """``scans.read`` in the reader process, under the limits. The attempt is on record
        before the reader gets the file, so one that kills every reader (or the watcher)
        is counted all the same; after ``max_attempts`` it is quarantined unread."""
        settings = self.archive.settings
        most = settings.intake_max_attempts
        before = self.attempts.get(sha)
        if int(before.get("count", 0)) >= most:
            self.attempts.forget(sha)
            raise self._too_much(before, most)
        attempt = self.attempts.begin(sha, path)
        try:
            scan: scans.Scan = self.reader.read(data, fmt)
        except LimitHit as exc:
            self.attempts.hit(sha, exc)
            if attempt >= most:
                self.attempts.forget(sha)
                raise self._too_much({"limit": exc.limit, "setting": exc.setting}, most) from None
            raise Deferred(
                _("reading it went past {limit} ({setting} in docgen.toml), attempt {attempt} of {most}; "
                  "tried again after the other files").format(
                    limit=exc.limit, setting=exc.setting, attempt=attempt, most=most)
            ) from None
        except scans.Unreadable:
            self.attempts.forget(sha)
            raise
        self.attempts.forget(sha)
        return scan

    @staticmethod
    def _too_much(entry: dict[str, Any], most: int) -> Refused:
        if entry.get("limit"):
            reason = _("reading it went past {limit} ({setting} in docgen.toml) {most} times").format(
                limit=entry["limit"], setting=entry["setting"], most=most)
        else:
            reason = _("reading it did not finish {most} times (the watcher was stopped while reading it)").format(
                most=most)
        return Refused(
            reason,
            _("scan the paper again in smaller parts (fewer pages a file, 150-300 dpi, grey), "
              "or raise {setting} if such files are expected").format(
                setting=entry.get("setting") or _("the [intake] limits")),
        )

    # identification -------------------------------------------------------

    def _identify(self, scan: scans.Scan, fmt: str, data: bytes, name: str) -> tuple[list[Part], str]:
        key = self.archive.key
        codes: list[pagecode.PageCode | None] = []
        for page in scan.pages:
            valid: set[pagecode.PageCode] = set()
            for payload in page.codes:
                code = pagecode.parse(payload)
                if code is None:
                    continue  # some other QR code on the paper
                if not pagecode.verify(code, key):
                    raise Refused(
                        _("page {page} carries the code {code}, whose check characters do not match "
                          "this archive: the code was altered or forged, or the paper comes from another archive")
                        .format(page=page.number, code=payload),
                        _("check the paper with the project manager; if it is genuine, "
                          "file it by hand: docgen ingest FILE --as {number}").format(number=code.number),
                    )
                valid.add(code)
            if len(valid) > 1:
                shown = ", ".join(sorted(f"{c.number}.V{c.version}" for c in valid))
                raise Refused(
                    _("page {page} shows {n} different codes ({codes})").format(
                        page=page.number, n=len(valid), codes=shown),
                    _("scan each page of paper on its own"),
                )
            codes.append(next(iter(valid)) if valid else None)
        if not any(codes):
            self._propose(scan, fmt, data, name)
        parts = _group(codes, self._pages_of)
        if len(parts) == 1:
            m = NUMBER_IN_NAME.search(name.upper())
            if m and m.group(1) != parts[0].number:
                raise Refused(
                    _("the file is named for {named} but its pages carry {number}").format(
                        named=m.group(1), number=parts[0].number),
                    _("check which document this is; rename the file and drop it again, "
                      "or file it by hand: docgen ingest FILE --as NUMBER"),
                )
        return parts, "qr"

    def _propose(self, scan: scans.Scan, fmt: str, data: bytes, name: str) -> None:
        """No page shows a readable code: refuse, naming the document that the text layer
        or the file name points to. Either can be wrong or planted (a blank page named
        BJ-2026-0003.pdf), so a person looks at the pages and files them with --as."""
        n = len(scan.pages)
        found: tuple[str, int | None, str] | None = None
        if fmt == "pdf":
            text_codes = [c for c in (self._text_code(t) for t in scans.pdf_text(data)) if c is not None]
            if text_codes:
                found = (text_codes[0].number, text_codes[0].version, "text")
        if found is None:
            m = NUMBER_IN_NAME.search(name.upper())
            if m and self.archive.catalog.document(m.group(1)) is not None:
                found = (m.group(1), int(m.group(2)) if m.group(2) else None, "filename")
        if found is None:
            raise Refused(
                (_("no document code found: no readable QR code on {pages}, no code in the text layer, "
                   "no document number in the file name") if fmt == "pdf" else
                 _("no document code found: no readable QR code on {pages}, "
                   "no document number in the file name")).format(pages=_pages(n)),
                _("check the scan is sharp and shows the code at the foot of each page (150-300 dpi), "
                  "then drop it again; or file it by hand: docgen ingest FILE --as NUMBER"),
            )
        number, version, how = found
        how_text = {"text": _("the code in the PDF's text layer"), "filename": _("the number in the file name")}[how]
        option = f" --version {version}" if version is not None else ""
        which = f"{number} v{version}" if version is not None else number
        raise Refused(
            _("no readable QR code on {pages}; {how} proposes {document}, which only a person can confirm").format(
                pages=_pages(n), how=how_text, document=which),
            _("look at the pages; if they are {number}'s signed paper: docgen ingest FILE --as {command}").format(
                number=number, command=number + option),
            proposed=_("{document} (by {how})").format(document=which, how=how_text),
        )

    def _pages_of(self, number: str, version: int) -> int | None:
        """The page count of a generated version, if the archive holds it."""
        v = next((v for v in self.archive.catalog.versions(number) if v.version == version and not is_scan(v)), None)
        return v.pages if v else None

    def _text_code(self, text: str) -> pagecode.PageCode | None:
        """A valid code in a page's text layer. A text layer is often OCR, which misreads a
        character now and then, so a code that does not verify is passed over, not refused."""
        code = pagecode.parse(text)
        if code is None or not pagecode.verify(code, self.archive.key):
            return None
        return code

    def _manual_part(self, scan: scans.Scan, name: str, number: str, version: int | None) -> Part:
        number = number.strip().upper()
        key = self.archive.key
        for page in scan.pages:
            for payload in page.codes:
                code = pagecode.parse(payload)
                if code is not None and pagecode.verify(code, key) and code.number != number:
                    raise Refused(
                        _("page {page} carries the code of {code}, not {number}").format(
                            page=page.number, code=code.number, number=number),
                        _("check the number"),
                    )
                if code is not None and pagecode.verify(code, key) and code.number == number:
                    if version is not None and version != code.version:
                        raise Refused(
                            _("page {page} carries the code of {number} v{code}, not v{version}").format(
                                page=page.number, number=number, code=code.version, version=version),
                            _("check the version: --version {version}").format(version=code.version),
                        )
                    version = code.version
        return Part(list(range(1, len(scan.pages) + 1)), number, version, manual=True, supersede=self._supersede)

    # checks ---------------------------------------------------------------

    def _check(self, part: Part, scan: scans.Scan, *, manual: bool) -> None:
        cat = self.archive.catalog
        number = part.number
        if number is None:
            raise Refused(
                _("no readable code on {span}, and they belong to no document next to them "
                  "(the page counts do not fit)").format(span=part.span),
                _("scan those pages again; or split the file and file each part by hand with --as"),
            )
        doc = cat.document(number)
        if doc is None:
            raise Refused(
                _("{number} is not in this archive").format(number=number),
                _("check the number; a document made in another archive is filed there"),
            )
        part.kind = doc.kind
        if doc.status == "void":
            why = next((e.note for e in reversed(cat.events(number)) if e.action == "void"), "")
            raise Refused(
                (_("{number} is void ({why}); a void document is not filed as signed") if why else
                 _("{number} is void; a void document is not filed as signed")).format(number=number, why=why),
                _("check with the project manager which document the customer should sign"),
            )
        versions = cat.versions(number)
        generated = [v for v in versions if not is_scan(v)]
        if part.version is None:
            reviewed = registry.get(doc.kind).review
            candidates = [v for v in generated if v.status == "approved"] if reviewed else generated
            if not candidates:
                raise Refused(
                    _("{number} has no version approved by legal review").format(number=number),
                    _("approve it first (docgen review {number} approve), then: docgen quarantine retry").format(
                        number=number),
                )
            part.version = candidates[-1].version
        target = next((v for v in generated if v.version == part.version), None)
        if target is None:
            raise Refused(
                _("{number} has no generated version v{version}").format(number=number, version=part.version),
                _("check the code on the paper"),
            )
        part.target = target
        if registry.get(doc.kind).review and target.status != "approved":
            raise Refused(
                _("{number} v{version} is {status}: it is signed only after legal review approves it")
                .format(number=number, version=target.version, status=status_word(target.status)),
                _("approve it (docgen review {number} approve), then: docgen quarantine retry").format(number=number),
            )
        if registry.get(doc.kind).recheck_on_signing:
            from docgen.generate import still_valid

            why = still_valid(self.archive, number, target)
            if why:
                raise Refused(
                    why,
                    _("the signed paper cannot count as it stands: revise {number} (docgen revise), have the "
                      "new version signed, or void it").format(number=number),
                )
        newer = [v for v in generated if v.version > target.version and v.status != "rejected"]
        if newer and not manual:
            raise Refused(
                _("the customer signed {number} v{version}, but v{newer} replaced it on {date}").format(
                    number=number, version=target.version, newer=newer[-1].version, date=fmt_day(newer[-1].created)),
                _("have v{newer} signed; to make this scan of v{version} the effective document instead: "
                  'docgen ingest FILE --as {number} --version {version} --supersede --note "REASON"').format(
                    newer=newer[-1].version, version=target.version, number=number),
            )
        if newer and part.supersede is None:
            raise Refused(
                _("v{newer} replaced {number} v{version} on {date}: filing this signed copy of v{version} "
                  "would make the old version the effective one").format(
                    newer=newer[-1].version, number=number, version=target.version, date=fmt_day(newer[-1].created)),
                _('have v{newer} signed; if v{version} is what stands, say why: --supersede --note "REASON"')
                .format(newer=newer[-1].version, version=target.version),
            )
        if not manual:
            done = [v for v in versions if is_scan(v) and v.summary["signs"] == target.version]
            if done:
                raise Refused(
                    _("{number} v{version} is already signed: v{filed} was filed on {date} from {name}").format(
                        number=number, version=target.version, filed=done[-1].version,
                        date=fmt_day(done[-1].created), name=done[-1].summary["scan"]["name"]),
                    _("to keep this scan as well: docgen ingest FILE --as {number} --version {version}").format(
                        number=number, version=target.version),
                )
        n = len(part.pages)
        if n != target.pages:
            what = _("pages are missing") if n < target.pages else _("there are extra pages, or a page was scanned twice")
            raise Refused(
                _("{number} v{version} has {pages} pages but the scan has {n}: {what}").format(
                    number=number, version=target.version, pages=target.pages, n=n, what=what),
                _("scan all {pages} pages of the signed paper into one file and drop it again").format(
                    pages=target.pages),
            )
        flat = [p for p in part.pages if not scan.pages[p - 1].scanned]
        if flat:  # with --as too: pages drawn, not scanned, carry no one's signature
            raise Refused(
                _("{span} hold no scanned image: this is a PDF saved from the generated file, "
                  "not a scan of signed paper").format(span=_span(flat)),
                _("print it, have it signed, and scan the signed paper"),
            )

    def _compare(self, part: Part, scan: scans.Scan) -> None:
        """Every page against the generated page it claims to be, and the signature fields.

        A page shown not to match is refused, with --as too; a page that cannot be laid
        over its generated page, or a scan whose signature and seal fields are all empty,
        waits for a person, who may file it with --as."""
        from docgen.archive import pagecheck

        target = part.target
        assert target is not None and part.number is not None
        pdf = target.file("pdf")
        if pdf is None or not self.archive.store.has(pdf.sha256):
            return  # nothing to compare with (verify reports a missing blob)
        refs = pagecheck.references(self.archive.store.get(pdf.sha256))
        if len(refs) != len(part.pages):
            return
        import numpy as np

        which = f"{part.number} v{target.version}"
        unaligned: list[str] = []
        fields: list[str] = []  # the signature and seal fields the paper should carry
        signed = False
        for n, (page_no, ref) in enumerate(zip(part.pages, refs, strict=True), 1):
            page = scan.pages[page_no - 1]
            fields += [_("{field} on page {page}").format(field=a.label, page=page_no) for a in ref.areas if a.required]
            if not page.image:
                unaligned.append(_("page {page}: it could not be read as an image").format(page=page_no))
                continue
            image = np.frombuffer(page.image, dtype=np.uint8).reshape(page.size[1], page.size[0])
            corners = next((c for payload, c in page.corners if (code := pagecode.parse(payload)) is not None
                            and code.number == part.number and code.version == target.version), None)
            verdict = pagecheck.compare(ref.image, ref.corners, image, corners, ref.areas)
            signed = signed or bool(verdict.signed)
            if verdict.status == "differs":
                where = ""
                if verdict.where is not None:
                    where = _(" (around {down} down, {across} across)").format(
                        down=f"{verdict.where[0]:.0%}", across=f"{verdict.where[1]:.0%}")
                raise Refused(
                    _("page {page} does not match {document} page {n}: {detail}").format(
                        page=page_no, document=which, n=n, detail=verdict.detail) + where,
                    _("compare the paper with the generated document; a page that is not the document's "
                      "is not filed, by hand neither: have the right paper signed and scan it"),
                )
            if verdict.status == "unaligned":
                unaligned.append(_("page {page}: {detail}").format(page=page_no, detail=verdict.detail))
        if part.manual:
            return
        todo = _("look at the pages; if they are {document}'s signed paper: "
                 "docgen ingest FILE --as {number} --version {version}").format(
            document=which, number=part.number, version=target.version)
        if unaligned:
            raise Refused(_("{pages} could not be compared with {document}: {problems}").format(
                pages=_pages(len(unaligned)), document=which, problems="; ".join(unaligned)), todo)
        if fields and not signed:  # one field signed is enough: who signs what is the paper's business
            raise Refused(
                _("the signature fields are empty: {fields}").format(fields=_(", ").join(fields)),
                _("have the paper signed and scan it again; if it was signed where docgen does not look: "
                  "docgen ingest FILE --as {number} --version {version}").format(
                    number=part.number, version=target.version),
            )

    # filing ---------------------------------------------------------------

    def _file(
        self, parts: list[Part], scan: scans.Scan, data: bytes, fmt: str, sha: str, name: str, matched: str,
        *, batch: bool, sources: list[bytes],
    ) -> list[Filed]:
        archive, cat = self.archive, self.archive.catalog
        planned = []
        for part in parts:
            if batch:
                scan_bytes, scan_fmt = scans.extract(data, fmt, part.pages)
            else:
                scan_bytes, scan_fmt = data, fmt
            planned.append((part, scan_bytes, scan_fmt))
        extra = ([data] if batch else []) + sources
        blobs = [b for _p, b, _f in planned] + extra
        out: list[Filed] = []
        # blobs are stored under the catalog's write lock, so no other writer can
        # count on a blob that a failed filing leaves behind for recover()
        with archive.transaction() as intent:
            intent.add([sha256_bytes(b) for b in blobs])
            shas = [archive.store.put(b) for b in blobs]
            hit("intake:stored")
            extra_files = {
                ("source" if batch and i == 0 else f"source{i + (0 if batch else 1)}"): (s, len(b))
                for i, (s, b) in enumerate(zip(shas[len(planned):], extra, strict=True))
            }
            for (part, scan_bytes, scan_fmt), scan_sha in zip(planned, shas, strict=False):
                assert part.number and part.target is not None
                doc = cat.document(part.number)
                assert doc is not None
                # checked again under the write lock: a void or a revision may have come
                # from another command since the checks above
                self._check(part, scan, manual=part.manual)
                target = part.target
                versions = cat.versions(part.number)
                version = len(versions) + 1
                newest = max(v.version for v in versions if not is_scan(v) and v.status != "rejected")
                files = {f.role: (f.sha256, f.size) for f in target.files if f.role not in ("docx", "pdf")}
                files["scan"] = (scan_sha, len(scan_bytes))
                files.update(extra_files)
                summary = {
                    **target.summary,
                    "signs": target.version,
                    "scan": {
                        "name": name,
                        "format": scan_fmt,
                        "pages": len(part.pages),
                        "matched_by": matched,
                        "received": clock.stamp(),
                        **({"source_pages": part.pages} if batch else {}),
                    },
                }
                note = f"签署扫描件 {name}" + (f" {_span(part.pages)}" if batch else "")
                cat.add_version(
                    part.number, version, status="signed", author=self.actor, note=note,
                    template=target.template, pages=len(part.pages), summary=summary, files=files,
                )
                cat.set_status(
                    part.number, registry.get(doc.kind).signed_status or doc.status, version=version,
                    version_status="signed", action="sign", actor=self.actor,
                    note=f"{name}: signed copy of v{target.version} ({MATCHED[matched]})" + (
                        f"; supersedes v{newest}: {part.supersede}" if newest > target.version else ""
                    ),
                )
                out.append(Filed(part.number, version, target.version, len(part.pages), matched, Path()))
        return [
            Filed(f.number, f.version, f.signs, f.pages, f.matched_by,
                  archive.ensure_view(f.number, f.version, "scan", s))
            for f, s in zip(out, shas, strict=False)
        ]

    def _seen(self, sha: str, data: bytes) -> Outcome | None:
        """A file with these bytes filed before, as a duplicate outcome.

        Where the archive's own copy has gone missing or was damaged, the dropped file
        restores it rather than being thrown away.
        """
        store = self.archive.store
        for number, version, role in self.archive.catalog.files_with(sha):
            if role == "scan" or role.startswith("source"):
                v = next(v for v in self.archive.catalog.versions(number) if v.version == version)
                restored = ""
                if not store.has(sha) or sha256_file(store.path(sha)) != sha:
                    store.path(sha).unlink(missing_ok=True)
                    store.put(data)
                    restored = _("; the archive's damaged or missing copy was restored from it")
                scan = v.file("scan")
                if scan is not None and store.has(scan.sha256):
                    # a watcher killed just after filing left the readable copy unmade
                    self.archive.ensure_view(number, version, "scan", scan.sha256)
                return Outcome(
                    Path(), "duplicate",
                    _("is the same file as {number} v{version}, filed {when}").format(
                        number=number, version=version, when=fmt_instant(v.created, "minutes")[:16].replace("T", " "))
                    + restored,
                )
        return None

    def _remove(self, path: Path, seen: Outcome) -> Outcome:
        if self._leave(path):
            seen.message += (_("; removed from the inbox") if path.parent == self.archive.inbox else _("; removed"))
        return seen

    def _unchanged(self, path: Path) -> bool:
        """The file at ``path`` is still the one that was read (not replaced meanwhile)."""
        if self._identity is None:
            return True
        try:
            st = path.lstat()
        except FileNotFoundError:
            return False
        return (st.st_ino, st.st_size, st.st_mtime_ns) == self._identity

    def _leave(self, path: Path) -> bool:
        """The file is in the archive now: remove it (and its reason file in quarantine).

        A file replaced by a new one of the same name since it was read is left alone."""
        if not self._unchanged(path):
            return False
        path.unlink(missing_ok=True)
        if path.parent.resolve() == self.archive.quarantine.resolve():
            _reason_path(path).unlink(missing_ok=True)
        return True

    # quarantine -----------------------------------------------------------

    def _quarantine_whole(self, path: Path, refused: Refused, keep: bool) -> Outcome:
        qdir = self.archive.quarantine
        qdir.mkdir(parents=True, exist_ok=True)
        if path.parent.resolve() == qdir.resolve():
            _write_reason(path, refused, path)
            return Outcome(path, "quarantined", _("stays in quarantine: {reason}").format(reason=refused.reason), quarantined=[path])
        if not self._unchanged(path):
            return Outcome(path, "waiting", _("was replaced while it was read; the new file is taken in next"))
        dest = _free_name(qdir, path)
        _write_reason(dest, refused, path)
        hit("intake:reason-written")
        try:
            if keep:
                raise OSError("copy, keeping the original")
            os.rename(path, dest)
        except FileNotFoundError:
            return Outcome(path, "gone", _("taken in by another docgen process"))
        except OSError:
            if path.is_symlink():  # the link itself, never what it points to
                os.symlink(os.readlink(path), dest)
                if not keep:
                    path.unlink(missing_ok=True)
                fsync_dir(qdir)
                rel = dest.relative_to(self.archive.root)
                return Outcome(path, "quarantined", _("-> {path}: {reason}").format(path=rel, reason=refused.reason), quarantined=[dest])
            # another file system (a network inbox): copy durably, then remove the
            # original only if it did not change while it was copied
            tmp = dest.with_name(f".{dest.name}.tmp")
            shutil.copyfile(path, tmp)
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, dest)
            if not keep and self._unchanged(path):
                path.unlink(missing_ok=True)
        if not dest.is_symlink():  # a link kept as evidence is never followed, not even by chmod
            os.chmod(dest, 0o600)  # the scanner's mode stays behind: the archive's files are owner-only
        fsync_dir(qdir)
        rel = dest.relative_to(self.archive.root)
        return Outcome(path, "quarantined", _("-> {path}: {reason}").format(path=rel, reason=refused.reason), quarantined=[dest])

    def _quarantine_part(self, path: Path, data: bytes, fmt: str, part: Part, sha: str) -> Path:
        qdir = self.archive.quarantine
        qdir.mkdir(parents=True, exist_ok=True)
        part_bytes, part_fmt = scans.extract(data, fmt, part.pages)
        pages = part.span.replace("pages ", "p").replace("page ", "p").replace(", ", "_")
        dest = qdir / f"{path.stem}.{sha[:8]}.{pages}{scans.FORMAT_EXT[part_fmt]}"
        assert part.refused is not None
        _write_reason(dest, part.refused, path, note=_("{span} of the batch scan {name}").format(span=part.span, name=path.name))
        _write_durably(dest, part_bytes)
        return dest

    # the log --------------------------------------------------------------

    def _log(self, outcome: Outcome) -> None:
        logs = self.archive.logs
        logs.mkdir(exist_ok=True)
        stamp = clock.stamp()
        with open(logs / "intake.log", "a", encoding="utf-8") as f:
            f.write(printable(f"{stamp} {self.actor} {outcome.line()}") + "\n")


def _group(
    codes: list[pagecode.PageCode | None], pages_of: Callable[[str, int], int | None]
) -> list[Part]:
    """Consecutive pages by code. Pages without a readable code join their neighbours
    when those agree, or the only document of the file, or else the neighbouring part
    that is short of exactly that many pages (a seal stamped over the last page's code)."""
    distinct = {c for c in codes if c is not None}
    if len(distinct) == 1:
        only = next(iter(distinct))
        return [Part(list(range(1, len(codes) + 1)), only.number, only.version)]
    filled = list(codes)
    for i, c in enumerate(filled):
        if c is None:
            before = next((x for x in reversed(codes[:i]) if x is not None), None)
            after = next((x for x in codes[i + 1:] if x is not None), None)
            if before is not None and before == after:
                filled[i] = before
    parts: list[Part] = []
    for i, c in enumerate(filled):
        key = (c.number, c.version) if c else (None, None)
        if parts and (parts[-1].number, parts[-1].version) == key:
            parts[-1].pages.append(i + 1)
        else:
            parts.append(Part([i + 1], *key))

    def short(part: Part | None) -> int:
        if part is None or part.number is None or part.version is None:
            return 0
        expected = pages_of(part.number, part.version)
        return expected - len(part.pages) if expected else 0

    out: list[Part] = []
    for n, part in enumerate(parts):
        if part.number is None:
            before = out[-1] if out else None
            after = parts[n + 1] if n + 1 < len(parts) else None
            if before is not None and short(before) == len(part.pages):
                before.pages += part.pages
                continue
            if after is not None and short(after) == len(part.pages):
                after.pages[:0] = part.pages
                continue
        out.append(part)
    return out


def _read_unfollowed(path: Path, seen: os.stat_result) -> bytes | None:
    """The bytes of the regular file ``path`` that ``seen`` describes, or None when the
    name now leads elsewhere (a link put in its place): the name is opened without
    following a link, and the open file is checked to be the one seen."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != (seen.st_dev, seen.st_ino):
            return None
        return f.read()


def _reason_path(path: Path) -> Path:
    return path.with_name(path.name + ".reason.txt")


def _free_name(qdir: Path, path: Path) -> Path:
    dest = qdir / path.name
    n = 2
    while dest.exists():
        dest = qdir / f"{path.stem} ({n}){path.suffix}"
        n += 1
    return dest


# The lines of a reason file: "reason:  …", in the language it was written in
REASON_LABELS = {
    "file": N_("file:    "), "checked": N_("checked: "), "reason": N_("reason:  "),
    "proposed": N_("proposed: "), "to do": N_("to do:   "), "then": N_("then:    "),
}


def _label_of(line: str) -> tuple[str | None, str]:
    """Which line of a reason file ``line`` is, and its value, whichever of docgen's languages
    wrote the file (the language may have changed since)."""
    from docgen import i18n

    for key, label in REASON_LABELS.items():
        for lang in i18n.LANGUAGES:
            written = i18n.catalog(lang).gettext(label).strip()
            if line.startswith(written):
                return key, line[len(written):].strip()
    return None, ""


def _write_reason(dest: Path, refused: Refused, original: Path, note: str = "") -> None:
    try:
        st = original.lstat()
        size = _(", a symbolic link") if stat.S_ISLNK(st.st_mode) else _(", {size} bytes").format(
            size=f"{st.st_size:,}")
    except OSError:
        size = ""
    stamp = f"{clock.now():%Y-%m-%d %H:%M:%S}"  # the company's time
    # the command to type, with this file's place in the archive
    todo = refused.todo.replace("docgen ingest FILE", f"docgen ingest {shlex.quote(f'quarantine/{dest.name}')}")
    label = {key: _(REASON_LABELS[key]) for key in REASON_LABELS}
    text = (
        _("docgen could not file this scan.") + "\n\n"
        + label["file"] + _("{name} ({note}{size})").format(
            name=printable(original.name), note=printable(note) or _("as received"), size=size) + "\n"
        + label["checked"] + f"{stamp}\n"
        + label["reason"] + f"{printable(refused.reason)}\n"
        + (label["proposed"] + f"{printable(refused.proposed)}\n" if refused.proposed else "")
        + label["to do"] + f"{printable(todo)}\n"
        + label["then"] + f"docgen quarantine retry {printable(dest.name)}\n"
    )
    _write_durably(_reason_path(dest), text.encode("utf-8"))


@dataclass(frozen=True)
class Quarantined:
    path: Path
    reason: str
    todo: str
    checked: str
    proposed: str = ""


def quarantined(archive: Archive) -> list[Quarantined]:
    """The files in quarantine with their reasons, oldest first."""
    qdir = archive.quarantine
    if not qdir.is_dir():
        return []
    out = []
    for p in sorted(qdir.iterdir(), key=lambda p: (p.lstat().st_mtime, p.name)):
        kind = p.lstat().st_mode
        if not (stat.S_ISREG(kind) or stat.S_ISLNK(kind)) or p.name.endswith(".reason.txt") or p.name.startswith("."):
            continue
        fields = {"reason": _("no reason file"), "to do": "docgen quarantine retry", "checked": "", "proposed": ""}
        try:
            for line in _reason_path(p).read_text(encoding="utf-8").splitlines():
                key, value = _label_of(line)
                if key in fields:
                    fields[key] = value
        except OSError:
            pass
        out.append(Quarantined(p, fields["reason"], fields["to do"], fields["checked"], fields["proposed"]))
    return out


def find_quarantined(archive: Archive, name: str) -> Path:
    """A quarantined file by its name (or its path in the quarantine folder)."""
    candidate = archive.quarantine / Path(name).name
    if (candidate.is_symlink() or candidate.is_file()) and not candidate.name.endswith(".reason.txt"):
        return candidate
    raise NotFound(_("{name} is not in {folder}; see `docgen quarantine list`").format(
        name=printable(name), folder=archive.quarantine))


def candidates(archive: Archive, paths: list[Path]) -> list[Path]:
    """Files named, and the files in folders named, without hidden or temporary ones.

    Inside the archive only the inbox and the quarantine hold files to take in: the
    rest (readable copies under documents/, say) is the archive's own.
    """
    from docgen.archive.watch import ignored

    root = archive.root.resolve()
    for p in paths:
        full = p.parent.resolve() / p.name if p.is_symlink() else p.resolve()  # a link is not followed
        if full.is_relative_to(root) and not any(
            full.is_relative_to(d.resolve()) for d in (archive.inbox, archive.quarantine)
        ):
            raise InputError(
                _("{path} is part of the archive itself; take in scans from the inbox, "
                  "the quarantine or a folder outside the archive").format(path=p)
            )
    out: list[Path] = []
    for p in paths:
        if p.is_symlink():  # taken in to be refused (and quarantined), never followed
            out.append(p)
        elif p.is_dir():
            out.extend(sorted(
                f for f in p.rglob("*") if (f.is_symlink() or f.is_file()) and not ignored(f, p)
            ))
        elif p.is_file():
            out.append(p)
        elif not p.exists():
            raise NotFound(_("{path} does not exist").format(path=printable(str(p))))
        else:
            raise InputError(_("{path} is not a file or a folder").format(path=printable(str(p))))
    return out


def join(paths: list[Path]) -> bytes:
    """Several files (photos of each page, say) as the pages of one scan."""
    files = []
    for p in paths:
        if p.is_symlink():
            raise InputError(_("{path}: {reason}; {todo}").format(
                path=printable(str(p)), reason=_(LINK_REFUSED[0]), todo=_(LINK_REFUSED[1])))
        data = p.read_bytes()
        fmt = scans.sniff(data[:16])
        if fmt is None:
            raise InputError(_("{path}: not a PDF, JPEG, PNG or TIFF file").format(path=printable(str(p))))
        files.append((data, fmt))
    try:
        return scans.join(files)
    except scans.Unreadable as exc:
        raise InputError(_("cannot join the files: {error}").format(error=exc)) from None


__all__ = ["DocgenError", "Intake", "Outcome", "candidates", "find_quarantined", "join", "printable", "quarantined"]
