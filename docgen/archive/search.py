"""Full-text search of the archive in Chinese, behind one small interface.

Text is analysed by docgen, not by the engine: Traditional characters are turned
into Simplified (OpenCC t2s), Latin text is lower-cased, document numbers stay one
token, and every run of Chinese characters becomes its character bigrams (a lone
character stays a unigram). The engine indexes those tokens separated by spaces.
Any substring of two or more Chinese characters is therefore a phrase of
consecutive bigrams, which both engines match exactly; no dictionary is needed, so
names and trade words that a segmenter does not know are found too.

Two engines sit behind the same ``Engine`` interface: tantivy (Rust, a new archive's
default) and whoosh (whoosh-reloaded, pure Python), chosen in docgen.toml
``[search] engine``. The catalog is the truth: a trigger queues every
changed document in ``index_queue`` inside the same transaction, and
``SearchIndex.sync()`` indexes the queue afterwards; if that fails (lock held,
crash) the queue keeps the document for the next command or ``docgen reindex``.

Personal data follows the departments' policy: the index holds ID and phone numbers
only masked (440308********1234), plus a keyed hash token of each whole number
(``docgen.privacy.token``, HMAC with the archive key) so that searching the full
number still finds its documents; results show them masked unless the caller may
see personal data.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import hashlib
import json
import logging
import re
import shutil
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from docgen.archive.catalog import Catalog, KindTable, VersionRow, effective_version
from docgen.archive.query import And, Node, Not, Or, QueryError, Term, parse, query_words
from docgen.archive.store import BlobStore
from docgen.errors import DocgenError, IndexDamaged
from docgen.i18n import _
from docgen.privacy import Pair, customer_pairs, id_numbers, leaks, lookup_value, mask_id, mask_text, token

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5  # 5: personal data indexed masked, with keyed tokens
ENGINES = ("whoosh", "tantivy")
TEXT_FIELDS = ("title", "customer", "address", "body")
# Ranking: a match in the title or the customer's name counts more than one in the body.
BOOSTS = {"title": 4.0, "customer": 4.0, "address": 2.0, "body": 1.0}
DATE_KEYS = ("doc_date",)  # every version's summary has its document's own date


class IndexBusy(Exception):
    """Another process holds the index's write lock."""


# analysis ---------------------------------------------------------------------------------

_converter: Any = None


def simplified(text: str) -> str:
    """Traditional Chinese to Simplified (OpenCC t2s); other text unchanged."""
    global _converter
    if _converter is None:
        import opencc

        _converter = opencc.OpenCC("t2s")
    return str(_converter.convert(text))


CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN_RE = re.compile(
    rf"(?P<num>[a-z]{{1,4}}-\d{{4}}-\d{{3,}})|(?P<word>[a-z0-9]+(?:\.[0-9]+)*)|(?P<cjk>[{CJK}]+)"
)


def tokens(text: str) -> list[str]:
    """Index tokens of a text, in order (consecutive tokens make a phrase)."""
    out: list[str] = []
    for m in TOKEN_RE.finditer(normal(text)):
        run = m.group("cjk")
        if run is None:
            out.append(m.group(0))
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def normal(text: str) -> str:
    """Simplified, NFKC (full-width ＨＴ－２０２６ is HT-2026) and lower case."""
    return simplified(unicodedata.normalize("NFKC", text)).lower()


def token_text(text: str) -> str:
    return " ".join(tokens(text))


GRAM = 5  # whoosh: every Chinese substring of 2 to GRAM characters is a term of its own


def grams(text: str) -> list[str]:
    """Position-free terms for whoosh: words, numbers, and every 2..GRAM-character Chinese substring.

    whoosh matches phrases in Python, far too slowly for bigram phrases over long
    documents; with substrings as terms a query of up to GRAM characters is one term,
    and a longer one is the conjunction of its overlapping GRAM-grams.
    """
    out: set[str] = set()
    for m in TOKEN_RE.finditer(normal(text)):
        run = m.group("cjk")
        if run is None:
            out.add(m.group(0))
        elif len(run) == 1:
            out.add(run)
        else:
            for size in range(2, GRAM + 1):
                out.update(run[i : i + size] for i in range(len(run) - size + 1))
    return sorted(out)


def query_grams(text: str) -> list[str]:
    """The whoosh terms that must all be present for ``text`` to match."""
    out: list[str] = []
    for m in TOKEN_RE.finditer(normal(text)):
        run = m.group("cjk")
        if run is None or len(run) <= GRAM:
            out.append(m.group(0))
        else:
            out.extend(run[i : i + GRAM] for i in range(len(run) - GRAM + 1))
    return out


# queries ----------------------------------------------------------------------------------


