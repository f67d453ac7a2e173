"""Settings: the archive root and ``<archive>/docgen.toml``.

The file is written with commented defaults on first use, so the company can edit
its profile and rates in one place. Rates are read as Decimal.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from docgen import i18n
from docgen.errors import ConfigError
from docgen.i18n import _

_DEFAULT_TOML = """\
# docgen settings for this archive. Edit freely; docgen reads this file on every command.
# Amounts and rates are strings so that they are read exactly (as decimals, never floats).

[company]
# Printed in the header of every document and in the contractor block of contracts.
name = "上海安居装饰工程有限公司"
licence = "91310115MA1K4XXXXX"          # 统一社会信用代码 / 营业执照号
address = "上海市浦东新区世纪大道100号8楼"
phone = "021-5888 8888"
legal_representative = "陈建国"
bank = "中国工商银行上海张江支行 1001 2345 6789 0123 456"
# The company's time zone (an IANA name): every time docgen shows, and "today" (overdue
# notices, default dates, --since), is the company's, whatever zone the server runs in.
timezone = "Asia/Shanghai"

# The language of messages, help, reason files, logs and status words: "zh-CN" or "en"
# (the environment variable DOCGEN_LANGUAGE, if set, overrides it).
language = "zh-CN"

[quote]
management_fee_rate = "0.08"   # 管理费, share of the works subtotal (typical 0.05-0.10)
tax_rate = "0.03"              # 税金, share of works + management fee
valid_days = 30                # 报价有效期 when the quote does not say

[contract]
penalty_rate_per_day = "0.002" # 违约金 per day of delay, share of the contract price
penalty_cap = "0.1"            # 逾期违约金累计上限, share of the contract price (0.01-0.3)
# The originals each party keeps (本合同一式两份，甲乙双方各执一份); 乙方's departments
# work from copies (see [departments] and [distribution]), not from originals.
originals_customer = 1         # 甲方（发包人）执 N 份
originals_company = 1          # 乙方（承包人）执 N 份
dispute_body = "上海仲裁委员会"  # named when dispute = 仲裁
court = "工程所在地人民法院"      # named when dispute = 诉讼

[warranty]
# 保修期 in years, counted from the day completion acceptance is passed. Legal floors:
# 《建设工程质量管理条例》第四十条 and 《住宅室内装饰装修管理办法》第三十二条:
# 基础装修 >= 2, 水电 >= 2, 防水 (有防水要求的厨房、卫生间和外墙面防渗漏) >= 5;
# 供热与供冷系统 in heating and cooling seasons (采暖期、供冷期), >= 2.
basic = 2
plumbing_electrical = 2
waterproof = 5
heating_cooling = 2

[rectification]
default_days = 7               # 整改期限 when a notice made from a failed acceptance gives none

[acceptance]
# 验收依据 printed on acceptance reports when the report does not list its own.
basis = ["《建筑装饰装修工程质量验收标准》GB 50210-2018", "《住宅装饰装修工程施工规范》GB 50327-2001", "《住宅室内装饰装修工程质量验收规范》JGJ/T 304-2013", "本工程施工合同及双方确认的设计图纸、报价单"]

[chain]
# A rectification notice or an acceptance report is made only for a project whose contract
# counts: "signed" (default: the customer's signed contract was scanned and filed) or
# "approved" (legal review approved it; for companies that start work on the approved text).
contract_status = "signed"

[limits]
# Line items of a quote, checklist items of an acceptance report, issues of a notice: more is
# refused (a 2,000-item quote takes minutes to convert). Every other bound is in docs/data.md.
max_items = 2000

[search]
# Full-text search engine: "tantivy" (Rust; a search through the command line stays well under
# a second at 100,000 versions, a rebuild takes minutes) or "whoosh" (pure Python, for a machine
# tantivy has no build for; fine for tens of thousands of versions, about 5 times slower at
# 100,000, a rebuild takes most of an hour). Run `docgen reindex` after changing it.
engine = "tantivy"

