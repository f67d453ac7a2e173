"""Output a person reads in a terminal, and CSV for a spreadsheet.

Columns are aligned by display width, not by ``len``: a Chinese character takes two
columns of a terminal, a combining mark none (wcwidth). A table fits a width budget
(the terminal's width, else 100 columns; ``$COLUMNS`` sets it): the flexible columns
(customer, note, snippet, file name, …) shrink first and a cell that does not fit is
shortened with ``…``, never cutting a character or a grapheme in half. ``wide=True``
shows every cell whole.

Every cell goes through :func:`printable` first, so a control character or an ANSI
escape in the data (a customer named ``\\x1b[31m…``) reaches the terminal escaped.

CSV for finance (``--csv``): the field names of the command's ``--json``, written with
the csv module (quoting), UTF-8 with a byte-order mark so Excel on Windows opens the
Chinese text correctly, and a cell that Excel would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) prefixed with ``'`` (OWASP,
"CSV Injection").
"""

from __future__ import annotations

import csv
import functools
import io
import json
import shutil
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docgen.i18n import NP_, pgettext

DEFAULT_WIDTH = 100  # when the output is not a terminal (a pipe, a file, the tests)
MIN_WIDTH = 40
GAP = "  "
ELLIPSIS = "…"

# The header words, in one place: the English word of each column, shown in the active language
# (the catalog's context "header" keeps them apart from the same English word elsewhere).
HEADER_WORDS: dict[str, str] = {
    "number": NP_("header", "number"),
    "version": NP_("header", "version"),
    "versions": NP_("header", "versions"),
    "kind": NP_("header", "kind"),
    "status": NP_("header", "status"),
    "project": NP_("header", "project"),
    "customer": NP_("header", "customer"),
    "date": NP_("header", "date"),
    "total": NP_("header", "amount"),
    "updated": NP_("header", "updated"),
    "deadline": NP_("header", "deadline"),
    "days_overdue": NP_("header", "days overdue"),
    "limit": NP_("header", "limit"),
    "names": NP_("header", "names"),
    "prefix": NP_("header", "prefix"),
    "statuses": NP_("header", "statuses"),
    "steps": NP_("header", "steps"),
    "time": NP_("header", "time"),
    "action": NP_("header", "action"),
    "actor": NP_("header", "by"),
    "department": NP_("header", "department"),
    "label": NP_("header", "copy"),
    "sha256": NP_("header", "checksum"),
    "note": NP_("header", "note"),
    "file": NP_("header", "file"),
    "checked": NP_("header", "checked"),
    "reason": NP_("header", "reason"),
    "proposed": NP_("header", "proposed"),
    "todo": NP_("header", "to-do"),
    "created": NP_("header", "created"),
    "author": NP_("header", "author"),
    "pages": NP_("header", "pages"),
    "to": NP_("header", "new status"),
    "snippet": NP_("header", "excerpt"),
    "original": NP_("header", "original sum"),
    "current": NP_("header", "current sum"),
    "changes": NP_("header", "change orders"),
    "installments": NP_("header", "installments"),
    "title": NP_("header", "title"),
    "score": NP_("header", "score"),
    "path": NP_("header", "path"),
}


class _Headers(Mapping[str, str]):
    """``HEADERS[key]``: the header word of a column in the active language (read when shown)."""

    def __getitem__(self, key: str) -> str:
        return pgettext("header", HEADER_WORDS[key])

    def __iter__(self) -> Iterator[str]:
        return iter(HEADER_WORDS)

    def __len__(self) -> int:
        return len(HEADER_WORDS)


HEADERS: Mapping[str, str] = _Headers()

