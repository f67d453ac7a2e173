"""The catalog's accounts, tokens, sessions and failed logins (tables of m008_accounts).

Rows only: what a password or a session means is ``docgen.accounts``'s. Secrets never reach
this module; tokens and sessions are found by the SHA-256 of their secret.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from docgen.archive.catalog import Catalog, now


class AccountStore:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.db = catalog.db

    # accounts
    def account(self, name: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute("SELECT * FROM accounts WHERE name = ?", (name,)).fetchone()
        return row

    def by_os_user(self, os_user: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM accounts WHERE os_user = ?", (os_user,)).fetchone()
        return row

    def accounts(self) -> list[sqlite3.Row]:
        return self.db.execute("SELECT * FROM accounts ORDER BY created, name").fetchall()

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM accounts").fetchone()[0])

    def add(self, name: str, display: str, role: str, department: str | None, os_user: str | None,
            password_hash: str | None) -> None:
        self.db.execute(
            "INSERT INTO accounts(name, display, role, department, os_user, password_hash, disabled, created) "
            "VALUES (?, ?, ?, ?, ?, ?, 0, ?)", (name, display, role, department, os_user, password_hash, now()))

    def update(self, name: str, **values: Any) -> None:
        allowed = {"display", "role", "department", "os_user", "password_hash", "disabled", "last_login",
                   "previous_login"}
        assert set(values) <= allowed, values
        sets = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(f"UPDATE accounts SET {sets} WHERE name = ?", (*values.values(), name))

    # sessions
    def add_session(self, sid: str, account: str, csrf: str, address: str | None) -> None:
        t = now()
        self.db.execute("INSERT INTO sessions(id, account, csrf, created, last_seen, address) VALUES (?, ?, ?, ?, ?, ?)",
                        (sid, account, csrf, t, t, address))

    def session(self, sid: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute("SELECT * FROM sessions WHERE id = ?", (sid,)).fetchone()
        return row

    def touch_session(self, sid: str) -> None:
        self.db.execute("UPDATE sessions SET last_seen = ? WHERE id = ?", (now(), sid))

    def end_session(self, sid: str) -> None:
        self.db.execute("UPDATE sessions SET ended = ? WHERE id = ? AND ended IS NULL", (now(), sid))

    def end_sessions(self, account: str) -> None:
        self.db.execute("UPDATE sessions SET ended = ? WHERE account = ? AND ended IS NULL", (now(), account))

    # tokens
    def add_token(self, tid: str, account: str, sha: str, note: str) -> None:
        self.db.execute("INSERT INTO tokens(id, account, sha256, note, created) VALUES (?, ?, ?, ?, ?)",
                        (tid, account, sha, note, now()))

    def token(self, tid: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute("SELECT * FROM tokens WHERE id = ?", (tid,)).fetchone()
        return row

    def token_by_hash(self, sha: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute("SELECT * FROM tokens WHERE sha256 = ?", (sha,)).fetchone()
        return row

    def tokens(self, account: str | None = None) -> list[sqlite3.Row]:
        if account is None:
            return self.db.execute("SELECT * FROM tokens ORDER BY created, id").fetchall()
        return self.db.execute("SELECT * FROM tokens WHERE account = ? ORDER BY created, id", (account,)).fetchall()

    def use_token(self, tid: str) -> None:
        self.db.execute("UPDATE tokens SET last_used = ? WHERE id = ?", (now(), tid))

    def revoke_token(self, tid: str) -> None:
        self.db.execute("UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL", (now(), tid))

    # failed logins
    def add_failure(self, name: str, address: str | None) -> None:
        self.db.execute("INSERT INTO login_failures(name, created, address) VALUES (?, ?, ?)", (name, now(), address))

    def failures(self, name: str) -> list[str]:
        """When logins for ``name`` failed, oldest first."""
        return [r[0] for r in self.db.execute(
            "SELECT created FROM login_failures WHERE name = ? ORDER BY id", (name,))]

    def address_failures(self, address: str) -> list[str]:
        """When logins from ``address`` failed, whatever the name, oldest first."""
        return [r[0] for r in self.db.execute(
            "SELECT created FROM login_failures WHERE address = ? ORDER BY id", (address,))]

    def clear_failures(self, name: str) -> None:
        self.db.execute("DELETE FROM login_failures WHERE name = ?", (name,))
