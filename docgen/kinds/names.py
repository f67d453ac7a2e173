"""The names of the document kinds: the key docgen stores and the Chinese names people write.

One table for the command line (``docgen new 报价单``, ``--kind 合同``) and for what
docgen prints (``KIND_CN``). Names are matched after NFKC folding and trimming,
so full-width letters and stray spaces do not matter; the English keys also in
any letter case.
"""

from __future__ import annotations

import unicodedata

from docgen.i18n import pgettext
from docgen.kinds import KINDS

KIND_CN = {
    "quote": "报价单",
    "contract": "施工合同",
    "rectification": "整改通知书",
    "acceptance": "竣工验收报告",
    "warranty": "保修卡",
}
"""The name each kind is printed with."""

KIND_ALIASES = {
    "quote": ("报价单", "报价"),
    "contract": ("施工合同", "合同"),
    "rectification": ("整改通知书", "整改通知", "整改单", "整改"),
    "acceptance": ("竣工验收报告", "验收报告", "验收"),
    "warranty": ("保修卡", "保修"),
}
"""Every Chinese name accepted for a kind, the printed name first."""

_BY_NAME = {name: key for key, names in KIND_ALIASES.items() for name in names}


def kind_key(text: str) -> str | None:
    """The kind ``text`` names (``"合同"`` -> ``"contract"``), or None."""
    name = unicodedata.normalize("NFKC", text).strip()
    if name.lower() in KINDS:
        return name.lower()
    return _BY_NAME.get(name)


def kind_word(key: str) -> str:
    """The kind's name in a message, in the active language (``quote`` -> ``报价单`` in zh-CN,
    its English name in en); a key docgen does not know is shown as it is."""
    words = {
        "quote": pgettext("kind", "quote"),
        "contract": pgettext("kind", "contract"),
        "rectification": pgettext("kind", "rectification notice"),
        "acceptance": pgettext("kind", "acceptance report"),
        "warranty": pgettext("kind", "warranty card"),
    }
    return words.get(key, key)


def accepted_names() -> str:
    """The accepted names, for a message: ``quote (报价单, 报价), contract (…)…``."""
    return ", ".join(f"{key} ({', '.join(KIND_ALIASES[key])})" for key in KINDS)
