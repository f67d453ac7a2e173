"""Accounts, roles, tokens and sessions: who someone is, not who they say they are."""

from __future__ import annotations

import getpass
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, run

from docgen.accounts import Accounts, LoginFailed, LoginLocked, acting_name
from docgen.archive.core import Archive
from docgen.cli import main
from docgen.errors import ConfigError, InputError

PASSWORD = "correct-horse-7"


def add(name: str, role: str, *extra: str, password: str = PASSWORD) -> object:
    r = CliRunner().invoke(main, ["user", "add", name, "--role", role, "--password-stdin", *extra],
                           input=password + "\n", catch_exceptions=False)
    return r


def test_user_commands_add_list_disable_role_and_never_store_the_password(archive_dir: Path) -> None:
    r = add("李娜", "finance")
    assert r.exit_code == 0, r.output
    assert "account 李娜 added: role finance, department finance" in r.stdout
    assert PASSWORD not in r.stdout + r.stderr
    rows = json.loads(run("user", "list", "--json").stdout)
    assert [(a["name"], a["role"], a["department"], a["disabled"], a["has_password"]) for a in rows] == [
        ("李娜", "finance", "finance", False, True)]
    assert "password" not in json.dumps(rows).replace("has_password", "")
    db = sqlite3.connect(archive_dir / "catalog.sqlite")
    (hashed,) = db.execute("SELECT password_hash FROM accounts WHERE name = '李娜'").fetchone()
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert PASSWORD.encode() not in (archive_dir / "catalog.sqlite").read_bytes()
    assert run("user", "role", "李娜", "archive").exit_code == 0
    assert run("user", "disable", "李娜").exit_code == 0
    (row,) = json.loads(run("user", "list", "--json").stdout)
    assert row["role"] == "archive" and row["disabled"] is True
    # each change is in the ledger, with who made it: the OS user running the CLI
    log = json.loads(run("log", "--json").stdout)
    actions = [(e["action"], e["actor"]) for e in log if e["action"].startswith("account:")]
    me = getpass.getuser()
    assert actions == [("account:add", me), ("account:role", me), ("account:disable", me)]


@pytest.mark.parametrize("args, message", [
    (["x", "boss"], "unknown role 'boss'; use one of: sales, designer, legal"),
    (["x", "finance", "--department", "hr"], "unknown department 'hr'"),
    (["a/b", "finance"], "is not an account name"),
    ([" x", "finance"], "is not an account name"),
    (["x\x1b[31m", "finance"], "is not an account name"),
])
def test_bad_accounts_are_one_line_and_nothing_is_added(archive_dir: Path, args: list[str], message: str) -> None:
    name, role, *extra = args
    r = add(name, role, *extra)
    assert r.exit_code == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.output
    assert json.loads(run("user", "list", "--json").stdout) == []


def test_a_short_password_and_a_second_account_of_one_name_are_refused(archive_dir: Path) -> None:
    r = add("wang", "sales", password="short")
    assert r.exit_code == 1 and "a password needs at least 8 characters" in r.stderr
    assert add("wang", "sales").exit_code == 0
    r = add("wang", "legal")
    assert r.exit_code == 1 and "an account 'wang' exists already" in r.stderr


