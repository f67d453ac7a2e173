"""Roles: what each kind of account may do (``[roles.NAME]`` in docgen.toml), and the server's settings.

A role's ``may`` lists operations, each alone (every kind) or as ``OPERATION:KIND``; ``"*"``
is everything. Which copies an account pulls, and whether their personal data is masked,
still follow its department's ``[departments.X]`` policy; a role says whether it may pull at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docgen.errors import ConfigError
from docgen.i18n import _

# Every operation a role may be given, in the order docs and errors list them.
OPERATIONS = (
    "read",  # show, list, diff, and the log of one document
    "search",
    "pull",  # copies for the account's department
    "originals",  # the stored files of a version (docx, pdf, scan)
    "new", "revise",
    "review:submit", "review:approve", "review:reject",
    "recheck", "step", "void",
    "ingest",  # upload signed scans
    "quarantine",  # the quarantine: list, retry, file as a number after checking
    "distribute",
    "link",  # customer links to the copies of a project's documents
    "verify",  # verify and reindex
    "log",  # the whole archive's log
    "accounts",  # accounts, roles and tokens
)



def _drafted(role: str, *ops: str) -> list[str]:
    """``OP:KIND`` for every kind whose definition says ``role`` drafts it (``Kind.drafted_by``)."""
    from docgen.kinds import registry

    return [f"{op}:{k.key}" for op in ops for k in registry.kinds() if role in k.drafted_by]


def default_roles() -> dict[str, dict[str, Any]]:
    """The roles of the company's policy: sales and designers make the documents of the sale and
    submit contracts to legal review; legal reviews; project managers make the site's documents,
    recheck, record steps and void their own; finance and the archive read and pull; the front
    desk takes in scans and works the quarantine; the administrator does everything."""
    return {
        "sales": {"name": "销售", "may": ["read", "search", "pull", *_drafted("sales", "new", "revise"),
                                          "review:submit", "link"]},
        "designer": {"name": "设计师", "may": ["read", "search", "pull", *_drafted("designer", "new", "revise"),
                                              "review:submit", "link"]},
        "legal": {"name": "法务", "department": "legal",
                  "may": ["read", "search", "pull", "review:approve", "review:reject", "log"]},
        "engineering": {"name": "工程（项目经理）", "department": "engineering",
                        "may": ["read", "search", "pull", *_drafted("engineering", "new", "revise"), "recheck",
                                "step", *_drafted("engineering", "void"), "link"]},
        "finance": {"name": "财务", "department": "finance", "may": ["read", "search", "pull", "log"]},
        "archive": {"name": "档案", "department": "archive",
                    "may": ["read", "search", "pull", "originals", "verify", "log", "distribute"]},
        "frontdesk": {"name": "前台", "may": ["read", "search", "ingest", "quarantine"]},
        "admin": {"name": "管理员", "may": ["*"]},
    }


def default_toml() -> str:
    """The [server] and [roles.*] sections of a new docgen.toml."""
    import json

    lines = [
        "# `docgen serve`: the service the departments reach in their browsers and scripts.",
        "[server]",
        "session_hours = 8        # a login ends after this many hours without use",
        "max_upload_mb = 50       # the largest upload (a data file, a scan) accepted",
        "converters = 2           # warm LibreOffice converters serving requests side by side",
        "lockout_failures = 5     # failed logins for one name within lockout_minutes lock it",
        "lockout_minutes = 15     # … for this many minutes",
        "lockout_address_failures = 20  # failed logins from one address, whatever the names, lock it out as long",
        "",
        "# What each role may do: `may` lists operations, alone (every kind) or as OPERATION:KIND;",
        '# "*" is everything. Operations: ' + ", ".join(OPERATIONS) + ".",
        "# `department` is the department an account of the role belongs to unless `docgen user add",
        "# --department` says otherwise; its [departments.X] policy decides which copies it pulls and",
        "# whether their personal data is masked. A role written here replaces docgen's default for it.",
    ]
    for key, role in default_roles().items():
        lines += ["", f"[roles.{key}]", f"name = {json.dumps(role['name'], ensure_ascii=False)}"]
        if role.get("department"):
            lines.append(f'department = "{role["department"]}"')
        lines.append("may = [" + ", ".join(json.dumps(m) for m in role["may"]) + "]")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Role:
    key: str
    name: str
    may: tuple[str, ...]
    department: str | None = None

    def allows(self, operation: str, kind: str | None = None) -> bool:
        """Whether the role may do ``operation`` (on a document of ``kind``; None: of any kind it may)."""
        for entry in self.may:
            if entry in ("*", operation):
                return True
            if kind is not None and entry == f"{operation}:{kind}":
                return True
            if kind is None and entry.startswith(operation + ":") and entry[len(operation) + 1:] not in OPERATIONS:
                return True  # `list` of any kind: the rows are checked one by one
        return False


@dataclass(frozen=True)
class Server:
    session_hours: float = 8
    max_upload_mb: int = 50
    converters: int = 2
    lockout_failures: int = 5
    lockout_minutes: float = 15
    lockout_address_failures: int = 20


def read_roles(data: dict[str, Any], where: Any, kinds: tuple[str, ...], departments: dict[str, Any]) -> dict[str, Role]:
    """``[roles.*]``: docgen's defaults, each replaced as a whole by the company's table of that name.

    ``where(key, setting)`` names the line of docgen.toml for an error."""
    tables = {**default_roles(), **data}
    out = {}
    for key, table in tables.items():
        if not isinstance(table, dict):
            raise ConfigError(_("{where} must be a table with name, may and department").format(where=where(key, "")))
        unknown = set(table) - {"name", "may", "department"}
        if unknown:
            raise ConfigError(_("{where}: unknown setting {setting}; use name, may, department").format(
                where=where(key, ""), setting=repr(sorted(unknown)[0])))
        may = table.get("may", [])
        if not isinstance(may, list) or not all(isinstance(m, str) for m in may):
            raise ConfigError(_('{where}: may must be a list of operations, e.g. may = ["read", "new:quote"]').format(
                where=where(key, "may")))
        for entry in may:
            if entry == "*" or entry in OPERATIONS:
                continue
            op, _sep, kind = entry.rpartition(":")
            if op not in OPERATIONS:
                raise ConfigError(_("{where}: {entry} is not an operation; use {operations}, alone or as OPERATION:KIND").format(
                    where=where(key, "may"), entry=repr(entry), operations=", ".join(OPERATIONS)))
            if kind not in kinds:
                raise ConfigError(_("{where}: {entry} names {kind}, which is not a kind; use {kinds}").format(
                    where=where(key, "may"), entry=repr(entry), kind=repr(kind), kinds=", ".join(kinds)))
        dept = table.get("department")
        if dept is not None and dept not in departments and key not in data:
            dept = None  # a default role whose department the company does not have: none
        if dept is not None and dept not in departments:
            raise ConfigError(_("{where}: department {department} is not a department; use {departments}").format(
                where=where(key, "department"), department=repr(dept), departments=", ".join(departments)))
        out[key] = Role(key, str(table.get("name", key)), tuple(may), dept)
    return out


def read_server(table: dict[str, Any]) -> Server:
    known = {f: type(getattr(Server(), f)) for f in Server.__dataclass_fields__}
    unknown = set(table) - set(known)
    if unknown:
        raise ConfigError(_("docgen.toml: [server]: unknown setting {setting}; use {settings}").format(
            setting=repr(sorted(unknown)[0]), settings=", ".join(known)))
    values = {}
    for name, kind in known.items():
        raw = table.get(name, getattr(Server(), name))
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw <= 0 or (kind is int and raw != int(raw)):
            raise ConfigError(_("docgen.toml: [server] {setting} = {value} must be a number above 0").format(
                setting=name, value=repr(raw)))
        values[name] = kind(raw)
    return Server(**values)