def parse_query(query: str, kinds: KindTable) -> Node:
    """Parse a user's query (docgen.archive.query); QueryError (one line) for what cannot be
    understood, a field value such as kind:xyz included. Kind and status terms come back
    with their stored keys."""

    def known(n: Node) -> Node:
        if isinstance(n, And):
            return And(tuple(known(x) for x in n.nodes))
        if isinstance(n, Or):
            return Or(tuple(known(x) for x in n.nodes))
        if isinstance(n, Not):
            return Not(known(n.node))
        return _known(n, kinds)

    return known(parse(query))


# documents and filters -------------------------------------------------------------------


@dataclass(frozen=True)
class IndexDoc:
    number: str
    version: int
    kind: str
    status: str
    effective: bool
    project: str
    customer: str
    address: str
    title: str
    body: str
    date: int  # yyyymmdd

    @property
    def key(self) -> str:
        return f"{self.number}#{self.version}"

    def fields(self, analyse: Callable[[str], str]) -> dict[str, Any]:
        """The index fields of both engines; ``analyse`` turns free text into the engine's terms."""
        return {
            "key": self.key,
            "number": self.number,
            "version": self.version,
            "kind": self.kind,
            "status": self.status,
            "effective": "1" if self.effective else "0",
            "project": self.project,
            "customer_id": simplified(self.customer),
            "date": self.date,
            "title": analyse(self.title),
            "customer": analyse(self.customer),
            "address": analyse(self.address),
            "body": analyse(self.body),
        }


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    project: str | None = None
    customer: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    all_versions: bool = False


@dataclass(frozen=True)
class Hit:
    number: str
    version: int
    score: float


