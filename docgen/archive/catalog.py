"""The catalog: SQLite in WAL mode, the truth of what the archive holds.

Schema changes are ordered migrations recorded by name; an applied migration is
never edited. Writers take the database lock with ``BEGIN IMMEDIATE``, so
numbers handed out by several processes at once stay unique; they hold it only
for short transactions (never while LibreOffice converts), and commands that only
read never take it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docgen.clock import stamp
from docgen.errors import StateError
from docgen.i18n import gettext

MIGRATIONS: list[tuple[str, Callable[[sqlite3.Connection], None]]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one (executescript would commit the open transaction)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


@migration
def m001_core(db: sqlite3.Connection) -> None:
    _script(
        db,
        """
        CREATE TABLE projects (
            code TEXT PRIMARY KEY,
            customer TEXT NOT NULL,
            site_address TEXT NOT NULL,
            data TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE TABLE counters (
            kind TEXT NOT NULL,
            year INTEGER NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (kind, year)
        );
        CREATE TABLE documents (
            number TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            project TEXT NOT NULL REFERENCES projects(code),
            status TEXT NOT NULL,
            title TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE INDEX documents_kind ON documents(kind);
        CREATE INDEX documents_project ON documents(project);
        CREATE TABLE versions (
            number TEXT NOT NULL REFERENCES documents(number),
            version INTEGER NOT NULL,
            status TEXT NOT NULL,
            author TEXT NOT NULL,
            created TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            template TEXT NOT NULL,
            pages INTEGER NOT NULL DEFAULT 0,
            summary TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (number, version)
        );
        CREATE TABLE files (
            number TEXT NOT NULL,
            version INTEGER NOT NULL,
            role TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            PRIMARY KEY (number, version, role),
            FOREIGN KEY (number, version) REFERENCES versions(number, version)
        );
        CREATE INDEX files_sha ON files(sha256);
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            number TEXT NOT NULL,
            version INTEGER,
            action TEXT NOT NULL,
            from_status TEXT,
            to_status TEXT,
            actor TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL
        );
        CREATE INDEX events_number ON events(number);
        """
    )


_QUEUE = (
    "INSERT INTO index_queue(number, seq) VALUES (NEW.number, 1) "
    "ON CONFLICT(number) DO UPDATE SET seq = seq + 1;"
)


@migration
def m002_index_queue(db: sqlite3.Connection) -> None:
    """Every change to a document queues it for the search index, in the same transaction."""
    db.execute("CREATE TABLE index_queue (number TEXT PRIMARY KEY, seq INTEGER NOT NULL)")
    db.execute("INSERT INTO index_queue(number, seq) SELECT number, 1 FROM documents")
    for table in ("documents", "versions"):
        for event in ("INSERT", "UPDATE"):
            db.execute(
                f"CREATE TRIGGER queue_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {_QUEUE} END"
            )


@migration
def m003_queue_project_changes(db: sqlite3.Connection) -> None:
    """A changed customer name or address re-indexes every document of the project."""
    db.execute(
        "CREATE TRIGGER queue_projects_update AFTER UPDATE ON projects BEGIN "
        "INSERT INTO index_queue(number, seq) SELECT number, 1 FROM documents WHERE project = NEW.code "
        "ON CONFLICT(number) DO UPDATE SET seq = seq + 1; END"
    )


@migration
def m004_ledger(db: sqlite3.Connection) -> None:
    """Copies handed to departments: deliveries, pulls, refusals, supersede notices; and
    the masked renderings kept so that a copy is converted once."""
    _script(
        db,
        """
        CREATE TABLE ledger (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            action TEXT NOT NULL,
            number TEXT,
            version INTEGER,
            department TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            sha256 TEXT NOT NULL DEFAULT '',
            path TEXT NOT NULL DEFAULT '',
            actor TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            superseded_by INTEGER
        );
        CREATE INDEX ledger_number ON ledger(number);
        CREATE INDEX ledger_department ON ledger(department);
        CREATE TABLE renderings (
            number TEXT NOT NULL,
            version INTEGER NOT NULL,
            variant TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            PRIMARY KEY (number, version, variant)
        )
        """,
    )


@migration
def m005_distribution_queue(db: sqlite3.Connection) -> None:
    """Every change to a document queues it for distribution, in the same transaction."""
    db.execute("CREATE TABLE distribution_queue (number TEXT PRIMARY KEY, seq INTEGER NOT NULL)")
    queue = (
        "INSERT INTO distribution_queue(number, seq) VALUES (NEW.number, 1) "
        "ON CONFLICT(number) DO UPDATE SET seq = seq + 1;"
    )
    for table in ("documents", "versions"):
        for event in ("INSERT", "UPDATE"):
            db.execute(
                f"CREATE TRIGGER distribute_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {queue} END"
            )


@migration
def m006_reservations(db: sqlite3.Connection) -> None:
    """Numbers handed out before their document is rendered: a document is converted outside
    the write lock, so a number is reserved (pending), then used by the commit, or recorded
    as unused with the reason when the render fails or the command dies."""
    db.execute(
        "CREATE TABLE reservations (number TEXT PRIMARY KEY, kind TEXT NOT NULL, year INTEGER NOT NULL, "
        "seq INTEGER NOT NULL, pid INTEGER NOT NULL, created TEXT NOT NULL, "
        "state TEXT NOT NULL CHECK (state IN ('pending', 'used', 'unused')), reason TEXT NOT NULL DEFAULT '')"
    )
# The chain: every event and ledger row holds its place (seq), the hash of the row before
# it (prev) and its own hash over prev and its content, the checksums of the files it is
# about included. A row changed, removed or inserted afterwards, or a blob swapped with its
# files row and its readable copy, no longer fits; `docgen verify` says where.
GENESIS = "0" * 64
EVENT_FIELDS = ("number", "version", "action", "from_status", "to_status", "actor", "note", "created")
LEDGER_FIELDS = ("action", "number", "version", "department", "label", "sha256", "path", "actor", "note",
                 "created")


def chain_hash(table: str, seq: int, prev: str, content: dict[str, Any]) -> str:
    """SHA-256 of one row of the chain: canonical JSON of its place, predecessor and content."""
    text = json.dumps([table, seq, prev, content], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _covered_files(db: sqlite3.Connection, number: str | None, version: int | None) -> dict[str, Any]:
    """{"version": N, "files": {role: sha256}}: the files an event is about, its version's or
    else the document's newest version's (a revision is logged without a version number)."""
    if not number:
        return {}
    if version is None:
        row = db.execute("SELECT max(version) FROM versions WHERE number = ?", (number,)).fetchone()
        version = row[0] if row else None
        if version is None:
            return {}
    files = {
        r[0]: r[1]
        for r in db.execute("SELECT role, sha256 FROM files WHERE number = ? AND version = ?", (number, version))
    }
    return {"version": version, "files": files} if files else {}


def _chain_tip(db: sqlite3.Connection) -> tuple[int, str]:
    """(seq, hash) of the newest row of the chain: two index lookups, however long it is."""
    events, ledger = db.execute("SELECT (SELECT max(seq) FROM events), (SELECT max(seq) FROM ledger)").fetchone()
    if events is None and ledger is None:
        return 0, GENESIS
    table, seq = ("events", events) if (events or 0) > (ledger or 0) else ("ledger", ledger)
    return int(seq), str(db.execute(f"SELECT hash FROM {table} WHERE seq = ?", (seq,)).fetchone()[0])


@migration
def m007_chain(db: sqlite3.Connection) -> None:
    """Events and ledger form one hash chain; the rows written so far are chained in time order."""
    for table in ("events", "ledger"):
        for column in ("seq INTEGER", "prev TEXT", "hash TEXT"):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
        db.execute(f"CREATE UNIQUE INDEX {table}_seq ON {table}(seq)")
    db.execute("ALTER TABLE events ADD COLUMN files TEXT")
    rows: list[tuple[str, int, str, dict[str, Any]]] = []
    for r in db.execute(f"SELECT id, {', '.join(EVENT_FIELDS)} FROM events"):
        content = {k: r[k] for k in EVENT_FIELDS}
        content["files"] = _covered_files(db, r["number"], r["version"])
        rows.append((r["created"], 0, r["id"], content))  # type: ignore[arg-type]
    for r in db.execute(f"SELECT id, {', '.join(LEDGER_FIELDS)} FROM ledger"):
        rows.append((r["created"], 1, r["id"], {k: r[k] for k in LEDGER_FIELDS}))  # type: ignore[arg-type]
    prev = GENESIS
    for seq, (_created, which, rowid, content) in enumerate(sorted(rows, key=lambda t: t[:3]), 1):
        table = ("events", "ledger")[which]
        digest = chain_hash(table, seq, prev, content)
        extra = ", files = ?" if table == "events" else ""
        args = [seq, prev, digest] + ([json.dumps(content["files"], sort_keys=True)] if extra else [])
        db.execute(f"UPDATE {table} SET seq = ?, prev = ?, hash = ?{extra} WHERE id = ?", (*args, rowid))
        prev = digest



@migration
def m008_accounts(db: sqlite3.Connection) -> None:
    """Accounts, their API tokens and login sessions (secrets stored only as SHA-256), and failed
    logins for the lockout. What accounts do is recorded in the chained ledger."""
    _script(
        db,
        """
        CREATE TABLE accounts (
            name TEXT PRIMARY KEY,
            display TEXT NOT NULL,
            role TEXT NOT NULL,
            department TEXT,
            os_user TEXT UNIQUE,
            password_hash TEXT,
            disabled INTEGER NOT NULL DEFAULT 0,
            created TEXT NOT NULL,
            last_login TEXT
        );
        CREATE TABLE tokens (
            id TEXT PRIMARY KEY,
            account TEXT NOT NULL REFERENCES accounts(name),
            sha256 TEXT NOT NULL UNIQUE,
            note TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            last_used TEXT,
            revoked TEXT
        );
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            account TEXT NOT NULL REFERENCES accounts(name),
            csrf TEXT NOT NULL,
            created TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            address TEXT,
            ended TEXT
        );
        CREATE INDEX sessions_account ON sessions(account);
        CREATE TABLE login_failures (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            created TEXT NOT NULL,
            address TEXT
        );
        CREATE INDEX login_failures_name ON login_failures(name, created)
        """,
    )

@migration
def m009_links(db: sqlite3.Connection) -> None:
    """The login before the last (finance's "since the last visit"), and the links staff give a
    customer to the copies of their own documents (secrets and codes stored only as hashes)."""
    _script(
        db,
        """
        ALTER TABLE accounts ADD COLUMN previous_login TEXT;
        CREATE TABLE links (
            id TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            project TEXT NOT NULL,
            number TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created TEXT NOT NULL,
            expires TEXT NOT NULL,
            code_hash TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            revoked TEXT
        );
        CREATE INDEX links_number ON links(number)
        """,
    )


@migration
def m010_refs(db: sqlite3.Connection) -> None:
    """Which document each version's summary names, and under which key (a change order's
    ``contract``, a contract's ``quote`` …): what refers to a document is found by an index, not by
    reading every summary. Kept by ``add_version``; filled here from the versions there are."""
    _script(
        db,
        """
        CREATE TABLE refs (
            number TEXT NOT NULL,
            version INTEGER NOT NULL,
            key TEXT NOT NULL,
            target TEXT NOT NULL,
            PRIMARY KEY (number, version, key)
        );
        CREATE INDEX refs_target ON refs(target);
        """ + _REFS_OF_VERSIONS,
    )


# a summary's top-level texts that are another document's number, as (key, target)
_REFS_OF_VERSIONS = """
        INSERT INTO refs SELECT v.number, v.version, j.key, j.value FROM versions v, json_each(v.summary) j
        WHERE j.type = 'text' AND j.value != v.number AND j.value IN (SELECT number FROM documents)
"""


def _row_name(table: str, r: sqlite3.Row) -> str:
    if table == "events":
        what = f"{r['number']}" + (f" v{r['version']}" if r["version"] is not None else "")
        return f"event #{r['id']} ({what} {r['action']})"
    return f"ledger #{r['id']} ({r['action']} {r['number'] or ''} {r['department']})".replace("  ", " ")


def now() -> str:
    """The present instant as rows store it: ISO 8601 in the company's zone, with its offset."""
    return stamp()


@dataclass(frozen=True)
class FileRow:
    role: str
    sha256: str
    size: int


@dataclass(frozen=True)
class VersionRow:
    number: str
    version: int
    status: str
    author: str
    created: str
    note: str
    template: str
    pages: int
    summary: dict[str, Any]
    files: tuple[FileRow, ...]

    def file(self, role: str) -> FileRow | None:
        return next((f for f in self.files if f.role == role), None)


@dataclass(frozen=True)
class DocumentRow:
    number: str
    kind: str
    project: str
    status: str
    title: str
    created: str
    updated: str


_DOCUMENT_COLUMNS = "number, kind, project, status, title, created, updated"  # DocumentRow's fields, in order


@dataclass(frozen=True)
class EventRow:
    number: str
    version: int | None
    action: str
    from_status: str | None
    to_status: str | None
    actor: str
    note: str
    created: str


def is_scan(version: VersionRow) -> bool:
    """True for a signed scan filed as a version (it names the generated version it signs)."""
    return "signs" in version.summary


@dataclass(frozen=True)
class EffectivePolicy:
    """Which version of a document stands (a kind's definition gives it).

    ``needs_approval``: without a signed scan, only a version approved by legal review
    stands (else none). ``follows_newest``: the document goes on after it is signed (a
    notice re-issued after a failed re-inspection): its newest generated version stands, or
    the signed scan of that version where one was filed; otherwise a signed document stands
    as signed, its newest signed scan.
    """

    needs_approval: bool = False
    follows_newest: bool = False


@dataclass(frozen=True)
class KindTable:
    """What the archive needs to know of the document kinds, as data (the kinds' registry
    gives it; the archive names no kind): the names a person may write for each kind, the
    statuses documents can have, and each kind's effective-version policy."""

    names: dict[str, str]  # every accepted name (the key, Chinese names) -> the stored key
    statuses: tuple[str, ...]
    policies: dict[str, EffectivePolicy]

    def kind(self, text: str) -> str | None:
        import unicodedata

        name = unicodedata.normalize("NFKC", text).strip()
        return self.names.get(name) or self.names.get(name.lower())

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.names.values()))

    def policy(self, kind: str) -> EffectivePolicy:
        return self.policies.get(kind, EffectivePolicy())


