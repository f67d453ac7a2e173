"""One definition per kind: every list of kinds or statuses is the registry's.

The kinds' modules (docgen/kinds/) define the kinds; everything else reads them through
docgen.kinds.registry. These tests read docgen's source and fail where a list of kinds or of
statuses is written out again, or where docgen/archive/ names a kind.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT, run
from docgen.kinds import registry
from docgen.kinds.base import Kind

SOURCE = ROOT / "docgen"
KINDS_DIR = SOURCE / "kinds"


def _modules(*, outside_kinds: bool = True) -> list[Path]:
    return [p for p in sorted(SOURCE.rglob("*.py")) if not (outside_kinds and KINDS_DIR in p.parents)]


def _collections(tree: ast.AST) -> list[tuple[int, list[str]]]:
    """Every literal tuple, list, set or dict (its keys) of string constants, with its line."""
    out = []
    for node in ast.walk(tree):
        items: list[ast.expr | None] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = list(node.elts)
        elif isinstance(node, ast.Dict):
            items = list(node.keys)
        strings = [n.value for n in items if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        if strings:
            out.append((node.lineno, strings))
    return out


def test_no_list_of_kinds_outside_the_registry() -> None:
    keys = set(registry.keys()) | {n for k in registry.kinds() for n in k.names}
    found = []
    for path in _modules():
        for line, strings in _collections(ast.parse(path.read_text(encoding="utf-8"))):
            named = {s for s in strings if s in keys}
            if len(named) >= 2:
                found.append(f"{path.relative_to(ROOT)}:{line}: {sorted(named)}")
    assert not found, "kinds listed outside docgen/kinds/: " + "; ".join(found)


def test_no_list_of_statuses_outside_the_registry() -> None:
    # the shared life cycle (draft, review, signed, void) is the registry's too; a kind's own
    # statuses are in its definition
    own = {s for k in registry.kinds() for s in k.statuses} - set(registry.GENERIC_STATUSES)
    found = []
    for path in _modules():
        for line, strings in _collections(ast.parse(path.read_text(encoding="utf-8"))):
            named = {s for s in strings if s in own}
            if len(named) >= 2:
                found.append(f"{path.relative_to(ROOT)}:{line}: {sorted(named)}")
    assert not found, "statuses listed outside docgen/kinds/: " + "; ".join(found)


def test_the_archive_names_no_kind() -> None:
    names = set(registry.keys()) | {n for k in registry.kinds() for n in k.names}
    found = []
    for path in sorted((SOURCE / "archive").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not found, "docgen/archive/ names kinds: " + "; ".join(found)


@pytest.mark.parametrize("kind", registry.kinds(), ids=lambda k: k.key)
def test_every_kind_is_complete(kind: Kind) -> None:
    """Each definition states what the rest of docgen reads of it."""
    for attr in ("key", "title", "template", "prefix", "names", "word", "a_word", "model", "statuses", "rule_statuses"):
        assert getattr(kind, attr, None), f"{kind.key}: {attr} is missing"
    assert "void" in kind.statuses
    assert (ROOT / "templates" / kind.template).is_file()
    for status in kind.distribution:
        assert status in kind.rule_statuses, f"{kind.key}: distribution names {status}, not a rule status"
    for status in kind.statuses:
        assert status in registry.GENERIC_STATUSES or status in kind.status_words, f"{kind.key}: no word for {status}"
    for cls in type(kind).__mro__:
        if cls is Kind:
            break
    for method in ("prepare", "number_date", "context", "summary"):
        assert getattr(type(kind), method) is not getattr(Kind, method), f"{kind.key}: {method} is not defined"


def test_keys_prefixes_and_names_are_unique() -> None:
    kinds = registry.kinds()
    assert len({k.key for k in kinds}) == len(kinds)
    assert len({k.prefix for k in kinds}) == len(kinds)
    names = [n for k in kinds for n in k.names]
    assert len(set(names)) == len(names)


def test_docgen_kinds_lists_every_kind_with_its_names() -> None:
    import json

    r = run("kinds", "--json")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [row["kind"] for row in rows] == list(registry.keys())
    by_key = {row["kind"]: row for row in rows}
    for k in registry.kinds():
        assert by_key[k.key]["names"] == list(k.names) and by_key[k.key]["prefix"] == k.prefix
    table = run("kinds").stdout
    for k in registry.kinds():
        assert k.key in table and k.names[0] in table


def test_the_cli_takes_kinds_and_statuses_from_the_registry() -> None:
    """Every kind's names and every status are accepted where a kind or status is asked for."""
    for k in registry.kinds():
        for name in (k.key, *k.names):
            r = run("list", "--kind", name, "--json")
            assert "unknown kind" not in r.stdout + r.stderr, name
    for status in registry.statuses():
        r = run("list", "--status", status, "--json")
        assert "unknown status" not in r.stdout + r.stderr, status
    r = run("list", "--status", "nonsense")
    assert r.exit_code == 2 and "unknown status 'nonsense'" in r.stderr


def test_a_kind_the_settings_file_does_not_mention_keeps_its_distribution(tmp_path: Path) -> None:
    """An archive whose docgen.toml was written before a kind existed (its [distribution] tables
    name only the kinds of the time) still sends the new kind's copies by its defaults, to
    the departments the file has; `[distribution.KIND]` alone sends that kind nowhere."""
    import re

    from docgen.config import default_toml, load_settings

    old = re.sub(r"\[distribution\.change\.[a-z_]+\]\n(?:[a-z_]+ = \"[^\"]*\"\n)*", "", default_toml())
    old = old[:old.index("# `docgen serve`")]  # nor had it [server] and [roles]
    old = old.replace('[departments.legal]', '[departments.legal_removed]').replace('outbox/legal', 'outbox/legal_removed')
    old = old.replace('legal = "', 'legal_removed = "')  # the company has no department "legal"
    assert "[distribution.change" not in old
    (tmp_path / "docgen.toml").write_text(old, encoding="utf-8")
    rules = load_settings(tmp_path).distribution
    contract = registry.get("change").distribution["signed"]
    assert rules[("change", "signed")] == {d: label for d, label in contract.items() if d != "legal"}
    (tmp_path / "docgen.toml").write_text(old + "\n[distribution.change]\n", encoding="utf-8")
    assert not [key for key in load_settings(tmp_path).distribution if key[0] == "change"]


def test_a_status_is_accepted_by_its_word_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """`list` prints 已关闭; a person who types it back is understood."""
    monkeypatch.setenv("DOCGEN_LANGUAGE", "zh-CN")
    from docgen.i18n import status_word

    for status in registry.statuses():
        r = run("list", "--status", status_word(status), "--json")
        assert r.exit_code == 0 and "未知状态" not in r.stderr, (status, r.stderr)
    r = run("list", "--status", "已完成")
    assert r.exit_code == 2 and "未知状态 '已完成'" in r.stderr, r.stderr
