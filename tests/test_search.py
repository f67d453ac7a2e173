"""Full-text search: analysis, queries, both engines, and the index following the catalog."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import edit, new, run

from docgen.archive.search import (
    Filters,
    IndexDoc,
    QueryError,
    TantivyEngine,
    WhooshEngine,
    parse_query,
    snippet,
    tokens,
)
from docgen.kinds.registry import table as _kind_table

KIND_TABLE = _kind_table()

ENGINES = ["whoosh", "tantivy"]


def doc(number: str, body: str, *, version: int = 1, kind: str = "acceptance", status: str = "passed",
        effective: bool = True, project: str = "P-2026-0001", customer: str = "张三",
        address: str = "上海市浦东新区张江路88弄", title: str = "竣工验收报告", date: int = 20270220) -> IndexDoc:
    # as SearchIndex.documents_of does, the title carries the number
    return IndexDoc(number, version, kind, status, effective, project, customer, address, f"{title} {number}",
                    body, date)


CORPUS = [
    doc("YS-2027-0001", "验收情况：卫生间防水 闭水试验 蓄水48小时，发现渗漏，主卫地面空鼓约8%。", status="failed"),
    doc("YS-2027-0002", "验收情况：卫生间闭水试验合格，防水高度1.8 m。", project="P-2026-0002", customer="李四",
        address="上海市徐汇区漕溪北路300弄"),
    doc("ZG-2026-0001", "整改通知书 主卫墙面 墙砖空鼓 GB 50210-2018 第10.2.4条", kind="rectification",
        status="closed", title="整改通知书", date=20261215),
    doc("HT-2026-0007", "合同 工程地点：北京市朝阳区望京西园三区 PPR给水管 Liberation", kind="contract",
        status="approved", customer="王五", address="北京市朝阳区望京西园三区", title="家庭居室装饰装修工程施工合同",
        project="P-2026-0007", date=20261110),
    doc("YS-2026-0009", "驗收情況：衛生間防水層滲漏，須返工。", customer="陳大文", project="P-2026-0009",
        address="臺北市信義區", date=20261201, status="failed"),
    doc("BJ-2026-0003", "报价单 拆除工程 提到一次张三的名字", kind="quote", status="draft", customer="赵六",
        project="P-2026-0003", title="装修工程报价单", date=20261102),
    doc("HT-2026-0007", "旧版合同 望京西园", version=0, kind="contract", status="rejected", effective=False,
        customer="王五", project="P-2026-0007", date=20261101),
]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    cls = WhooshEngine if request.param == "whoosh" else TantivyEngine
    eng = cls(tmp_path / request.param)
    groups: dict[str, list[IndexDoc]] = {}
    for d in CORPUS:
        groups.setdefault(d.number, []).append(d)
    eng.replace(groups)
    yield eng
    eng.close()


def numbers(engine, query: str, **filters) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.number for h in engine.search(parse_query(query, KIND_TABLE), Filters(**filters), 50)]


# analysis -----------------------------------------------------------------------------------


def test_tokens_bigrams_traditional_numbers() -> None:
    assert tokens("卫生间防水") == ["卫生", "生间", "间防", "防水"]
    assert tokens("衛生間") == ["卫生", "生间"]  # Traditional is indexed as Simplified
    assert tokens("HT-2026-0001 合同") == ["ht-2026-0001", "合同"]
    assert tokens("PPR 20/25管 1.8 m") == ["ppr", "20", "25", "管", "1.8", "m"]
    assert tokens("！？…😀") == []


# the traps named in the issue, on both engines ---------------------------------------------


def test_phrase_query_finds_the_phrase(engine) -> None:  # type: ignore[no-untyped-def]
    assert numbers(engine, "卫生间防水") == ["YS-2027-0001", "YS-2026-0009"] or \
        sorted(numbers(engine, "卫生间防水")) == ["YS-2026-0009", "YS-2027-0001"]
    assert numbers(engine, '"卫生间防水"') == numbers(engine, "卫生间防水")
    # the words appear in YS-2027-0002 too, but not together
    assert "YS-2027-0002" not in numbers(engine, "卫生间防水")


def test_two_character_words(engine) -> None:  # type: ignore[no-untyped-def]
    assert set(numbers(engine, "空鼓")) == {"YS-2027-0001", "ZG-2026-0001"}
    assert set(numbers(engine, "渗漏")) == {"YS-2027-0001", "YS-2026-0009"}


def test_any_substring_of_two_or_more_characters(engine) -> None:  # type: ignore[no-untyped-def]
    assert numbers(engine, "通知") == ["ZG-2026-0001"]  # inside 通知书
    assert numbers(engine, "知书") == ["ZG-2026-0001"]
    assert numbers(engine, "西园三") == ["HT-2026-0007"]


def test_simplified_and_traditional_find_each_other(engine) -> None:  # type: ignore[no-untyped-def]
    assert "YS-2026-0009" in numbers(engine, "渗漏")  # Simplified query, Traditional text
    assert "YS-2027-0001" in numbers(engine, "滲漏")  # Traditional query, Simplified text
    assert numbers(engine, "陈大文") == ["YS-2026-0009"]
    assert numbers(engine, "台北") == ["YS-2026-0009"]


def test_names_and_trade_words_without_a_dictionary(engine) -> None:  # type: ignore[no-untyped-def]
    assert numbers(engine, "望京西园") == ["HT-2026-0007"]
    assert numbers(engine, "闭水试验")


def test_latin_numbers_and_document_numbers_exact(engine) -> None:  # type: ignore[no-untyped-def]
    assert numbers(engine, "HT-2026-0007") == ["HT-2026-0007"]
    assert numbers(engine, "ht-2026-0007") == ["HT-2026-0007"]
    assert numbers(engine, "HT-2026-0001") == []  # exactly, not a neighbour
    assert numbers(engine, "number:ZG-2026-0001") == ["ZG-2026-0001"]
    assert numbers(engine, "PPR") == ["HT-2026-0007"]
    assert numbers(engine, "liberation") == ["HT-2026-0007"]
    assert numbers(engine, "50210-2018") == [] or numbers(engine, "50210") == ["ZG-2026-0001"]
    assert numbers(engine, "10.2.4") == ["ZG-2026-0001"]
    assert numbers(engine, "1.8") == ["YS-2027-0002"]


def test_ranking_title_and_customer_above_a_mention(engine) -> None:  # type: ignore[no-untyped-def]
    # BJ-2026-0003 mentions 张三 once in its text; the acceptance report is 张三's
    found = numbers(engine, "张三")
    assert found[0] == "YS-2027-0001" and "BJ-2026-0003" in found
    assert found.index("YS-2027-0001") < found.index("BJ-2026-0003")
    by_title = numbers(engine, "报价单")
    assert by_title[0] == "BJ-2026-0003"


def test_operators_and_fields(engine) -> None:  # type: ignore[no-untyped-def]
    assert set(numbers(engine, "空鼓 OR 望京")) == {"YS-2027-0001", "ZG-2026-0001", "HT-2026-0007"}
    assert numbers(engine, "空鼓 -整改") == ["YS-2027-0001"]
    assert numbers(engine, "空鼓 NOT 整改") == ["YS-2027-0001"]
    assert numbers(engine, "(空鼓 OR 望京) kind:contract") == ["HT-2026-0007"]
    assert numbers(engine, "customer:李四") == ["YS-2027-0002"]
    assert numbers(engine, "address:徐汇") == ["YS-2027-0002"]
    assert numbers(engine, "kind:整改通知书 空鼓") == ["ZG-2026-0001"]


def test_an_exclusion_excludes_from_its_whole_group(engine) -> None:  # type: ignore[no-untyped-def]
    # YS-2027-0001 has 空鼓, 渗漏 and 闭水; ZG-2026-0001 空鼓; YS-2026-0009 滲漏; YS-2027-0002 闭水
    assert set(numbers(engine, "空鼓 OR 渗漏 -闭水")) == {"ZG-2026-0001", "YS-2026-0009"}
    assert set(numbers(engine, "空鼓 OR 渗漏 NOT 闭水")) == {"ZG-2026-0001", "YS-2026-0009"}
    assert set(numbers(engine, "-闭水 空鼓 OR 渗漏")) == {"ZG-2026-0001", "YS-2026-0009"}
    assert set(numbers(engine, "(空鼓 OR 渗漏) -闭水")) == {"ZG-2026-0001", "YS-2026-0009"}
    assert numbers(engine, "空鼓 OR -闭水") == ["ZG-2026-0001"]  # an excluded alternative still excludes
    # inside parentheses, only from that group
    assert set(numbers(engine, "(渗漏 -闭水) OR 望京")) == {"YS-2026-0009", "HT-2026-0007"}
    assert numbers(engine, "-(闭水 OR 整改) 空鼓") == []
    assert numbers(engine, "-(闭水 OR 整改) 渗漏") == ["YS-2026-0009"]


def test_words_or_and_leading_exclusions(engine) -> None:  # type: ignore[no-untyped-def]
    assert numbers(engine, "空鼓 渗漏") == ["YS-2027-0001"]
    assert numbers(engine, "空鼓 AND 渗漏") == ["YS-2027-0001"]
    # OR binds tighter than the space: (渗漏 or 望京) and 返工
    assert numbers(engine, "渗漏 OR 望京 返工") == ["YS-2026-0009"]
    assert numbers(engine, "返工 渗漏 OR 望京") == ["YS-2026-0009"]
    assert numbers(engine, "NOT 闭水 渗漏") == ["YS-2026-0009"]
    assert numbers(engine, "-闭水 渗漏") == ["YS-2026-0009"]
    assert numbers(engine, "- 闭水 渗漏") == ["YS-2026-0009"]
    assert set(numbers(engine, "闭水 (空鼓 OR 合格)")) == {"YS-2027-0001", "YS-2027-0002"}
    assert numbers(engine, '"墙砖空鼓" -闭水') == ["ZG-2026-0001"]
    assert numbers(engine, "customer:张三 空鼓 -闭水") == ["ZG-2026-0001"]
    assert numbers(engine, "kind:acceptance 渗漏 -闭水") == ["YS-2026-0009"]


def test_the_query_tree() -> None:
    from docgen.archive.search import And, Not, Or, Term

    a, b, c = Term("a"), Term("b"), Term("c")
    assert parse_query("a OR b -c", KIND_TABLE) == And((Or((a, b)), Not(c)))
    assert parse_query("a OR b c", KIND_TABLE) == And((Or((a, b)), c))
    assert parse_query("-c a", KIND_TABLE) == parse_query("NOT c a", KIND_TABLE) == And((a, Not(c)))
    assert parse_query("a (b OR c)", KIND_TABLE) == And((a, Or((b, c))))
    assert parse_query("(a -c) OR b", KIND_TABLE) == Or((And((a, Not(c))), b))
    assert parse_query("a or b", KIND_TABLE) == And((a, Term("or"), b))  # only upper-case OR is an operator
    assert parse_query('"a OR b" title:"c d"', KIND_TABLE) == And((Term("a OR b"), Term("c d", "title")))
    assert parse_query("HT-2026-0001 -a-b", KIND_TABLE) == And((Term("HT-2026-0001"), Not(Term("a-b"))))


def test_filters(engine) -> None:  # type: ignore[no-untyped-def]
    assert numbers(engine, "空鼓", kind="acceptance") == ["YS-2027-0001"]
    assert numbers(engine, "闭水试验", project="P-2026-0002") == ["YS-2027-0002"]
    assert numbers(engine, "闭水试验", customer="张三") == ["YS-2027-0001"]
    assert numbers(engine, "闭水试验", status="failed") == ["YS-2027-0001"]
    import datetime as dt

    assert numbers(engine, "渗漏", date_from=dt.date(2027, 1, 1)) == ["YS-2027-0001"]
    assert numbers(engine, "渗漏", date_to=dt.date(2026, 12, 31)) == ["YS-2026-0009"]


@pytest.mark.parametrize("cls", [WhooshEngine, TantivyEngine])
def test_a_date_filter_on_an_index_of_no_documents_finds_nothing(cls, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    eng = cls(tmp_path / "index")
    for dates in ({"date_from": dt.date(2026, 1, 1)}, {"date_to": dt.date(2026, 1, 1)}):
        assert numbers(eng, "合同", **dates) == []  # not an error that calls the index damaged
    eng.close()


def test_effective_versions_by_default(engine) -> None:  # type: ignore[no-untyped-def]
    assert numbers(engine, "旧版") == []
    assert numbers(engine, "旧版", all_versions=True) == ["HT-2026-0007"]


def test_punctuation_and_emoji_find_nothing_quickly(engine) -> None:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    for q in ("！！", "😀😀", "…", "@#$", "“”"):
        assert numbers(engine, q) == []
    assert time.perf_counter() - t < 1.0


def test_replace_updates_a_document(engine) -> None:  # type: ignore[no-untyped-def]
    engine.replace({"ZG-2026-0001": [doc("ZG-2026-0001", "改写后的内容 地漏堵塞", kind="rectification")]})
    assert numbers(engine, "墙砖空鼓") == []
    assert numbers(engine, "地漏") == ["ZG-2026-0001"]
    assert "ZG-2026-0001#1" in engine.keys()


def test_a_kept_searcher_reads_what_another_writer_committed(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The engine keeps its searcher open between searches; a commit by another writer (another
    process, here another engine on the same folder) is read by the next search all the same."""
    assert numbers(engine, "地漏") == []
    other = type(engine)(engine.path)
    other.replace({"ZG-2026-0002": [doc("ZG-2026-0002", "地漏堵塞 返工", kind="rectification")]})
    assert numbers(engine, "地漏") == ["ZG-2026-0002"]
    other.replace({"ZG-2026-0002": [doc("ZG-2026-0002", "已改为 排水通畅", kind="rectification")]})
    assert numbers(engine, "地漏") == [] and numbers(engine, "排水通畅") == ["ZG-2026-0002"]
    other.close()


