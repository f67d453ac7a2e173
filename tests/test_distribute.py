"""Copies for departments: rules, 联次 labels, masking, delivery, supersede notices, pulls, the log."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import run
from pypdf import PdfReader

ID, PHONE = "440308199001011234", "13812345678"
MASKED_ID, MASKED_PHONE = "440308********1234", "138****5678"


def pdf_text(path: Path, last_page: int | None = None) -> str:
    """The text a reader sees (poppler, as a PDF viewer reads it), without the spaces poppler
    puts between Chinese and Latin characters."""
    pages = ["-l", str(last_page)] if last_page else []
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return out.replace(" ", "")


def first_page_text(path: Path) -> str:
    return pdf_text(path, 1)


def ledger(number: str | None = None, dept: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    args = ["log", *([number] if number else []), *(["--as", dept] if dept else []), "--json"]
    r = run(*args)
    assert r.exit_code == 0, r
    return [e for e in json.loads(r.stdout) if e.get("department")]


def assert_no_personal_data(path: Path) -> None:
    """Not in the text of any page, not in the metadata, not in the file's bytes."""
    text = pdf_text(path)
    assert ID not in text and PHONE not in text
    reader = PdfReader(path)
    meta = " ".join(str(v) for v in (reader.metadata or {}).values())
    assert ID not in meta and PHONE not in meta
    assert "/Metadata" not in reader.trailer["/Root"]
    raw = path.read_bytes()
    assert ID.encode() not in raw and PHONE.encode() not in raw


def test_signed_contract_goes_to_four_departments(scans: Path, archive_dir: Path) -> None:
    r = run("ingest", scans / "ht.pdf")
    assert r.exit_code == 0, r
    assert "delivered   HT-2026-0001 v2 [signed] to customer (第一联 客户留存), finance (第二联 财务), " \
           "engineering (第三联 工程), legal (第四联 法务)" in r.stderr
    out = archive_dir / "outbox"
    copies = {d: out / d / f"HT-2026-0001_v2_{n}联.pdf" for d, n in
              (("customer", "客户"), ("finance", "财务"), ("engineering", "工程"), ("legal", "法务"))}
    labels = {"customer": "第一联 客户留存", "finance": "第二联 财务", "engineering": "第三联 工程",
              "legal": "第四联 法务"}
    for dept, path in copies.items():
        assert path.is_file(), dept
        assert labels[dept].replace(" ", "") in first_page_text(path)
        assert PdfReader(path).get_num_pages() == 6
    # who may see personal data gets the signed scan itself: its pages are the scan's images
    scan_pages = PdfReader(scans.parent / "archive" / "documents/HT-2026-0001/HT-2026-0001-v2.pdf").pages
    for dept in ("customer", "legal"):
        pages = PdfReader(copies[dept]).pages
        assert len(pages[1].images) == 1 and pages[1].images[0].data == scan_pages[1].images[0].data
        assert "签字原件存档备查" not in first_page_text(copies[dept])
    # the others get the generated document, masked, saying the signed original is on file
    for dept in ("finance", "engineering"):
        text = pdf_text(copies[dept])
        assert MASKED_ID in text and MASKED_PHONE in text
        assert "签字原件存档备查（HT-2026-0001第2版扫描件）" in text
        assert_no_personal_data(copies[dept])
    rows = ledger("HT-2026-0001")
    assert sorted(r["department"] for r in rows if r["action"] == "delivered") == sorted(copies)
    for row in rows:
        path = Path(row["path"])
        assert __import__("hashlib").sha256(path.read_bytes()).hexdigest() == row["sha256"]
    # delivered once: the same state delivers nothing new
    r = run("distribute", "HT-2026-0001")
    assert r.exit_code == 0 and "already delivered to customer, finance, engineering, legal" in r.stdout
    assert run("verify").exit_code == 0


def test_reissued_notice_supersedes_the_old_copy(scans: Path, archive_dir: Path) -> None:
    eng = archive_dir / "outbox" / "engineering"
    assert (eng / "ZG-2026-0001_v1_工程联.pdf").is_file()  # issued: engineering got it
    r = run("recheck", "ZG-2026-0001", "--failed", "--note", "仍有空鼓", "--deadline", "2027-01-10",
            "--date", "2026-12-20")
    assert r.exit_code == 0, r
    assert "delivered   ZG-2026-0001 v2 [issued] to engineering (第一联 工程); superseded: engineering v1" in r.stderr
    assert (eng / "ZG-2026-0001_v2_工程联.pdf").is_file()
    notice = (eng / "ZG-2026-0001_v1_工程联_已被第2版取代.txt").read_text(encoding="utf-8")
    assert "ZG-2026-0001 第1版副本已被第2版取代" in notice
    actions = [(r["action"], r["version"]) for r in ledger("ZG-2026-0001", "engineering")]
    assert actions == [("delivered", 1), ("delivered", 2), ("superseded", 1)]