[intake]
# Signed scans: `docgen watch` files what the scanner drops into <archive>/inbox/.
max_mb = 100                   # larger files are quarantined (a 300 dpi grey A4 page is about 1 MB)
settle_seconds = 5             # a file that looks unfinished is left this long before it is judged
rescan_seconds = 60            # the inbox is listed again this often, for drops no event announced
truncated_wait_seconds = 300   # a file that ends early is waited for this long (a slow copy) before quarantine
# Each file is read (its pixels decoded) in a separate reader process with these limits; a file
# that goes past one is tried again after the other files, and quarantined after max_attempts.
max_seconds_per_page = 20      # processor time a page may take to read
max_memory_mb = 1024           # memory the reader may use for one file, beyond its libraries
max_attempts = 3               # reads that went past a limit (or did not finish) before quarantine

# Departments that receive and pull copies. `outbox` is a folder under the archive or an
# absolute path (a shared folder); `personal_data` is "full" or "masked" (ID and phone numbers
# shown as 440308********1239 and 138****5678, 《个人信息保护法》第51条); `pull` lists the kinds
# the department may pull. A department whose data is masked never receives a signed scan: it
# gets the generated copy, masked, with a line saying the signed original is on file.
# `mode` is the outbox folder's mode (default "0750": the owner, and the group for reading);
# its copies get the same without execute bits ("0640"). The archive folder itself is
# owner-only, so a department's staff reach an outbox inside it only through the owner:
# give a shared folder's absolute path for them to read it directly.
[departments.customer]
name = "客户"
outbox = "outbox/customer"
personal_data = "full"
pull = @PULL:customer@

[departments.finance]
name = "财务"
outbox = "outbox/finance"
personal_data = "masked"
pull = @PULL:finance@

[departments.engineering]
name = "工程"
outbox = "outbox/engineering"
personal_data = "masked"
pull = @PULL:engineering@

[departments.legal]
name = "法务"
outbox = "outbox/legal"
personal_data = "full"
pull = @PULL:legal@

[departments.archive]
name = "档案"
outbox = "outbox/archive"
personal_data = "full"
pull = @PULL:archive@

# Who receives which document, and the 联次 label on each copy: [distribution.KIND.STATUS],
# then department = "label". Copies go out when a document reaches the status (a signed scan
# is filed, legal review approves, a notice is issued or closed), or with `docgen distribute NUMBER`.
# Copies follow the document: on every change, a department holding an older version gets the
# new version's copy where the rule for the new status names it, else a notice that its copy
# is superseded (…_已被第N版取代.txt); a void document's holders get a void notice (…_已作废.txt).
# A kind this file has no [distribution.KIND] table for gets docgen's defaults (write
# [distribution.KIND] alone to send it nowhere). The statuses a rule may name, per kind:
@RULE_STATUSES@
@DISTRIBUTION@
# Quotes and change orders from the company's .xlsx sheets (`docgen new quote 报价.xlsx`):
# docgen finds the header row by its names (项目名称, 数量, 单价 or 主材/辅材/人工, 金额, 说明 …).
# Where the company's sheet names its columns otherwise, say which column is which, by
# letter or by the header's name; the fields are no, name, unit, quantity, unit_price,
# materials, auxiliary, labour, loss, amount and note (several columns: a list).
# [spreadsheet.quote]
# sheet = "报价"           # the sheet to read (default: the first with a header row)
# header_row = 3           # the row of column names (default: found by its names)
# [spreadsheet.quote.columns]
# name = "工作内容"
# quantity = "D"
# note = ["工艺说明", "品牌型号"]

[numbers]
# Document numbers: prefix per kind, then the year and a sequence of `digits` digits.
# Numbers are never reused, also not after a document is voided.
format = "{prefix}-{year}-{seq:0{digits}d}"
digits = 4
@PREFIXES@
@KIND_SECTIONS@"""


def default_toml() -> str:
    """docgen.toml as written for a new archive: the company's settings, with what each kind
    brings (who pulls it, its distribution rules, its number prefix, its own section) from
    the kinds' definitions."""
    from docgen.kinds import registry

    return _default_toml(tuple(registry.kinds()))


