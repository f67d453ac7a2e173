"""The names of the document kinds: the key docgen stores and the Chinese names people write.

The names come from each kind's definition (``docgen.kinds.registry``); this module keeps
the short functions the command line and messages use. Names are matched after NFKC
folding and trimming, so full-width letters and stray spaces do not matter; the English
keys also in any letter case.
"""

from __future__ import annotations

from docgen.kinds import registry


def kind_key(text: str) -> str | None:
    """The kind ``text`` names (``"合同"`` -> ``"contract"``), or None."""
    return registry.kind_key(text)


def kind_cn(key: str) -> str:
    """The Chinese name a kind is printed with (``quote`` -> ``报价单``); an unknown key as it is."""
    kind = registry.find(key)
    return kind.cn if kind else key


def kind_word(key: str) -> str:
    """The kind's name in a message, in the active language (``quote`` -> ``报价单`` in zh-CN,
    its English name in en); a key docgen does not know is shown as it is."""
    kind = registry.find(key)
    return kind.word_now() if kind else key


def accepted_names() -> str:
    """The accepted names, for a message: ``quote (报价单, 报价), contract (…)…``."""
    return registry.accepted_names()
