"""The input model of an acceptance report (竣工验收报告): the pydantic models its data file is checked by,
imported when such a file is read (a command that only reads the archive never imports them)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from docgen.i18n import _
from docgen.kinds.acceptance import RESULTS
from docgen.kinds.common import MAX_INSPECTORS
from docgen.kinds.fields import (
    Day,
    Name,
    Note,
    Number,
    OptionalParagraph,
    Paragraph,
    Strict,
    Text,
    lines_of,
)


class Item(Strict):
    category: Text
    item: Text
    standard: Paragraph
    result: str
    note: Note = ""

    @field_validator("result")
    @classmethod
    def _result(cls, v: str) -> str:
        if v not in RESULTS:
            raise ValueError(_("must be 合格 or 不合格 (got {value})").format(value=repr(v)))
        return v


class AcceptanceInput(Strict):
    project: Text
    contract: Number
    stage: Literal["初验", "正式验收"]
    date: Day
    inspectors: Annotated[list[Name], Field(min_length=1, max_length=MAX_INSPECTORS)]
    items: Annotated[list[Item], Field(min_length=1)]
    previous: Number | None = None
    basis: lines_of(Paragraph) = []  # type: ignore[valid-type]
    scope: OptionalParagraph = ""
    opinion: OptionalParagraph = ""