def test_single_filings_do_not_pile_up_whoosh_segments(tmp_path: Path) -> None:
    """Each filing commits one document; whoosh merges the small segments as they accumulate,
    so a kept searcher holds a handful of files open, not one per filing."""
    engine = WhooshEngine(tmp_path / "whoosh")
    engine.replace({d.number: [d] for d in CORPUS if d.version == 1})
    for n in range(60):
        number = f"WX-2026-{n:04d}"
        engine.replace({number: [doc(number, f"维修 第{n}次 上门", kind="repair", status="open")]})
        assert numbers(engine, number) == [number]
    segments = [p for p in engine.path.iterdir() if p.suffix == ".seg"]
    assert len(segments) <= 10, len(segments)
    engine.close()


# queries a user gets wrong --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "the query is empty"),
        ("   ", "the query is empty"),
        ('"卫生间', 'an opening " without its closing "'),
        ("(空鼓", "a ( without its )"),
        ("空鼓)", "a ) without its ("),
        ("()", "nothing inside"),
        ("OR", "OR needs a term on both sides"),
        ("空鼓 OR", "OR needs a term on both sides"),
        ("AND 空鼓", "AND needs a term on both sides"),
        ("-", "- needs a term after it"),
        ("NOT", "NOT needs a term after it"),
        ("-空鼓", "not only excluded ones"),
        ("-空鼓 -渗漏", "not only excluded ones"),
        ("空鼓 (-渗漏)", "each ( ) group needs at least one term"),
        ("空鼓 OR OR 渗漏", "OR needs a term on both sides"),
        ("(空鼓 OR) 渗漏", "OR needs a term on both sides"),
        ("空鼓 NOT", "NOT needs a term after it"),
        ("--空鼓", "- needs a term after it"),
        ('"(" 空鼓)', "a ) without its ("),
        ("colour:红", "unknown field 'colour'"),
        ("kind:", "kind: needs a value"),
    ],
)
def test_bad_queries(query: str, message: str) -> None:
    with pytest.raises(QueryError) as err:
        parse_query(query, KIND_TABLE)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_snippet_highlights_the_match() -> None:
    text = "竣工验收报告\n验收情况：衛生間防水層滲漏，須返工。" + "其他内容" * 30
    s = snippet(text, ["渗漏"])
    assert "【渗漏】" in s and "卫生间" in s