def _yyyymmdd(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


# engines ----------------------------------------------------------------------------------


class Engine(Protocol):
    name: str

    def replace(self, groups: dict[str, list[IndexDoc]], fresh: bool = False) -> None:
        """Replace all versions of each document number with the given ones.

        ``fresh``: the index holds none of these numbers yet (a rebuild), skip deleting.
        """
        ...

    def search(self, node: Node, filters: Filters, limit: int) -> list[Hit]: ...

    def keys(self) -> set[str]: ...

    def size(self) -> int: ...

    def close(self) -> None: ...


def _compiled_words(t: Term) -> list[str] | None:
    """Tokens of a free-text term; None when it has none (punctuation, emoji)."""
    toks = tokens(t.text)
    return toks or None


class WhooshEngine:
    name = "whoosh"

    def __init__(self, path: Path) -> None:
        from whoosh import fields, index
        from whoosh.analysis import SpaceSeparatedTokenizer

        self.path = path
        text = fields.TEXT(analyzer=SpaceSeparatedTokenizer(), phrase=False)
        self.schema = fields.Schema(
            key=fields.ID(unique=True, stored=True),
            number=fields.ID(stored=True),
            version=fields.NUMERIC(stored=True),
            kind=fields.ID,
            status=fields.ID,
            effective=fields.ID,
            project=fields.ID,
            customer_id=fields.ID,
            date=fields.NUMERIC(int, bits=32, sortable=True),
            title=text,
            customer=text,
            address=text,
            body=text,
        )
        path.mkdir(parents=True, exist_ok=True)
        self.ix = index.open_dir(str(path)) if index.exists_in(str(path)) else index.create_in(str(path), self.schema)
        self._searchers: dict[int, Any] = {}  # by thread: a whoosh searcher is not shared between threads
        self._searchers_lock = threading.Lock()

    def _searcher(self) -> Any:
        """This thread's searcher, kept open between searches (opening one reads every segment's
        term files) while the index has no newer generation (whoosh's own check: a listing of
        the folder), so a search always reads the latest commit. A new generation gets a new
        searcher: whoosh's ``refresh()`` reuses the old segment readers, and with them segments
        merged away since and deletions it has not seen."""
        from whoosh import scoring

        me = threading.get_ident()
        with self._searchers_lock:
            kept = self._searchers.pop(me, None)
        if kept is not None and kept.reader().generation() != self.ix.latest_generation():
            kept.close()
            kept = None
        # Terms are deduplicated per document (frequency is always 1), so BM25's per-document
        # work buys nothing; TF-IDF with the field boosts ranks the same way, faster.
        searcher = kept or self.ix.searcher(weighting=scoring.TF_IDF())
        with self._searchers_lock:
            self._searchers[me] = searcher
        return searcher

    def replace(self, groups: dict[str, list[IndexDoc]], fresh: bool = False) -> None:
        from whoosh.index import LockError

        try:
            writer = self.ix.writer(limitmb=256)
        except LockError:
            raise IndexBusy(_("the {engine} index is being written by another process").format(engine="whoosh")) from None
        try:
            for number, docs in groups.items():
                if not fresh:
                    writer.delete_by_term("number", number)
                for d in docs:
                    writer.add_document(**d.fields(lambda text: " ".join(grams(text))))
        except BaseException:
            writer.cancel()
            raise
        # whoosh's MERGE_SMALL: small segments merged into one as they accumulate (a few ms),
        # so single filings leave a handful of segments, not one each for searches to open
        writer.commit(merge=True)

    def _q(self, node: Node) -> Any:
        from whoosh import query as wq

        if isinstance(node, Not):
            inner = self._q(node.node)
            return wq.Not(inner) if inner is not None else None
        if isinstance(node, And | Or):
            parts = [self._q(n) for n in node.nodes]
            if isinstance(node, And):
                # a term without tokens (punctuation) neither matches nor blocks the others
                kept = [p for p in parts if p is not None]
                return wq.And(kept) if kept else None
            kept = [p for p in parts if p is not None]
            return wq.Or(kept) if kept else None
        if node.field in ("number", "kind", "status", "project"):
            return wq.Term(node.field, _exact(node))
        words = query_grams(node.text)
        if not words:
            return None
        targets = (node.field,) if node.field else TEXT_FIELDS
        alts = [
            (wq.Term(f, words[0], boost=BOOSTS[f]) if len(words) == 1
             else wq.And([wq.Term(f, w) for w in words], boost=BOOSTS[f]))
            for f in targets
        ]
        return alts[0] if len(alts) == 1 else wq.Or(alts)

    def search(self, node: Node, filters: Filters, limit: int) -> list[Hit]:
        from whoosh import query as wq

        q = self._q(node)
        if q is None:
            return []
        conds: list[Any] = []
        for name, value in _filter_terms(filters):
            conds.append(wq.Term(name, value))
        if conds:
            q = wq.And([q, *conds])
        from whoosh import collectors

        s = self._searcher()
        collector: Any = collectors.TopCollector(limit=limit)
        if filters.date_from or filters.date_to:
            # A numeric range query is a union of many postings; checking each candidate's
            # date in the column is several times cheaper.
            lo = _yyyymmdd(filters.date_from) if filters.date_from else 0
            hi = _yyyymmdd(filters.date_to) if filters.date_to else 99991231
            collector = _DateCollector(collector, lo, hi)
        s.search_with_collector(q, collector)
        results = collector.results()
        return [Hit(r["number"], int(r["version"]), float(r.score)) for r in results]

    def keys(self) -> set[str]:
        with self.ix.searcher() as s:
            return {f["key"] for f in s.all_stored_fields()}

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    def close(self) -> None:
        with self._searchers_lock:
            kept, self._searchers = list(self._searchers.values()), {}
        for searcher in kept:
            searcher.close()
        self.ix.close()


def _date_collector_class() -> Any:
    from whoosh.collectors import WrappingCollector

    class DateCollector(WrappingCollector):  # type: ignore[misc]
        """Collects only documents whose date column lies in [lo, hi]."""

        def __init__(self, child: Any, lo: int, hi: int) -> None:
            super().__init__(child)
            self.lo, self.hi = lo, hi

        def set_subsearcher(self, subsearcher: Any, offset: int) -> None:
            super().set_subsearcher(subsearcher, offset)
            reader = subsearcher.reader()  # an index of no documents yet has no date column
            self.dates = reader.column_reader("date") if reader.has_column("date") else None

        def collect_matches(self) -> None:
            child, dates, lo, hi = self.child, self.dates, self.lo, self.hi
            if dates is None:
                return
            for sub_docnum in child.matches():
                if lo <= dates[sub_docnum] <= hi:
                    child.collect(sub_docnum)

    return DateCollector


def _DateCollector(child: Any, lo: int, hi: int) -> Any:
    return _date_collector_class()(child, lo, hi)


class TantivyEngine:
    name = "tantivy"

    def __init__(self, path: Path) -> None:
        import tantivy

        self.t = tantivy
        self.path = path
        sb = tantivy.SchemaBuilder()
        for name in ("key", "number", "kind", "status", "effective", "project", "customer_id"):
            sb.add_text_field(name, stored=name in ("key", "number"), tokenizer_name="raw")
        sb.add_integer_field("version", stored=True, indexed=True)
        sb.add_integer_field("date", stored=False, indexed=True, fast=True)
        for name in TEXT_FIELDS:
            sb.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="position")
        self.schema = sb.build()
        path.mkdir(parents=True, exist_ok=True)
        self.ix = tantivy.Index(self.schema, path=str(path), reuse=True)
        self._seen: int | None = None

    def replace(self, groups: dict[str, list[IndexDoc]], fresh: bool = False) -> None:
        try:
            writer = self.ix.writer(heap_size=128_000_000, num_threads=1)
        except ValueError as exc:
            if "lock" in str(exc).lower():
                raise IndexBusy(_("the {engine} index is being written by another process").format(engine="tantivy")) from None
            raise
        try:
            for number, docs in groups.items():
                if not fresh:
                    writer.delete_documents_by_term("number", number)
                for d in docs:
                    writer.add_document(self.t.Document(**d.fields(token_text)))
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            try:
                writer.rollback()
            except Exception:
                log.debug("rollback failed", exc_info=True)
            raise
        self.ix.reload()

    def _q(self, node: Node) -> Any:
        Q, Occur = self.t.Query, self.t.Occur
        if isinstance(node, Not):
            inner = self._q(node.node)
            if inner is None:
                return None
            return Q.boolean_query([(Occur.Must, Q.all_query()), (Occur.MustNot, inner)])
        if isinstance(node, And | Or):
            parts = [self._q(n) for n in node.nodes]
            if isinstance(node, And):
                kept = [p for p in parts if p is not None]
                return Q.boolean_query([(Occur.Must, p) for p in kept]) if kept else None
            kept = [p for p in parts if p is not None]
            return Q.boolean_query([(Occur.Should, p) for p in kept]) if kept else None
        if node.field in ("number", "kind", "status", "project"):
            return Q.term_query(self.schema, node.field, _exact(node))
        words = _compiled_words(node)
        if words is None:
            return None
        targets = (node.field,) if node.field else TEXT_FIELDS
        sparse = _sparse_phrase(words)
        alts = []
        for f in targets:
            q = Q.term_query(self.schema, f, words[0]) if len(words) == 1 else Q.phrase_query(self.schema, f, sparse)
            alts.append(Q.boost_query(q, BOOSTS[f]))
        return alts[0] if len(alts) == 1 else Q.boolean_query([(Occur.Should, a) for a in alts])

    def search(self, node: Node, filters: Filters, limit: int) -> list[Hit]:
        Q, Occur = self.t.Query, self.t.Occur
        q = self._q(node)
        if q is None:
            return []
        musts = [(Occur.Must, q)]
        for name, value in _filter_terms(filters):
            musts.append((Occur.Must, Q.term_query(self.schema, name, value)))
        if filters.date_from or filters.date_to:
            musts.append(
                (
                    Occur.Must,
                    Q.range_query(
                        self.schema,
                        "date",
                        self.t.FieldType.Integer,
                        _yyyymmdd(filters.date_from) if filters.date_from else None,
                        _yyyymmdd(filters.date_to) if filters.date_to else None,
                    ),
                )
            )
        if len(musts) > 1:
            q = Q.boolean_query(musts)
        self._fresh()
        searcher = self.ix.searcher()
        out = []
        for score, address in searcher.search(q, limit).hits:
            doc = searcher.doc(address)
            out.append(Hit(doc["number"][0], int(doc["version"][0]), float(score)))
        return out

    def _fresh(self) -> None:
        """The reader reloaded when the index was committed since (by this process or another)."""
        try:
            seen = (self.path / "meta.json").stat().st_mtime_ns
        except OSError:
            seen = None
        if seen != self._seen:
            self.ix.reload()
            self._seen = seen

    def keys(self) -> set[str]:
        self._fresh()
        searcher = self.ix.searcher()
        n = searcher.num_docs
        if n == 0:
            return set()
        result = searcher.search(self.t.Query.all_query(), n)
        return {searcher.doc(a)["key"][0] for _s, a in result.hits}

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def close(self) -> None:
        pass