_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` fit for one line of a log or a message: control characters (newline, CR,
    ESC, the rest of C0 and C1), format characters (bidirectional overrides, zero-width
    marks) and line separators are escaped, as ``\\n``, ``\\x1b``, ``\\u202e``, so a file
    name can neither start a forged line nor reorder or hide what a person reads."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[ch])
        elif unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)  # printable, or a space (the ideographic space of a Chinese name)
    return "".join(out)


@functools.cache
def _wcwidth() -> Any:
    """wcwidth, imported when a text needs it: one with marks, emoji, controls or characters
    of neither width 1 nor 2 plainly (a list of Chinese names and numbers never does)."""
    import wcwidth

    return wcwidth


def _graphemes(text: str) -> Iterator[str]:
    """The user-perceived characters of ``text`` (a letter with its combining marks, an
    emoji with its modifier): a cut never falls inside one."""
    wcwidth = _wcwidth()
    split = getattr(wcwidth, "iter_graphemes", None)
    if split is not None:
        yield from split(text)
        return
    cluster = ""
    for ch in text:  # older wcwidth: keep zero-width marks with the character before them
        if cluster and wcwidth.wcwidth(ch) == 0:
            cluster += ch
            continue
        if cluster:
            yield cluster
        cluster = ch
    if cluster:
        yield cluster


def _cluster_width(cluster: str) -> int:
    wcwidth = _wcwidth()
    w = wcwidth.wcswidth(cluster)
    if w < 0:  # a control character that was not escaped: count it as one column
        return sum(max(wcwidth.wcwidth(ch), 0) or 1 for ch in cluster)
    return w


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for a CJK or full-width character, 0 for a
    combining mark."""
    if text.isascii() and text.isprintable():
        return len(text)
    return _wide_width(text)


@functools.lru_cache(maxsize=65_536)
def _wide_width(text: str) -> int:
    # a list's cells repeat (kinds, statuses, customers), and a table measures each cell more than once
    plain = _plain_width(text)
    return plain if plain is not None else sum(_cluster_width(g) for g in _graphemes(text))


def _plain_width(text: str) -> int | None:
    """The width of a text of printable ASCII and Latin, and of East Asian wide and full-width letters,
    digits, punctuation, symbols and spaces of the Basic Multilingual Plane (汉字, （，。）, ＡＢ,
    the ideographic space): 1 and 2 columns, as wcwidth counts them. None for anything else
    (a combining mark, an emoji sequence, a control or format character), which wcwidth measures."""
    n = 0
    for ch in text:
        if " " <= ch <= "~" or (("\u00a0" <= ch < "\u0300" or "\u2010" <= ch < "\u2028")
                                 and unicodedata.category(ch)[0] in "LNPS"):
            n += 1  # ASCII, Latin letters and signs such as ¥, ×, é (precomposed), dashes, quotes, …
        elif ch < "\U00010000" and ch != "\u3164" and unicodedata.east_asian_width(ch) in ("W", "F") \
                and unicodedata.category(ch)[0] in "LNPSZ":  # U+3164 HANGUL FILLER shows nothing
            n += 2
        else:
            return None
    return n


def truncate(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` columns, ending in ``…`` when cut; a wide
    character that would cross the limit is left out whole."""
    if width(text) <= limit:
        return text
    if limit <= 0:
        return ""
    room = limit - width(ELLIPSIS)
    out, used = [], 0
    plain = _plain_width(text) is not None  # every character is one to cut before, 1 or 2 columns
    for g in text if plain else _graphemes(text):
        w = _plain_width(g) or 0 if plain else _cluster_width(g)
        if used + w > room:
            break
        out.append(g)
        used += w
    return "".join(out) + ELLIPSIS


def pad(text: str, size: int, align: str = "<", used: int | None = None) -> str:
    """``text`` filled with spaces to ``size`` columns, to the left or (``>``) the right;
    ``used``: its width, where the caller measured it already."""
    fill = " " * max(size - (width(text) if used is None else used), 0)
    return fill + text if align == ">" else text + fill


def terminal_width() -> int:
    """The width budget: ``$COLUMNS``, else the terminal's width, else 100 columns."""
    return max(shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns, MIN_WIDTH)


