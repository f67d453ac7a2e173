"""Reading input files and the project every document belongs to.

YAML numbers are read as Decimal (never float), JSON too. Validation errors are
reported as one line with the path of the field: ``sections[0].items[2].quantity``.

Every input is bounded, and the bounds are stated here, in one place (docs/data.md lists
them): amounts, quantities, areas and dates, the length of every text, the number of
entries of every list, the nesting depth and size of a file. A text on one line may not
hold control or bidirectional-override characters (they hide or reorder what is printed);
ID and phone numbers typed with full-width digits are normalised (NFKC) first.
"""

from __future__ import annotations

import datetime as dt
import json
import json.decoder
import json.scanner
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from docgen.errors import InputError
from docgen.i18n import _, ngettext
from docgen.kinds import fullwidth, pydantic_errors
from docgen.money import to_decimal, to_rate

# Bounds -----------------------------------------------------------------------------------
MAX_FILE_BYTES = 16 * 1024 * 1024  # a quote of 2,000 items with long notes is about 3 MB
MAX_DEPTH = 20  # the deepest document (quote: sections -> items -> item) nests 5 levels
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)  # numbers carry a 4-digit year
MAX_QUANTITY = Decimal("1000000")  # of one line item, in its unit
MAX_PRICE = Decimal("100000000")  # a unit price, yuan
MAX_AREA = Decimal("100000")  # ㎡ of a site
MAX_DECIMALS = 4  # decimal places of a quantity, price, area or percentage
MAX_RATE_DECIMALS = 6  # of a rate such as 0.0005 a day
# characters of a text
MAX_NAME = 50  # a person: customer, designer, inspector …
MAX_PHONE = 20  # +86 138 1234 5678 with its spaces is 17
MAX_LINE = 100  # one line: an item's name, a section, a unit, a stage, a category …
MAX_ADDRESS = 200
MAX_NOTE = 200  # an item's note, printed in a narrow table cell (200 characters: half a page)
MAX_PARAGRAPH = 2000  # a paragraph: remarks, terms, scope, problem, requirement, opinion …
# entries of a list (line items, checklist items and issues: [limits] max_items in docgen.toml)
MAX_SECTIONS = 100
MAX_LINES = 50  # remarks, special terms, notes, basis lines
MAX_PAYMENTS = 20
MAX_MATERIALS = 200
MAX_INSPECTORS = 20

# C0 and C1 controls and DEL, and the characters that reorder or hide text when printed
# (Unicode TR9 explicit embeddings, overrides and isolates, marks, line/paragraph separators).
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
_BAD_ONE_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_BAD_LINES = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")  # a newline is allowed