@functools.cache
def _default_toml(kinds: tuple[Any, ...]) -> str:
    text = _DEFAULT_TOML
    for dept in ("customer", "finance", "engineering", "legal", "archive"):
        pulled = ", ".join(f'"{k.key}"' for k in kinds if dept in k.pulled_by)
        text = text.replace(f"@PULL:{dept}@", f"[{pulled}]")
    width = max(len(k.key) for k in kinds) + 2
    text = text.replace("@RULE_STATUSES@", "\n".join(
        f"#   {k.key:<{width}} {', '.join(k.rule_statuses)}" for k in kinds))
    rules = []
    for k in kinds:
        for status, copies in k.distribution.items():
            rules.append(f"[distribution.{k.key}.{status}]\n" + "".join(f'{d} = "{label}"\n' for d, label in copies.items()))
    text = text.replace("@DISTRIBUTION@\n", "\n".join(rules) + "\n")
    text = text.replace("@PREFIXES@", "\n".join(f'{k.key} = "{k.prefix}"' for k in kinds))
    own = "".join(f"\n{k.settings_toml.strip()}\n" for k in kinds if k.settings_toml.strip())
    from docgen import roles

    return text.replace("@KIND_SECTIONS@", own) + "\n" + roles.default_toml()


def today() -> dt.date:
    """The company's date today (``docgen.clock``), or ``DOCGEN_TODAY`` for a fixed date."""
    from docgen import clock

    return clock.today()


def archive_root(option: str | os.PathLike[str] | None = None) -> Path:
    """``--archive``, else ``DOCGEN_ARCHIVE``, else ``./archive``."""
    if option:
        return Path(option)
    env = os.environ.get("DOCGEN_ARCHIVE")
    if env:
        return Path(env)
    return Path("archive")


@dataclass(frozen=True)
class Company:
    name: str
    licence: str
    address: str
    phone: str
    legal_representative: str
    bank: str
    language: str = "zh-CN"


@dataclass(frozen=True)
class Department:
    """A department that receives and pulls copies (``[departments.KEY]``)."""

    key: str
    name: str
    outbox: Path
    masked: bool
    pull: tuple[str, ...]
    mode: int = 0o750  # the outbox folder's; its files get the same without execute bits

    @property
    def file_mode(self) -> int:
        return self.mode & 0o666


def _kind_keys() -> tuple[str, ...]:
    from docgen.kinds import registry

    return registry.keys()


def _rule_statuses(kind: str) -> tuple[str, ...]:
    """The statuses a rule may name: what a document of the kind can reach (signed: a
    signed scan was filed), from the kind's definition."""
    from docgen.kinds import registry

    return registry.get(kind).rule_statuses


