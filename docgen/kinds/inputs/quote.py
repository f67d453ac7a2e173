"""The input model of a quote (报价单): the pydantic models its data file is checked by,
imported when such a file is read (a command that only reads the archive never imports them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

from docgen.kinds.common import (
    MAX_RATE_DECIMALS,
    MAX_SECTIONS,
    _non_negative,
    bounded,
)
from docgen.kinds.fields import (
    Day,
    Name,
    Note,
    Paragraph,
    Price,
    Quantity,
    RateAmount,
    Strict,
    Text,
    lines_of,
)

Rate = Annotated[
    RateAmount, AfterValidator(_non_negative), Field(le=Decimal("0.5")), AfterValidator(bounded(Decimal("0.5"), MAX_RATE_DECIMALS))
]
Loss = Annotated[
    RateAmount, AfterValidator(_non_negative), Field(le=Decimal("0.5")), AfterValidator(bounded(Decimal("0.5"), MAX_RATE_DECIMALS))
]


class Item(Strict):
    name: Text
    unit: Text
    quantity: Quantity
    unit_price: Price | None = None  # default: materials + auxiliary + labour
    materials: Price | None = None
    auxiliary: Price | None = None
    labour: Price | None = None
    loss: Loss | None = None  # 损耗: the quantity is priced as quantity x (1 + loss)
    note: Note = ""


class Section(Strict):
    name: Text
    items: Annotated[list[Item], Field(min_length=1)]


class QuoteInput(Strict):
    project: Text
    date: Day
    valid_days: Annotated[int, Field(gt=0, le=365)] | None = None
    management_fee_rate: Rate | None = None
    tax_rate: Rate | None = None
    designer: Name | None = None
    sections: Annotated[list[Section], Field(min_length=1, max_length=MAX_SECTIONS)]
    remarks: lines_of(Paragraph) = []  # type: ignore[valid-type]