def test_pulls_follow_each_departments_policy(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "pulled"
    r = run("pull", "HT-2026-0001", "--as", "finance", "-o", out)
    assert r.exit_code == 0, r
    copy = out / "HT-2026-0001_v1_财务联.pdf"  # approved, not signed yet: the approved version
    assert "财务联" in first_page_text(copy)
    assert_no_personal_data(copy)
    r = run("pull", "HT-2026-0001", "--as", "legal", "-o", out)
    assert r.exit_code == 0 and ID in pdf_text(out / "HT-2026-0001_v1_法务联.pdf")  # legal sees it all
    refused = [
        (("pull", "ZG-2026-0001", "--as", "finance"), "finance (财务) may not pull rectification documents"),
        (("pull", "HT-2026-0001", "--as", "marketing"), "unknown department 'marketing'"),
        (("pull", "HT-2026-0002", "--as", "legal"), "HT-2026-0002 has no effective version (draft)"),
    ]
    for args, message in refused:
        r = run(*args, "-o", out)
        assert r.exit_code == 1 and message in r.stderr, r
    assert not (out / "ZG-2026-0001_v1_财务联.pdf").exists()
    r = run("pull", "HT-2026-0002", "--as", "legal", "--version", "1", "-o", out)  # a draft, named
    assert r.exit_code == 0, r
    log = ledger()
    assert [e["action"] for e in log if e["department"] in ("finance", "marketing", "legal")].count("refused") == 3
    assert any(e["action"] == "refused" and "may not pull rectification" in e["note"] for e in log)


def test_finance_pulls_last_months_signed_contracts(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    assert run("ingest", scans / "ht.pdf").exit_code == 0
    assert run("review", "HT-2026-0002", "submit").exit_code == 0
    assert run("review", "HT-2026-0002", "approve").exit_code == 0
    assert run("ingest", scans / "ht2.pdf").exit_code == 0
    out = tmp_path / "财务-本月"
    today = __import__("datetime").date.today()
    r = run("pull", "--as", "finance", "--kind", "contract", "--since", today.replace(day=1).isoformat(), "-o", out)
    assert r.exit_code == 0, r
    assert "pull: 2 copies for finance" in r.stdout
    for number in ("HT-2026-0001", "HT-2026-0002"):
        copy = out / f"{number}_v2_财务联.pdf"  # v2: the signed version
        assert "第二联财务" in first_page_text(copy)
        assert f"签字原件存档备查（{number}第2版扫描件）" in pdf_text(copy)
        assert_no_personal_data(copy)
    pulled = [e for e in ledger(dept="finance") if e["action"] == "pulled"]
    assert sorted(e["number"] for e in pulled) == ["HT-2026-0001", "HT-2026-0002"]
    r = run("pull", "--as", "finance", "--kind", "contract", "--since", "2099-01-01", "-o", out)
    assert r.exit_code == 0 and "no contract signed since 2099-01-01" in r.stdout


def test_an_outbox_that_cannot_be_written_delivers_nothing(scans: Path, archive_dir: Path) -> None:
    toml = archive_dir / "docgen.toml"
    blocked = archive_dir / "not-a-folder"
    blocked.write_text("x")
    original = toml.read_text(encoding="utf-8")
    toml.write_text(original.replace('outbox = "outbox/finance"', f'outbox = "{blocked}/finance"'), encoding="utf-8")
    r = run("ingest", scans / "ht.pdf")
    assert r.exit_code == 0, r  # the scan is filed all the same
    assert "copies not delivered: HT-2026-0001: cannot write to" in r.stderr
    assert "nothing of HT-2026-0001 was delivered" in r.stderr
    assert not list((archive_dir / "outbox").rglob("HT-2026-0001*"))
    assert [e for e in ledger("HT-2026-0001") if e["action"] == "delivered"] == []
    r = run("distribute", "HT-2026-0001")
    assert r.exit_code == 1 and "nothing of HT-2026-0001 was delivered" in r.stderr
    toml.write_text(original, encoding="utf-8")  # fixed: the next command delivers what is queued
    r = run("list")
    assert r.exit_code == 0
    r = run("void", "BJ-2026-0001", "--note", "测试")
    assert "delivered   HT-2026-0001 v2 [signed]" in r.stderr
    assert len([e for e in ledger("HT-2026-0001") if e["action"] == "delivered"]) == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[distribution.quote.signed]", "[distribution.quotation.signed]"),
         "[distribution.quotation]: 'quotation' is not a kind"),
        (("[distribution.quote.signed]", "[distribution.quote.sent]"),
         "[distribution.quote.sent]: a quote has no status 'sent'"),
        (('[distribution.quote.signed]\ncustomer =', '[distribution.quote.signed]\nsales ='),
         "names department 'sales', which is not in [departments]"),
        (('personal_data = "masked"', 'personal_data = "hidden"'), 'personal_data = "hidden" must be'),
    ],
)
def test_bad_rules_are_named_with_their_line(archive_dir: Path, change: tuple[str, str], message: str) -> None:
    assert run("list").exit_code == 0  # writes docgen.toml with its defaults
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    assert change[0] in text
    toml.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    r = run("list")
    assert r.exit_code == 1 and message in r.stderr and "docgen.toml line " in r.stderr, r


