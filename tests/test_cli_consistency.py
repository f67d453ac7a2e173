"""One command line: JSON with the same field names on every reporting command, versions as
2 or v2, kinds by their Chinese names, results on stdout and the rest on stderr, and one
exit code per kind of mistake (2: the command line, 1: the document or the archive)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
import scanmaker
from conftest import SAMPLES, Result, edit, keyed_archive, run

from docgen.cliparams import KIND, VERSION

# names the JSON outputs once used for things that have one name now (README, "JSON output")
OLD_NAMES = {"time", "author", "doc", "v", "by", "user", "at", "checksum", "when", "who"}


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """BJ-2026-0001 quote v1 and v2, HT-2026-0001 contract in draft; "before" as made,
    "after" with BJ-2026-0001 v2 signed (its scan filed, its copy delivered)."""
    root = tmp_path_factory.mktemp("cliout")
    archive = keyed_archive(root / "archive")
    work = root / "work"
    shutil.copytree(SAMPLES, work)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_ARCHIVE", str(archive))
        mp.setenv("DOCGEN_LANGUAGE", "en")  # made before the per-test fixture pins the suite's English
        assert run("new", "quote", work / "quote.yaml").exit_code == 0
        edit(work / "quote.yaml", lambda d: d.update(valid_days=45))
        assert run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "有效期改为45天").exit_code == 0
        assert run("new", "contract", work / "contract.yaml").exit_code == 0
        scan = scanmaker.scan(archive / "documents/BJ-2026-0001/BJ-2026-0001-v2.pdf", root / "bj.pdf", 200)
        shutil.copytree(archive, root / "before")
        shutil.copy(scan, root / "bj-kept.pdf")
        ingested = run("ingest", scan)
        assert ingested.exit_code == 0, ingested
    return {"root": root, "work": work, "scan": root / "bj-kept.pdf", "ingested": ingested}


def _use(states: dict[str, Any], archive_dir: Path, which: str) -> None:
    shutil.rmtree(archive_dir)
    shutil.copytree(states["root"] / ("archive" if which == "after" else "before"), archive_dir)


@pytest.fixture
def signed(states: dict[str, Any], archive_dir: Path) -> dict[str, Any]:
    _use(states, archive_dir, "after")
    return states


@pytest.fixture
def unsigned(states: dict[str, Any], archive_dir: Path) -> dict[str, Any]:
    _use(states, archive_dir, "before")
    return states


def _keys(data: Any) -> set[str]:
    """Every key of every object in a JSON document, at any depth (not inside show's summary)."""
    if isinstance(data, list):
        return set().union(*(_keys(x) for x in data)) if data else set()
    if isinstance(data, dict):
        return set(data).union(*(_keys(v) for k, v in data.items() if k not in ("summary", "extra")))
    return set()


def _json(*args: str | Path) -> Any:
    r = run(*args)
    assert r.exit_code == 0, r
    data = json.loads(r.stdout)  # stdout holds the JSON and nothing else
    assert not _keys(data) & OLD_NAMES, _keys(data) & OLD_NAMES
    return data


# --json everywhere ------------------------------------------------------------------------


def test_show_and_list_and_log_share_names(signed: dict[str, Any]) -> None:
    shown = _json("show", "BJ-2026-0001", "--json")
    assert (shown["number"], shown["kind"], shown["status"]) == ("BJ-2026-0001", "quote", "signed")
    assert {"version", "status", "actor", "created", "note"} <= set(shown["versions"][0])
    assert {"version", "action", "actor", "created", "note"} <= set(shown["events"][0])
    listed = {r["number"]: r for r in _json("list", "--json")}
    assert listed["BJ-2026-0001"]["project"] == shown["project"]
    assert listed["BJ-2026-0001"]["customer"] == shown["customer"]
    rows = _json("log", "BJ-2026-0001", "--json")
    assert {"created", "action", "number", "version", "actor", "note"} <= set(rows[0])
    delivered = [r for r in rows if r["action"] == "delivered"]
    assert delivered and {"department", "label", "sha256", "path"} <= set(delivered[0])


def test_review_and_void_report_json(signed: dict[str, Any]) -> None:
    out = _json("review", "ht-2026-0001", "submit", "--note", "请法务审核", "--json")
    assert out == {"number": "HT-2026-0001", "kind": "contract", "action": "submit", "status": "in_review",
                   "version": 1, "note": "请法务审核"}
    out = _json("void", "HT-2026-0001", "--note", "客户取消", "--json")
    assert (out["number"], out["action"], out["status"], out["note"]) == ("HT-2026-0001", "void", "void", "客户取消")


def test_diff_reports_json(signed: dict[str, Any]) -> None:
    out = _json("diff", "BJ-2026-0001", "v1", "v2", "--json")
    assert (out["number"], out["from_version"], out["to_version"], out["same"]) == ("BJ-2026-0001", 1, 2, False)
    assert any(line.startswith("+") for line in out["lines"])
    assert _json("diff", "BJ-2026-0001", "2", "2", "--json")["lines"] == []


def test_verify_and_reindex_report_json(signed: dict[str, Any]) -> None:
    out = _json("verify", "--json")
    assert out["clean"] is True and out["checked"] > 0 and out["missing"] == [] and out["problems"] == 0
    head = _json("verify", "--chain-head", "--json")
    assert len(head["head"]) == 64
    again = _json("verify", "--chain-head", head["head"], "--json")
    assert again["head"] == head["head"] and again["row"] == again["rows"]
    out = _json("reindex", "--json")
    assert out["indexed"] >= 3 and out["engine"] in ("whoosh", "tantivy") and Path(out["path"]).is_dir()


def test_verify_json_keeps_exit_code_one_when_damaged(signed: dict[str, Any], archive_dir: Path) -> None:
    (archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.pdf").write_bytes(b"changed")
    r = run("verify", "--json")
    assert r.exit_code == 1, r
    out = json.loads(r.stdout)
    assert out["clean"] is False and out["copies"] and out["problems"] >= 1


def test_backup_and_restore_report_json(signed: dict[str, Any], tmp_path: Path) -> None:
    out = _json("backup", tmp_path / "nas", "--json")
    assert out["clean"] is True and out["documents"] == 2 and out["versions"] == 4 and out["copied"] > 0
    assert Path(out["path"]) == tmp_path / "nas" and out["snapshot"]
    out = _json("restore", tmp_path / "nas", "--archive", tmp_path / "restored", "--json")
    assert out["clean"] is True and out["documents"] == 2 and Path(out["path"]) == tmp_path / "restored"


def test_distribute_pull_and_quarantine_report_json(signed: dict[str, Any], tmp_path: Path) -> None:
    out = _json("distribute", "BJ-2026-0001", "--again", "--json")
    assert (out["number"], out["version"], out["status"]) == ("BJ-2026-0001", 3, "signed")
    assert {"department", "label", "path", "sha256"} <= set(out["copies"][0])
    pulled = _json("pull", "BJ-2026-0001", "--as", "finance", "-o", tmp_path, "--json")
    assert [(c["number"], c["version"], c["department"]) for c in pulled] == [("BJ-2026-0001", 3, "finance")]
    assert _json("quarantine", "list", "--json") == []
    assert _json("quarantine", "retry", "--json") == []


def test_quarantine_retry_reports_json(unsigned: dict[str, Any], archive_dir: Path) -> None:
    r = run("void", "BJ-2026-0001", "--note", "客户取消")
    assert r.exit_code == 0, r
    r = run("ingest", unsigned["scan"], "--keep")
    assert r.exit_code == 1 and "quarantined" in r.stdout, r
    r = run("quarantine", "retry", "--json")
    assert r.exit_code == 1, r  # still void: it stays
    out = json.loads(r.stdout)
    assert [o["result"] for o in out] == ["quarantined"] and {"file", "message"} <= set(out[0])
    assert "1 file(s) stay in quarantine" in r.stderr


# versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2", "v2", "V2", "ｖ２", "２", " v2 "])
def test_version_forms(text: str) -> None:
    assert VERSION.convert(text, None, None) == 2


@pytest.mark.parametrize("text", ["v0", "0", "x", "-1", "2.5", "v", "vv2", "v 2", "1" * 30, "٢"])
def test_bad_versions_are_usage_errors(text: str) -> None:
    with pytest.raises(click.BadParameter, match="is not a version"):
        VERSION.convert(text, None, None)


@pytest.mark.parametrize("a, b", [("1", "2"), ("v1", "v2"), ("V1", "ｖ２")])
def test_diff_takes_every_version_form(a: str, b: str, signed: dict[str, Any]) -> None:
    out = _json("diff", "BJ-2026-0001", a, b, "--json")
    assert (out["from_version"], out["to_version"]) == (1, 2)


def test_pull_takes_v_versions(signed: dict[str, Any], tmp_path: Path) -> None:
    pulled = _json("pull", "BJ-2026-0001", "--as", "legal", "--version", "v1", "-o", tmp_path, "--json")
    assert [c["version"] for c in pulled] == [1]


@pytest.mark.parametrize("args", [["diff", "BJ-2026-0001", "v0", "2"], ["diff", "BJ-2026-0001", "1", "x"],
                                  ["pull", "BJ-2026-0001", "--as", "legal", "--version", "v0"],
                                  ["ingest", "scan.pdf", "--as", "BJ-2026-0001", "--version", "x"]])
def test_bad_version_on_the_command_line(args: list[str], signed: dict[str, Any]) -> None:
    r = run(*args)
    assert r.exit_code == 2, r
    assert len(r.stderr.strip().splitlines()) == 1 and "is not a version" in r.stderr and r.stdout == ""


# kinds ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, key", [
    ("quote", "quote"), ("报价单", "quote"), ("QUOTE", "quote"), ("ｑｕｏｔｅ", "quote"), (" 合同 ", "contract"),
    ("合同", "contract"), ("施工合同", "contract"), ("整改通知书", "rectification"), ("整改通知", "rectification"),
    ("整改单", "rectification"), ("竣工验收报告", "acceptance"), ("验收报告", "acceptance"), ("验收", "acceptance"),
    ("保修卡", "warranty"), ("保修", "warranty"),
])
def test_kind_names(name: str, key: str) -> None:
    assert KIND.convert(name, None, None) == key


