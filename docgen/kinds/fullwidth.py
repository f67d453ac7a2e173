"""Full-width punctuation typed with a Chinese input method in a YAML file's structure.

With the input method in 全角 mode, ``unit_price： 45``, ``{name: 拆除， unit: ㎡}`` and an
indentation of 全角空格 look right on screen, but to YAML they are text: the parser then
complains about a different line, or reads a key as a value. ``check`` finds them first
and names the line. Text inside values (``note: 注意：含垃圾装袋``, a block scalar's
paragraphs) is left alone: only the places where YAML expects its own punctuation count.

The same goes for a decimal comma in a flow mapping: in ``{quantity: 12,5, unit: ㎡}`` the
comma separates entries, so YAML reads ``quantity: 12`` and a stray entry ``5``.
"""

from __future__ import annotations

import re

from docgen.i18n import N_, _

COLON, COMMA, SPACE = "\uff1a", "\uff0c", "\u3000"  # ： ， and the ideographic space
_HINT = N_("switch the input method to 半角 (Shift) and retype it")
# every key of docgen's format is lower-case ASCII: a Chinese text before ： is a value
_KEY = r"[a-z_][a-z0-9_]*"
_ITEM = r"^[ ]*(?:-[ ]+)*"
_KEY_FULL_COLON = re.compile(_ITEM + rf"({_KEY})[ \t{SPACE}]*{COLON}")
_FLOW_KEY_FULL_COLON = re.compile(rf"[{{,{COMMA}][ \t{SPACE}]*({_KEY})[ \t{SPACE}]*{COLON}")
_KEY_COLON_FULL_SPACE = re.compile(_ITEM + rf"({_KEY}):{SPACE}")
_INDENT_FULL_SPACE = re.compile(rf"^[ \t]*{SPACE}|^[ \t]*(?:-[ \t]+)*-{SPACE}")  # "-　x" is text to YAML
_FLOW_FULL_COMMA = re.compile(rf"{COMMA}[ \t{SPACE}]*(?=(?:{_KEY}[ \t]*[:{COLON}][ \t{SPACE}]|[\"'{{\[]))|(?<=[\"'}}\]]){COMMA}|(?<=[\"'}}\]])[ \t]+{COMMA}")
_FLOW_NUMBER_COMMA = re.compile(rf"[{{,][ \t]*({_KEY})[ \t]*:[ \t]+([+-]?[0-9]+(?:\.[0-9]*)?),[ \t]*([0-9]+)[ \t]*(?=[,}}])")
_BLOCK = re.compile(r"(?:^|[ \t])[|>][-+0-9]*[ \t]*$")
_QUOTED = re.compile(r"""(?:^|(?<=[\s\[{,:\-]))(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')""")


def _code(line: str) -> str:
    """The line with quoted scalars reduced to ``""`` and the comment cut off."""
    line = _QUOTED.sub('""', line)
    found = re.search(r"(?:^|[ \t])#", line)
    return line[: found.start()] if found else line


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def problem(text: str) -> str | None:
    """``line N: …`` for the first full-width colon, comma or space in the structure, else None."""
    block: int | None = None  # indentation of the key whose block scalar (| or >) is being read
    for number, line in enumerate(text.splitlines(), 1):
        if block is not None:
            if not line.strip() or _indent(line) > block:
                continue  # a paragraph of text: 全角 punctuation belongs there
            block = None
        code = _code(line)
        found = _KEY_FULL_COLON.search(code) or ("{" in code and _FLOW_KEY_FULL_COLON.search(code))
        if found:
            return (
                _("line {line}: the colon after {key} is a full-width colon ： (全角); "
                  "type the ASCII colon : and a space ({hint})").format(line=number, key=found.group(1), hint=_(_HINT))
            )
        found = _KEY_COLON_FULL_SPACE.search(code)
        if found:
            return (
                _("line {line}: after {key}: comes a full-width space (全角空格); "
                  "type an ordinary space ({hint})").format(line=number, key=found.group(1), hint=_(_HINT))
            )
        if _INDENT_FULL_SPACE.match(code):
            return (
                _("line {line}: the indentation holds a full-width space (全角空格); "
                  "indent with ordinary spaces ({hint})").format(line=number, hint=_(_HINT))
            )
        if ("{" in code or "[" in code) and _FLOW_FULL_COMMA.search(code):
            return (
                _("line {line}: the entries are separated by a full-width comma ， (全角); "
                  "type the ASCII comma , ({hint})").format(line=number, hint=_(_HINT))
            )
        found = _FLOW_NUMBER_COMMA.search(code) if "{" in code else None
        if found:
            key, whole, part = found.groups()
            return (
                _('line {line}: {key}: "{whole},{part}" is not a number: write {whole}.{part} '
                  '(a comma only separates thousands, and inside {{ }} only in quotes, as in "1,234.50")').format(
                    line=number, key=key, whole=whole, part=part)
            )
        if _BLOCK.search(code):
            block = _indent(line)
    return None


_ANY_FULL = re.compile(rf"^[ \t]*(?:-[ \t]+)*[A-Za-z_][A-Za-z0-9_]*[ \t]*{COLON}|^[ \t]*{SPACE}")


def near_error(text: str, line: int) -> str | None:
    """Where YAML failed at ``line``: the nearest of it and the two lines above whose first word
    (an ASCII key in any case) ends in a full-width colon, or whose indentation holds a
    full-width space."""
    lines = text.splitlines()
    for number in range(min(line, len(lines)), max(line - 3, 0), -1):
        if _ANY_FULL.search(_code(lines[number - 1])):
            return (
                _("line {line}: a full-width colon ： or space 　 (全角) where YAML expects its own; "
                  "type the ASCII colon : and ordinary spaces ({hint})").format(line=number, hint=_(_HINT))
            )
    return None
