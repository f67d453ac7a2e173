"""Dates as people in China write them: 2026-11-02, 2026/11/02 and 2026年11月2日.

``parse_date`` is the one reader of a calendar day, for the YAML data and the command
options alike; its message is one line that says what to write instead.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

FORMS = "2026-11-02, 2026/11/02 or 2026年11月2日"
_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # not calendar.month_name: it follows the locale
_DAY = re.compile(r"(\d{4})\s*(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)")


def parse_date(value: str | dt.date) -> dt.date:
    """A calendar day from ``value``; ValueError with a one-line message if it is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date: write {FORMS}")
    # full-width digits and separators typed with a Chinese input method (２０２６／１１／０２)
    text = unicodedata.normalize("NFKC", value).strip()
    found = _DAY.fullmatch(text)
    if not found:
        raise ValueError(f"{value.strip() or repr(value)} is not a date: write {FORMS}")
    year = int(found.group(1))
    month, day = (int(g) for g in found.groups()[1:] if g is not None)
    if not 1 <= month <= 12:
        raise ValueError(f"{text} is not a date: there is no month {month}; write {FORMS}")
    if year < 1 or day < 1:
        raise ValueError(f"{text} is not a date: write {FORMS}")
    last = calendar.monthrange(year, month)[1]
    if day > last:
        raise ValueError(f"{text} is not a date: {_MONTHS[month]} {year} has {last} days")
    return dt.date(year, month, day)