def effective_version(versions: list[VersionRow], policy: EffectivePolicy) -> VersionRow | None:
    """What a department pulls, by the kind's ``policy``: a signed document's newest signed
    scan; without one, the newest version (approved, where the policy needs approval)."""
    scans = [v for v in versions if is_scan(v)]
    generated = [v for v in versions if not is_scan(v)]
    if scans and not policy.follows_newest:
        return scans[-1]
    if policy.needs_approval:
        approved = [v for v in generated if v.status == "approved"]
        return approved[-1] if approved else None
    if not generated:
        return None
    newest = generated[-1]
    signed = [s for s in scans if s.summary["signs"] == newest.version]
    return signed[-1] if signed else newest


def project_changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[tuple[str, Any, Any]]:
    """The fields in which two projects differ: (customer.phone, old value, new value)."""
    out = []
    for key in sorted(set(old) | set(new), key=lambda k: (list(new).index(k) if k in new else len(new), k)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(project_changes(a, b, f"{prefix}{key}."))
        elif a != b:
            out.append((f"{prefix}{key}", a, b))
    return out


def _fields(changes: list[tuple[str, Any, Any]], side: int, most: int = 3) -> str:
    none = gettext("(none)")
    shown = gettext(", ").join(f"{c[0]} {c[side] if c[side] not in (None, '') else none}" for c in changes[:most])
    more = gettext(" and {n} more").format(n=len(changes) - most)
    return shown + (more if len(changes) > most else "")


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=120, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA busy_timeout = 120000")
        self._wal()
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def close(self) -> None:
        self.db.close()

    def _wal(self) -> None:
        """Put the catalog in WAL mode. Several processes opening a new archive at once race
        to convert it, and SQLite answers "database is locked" at once, without waiting, to
        the one that would deadlock: it tries again (WAL is kept once set)."""
        import random
        import time

        deadline = time.monotonic() + 120
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02 + random.random() * 0.05)

    def _pending_migrations(self) -> bool:
        try:
            done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
        except sqlite3.OperationalError:  # a new catalog: no migrations table yet
            return True
        return any(name not in done for name, _ in MIGRATIONS)

    def _migrate(self) -> None:
        # Checked without the write lock, so that reading commands never queue behind a writer;
        # the lock is taken (and the check repeated under it) only when a migration is pending.
        if not self._pending_migrations():
            return
        with self.write():
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)"
            )
            done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
            for name, fn in MIGRATIONS:
                if name not in done:
                    fn(self.db)
                    self.db.execute("INSERT INTO migrations VALUES (?, ?)", (name, now()))

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database lock until it commits or rolls back."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # numbers and projects -------------------------------------------------

    def next_seq(self, kind: str, year: int) -> int:
        """The next sequence number of kind and year; call inside ``write()``."""
        row = self.db.execute(
            "SELECT last FROM counters WHERE kind = ? AND year = ?", (kind, year)
        ).fetchone()
        seq = (row[0] if row else 0) + 1
        self.db.execute(
            "INSERT INTO counters(kind, year, last) VALUES (?, ?, ?) "
            "ON CONFLICT(kind, year) DO UPDATE SET last = excluded.last",
            (kind, year, seq),
        )
        return seq

    def reserve(self, number: str, kind: str, year: int, seq: int, pid: int) -> None:
        """Inside ``write()``: hold a new number for a document not rendered yet."""
        self.db.execute(
            "INSERT INTO reservations(number, kind, year, seq, pid, created, state) "
            "VALUES (?, ?, ?, ?, ?, ?, 'pending')",
            (number, kind, year, seq, pid, now()),
        )

    def reservation_state(self, number: str) -> str | None:
        row = self.db.execute("SELECT state FROM reservations WHERE number = ?", (number,)).fetchone()
        return str(row[0]) if row else None

    def settle_reservation(self, number: str, state: str, reason: str = "") -> None:
        """Inside ``write()``: a pending number becomes used (by its document) or unused (why)."""
        self.db.execute(
            "UPDATE reservations SET state = ?, reason = ? WHERE number = ? AND state = 'pending'",
            (state, reason, number),
        )

    def pending_reservations(self) -> list[tuple[str, int]]:
        """(number, pid) of every number reserved and neither used nor given up yet."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT number, pid FROM reservations WHERE state = 'pending' ORDER BY number")]

    def reservations(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM reservations ORDER BY kind, year, seq").fetchall()

    def counters(self) -> list[tuple[str, int, int]]:
        return [(r[0], r[1], r[2]) for r in self.db.execute("SELECT kind, year, last FROM counters ORDER BY 1, 2")]

    def project(self, code: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT data FROM projects WHERE code = ?", (code,)).fetchone()
        return json.loads(row[0]) if row else None

    def find_project(self, customer: str, site_address: str) -> str | None:
        row = self.db.execute(
            "SELECT code FROM projects WHERE customer = ? AND site_address = ? ORDER BY created",
            (customer, site_address),
        ).fetchone()
        return row[0] if row else None

    def save_project(self, code: str, data: dict[str, Any], *, actor: str = "", update: bool = False) -> None:
        """Add a project, or change it only when ``update`` (an event records who changed what):
        its data is shown on every document of the project."""
        stored = self.project(code)
        if stored is not None and stored != data:
            changes = project_changes(stored, data)
            if not update:
                raise StateError(
                    gettext("project {code} is in the archive with {stored}; this data says {given}: "
                            "to change the project, run again with --update-project").format(
                        code=code, stored=_fields(changes, 1), given=_fields(changes, 2))
                )
            self.log(code, None, "project", None, None, actor,
                     "; ".join(f"{path}: {old} → {new}" for path, old, new in changes))
        stamp = now()
        self.db.execute(
            "INSERT INTO projects(code, customer, site_address, data, created, updated) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(code) DO UPDATE SET customer = excluded.customer, "
            "site_address = excluded.site_address, data = excluded.data, updated = excluded.updated "
            "WHERE projects.data != excluded.data",
            (
                code,
                data["customer"]["name"],
                data["site"]["address"],
                json.dumps(data, ensure_ascii=False, sort_keys=True),
                stamp,
                stamp,
            ),
        )

    # documents and versions ----------------------------------------------

    def add_document(self, number: str, kind: str, project: str, status: str, title: str) -> None:
        stamp = now()
        self.db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            (number, kind, project, status, title, stamp, stamp),
        )

    def add_version(
        self,
        number: str,
        version: int,
        *,
        status: str,
        author: str,
        note: str,
        template: str,
        pages: int,
        summary: dict[str, Any],
        files: dict[str, tuple[str, int]],
    ) -> None:
        self.db.execute(
            "INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                version,
                status,
                author,
                now(),
                note,
                template,
                pages,
                json.dumps(summary, ensure_ascii=False, sort_keys=True),
            ),
        )
        self.db.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?)",
            [(number, version, role, sha, size) for role, (sha, size) in files.items()],
        )
        self.db.execute(
            "INSERT INTO refs SELECT ?, ?, j.key, j.value FROM json_each(?) j WHERE j.type = 'text' "
            "AND j.value != ? AND j.value IN (SELECT number FROM documents)",
            (number, version, json.dumps(summary, ensure_ascii=False), number),
        )

    def set_status(
        self,
        number: str,
        status: str,
        *,
        version: int | None,
        version_status: str | None,
        action: str,
        actor: str,
        note: str,
    ) -> None:
        doc = self.document(number)
        assert doc is not None
        self.db.execute(
            "UPDATE documents SET status = ?, updated = ? WHERE number = ?", (status, now(), number)
        )
        if version is not None and version_status is not None:
            self.db.execute(
                "UPDATE versions SET status = ? WHERE number = ? AND version = ?",
                (version_status, number, version),
            )
        self.log(number, version, action, doc.status, status, actor, note)

    def log(
        self,
        number: str,
        version: int | None,
        action: str,
        from_status: str | None,
        to_status: str | None,
        actor: str,
        note: str,
    ) -> None:
        """One event, chained to the row before it (it covers its version's files)."""
        content: dict[str, Any] = {
            "number": number, "version": version, "action": action, "from_status": from_status,
            "to_status": to_status, "actor": actor, "note": note, "created": now(),
        }
        with self._chained():
            content["files"] = _covered_files(self.db, number, version)
            seq, prev = _chain_tip(self.db)
            digest = chain_hash("events", seq + 1, prev, content)
            self.db.execute(
                "INSERT INTO events(number, version, action, from_status, to_status, actor, note, created, "
                "files, seq, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*(content[k] for k in EVENT_FIELDS), json.dumps(content["files"], sort_keys=True),
                 seq + 1, prev, digest),
            )

    @contextmanager
    def _chained(self) -> Iterator[None]:
        """The writer's transaction (BEGIN IMMEDIATE serialises writers, so two rows never
        take the same place in the chain), or one of its own."""
        if self.db.in_transaction:
            yield
        else:
            with self.write():
                yield

    def document(self, number: str) -> DocumentRow | None:
        row = self.db.execute("SELECT * FROM documents WHERE number = ?", (number,)).fetchone()
        return DocumentRow(**dict(row)) if row else None

    def documents(self, kind: str | None = None, *, statuses: Iterable[str] | None = None) -> list[DocumentRow]:
        sql, where, args = f"SELECT {_DOCUMENT_COLUMNS} FROM documents", [], []
        if kind:
            where, args = [*where, "kind = ?"], [*args, kind]
        if statuses is not None:
            where, args = [*where, "status IN (SELECT value FROM json_each(?))"], [*args, json.dumps(sorted(statuses))]
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.db.execute(sql + " ORDER BY created, number", args).fetchall()
        return [DocumentRow(*r) for r in rows]

    def status_counts(self) -> list[tuple[str, str, int]]:
        """How many documents there are of each kind and status, in one query."""
        return [tuple(r) for r in self.db.execute(  # type: ignore[misc]
            "SELECT kind, status, COUNT(*) FROM documents GROUP BY kind, status ORDER BY kind, status")]

    def find_by_input(self, kind: str, input_sha: str) -> tuple[str, int] | None:
        """A live document version made from exactly this input, if any."""
        row = self.db.execute(
            "SELECT v.number, v.version FROM versions v JOIN documents d ON d.number = v.number "
            "WHERE d.kind = ? AND d.status != 'void' AND json_extract(v.summary, '$.input_sha') = ? "
            "ORDER BY v.number, v.version DESC LIMIT 1",
            (kind, input_sha),
        ).fetchone()
        return (row[0], row[1]) if row else None

    def files_with(self, sha256: str) -> list[tuple[str, int, str]]:
        """Every (number, version, role) whose file has this checksum."""
        return [
            (r[0], r[1], r[2])
            for r in self.db.execute(
                "SELECT number, version, role FROM files WHERE sha256 = ? ORDER BY number, version", (sha256,)
            )
        ]

    def newest(
        self, kind: str | None = None, *, mentioning: str | None = None, status: str | None = None,
        numbers: Iterable[str] | None = None, project: str | None = None, only: Iterable[str] | None = None,
    ) -> list[tuple[DocumentRow, dict[str, Any]]]:
        """Every document (of ``kind``, ``status``, among ``numbers``, of ``project``) with its
        newest version's summary, in one query, in the order of ``documents``. ``mentioning``:
        only those whose summary holds that string as a JSON value somewhere (a document number:
        what may refer to it; the caller checks where). ``only``: of each summary just these
        top-level keys (those it has), read by SQLite rather than the whole summary by Python."""
        where, args = "", []
        if kind:
            where, args = where + " AND d.kind = ?", [*args, kind]
        if status:
            where, args = where + " AND d.status = ?", [*args, status]
        if numbers is not None:
            where, args = where + " AND d.number IN (SELECT value FROM json_each(?))", [*args, json.dumps(list(numbers))]
        if project is not None:
            where, args = where + " AND d.project = ?", [*args, project]
        if mentioning:
            quoted = json.dumps(mentioning, ensure_ascii=False)
            escaped = quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where, args = where + " AND v.summary LIKE ? ESCAPE '\\'", [*args, f"%{escaped}%"]
        return self._newest(where, args, only)

    def newest_naming(
        self, numbers: Iterable[str], keys: Iterable[str], kinds: Iterable[str],
    ) -> list[tuple[DocumentRow, dict[str, Any]]]:
        """Every document of ``kinds`` whose newest summary holds one of ``numbers`` as the value
        of one of its top-level ``keys`` (what may refer to them; the caller checks which keys
        count for which kind), with that summary, in the order of ``documents``: found through the
        ``refs`` index (migration m010); only the documents found are read."""
        keys_, numbers_ = json.dumps(sorted(set(keys))), json.dumps(sorted(set(numbers)))
        return self._newest(
            " AND d.kind IN (SELECT value FROM json_each(?))"
            " AND d.number IN (SELECT r.number FROM refs r WHERE r.target IN (SELECT value FROM json_each(?))"
            " AND r.key IN (SELECT value FROM json_each(?)))"  # found by the index, then checked on the newest version:
            " AND EXISTS (SELECT 1 FROM refs r WHERE r.number = d.number AND r.version = v.version"
            " AND r.key IN (SELECT value FROM json_each(?)) AND r.target IN (SELECT value FROM json_each(?)))",
            [json.dumps(sorted(set(kinds))), numbers_, keys_, keys_, numbers_])

    def _newest(self, where: str, args: list[Any],
                only: Iterable[str] | None = None) -> list[tuple[DocumentRow, dict[str, Any]]]:
        columns = ", ".join(f"d.{c}" for c in _DOCUMENT_COLUMNS.split(", "))
        summary = "v.summary"
        if only is not None:
            keys = sorted(set(only))
            if not keys or not all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys):
                raise ValueError(f"summary keys are lower-case names: {keys!r}")
            # each key's JSON as SQLite reads it (json_object keeps the types, but a true or false
            # comes back as 1 or 0: a boolean key is not one to pick this way), missing keys left out
            summary = "json_object(" + ", ".join(f"'{k}', json_extract(v.summary, '$.{k}')" for k in keys) + ")"
        sql = (
            f"SELECT {columns}, {summary} FROM documents d LEFT JOIN versions v ON v.number = d.number "
            "AND v.version = (SELECT MAX(version) FROM versions WHERE number = d.number) WHERE 1"
        )
        rows = self.db.execute(sql + where + " ORDER BY d.created, d.number", args).fetchall()
        if only is None:
            return [(DocumentRow(*r[:-1]), json.loads(r[-1] or "{}")) for r in rows]
        return [(DocumentRow(*r[:-1]), {k: v for k, v in json.loads(r[-1] or "{}").items() if v is not None})
                for r in rows]

    def customers(self, codes: Iterable[str] | None = None) -> dict[str, Any]:
        """Each project's customer name as its data holds it (of the projects ``codes``), in one query."""
        sql, args = "SELECT code, json_extract(data, '$.customer.name') FROM projects", ()
        if codes is not None:
            sql, args = sql + " WHERE code IN (SELECT value FROM json_each(?))", (json.dumps(sorted(set(codes))),)
        return dict(self.db.execute(sql, args).fetchall())

    def version_counts(self, numbers: Iterable[str] | None = None) -> dict[str, int]:
        """How many versions each document (of ``numbers``) has."""
        sql, args = "SELECT number, COUNT(*) FROM versions", ()
        if numbers is not None:
            sql, args = sql + " WHERE number IN (SELECT value FROM json_each(?))", (json.dumps(list(numbers)),)
        return dict(self.db.execute(sql + " GROUP BY number", args).fetchall())

    def versions(self, number: str) -> list[VersionRow]:
        rows = self.db.execute(
            "SELECT * FROM versions WHERE number = ? ORDER BY version", (number,)
        ).fetchall()
        files: dict[int, list[FileRow]] = {}
        for f in self.db.execute(
            "SELECT version, role, sha256, size FROM files WHERE number = ? ORDER BY role", (number,)
        ):
            files.setdefault(f["version"], []).append(FileRow(f["role"], f["sha256"], f["size"]))
        out = []
        for r in rows:
            d = dict(r)
            d["summary"] = json.loads(d["summary"])
            out.append(VersionRow(**d, files=tuple(files.get(r["version"], []))))
        return out

    def versions_at(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], tuple[DocumentRow, VersionRow, int]]:
        """Several versions at once (a search's hits), each with its document and the document's
        newest version number, in three queries however many there are; a key the catalog does
        not hold is left out."""
        wanted = json.dumps(sorted({(n, v) for n, v in keys}))
        pairs = "SELECT json_extract(value, '$[0]') AS number, json_extract(value, '$[1]') AS version FROM json_each(?)"
        rows = self.db.execute(
            f"SELECT v.*, (SELECT MAX(m.version) FROM versions m WHERE m.number = v.number) AS newest "
            f"FROM ({pairs}) w JOIN versions v ON v.number = w.number AND v.version = w.version", (wanted,)).fetchall()
        files: dict[tuple[str, int], list[FileRow]] = {}
        for f in self.db.execute(
                f"SELECT f.number, f.version, f.role, f.sha256, f.size FROM ({pairs}) w "
                f"JOIN files f ON f.number = w.number AND f.version = w.version ORDER BY f.role", (wanted,)):
            files.setdefault((f[0], f[1]), []).append(FileRow(f[2], f[3], f[4]))
        numbers = json.dumps(sorted({r["number"] for r in rows}))
        docs = {r[0]: DocumentRow(*r) for r in self.db.execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE number IN (SELECT value FROM json_each(?))", (numbers,))}
        out = {}
        for r in rows:
            d = dict(r)
            newest = d.pop("newest")
            d["summary"] = json.loads(d["summary"])
            key = (r["number"], r["version"])
            if r["number"] in docs:
                out[key] = (docs[r["number"]], VersionRow(**d, files=tuple(files.get(key, []))), newest)
        return out

    def projects(self, codes: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Several projects' data at once, by code (a code the catalog does not hold is left out)."""
        return {r[0]: json.loads(r[1]) for r in self.db.execute(
            "SELECT code, data FROM projects WHERE code IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(codes))),))}

    def events(self, number: str) -> list[EventRow]:
        rows = self.db.execute(
            "SELECT number, version, action, from_status, to_status, actor, note, created "
            "FROM events WHERE number = ? ORDER BY id",
            (number,),
        ).fetchall()
        return [EventRow(**dict(r)) for r in rows]

    def all_files(self) -> list[tuple[str, int, str, str, int]]:
        """Every blob the catalog names: version files, and renderings kept for copies."""
        return [
            tuple(r)
            for r in self.db.execute(
                "SELECT number, version, role, sha256, size FROM files UNION ALL "
                "SELECT number, version, 'copy:' || variant, sha256, size FROM renderings "
                "ORDER BY 1, 2, 3"
            )
        ]

    # copies for departments -----------------------------------------------

    def rendering(self, number: str, version: int, variant: str) -> str | None:
        row = self.db.execute(
            "SELECT sha256 FROM renderings WHERE number = ? AND version = ? AND variant = ?",
            (number, version, variant),
        ).fetchone()
        return row[0] if row else None

    def add_rendering(self, number: str, version: int, variant: str, sha: str, size: int) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO renderings VALUES (?, ?, ?, ?, ?)", (number, version, variant, sha, size)
        )

    def record(
        self, action: str, department: str, actor: str, *, number: str | None = None, version: int | None = None,
        label: str = "", sha256: str = "", path: str = "", note: str = "",
    ) -> int:
        """One row of the ledger, chained to the row before it (it covers its copy's sha256); its id."""
        content: dict[str, Any] = {
            "action": action, "number": number, "version": version, "department": department, "label": label,
            "sha256": sha256, "path": path, "actor": actor, "note": note, "created": now(),
        }
        with self._chained():
            seq, prev = _chain_tip(self.db)
            cur = self.db.execute(
                "INSERT INTO ledger(action, number, version, department, label, sha256, path, actor, note, created, "
                "seq, prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*(content[k] for k in LEDGER_FIELDS), seq + 1, prev,
                 chain_hash("ledger", seq + 1, prev, content)),
            )
            return int(cur.lastrowid or 0)

    def deliveries(self, number: str, department: str) -> list[sqlite3.Row]:
        """Copies of a document delivered to a department and not superseded yet."""
        return self.db.execute(
            "SELECT * FROM ledger WHERE action = 'delivered' AND number = ? AND department = ? "
            "AND superseded_by IS NULL ORDER BY id",
            (number, department),
        ).fetchall()

    def supersede(self, ledger_id: int, by: int) -> None:
        self.db.execute("UPDATE ledger SET superseded_by = ? WHERE id = ?", (by, ledger_id))

    def ledger(self, number: str | None = None, department: str | None = None) -> list[sqlite3.Row]:
        sql, args = "SELECT * FROM ledger WHERE 1 = 1", []
        if number:
            sql, args = sql + " AND number = ?", [*args, number]
        if department:
            sql, args = sql + " AND department = ?", [*args, department]
        return self.db.execute(sql + " ORDER BY id", args).fetchall()

    def events_since(self, action: str, day: str) -> list[EventRow]:
        """Events of ``action`` stored on or after the date ``day`` (YYYY-MM-DD, in whatever zone each
        was stored: the caller checks the exact instant)."""
        rows = self.db.execute(
            "SELECT number, version, action, from_status, to_status, actor, note, created FROM events "
            "WHERE action = ? AND created >= ? ORDER BY id", (action, day)).fetchall()
        return [EventRow(**dict(r)) for r in rows]

    def first_events(self, action: str, kind: str) -> list[tuple[str, str]]:
        """(number, created) of the first event ``action`` (by id) of every document of ``kind``
        that is not void, in one query (the documents never given that event are not named)."""
        first: dict[str, str] = {}
        for number, created in self.db.execute(
            "SELECT e.number, e.created FROM events e JOIN documents d ON d.number = e.number "
            "WHERE d.kind = ? AND d.status != 'void' AND e.action = ? ORDER BY e.id", (kind, action)):
            first.setdefault(number, created)
        return list(first.items())

    def all_events(self, number: str | None = None) -> list[EventRow]:
        sql = "SELECT number, version, action, from_status, to_status, actor, note, created FROM events"
        rows = self.db.execute(sql + (" WHERE number = ?" if number else "") + " ORDER BY id",
                               (number,) if number else ()).fetchall()
        return [EventRow(**dict(r)) for r in rows]

    def distribution_queue(self) -> list[tuple[str, int]]:
        """Documents changed since distribution last looked at them."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT number, seq FROM distribution_queue ORDER BY number")]

    def queue_distribution(self, number: str) -> int:
        """Queue a document for distribution (again); its change counter."""
        with self.write():
            self.db.execute(
                "INSERT INTO distribution_queue(number, seq) VALUES (?, 1) "
                "ON CONFLICT(number) DO UPDATE SET seq = seq + 1",
                (number,),
            )
            return int(self.db.execute("SELECT seq FROM distribution_queue WHERE number = ?", (number,)).fetchone()[0])

    def dequeue_distribution(self, number: str, seq: int) -> None:
        """Inside a write: forget a queued document unless it changed again meanwhile."""
        self.db.execute("DELETE FROM distribution_queue WHERE number = ? AND seq = ?", (number, seq))

    def distributed(self, done: list[tuple[str, int]]) -> None:
        with self.write():
            self.db.executemany("DELETE FROM distribution_queue WHERE number = ? AND seq = ?", done)

    def index_queue(self) -> list[tuple[str, int]]:
        """Documents changed since they were last indexed, with their change counter."""
        return [(r[0], r[1]) for r in self.db.execute("SELECT number, seq FROM index_queue ORDER BY number")]

    def dequeue(self, done: list[tuple[str, int]]) -> None:
        """Forget indexed documents, unless they changed again meanwhile."""
        with self.write():
            self.db.executemany("DELETE FROM index_queue WHERE number = ? AND seq = ?", done)

    def version_keys(self) -> list[tuple[str, int]]:
        return [(r[0], r[1]) for r in self.db.execute("SELECT number, version FROM versions ORDER BY number, version")]

    def has_documents(self) -> bool:
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM documents)").fetchone()[0] == 1

    def count_documents(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM documents").fetchone()[0])

    def blob_owner(self, sha: str) -> str | None:
        """The first version file or kept rendering with this checksum, as 'HT-2026-0001 v3 scan'."""
        row = self.db.execute(
            "SELECT number, version, role FROM files WHERE sha256 = ? UNION ALL "
            "SELECT number, version, 'copy:' || variant FROM renderings WHERE sha256 = ? ORDER BY 1, 2 LIMIT 1",
            (sha, sha),
        ).fetchone()
        return f"{row[0]} v{row[1]} {row[2]}" if row else None

    def chain_head(self) -> tuple[int, str]:
        """(place, hash) of the newest row of the chain; (0, GENESIS) when it is empty."""
        return _chain_tip(self.db)

    def check_chain(self) -> tuple[list[str], list[str]]:
        """Walk the chain: (problems found, hashes of its rows in order).

        Each row must sit at the next place, name the hash of the row before it and hash
        to what it holds; each event's recorded files must still be the catalog's files,
        and every file of the catalog must be covered by some event.
        """
        problems: list[str] = []
        rows: list[tuple[int, str, sqlite3.Row]] = []
        for table, fields in (("events", EVENT_FIELDS), ("ledger", LEDGER_FIELDS)):
            extra = ", files" if table == "events" else ""
            for r in self.db.execute(f"SELECT id, seq, prev, hash{extra}, {', '.join(fields)} FROM {table}"):
                if r["seq"] is None:
                    problems.append(gettext("chain: {row} is outside the chain (written around docgen)").format(
                        row=_row_name(table, r)))
                else:
                    rows.append((int(r["seq"]), table, r))
        rows.sort(key=lambda t: t[0])
        hashes: list[str] = []
        prev = GENESIS
        covered: dict[tuple[str, int, str], set[str]] = {}
        current = {(n, v, role): sha for n, v, role, sha, _size in self.all_files() if not role.startswith("copy:")}
        for expected, (seq, table, r) in enumerate(rows, 1):
            name = _row_name(table, r)
            if seq != expected or r["prev"] != prev:
                problems.append(gettext("chain: {row} does not follow the row before it (rows were removed or inserted)")
                                .format(row=name))
            content = {k: r[k] for k in (EVENT_FIELDS if table == "events" else LEDGER_FIELDS)}
            if table == "events":
                try:
                    content["files"] = json.loads(r["files"] or "{}")
                except ValueError:
                    content["files"] = r["files"]
            if chain_hash(table, seq, r["prev"], content) != r["hash"]:
                problems.append(gettext("chain: {row} was changed after it was written (its hash does not match)").format(
                    row=name))
            recorded = content.get("files")
            if isinstance(recorded, dict) and isinstance(recorded.get("files"), dict):
                for role, sha in recorded["files"].items():
                    covered.setdefault((r["number"], recorded.get("version"), role), set()).add(sha)
            prev = str(r["hash"])
            hashes.append(prev)
        for key, sha in sorted(current.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])):
            number, version, role = key
            if key not in covered:
                problems.append(gettext("chain: {number} v{version} {role}: no event of the chain covers this file").format(
                    number=number, version=version, role=role))
            elif covered[key] != {sha}:
                other = sorted(covered[key] - {sha}) or [sha]
                problems.append(
                    gettext("chain: {number} v{version} {role}: the catalog names {sha}… but the chain recorded "
                            "{recorded}… (the file was replaced)").format(
                        number=number, version=version, role=role, sha=sha[:12], recorded=other[0][:12])
                )
        for (number, version, role), shas in sorted(covered.items(), key=lambda kv: str(kv[0])):
            if (number, version, role) not in current:
                problems.append(
                    gettext("chain: {number} v{version} {role}: the chain recorded {recorded}… "
                            "but the catalog has no such file").format(
                        number=number, version=version, role=role, recorded=sorted(shas)[0][:12])
                )
        return problems, hashes

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])
