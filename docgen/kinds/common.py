"""Reading input files and the project every document belongs to.

YAML numbers are read as Decimal (never float), JSON too. Validation errors are
reported as one line with the path of the field: ``sections[0].items[2].quantity``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from docgen.errors import InputError
from docgen.money import to_decimal


class _DecimalLoader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal from their exact text."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | float:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except Exception:
        return float(text)  # .inf / .nan: rejected later as not finite


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date ({exc}); fix the date", node.start_mark
        ) from None


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load_file(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON document file into a dict; one-line errors with the line."""
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the document's .yaml file")
    if not path.is_file():
        raise InputError(f"{path}: file does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {exc.lineno}: {exc.msg}") from None
    else:
        try:
            data = yaml.load(text, Loader=_DecimalLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = str(exc.problem or exc.context)
            hint = "" if "fix the date" in problem else "; check the indentation and brackets there"
            raise InputError(f"{path}: {where}{problem}{hint}") from None
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of fields (key: value) at the top")
    return data


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
    kind = err["type"]
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)"
    if kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", "")).replace("'", "")
        return f"must be {expected} (got {err['input']!r})"
    if kind == "string_pattern_mismatch" and "A-Z" in str(err.get("ctx", {}).get("pattern", "")):
        return f"{err['input']!r} is not a document number like HT-2026-0001"
    msg = str(err["msg"])
    msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
    if kind.startswith("date"):
        return f"{msg}; write dates as YYYY-MM-DD"
    return msg


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: dict[str, Any], source: Path) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # A misspelt key usually causes a "missing" error too: name the misspelling first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        missing_top = [e for e in errors if e["type"] == "missing" and len(e["loc"]) == 1]
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        if len(missing_top) >= max(2, len(required) // 2):
            names = ", ".join(str(e["loc"][0]) for e in missing_top)
            raise InputError(
                f"{source}: {names} are missing; is this file really a {model.__name__.removesuffix('Input').lower()}?"
            ) from None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        where = _path(tuple(first["loc"]))
        raise InputError(f"{source}: {where + ': ' if where else ''}{_message(first)}{more}") from None


def _money(value: object) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    return to_decimal(value)


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(f"must not be negative (got {value})")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError(f"must be greater than 0 (got {value})")
    return value


Amount = Annotated[Decimal, BeforeValidator(_money)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


Text = Annotated[str, Field(min_length=1)]


class Customer(Strict):
    name: Text
    phone: Annotated[str, Field(pattern=r"^[0-9+\- ]{7,20}$")]
    id_number: Annotated[str, Field(pattern=r"^\d{17}[\dXx]$")] | None = None
    address: Text


class Site(Strict):
    address: Text
    area: Amount
    layout: str = ""


class Project(Strict):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,30}$")] | None = None
    customer: Customer
    site: Site
    mode: Literal["全包", "半包", "清包"]
    designer: Text
    project_manager: Text


MODE_TERMS = {"全包": "包工包料", "半包": "包工、部分包料", "清包": "包工、发包人包料"}


def load_project(ref: str, base: Path) -> tuple[Project | None, str | None, Path | None]:
    """A document's ``project:``: (model, None, path) for a file, (None, code, None) for a code."""
    candidate = (base.parent / ref) if not Path(ref).is_absolute() else Path(ref)
    if candidate.suffix.lower() in (".yaml", ".yml", ".json") or candidate.exists():
        if not candidate.is_file():
            raise InputError(f"{base}: project: file {ref} does not exist (looked at {candidate})")
        data = load_file(candidate)
        return validate(Project, data, candidate), None, candidate
    return None, ref, None


def chinese_date(day: dt.date) -> str:
    """2026-11-20 -> '2026年11月20日'."""
    return f"{day.year}年{day.month}月{day.day}日"


Number = Annotated[str, Field(pattern=r"^[A-Z]{2,4}-\d{4}-\d{3,}$")]