class _DepthError(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


class _JsonDecoder(json.JSONDecoder):
    """JSON with Decimal numbers, unique keys (both lines named) and a bounded depth."""

    def __init__(self) -> None:
        super().__init__(parse_float=Decimal, object_pairs_hook=_unique_pairs)
        self.depth = 0
        self.parse_object = self._object
        self.parse_array = self._nested(json.decoder.JSONArray)
        self.scan_once = json.scanner.py_make_scanner(self)  # the C scanner calls no hooks

    def _nested(self, parse: Callable[..., Any]) -> Callable[..., Any]:
        def nested(s_and_end: tuple[str, int], *args: Any) -> Any:
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise _DepthError(s_and_end[0].count("\n", 0, s_and_end[1]) + 1)
                return parse(s_and_end, *args)
            finally:
                self.depth -= 1

        return nested

    def _object(self, s_and_end: tuple[str, int], *args: Any) -> Any:
        try:
            return self._nested(json.decoder.JSONObject)(s_and_end, *args)
        except _Duplicate as dup:
            s, start = s_and_end
            lines = _key_lines(s, start, dup.key, self.scan_once)
            raise InputError(
                _("line {line}: {key} appears twice in one object (lines {first} and {second}); keep one").format(
                    line=lines[-1], key=dup.key, first=lines[0], second=lines[-1])
            ) from None


def _key_lines(s: str, pos: int, key: str, scan_once: Callable[..., Any]) -> list[int]:
    """The lines of ``key`` among the members of the object whose text starts at ``pos``."""
    ws = json.decoder.WHITESPACE.match
    lines = []
    while True:
        pos = ws(s, pos).end()
        if s[pos] == "}":
            return lines
        name, after = json.decoder.scanstring(s, pos + 1)
        if name == key:
            lines.append(s.count("\n", 0, pos) + 1)
            if len(lines) == 2:
                return lines
        pos = ws(s, after).end() + 1  # past the colon
        try:
            _value, pos = scan_once(s, ws(s, pos).end())
        except _Duplicate:
            return lines
        pos = ws(s, pos).end()
        if s[pos] == ",":
            pos += 1


def load_file(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON document file into a dict; one-line errors with the line."""
    if path.is_dir():
        raise InputError(_("{path}: is a folder; give the document's .yaml file").format(path=path))
    if not path.is_file():
        raise InputError(_("{path}: file does not exist").format(path=path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            _("{path}: the file is {size} MB, more than the {limit} MB a document's data may be; split the document")
            .format(path=path, size=f"{size / 1024 / 1024:.1f}", limit=MAX_FILE_BYTES // 1024 // 1024)
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(_("{path}: not UTF-8 text; save the file as UTF-8").format(path=path)) from None
    if path.suffix.lower() == ".json":
        try:
            data = _JsonDecoder().decode(text)
        except json.JSONDecodeError as exc:
            # exc.msg is the json module's own English ("Expecting value")
            raise InputError(_("{path}: line {line}: {problem}").format(path=path, line=exc.lineno, problem=exc.msg)) from None
        except InputError as exc:
            raise InputError(at(path, exc)) from None
        except _DepthError as exc:
            raise InputError(_too_deep(path, exc.line)) from None
    else:
        full = fullwidth.problem(text)
        if full:
            raise InputError(at(path, full))
        import yaml

        from docgen.kinds import yamlfile

        try:
            data = yaml.load(text, Loader=yamlfile._DecimalLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            full = fullwidth.near_error(text, mark.line + 1) if mark else None
            if full:
                raise InputError(at(path, full)) from None
            where = _("line {line}, column {column}: ").format(line=mark.line + 1, column=mark.column + 1) if mark else ""
            # PyYAML's own problem text is English ("mapping values are not allowed here"); ours is translated
            problem = str(exc.problem or exc.context)
            hint = "" if isinstance(exc, yamlfile._DuplicateKey) else _("; check the indentation and brackets there")
            raise InputError(at(path, f"{where}{problem}{hint}")) from None
        except yaml.YAMLError as exc:
            raise InputError(_("{path}: not valid YAML ({error})").format(path=path, error=exc)) from None
        except _DepthError as exc:
            raise InputError(_too_deep(path, exc.line)) from None
    if not isinstance(data, dict):
        raise InputError(_("{path}: expected a mapping of fields (key: value) at the top").format(path=path))
    return data


def at(place: object, message: object) -> str:
    """``message`` about ``place`` (a file, a field): ``quote.yaml: date: …`` (``quote.yaml：date：…`` in zh-CN)."""
    return _("{place}: {message}").format(place=place, message=message)


def _too_deep(path: Path, line: int) -> str:
    return _("{path}: line {line}: nested more than {depth} levels deep; no document nests so deep").format(
        path=path, line=line, depth=MAX_DEPTH)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[\w-]+", str(part)):
            out += ("." if out else "") + str(part)
        # pydantic adds the validator name for unions/functions; not part of the path
    return out


def _message(err: dict[str, Any]) -> str:
    return pydantic_errors.message(err)


if TYPE_CHECKING:
    from pydantic import BaseModel

    from docgen.kinds.fields import Project

M = TypeVar("M", bound="BaseModel")


def validate(model: type[M], data: dict[str, Any], source: Path, what: str | None = None) -> M:
    """``data`` checked by ``model``; InputError naming the field. ``what`` names what the file
    should hold, for a file that lacks most fields (default: the kind the model is the input of)."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # A misspelt key usually causes a "missing" error too: name the misspelling first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        missing_top = [e for e in errors if e["type"] == "missing" and len(e["loc"]) == 1]
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        if len(missing_top) >= max(2, len(required) // 2):
            from docgen.kinds.names import kind_word

            names = ", ".join(str(e["loc"][0]) for e in missing_top)
            raise InputError(
                _("{source}: {names} are missing; is this file really a {kind}?").format(
                    source=source, names=names, kind=what or kind_word(model.__name__.removesuffix("Input").lower()))
            ) from None
        more = ngettext(" (and {n} more)", " (and {n} more)", len(errors) - 1).format(n=len(errors) - 1) \
            if len(errors) > 1 else ""
        where = _path(tuple(first["loc"]))
        raise InputError(at(source, at(where, _message(first)) if where else _message(first)) + more) from None


def _money(value: object) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    return to_decimal(value)


def _rate(value: object) -> Decimal:
    """A rate written as a fraction (0.08) or a percentage ("8%", "8％"); "8" alone is refused."""
    return to_rate(repr(value) if isinstance(value, float) else value)


def _show(value: Decimal) -> str:
    """A number as the message shows it; 1E+400 stays short."""
    text = f"{value:f}"
    return text if len(text) <= 24 else f"{value:.3E}"


def bounded(maximum: Decimal, decimals: int = MAX_DECIMALS) -> Callable[[Decimal], Decimal]:
    """A check that a number is at most ``maximum`` and has at most ``decimals`` places."""

    def check(value: Decimal) -> Decimal:
        if value > maximum:
            raise ValueError(_("must be at most {maximum} (got {value})").format(maximum=f"{maximum:,f}", value=_show(value)))
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > decimals:
            raise ValueError(
                _("has more than {decimals} decimal places (got {value})").format(decimals=decimals, value=_show(value)))
        return value

    return check


def _in_range(day: dt.date) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(_("{day} is outside {first}..{last}; check the year").format(
            day=day.isoformat(), first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
    return day


def _char(c: str) -> str:
    name = unicodedata.name(c, "")
    return f"U+{ord(c):04X}" + (f" ({name})" if name else "")


def text(maximum: int, *, lines: bool = False) -> Callable[[str], str]:
    """A check that a text is at most ``maximum`` characters, without control characters
    (a newline only where ``lines``)."""
    bad = _BAD_LINES if lines else _BAD_ONE_LINE

    def check(value: str) -> str:
        if len(value) > maximum:
            raise ValueError(_("is {length} characters long, more than the {maximum} allowed; shorten it").format(
                length=f"{len(value):,}", maximum=f"{maximum:,}"))
        found = bad.search(value)
        if found:
            c = found.group()
            if c in "\n\r\u2028\u2029":
                raise ValueError(_("contains a line break ({char}); write it on one line").format(char=_char(c)))
            raise ValueError(_("contains the control character {char}; remove it").format(char=_char(c)))
        return value

    return check


def _nfkc(value: object) -> object:
    # 《信息技术 中文编码字符集》 full-width digits (４４０３０８…) are the same digits
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


def check_id_number(value: str) -> str:
    """A 居民身份证 number: 18 characters, a real birth date, the GB 11643-1999 check digit."""
    number = value.replace(" ", "").upper()
    if not _ID_SHAPE.fullmatch(number):
        raise ValueError(
            _('"{value}" is not an ID number: a 居民身份证 number is 17 digits and then a digit or X '
              "({n} characters here)").format(value=value, n=len(number))
        )
    born = number[6:14]
    try:
        birth = dt.date(int(born[:4]), int(born[4:6]), int(born[6:]))
    except ValueError:
        birth = None
    if birth is None or not dt.date(1900, 1, 1) <= birth <= dt.date.today():
        raise ValueError(
            _('"{value}" is not an ID number: its birth date {born} (characters 7-14) is not a plausible date; '
              "copy the number from the ID card again").format(value=value, born=born)
        )
    # GB 11643-1999 (ISO 7064 MOD 11-2): the weighted sum of the first 17 digits picks the 18th
    check = "10X98765432"[sum(int(d) * w for d, w in zip(number, _ID_WEIGHTS)) % 11]
    if number[17] != check:
        raise ValueError(
            _('"{value}" is not an ID number: its check digit (the last character) does not match the other '
              "17 (GB 11643-1999); a digit is mistyped, copy the number from the ID card again").format(value=value)
        )
    return number


def check_phone(value: str) -> str:
    """A mainland mobile (11 digits, 1[3-9]…) or landline (0, area code, 7-8 digits), +86 allowed."""
    text = value.strip()
    if len(text) > MAX_PHONE:
        raise ValueError(
            _('"{value}…" is not a phone number: it is {length} characters long, a phone number at most {maximum}')
            .format(value=text[:30], length=len(text), maximum=MAX_PHONE))
    if not re.fullmatch(r"\+?[0-9][0-9 \-]*", text, re.ASCII):
        raise ValueError(
            _('"{value}" is not a phone number: write digits, spaces and dashes only, '
              "as in 13812345678 or 021-12345678").format(value=value)
        )
    digits = re.sub(r"[ \-]", "", text)
    international = digits.startswith(("+86", "0086"))
    if international:
        digits = digits.removeprefix("+86").removeprefix("0086")
        if not digits.startswith("1"):
            digits = "0" + digits.removeprefix("0")  # +86 21 1234 5678 is 021-12345678
    elif digits.startswith("+"):
        raise ValueError(_('"{value}" is not a phone number: only mainland numbers (+86) are taken').format(value=value))
    if digits.startswith("1"):
        if len(digits) != 11:
            raise ValueError(
                _('"{value}" is not a phone number: a mobile number has 11 digits, this one {n}').format(
                    value=value, n=len(digits))
            )
        if digits[1] not in "3456789":
            raise ValueError(_('"{value}" is not a phone number: a mobile number starts with 13 to 19').format(value=value))
        return text
    if digits.startswith("0"):
        if not 10 <= len(digits) <= 12 or digits[1] == "0":
            raise ValueError(
                _('"{value}" is not a phone number: a landline is 0, the area code and 7 or 8 digits, '
                  "as in 021-12345678 or 0755-1234567").format(value=value)
            )
        return text
    raise ValueError(
        _('"{value}" is not a phone number: write a mobile number such as 13812345678, '
          "or a landline with its area code such as 021-12345678").format(value=value)
    )


def check_count(source: Path, field: str, found: int, limit: int, what: str, setting: str | None = None) -> None:
    """Refuse a list longer than its limit before its entries are validated; ``what`` names the
    entries in the active language (``_("line items")``)."""
    if found <= limit:
        return
    if setting:
        raise InputError(
            _("{source}: {field}: {found} {what}, more than the {limit} allowed by [limits] {setting} "
              "in docgen.toml; split the document or raise the limit there").format(
                source=source, field=field, found=f"{found:,}", what=what, limit=f"{limit:,}", setting=setting)
        )
    raise InputError(_("{source}: {field}: {found} {what}, more than the {limit} allowed; split the document").format(
        source=source, field=field, found=f"{found:,}", what=what, limit=f"{limit:,}"))


def raw_len(data: object, *keys: str) -> int:
    """The length of a list in not yet validated data (0 where it is not a list)."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return len(data) if isinstance(data, list) else 0


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(_("must not be negative (got {value})").format(value=value))
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError(_("must be greater than 0 (got {value})").format(value=value))
    return value


MODE_TERMS = {"全包": "包工包料", "半包": "包工、部分包料", "清包": "包工、发包人包料"}


_confined: ContextVar[Path | None] = ContextVar("docgen_confined", default=None)


@contextmanager
def confined_to(folder: Path) -> Iterator[None]:
    """Within this block a data file's references (``project: project.yaml``, photos) reach only
    the files in ``folder``: the files sent with data that came over the network."""
    token = _confined.set(folder.resolve())
    try:
        yield
    finally:
        _confined.reset(token)


def referenced(ref: str, source: Path, field: str) -> Path:
    """The file a data file names in ``field``: beside it unless absolute. Over the network, one
    of the files sent with it, by its name (``photos/1.jpg`` is the file sent as ``1.jpg``):
    nothing else on the server is ever reached."""
    root = _confined.get()
    if root is None:
        return Path(ref) if Path(ref).is_absolute() else source.parent / ref
    name = PurePosixPath(ref.replace("\\", "/")).name
    if name in ("", ".", ".."):
        raise InputError(_("{source}: {field}: {ref} names no file").format(source=source.name, field=field, ref=ref))
    return root / name


def load_project(ref: str, base: Path) -> tuple[Project | None, str | None, Path | None]:
    """A document's ``project:``: (model, None, path) for a file, (None, code, None) for a code."""
    candidate = referenced(ref, base, "project")
    if candidate.suffix.lower() in (".yaml", ".yml", ".json") or candidate.exists():
        if not candidate.is_file():
            raise InputError(_("{base}: project: file {ref} does not exist (looked at {candidate})").format(
                base=base, ref=ref, candidate=candidate))
        from docgen.kinds.fields import Project

        data = load_file(candidate)
        return validate(Project, data, candidate), None, candidate
    return None, ref, None


def chinese_date(day: dt.date) -> str:
    """2026-11-20 -> '2026年11月20日'."""
    return f"{day.year}年{day.month}月{day.day}日"