def test_unknown_kind_lists_the_names() -> None:
    with pytest.raises(click.BadParameter) as caught:
        KIND.convert("发票", None, None)
    message = caught.value.message
    assert "unknown kind '发票'" in message and "quote" in message and "报价单" in message and "验收报告" in message


def test_chinese_kinds_on_the_command_line(signed: dict[str, Any], tmp_path: Path) -> None:
    assert [r["number"] for r in _json("list", "--kind", "合同", "--json")] == ["HT-2026-0001"]
    assert _json("list", "--kind", "报价单", "--json") == _json("list", "--kind", "quote", "--json")
    hits = _json("search", "拆除", "--kind", "报价单", "--json")
    assert hits and {h["kind"] for h in hits} == {"quote"}
    pulled = _json("pull", "--as", "legal", "--kind", "报价单", "--since", "2026-01-01", "-o", tmp_path, "--json")
    assert [c["number"] for c in pulled] == ["BJ-2026-0001"]
    made = _json("new", "合同", signed["work"] / "contract.yaml", "--once", "--json")
    assert (made["number"], made["kind"], made["existing"]) == ("HT-2026-0001", "contract", True)


# streams ----------------------------------------------------------------------------------


def test_filed_and_delivered_go_to_stdout(states: dict[str, Any]) -> None:
    r: Result = states["ingested"]
    assert "filed" in r.stdout and "delivered   BJ-2026-0001 v3 [signed] to customer" in r.stdout
    assert "delivered" not in r.stderr and "filed" not in r.stderr