@dataclass(frozen=True)
class Column:
    """One column of a table: the row key it shows, how soon it shrinks (``flex``), and
    its alignment (``>`` for amounts and counts)."""

    key: str
    flex: int = 0  # 2: shrinks first (names, notes), 1: next (times, checksums), 0: last
    align: str = "<"
    header: str | None = None  # default: HEADERS[key]
    min_width: int = 4

    @property
    def title(self) -> str:
        return self.header if self.header is not None else HEADERS.get(self.key, self.key)


def cell(value: Any) -> str:
    """The text of one value in a table cell, escaped."""
    if value is None:
        return ""
    return printable(str(value))


def _fit(widths: list[int], columns: Sequence[Column], budget: int) -> list[int]:
    """Column widths within ``budget``: the widest of the most flexible columns gives up a
    column at a time; only when those are at their minimum do the next ones, and last the
    fixed ones."""
    widths = list(widths)
    used = sum(widths) + len(GAP) * (len(widths) - 1)
    tiers = ([i for i, c in enumerate(columns) if c.flex >= 2], [i for i, c in enumerate(columns) if c.flex >= 1],
             list(range(len(columns))))
    for group in tiers:
        while used > budget:
            floors = {i: min(widths[i], max(columns[i].min_width, width(columns[i].title)))
                      for i in group}
            shrinkable = [i for i in group if widths[i] > floors[i]]
            if not shrinkable:
                break
            i = max(shrinkable, key=lambda j: widths[j])
            widths[i] -= 1
            used -= 1
    return widths


def render(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *, wide: bool = False,
    budget: int | None = None,
) -> list[str]:
    """The lines of a table: a header row, then one line per row, every column starting at
    the same display column, within ``budget`` columns (the terminal's) unless ``wide``."""
    body = [[cell(row.get(c.key)) for c in columns] for row in rows]
    # a column empty in every row is left out (e.g. no file has a proposed number)
    keep = [i for i, c in enumerate(columns) if not c.flex or any(r[i] for r in body)]
    columns = [columns[i] for i in keep]
    body = [[r[i] for i in keep] for r in body]
    heads = [c.title for c in columns]
    table = [heads, *body]
    measured = [[width(text) for text in r] for r in table]  # each cell measured once
    widths = [max(column) for column in zip(*measured)]
    if not wide:
        widths = _fit(widths, columns, budget or terminal_width())
    lines = []
    for r, sizes in zip(table, measured):
        parts = []
        for i, text in enumerate(r):
            size = sizes[i]
            if size > widths[i]:  # only where --wide is not given
                text = truncate(text, widths[i])
                size = width(text)
            parts.append(pad(text, widths[i], columns[i].align, size))
        lines.append(GAP.join(parts).rstrip())
    return lines


def line(text: str, *, wide: bool = False, budget: int | None = None, indent: str = "") -> str:
    """One free line (a key and its value, a snippet) escaped and, unless ``wide``, shortened
    to the width budget."""
    text = indent + printable(text)
    return text if wide else truncate(text, budget or terminal_width())


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = printable(str(value)) if isinstance(value, str) else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text  # Excel would run it as a formula (CSV injection)
    return text


BOM = "\ufeff"


def to_csv(rows: Sequence[Mapping[str, Any]], fields: Sequence[str] | None = None) -> str:
    """``rows`` as CSV text for Excel: a BOM, a header row of the JSON field names, every
    cell quoted as needed, none that Excel would take for a formula."""
    if fields is None:
        fields = list(dict.fromkeys(k for row in rows for k in row))
    buf = io.StringIO()
    writer = csv.writer(buf)  # QUOTE_MINIMAL, \r\n line ends as Excel writes them
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_csv_cell(row.get(f)) for f in fields])
    return BOM + buf.getvalue()


__all__ = ["Column", "HEADERS", "line", "pad", "printable", "render", "terminal_width", "to_csv",
           "truncate", "width"]