def _line_of(text: str, *needles: str, after: str = "") -> str:
    """'line N' of the first line of docgen.toml holding all needles (after the line holding
    ``after``, when given), for error messages."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if after and after in line), 0)
    for n, line in enumerate(lines[start:], start + 1):
        if all(x in line for x in needles):
            return _("line {n}").format(n=n)
    return _("(line not found)")


def _departments(data: dict, text: str, root: Path) -> dict[str, Department]:
    out = {}
    for key, table in data.items():
        where = f"docgen.toml {_line_of(text, f'[departments.{key}]')}: [departments.{key}]"
        if not isinstance(table, dict):
            raise ConfigError(_("{where} must be a table with name, outbox, personal_data and pull").format(where=where))
        unknown = set(table) - {"name", "outbox", "personal_data", "pull", "mode"}
        if unknown:
            raise ConfigError(
                _("{where}: unknown setting {setting}; use name, outbox, personal_data, pull, mode").format(
                    where=where, setting=repr(sorted(unknown)[0]))
            )
        section = f"[departments.{key}]"

        def at(setting: str, section: str = section) -> str:
            return f"docgen.toml {_line_of(text, setting, '=', after=section)}: {section}"

        data_policy = table.get("personal_data", "masked")
        if data_policy not in ("full", "masked"):
            raise ConfigError(_('{where}: personal_data = "{value}" must be "full" or "masked"').format(
                where=at("personal_data"), value=data_policy))
        pull = table.get("pull", [])
        if not isinstance(pull, list):
            raise ConfigError(_('{where}: pull must be a list of kinds, e.g. pull = ["contract", "acceptance"]').format(
                where=at("pull")))
        bad = next((k for k in pull if k not in _kind_keys()), None)
        if bad is not None:
            raise ConfigError(_("{where}: pull names {kind}, which is not a kind; use {kinds}").format(
                where=at("pull"), kind=repr(bad), kinds=", ".join(_kind_keys())))
        mode = table.get("mode", "0750")
        if not (isinstance(mode, str) and re.fullmatch(r"0?[0-7]{3}", mode)):
            raise ConfigError(_('{where}: mode must be an octal string such as "0750", not {mode}').format(
                where=at("mode"), mode=repr(mode)))
        if int(mode, 8) & 0o700 != 0o700 or int(mode, 8) & 0o002:
            raise ConfigError(
                _('{where}: mode = "{mode}" must give the owner rwx and others no write access, e.g. "0750"').format(
                    where=at("mode"), mode=mode)
            )
        outbox = Path(str(table.get("outbox", f"outbox/{key}")))
        out[key] = Department(
            key=key,
            name=str(table.get("name", key)),
            outbox=outbox if outbox.is_absolute() else root / outbox,
            masked=data_policy == "masked",
            pull=tuple(pull),
            mode=int(mode, 8),
        )
    return out


def _distribution(
    data: dict, text: str, departments: dict[str, Department]
) -> dict[tuple[str, str], dict[str, str]]:
    rules: dict[tuple[str, str], dict[str, str]] = {}
    for kind, by_status in data.items():
        if kind not in _kind_keys():
            raise ConfigError(
                _("docgen.toml {line}: [distribution.{kind}]: {name} is not a kind; use {kinds}").format(
                    line=_line_of(text, f"[distribution.{kind}"), kind=kind, name=repr(kind),
                    kinds=", ".join(_kind_keys()))
            )
        if not isinstance(by_status, dict):
            raise ConfigError(_("docgen.toml {line}: [distribution.{kind}] must hold tables "
                                "[distribution.{kind}.STATUS]").format(
                line=_line_of(text, f"[distribution.{kind}"), kind=kind))
        for status, copies in by_status.items():
            section = f"[distribution.{kind}.{status}]"
            where = f"docgen.toml {_line_of(text, section)}"
            if not isinstance(copies, dict):
                raise ConfigError(
                    _('docgen.toml {line}: {section} must be a table of department = "label"').format(
                        line=_line_of(text, status, "=", after=f"[distribution.{kind}]"), section=section)
                )
            if status not in _rule_statuses(kind):
                raise ConfigError(
                    _("{where}: [distribution.{kind}.{status}]: a {kind} has no status {name}; use {statuses}").format(
                        where=where, kind=kind, status=status, name=repr(status),
                        statuses=", ".join(_rule_statuses(kind)))
                )
            for dept, label in copies.items():
                if dept not in departments:
                    raise ConfigError(
                        _("docgen.toml {line}: {section} names department {dept}, which is not in "
                          "[departments]; use {departments}").format(
                            line=_line_of(text, dept, "=", after=section), section=section, dept=repr(dept),
                            departments=", ".join(departments))
                    )
                if not str(label).strip():
                    raise ConfigError(_("{where}: [distribution.{kind}.{status}] {dept}: the label is empty").format(
                        where=where, kind=kind, status=status, dept=dept))
            rules[(kind, status)] = {d: str(label) for d, label in copies.items()}
    return rules


@dataclass(frozen=True)
class Limits:
    """``[limits]``: the bounds of a document's data the company may change."""

    max_items: int = 2000