def test_json_keeps_deliveries_off_stdout(unsigned: dict[str, Any]) -> None:
    r = run("ingest", unsigned["scan"], "--keep", "--json")
    assert r.exit_code == 0, r
    out = json.loads(r.stdout)
    assert [o["result"] for o in out] == ["filed"] and out[0]["filed"][0]["number"] == "BJ-2026-0001"
    assert "delivered   BJ-2026-0001 v3 [signed] to customer" in r.stderr


def test_progress_on_stderr_results_on_stdout(signed: dict[str, Any]) -> None:
    r = run("reindex", "--engine", "whoosh")
    assert r.exit_code == 0, r
    assert r.stdout.startswith("reindex: ") and "indexing" in r.stderr and "indexing" not in r.stdout
    r = run("verify")
    assert r.exit_code == 0 and "verify: clean" in r.stdout and r.stderr == "", r
    r = run("void", "HT-2026-0001", "--note", "客户取消")
    assert r.exit_code == 0 and r.stdout.startswith("HT-2026-0001: void") and r.stderr == "", r


# exit codes -------------------------------------------------------------------------------


def _bad_yaml(work: Path) -> Path:
    path = work / "broken.yaml"
    path.write_text("project: [unclosed\n", encoding="utf-8")
    return path


EXIT_CODES = [
    # the command line is wrong: 2
    (["new", "发票", "quote.yaml"], 2, "unknown kind '发票'"),
    (["new", "quote", "quote.yaml", "--from-acceptance", "YS-2026-0001"], 2, "not both"),
    (["new", "quote", "quote.yaml", "--deadline", "2026-12-01"], 2, "--deadline goes with --from-acceptance"),
    (["new", "合同"], 2, "give the contract file to make"),
    (["list", "--kind", "invoice"], 2, "unknown kind 'invoice'"),
    (["list", "--status", "done"], 2, "unknown status 'done'"),
    (["search", "拆除", "--kind", "发票"], 2, "unknown kind '发票'"),
    (["search", "拆除", "--status", "done"], 2, "unknown status 'done'"),
    (["search", "拆除", "--limit", "0"], 2, "--limit"),
    (["diff", "BJ-2026-0001", "v0", "1"], 2, "'v0' is not a version"),
    (["review", "HT-2026-0001", "maybe"], 2, "'maybe' is not one of"),
    (["recheck", "ZG-2026-0001", "--note", "x"], 2, "say the result: --passed or --failed"),
    (["pull", "BJ-2026-0001", "--as", "finance", "--kind", "quote"], 2, "not both"),
    (["pull", "--as", "finance"], 2, "give the document NUMBER"),
    (["pull", "--as", "finance", "--kind", "合同x", "--since", "2026-01-01"], 2, "unknown kind '合同x'"),
    (["ingest", "SCAN", "--version", "1"], 2, "--version goes with --as"),
    (["ingest", "SCAN", "--as", "BJ-2026-0001", "--supersede", "--note", "x"], 2, "--supersede goes with"),
    (["ingest", "SCAN", "--note", "x"], 2, "--note goes with --supersede"),
    (["ingest", "SCAN", "--join"], 2, "--join needs two files"),
    (["reindex", "--engine", "lucene"], 2, "'lucene' is not one of"),
    (["verify", "--chain-head", "abc"], 2, "64 hexadecimal digits"),
    (["show"], 2, "Missing argument 'NUMBER'"),
    (["show", "BJ-2026-0001", "--colour"], 2, "No such option '--colour'"),
    # the document or the archive is wrong: 1
    (["show", "HT-2026-0404"], 1, "no document HT-2026-0404"),
    (["diff", "BJ-2026-0001", "1", "9"], 1, "has no version 9"),
    (["void", "HT-2026-0404", "--note", "x"], 1, "no document HT-2026-0404"),
    (["review", "HT-2026-0001", "approve"], 1, "HT-2026-0001"),
    (["review", "BJ-2026-0001", "submit"], 1, "BJ-2026-0001"),
    (["revise", "BJ-2026-0001", "quote.yaml", "--note", "x"], 1, "BJ-2026-0001"),
    (["new", "quote", "BROKEN"], 1, "broken.yaml"),
    (["new", "quote", "nope.yaml"], 1, "nope.yaml: file does not exist"),
    (["distribute", "HT-2026-0404"], 1, "no document HT-2026-0404"),
    (["pull", "HT-2026-0404", "--as", "finance"], 1, "no document HT-2026-0404"),
    (["pull", "BJ-2026-0001", "--as", "nobody"], 1, "nobody"),
    (["quarantine", "retry", "nope.pdf"], 1, "nope.pdf"),
    (["log", "HT-2026-0404"], 1, "no document HT-2026-0404"),
    (["restore", "NOWHERE", "--archive", "NEWROOT"], 1, "nowhere does not exist"),
]


