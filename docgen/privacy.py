"""Personal data in documents: finding, masking and checking ID and phone numbers.

The customer's ID number (居民身份证号码, GB 11643) and phone number are personal data
(《个人信息保护法》第二十八条 counts ID numbers as sensitive). Departments whose
policy is ``personal_data = "masked"`` see them masked in copies and in search
results; the search index holds them only masked, plus a keyed hash of each whole
number so that searching the full number still finds its documents.

Pure functions: no archive, no rendering; copies (distribute) and search
(archive/search) use the same rules.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import lru_cache
from collections.abc import Iterable, Mapping
from typing import Any

from docgen.i18n import _

Pair = tuple[str, str]  # (the value as the data holds it, its masked form)


def mask_id(value: str) -> str:
    """440308199001011239 -> 440308********1239 (region and last four kept)."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678; other numbers keep their first three and last four digits."""
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    if len(digits) <= 7:
        return re.sub(r"\d", "*", value)
    hidden = set(digits[3:-4])
    return "".join("*" if i in hidden else c for i, c in enumerate(value))


def customer_pairs(customer: Mapping[str, Any]) -> list[Pair]:
    """(value, masked value) of a customer's ID and phone numbers (the data's own spelling)."""
    pairs: list[Pair] = []
    if customer.get("id_number"):
        pairs.append((str(customer["id_number"]), mask_id(str(customer["id_number"]))))
    if customer.get("phone"):
        pairs.append((str(customer["phone"]), mask_phone(str(customer["phone"]))))
    return pairs


def what(value: str) -> str:
    """'ID number' or 'phone number', for messages."""
    return _("ID number") if len(_core(value)) >= 15 else _("phone number")


def _core(value: str) -> str:
    """The letters and digits of a value, upper case (what identifies it however written)."""
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", value).upper())


# what a writer, Word or LibreOffice may put between the digits of a number: spaces, dashes,
# dots, brackets, and in XML a run boundary or a character reference
_BETWEEN = r"(?:[\s\-.·()/]|&#\d+;|<[^>]*>)*"


@lru_cache(maxsize=4096)
def loose(value: str) -> re.Pattern[str]:
    """The value's letters and digits with anything between them that still reads as the
    number: 138-1234-5678, 440308 19900101 1239, or digits split across runs in XML."""
    return re.compile(_BETWEEN.join(re.escape(c) for c in _core(value)), re.IGNORECASE)


def mask_text(text: str, pairs: Iterable[Pair]) -> str:
    """``text`` with every occurrence of each value replaced by its masked form."""
    for value, masked in pairs:
        if _core(value):
            text = loose(value).sub(masked, text)
    return text


def _squeezed(text: str) -> str:
    # NFKC makes full-width digits (１３８) plain; every mark that is not a letter, digit or
    # Chinese character is dropped, so 1~3~8 or 138_1234 still reads as the number
    return re.sub(r"[\W_]", "", unicodedata.normalize("NFKC", text)).upper()


def leaks(text: str, pairs: Iterable[Pair]) -> list[str]:
    """The values of ``pairs`` still readable in ``text``, however spaced or punctuated.

    Broader than ``loose`` on purpose: what masking could not reach is found here.
    """
    squeezed = _squeezed(text)
    return [value for value, _masked in pairs if _core(value) and _core(value) in squeezed]


# ID numbers anywhere in a text (not only the customer's): 17 digits and a check character
_ID_RE = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def valid_id(number: str) -> bool:
    """Whether an 18-character number carries a valid GB 11643 check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def id_numbers(text: str) -> list[str]:
    """Every valid ID number written in one piece in ``text`` (anyone's, not only the customer's)."""
    found = (m.group(0).upper() for m in _ID_RE.finditer(unicodedata.normalize("NFKC", text)))
    return sorted({n for n in found if valid_id(n)})


def token(key: bytes, value: str) -> str:
    """The search token of a whole number: a keyed hash (HMAC-SHA-256 with the archive's
    key), so the index can find the number without holding it; one word for the analyser."""
    digest = hmac.new(key, b"docgen-search-pd\x00" + _core(value).encode(), hashlib.sha256).hexdigest()
    return "pd" + digest[:24]


def lookup_value(text: str) -> str | None:
    """The number a search term names, if it looks like an ID or phone number (7+ digits,
    spaces and dashes allowed): the value whose token to look for."""
    plain = unicodedata.normalize("NFKC", text).strip()
    if not re.fullmatch(r"\+?[\d\s\-]*\d[\dXx]?", plain):
        return None
    core = _core(plain)
    return core if len(re.sub(r"\D", "", core)) >= 7 else None