def test_the_log_shows_who_received_what(scans: Path, tmp_path: Path) -> None:
    assert run("ingest", scans / "ht.pdf").exit_code == 0
    assert run("pull", "HT-2026-0001", "--as", "finance", "-o", tmp_path).exit_code == 0
    assert run("pull", "ZG-2026-0001", "--as", "finance", "-o", tmp_path).exit_code == 1
    r = run("log", "HT-2026-0001", "--json")
    events = json.loads(r.stdout)
    actions = [e["action"] for e in events]
    for action in ("create", "review:submit", "review:approve", "sign", "delivered", "pulled"):
        assert action in actions, action
    assert all(e["sha256"] for e in events if e["action"] in ("sign", "delivered", "pulled"))
    r = run("log", "--as", "finance")
    lines = r.stdout.splitlines()
    assert any("delivered" in line and "第二联 财务" in line for line in lines)
    assert any("pulled" in line for line in lines)
    assert any("refused" in line and "ZG-2026-0001" in line for line in lines)
    assert not any("customer" in line for line in lines)


@pytest.mark.parametrize(
    ("scan", "number", "copies"),
    [
        ("bj.pdf", "BJ-2026-0001", {"customer": "第一联 客户留存", "finance": "第二联 财务"}),
        ("zg.pdf", "ZG-2026-0001", {"engineering": "第一联 工程", "archive": "第二联 档案"}),
    ],
)
def test_signed_quote_and_notice_rules(
    scans: Path, archive_dir: Path, scan: str, number: str, copies: dict[str, str]
) -> None:
    assert run("ingest", scans / scan).exit_code == 0
    delivered = {r["department"]: r for r in ledger(number) if r["action"] == "delivered" and r["version"] == 2}
    assert {d: r["label"] for d, r in delivered.items()} == copies
    for dept, label in copies.items():
        assert label.replace(" ", "") in first_page_text(Path(delivered[dept]["path"]))


def test_signed_acceptance_report_goes_to_four_departments(scans: Path, archive_dir: Path, work: Path) -> None:
    import scanmaker

    r = run("new", "acceptance", work / "acceptance-2.yaml", "--json")
    assert r.exit_code == 0, r
    made = json.loads(r.stdout)
    assert not ledger(made["number"])  # passed, not signed yet: no rule sends it
    scanmaker.scan(Path(made["files"]["pdf"]), scans / "ys.pdf", 200, seed=9)
    assert run("ingest", scans / "ys.pdf").exit_code == 0
    rows = [r for r in ledger(made["number"]) if r["action"] == "delivered"]
    assert [(r["department"], r["label"]) for r in rows] == [
        ("customer", "第一联 客户留存"), ("engineering", "第二联 工程"), ("finance", "第三联 财务"),
        ("archive", "第四联 档案"),
    ]
    for r in rows:
        copy = Path(r["path"])
        if r["department"] in ("engineering", "finance"):
            assert_no_personal_data(copy)
