"""docgen's own wording for every error pydantic reports while reading a document's data.

Pydantic's messages (``Input should be a valid date or datetime…``, ``String should match
pattern…``) describe pydantic, not the document: each error type that the input models can
raise has a line here that says what is wrong with the value and what to write instead.
An error type not listed still gets docgen's wording (``is not valid here``), never
pydantic's. Each message is built in one place, so it can be translated later.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

_NUMBER = "write digits, as in 12.5"


def _shown(value: object) -> str:
    """The value as the message quotes it: short, on one line."""
    if isinstance(value, dict):
        return "a mapping (key: value)"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
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
    return expected.replace("'", "")


def message(err: dict[str, Any]) -> str:
    """One line for one pydantic error dict (``ValidationError.errors()``), without the path."""
    kind = str(err.get("type", ""))
    ctx: dict[str, Any] = err.get("ctx") or {}
    value = err.get("input")
    got = _shown(value)
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)"
    if kind in ("value_error", "assertion_error"):
        # docgen's validators raise ValueError with docgen's own message; pydantic's "msg" is not used
        error = ctx.get("error")
        return str(error) if error is not None and str(error) else f"{got} is not valid here"
    if kind == "literal_error" or kind == "enum":
        return f"must be {_choices(str(ctx.get('expected', '')))} (got {got})"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if pattern.startswith("^[A-Z]{2,4}-"):
            return f"{got} is not a document number like HT-2026-0001"
        if pattern.startswith("^[A-Za-z0-9]"):
            return f"{got} is not a project code: write letters, digits and dashes, as in P-2026-0001"
        return f"{got} is not written as expected here; check for typing mistakes"
    if kind == "string_too_short":
        return "is empty; write it" if not value else f"{got} is too short"
    if kind == "string_too_long":
        return f"is {len(str(value)):,} characters long, more than the {_limit(ctx, 'max_length')} allowed; shorten it"
    if kind in ("string_type", "string_unicode", "string_sub_type"):
        return f"must be a text (got {got}); write it in quotes if it is a number"
    if kind in ("too_short",):
        least = ctx.get("min_length", 1)
        return "is empty; give at least one entry" if least == 1 else f"needs at least {least} entries"
    if kind in ("too_long",):
        return f"has {ctx.get('actual_length', '?')} entries, more than the {_limit(ctx, 'max_length')} allowed; split the document"
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return f"must be a list of entries, each on a line starting with - (got {got})"
    if kind in ("model_type", "model_attributes_type", "dict_type", "mapping_type", "dataclass_type"):
        return f"must be a group of fields (key: value) on the lines below it (got {got})"
    if kind in ("int_type", "int_parsing", "int_parsing_size"):
        return f"{got} is not a whole number: write digits, as in 30"
    if kind == "int_from_float":
        return f"{got} is not a whole number: write it without decimals, as in 30"
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing", "finite_number"):
        return f"{got} is not a number: {_NUMBER}"
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return f"{got} has too many digits"
    if kind == "greater_than":
        return f"must be greater than {_limit(ctx, 'gt')} (got {got})"
    if kind == "greater_than_equal":
        return f"must be at least {_limit(ctx, 'ge')} (got {got})"
    if kind == "less_than":
        return f"must be less than {_limit(ctx, 'lt')} (got {got})"
    if kind == "less_than_equal":
        return f"must be at most {_limit(ctx, 'le')} (got {got})"
    if kind == "multiple_of":
        return f"must be a multiple of {_limit(ctx, 'multiple_of')} (got {got})"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false (got {got})"
    if kind.startswith("date") or kind.startswith("datetime") or kind.startswith("time"):
        return f"{got} is not a date: write 2026-11-02, 2026/11/02 or 2026年11月2日"
    if kind in ("none_required",):
        return "must be left out"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return f"{got} is not one of the forms allowed here"
    if kind == "frozen_field" or kind == "frozen_instance":
        return "cannot be changed"
    return f"{got} is not valid here; check the value against docs/data.md"
