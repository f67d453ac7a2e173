"""The catalog: SQLite in WAL mode, the truth of what the archive holds.

Schema changes are ordered migrations recorded by name; an applied migration is
never edited. Writers take the database lock with ``BEGIN IMMEDIATE``, so
numbers handed out by several processes at once stay unique.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from docgen.errors import StateError

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


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


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


def effective_version(versions: list[VersionRow], kind: str = "contract") -> VersionRow | None:
    """What a department pulls.

    A signed document stands as signed: its newest signed scan. Without one, a
    contract's newest version approved by legal review (else none), and for the
    other kinds their newest version. A rectification notice goes on after it is
    signed for (re-inspections add versions): its newest generated version, or the
    signed scan of that version where one was filed, so a notice re-issued after a
    failed re-inspection stands as re-issued.
    """
    scans = [v for v in versions if is_scan(v)]
    generated = [v for v in versions if not is_scan(v)]
    if scans and kind != "rectification":
        return scans[-1]
    if kind == "contract":
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
    shown = ", ".join(f"{c[0]} {c[side] if c[side] not in (None, '') else '(none)'}" for c in changes[:most])
    return shown + (f" and {len(changes) - most} more" if len(changes) > most else "")


class Catalog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, timeout=120, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA busy_timeout = 120000")
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA foreign_keys = ON")
        self._migrate()

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
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
                    f"project {code} is in the archive with {_fields(changes, 1)}; this data says "
                    f"{_fields(changes, 2)}: to change the project, run again with --update-project"
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
        self.db.execute(
            "INSERT INTO events(number, version, action, from_status, to_status, actor, note, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (number, version, action, from_status, to_status, actor, note, now()),
        )

    def document(self, number: str) -> DocumentRow | None:
        row = self.db.execute("SELECT * FROM documents WHERE number = ?", (number,)).fetchone()
        return DocumentRow(**dict(row)) if row else None

    def documents(self, kind: str | None = None) -> list[DocumentRow]:
        sql, args = "SELECT * FROM documents", ()
        if kind:
            sql, args = sql + " WHERE kind = ?", (kind,)
        rows = self.db.execute(sql + " ORDER BY created, number", args).fetchall()
        return [DocumentRow(**dict(r)) for r in rows]

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
        """One row of the ledger; its id."""
        cur = self.db.execute(
            "INSERT INTO ledger(action, number, version, department, label, sha256, path, actor, note, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (action, number, version, department, label, sha256, path, actor, note, now()),
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

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])
