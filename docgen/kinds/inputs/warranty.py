"""The input model of a warranty card (保修卡): the pydantic models its data file is checked by,
imported when such a file is read (a command that only reads the archive never imports them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from docgen.kinds.fields import Day, Number, Paragraph, Strict, Text, lines_of
from docgen.kinds.warranty import CATEGORIES


class WarrantyInput(Strict):
    project: Text
    acceptance: Number
    issue_date: Day
    categories: Annotated[list[Text], Field(min_length=1, max_length=len(CATEGORIES))] | None = None
    notes: lines_of(Paragraph) = []  # type: ignore[valid-type]
