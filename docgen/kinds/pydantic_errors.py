"""docgen's own wording for every error pydantic reports while reading a document's data.

Pydantic's messages (``Input should be a valid date or datetime…``, ``String should match
pattern…``) describe pydantic, not the document: each error type that the input models can
raise has a line here that says what is wrong with the value and what to write instead.
An error type not listed still gets docgen's wording (``is not valid here``), never
pydantic's. Each message is built in one place, in English inside ``_()``, and shown in the
company's language (docgen.i18n).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from docgen.i18n import _


def _shown(value: object) -> str:
    """The value as the message quotes it: short, on one line."""
    if isinstance(value, dict):
        return _("a mapping (key: value)")
    if isinstance(value, list):
        return _("a list")
    if value is None:
        return _("empty")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        text = f"{value:f}" if isinstance(value, Decimal) else str(value)
        return text if len(text) <= 24 else text[:21] + "…"
    text = str(value).replace("\n", " ")
    return f'"{text if len(text) <= 40 else text[:39] + "…"}"'


def _limit(ctx: dict[str, Any], key: str) -> str:
    value = ctx.get(key)
    if isinstance(value, str) and re.fullmatch(r"Decimal\('[^']*'\)", value):
        value = Decimal(value[9:-2])  # pydantic hands a Decimal bound over as its repr
    return f"{value:,f}" if isinstance(value, Decimal) else f"{value:,}" if isinstance(value, int) else str(value)


def _choices(expected: str) -> str:
    # pydantic writes "'全包', '半包' or '清包'"
    first, sep, last = expected.replace("'", "").rpartition(" or ")
    return _("{first} or {last}").format(first=first, last=last) if sep else last


def message(err: dict[str, Any]) -> str:
    """One line for one pydantic error dict (``ValidationError.errors()``), without the path."""
    kind = str(err.get("type", ""))
    ctx: dict[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    got = _shown(value)
    if kind == "missing":
        return _("is missing")
    if kind == "extra_forbidden":
        return _("is not a known field (check the spelling)")
    if kind in ("value_error", "assertion_error"):
        # docgen's validators raise ValueError with docgen's own message; pydantic's "msg" is not used
        error = ctx.get("error")
        return str(error) if error is not None and str(error) else _("{got} is not valid here").format(got=got)
    if kind == "literal_error" or kind == "enum":
        return _("must be {choices} (got {got})").format(choices=_choices(str(ctx.get("expected", ""))), got=got)
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if pattern.startswith("^[A-Z]{2,4}-"):
            return _("{got} is not a document number like HT-2026-0001").format(got=got)
        if pattern.startswith("^[A-Za-z0-9]"):
            return _("{got} is not a project code: write letters, digits and dashes, as in P-2026-0001").format(got=got)
        return _("{got} is not written as expected here; check for typing mistakes").format(got=got)
    if kind == "string_too_short":
        return _("is empty; write it") if not value else _("{got} is too short").format(got=got)
    if kind == "string_too_long":
        return _("is {length} characters long, more than the {maximum} allowed; shorten it").format(
            length=f"{len(str(value)):,}", maximum=_limit(ctx, "max_length"))
    if kind in ("string_type", "string_unicode", "string_sub_type"):
        return _("must be a text (got {got}); write it in quotes if it is a number").format(got=got)
    if kind in ("too_short",):
        least = ctx.get("min_length", 1)
        return _("is empty; give at least one entry") if least == 1 else _("needs at least {least} entries").format(least=least)
    if kind in ("too_long",):
        return _("has {n} entries, more than the {maximum} allowed; split the document").format(
            n=ctx.get("actual_length", "?"), maximum=_limit(ctx, "max_length"))
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return _("must be a list of entries, each on a line starting with - (got {got})").format(got=got)
    if kind in ("model_type", "model_attributes_type", "dict_type", "mapping_type", "dataclass_type"):
        return _("must be a group of fields (key: value) on the lines below it (got {got})").format(got=got)
    if kind in ("int_type", "int_parsing", "int_parsing_size"):
        return _("{got} is not a whole number: write digits, as in 30").format(got=got)
    if kind == "int_from_float":
        return _("{got} is not a whole number: write it without decimals, as in 30").format(got=got)
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing", "finite_number"):
        return _("{got} is not a number: write digits, as in 12.5").format(got=got)
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return _("{got} has too many digits").format(got=got)
    if kind == "greater_than":
        return _("must be greater than {limit} (got {got})").format(limit=_limit(ctx, "gt"), got=got)
    if kind == "greater_than_equal":
        return _("must be at least {limit} (got {got})").format(limit=_limit(ctx, "ge"), got=got)
    if kind == "less_than":
        return _("must be less than {limit} (got {got})").format(limit=_limit(ctx, "lt"), got=got)
    if kind == "less_than_equal":
        return _("must be at most {maximum} (got {value})").format(maximum=_limit(ctx, "le"), value=got)
    if kind == "multiple_of":
        return _("must be a multiple of {limit} (got {got})").format(limit=_limit(ctx, "multiple_of"), got=got)
    if kind in ("bool_type", "bool_parsing"):
        return _("must be true or false (got {got})").format(got=got)
    if kind.startswith("date") or kind.startswith("datetime") or kind.startswith("time"):
        return _("{got} is not a date: write 2026-11-02, 2026/11/02 or 2026年11月2日").format(got=got)
    if kind in ("none_required",):
        return _("must be left out")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _("{got} is not one of the forms allowed here").format(got=got)
    if kind == "frozen_field" or kind == "frozen_instance":
        return _("cannot be changed")
    return _("{got} is not valid here; check the value against docs/data.md").format(got=got)
