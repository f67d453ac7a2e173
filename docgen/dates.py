"""Dates as people in China write them, read by one function wherever docgen reads a day.

``2026-11-02``, ``2026/11/02`` and ``2026年11月2日`` are the same day (month and day with or
without a leading zero, full-width digits and separators too: ``２０２６／１１／０２``). Anything
else, and a day the calendar does not have (``2026-02-30``), is a ValueError with a one-line
message that says what to write. :class:`DateParam` is the same rule for command-line options:
a bad value is a usage error (exit 2).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from typing import Any

import click

from docgen.i18n import N_, _

FORMS = N_("2026-11-02, 2026/11/02 or 2026年11月2日")  # shown through _()

_NUMERIC = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})", re.ASCII)
_CHINESE = re.compile(r"([0-9]{4})\s*年\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]", re.ASCII)


def _shown(value: str) -> str:
    """The value as a message quotes it: escaped (a newline cannot split the line), and short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…'"


def parse_date(value: str | dt.date) -> dt.date:
    """The day ``value`` names: a date as it is (a datetime's day), or text in one of the three forms.

    Raises ValueError with a one-line message for anything else or an impossible day.
    """
    if isinstance(value, dt.datetime):
        return value.date()  # YAML reads 2026-11-02 09:30 as a timestamp: its day is meant
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(_("{value} is not a date; write {forms}").format(value=_shown(str(value)), forms=_(FORMS)))
    # NFKC: full-width digits and ／ － become ASCII; 年月日 stay as they are
    text = unicodedata.normalize("NFKC", value).strip()
    text = text.replace("\u2212", "-").replace("\u2010", "-").replace("\u2011", "-")
    m = _NUMERIC.fullmatch(text)
    parts = (m.group(1), m.group(3), m.group(4)) if m else None
    if parts is None:
        c = _CHINESE.fullmatch(text)
        parts = (c.group(1), c.group(2), c.group(3)) if c else None
    if parts is None:
        raise ValueError(_("{value} is not a date; write {forms}").format(value=_shown(value), forms=_(FORMS)))
    year, month, day = (int(p) for p in parts)
    if not 1 <= month <= 12:
        raise ValueError(_("{value} is not a date: there is no month {month}").format(value=_shown(value), month=month))
    if year < dt.MINYEAR:
        raise ValueError(_("{value} is not a date: there is no year {year}").format(value=_shown(value), year=year))
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValueError(_("{value} is not a date: {month} has {days} days").format(
            value=_shown(value), month=f"{year:04d}-{month:02d}", days=days))
    return dt.date(year, month, day)


class BadDate(click.BadParameter):
    """A day on the command line that is not one: exit 2, and one line that names the option
    (``Error: --deadline '2026-02-30' is not a date: 2026-02 has 28 days``)."""

    def format_message(self) -> str:
        param = self.param
        if param is None:
            return self.message
        name = param.opts[0] if getattr(param, "opts", None) else param.human_readable_name
        return f"{name} {self.message}"

    def show(self, file: Any = None) -> None:
        click.echo(_("Error: {message}").format(message=self.format_message()), file=file, err=True)


class DateParam(click.ParamType):
    """A day on the command line, read by :func:`parse_date`; a bad one is a usage error."""

    name = "date"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "DATE"  # ctx: click 8.2 passes it, 8.1 does not

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        try:
            return parse_date(value)
        except ValueError as exc:
            raise BadDate(str(exc), ctx=ctx, param=param) from None


DATE = DateParam()
