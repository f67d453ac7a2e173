"""The registry of document kinds: every list of kinds, names, prefixes and statuses.

Each kind's module registers its definition when imported (``docgen.kinds.base``); this
module imports them, in the order people see them listed. A new kind is a new module and
one line in ``MODULES``.
"""

from __future__ import annotations

import importlib
import unicodedata
from functools import cache

from docgen.archive.catalog import KindTable
from docgen.kinds.base import Amendment, Kind, Related, registered

MODULES = ("quote", "contract", "change", "rectification", "acceptance", "warranty", "repair")
"""The kinds' modules under docgen/kinds/, in the order docgen lists kinds."""

GENERIC_STATUSES = ("draft", "in_review", "approved", "rejected", "signed", "void")
"""Statuses of the life cycle every kind shares (legal review, a filed signed scan, void)."""


@cache
def _load() -> dict[str, Kind]:
    for name in MODULES:
        importlib.import_module(f"docgen.kinds.{name}")
    kinds = {k.key: k for k in registered()}
    order = {name: n for n, name in enumerate(MODULES)}
    return dict(sorted(kinds.items(), key=lambda kv: order.get(type(kv[1]).__module__.rsplit(".", 1)[-1], 99)))


def kinds() -> list[Kind]:
    """Every kind, in the order docgen lists them."""
    return list(_load().values())


def keys() -> tuple[str, ...]:
    return tuple(_load())


def get(key: str) -> Kind:
    """The kind stored as ``key``; KeyError for a key no kind has."""
    return _load()[key]


def find(key: str) -> Kind | None:
    return _load().get(key)


def kind_key(text: str) -> str | None:
    """The kind ``text`` names (``"合同"`` -> ``"contract"``, ``"Quote"`` -> ``"quote"``), or None.
    Names are matched after NFKC folding and trimming, so full-width letters and stray spaces
    do not matter; the English keys also in any letter case."""
    name = unicodedata.normalize("NFKC", text).strip()
    if name.lower() in _load():
        return name.lower()
    return next((k.key for k in kinds() if name in k.names), None)


def statuses() -> tuple[str, ...]:
    """Every status a document can have, the shared ones first."""
    out = list(GENERIC_STATUSES)
    for k in kinds():
        out += [s for s in k.statuses if s not in out]
    return tuple(out)


def status_words() -> dict[str, str]:
    """The kinds' own statuses -> their words (NP_("status", …)), for ``i18n.status_word``."""
    return {s: w for k in kinds() for s, w in k.status_words.items()}


def prefixes() -> dict[str, str]:
    """Each kind's default number prefix."""
    return {k.key: k.prefix for k in kinds()}


def amendments(doc: Related, referring: list[Related]) -> list[tuple[Related, Amendment | None]]:
    """The documents among ``referring`` that amend ``doc`` (change orders of a contract), each
    with what it changes where it counts (None where it does not: unsigned or void)."""
    return [(r, get(r.kind).amendment(r)) for r in referring
            if find(r.kind) is not None and get(r.kind).amends == doc.kind]


def accepted_names() -> str:
    """The accepted names, for a message: ``quote (报价单, 报价), contract (…)…``."""
    return ", ".join(f"{k.key} ({', '.join(k.names)})" for k in kinds())


@cache
def table() -> KindTable:
    """The kinds as the archive takes them: names, statuses and effective-version policies."""
    names = {}
    for k in kinds():
        names[k.key] = k.key
        names.update({n: k.key for n in k.names})
    return KindTable(names=names, statuses=statuses(), policies={k.key: k.effective for k in kinds()})
