"""What a document kind is: one class per kind, one registry of them.

A kind is a module under ``docgen/kinds/`` that defines a subclass of :class:`Kind` and
registers one instance of it (``KIND = register(Quote())``). The class states everything
docgen knows about the kind, and nothing outside ``docgen/kinds/`` names a kind:

- its key, its names (printed and accepted), its number prefix, template and title;
- its input model (a pydantic model in ``docgen/kinds/inputs/``, named by :func:`model`
  and imported when a file of the kind is read), and in :meth:`Kind.prepare` the
  documents it refers to and the checks on them, with its derived values; :meth:`Kind.context` for the template and
  :meth:`Kind.summary` for the catalog (what every other part reads);
- its statuses, which of them a distribution rule may name, the status a filed signed scan
  gives it, whether legal review comes before signing, which version is effective
  (:class:`~docgen.archive.catalog.EffectivePolicy`), its own steps (:class:`Step`);
- what ``show`` prints for it and what ``list`` shows as its amount;
- its distribution defaults (who may pull it, who receives which copy), and its own
  docgen.toml section.

``docgen.kinds.registry`` imports the registered modules; ``kinds()`` and ``get()`` are
how everything else reads them.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Protocol

from docgen.archive.catalog import EffectivePolicy
from docgen.i18n import pgettext


@dataclass(frozen=True)
class Related:
    """Another document as a kind sees it: its row and its newest version's summary."""

    number: str
    kind: str
    status: str
    project: str
    summary: dict[str, Any]


@dataclass(frozen=True)
class Amendment:
    """What a counted document (a signed change order) changes in the document it amends."""

    amount: Decimal = Decimal(0)  # added to the amended document's sum (negative: less)
    days: int = 0  # added to its schedule


class Lookup(Protocol):
    """What a kind may ask of the archive while it prepares a document (``generate`` gives it)."""

    source: Path  # the input file, for messages
    project: dict[str, Any]  # the resolved project data
    code: str | None  # its code, None for a project the archive does not hold yet
    settings: Any  # docgen.config.Settings
    number: str | None  # the document being revised or given a step, else None
    stepping: bool  # a step or re-inspection of ``number``: its references were checked when made
    stored_photos: dict[int, bytes] | None  # photos kept from the version a step starts from

    def referenced(self, number: str, kind: str, field: str, *, same_project: bool = True) -> Related:
        """The document ``number`` as the field ``field`` names it, checked: of ``kind``, not
        void, and (``same_project``) of this project; else refused naming the field."""

    def contract_counts(self, named: str) -> None:
        """Refused unless the project's contract counts (``[chain] contract_status``)."""

    def photo(self, ref: str, field: str) -> bytes:
        """A photo named in the data, read and checked to be an image."""

    def live(self, kind: str, *, project: str | None = None) -> list[Related]:
        """The documents of ``kind`` that are not void (of ``project``, when given)."""

    def referring(self, number: str) -> list[Related]:
        """The documents that refer to ``number`` (void ones too), oldest number first."""


class _Model:
    """A kind's (or a step's) input model named as ``"module:Class"``, imported when first
    read: the models import pydantic, which a command that only reads the archive never needs."""

    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> Any:
        module, _, name = self.path.partition(":")
        return getattr(importlib.import_module(module), name)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self.load()


def model(path: str) -> Any:
    """``Kind.model`` (``model = model("docgen.kinds.inputs.quote:QuoteInput")``), and a
    ``Step``'s: the class, imported when first read."""
    return _Model(path)


@dataclass(frozen=True)
class Step:
    """A step a kind records as a new version of the same document (``docgen step``).

    ``apply`` takes the newest version's input data and the step's own data (a file, read
    and validated by ``model``) and returns the new version's input data; ``prepare`` then
    checks it as any version's data.
    """

    name: str  # the word on the command line: docgen step WX-2026-0001 visit visit.yaml
    word: str  # its name for people, marked NP_("step", …)
    help: str  # one line: what the step records, marked N_(…)
    model: Any  # pydantic model of the step's data (``model("module:Class")``, imported when first read)
    apply: Callable[[dict[str, Any], Any], dict[str, Any]]

    def input_model(self) -> Any:
        return self.model.load() if isinstance(self.model, _Model) else self.model


@dataclass(frozen=True)
class Late:
    """A document past a time limit (``list --overdue``)."""

    number: str
    project: str
    due: dt.date
    days: int  # days past
    what: str  # what is late, in the active language (整改期限, 上门时限 …)
    kind: str = ""  # the document's kind (set by ``generate.overdue``)