def _limits(table: dict) -> Limits:
    raw = table.get("max_items")
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 100_000:
        raise ConfigError(_("docgen.toml: [limits] max_items = {value} must be a whole number from 1 to 100000").format(
            value=repr(raw)))
    return Limits(max_items=raw)


@dataclass(frozen=True)
class Settings:
    company: Company
    management_fee_rate: Decimal
    tax_rate: Decimal
    valid_days: int
    penalty_rate_per_day: Decimal
    penalty_cap: Decimal  # 逾期违约金累计上限, share of the contract price
    originals_customer: int  # originals 甲方 keeps
    originals_company: int  # originals 乙方 keeps
    dispute_body: str
    court: str
    warranty: dict[str, int]
    rectification_days: int
    acceptance_basis: tuple[str, ...]
    search_engine: str
    intake_max_mb: int
    intake_settle: float
    intake_rescan: float
    intake_truncated_wait: float
    intake_max_seconds_per_page: float
    intake_max_memory_mb: int
    intake_max_attempts: int
    number_format: str
    number_digits: int
    prefixes: dict[str, str]
    departments: dict[str, Department]
    distribution: dict[tuple[str, str], dict[str, str]]
    limits: Limits = Limits()
    timezone: str = "Asia/Shanghai"  # [company] timezone, an IANA name
    chain_contract_status: str = "signed"  # [chain] contract_status: what a notice or report needs
    kinds: dict[str, Any] = field(default_factory=dict)  # each kind's own section, as the kind reads it
    roles: dict[str, Any] = field(default_factory=dict)  # [roles.NAME]: roles.Role
    server: Any = None  # [server]: roles.Server
    spreadsheet: dict[str, Any] = field(default_factory=dict)  # [spreadsheet.KIND]: docgen.sheets.layout

    def kind(self, key: str) -> Any:
        """A kind's own settings (``Kind.read_settings`` of its docgen.toml section)."""
        return self.kinds[key]

    @property
    def originals(self) -> int:
        """本合同一式 N 份: the originals both parties keep."""
        return self.originals_customer + self.originals_company

    def number(self, kind: str, year: int, seq: int) -> str:
        return self.number_format.format(
            prefix=self.prefixes[kind], year=year, seq=seq, digits=self.number_digits
        )


def ensure_settings_file(root: Path) -> Path:
    """Write docgen.toml with commented defaults if it is not there yet."""
    path = root / "docgen.toml"
    if not path.exists():
        root.mkdir(parents=True, exist_ok=True)
        # Several first commands may start at once: each writes its own file and
        # links it into place, so the first one wins and none is overwritten.
        tmp = root / f".docgen.toml.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_text(default_toml(), encoding="utf-8")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links
            if not path.exists():
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return path


def _rate(table: dict, key: str, where: str, low: str, high: str) -> Decimal:
    from docgen.money import to_rate

    raw = table.get(key)
    try:  # "0.08" or "8%", as in the data
        value = to_rate(repr(raw) if isinstance(raw, float) else raw)
    except ValueError as exc:
        raise ConfigError(_("docgen.toml: [{section}] {key}: {problem}").format(
            section=where, key=key, problem=exc)) from None
    if not (Decimal(low) <= value <= Decimal(high)):
        raise ConfigError(_("docgen.toml: [{section}] {key} = {value} must be between {low} and {high}").format(
            section=where, key=key, value=raw, low=low, high=high))
    return value


def _engine(name: str) -> str:
    if name not in ("whoosh", "tantivy"):
        raise ConfigError(_('docgen.toml: [search] engine = "{name}" is not known; use "whoosh" or "tantivy"').format(
            name=name))
    return name