# through the command line, on a real archive ----------------------------------------------------


@pytest.fixture(params=ENGINES)
def with_engine(request: pytest.FixtureRequest, archive_dir: Path) -> str:
    run("list")
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    assert re.search(r'(?m)^engine = "\w+"$', text)
    toml.write_text(re.sub(r'(?m)^engine = "\w+"$', f'engine = "{request.param}"', text), encoding="utf-8")
    return str(request.param)


def search(*args: str) -> list[dict]:  # type: ignore[type-arg]
    r = run("search", *args, "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def test_cli_search_finds_filed_documents(with_engine: str, work: Path, archive_dir: Path) -> None:
    toml = archive_dir / "docgen.toml"  # a company that starts work on the approved contract
    toml.write_text(toml.read_text(encoding="utf-8").replace('contract_status = "signed"',
                                                             'contract_status = "approved"'), encoding="utf-8")
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    assert run("review", "HT-2026-0001", "approve").exit_code == 0
    new("acceptance", work / "acceptance-1.yaml")
    assert (archive_dir / "index" / with_engine).is_dir()
    hits = search("地砖空鼓率")
    assert [(h["number"], h["kind"], h["version"]) for h in hits] == [("YS-2027-0001", "acceptance", 1)]
    h = hits[0]
    assert h["status"] == "failed" and h["project"] == "P-2026-0001" and h["customer"] == "张三"
    assert h["date"] == "2027-02-20" and "【地砖空鼓率】" in h["snippet"]
    assert [h["number"] for h in search("HT-2026-0001", "--kind", "contract")] == ["HT-2026-0001"]
    assert {h["number"] for h in search("张三")} == {"BJ-2026-0001", "HT-2026-0001", "YS-2027-0001"}
    text = run("search", "闭水试验").stdout
    # the version column is as wide as its header word ("version" in English, "版本" in Chinese)
    assert any(line.split()[:4] == ["YS-2027-0001", "v1", "竣工验收报告", "failed"] for line in text.splitlines())
    assert "【闭水试验】" in text


def test_cli_effective_versions_follow_review(with_engine: str, work: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    assert run("review", "HT-2026-0001", "reject", "--note", "改违约金").exit_code == 0
    # without an approved version, the newest one stands for the document
    assert [(h["version"], h["status"]) for h in search("违约金", "--kind", "contract")] == [(1, "draft")]
    assert [h["version"] for h in search("违约金", "--kind", "contract", "--all-versions")] == [1]
    edit(work / "contract.yaml", lambda d: d.update(penalty_rate_per_day="0.003"))
    assert run("revise", "HT-2026-0001", work / "contract.yaml", "--note", "改").exit_code == 0
    assert run("review", "HT-2026-0001", "submit").exit_code == 0
    assert run("review", "HT-2026-0001", "approve").exit_code == 0
    hits = search("0.3%", "--kind", "contract")
    assert [(h["version"], h["status"]) for h in hits] == [(2, "approved")]
    assert search("0.2%", "--kind", "contract") == []
    assert {h["version"] for h in search("违约金", "--all-versions", "--kind", "contract")} == {1, 2}


@pytest.mark.parametrize(
    "args, message",
    [(["空鼓", "--from", "2026-13-01"], "--from '2026-13-01' is not a date"),
     (["空鼓", "--to", "yesterday"], "--to 'yesterday' is not a date"),
     (["空鼓", "--kind", "invoice"], "unknown kind 'invoice'"),
     (["空鼓", "--from", "2027-01-02", "--to", "2027-01-01"], "is after --to")],
)
def test_cli_bad_search_input(args: list[str], message: str, work: Path) -> None:
    new("quote", work / "quote.yaml")
    r = run("search", *args)
    assert r.exit_code == (2 if "is not a date" in message or "--kind" in args else 1), r  # usage errors
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_cli_void_documents_only_with_all_versions(work: Path) -> None:
    new("quote", work / "quote.yaml")
    assert run("void", "BJ-2026-0001", "--note", "客户取消").exit_code == 0
    assert search("拆除非承重墙") == []
    assert [(h["number"], h["status"]) for h in search("拆除非承重墙", "--all-versions")] == [("BJ-2026-0001", "void")]


def test_cli_emoji_query_is_empty_result(work: Path) -> None:
    new("quote", work / "quote.yaml")
    r = run("search", "😀😀")
    assert r.exit_code == 0 and "no documents found" in r.stdout


def test_index_failure_never_blocks_a_filing(with_engine: str, work: Path, archive_dir: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.archive import search as search_mod

    def busy(self, groups):  # type: ignore[no-untyped-def]
        raise search_mod.IndexBusy("the index is being written by another process")

    new("quote", work / "quote.yaml")
    cls = search_mod.WhooshEngine if with_engine == "whoosh" else search_mod.TantivyEngine
    original = cls.replace
    cls.replace = busy  # type: ignore[method-assign]
    try:
        r = run("new", "contract", work / "contract.yaml")
        assert r.exit_code == 0, r  # filed all the same
        assert "will be indexed by the next command" in r.stderr
        v = run("verify")
        assert v.exit_code == 0 and "queued for the search index" in v.stdout
    finally:
        cls.replace = original  # type: ignore[method-assign]
    assert [h["number"] for h in search("HT-2026-0001", "--kind", "contract")] == ["HT-2026-0001"]
    assert "queued" not in run("verify").stdout


def test_verify_reports_versions_missing_from_index(with_engine: str, work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    from docgen.archive.core import Archive

    archive = Archive.open(archive_dir)
    archive.search_index().engine.replace({"BJ-2026-0001": []})  # lose it behind the catalog's back
    archive.close()
    r = run("verify")
    assert r.exit_code == 1 and "BJ-2026-0001 v1: not in the search index" in r.stderr
    rr = run("reindex")
    assert rr.exit_code == 0 and "1 versions indexed" in rr.stdout
    assert run("verify").exit_code == 0


def test_schema_change_rebuilds_by_itself(with_engine: str, work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    meta = archive_dir / "index" / with_engine / "docgen-index.json"
    meta.write_text(json.dumps({"schema": 0, "engine": with_engine}), encoding="utf-8")
    assert [h["number"] for h in search("拆除非承重墙")] == ["BJ-2026-0001"]
    assert json.loads(meta.read_text(encoding="utf-8"))["schema"] >= 1


def test_a_new_archive_searches_with_tantivy(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    assert 'engine = "tantivy"' in (archive_dir / "docgen.toml").read_text(encoding="utf-8")
    assert [h["number"] for h in search("拆除非承重墙")] == ["BJ-2026-0001"]
    meta = json.loads((archive_dir / "index" / "tantivy" / "docgen-index.json").read_text(encoding="utf-8"))
    assert meta["engine"] == "tantivy" and not (archive_dir / "index" / "whoosh").exists()


def test_reindex_other_engine(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    r = run("reindex", "--engine", "whoosh")
    assert r.exit_code == 0 and "1 versions indexed with whoosh" in r.stdout
    assert 'set [search] engine = "whoosh"' in r.stdout
    assert (archive_dir / "index" / "whoosh").is_dir()


def test_concurrent_filings_while_searching(with_engine: str, work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    procs = [
        subprocess.Popen([sys.executable, "-m", "docgen.cli", "new", "quote", str(work / "quote.yaml")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    searches = 0
    while any(p.poll() is None for p in procs):
        r = run("search", "拆除非承重墙", "--json")
        assert r.exit_code == 0, r
        searches += 1
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err
    assert searches > 0
    hits = search("拆除非承重墙")
    assert sorted(h["number"] for h in hits) == ["BJ-2026-0001", "BJ-2026-0002", "BJ-2026-0003"]
    assert run("verify").exit_code == 0


def test_whoosh_terms_are_substrings() -> None:
    from docgen.archive.search import grams, query_grams

    g = grams("卫生间防水层")
    for part in ("卫生", "生间", "卫生间", "间防水", "卫生间防", "生间防水", "卫生间防水"):
        assert part in g
    assert "卫生间防水层" not in g  # longer than GRAM: matched as its overlapping 5-grams
    assert query_grams("卫生间防水层") == ["卫生间防水", "生间防水层"]
    assert query_grams("通知") == ["通知"]
    assert query_grams("HT-2026-0001 衛生間") == ["ht-2026-0001", "卫生间"]


# found in review: exactness, races, staleness --------------------------------------------------


def test_long_strings_and_phrases_are_exact_on_both_engines(with_engine: str, work: Path, archive_dir: Path) -> None:
    # the text has every 5-gram of 新砌非承重墙拆除 but not the string itself
    edit(work / "quote.yaml", lambda d: d["sections"][0]["items"][0].update(
        name="新砌非承重墙", note="严禁非承重墙拆除，砌非承重墙，tile grout sealed"))
    new("quote", work / "quote.yaml")
    assert search("新砌非承重墙拆除") == []
    assert [h["number"] for h in search("非承重墙拆除")] == ["BJ-2026-0001"]
    assert search('"grout tile"') == []
    assert [h["number"] for h in search('"tile grout"')] == ["BJ-2026-0001"]
    assert [h["number"] for h in search("拆除工程 -新砌非承重墙拆除")] == ["BJ-2026-0001"]


def test_punctuation_terms_do_not_block_the_others(with_engine: str, work: Path) -> None:
    new("quote", work / "quote.yaml")
    assert [h["number"] for h in search("拆除工程 +")] == ["BJ-2026-0001"]
    assert [h["number"] for h in search("拆除工程 /")] == ["BJ-2026-0001"]


def test_quoted_fields_full_width_and_curly_quotes(with_engine: str, work: Path) -> None:
    new("quote", work / "quote.yaml")
    assert [h["number"] for h in search('customer:"张三"')] == ["BJ-2026-0001"]
    assert [h["number"] for h in search("ＢＪ－２０２６－０００１")] == ["BJ-2026-0001"]
    assert [h["number"] for h in search("“拆除工程”")] == ["BJ-2026-0001"]
    assert [h["number"] for h in search("拆除工程", "--kind", "报价单")] == ["BJ-2026-0001"]


@pytest.mark.parametrize("query, message", [("kind:xyz", "unknown kind 'xyz'"), ("status:已签 防水", "unknown status"),
                                            ("防水 " * 200, "at most 400"), ("(" * 60 + "防水" + ")" * 60, "too many")])
def test_more_bad_queries(query: str, message: str) -> None:
    with pytest.raises(QueryError) as err:
        from docgen.archive.search import _exact

        node = parse_query(query, KIND_TABLE)
        # field values are checked when the query is compiled
        stack = [node]
        while stack:
            n = stack.pop()
            if hasattr(n, "nodes"):
                stack.extend(n.nodes)
            elif hasattr(n, "node"):
                stack.append(n.node)
            elif n.field in ("kind", "status"):
                _exact(n)
    assert message in str(err.value)


def test_changed_customer_reindexes_the_project(with_engine: str, work: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    edit(work / "project.yaml", lambda d: d["customer"].update(name="张三丰"))
    edit(work / "quote.yaml", lambda d: d.update(valid_days=20))
    assert run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "改名", "--update-project").exit_code == 0
    assert {h["number"] for h in search("张三丰")} == {"BJ-2026-0001", "HT-2026-0001"}
    assert {h["number"] for h in search("拆除", "--customer", "张三丰")} == {"BJ-2026-0001", "HT-2026-0001"}


def test_interrupted_rebuild_keeps_the_old_index(with_engine: str, work: Path, archive_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.archive import search as search_mod
    from docgen.archive.core import Archive

    new("quote", work / "quote.yaml")
    assert search("拆除工程")
    archive = Archive.open(archive_dir)
    index = archive.search_index()

    def boom(self, number):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    original = search_mod.SearchIndex.documents_of
    search_mod.SearchIndex.documents_of = boom  # type: ignore[method-assign]
    try:
        with pytest.raises(KeyboardInterrupt):
            index.rebuild()
    finally:
        search_mod.SearchIndex.documents_of = original  # type: ignore[method-assign]
    archive.close()
    assert [h["number"] for h in search("拆除工程")] == ["BJ-2026-0001"]  # the old index still answers
    assert run("verify").exit_code == 0


def test_sync_reads_the_catalog_under_the_lock(with_engine: str, work: Path, archive_dir: Path) -> None:
    """A second writer waits for the lock (or leaves its work queued): no older state wins."""
    from docgen.archive.core import Archive
    from docgen.archive.search import IndexBusy

    new("quote", work / "quote.yaml")
    archive = Archive.open(archive_dir)
    index = archive.search_index()
    with index._writing(wait=False):
        other = Archive.open(archive_dir).search_index()
        with pytest.raises(IndexBusy), other._writing(wait=False):
            pass
        assert run("void", "BJ-2026-0001", "--note", "取消").exit_code == 0  # filed; index busy
    archive.close()
    hits = search("拆除工程", "--all-versions")
    assert [(h["number"], h["status"]) for h in hits] == [("BJ-2026-0001", "void")]


# personal data: masked by policy, never in the index in clear ------------------------------------

ID, PHONE = "440308199001011239", "13812345678"
MASKED_ID, MASKED_PHONE = "440308********1239", "138****5678"


def index_holds(archive_dir: Path, value: str) -> list[str]:
    """The files under index/ whose bytes hold ``value`` (as UTF-8 or as UTF-16)."""
    needles = (value.encode(), value.encode("utf-16-le"), value.encode("utf-16-be"))
    return [str(p) for p in (archive_dir / "index").rglob("*")
            if p.is_file() and any(n in p.read_bytes() for n in needles)]


def clear_terms(archive_dir: Path) -> set[str]:
    """The numbers the engine itself finds as terms, asked directly (no keyed token)."""
    from docgen.archive.core import Archive

    archive = Archive.open(archive_dir)
    try:
        engine = archive.search_index().engine
        return {v for v in (ID, PHONE) if engine.search(parse_query(v, KIND_TABLE), Filters(all_versions=True), 10)}
    finally:
        archive.close()


def test_search_masks_id_and_phone_numbers_by_policy(with_engine: str, work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")  # the contract shows the customer's ID and phone
    assert index_holds(archive_dir, ID) == [] and index_holds(archive_dir, PHONE) == []
    # the whole number still finds its document, by its keyed token
    for who in ([], ["--as", "finance"], ["--as", "财务"], ["--as", "engineering"]):
        hits = search(ID, *who)
        assert [h["number"] for h in hits] == ["HT-2026-0001"], who
        assert f"【{MASKED_ID}】" in hits[0]["snippet"]
        hits = search(PHONE, "--kind", "contract", *who)
        assert [h["number"] for h in hits] == ["HT-2026-0001"]
        assert f"【{MASKED_PHONE}】" in hits[0]["snippet"]
        out = run("search", "身份证", *who, "--json").stdout + run("search", "联系电话", *who).stdout
        assert ID not in out and PHONE not in out and MASKED_ID in out, out
    for who in ("legal", "法务", "archive"):  # personal_data = "full"
        hits = search(ID, "--as", who)
        assert [h["number"] for h in hits] == ["HT-2026-0001"] and f"【{ID}】" in hits[0]["snippet"]
        assert f"【{PHONE}】" in search(PHONE, "--kind", "contract", "--as", who)[0]["snippet"]
    # written the ways people write numbers
    assert "HT-2026-0001" in [h["number"] for h in search("138-1234-5678")]
    assert [h["number"] for h in search("440308 19900101 1239")] == ["HT-2026-0001"]
    assert [h["number"] for h in search("４４０３０８１９９００１０１１２３９")] == ["HT-2026-0001"]
    assert search("440308199001011235") == []  # another number is not a neighbour
    assert [h["number"] for h in search(f"{ID} 违约金")] == ["HT-2026-0001"]
    assert search(f"{ID} -违约金") == []
    assert clear_terms(archive_dir) == set()  # the engine itself holds no term of the clear number


def test_one_process_searching_for_several_departments_masks_each_by_its_policy(
        with_engine: str, work: Path, archive_dir: Path) -> None:
    """A server answers every department from one process: what it keeps of a hit it found
    before (the passage, the numbers it shows) never carries one department's view to another,
    nor an old customer's numbers past a change of the project."""
    from docgen.archive.core import Archive
    from docgen.service import Actor, Service

    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    archive = Archive.open(archive_dir)

    def snippet(department: str, query: str = "联系电话") -> str:
        service = Service(archive, Actor("x", department, department))
        (hit,) = service.search(query, Filters(kind="contract")).results
        return hit.snippet

    for _ in range(2):
        assert MASKED_PHONE in snippet("finance") and PHONE not in snippet("finance")
        assert PHONE in snippet("legal")
    edit(work / "project.yaml", lambda d: d["customer"].update(phone="13900001111"))
    assert run("revise", "HT-2026-0001", work / "contract.yaml", "--note", "电话", "--update-project").exit_code == 0
    assert "139****1111" in snippet("finance") and "13900001111" not in snippet("finance")
    assert "13900001111" in snippet("legal")


def test_a_search_reads_the_catalog_in_a_few_queries_however_many_hits(work: Path, archive_dir: Path) -> None:
    from docgen.archive.core import Archive
    from docgen.service import Actor, Service

    q = work / "quote.yaml"
    assert run("new", "quote", q, q, q, q).exit_code == 0
    archive = Archive.open(archive_dir)
    service = Service(archive, Actor("x", "finance", "finance"))
    service.search("拆除", Filters())  # the index caught up with the catalog first
    statements: list[str] = []
    archive.catalog.db.set_trace_callback(statements.append)
    try:
        hits = service.search("拆除", Filters()).results
    finally:
        archive.catalog.db.set_trace_callback(None)
    assert len(hits) == 4
    reads = [q for q in statements if q.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(reads) <= 6, reads


def test_search_as_an_unknown_department_is_refused(work: Path) -> None:
    new("quote", work / "quote.yaml")
    r = run("search", "拆除", "--as", "marketing")
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        "Error: unknown department 'marketing'; use one of: customer, finance, engineering, legal, archive "
        "(see [departments] in docgen.toml)"]


def test_an_index_holding_numbers_in_clear_is_rebuilt_by_itself(with_engine: str, work: Path, archive_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from docgen.archive import search as search_mod

    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    # an index as the previous schema wrote it: the text as it is
    with monkeypatch.context() as mp:
        mp.setattr(search_mod, "SCHEMA_VERSION", 4)
        mp.setattr(search_mod.SearchIndex, "_indexed_body", lambda self, text, pairs: text)
        assert run("reindex").exit_code == 0
    assert clear_terms(archive_dir) == {ID, PHONE}  # the old index answers the clear number
    if with_engine == "whoosh":  # (tantivy's term dictionary is compressed: no bytes to grep)
        assert index_holds(archive_dir, ID)
    hits = search(ID)  # the schema changed: rebuilt before searching
    assert [h["number"] for h in hits] == ["HT-2026-0001"] and ID not in json.dumps(hits)
    assert index_holds(archive_dir, ID) == [] and index_holds(archive_dir, PHONE) == []
    assert clear_terms(archive_dir) == set()
    assert not list((archive_dir / "index").glob("*.old")) and run("verify").exit_code == 0


def test_an_id_number_of_anyone_is_masked(with_engine: str, work: Path, archive_dir: Path) -> None:
    other = "11010519491231002X"  # a valid number that is not the customer's
    edit(work / "contract.yaml", lambda d: d["special_terms"].append(f"担保人李五，身份证 {other}。"))
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    assert index_holds(archive_dir, other) == []
    hits = search(other)
    assert [h["number"] for h in hits] == ["HT-2026-0001"] and "【110105********002X】" in hits[0]["snippet"]
    assert f"【{other}】" in search(other.lower(), "--as", "legal")[0]["snippet"]


def test_a_docgen_toml_that_names_no_engine_keeps_whoosh(work: Path, archive_dir: Path) -> None:
    """An archive made before tantivy was the default, its docgen.toml without the key, is
    searched with the whoosh index it has (no rebuild into another engine behind its back)."""
    new("quote", work / "quote.yaml")
    toml = archive_dir / "docgen.toml"
    toml.write_text(re.sub(r'(?m)^engine = "\w+"\n', "", toml.read_text(encoding="utf-8")), encoding="utf-8")
    assert "engine =" not in toml.read_text(encoding="utf-8")
    assert [h["number"] for h in search("拆除非承重墙")] == ["BJ-2026-0001"]
    assert (archive_dir / "index" / "whoosh" / "docgen-index.json").is_file()
