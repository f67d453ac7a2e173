"""The message catalogs are complete: every message the code marks is in both catalogs, the
Chinese one translates each (not empty, not fuzzy, the same placeholders), and each compiled
``.mo`` holds exactly what its ``.po`` says."""

from __future__ import annotations

import string
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import catalogs  # noqa: E402


def _key(message) -> tuple:
    return (message.id if isinstance(message.id, str) else tuple(message.id), message.context)


def _placeholders(text: str) -> set[tuple[str, str | None]]:
    return {(field, conv) for _, field, _, conv in string.Formatter().parse(text) if field is not None}


def _strings(message) -> list[str]:
    return [message.string] if isinstance(message.string, (str, type(None))) else list(message.string)


@pytest.fixture(scope="module")
def template():
    return catalogs.extract()


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_every_message_is_in_the_catalog(template, lang: str) -> None:
    have = {_key(m) for m in catalogs.read(lang) if m.id}
    missing = sorted(str(_key(m)) for m in template if m.id and _key(m) not in have)
    assert not missing, f"{lang}: not in the catalog (run scripts/catalogs, then translate): {missing}"


def test_the_code_marks_messages(template) -> None:
    ids = {_key(m) for m in template if m.id}
    assert ("signed", "status") in ids
    assert ("scan all {pages} pages of the signed paper into one file and drop it again", None) in ids
    assert len(ids) > 100


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_translations_are_complete_and_keep_placeholders(template, lang: str) -> None:
    wanted = {_key(m) for m in template if m.id}
    bad = []
    for m in catalogs.read(lang):
        if not m.id or _key(m) not in wanted:
            continue
        strings = _strings(m)
        if m.fuzzy or not all(strings):
            bad.append(f"{_key(m)}: untranslated or fuzzy")
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        expected = set().union(*(_placeholders(i) for i in ids))
        for s in strings:
            # a plural's singular form may leave the count out ("requires an argument"), never
            # add a name the code does not give; every other text keeps exactly its names
            found = _placeholders(s)
            if found != expected and not (len(ids) > 1 and found < expected and found >= _placeholders(ids[0])):
                bad.append(f"{_key(m)}: placeholders {sorted(map(str, _placeholders(s)))} "
                           f"instead of {sorted(map(str, expected))}")
    assert not bad, f"{lang}: " + "; ".join(bad)


def test_chinese_is_chinese() -> None:
    zh = {_key(m): m.string for m in catalogs.read("zh_CN") if m.id}
    assert zh[("signed", "status")] == "已签署"
    same = [k for k, v in zh.items() if isinstance(v, str) and v == k[0] and any(c.isalpha() for c in v)
            and k[0].strip() not in ("", ", ")]
    assert not same, f"left in English in the zh_CN catalog: {same}"


@pytest.mark.parametrize("lang", catalogs.LANGUAGES)
def test_compiled_catalog_is_up_to_date(lang: str) -> None:
    po = {_key(m): _strings(m) for m in catalogs.read(lang) if m.id and not m.fuzzy}
    mo = catalogs.compiled(lang)
    assert mo == po, f"{catalogs.mo_path(lang)} is stale: run scripts/catalogs"


def test_catalog_checks_catch_a_missing_message(template, tmp_path, monkeypatch) -> None:
    """The checks above fail for real: a catalog without one message, or with one changed
    placeholder, is found out."""
    zh = catalogs.read("zh_CN")
    removed = next(m for m in zh if m.id and "{pages}" in str(m.string))
    zh.delete(removed.id, context=removed.context)
    monkeypatch.setattr(catalogs, "read", lambda lang: zh)
    with pytest.raises(AssertionError, match="not in the catalog"):
        test_every_message_is_in_the_catalog(template, "zh_CN")
    changed = next(m for m in zh if m.id == "{path} does not exist")
    changed.string = "{file} 不存在"
    with pytest.raises(AssertionError, match="placeholders"):
        test_translations_are_complete_and_keep_placeholders(template, "zh_CN")
    with pytest.raises(AssertionError, match="is stale"):
        test_compiled_catalog_is_up_to_date("zh_CN")