def _positive(table: dict, key: str, kind: type) -> Any:
    raw = table.get(key)
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or isinstance(raw, bool) or value <= 0:
        raise ConfigError(_("docgen.toml: [intake] {key} = {value} must be a number above 0").format(
            key=key, value=repr(raw)))
    return value


WARRANTY_FLOORS = {
    "basic": (2, "《住宅室内装饰装修管理办法》第三十二条"),
    "plumbing_electrical": (2, "《建设工程质量管理条例》第四十条"),
    "waterproof": (5, "《建设工程质量管理条例》第四十条"),
    "heating_cooling": (2, "《建设工程质量管理条例》第四十条"),
}
SEASONS = frozenset({"heating_cooling"})
"""The periods counted in heating and cooling seasons (采暖期、供冷期), not in years."""


def _warranty(table: dict) -> dict[str, int]:
    out = {}
    for key, (floor, rule) in WARRANTY_FLOORS.items():
        raw = table[key]
        try:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            years = int(raw)
        except (TypeError, ValueError):
            if key in SEASONS:
                raise ConfigError(
                    _("docgen.toml: [warranty] {key} must be a whole number of heating and cooling seasons").format(
                        key=key)) from None
            raise ConfigError(_("docgen.toml: [warranty] {key} must be a whole number of years").format(key=key)) from None
        if years < floor:
            if key in SEASONS:
                raise ConfigError(
                    _("docgen.toml: [warranty] {key} = {years} is below the legal minimum of {floor} heating and "
                      "cooling seasons ({rule}); set it to {floor} or more").format(
                        key=key, years=years, floor=floor, rule=rule)
                )
            raise ConfigError(
                _("docgen.toml: [warranty] {key} = {years} is below the legal minimum of {floor} years ({rule}); "
                  "set it to {floor} or more").format(key=key, years=years, floor=floor, rule=rule)
            )
        if years > 50:
            raise ConfigError(_("docgen.toml: [warranty] {key} = {years} is more than 50; write the period "
                                "in whole years (seasons for heating_cooling)").format(key=key, years=years))
        out[key] = years
    return out


def _count(table: dict, key: str) -> int:
    raw = table.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 10:
        raise ConfigError(_("docgen.toml: [contract] {key} = {value} must be a whole number from 1 to 10").format(
            key=key, value=repr(raw)))
    return raw


def _originals(contract: dict, own: dict) -> tuple[int, int]:
    """(甲方's, 乙方's) originals. A docgen.toml of the earlier form (``originals`` and
    ``keepers``, one keeper per original) is read as before: the keepers naming 甲方 are
    甲方's originals, the rest 乙方's."""
    old = [k for k in ("originals", "keepers") if k in own]
    if old:
        new = [k for k in ("originals_customer", "originals_company") if k in own]
        if new:
            raise ConfigError(
                _("docgen.toml: [contract] has both {old} and {new}; keep {new} (the originals 甲方 and 乙方 "
                  "keep) and delete {old}").format(old=" and ".join(old), new=" and ".join(new)))
        keepers = [str(x) for x in own.get("keepers", [])]
        if "keepers" not in own or not keepers:
            raise ConfigError(
                _("docgen.toml: [contract] originals is no longer read; write originals_customer = N and "
                  "originals_company = N (the originals 甲方 and 乙方 keep) instead"))
        originals = own.get("originals", len(keepers))
        if isinstance(originals, bool) or not isinstance(originals, int) or len(keepers) != originals:
            raise ConfigError(
                _("docgen.toml: [contract] keepers names {n} holders but originals = {originals}; "
                  "list one keeper per original").format(n=len(keepers), originals=originals)
            )
        customer = sum(1 for k in keepers if k.startswith(("甲方", "发包人")))
        company = sum(1 for k in keepers if k.startswith(("乙方", "承包人")))
        if customer + company != len(keepers) or not customer or not company:
            raise ConfigError(
                _("docgen.toml: [contract] keepers: each keeper must start with 甲方 or 乙方, and both must keep "
                  "an original; better, replace originals and keepers by originals_customer = N and "
                  "originals_company = N"))
        return customer, company
    return _count(contract, "originals_customer"), _count(contract, "originals_company")


