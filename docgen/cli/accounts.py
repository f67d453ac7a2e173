"""Accounts and API tokens: user add|list|disable|passwd|role, token create|list|revoke."""

from __future__ import annotations

import sys
from typing import Any

import click

from docgen.cli.base import WIDE_HELP, Ctx, _json_seen, _print_json, main
from docgen.i18n import N_, TranslatedOption, _, lazy_gettext


def _accounts(obj: Ctx) -> Any:
    from docgen.accounts import Accounts

    service = obj.service()
    service.require("accounts")
    return Accounts(service.archive), service.actor.recorded


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(_("Password"), hide_input=True, confirmation_prompt=_("Repeat the password"),
                            err=True))


def _print_accounts(rows: list[Any], wide: bool) -> None:
    from docgen import table

    if not rows:
        click.echo(_("no accounts yet; docgen user add NAME --role admin --os-user \"$(whoami)\" makes the first"))
        return
    shown = [{"name": a.name, "display": a.display, "role": a.role, "department": a.department or "",
              "os_user": a.os_user or "", "state": _("disabled") if a.disabled else _("active"),
              "last_login": a.last_login or ""} for a in rows]
    columns = [table.Column("name", header=_("name"), flex=1), table.Column("display", header=_("display name"), flex=1),
               table.Column("role", header=_("role")), table.Column("department", header=_("department")),
               table.Column("os_user", header=_("OS user")), table.Column("state", header=_("state")),
               table.Column("last_login", header=_("last login"), flex=1)]
    for text in table.render(columns, shown, wide=wide):
        click.echo(text)


@main.group(help=lazy_gettext("""Accounts: who acts on the archive, with which role and department.

    \b
    Example:
      docgen user add admin --role admin --os-user "$(whoami)"
      docgen user add 李娜 --role finance --display "李娜（财务）"
      docgen user list
    """))
def user() -> None:
    pass


@user.command(name="add", help=lazy_gettext("""Add an account. Without --password-stdin the password is asked for twice.

    ROLE is one of docgen.toml's [roles.X] (sales, designer, legal, engineering, finance,
    archive, frontdesk, admin); the department defaults to the role's.

    \b
    Example:
      docgen user add admin --role admin --os-user "$(whoami)"
      echo "$PASSWORD" | docgen user add 李娜 --role finance --password-stdin
    """))
@click.argument("name")
@click.option("--role", required=True, cls=TranslatedOption, help=N_("The account's role ([roles.X] in docgen.toml)."))
@click.option("--department", cls=TranslatedOption, help=N_("Its department (default: the role's)."))
@click.option("--display", cls=TranslatedOption, help=N_("The name shown on pages (default: NAME)."))
@click.option("--os-user", "os_user", metavar="USER",
              cls=TranslatedOption, help=N_("The operating-system user whose commands on this machine are this account's."))