class Kind:
    """The interface every document kind implements; see the module's docstring."""

    key: ClassVar[str]  # what the catalog stores: "quote"
    title: ClassVar[str]  # printed on the document: 装修工程报价单
    template: ClassVar[str]  # the bundled template's file name: quote.docx
    prefix: ClassVar[str]  # default number prefix (docgen.toml [numbers] may change it): BJ
    names: ClassVar[tuple[str, ...]]  # Chinese names accepted for it, the printed one first
    word: ClassVar[str]  # its name in messages, marked NP_("kind", …): "quote"
    a_word: ClassVar[str]  # "a quote", marked N_(…), for "X is not a quote"
    model: ClassVar[Any]  # the pydantic model of its input
    statuses: ClassVar[tuple[str, ...]]  # every status a document of the kind can have
    status_words: ClassVar[dict[str, str]] = {}  # statuses of its own -> NP_("status", …)
    rule_statuses: ClassVar[tuple[str, ...]]  # the statuses a [distribution] rule may name
    signed_status: ClassVar[str | None] = "signed"  # once a signed scan is filed; None keeps it
    review: ClassVar[bool] = False  # legal review (submit, approve, reject) before signing
    effective: ClassVar[EffectivePolicy] = EffectivePolicy()
    refers: ClassVar[tuple[str, ...]] = ()  # summary keys that hold other documents' numbers
    # the summary keys ``total`` and ``amendment`` read: what ``list`` reads of each summary
    listed: ClassVar[tuple[str, ...]] = ("total",)
    amends: ClassVar[str | None] = None  # the kind whose sum and schedule a counted one changes
    steps: ClassVar[tuple[Step, ...]] = ()
    pulled_by: ClassVar[tuple[str, ...]] = ("customer", "legal", "archive")  # default pull lists
    # the roles that draft and revise it by default (roles.default_roles): sales and designers
    # the documents of the sale, project managers those of the site
    drafted_by: ClassVar[tuple[str, ...]] = ("sales", "designer")
    distribution: ClassVar[dict[str, dict[str, str]]] = {}  # status -> department -> 联次 label
    settings_toml: ClassVar[str] = ""  # its own docgen.toml section, with comments, as written
    final: ClassVar[tuple[str, ...]] = ("void",)  # statuses after which nothing is recorded
    made_from: ClassVar[str | None] = None  # the kind it can be made from (docgen new KIND --from-…)
    # its checks run again when its signed scan is filed, and the figures the paper shows must
    # still be right: what others signed meanwhile may change what it may do (a change order)
    recheck_on_signing: ClassVar[bool] = False

    # reading and deriving -----------------------------------------------------------------

    def parse(self, data: dict[str, Any], source: Path, settings: Any) -> Any:
        """The input, validated by the model; one-line errors naming the field."""
        from docgen.kinds.common import validate

        return validate(self.model, data, source)

    def prepare(self, model: Any, lookup: Lookup) -> tuple[dict[str, Any], list[bytes | None]]:
        """Check what the input refers to and derive the document's values; writes nothing.
        Returns the derived values and the photos the document holds (in their order)."""
        raise NotImplementedError

    sheets: ClassVar[bool] = False  # made from a spreadsheet too (from_sheet, check_sheet)

    def from_sheet(self, table: Any, settings: Any) -> dict[str, Any]:
        """The input data of the document read from a spreadsheet's table (``docgen.sheets.Table``),
        before the model checks it; the project is added by the caller when the sheet names none."""
        raise NotImplementedError

    def check_sheet(self, table: Any, derived: dict[str, Any]) -> None:
        """The figures the sheet printed (subtotals, totals) against the derived ones, to the fen."""

    def status(self, derived: dict[str, Any]) -> str:
        """The status a new version of the document has when it is made."""
        return self.statuses[0]

    def number_date(self, derived: dict[str, Any]) -> dt.date:
        """The document's own date: its number's year, and its date in search and lists."""
        raise NotImplementedError

    def context(self, derived: dict[str, Any], settings: Any) -> dict[str, Any]:
        """The template's values of its own (the project's and company's are added)."""
        raise NotImplementedError

    def summary(self, derived: dict[str, Any]) -> dict[str, Any]:
        """What the catalog keeps of a version (JSON): what show, list and other kinds read."""
        raise NotImplementedError

    # reading the archive ------------------------------------------------------------------

    def show(self, doc: Related, referring: list[Related], today: dt.date) -> list[str]:
        """The lines ``show`` prints for the document, after its project."""
        return []

    def total(self, doc: Related, referring: list[Related]) -> Decimal | None:
        """The amount ``list`` and ``show`` give for the document (current, after amendments)."""
        value = doc.summary.get("total")
        return Decimal(value) if value else None

    def amendment(self, doc: Related) -> Amendment | None:
        """What this document changes in the one it amends, or None where it does not count."""
        return None

    def overdue(self, doc: Related, today: dt.date, settings: Any) -> Late | None:
        """The document's time limit, if it is past it on ``today``."""
        return None

    def refuse_revise(self, doc: Related, lookup: Lookup) -> str | None:
        """Why the document may not be revised now, or None."""
        return None

    def refuse_void(self, doc: Related, lookup: Lookup) -> str | None:
        """Why the document may not be voided now, or None."""
        return None

    def data_from(self, source: Related, settings: Any, today: dt.date, deadline: dt.date | None) -> dict[str, Any]:
        """The input data of a document made from ``source`` (of the kind ``made_from``)."""
        raise NotImplementedError

    def read_settings(self, table: dict[str, Any]) -> Any:
        """Its docgen.toml section, checked (``Settings.kind(key)`` returns it)."""
        return table

    # words ----------------------------------------------------------------------------------

    @property
    def cn(self) -> str:
        """The name it is printed with in Chinese tables and files: 报价单."""
        return self.names[0]

    def word_now(self) -> str:
        """Its name in the active language."""
        return pgettext("kind", self.word)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)


_REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind to the registry (once per key); returns it, for ``KIND = register(…)``."""
    if kind.key in _REGISTRY and type(_REGISTRY[kind.key]) is not type(kind):
        raise ValueError(f"two kinds with the key {kind.key!r}")
    _REGISTRY[kind.key] = kind
    return kind


def registered() -> Iterable[Kind]:
    return _REGISTRY.values()


def links(summary: dict[str, Any], refers: Iterable[str]) -> set[str]:
    """The document numbers a summary refers to through the keys ``refers``."""
    return {str(summary[k]) for k in refers if summary.get(k)}


__all__ = ["Amendment", "Kind", "Late", "Lookup", "Related", "Step", "field", "links", "model", "register"]