def _penalty_cap(contract: dict) -> Decimal:
    cap = _rate(contract, "penalty_cap", "contract", "0.01", "0.3")
    rate = _rate(contract, "penalty_rate_per_day", "contract", "0", "0.05")
    if cap < rate:
        raise ConfigError(
            _("docgen.toml: [contract] penalty_cap = {cap} is less than one day's penalty "
              "(penalty_rate_per_day = {rate}); raise the cap").format(
                cap=contract.get("penalty_cap"), rate=contract.get("penalty_rate_per_day")))
    return cap


def _timezone(raw: object) -> str:
    from docgen.clock import zone

    try:
        zone(raw)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ConfigError(_("docgen.toml: [company] timezone: {error}").format(error=exc)) from None
    return str(raw).strip()


@functools.lru_cache(maxsize=16)
def _parsed(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def _toml(text: str) -> dict[str, Any]:
    """``text`` read as TOML, once a process for each text (docgen.toml is read for its language
    before the archive opens, then whole; the defaults every time settings are read); a copy of
    its own for the caller."""
    return copy.deepcopy(_parsed(text))


def read_language(root: Path) -> None:
    """Take ``[company] language`` from ``<root>/docgen.toml`` before the archive is opened, so
    that even a message about a damaged archive is in the company's language. A file that
    cannot be read is left to :func:`load_settings` to report."""
    try:
        data = _toml((root / "docgen.toml").read_text(encoding="utf-8"))
        name = data.get("company", {}).get("language")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, AttributeError):
        return
    if name is not None and isinstance(name, str) and i18n.known(name):
        i18n.configure(name)


OLD_ENGINE = "whoosh"  # the engine of an archive whose docgen.toml names none (its default until 2026-12)


def load_settings(root: Path) -> Settings:
    """Read ``<root>/docgen.toml`` (written with defaults first if missing)."""
    path = ensure_settings_file(root)
    defaults = _toml(default_toml())
    text = path.read_text(encoding="utf-8")
    try:
        data = _toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    merged = {k: {**v, **data.get(k, {})} for k, v in defaults.items()}
    language = i18n.configure(merged["company"].get("language", i18n.DEFAULT))  # before any other message
    # the company's own departments replace the defaults as a whole, and so do its rules for a kind
    departments = _departments(data.get("departments", defaults["departments"]), text, root)
    # a kind the company's [distribution] does not mention (one added to docgen after the file
    # was written) keeps its own defaults; `[distribution.KIND]` alone sends it nowhere
    own = data.get("distribution")
    rules = defaults["distribution"] if own is None else {
        **{kind: {status: {d: label for d, label in copies.items() if d in departments}
                  for status, copies in by_status.items()}
           for kind, by_status in defaults["distribution"].items() if kind not in own},
        **own}
    distribution = _distribution(rules, text, departments)
    c, q, k, n = merged["company"], merged["quote"], merged["contract"], merged["numbers"]
    c = {**c, "language": language}
    originals_customer, originals_company = _originals(k, data.get("contract", {}))
    return Settings(
        company=Company(**{f: str(c[f]) for f in Company.__dataclass_fields__}),
        management_fee_rate=_rate(q, "management_fee_rate", "quote", "0", "0.5"),
        tax_rate=_rate(q, "tax_rate", "quote", "0", "0.5"),
        valid_days=int(q["valid_days"]),
        penalty_rate_per_day=_rate(k, "penalty_rate_per_day", "contract", "0", "0.05"),
        penalty_cap=_penalty_cap(k),
        originals_customer=originals_customer,
        originals_company=originals_company,
        dispute_body=str(k["dispute_body"]),
        court=str(k["court"]),
        warranty=_warranty(merged["warranty"]),
        rectification_days=int(merged["rectification"]["default_days"]),
        acceptance_basis=tuple(str(x) for x in merged["acceptance"]["basis"]),
        # a docgen.toml written before tantivy was the default, without the key, keeps whoosh:
        # its index is whoosh's, and a change of engine is the company's (with `docgen reindex`)
        search_engine=_engine(str(data.get("search", {}).get("engine", OLD_ENGINE))),
        intake_max_mb=_positive(merged["intake"], "max_mb", int),
        intake_settle=_positive(merged["intake"], "settle_seconds", float),
        intake_rescan=_positive(merged["intake"], "rescan_seconds", float),
        intake_truncated_wait=_positive(merged["intake"], "truncated_wait_seconds", float),
        intake_max_seconds_per_page=_positive(merged["intake"], "max_seconds_per_page", float),
        intake_max_memory_mb=_positive(merged["intake"], "max_memory_mb", int),
        intake_max_attempts=_positive(merged["intake"], "max_attempts", int),
        number_format=str(n["format"]),
        number_digits=int(n["digits"]),
        prefixes={k: str(n[k]) for k in _kind_keys()},
        departments=departments,
        distribution=distribution,
        limits=_limits(merged["limits"]),
        timezone=_timezone(c.get("timezone")),
        chain_contract_status=_contract_status(merged["chain"]),
        kinds=_kind_settings(merged),
        roles=_roles(data.get("roles", {}), text, departments),
        server=_server(data.get("server", {})),
        spreadsheet=_spreadsheet(data.get("spreadsheet", {})),
    )