def test_login_locks_after_five_failures_for_fifteen_minutes(archive_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    assert add("qian", "legal").exit_code == 0
    accounts = Accounts(Archive.open(archive_dir))
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-02T09:00:00+08:00")
    for _ in range(5):
        with pytest.raises(LoginFailed, match="wrong name or password"):
            accounts.login("qian", "not-the-password", address="10.0.0.9")
    with pytest.raises(LoginLocked, match="too many failed logins for qian; try again after 09:15"):
        accounts.login("qian", PASSWORD, address="10.0.0.9")  # the right password, but locked
    with pytest.raises(LoginFailed):  # an unknown name answers as a wrong password does
        accounts.login("nobody", PASSWORD)
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-02T09:15:01+08:00")
    account, session, secret = accounts.login("qian", PASSWORD, address="10.0.0.9")
    assert account.name == "qian" and account.last_login and session.address == "10.0.0.9"
    ledger = [(r["action"], r["actor"]) for r in accounts.archive.catalog.ledger() if r["action"].startswith("login")]
    # each row names who tried and from where, as every row of the API does
    assert ledger.count(("login:failed", "qian@10.0.0.9")) == 5 and ("login:locked", "qian@10.0.0.9") in ledger
    assert ("login:failed", "nobody") in ledger
    assert ledger[-1] == ("login", "qian@10.0.0.9")


def test_an_address_that_guesses_many_names_is_locked_out(archive_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert add("qian", "legal").exit_code == 0
    accounts = Accounts(Archive.open(archive_dir))
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-02T09:00:00+08:00")
    for n in range(20):  # [server] lockout_address_failures: a different name each time, none locked by name
        with pytest.raises(LoginFailed):
            accounts.login(f"guess{n}", "password", address="10.0.0.7")
    with pytest.raises(LoginLocked, match="too many failed logins from 10.0.0.7; try again after 09:15"):
        accounts.login("qian", PASSWORD, address="10.0.0.7")
    assert accounts.login("qian", PASSWORD, address="10.0.0.8")[0].name == "qian"  # her own desk is not locked out
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-02T09:15:01+08:00")
    assert accounts.login("qian", PASSWORD, address="10.0.0.7")[0].name == "qian"
    rows = [(r["action"], r["actor"]) for r in accounts.archive.catalog.ledger() if r["action"] == "login:locked"]
    assert rows == [("login:locked", "qian@10.0.0.7")]


def test_a_session_ends_on_logout_on_disable_and_after_its_idle_hours(archive_dir: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    assert add("zhao", "frontdesk").exit_code == 0
    accounts = Accounts(Archive.open(archive_dir))
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-02T09:00:00+08:00")
    _a, _s, secret = accounts.login("zhao", PASSWORD)
    assert accounts.session(secret)[0].name == "zhao"  # type: ignore[index]
    stored = {r[0] for r in accounts.store.db.execute("SELECT id FROM sessions")}
    assert secret not in stored and len(stored) == 1  # only its hash is kept
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-02T16:59:00+08:00")  # 7 h 59 min idle: still alive
    assert accounts.session(secret) is not None
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-03T01:00:00+08:00")  # 8 h 1 min after its last use
    assert accounts.session(secret) is None
    _a, _s, second = accounts.login("zhao", PASSWORD)
    accounts.logout(second)
    assert accounts.session(second) is None
    _a, _s, third = accounts.login("zhao", PASSWORD)
    assert run("user", "disable", "zhao").exit_code == 0
    assert accounts.session(third) is None  # at once
    with pytest.raises(LoginFailed):
        accounts.login("zhao", PASSWORD)


def test_a_changed_password_ends_sessions_and_a_rehash_follows_new_parameters(archive_dir: Path) -> None:
    from argon2 import PasswordHasher

    assert add("sun", "sales").exit_code == 0
    accounts = Accounts(Archive.open(archive_dir))
    _a, _s, secret = accounts.login("sun", PASSWORD)
    r = CliRunner().invoke(main, ["user", "passwd", "sun", "--password-stdin"], input="another-pass-9\n")
    assert r.exit_code == 0, r.output
    assert accounts.session(secret) is None
    with pytest.raises(LoginFailed):
        accounts.login("sun", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("another-pass-9")
    accounts.store.update("sun", password_hash=weak)
    accounts.login("sun", "another-pass-9")
    (now,) = accounts.store.db.execute("SELECT password_hash FROM accounts WHERE name = 'sun'").fetchone()
    assert now != weak and not PasswordHasher().check_needs_rehash(now)


def test_a_token_is_shown_once_stored_as_a_hash_and_refused_after_revoke(archive_dir: Path) -> None:
    assert add("li", "finance").exit_code == 0
    r = run("token", "create", "li", "--note", "对账脚本")
    assert r.exit_code == 0, r
    secret = r.stdout.strip()
    assert secret.startswith("dg_") and "cannot be shown again" in r.stderr
    assert secret.encode() not in (archive_dir / "catalog.sqlite").read_bytes()
    listed = run("token", "list", "--json")
    assert secret not in listed.stdout
    (token,) = json.loads(listed.stdout)
    accounts = Accounts(Archive.open(archive_dir))
    assert accounts.bearer(secret).name == "li"  # type: ignore[union-attr]
    assert accounts.bearer(secret + "x") is None and accounts.bearer("") is None
    assert run("token", "revoke", token["id"]).exit_code == 0
    assert accounts.bearer(secret) is None
    r = run("token", "revoke", "nope")
    assert r.exit_code == 1 and "no token 'nope'" in r.stderr


def test_the_cli_records_the_account_mapped_to_its_os_user_never_docgen_user(
        archive_dir: Path, work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_USER", "somebody-else")
    r = run("user", "add", "王丽", "--role", "admin", "--os-user", getpass.getuser(), "--no-password")
    assert r.exit_code == 0, r
    assert acting_name(Archive.open(archive_dir)) == "王丽"
    r = run("new", "quote", SAMPLES / "quote.yaml", "--json")
    assert r.exit_code == 0, r
    show = json.loads(run("show", "BJ-2026-0001", "--json").stdout)
    assert [v["actor"] for v in show["versions"]] == ["王丽"]
    assert "somebody-else" not in json.dumps(json.loads(run("log", "--json").stdout), ensure_ascii=False)


def test_the_default_roles_follow_the_companys_policy(archive_dir: Path) -> None:
    """Every role × every operation from docgen.toml's defaults: a changed default fails here."""
    from docgen.roles import OPERATIONS

    roles = Archive.open(archive_dir).settings.roles
    kinds = ("quote", "contract", "change", "rectification", "acceptance", "warranty", "repair")
    allowed = {key: sorted(f"{op}:{k}" for op in OPERATIONS for k in kinds if role.allows(op, k))
               for key, role in roles.items()}

    def every(*ops: str, of: tuple[str, ...] = kinds) -> list[str]:
        return [f"{op}:{k}" for op in ops for k in of]

    sales = sorted(every("read", "search", "pull") + every("new", "revise", of=("quote", "contract", "change"))
                   + every("review:submit", "link"))
    site = ("rectification", "acceptance", "warranty", "repair")
    assert allowed == {
        "sales": sales,
        "designer": sales,
        "legal": sorted(every("read", "search", "pull", "review:approve", "review:reject", "log")),
        "engineering": sorted(every("read", "search", "pull", "recheck", "step", "link")
                              + every("new", "revise", "void", of=site)),
        "finance": sorted(every("read", "search", "pull", "log")),
        "archive": sorted(every("read", "search", "pull", "originals", "verify", "log", "distribute")),
        "frontdesk": sorted(every("read", "search", "ingest", "quarantine")),
        "admin": sorted(every(*OPERATIONS)),
    }
    assert {k: r.department for k, r in roles.items()} == {
        "sales": None, "designer": None, "legal": "legal", "engineering": "engineering", "finance": "finance",
        "archive": "archive", "frontdesk": None, "admin": None}


@pytest.mark.parametrize("table, message", [
    ('[roles.finance]\nmay = ["fly"]\n', "[roles.finance]: 'fly' is not an operation"),
    ('[roles.finance]\nmay = ["new:boat"]\n', "'new:boat' names 'boat', which is not a kind"),
    ('[roles.finance]\nmay = "read"\n', "may must be a list of operations"),
    ('[roles.finance]\ndepartment = "hr"\nmay = []\n', "department 'hr' is not a department"),
    ('[roles.finance]\ncolour = "red"\n', "unknown setting 'colour'"),
])
def test_a_wrong_role_in_docgen_toml_is_one_line_naming_it(archive_dir: Path, table: str, message: str) -> None:
    import re

    Archive.open(archive_dir)  # writes docgen.toml
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    text = re.sub(r"(?ms)^\[roles\.finance\]\n.*?(?=^\[)", table + "\n", text)
    toml.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        Archive.open(archive_dir).settings  # noqa: B018


def test_accounts_library_refuses_what_the_cli_refuses(archive_dir: Path) -> None:
    accounts = Accounts(Archive.open(archive_dir))
    with pytest.raises(InputError, match="already"):
        accounts.add("a", "sales", by="t", os_user="u1")
        accounts.add("b", "sales", by="t", os_user="u1")
    assert accounts.for_os_user("u1").name == "a"  # type: ignore[union-attr]