@click.option("--password-stdin", "password_stdin", is_flag=True, cls=TranslatedOption, help=N_("Read the password from the first line of stdin."))
@click.option("--no-password", "no_password", is_flag=True, cls=TranslatedOption, help=N_("No password: the account uses API tokens only."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the account as JSON."))
@click.pass_obj
def user_add(obj: Ctx, name: str, role: str, department: str | None, display: str | None, os_user: str | None,
             password_stdin: bool, no_password: bool, as_json: bool) -> None:
    if no_password and password_stdin:
        raise click.UsageError(_("give either --password-stdin or --no-password, not both"))
    accounts, by = _accounts(obj)
    accounts._role(role)  # a wrong role is said before the password is asked for
    password = None if no_password else _password(password_stdin)
    account = accounts.add(name, role, by=by, display=display, department=department, password=password,
                           os_user=os_user)
    if as_json:
        _print_json(account.to_json())
        return
    click.echo(_("account {name} added: role {role}, department {department}").format(
        name=account.name, role=account.role, department=account.department or _("none")))


@user.command(name="list", help=lazy_gettext("""The accounts, with role, department and last login.

    \b
    Example:
      docgen user list
      docgen user list --json
    """))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print a JSON list."))
@click.option("--wide", is_flag=True, cls=TranslatedOption, help=WIDE_HELP)
@click.pass_obj
def user_list(obj: Ctx, as_json: bool, wide: bool) -> None:
    accounts, _by = _accounts(obj)
    rows = accounts.list()
    if as_json:
        _print_json([a.to_json() for a in rows])
        return
    _print_accounts(rows, wide)


@user.command(name="disable", help=lazy_gettext("""Disable an account: its sessions end at once, its tokens stop working.

    \b
    Example:
      docgen user disable 李娜
    """))
@click.argument("name")
@click.pass_obj
def user_disable(obj: Ctx, name: str) -> None:
    accounts, by = _accounts(obj)
    account = accounts.disable(name, by=by)
    click.echo(_("account {name} disabled").format(name=account.name))


@user.command(name="passwd", help=lazy_gettext("""Set an account's password; its sessions end.

    \b
    Example:
      docgen user passwd 李娜
    """))
@click.argument("name")
@click.option("--password-stdin", "password_stdin", is_flag=True, cls=TranslatedOption, help=N_("Read the password from the first line of stdin."))
@click.pass_obj
def user_passwd(obj: Ctx, name: str, password_stdin: bool) -> None:
    accounts, by = _accounts(obj)
    accounts.must(name)
    account = accounts.passwd(name, _password(password_stdin), by=by)
    click.echo(_("password of {name} changed").format(name=account.name))


@user.command(name="role", help=lazy_gettext("""Give an account another role; its sessions end.

    \b
    Example:
      docgen user role 李娜 archive
    """))
@click.argument("name")
@click.argument("role")
@click.pass_obj
def user_role(obj: Ctx, name: str, role: str) -> None:
    accounts, by = _accounts(obj)
    account = accounts.set_role(name, role, by=by)
    click.echo(_("account {name}: role {role}").format(name=account.name, role=account.role))


@main.group(help=lazy_gettext("""API tokens for scripts (Authorization: Bearer TOKEN).

    \b
    Example:
      docgen token create 李娜 --note "月度对账脚本"
      docgen token list
      docgen token revoke 3f9a2c1d
    """))
def token() -> None:
    pass


@token.command(name="create", help=lazy_gettext("""Make an API token for an account; it is shown once.

    \b
    Example:
      docgen token create 李娜 --note "月度对账脚本"
    """))
@click.argument("name")
@click.option("--note", default="", cls=TranslatedOption, help=N_("What the token is for."))
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print the token as JSON."))
@click.pass_obj
def token_create(obj: Ctx, name: str, note: str, as_json: bool) -> None:
    accounts, by = _accounts(obj)
    secret, info = accounts.token_create(name, by=by, note=note)
    if as_json:
        _print_json({**info.to_json(), "token": secret})
        return
    click.echo(secret)
    click.echo(_("token {id} for {name}: keep it now, it cannot be shown again (docgen token revoke {id} ends it)").format(
        id=info.id, name=info.account), err=True)


@token.command(name="list", help=lazy_gettext("""The API tokens (never their secrets), of one account or all.

    \b
    Example:
      docgen token list
      docgen token list 李娜 --json
    """))
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, callback=_json_seen, cls=TranslatedOption, help=N_("Print a JSON list."))
@click.pass_obj
def token_list(obj: Ctx, name: str | None, as_json: bool) -> None:
    from docgen import table

    accounts, _by = _accounts(obj)
    rows = accounts.tokens(name)
    if as_json:
        _print_json([t.to_json() for t in rows])
        return
    if not rows:
        click.echo(_("no tokens"))
        return
    shown = [{"id": t.id, "account": t.account, "created": t.created, "last_used": t.last_used or "",
              "state": _("revoked") if t.revoked else _("active"), "note": t.note} for t in rows]
    columns = [table.Column("id", header="ID"), table.Column("account", header=_("account"), flex=1),
               table.Column("created", header=_("created"), flex=1), table.Column("last_used", header=_("last used"), flex=1),
               table.Column("state", header=_("state")), table.Column("note", header=_("note"), flex=2)]
    for text in table.render(columns, shown):
        click.echo(text)


@token.command(name="revoke", help=lazy_gettext("""Revoke an API token: it stops working at once.

    \b
    Example:
      docgen token revoke 3f9a2c1d
    """))
@click.argument("token_id", metavar="ID")
@click.pass_obj
def token_revoke(obj: Ctx, token_id: str) -> None:
    accounts, by = _accounts(obj)
    t = accounts.token_revoke(token_id, by=by)
    click.echo(_("token {id} of {name} revoked").format(id=t.id, name=t.account))
