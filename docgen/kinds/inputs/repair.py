"""The input model of a repair order (保修维修单) and of its steps: the pydantic models its
data files are checked by, imported when such a file is read (a command that only reads the
archive never imports them)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from docgen.kinds.common import (
    MAX_MATERIALS,
    check_phone,
)
from docgen.kinds.fields import (
    Day,
    Line,
    Name,
    Note,
    OptionalParagraph,
    Paragraph,
    Price,
    Quantity,
    Strict,
    Text,
    lines_of,
)
from docgen.kinds.repair import MAX_CHARGES, MAX_PHOTOS, MAX_REPAIRS, parse_instant

Instant = Annotated[dt.datetime, BeforeValidator(parse_instant)]
Phone = Annotated[str, BeforeValidator(lambda v: unicodedata.normalize("NFKC", v) if isinstance(v, str) else v),
                  AfterValidator(check_phone)]


class Charge(Strict):
    name: Text
    unit: Text
    quantity: Quantity
    unit_price: Price
    note: Note = ""


class Material(Strict):
    name: Text
    spec: Line = ""
    quantity: Quantity
    unit: Text


class Visit(Strict):
    """Step ``visit`` (上门查看): who came when, what they found, why, and what will be done."""

    visited_at: Instant
    visitors: Name  # 售后 刘工、王师傅
    findings: Paragraph
    cause: Literal["施工质量", "材料", "使用不当", "其他"]
    cause_note: OptionalParagraph = ""
    category: Text  # the warranty card's category: basic, plumbing_electrical, waterproof (or its name)
    plan: Paragraph
    planned_date: Day | None = None
    charges: Annotated[list[Charge], Field(max_length=MAX_CHARGES)] = []


class Repair(Strict):
    """Step ``repair`` (维修): when, by whom, what was done and with what; the site cleaned up."""

    repaired_at: Instant
    repairers: Name
    work: Paragraph
    materials: lines_of(Material, MAX_MATERIALS) = []  # type: ignore[valid-type]
    cleaned_up: bool  # 清理现场、恢复原状


class Acceptance(Strict):
    """Step ``accept`` (客户验收): the customer's verdict on the repair, and who signed it."""

    date: Day
    result: Literal["满意", "不满意"]
    opinion: OptionalParagraph = ""
    signed_by: Name


class RepairInput(Strict):
    project: Text
    reported_at: Instant
    channel: Literal["电话", "微信", "上门", "其他"]
    reporter: Name
    phone: Phone | None = None
    received_by: Name | None = None
    location: Text  # where in the home: 主卫淋浴区
    problem: Paragraph
    photos: lines_of(Text, MAX_PHOTOS) = []  # type: ignore[valid-type]
    # written by `docgen step`, never in the report itself
    visit: Visit | None = None
    repairs: Annotated[list[Repair], Field(max_length=MAX_REPAIRS)] = []
    acceptances: Annotated[list[Acceptance], Field(max_length=MAX_REPAIRS)] = []