def _spreadsheet(table: Any) -> dict[str, Any]:
    """[spreadsheet.KIND] tables, checked now (a mistake is told before any sheet is read)."""
    from docgen.kinds import registry

    if not isinstance(table, dict):
        raise ConfigError(_("docgen.toml: [spreadsheet] must be a table of [spreadsheet.KIND] tables"))
    readers = [k.key for k in registry.kinds() if k.sheets]
    for key in table:
        if key not in readers:
            raise ConfigError(_("docgen.toml: [spreadsheet.{key}]: docgen reads spreadsheets for {kinds}").format(
                key=key, kinds=", ".join(readers)))
    if table:
        from docgen import sheets  # openpyxl: only for an archive that names sheet layouts

        holder = type("Spreadsheets", (), {"spreadsheet": table})
        for key in table:
            sheets.layout(holder, key)
    return dict(table)


def _roles(data: dict[str, Any], text: str, departments: dict[str, Department]) -> dict[str, Any]:
    from docgen.roles import read_roles

    def where(key: str, setting: str) -> str:
        section = f"[roles.{key}]"
        line = _line_of(text, setting, "=", after=section) if setting else _line_of(text, section)
        return f"docgen.toml {line}: {section}"

    if not isinstance(data, dict):
        raise ConfigError(_("docgen.toml: [roles] must hold tables such as [roles.finance]"))
    return read_roles(data, where, _kind_keys(), departments)


def _server(table: Any) -> Any:
    from docgen.roles import read_server

    if not isinstance(table, dict):
        raise ConfigError(_("docgen.toml: [server] must be a table"))
    return read_server(table)


def _kind_settings(merged: dict[str, Any]) -> dict[str, Any]:
    """Each kind's own section (``Kind.settings_toml``), read by the kind."""
    from docgen.kinds import registry

    out = {}
    for k in registry.kinds():
        if k.settings_toml.strip():
            section = next(iter(_toml(k.settings_toml)))
            out[k.key] = k.read_settings(merged.get(section, {}))
    return out


def _contract_status(table: dict) -> str:
    raw = table.get("contract_status")
    if raw not in ("signed", "approved"):
        raise ConfigError(_('docgen.toml: [chain] contract_status = {value} must be "signed" or "approved"').format(
            value=repr(raw)))
    return str(raw)
