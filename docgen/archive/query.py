"""The search query language: a small grammar (lark) read into docgen's own query tree.

The tree (``Term``, ``And``, ``Or``, ``Not``) is what both engines are given, so whoosh and
tantivy answer the same query the same way. The language reads as a web search box does:

- words side by side must all match (``AND`` may be written, it changes nothing);
- ``OR`` joins the words or groups on either side of it, and binds tighter than the
  juxtaposition: ``A OR B C`` is (A or B) and C;
- ``-word`` and ``NOT word`` exclude, from the whole group they stand in (the query, or the
  parentheses around them), wherever in the group they are: ``A OR B -C`` is (A or B) and
  not C, as in Lucene and tantivy; ``A OR -C`` is A and not C;
- ``( )`` group, ``"…"`` is a phrase, ``field:value`` and ``field:"…"`` search one field;
- every group needs a word that must match: a query of exclusions only (``-闭水``) is refused
  rather than listing the whole archive.

Only upper-case ``OR``, ``AND`` and ``NOT`` are operators; ``or`` is a word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from docgen.errors import DocgenError
from docgen.i18n import _


class QueryError(DocgenError):
    """The search query cannot be understood."""


@dataclass(frozen=True)
class Term:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Not | And | Or

QUERY_FIELDS = ("number", "kind", "status", "project", "customer", "address", "title")
MAX_QUERY = 400  # characters; a longer text is not a search query
MAX_NESTING = 50

GRAMMAR = r"""
start: group
group: chain (_AND? chain)*
chain: unit (_OR unit)*
?unit: operand
     | exclusion
exclusion: (_NOT | _MINUS) operand
?operand: _LPAR group _RPAR
        | PHRASE      -> phrase
        | FIELDED     -> fielded
        | WORD        -> word

_OR: "OR"
_AND: "AND"
_NOT: "NOT"
_MINUS: "-"
_LPAR: "("
_RPAR: ")"
PHRASE: /"[^"]*"/
FIELDED.2: /[A-Za-z_]+:("[^"]*"|[^\s()"]*)/
WORD: /[^\s()"\-][^\s()"]*/

%ignore /\s+/
"""

_parser: Any = None


def _lark() -> Any:
    global _parser
    if _parser is None:
        from lark import Lark

        _parser = Lark(GRAMMAR, parser="lalr", lexer="basic", maybe_placeholders=False)
    return _parser


def parse(query: str) -> Node:
    """Read a user's query into docgen's query tree; QueryError (one line) for what cannot be read."""
    if not query.strip():
        raise QueryError(_("the query is empty; give a word to search for"))
    if len(query) > MAX_QUERY:
        raise QueryError(_("the query is {length} characters long; search with at most {maximum}").format(
            length=len(query), maximum=MAX_QUERY))
    query = unicodedata.normalize("NFKC", query)
    for curly in "“”「」『』":
        query = query.replace(curly, '"')
    _balanced(query)
    from lark.exceptions import LarkError, UnexpectedInput

    try:
        tree = _lark().parse(query)
    except UnexpectedInput as exc:
        raise QueryError(_explain(query, exc)) from None
    except LarkError as exc:  # pragma: no cover - the grammar has no other failure
        raise QueryError(_("the query cannot be read ({error})").format(error=exc)) from None
    return _group(tree.children[0], top=True)


def _balanced(query: str) -> None:
    """Quotes and parentheses are checked first, for a message that says which is missing."""
    if query.count('"') % 2:
        raise QueryError(_('the query has an opening " without its closing "; close the phrase or remove it'))
    depth = deepest = 0
    for part in re.split(r'"[^"]*"', query):  # parentheses inside a phrase are text
        for ch in part:
            if ch == "(":
                depth += 1
                deepest = max(deepest, depth)
            elif ch == ")":
                depth -= 1
                if depth < 0:
                    raise QueryError(_("the query has a ) without its (; balance the parentheses"))
    if depth > 0:
        raise QueryError(_("the query has a ( without its ); balance the parentheses"))
    if deepest > MAX_NESTING:
        raise QueryError(_("the query nests too many parentheses"))


def _explain(query: str, exc: Any) -> str:
    """One line naming what is wrong where the grammar stopped."""
    toks = [t for t in _lark().lex(query) if not t.type.startswith("__IGNORE")]
    bad = getattr(exc, "token", None)
    at = getattr(bad, "start_pos", None)
    if bad is None or bad.type == "$END" or at is None:
        before = toks
        bad_type = "$END"
    else:
        before = [t for t in toks if t.start_pos < at]
        bad_type = bad.type
    prev = before[-1].type if before else None
    if bad_type == "_OR" or prev == "_OR":
        return _("OR needs a term on both sides")
    if bad_type == "_AND" or prev == "_AND":
        return _("AND needs a term on both sides")
    if prev in ("_MINUS", "_NOT"):
        return _("{operator} needs a term after it").format(operator="-" if prev == "_MINUS" else "NOT")
    if bad_type == "_RPAR" and prev == "_LPAR":
        return _("the query has ( ) with nothing inside")
    return _("unexpected {token} in the query").format(token=repr(str(bad)))


def _group(tree: Any, top: bool = False) -> Node:
    """A group's words must all match; its exclusions, wherever they stand, apply to all of it."""
    positives: list[Node] = []
    excluded: list[Node] = []
    for chain in tree.children:
        alternatives: list[Node] = []
        for unit in chain.children:
            if unit.data == "exclusion":
                excluded.append(_operand(unit.children[0]))
            else:
                alternatives.append(_operand(unit))
        if alternatives:
            positives.append(alternatives[0] if len(alternatives) == 1 else Or(tuple(alternatives)))
    if not positives:
        raise QueryError(
            _("a query needs at least one term that must match, not only excluded ones (e.g. 渗漏 -闭水)") if top
            else _("each ( ) group needs at least one term that must match, not only excluded ones (e.g. 渗漏 -闭水)"))
    nodes = positives + [Not(n) for n in excluded]
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


def _operand(tree: Any) -> Node:
    if tree.data == "group":
        return _group(tree)
    tok = str(tree.children[0])
    if tree.data == "phrase":
        return Term(tok[1:-1])
    if tree.data == "fielded":
        name, _colon, value = tok.partition(":")
        if name.lower() not in QUERY_FIELDS:
            raise QueryError(_("unknown field {name}; use one of: {fields}").format(name=repr(name), fields=", ".join(QUERY_FIELDS)))
        value = value.strip('"')
        if not value.strip():
            raise QueryError(_("{name}: needs a value, e.g. {name}:…").format(name=name))
        return Term(value, name.lower())
    return Term(tok)


def query_words(node: Node) -> list[str]:
    """The positive search words of a query (for snippets)."""
    if isinstance(node, Term):
        return [node.text] if node.field in (None, "customer", "address", "title") else []
    if isinstance(node, Not):
        return []
    return [w for n in node.nodes for w in query_words(n)]