def _is_cjk_bigram(tok: str) -> bool:
    return len(tok) == 2 and all(re.match(f"[{CJK}]", c) for c in tok)


def _sparse_phrase(words: list[str]) -> list[tuple[int, str]]:
    """The phrase with every other inner bigram left out, at its offsets: still exact.

    卫生 生间 间防 防水 -> (0, 卫生) (2, 间防) (3, 防水): the kept bigrams cover every character,
    and a phrase of fewer terms is cheaper to match.
    """
    kept: list[tuple[int, str]] = []
    skipped_last = False
    for i, w in enumerate(words):
        chained = (
            0 < i < len(words) - 1
            and _is_cjk_bigram(words[i - 1]) and _is_cjk_bigram(w) and _is_cjk_bigram(words[i + 1])
            and words[i - 1][1] == w[0] and w[1] == words[i + 1][0]
        )
        if chained and not skipped_last:
            skipped_last = True
            continue
        skipped_last = False
        kept.append((i, w))
    return kept


def _known(t: Term, kinds: KindTable) -> Term:
    """A kind: or status: term with its stored key (``kind:合同`` -> ``kind:contract``), or
    QueryError naming what the archive's kinds accept."""
    if t.field == "kind":
        kind = kinds.kind(t.text)
        if kind is None:
            raise QueryError(_("unknown kind {kind}; use one of: {kinds}").format(
                kind=repr(t.text), kinds=", ".join(kinds.keys)))
        return Term(kind, "kind")
    if t.field == "status":
        if t.text.lower() not in kinds.statuses:
            raise QueryError(_("unknown status {status}; use one of: {statuses}").format(
                status=repr(t.text), statuses=", ".join(kinds.statuses)))
        return Term(t.text.lower(), "status")
    return t


