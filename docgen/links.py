"""Customer links: a link staff give a customer to the copies of their own project's documents.

A link is a random secret in a URL (``/c/SECRET``), made from one document's page by staff
whose role may ``link``; it opens the copies of that document's project that the customer's
department (``[departments.customer]``) may take, and nothing else. It expires after a
stated number of days, can be revoked at once, and may ask for a 4-digit code that staff give
the customer separately (by phone, say): five wrong codes close it. The catalog keeps only
the SHA-256 of the secret and of the code; every opening, download and wrong code is a row of
the chained ledger with the link's id and the customer's address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from docgen import clock
from docgen.errors import DocgenError, InputError, NotFound
from docgen.i18n import _

if TYPE_CHECKING:
    from docgen.archive.core import Archive

MAX_CODE_FAILURES = 5
MAX_DAYS = 90


class LinkClosed(DocgenError):
    """The link is revoked, expired, or closed after wrong codes: the page says which."""


class CodeNeeded(DocgenError):
    """The link asks for its code (or the code given was wrong)."""


@dataclass(frozen=True)
class Link:
    id: str
    project: str
    number: str
    created_by: str
    created: str
    expires: str
    has_code: bool
    failures: int
    revoked: str | None

    def state(self) -> str:
        """open, expired, revoked or locked (after too many wrong codes)."""
        if self.revoked:
            return "revoked"
        if self.failures >= MAX_CODE_FAILURES:
            return "locked"
        if clock.now() >= clock.instant(self.expires):
            return "expired"
        return "open"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "state": self.state()}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _link(row: Any) -> Link:
    return Link(row["id"], row["project"], row["number"], row["created_by"], clock.fmt_instant(row["created"]),
                clock.fmt_instant(row["expires"]), row["code_hash"] is not None, int(row["failures"]),
                clock.fmt_instant(row["revoked"]) if row["revoked"] else None)


class Links:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.db = archive.catalog.db

    def create(self, number: str, project: str, *, by: str, days: int, code: bool) -> tuple[str, str | None, Link]:
        """A new link: (the secret for the URL and the code, each given once, and the link)."""
        if not 1 <= days <= MAX_DAYS:
            raise InputError(_("a customer link lasts 1 to {max} days").format(max=MAX_DAYS))
        secret = secrets.token_urlsafe(24)
        link_id = "L" + secrets.token_hex(4).upper()
        pin = f"{secrets.randbelow(10000):04d}" if code else None
        created = clock.now()
        cat = self.archive.catalog
        with cat.write():
            self.db.execute(
                "INSERT INTO links(id, sha256, project, number, created_by, created, expires, code_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (link_id, _sha(secret), project, number, by, created.isoformat(timespec="seconds"),
                 (created + timedelta(days=days)).isoformat(timespec="seconds"),
                 _sha(f"{link_id}:{pin}") if pin else None))
            cat.record("link:create", "customer", by, number=number,
                       note=f"{link_id}, {days} days" + (", with a code" if pin else ""))
        return secret, pin, self.get(link_id)

    def get(self, link_id: str) -> Link:
        row = self.db.execute("SELECT * FROM links WHERE id = ?", (link_id,)).fetchone()
        if row is None:
            raise NotFound(_("no customer link {id}").format(id=repr(link_id[:20])))
        return _link(row)

    def for_document(self, number: str) -> list[Link]:
        return [_link(r) for r in self.db.execute("SELECT * FROM links WHERE number = ? ORDER BY created", (number,))]

    def revoke(self, link_id: str, *, by: str) -> Link:
        link = self.get(link_id)
        cat = self.archive.catalog
        with cat.write():
            self.db.execute("UPDATE links SET revoked = ? WHERE id = ? AND revoked IS NULL", (clock.stamp(), link.id))
            cat.record("link:revoke", "customer", by, number=link.number, note=link.id)
        return self.get(link.id)

    def opened(self, secret: str, code: str | None, address: str | None) -> Link:
        """The link of ``secret`` if it is open and, when it has a code, ``code`` is right;
        LinkClosed or CodeNeeded otherwise. A wrong code counts towards closing it."""
        if not secret or len(secret) > 100:
            raise LinkClosed(_("this link does not exist; ask the company for a new one"))
        row = self.db.execute("SELECT * FROM links WHERE sha256 = ?", (_sha(secret),)).fetchone()
        if row is None:
            raise LinkClosed(_("this link does not exist; ask the company for a new one"))
        link = _link(row)
        state = link.state()
        if state != "open":
            raise LinkClosed({
                "revoked": _("this link was revoked; to see the files, call the company"),
                "expired": _("this link expired on {day}; ask the company for a new one").format(day=link.expires[:10]),
                "locked": _("the code was wrong too many times and this link is closed; call the company"),
            }[state])
        if row["code_hash"] is not None:
            if not code:
                raise CodeNeeded(_("enter the 4-digit code the company gave you separately"))
            if not hmac.compare_digest(_sha(f"{link.id}:{code.strip()}"), row["code_hash"]):
                cat = self.archive.catalog
                with cat.write():
                    self.db.execute("UPDATE links SET failures = failures + 1 WHERE id = ?", (link.id,))
                    cat.record("link:failed", "customer", _who(link, address), number=link.number,
                               note="wrong code")
                left = MAX_CODE_FAILURES - link.failures - 1
                if left <= 0:
                    raise LinkClosed(_("the code was wrong too many times and this link is closed; call the company"))
                raise CodeNeeded(_("the code is not right; {n} more tries").format(n=left))
        return link

    def record(self, link: Link, action: str, address: str | None, number: str | None = None) -> None:
        cat = self.archive.catalog
        with cat.write():
            cat.record(action, "customer", _who(link, address), number=number or link.number, note=link.id)


def _who(link: Link, address: str | None) -> str:
    """A link's visitor as the ledger names it: the link, and where from."""
    return f"link:{link.id}@{address}" if address else f"link:{link.id}"
