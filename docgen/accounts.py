"""Who someone is: accounts with a role and a department, passwords, API tokens, login sessions.

Passwords are kept as argon2id hashes (``argon2-cffi``), rehashed at the next login when
docgen's parameters change. A token or a session is a random secret given once; the catalog
keeps only its SHA-256. Five failed logins for a name within ``[server] lockout_minutes`` lock
it for as long, even with the right password. Every change to an account, every login and
every failed or locked one is a row of the chained ledger, with who did it.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from docgen import clock
from docgen.errors import DocgenError, InputError, NotFound
from docgen.i18n import _

if TYPE_CHECKING:
    from docgen.archive.core import Archive

MIN_PASSWORD = 8
NAME = re.compile(r"[^\s/\\:@][^/\\:@]{0,62}[^\s/\\:@]|[^\s/\\:@]")


class LoginFailed(DocgenError):
    """Unknown name, wrong password or disabled account: one message for all, so a name cannot be probed."""


class LoginLocked(DocgenError):
    """Too many failed logins for the name: wait."""


@dataclass(frozen=True)
class Account:
    name: str
    display: str
    role: str
    department: str | None
    os_user: str | None
    disabled: bool
    created: str
    last_login: str | None
    has_password: bool
    previous_login: str | None = None  # the login before the last: "since your last visit"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Session:
    id: str  # the SHA-256 of the cookie's secret
    account: str
    csrf: str
    created: str
    last_seen: str
    address: str | None


@dataclass(frozen=True)
class Token:
    id: str
    account: str
    note: str
    created: str
    last_used: str | None
    revoked: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _until(stamps: list[str], failures: int, minutes: float) -> Any:
    """When a lock made of ``failures`` failed logins within ``minutes`` ends; None when there is none."""
    window = timedelta(minutes=minutes)
    now = clock.now()
    recent = [t for t in (clock.instant(x) for x in stamps) if now - t < window]
    if len(recent) >= failures:
        return recent[failures - 1] + window
    return None


def _password_ok(row: Any, password: str) -> bool:
    """Whether ``password`` is the account's (a live account with a password). For no such
    account the check takes as long as a real one, so the answer's time does not tell a name exists."""
    from argon2.exceptions import InvalidHashError, VerificationError

    live = row is not None and row["password_hash"] and not row["disabled"]
    try:
        _hasher().verify(row["password_hash"] if live else _DUMMY_HASH(), password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(live)


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _account(row: Any) -> Account:
    return Account(row["name"], row["display"], row["role"], row["department"], row["os_user"],
                   bool(row["disabled"]), clock.fmt_instant(row["created"]),
                   clock.fmt_instant(row["last_login"]) if row["last_login"] else None,
                   row["password_hash"] is not None,
                   clock.fmt_instant(row["previous_login"]) if row["previous_login"] else None)


def _token(row: Any) -> Token:
    return Token(row["id"], row["account"], row["note"], clock.fmt_instant(row["created"]),
                 clock.fmt_instant(row["last_used"]) if row["last_used"] else None,
                 clock.fmt_instant(row["revoked"]) if row["revoked"] else None)


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id, the library's current recommended parameters


def check_name(name: str) -> str:
    text = unicodedata.normalize("NFC", name)
    if not NAME.fullmatch(text) or any(unicodedata.category(c).startswith("C") for c in text):
        raise InputError(_("{name} is not an account name: 1 to 64 characters, no control characters, "
                           "no / \\ : @, no spaces at either end").format(name=repr(name)))
    return text


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(_("a password needs at least {n} characters").format(n=MIN_PASSWORD))
    if len(password) > 1024:
        raise InputError(_("a password has at most 1024 characters"))
    return password


class Accounts:
    def __init__(self, archive: Archive) -> None:
        from docgen.archive.accounts import AccountStore

        self.archive = archive
        self.store = AccountStore(archive.catalog)

    @property
    def settings(self) -> Any:
        return self.archive.settings

    def _record(self, action: str, by: str, note: str, department: str = "") -> None:
        self.archive.catalog.record(action, department, by, note=note)

    # accounts ------------------------------------------------------------------

    def get(self, name: str) -> Account | None:
        row = self.store.account(name)
        return _account(row) if row else None

    def must(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise NotFound(_("no account {name}; see `docgen user list`").format(name=repr(name)))
        return account

    def list(self) -> list[Account]:
        return [_account(r) for r in self.store.accounts()]

    def any(self) -> bool:
        return self.store.count() > 0

    def for_os_user(self, os_user: str) -> Account | None:
        row = self.store.by_os_user(os_user)
        return _account(row) if row else None

    def _role(self, role: str) -> Any:
        roles = self.settings.roles
        if role not in roles:
            raise InputError(_("unknown role {role}; use one of: {roles} ([roles.X] in docgen.toml)").format(
                role=repr(role), roles=", ".join(roles)))
        return roles[role]

    def _department(self, department: str | None) -> str | None:
        if department is not None and department not in self.settings.departments:
            raise InputError(_("unknown department {department}; use one of: {departments}").format(
                department=repr(department), departments=", ".join(self.settings.departments)))
        return department

    def add(self, name: str, role: str, *, by: str, display: str | None = None, department: str | None = None,
            password: str | None = None, os_user: str | None = None) -> Account:
        name = check_name(name)
        r = self._role(role)
        dept = self._department(department if department is not None else r.department)
        hashed = _hasher().hash(check_password(password)) if password is not None else None
        if os_user is not None and not os_user.strip():
            raise InputError(_("--os-user needs the operating-system user's name"))
        with self.archive.catalog.write():
            if self.store.account(name) is not None:
                raise InputError(_("an account {name} exists already; see `docgen user list`").format(name=repr(name)))
            if os_user is not None and self.store.by_os_user(os_user) is not None:
                raise InputError(_("the operating-system user {user} is mapped to another account already").format(
                    user=repr(os_user)))
            self.store.add(name, (display or name).strip() or name, role, dept, os_user, hashed)
            self._record("account:add", by, f"{name} role={role} department={dept or '-'}"
                         + (f" os_user={os_user}" if os_user else ""))
        return self.must(name)

    def disable(self, name: str, *, by: str) -> Account:
        self.must(name)
        with self.archive.catalog.write():
            self.store.update(name, disabled=1)
            self.store.end_sessions(name)
            self._record("account:disable", by, name)
        return self.must(name)

    def passwd(self, name: str, password: str, *, by: str) -> Account:
        self.must(name)
        hashed = _hasher().hash(check_password(password))
        with self.archive.catalog.write():
            self.store.update(name, password_hash=hashed)
            self.store.end_sessions(name)
            self.store.clear_failures(name)
            self._record("account:passwd", by, name)
        return self.must(name)

    def change_password(self, name: str, old: str, new: str, *, address: str | None = None) -> Account:
        """An account's own change of its password, the current one given first; a wrong one
        counts as a failed login (and is refused while the name is locked)."""
        who = f"{name}@{address}" if address else name
        until = self._locked_until(name)
        if until is not None:
            raise LoginLocked(_("too many failed logins for {name}; try again after {time}").format(
                name=name, time=clock.fmt_instant(until)[11:16]))
        row = self.store.account(name)
        if not _password_ok(row, old):
            with self.archive.catalog.write():
                self.store.add_failure(name, address)
                self._record("login:failed", who, "wrong current password given to change it")
            raise InputError(_("the current password is not right; nothing was changed"))
        check_password(new)
        return self.passwd(name, new, by=who)

    def set_role(self, name: str, role: str, *, by: str) -> Account:
        old = self.must(name)
        self._role(role)
        with self.archive.catalog.write():
            self.store.update(name, role=role)
            self.store.end_sessions(name)  # what the account may do changed: log in again
            self._record("account:role", by, f"{name} {old.role} -> {role}")
        return self.must(name)

    # logins --------------------------------------------------------------------

    def _locked_until(self, name: str) -> Any:
        server = self.settings.server
        return _until(self.store.failures(name), server.lockout_failures, server.lockout_minutes)

    def _address_locked_until(self, address: str | None) -> Any:
        """Too many failures from one address, whatever names it tried (a guess of many names)."""
        server = self.settings.server
        if not address:
            return None
        return _until(self.store.address_failures(address), server.lockout_address_failures, server.lockout_minutes)

    def login(self, name: str, password: str, *, address: str | None = None) -> tuple[Account, Session, str]:
        """A new session for ``name``: (account, session, the cookie's secret, given once)."""
        key = unicodedata.normalize("NFC", name.strip())[:64]
        who = f"{key}@{address}" if address else key  # as every row of the API records its caller
        until = self._address_locked_until(address)
        if until is not None:
            with self.archive.catalog.write():
                self._record("login:locked", who, f"refused: too many failed logins from {address}")
            raise LoginLocked(_("too many failed logins from {address}; try again after {time}").format(
                address=address, time=clock.fmt_instant(until)[11:16]))
        until = self._locked_until(key)
        if until is not None:
            with self.archive.catalog.write():
                self._record("login:locked", who, "refused while locked")
            raise LoginLocked(_("too many failed logins for {name}; try again after {time}").format(
                name=key, time=clock.fmt_instant(until)[11:16]))
        row = self.store.account(key)
        if not _password_ok(row, password):
            with self.archive.catalog.write():
                self.store.add_failure(key, address)
                self._record("login:failed", who, "wrong name or password")
                if self._locked_until(key) is not None:
                    self._record("login:locked", who,
                                 f"{self.settings.server.lockout_failures} failed logins: locked for "
                                 f"{self.settings.server.lockout_minutes:g} minutes")
            raise LoginFailed(_("wrong name or password"))
        secret = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self.archive.catalog.write():
            hasher = _hasher()
            if hasher.check_needs_rehash(row["password_hash"]):
                self.store.update(key, password_hash=hasher.hash(password))
            self.store.update(key, previous_login=row["last_login"], last_login=clock.stamp())
            self.store.clear_failures(key)
            self.store.add_session(_sha(secret), key, csrf, address)
            self._record("login", who, "session started")
        return self.must(key), self._session(_sha(secret)), secret  # type: ignore[return-value]

    def _session(self, sid: str) -> Session | None:
        row = self.store.session(sid)
        if row is None:
            return None
        return Session(row["id"], row["account"], row["csrf"], row["created"], row["last_seen"], row["address"])

    def session(self, secret: str) -> tuple[Account, Session] | None:
        """The account of a live session: None when unknown, ended, idle past ``[server] session_hours``
        or its account disabled."""
        if not secret or len(secret) > 200:
            return None
        sid = _sha(secret)
        row = self.store.session(sid)
        if row is None or row["ended"] is not None:
            return None
        account = self.get(row["account"])
        if account is None or account.disabled:
            return None
        idle = clock.now() - clock.instant(row["last_seen"])
        if idle > timedelta(hours=self.settings.server.session_hours):
            with self.archive.catalog.write():
                self.store.end_session(sid)
            return None
        if idle > timedelta(minutes=1):  # at most one write a minute per session
            with self.archive.catalog.write():
                self.store.touch_session(sid)
        return account, self._session(sid)  # type: ignore[return-value]

    def logout(self, secret: str) -> None:
        with self.archive.catalog.write():
            row = self.store.session(_sha(secret))
            if row is not None and row["ended"] is None:
                self.store.end_session(row["id"])
                who = f"{row['account']}@{row['address']}" if row["address"] else row["account"]
                self._record("logout", who, "session ended")

    # tokens --------------------------------------------------------------------

    def token_create(self, name: str, *, by: str, note: str = "") -> tuple[str, Token]:
        account = self.must(name)
        if account.disabled:
            raise InputError(_("{name} is disabled; a disabled account gets no token").format(name=name))
        secret = "dg_" + secrets.token_urlsafe(32)
        tid = secrets.token_hex(4)
        with self.archive.catalog.write():
            self.store.add_token(tid, account.name, _sha(secret), note.strip())
            self._record("token:create", by, f"{tid} for {account.name}" + (f": {note.strip()}" if note.strip() else ""))
        token = self.store.token(tid)
        return secret, _token(token)

    def tokens(self, name: str | None = None) -> list[Token]:
        if name is not None:
            self.must(name)
        return [_token(r) for r in self.store.tokens(name)]

    def token_revoke(self, token_id: str, *, by: str) -> Token:
        row = self.store.token(token_id.strip())
        if row is None:
            raise NotFound(_("no token {id}; see `docgen token list`").format(id=repr(token_id)))
        with self.archive.catalog.write():
            self.store.revoke_token(row["id"])
            self._record("token:revoke", by, f"{row['id']} of {row['account']}")
        return _token(self.store.token(row["id"]))

    def bearer(self, secret: str) -> Account | None:
        """The account an API token stands for: None when unknown, revoked or its account disabled."""
        if not secret or len(secret) > 200:
            return None
        row = self.store.token_by_hash(_sha(secret))
        if row is None or row["revoked"] is not None:
            return None
        account = self.get(row["account"])
        if account is None or account.disabled:
            return None
        last = row["last_used"]
        if last is None or clock.now() - clock.instant(last) > timedelta(minutes=1):
            with self.archive.catalog.write():
                self.store.use_token(row["id"])
        return account


_dummy: list[str] = []


def _DUMMY_HASH() -> str:  # noqa: N802
    if not _dummy:
        _dummy.append(_hasher().hash(secrets.token_urlsafe(16)))
    return _dummy[0]


def os_user() -> str:
    """The operating-system user this process runs as, by its user id (not $USER or $LOGNAME)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):  # Windows, or a uid without a name
        return getpass.getuser()


def acting_name(archive: Archive) -> str:
    """Who runs the command line: the account mapped to this operating-system user, else the user.

    Never a name the caller chooses (no environment variable): the audit log records who acted,
    not who they said they were."""
    user = os_user()
    try:
        account = Accounts(archive).for_os_user(user)
    except Exception:  # an archive whose catalog cannot be read names the OS user
        return user
    return account.name if account is not None and not account.disabled else user