def _exact(t: Term) -> str:
    if t.field in ("number", "project"):
        return t.text.upper()
    return t.text.lower()


def _filter_terms(f: Filters) -> Iterator[tuple[str, str]]:
    if f.kind:
        yield "kind", f.kind
    if f.project:
        yield "project", f.project.upper()
    if f.customer:
        yield "customer_id", simplified(f.customer.strip())
    if f.status:
        yield "status", f.status
    if not f.all_versions:
        yield "effective", "1"


def open_engine(name: str, path: Path) -> Engine:
    if name == "whoosh":
        return WhooshEngine(path)
    if name == "tantivy":
        return TantivyEngine(path)
    raise DocgenError(_("unknown search engine {name}; use one of: {engines}").format(name=repr(name), engines=", ".join(ENGINES)))


# the archive's index ----------------------------------------------------------------------


@dataclass
class Result:
    number: str
    kind: str
    version: int
    status: str
    project: str
    customer: str
    date: str
    title: str
    snippet: str
    score: float


@dataclass
class SyncReport:
    indexed: int = 0
    pending: list[str] = field(default_factory=list)
    error: str = ""


def _identity(path: Path) -> tuple[int, int] | None:
    """Which folder ``path`` is now (device and inode): a swapped-in rebuild is another."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _doc_date(summary: dict[str, Any]) -> str:
    for key in DATE_KEYS:
        if summary.get(key):
            return str(summary[key])
    return ""


def snippet(text: str, words: Iterable[str], width: int = 36) -> str:
    """A short passage around the first match, the match in 【】 (text shown in Simplified)."""
    plain = passage_text(text)
    return passage(plain, plain.lower(), words, width)


def passage_text(text: str) -> str:
    """A text as its snippets are cut from it: whitespace runs as one space, in Simplified."""
    return simplified(" ".join(text.split()))


def passage(plain: str, lower: str, words: Iterable[str], width: int = 36) -> str:
    """The snippet of a :func:`passage_text` (and its lower case) around the first of ``words``."""
    best = None
    for w in sorted({simplified(w).lower() for w in words if w.strip()}, key=len, reverse=True):
        at = lower.find(w)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, len(w))
    if best is None:
        return plain[: width * 2] + ("…" if len(plain) > width * 2 else "")
    at, n = best
    start = max(0, at - width)
    end = min(len(plain), at + n + width)
    return (
        ("…" if start else "")
        + plain[start:at]
        + "【"
        + plain[at : at + n]
        + "】"
        + plain[at + n : end]
        + ("…" if end < len(plain) else "")
    )


class _Lru:
    """A small thread-safe least-recently-used map (the server's threads share it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


# What follows from content alone, kept for the process: a data blob's customer numbers (by the
# blob's SHA-256; the blob is still read and checked each time), and which numbers a text shows
# (by the text's own SHA-256 and the numbers asked about). Finding them normalises and scans the
# whole text, most of a search's time; a server finds the same versions again and again.
_DATA_PAIRS = _Lru(32_768)
_SHOWN = _Lru(32_768)
# A text blob's passage as a search shows it (masked by the pairs it shows, or whole where the
# reader may see them; whitespace squeezed, in Simplified) and its lower case, by the blob's
# SHA-256 and those pairs: a hit the server found before needs neither the blob nor OpenCC.
_PASSAGES = _Lru(4_096)


def shown_pairs(text: str | Callable[[], str], pairs: tuple[Pair, ...], sha: str | None = None) -> tuple[Pair, ...]:
    """Of ``pairs`` (value, masked), those ``text`` shows, each value once; and any other valid
    ID number the text holds, with its masked form. ``sha``: the text's blob, when it is one
    (named by its checksum already); then ``text`` may be what reads it, called only when the
    answer is not known yet."""
    if sha is None:
        text = text() if callable(text) else text
        key: tuple[Any, ...] = (hashlib.sha256(text.encode()).digest(), pairs)
    else:
        key = (sha, pairs)
    found = _SHOWN.get(key)
    if found is None:
        if callable(text):
            text = text()
        candidates = list(pairs) + [(n, mask_id(n)) for n in id_numbers(text)]
        shown = set(leaks(text, candidates))
        out: list[Pair] = []
        for value, masked in candidates:
            if value in shown and value not in {v for v, _ in out}:
                out.append((value, masked))
        found = tuple(out)
        _SHOWN.put(key, found)
    return found


class SearchIndex:
    """The archive's search index under ``<root>/index/<engine>/``, following the catalog."""

    def __init__(self, root: Path, catalog: Catalog, store: BlobStore, engine: str,
                 key: Callable[[], bytes], kinds: KindTable) -> None:
        self.root = root
        self.kinds = kinds  # the names, statuses and effective-version policies of the kinds
        self.catalog = catalog
        self.store = store
        self.engine_name = engine
        self._key = key  # read when first needed: the keyed tokens of personal data
        self.path = root / "index" / engine
        self._engine: Engine | None = None
        self._folder: tuple[int, int] | None = None

    @property
    def engine(self) -> Engine:
        # a rebuild (here or by another process) swaps in a new folder: the open engine would
        # go on reading the old one's files
        folder = _identity(self.path)
        if self._engine is not None and folder != self._folder:
            self.close()
        if self._engine is None:
            with self._damaged():
                self._engine = open_engine(self.engine_name, self.path)
            self._folder = _identity(self.path)
        return self._engine

    @contextmanager
    def _damaged(self) -> Iterator[None]:
        """An engine that cannot read its own files: the index is damaged, and rebuilt from
        the catalog by `docgen reindex` (the catalog and blobs are not affected)."""
        try:
            yield
        except (DocgenError, IndexBusy, AssertionError, TypeError, NameError, AttributeError):
            raise
        except Exception as exc:
            raise IndexDamaged(
                _("the search index in {path} is damaged ({error}: {detail}); run `docgen reindex`").format(
                    path=self.path.relative_to(self.root), error=type(exc).__name__, detail=exc)
            ) from exc

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    def _meta_ok(self) -> bool:
        meta = self.path / "docgen-index.json"
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return bool(data.get("schema") == SCHEMA_VERSION and data.get("engine") == self.engine_name
                    and data.get("key") == self._key_id())

    def _key_id(self) -> str:
        """Names the key the tokens were made with: an index made with another key (an archive
        restored with its own key) is rebuilt, or no full number would be found."""
        return token(self._key(), "docgen-index-key")[2:14]

    def _personal(self, v: VersionRow, text: str | Callable[[], str], project: dict[str, Any]) -> list[Pair]:
        """The personal data a version's text shows: the customer's ID and phone numbers (as
        the version's data and the project now hold them) and any other valid ID number.
        ``text``: the version's text, or what reads it when it is needed (a blob seen before is not)."""
        held = self._held(v) + tuple(customer_pairs(project.get("customer", {})))
        text_file = v.file("text")
        sha = text_file.sha256 if text_file and callable(text) else None
        return list(shown_pairs(text, held, sha))

    def _held(self, v: VersionRow) -> tuple[Pair, ...]:
        """The customer's numbers as the version's own data holds them."""
        data_file = v.file("data")
        held: tuple[Pair, ...] = ()
        if data_file:
            # a blob is named by its checksum: the numbers found in it once stand for its bytes
            # (read and checked against the name the first time; `docgen verify` checks them all)
            found = _DATA_PAIRS.get(data_file.sha256)
            if found is None and not self.store.has(data_file.sha256):
                return held
            if found is None:
                data = self.store.get(data_file.sha256)
                try:
                    customer = json.loads(data).get("project", {}).get("customer", {})
                except ValueError:
                    customer = {}
                found = tuple(customer_pairs(customer))
                _DATA_PAIRS.put(data_file.sha256, found)
            held = found
        return held

    def _indexed_body(self, text: str, pairs: list[Pair]) -> str:
        """What the index holds of a version's text: the personal data masked, and a keyed
        token of each number it showed, so the whole number is still found."""
        if not pairs:
            return text
        key = self._key()
        return mask_text(text, pairs) + "\n" + " ".join(token(key, value) for value, _ in pairs)

    def documents_of(self, number: str) -> list[IndexDoc]:
        doc = self.catalog.document(number)
        if doc is None:
            return []
        versions = self.catalog.versions(number)
        # One version per document counts by default: the effective one, else the newest,
        # so that a draft is found too; a void document only with --all-versions.
        eff = effective_version(versions, self.kinds.policy(doc.kind)) or (versions[-1] if versions else None)
        project = self.catalog.project(doc.project) or {}
        customer = project.get("customer", {}).get("name", "")
        address = project.get("site", {}).get("address", "")
        out = []
        for v in versions:
            text_file = v.file("text")
            body = self.store.get(text_file.sha256).decode() if text_file and self.store.has(text_file.sha256) else ""
            body = self._indexed_body(body, self._personal(v, body, project))
            day = _doc_date(v.summary)
            out.append(
                IndexDoc(
                    number=doc.number,
                    version=v.version,
                    kind=doc.kind,
                    status=v.status if v.version != versions[-1].version else doc.status,
                    effective=eff is not None and eff.version == v.version and doc.status != "void",
                    project=doc.project,
                    customer=customer,
                    address=address,
                    title=f"{doc.title} {doc.number}",
                    body=body,
                    date=int(day.replace("-", "")) if day else 0,
                )
            )
        return out

    @contextmanager
    def _writing(self, wait: bool) -> Iterator[None]:
        """docgen's own lock over the index: one writer at a time, across processes.

        Everything a writer indexes is read from the catalog after the lock is taken, so
        an older state can never be written over a newer one.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.parent / f"{self.engine_name}.lock", "wb") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                raise IndexBusy(_("the search index is being written by another docgen command")) from None
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def sync(self) -> SyncReport:
        """Index the documents the catalog queued; keep them queued when that fails."""
        report = SyncReport()
        if self._meta_ok() and not self.catalog.index_queue():
            return report  # the common case, without taking the lock
        try:
            with self._writing(wait=False):
                if not self._meta_ok():
                    report.indexed = self._rebuild_locked(None, 2000)
                    return report
                queued = self.catalog.index_queue()
                if queued:
                    docs = {n: self.documents_of(n) for n, _ in queued}
                    with self._damaged():
                        self.engine.replace(docs)
                    self.catalog.dequeue(queued)
                    report.indexed = len(queued)
        except IndexBusy as exc:
            report.error = str(exc)
            report.pending = [n for n, _ in self.catalog.index_queue()]
        return report

    def rebuild(self, progress: Callable[[int], None] | None = None, batch: int = 2000) -> int:
        """Build the index anew from the catalog; returns the number of versions indexed.

        The new index is built beside the old one and swapped in when complete, so an
        interrupted rebuild leaves the old index (or none) rather than a partial one.
        """
        with self._writing(wait=True):
            return self._rebuild_locked(progress, batch)

    def _rebuild_locked(self, progress: Callable[[int], None] | None, batch: int) -> int:
        queued = self.catalog.index_queue()
        self.close()
        building = self.path.with_name(self.path.name + ".new")
        if building.exists():
            shutil.rmtree(building)
        engine = open_engine(self.engine_name, building)
        numbers = [d.number for d in self.catalog.documents()]
        done = 0
        try:
            for i in range(0, len(numbers), batch):
                groups = {n: self.documents_of(n) for n in numbers[i : i + batch]}
                engine.replace(groups, fresh=True)
                count = sum(len(g) for g in groups.values())
                done += count
                if progress:
                    progress(count)
        finally:
            engine.close()
        (building / "docgen-index.json").write_text(
            json.dumps({"schema": SCHEMA_VERSION, "engine": self.engine_name, "key": self._key_id()}),
            encoding="utf-8",
        )
        old = self.path.with_name(self.path.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if self.path.exists():
            self.path.rename(old)
        building.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self.catalog.dequeue(queued)
        return done

    def missing(self) -> tuple[list[str], list[str]]:
        """Versions the catalog has and the index lacks: (queued for indexing, lost)."""
        with self._damaged():
            have = self.engine.keys() if self._meta_ok() else set()
        queued = {n for n, _ in self.catalog.index_queue()}
        waiting, lost = [], []
        for number, version in self.catalog.version_keys():
            if f"{number}#{version}" not in have:
                (waiting if number in queued else lost).append(f"{number} v{version}")
        return waiting, lost

    def search(self, query: str, filters: Filters | None = None, limit: int = 20, *,
               reveal: bool = False) -> list[Result]:
        """Search the index; ``reveal``: the caller may see personal data (a department with
        ``personal_data = "full"``), else ID and phone numbers are shown masked."""
        node = parse_query(query, self.kinds)
        filters = filters or Filters()
        if filters.kind:
            kind = self.kinds.kind(filters.kind)
            if kind is None:
                raise QueryError(_("unknown kind {kind}; use one of: {kinds}").format(
                    kind=repr(filters.kind), kinds=", ".join(self.kinds.keys)))
            filters = dataclasses.replace(filters, kind=kind)
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise QueryError(_("--from {start} is after --to {end}").format(start=filters.date_from, end=filters.date_to))
        looked_up = self._lookups(node)
        exact = self.engine_name == "tantivy"
        # whoosh matches long Chinese strings as sets of 5-grams and phrases without positions:
        # ask it for more, without exclusions, and keep what the exact check confirms.
        with self._damaged():
            hits = self.engine.search(looked_up if exact else _without_exclusions(looked_up), filters,
                                      limit if exact else max(100, limit * 5))
        words = query_words(node)
        out: list[Result] = []
        # the hits' documents, versions and projects in a few queries, not a few per hit
        found = self.catalog.versions_at((h.number, h.version) for h in hits)
        projects = self.catalog.projects({row[0].project for row in found.values()})
        for h in hits:
            if len(out) >= limit:
                break
            if (h.number, h.version) not in found:
                continue
            doc, v, newest = found[h.number, h.version]
            project = projects.get(doc.project, {})
            text_file = v.file("text")
            # read only when what is kept of it does not answer, and then once
            text = functools.cache(lambda f=text_file: self.store.get(f.sha256).decode() if f else "")
            pairs = self._personal(v, text, project)
            if not exact:
                fields = {
                    "title": f"{doc.title} {doc.number}",
                    "customer": project.get("customer", {}).get("name", ""),
                    "address": project.get("site", {}).get("address", ""),
                    "body": self._indexed_body(text(), pairs),
                }
                meta = {"number": doc.number, "kind": doc.kind, "status": doc.status, "project": doc.project}
                if not _matches(looked_up, _Seqs(fields), meta):
                    continue
            shown = () if reveal else tuple(pairs)  # the passage and the words with the numbers masked
            key = (text_file.sha256 if text_file else "", shown)
            cut = _PASSAGES.get(key)
            if cut is None:
                plain = passage_text(mask_text(text(), shown))
                cut = (plain, plain.lower())
                _PASSAGES.put(key, cut)
            shown_words = [mask_text(w, shown) for w in words] if shown else words
            out.append(
                Result(
                    number=doc.number,
                    kind=doc.kind,
                    version=v.version,
                    status=v.status if v.version != newest else doc.status,
                    project=doc.project,
                    customer=project.get("customer", {}).get("name", ""),
                    date=_doc_date(v.summary),
                    title=doc.title,
                    snippet=passage(*cut, shown_words),
                    score=h.score,
                )
            )
        return out

    def _lookups(self, node: Node) -> Node:
        """The query with each term that names a whole ID or phone number also looking for the
        number's keyed token (the index holds the number only masked)."""
        if isinstance(node, Not):
            return Not(self._lookups(node.node))
        if isinstance(node, And):
            return And(self._joined_numbers(node.nodes))
        if isinstance(node, Or):
            return Or(tuple(self._lookups(n) for n in node.nodes))
        value = lookup_value(node.text) if node.field is None else None
        if value is None:
            return node
        return Or((node, Term(token(self._key(), value))))

    def _joined_numbers(self, nodes: tuple[Node, ...]) -> tuple[Node, ...]:
        """Terms of an AND, with a number typed in groups (440308 19900101 1234, 138 1234 5678)
        also looked up whole."""
        out: list[Node] = []
        i = 0
        while i < len(nodes):
            for j in range(min(len(nodes), i + 5), i + 1, -1):  # the longest run of 2-5 groups first
                run = nodes[i:j]
                if all(isinstance(n, Term) and n.field is None and re.fullmatch(r"\d+[Xx]?", n.text)
                       for n in run):
                    value = lookup_value("".join(n.text for n in run if isinstance(n, Term)))
                    if value is not None and len(value) in (11, 15, 18):
                        out.append(Or((And(run), Term(token(self._key(), value)))))
                        i = j
                        break
            else:
                out.append(self._lookups(nodes[i]))
                i += 1
        return tuple(out)


def _without_exclusions(node: Node) -> Node:
    """The query with its NOT parts inside AND dropped (checked exactly afterwards)."""
    if isinstance(node, And):
        kept = tuple(_without_exclusions(n) for n in node.nodes if not isinstance(n, Not))
        return kept[0] if len(kept) == 1 else And(kept)
    if isinstance(node, Or):
        return Or(tuple(_without_exclusions(n) for n in node.nodes))
    return node


SEP = "\x1f"


class _Seqs:
    """Token sequences of a document's fields, for exact phrase checks."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        self._seq: dict[str, str] = {}

    def seq(self, name: str) -> str:
        if name not in self._seq:
            self._seq[name] = SEP + SEP.join(tokens(self.fields[name])) + SEP
        return self._seq[name]


def _matches(node: Node, seqs: _Seqs, meta: dict[str, str]) -> bool:
    """Whether a document matches a query exactly: each term's tokens appear consecutively."""
    if isinstance(node, Not):
        return not _matches(node.node, seqs, meta)
    if isinstance(node, And):
        checked = [n for n in node.nodes if not (isinstance(n, Term) and not _has_tokens(n))]
        return all(_matches(n, seqs, meta) for n in checked) if checked else False
    if isinstance(node, Or):
        return any(_matches(n, seqs, meta) for n in node.nodes)
    if node.field in ("number", "kind", "status", "project"):
        return meta[node.field] == _exact(node)
    toks = tokens(node.text)
    if not toks:
        return False
    needle = SEP + SEP.join(toks) + SEP
    names = (node.field,) if node.field else TEXT_FIELDS
    return any(needle in seqs.seq(name) for name in names)


def _has_tokens(t: Term) -> bool:
    return t.field in ("number", "kind", "status", "project") or bool(tokens(t.text))

