"""The pydantic field types and models every kind's input is made of: the texts (bounded,
without control characters), amounts and rates, days, document numbers, and the project
(customer, site). Imported by the kinds' input models (``kinds/inputs/``) when a file is
read, so a command that only reads the archive never imports pydantic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from docgen.dates import parse_date
from docgen.kinds.common import (
    MAX_ADDRESS,
    MAX_AREA,
    MAX_LINE,
    MAX_LINES,
    MAX_NAME,
    MAX_NOTE,
    MAX_PARAGRAPH,
    MAX_PRICE,
    MAX_QUANTITY,
    _in_range,
    _money,
    _nfkc,
    _non_negative,
    _positive,
    _rate,
    bounded,
    check_id_number,
    check_phone,
    text,
)
from docgen.money import MAX_AMOUNT

Amount = Annotated[Decimal, BeforeValidator(_money)]
RateAmount = Annotated[Decimal, BeforeValidator(_rate)]  # 0.08 or "8%"
Money = Annotated[Amount, AfterValidator(bounded(MAX_AMOUNT, 2))]
Day = Annotated[dt.date, BeforeValidator(parse_date), AfterValidator(_in_range)]
Quantity = Annotated[Amount, AfterValidator(_positive), AfterValidator(bounded(MAX_QUANTITY))]  # of an item
Price = Annotated[Amount, AfterValidator(_non_negative), AfterValidator(bounded(MAX_PRICE))]  # a unit price


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def _required(check: Callable[[str], str]) -> Any:
    return Annotated[str, Field(min_length=1), AfterValidator(check)]


def _optional(check: Callable[[str], str]) -> Any:
    return Annotated[str, AfterValidator(check)]


Text = _required(text(MAX_LINE))  # one line, required
Line = _optional(text(MAX_LINE))  # one line, may be empty
Name = _required(text(MAX_NAME))
Address = _required(text(MAX_ADDRESS))
Note = _optional(text(MAX_NOTE, lines=True))
Paragraph = _required(text(MAX_PARAGRAPH, lines=True))
OptionalParagraph = _optional(text(MAX_PARAGRAPH, lines=True))


def lines_of(kind: Any, limit: int = MAX_LINES) -> Any:
    return Annotated[list[kind], Field(max_length=limit)]


class Customer(Strict):
    name: Name
    phone: Annotated[str, BeforeValidator(_nfkc), AfterValidator(check_phone)]
    id_number: Annotated[str, BeforeValidator(_nfkc), AfterValidator(check_id_number)] | None = None
    address: Address


class Site(Strict):
    address: Address
    area: Annotated[Amount, AfterValidator(lambda v: _positive(v)), AfterValidator(bounded(MAX_AREA))]
    layout: Line = ""


class Project(Strict):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,30}$")] | None = None
    customer: Customer
    site: Site
    mode: Literal["全包", "半包", "清包"]
    designer: Name
    project_manager: Name


Number = Annotated[str, Field(pattern=r"^[A-Z]{2,4}-\d{4}-\d{3,}$")]
