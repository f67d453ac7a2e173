"""The company's clock: instants in its time zone, and its "today".

The company sits in one time zone (``[company] timezone`` in docgen.toml, default
``Asia/Shanghai``), whatever zone the server runs in. Every instant docgen stores is ISO
8601 with its offset (``2026-12-01T00:30:00+08:00``), written in the company's zone; every
instant it shows is converted to that zone first, so rows written earlier by a server in
another zone (``…+00:00``) show the company's time too. An instant stored without an offset
is read as the company's time (docgen has always written the offset; only a hand-made row
could lack one). "Today" (overdue notices, default dates, ``--since``, the year of a new
project's code) is the company's date.

``DOCGEN_NOW`` (an ISO instant, e.g. ``2026-11-30T16:30:00Z``) fixes the clock, to replay or
test what docgen does at a given moment; ``DOCGEN_TODAY`` (a date) fixes only the date.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

from docgen.errors import ConfigError
from docgen.i18n import _

DEFAULT_ZONE = "Asia/Shanghai"

_zone_name = DEFAULT_ZONE


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name``; ValueError with one line when there is none by that name."""
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise ValueError(_('{name} is not a time zone; use an IANA name such as "Asia/Shanghai"').format(
            name=repr(str(name)[:64])))
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(_('{name} is not a known time zone; use an IANA name such as "Asia/Shanghai"').format(
            name=repr(name))) from None


def use_zone(name: str) -> None:
    """Make ``name`` the company's zone for this process (the archive's settings set it)."""
    global _zone_name
    zone(name)
    _zone_name = name.strip()


def company_tz() -> zoneinfo.ZoneInfo:
    return zone(_zone_name)


def now() -> dt.datetime:
    """The present instant in the company's zone, or ``DOCGEN_NOW`` when that is set."""
    fixed = os.environ.get("DOCGEN_NOW")
    if fixed:
        try:
            return instant(fixed)
        except ValueError:
            raise ConfigError(
                _("DOCGEN_NOW={value} is not an instant; write e.g. 2026-11-30T16:30:00Z or "
                  "2026-12-01T00:30:00+08:00").format(value=repr(fixed[:40]))
            ) from None
    return dt.datetime.now(company_tz())


def today() -> dt.date:
    """The company's date today, or ``DOCGEN_TODAY`` when that is set."""
    fixed = os.environ.get("DOCGEN_TODAY")
    if fixed:
        from docgen.dates import parse_date

        try:
            return parse_date(fixed)
        except ValueError as exc:
            raise ConfigError(f"DOCGEN_TODAY: {exc}") from None
    return now().date()


def stamp() -> str:
    """The present instant as docgen stores it: ISO 8601 to the second, with the offset."""
    return now().isoformat(timespec="seconds")


def instant(value: str | dt.datetime) -> dt.datetime:
    """A stored instant (ISO 8601, ``Z`` or an offset; none means the company's time), in the
    company's zone. ValueError when it is not an instant."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip())
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=company_tz())
    return value.astimezone(company_tz())


def fmt_instant(value: str | dt.datetime | None, timespec: str = "seconds") -> str:
    """An instant as docgen shows it: ISO 8601 in the company's zone with its offset
    (``2026-12-01T00:30:00+08:00``). Text that is not an instant is shown as it is."""
    if value is None or value == "":
        return ""
    try:
        return instant(value).isoformat(timespec=timespec)
    except (ValueError, TypeError, OverflowError):
        return str(value)


def local_day(value: str | dt.datetime) -> dt.date | None:
    """The company's date at a stored instant (None when it is not one)."""
    try:
        return instant(value).date()
    except (ValueError, TypeError, OverflowError):
        return None


def fmt_day(value: str | dt.datetime) -> str:
    """The company's date at a stored instant, as YYYY-MM-DD (text that is not one, cut to a day)."""
    day = local_day(value)
    return day.isoformat() if day else str(value)[:10]
