"""The search query language on the command line: a leading -word, options around the query,
bad queries as usage errors, and the README's search examples on the sample projects."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
import scanmaker
from conftest import ROOT, new, run
from docgen.kinds.registry import table as _kind_table

KIND_TABLE = _kind_table()

ENGINES = ["whoosh", "tantivy"]
NUMBER = re.compile(r"\b[A-Z]{2}-\d{4}-\d{4}\b")


def search(*args: str | Path) -> list[str]:
    r = run(args[0], "--json", *args[1:])  # the option first: the words may end with --
    assert r.exit_code == 0, r
    return sorted(h["number"] for h in json.loads(r.stdout))


def test_a_query_may_start_with_an_excluded_word(work: Path) -> None:
    new("quote", work / "quote.yaml")  # 卫生间防水 and 闭水试验, no 渗漏
    assert search("search", "卫生间防水") == ["BJ-2026-0001"]
    assert search("search", "-闭水 卫生间防水") == []
    assert search("search", "-渗漏 卫生间防水") == ["BJ-2026-0001"]
    assert search("search", "-渗漏", "卫生间防水") == ["BJ-2026-0001"]  # the words of several arguments
    assert search("search", "NOT", "闭水", "卫生间防水") == []


def test_options_before_and_after_the_query_and_after_two_dashes(work: Path) -> None:
    new("quote", work / "quote.yaml")
    assert search("search", "--kind", "quote", "-渗漏", "防水") == ["BJ-2026-0001"]
    assert search("search", "-渗漏", "防水", "--kind", "contract") == []
    assert search("search", "--kind=quote", "-渗漏", "防水", "--limit", "5") == ["BJ-2026-0001"]
    assert search("search", "--all-versions", "--", "-渗漏", "防水") == ["BJ-2026-0001"]
    r = run("search", "--", "防水", "--json")  # after --, --json is a query word (and not one it can read)
    assert r.exit_code == 2 and "- needs a term after it" in r.stderr, r


@pytest.mark.parametrize(
    "query, message",
    [('"空鼓', 'an opening " without its closing "'),
     ("(空鼓 OR 渗漏", "a ( without its )"),
     ("空鼓)", "a ) without its ("),
     ("空鼓 OR", "OR needs a term on both sides"),
     ("-闭水", "not only excluded ones"),
     ("kind:invoice 空鼓", "unknown kind 'invoice'"),
     ("colour:红", "unknown field 'colour'")],
)
def test_a_query_that_cannot_be_read_is_a_usage_error(query: str, message: str, work: Path) -> None:
    new("quote", work / "quote.yaml")
    r = run("search", query)
    assert r.exit_code == 2, r
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_search_without_a_query_is_a_usage_error() -> None:
    r = run("search", "--kind", "quote")
    assert r.exit_code == 2 and "QUERY" in r.stderr, r
    r = run("search", "防水", "--limit")
    assert r.exit_code == 2 and "'--limit' requires an argument" in r.stderr, r


# the README's examples ---------------------------------------------------------------------------

SAMPLE_FILES = [("quote", "zhangjiang/quote"), ("contract", "zhangjiang/contract"),
                ("quote", "lisi/quote"), ("contract", "lisi/contract"),
                ("acceptance", "lisi/acceptance"), ("warranty", "lisi/warranty"),
                ("rectification", "zhangjiang/rectification"),
                ("acceptance", "zhangjiang/acceptance-1"), ("acceptance", "zhangjiang/acceptance-2")]


def readme_examples() -> list[tuple[list[str], list[str], str | None]]:
    """(arguments, document numbers, the number shown) of each `$ docgen search` line."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Search\n"):]
    section = section[: section.index("\n## ", 1)]
    out = []
    for line in section.splitlines():
        if not line.startswith("$ docgen search "):
            continue
        command, _, stated = line.partition("# →")
        numbers, _, shown = stated.partition(", shown ")
        out.append((shlex.split(command)[3:], sorted(NUMBER.findall(numbers)), shown.strip() or None))
    return out


def test_the_readme_has_search_examples() -> None:
    examples = readme_examples()
    assert len(examples) >= 10 and all(numbers for _, numbers, _ in examples)
    queries = [" ".join(args) for args, _, _ in examples]
    assert any("OR" in q and "-闭水" in q for q in queries) and any(q.startswith("-") for q in queries)


@pytest.fixture(scope="module")
def samples_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of the two sample projects, as the README's examples assume."""
    base = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "samples", base / "samples")
    root = base / "archive"
    for kind, name in SAMPLE_FILES:
        r = run("--archive", root, "new", kind, base / "samples" / f"{name}.yaml")
        assert r.exit_code == 0, r
        if kind == "contract":  # the notices and reports need it signed: a scan of the paper
            number = r.stdout.split()[0]
            scan = scanmaker.scan(root / f"documents/{number}/{number}-v1.pdf", base / f"{number}.pdf", 200)
            for step in (["review", number, "submit"], ["review", number, "approve", "--note", "同意"],
                         ["ingest", scan]):
                r = run("--archive", root, *step)
                assert r.exit_code == 0, r
    return root


@pytest.mark.parametrize("engine", ENGINES)
def test_the_readme_search_examples_find_what_they_say(engine: str, samples_archive: Path) -> None:
    toml = samples_archive / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(re.sub(r'engine = "\w+"', f'engine = "{engine}"', text), encoding="utf-8")
    for args, numbers, shown in readme_examples():
        r = run("--archive", samples_archive, "search", *args, "--json")
        assert r.exit_code == 0, (args, r)
        hits = json.loads(r.stdout)
        assert sorted(h["number"] for h in hits) == numbers, args
        if shown:
            assert all(shown in h["snippet"] for h in hits), (args, hits)


def test_any_query_is_read_or_refused_in_one_line() -> None:
    import random

    from docgen.archive.search import QueryError, parse_query

    pieces = ["空鼓", "渗漏", "-", "NOT", "OR", "AND", "(", ")", '"', " ", "kind:", 'customer:"张三"', "a-b",
              "“", "」", "\x00", "\u202e", "ＯＲ", "title:", "x:y", "\\", "+", "440308", "HT-2026-0001"]
    rng = random.Random(7)
    for _ in range(3000):
        query = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        try:
            parse_query(query, KIND_TABLE)
        except QueryError as exc:
            assert "\n" not in str(exc) and str(exc), query
