"""The input model of a change order (变更单): the pydantic models its data file is checked by,
imported when such a file is read (a command that only reads the archive never imports them)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from docgen.kinds.change import MAX_DAYS
from docgen.kinds.fields import (
    Day,
    Line,
    Note,
    Number,
    Paragraph,
    Price,
    Quantity,
    Strict,
    Text,
    lines_of,
)


class Addition(Strict):
    name: Text
    unit: Text
    quantity: Quantity
    unit_price: Price
    note: Note = ""


class Deduction(Strict):
    item: Line = ""  # an item of the contract's quote annex
    section: Line = ""  # its section, where the item's name is in more than one
    name: Line = ""  # default: the item's name
    unit: Line = ""  # default: the item's unit (the same unit when an item is named)
    quantity: Quantity
    unit_price: Price | None = None  # default: the item's unit price
    note: Note = ""


class ChangeInput(Strict):
    project: Text
    contract: Number
    date: Day
    reason: Literal["设计变更", "客户要求", "现场条件", "其他"]
    reason_text: Paragraph
    additions: list[Addition] = []  # bounded with deductions by [limits] max_items (parse)
    deductions: list[Deduction] = []
    schedule_days: Annotated[int, Field(ge=0, le=MAX_DAYS)] = 0
    payment: Literal["随下期工程款", "签字后支付"] = "随下期工程款"
    payment_days: Annotated[int, Field(gt=0, le=90)] | None = None
    remarks: lines_of(Paragraph) = []  # type: ignore[valid-type]