@pytest.mark.parametrize("args, code, message", EXIT_CODES, ids=[" ".join(a) for a, _, _ in EXIT_CODES])
def test_one_mistake_one_exit_code(args: list[str], code: int, message: str, signed: dict[str, Any],
                                   tmp_path: Path) -> None:
    work = signed["work"]
    spots = {"quote.yaml": str(work / "quote.yaml"), "BROKEN": str(_bad_yaml(tmp_path)), "SCAN": str(signed["scan"]),
             "nope.yaml": str(tmp_path / "nope.yaml"), "NOWHERE": str(tmp_path / "nowhere"),
             "NEWROOT": str(tmp_path / "new-root")}
    r = run(*[spots.get(a, a) for a in args])
    assert r.exit_code == code, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], r
    assert "Traceback" not in r.stderr and "Usage:" not in r.stderr


@pytest.mark.parametrize("args, metavar", [(["new", "-h"], "KIND [FILES]"), (["diff", "-h"], "NUMBER A B"),
                                            (["pull", "-h"], "--version N"), (["list", "-h"], "--kind KIND")])
def test_help_names_the_shared_types(args: list[str], metavar: str) -> None:
    r = run(*args)
    assert r.exit_code == 0 and metavar in r.stdout, r


# what a command that only reads loads: not the libraries of making documents or reading files
HEAVY = ("pydantic", "yaml", "docxtpl", "docx", "jinja2", "openpyxl", "whoosh", "fpdf", "fontTools", "pikepdf",
         "pypdfium2", "PIL", "zxingcpp", "cv2", "numpy", "fastapi", "docgen.kinds.inputs", "docgen.kinds.fields",
         "docgen.intake", "docgen.sheets")
