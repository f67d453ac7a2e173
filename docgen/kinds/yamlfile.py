"""The YAML reader of document files: PyYAML's SafeLoader reading floats as Decimal from
their exact text, an impossible date kept as written (its field refuses it by name), a key
given twice refused with both lines, and the nesting bounded before Python's stack is.
Imported by ``common.load_file`` when a YAML file is read, so a command that reads no
file never imports PyYAML."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from docgen.i18n import _
from docgen.kinds.common import MAX_DEPTH, _DepthError


class _DecimalLoader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal from their exact text."""


def _decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except Exception:
        return text  # .inf / .nan: refused where a number is expected, kept as written elsewhere


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        # 2026-02-30: kept as written, so the date field refuses it by name (dates.parse_date)
        return node.value


class _DuplicateKey(yaml.constructor.ConstructorError):
    """A key given twice in one mapping: the message says it all, without a hint."""


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    """A mapping whose keys are unique: YAML lets the last of two equal keys win silently."""
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=False)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int | Decimal | bool | type(None)):
            continue  # a list or mapping as a key: the field check names it
        if key in seen:
            raise _DuplicateKey(
                None, None,
                _("{key} appears twice in one mapping (lines {first} and {second}); keep one").format(
                    key=key, first=seen[key], second=line),
                key_node.start_mark,
            )
        seen[key] = line
    return loader.construct_mapping(node)




def _compose_node(self: yaml.SafeLoader, parent: Any, index: Any) -> Any:
    # PyYAML composes nested nodes recursively: bound the depth before Python's stack does
    self._depth = getattr(self, "_depth", 0) + 1  # type: ignore[attr-defined]
    try:
        if self._depth > MAX_DEPTH:  # type: ignore[attr-defined]
            raise _DepthError(self.peek_event().start_mark.line + 1)
        return yaml.composer.Composer.compose_node(self, parent, index)
    finally:
        self._depth -= 1  # type: ignore[attr-defined]


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_DecimalLoader.add_constructor("tag:yaml.org,2002:map", _mapping)
_DecimalLoader.compose_node = _compose_node  # type: ignore[method-assign]

