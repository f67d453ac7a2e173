"""The input model of a rectification notice (整改通知书): the pydantic models its data file is checked by,
imported when such a file is read (a command that only reads the archive never imports them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from docgen.kinds.fields import Day, Name, Number, OptionalParagraph, Paragraph, Strict, Text


class Issue(Strict):
    location: Text
    problem: Paragraph
    basis: OptionalParagraph = ""
    requirement: Paragraph
    photo: Text | None = None


class Recheck(Strict):
    date: Day
    passed: bool
    note: Paragraph
    inspector: Name
    deadline: Day | None = None


class RectificationInput(Strict):
    project: Text
    contract: Number
    acceptance: Number | None = None
    inspection_date: Day
    inspector: Name
    deadline: Day
    issuer: Name | None = None
    receiver: Name | None = None
    issues: Annotated[list[Issue], Field(min_length=1)]
    rechecks: Annotated[list[Recheck], Field(max_length=100)] = []