LOADED = """
import json, sys
from docgen.cli import main
try:
    main(sys.argv[1:], prog_name="docgen")
except SystemExit as exc:
    assert not exc.code, exc.code
heavy = sys.argv[0].split(",")
print(json.dumps(sorted({m for m in sys.modules for h in heavy if m == h or m.startswith(h + ".")})))
"""


@pytest.mark.parametrize("args", [("show", "HT-2026-0001"), ("list",), ("list", "--overdue"), ("search", "防水"),
                                  ("log", "HT-2026-0001"), ("diff", "BJ-2026-0001", "1", "2")])
def test_a_command_that_reads_imports_only_what_it_uses(signed: dict[str, Any], archive_dir: Path,
                                                       args: tuple[str, ...]) -> None:
    import os
    import subprocess
    import sys

    assert run("search", "防水").exit_code == 0  # the index up to date: a search only reads
    env = {**os.environ, "DOCGEN_ARCHIVE": str(archive_dir), "DOCGEN_LANGUAGE": "en"}
    # Chinese names, amounts and dates are measured without wcwidth (table._plain_width)
    heavy = HEAVY + (("wcwidth",) if args[0] in ("show", "list") else ())
    r = subprocess.run([sys.executable, "-c", LOADED.replace("sys.argv[0]", repr(",".join(heavy))), *args],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.splitlines()[-1]) == [], r.stdout[-500:]
