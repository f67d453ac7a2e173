"""The code printed on every page: document number, version and a short MAC.

Format (also the QR payload): ``HT-2026-0001.V2.K7Q3M9XP``. The MAC is the first
8 base32 characters (40 bits) of HMAC-SHA256 over ``NUMBER.VVERSION`` with the
archive's secret key, so a forged or altered code is recognised by intake.
Pure functions: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

MAC_LENGTH = 8
CODE_RE = re.compile(r"\b([A-Z]{2,4}-\d{4}-\d{4,})\.V(\d{1,4})\.([A-Z2-7]{%d})\b" % MAC_LENGTH)


@dataclass(frozen=True)
class PageCode:
    number: str
    version: int
    mac: str

    def __str__(self) -> str:
        return f"{self.number}.V{self.version}.{self.mac}"


def mac(number: str, version: int, key: bytes) -> str:
    """The short MAC of a number and version under the archive key."""
    digest = hmac.new(key, f"{number}.V{version}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:MAC_LENGTH]


def make(number: str, version: int, key: bytes) -> PageCode:
    """The code to print on every page of version ``version`` of ``number``."""
    return PageCode(number, version, mac(number, version, key))


def parse(text: str) -> PageCode | None:
    """Find a code in text (a QR payload or a page's text layer); None if there is none."""
    m = CODE_RE.search(text.upper())
    if not m:
        return None
    return PageCode(m.group(1), int(m.group(2)), m.group(3))


def verify(code: PageCode, key: bytes) -> bool:
    """True when the code's MAC was made with this key (constant-time comparison)."""
    return hmac.compare_digest(code.mac, mac(code.number, code.version, key))
