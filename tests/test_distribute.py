"""Copies for departments: rules, 联次 labels, masking, delivery, supersede notices, pulls, the log."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import run
from pypdf import PdfReader

ID, PHONE = "440308199001011239", "13812345678"
MASKED_ID, MASKED_PHONE = "440308********1239", "138****5678"


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
    """Not in the text of any page however spaced, not in the metadata, not in the file's bytes."""
    from docgen.distribute import leaks

    text = pdf_text(path)
    assert leaks(text, [(ID, ""), (PHONE, "")]) == []
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
           "engineering (第三联 工程), legal (第四联 法务)" in r.stdout
    out = archive_dir / "outbox"
    copies = {d: out / d / f"HT-2026-0001_v2_{n}联.pdf" for d, n in
              (("customer", "客户"), ("finance", "财务"), ("engineering", "工程"), ("legal", "法务"))}
    labels = {"customer": "第一联 客户留存", "finance": "第二联 财务", "engineering": "第三联 工程",
              "legal": "第四联 法务"}
    for dept, path in copies.items():
        assert path.is_file(), dept
        assert labels[dept].replace(" ", "") in first_page_text(path)
        assert PdfReader(path).get_num_pages() == 9
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
    assert "delivered   ZG-2026-0001 v2 [issued] to engineering (第一联 工程); superseded: engineering v1" in r.stdout
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
        (("pull", "ZG-2026-0001", "--as", "finance"), "finance (财务) may not pull a rectification notice"),
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
    assert any(e["action"] == "refused" and "may not pull a rectification notice" in e["note"] for e in log)


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
    assert "delivered   HT-2026-0001 v2 [signed]" in r.stdout
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
    line = next(n for n, text in enumerate(toml.read_text(encoding="utf-8").splitlines(), 1) if change[1].split("\n")[-1] in text)
    assert r.exit_code == 1 and message in r.stderr and f"docgen.toml line {line}:" in r.stderr, r


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

    assert run("ingest", scans / "ht.pdf").exit_code == 0  # a report needs the signed contract
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


def test_personal_data_written_another_way_is_masked_too(scans: Path, archive_dir: Path, work: Path,
                                                         tmp_path: Path) -> None:
    from conftest import edit

    edit(work / "contract.yaml", lambda d: d["special_terms"].append(
        "紧急联系电话 138-1234-5678，身份证 440308 19900101 1239，请妥善保管。"))
    r = run("new", "contract", work / "contract.yaml", "--json")
    assert r.exit_code == 0, r
    number = json.loads(r.stdout)["number"]
    assert "138-1234-5678" in pdf_text(Path(json.loads(r.stdout)["files"]["pdf"]))  # the document has it
    r = run("pull", number, "--as", "finance", "--version", "1", "-o", tmp_path)
    assert r.exit_code == 0, r
    copy = tmp_path / f"{number}_v1_财务联.pdf"
    assert_no_personal_data(copy)
    assert "138****5678" in pdf_text(copy)


def test_two_deliveries_at_once_record_each_copy_once(scans: Path, archive_dir: Path) -> None:
    from conftest import run_process

    toml = archive_dir / "docgen.toml"
    original = toml.read_text(encoding="utf-8")
    toml.write_text(original.replace('outbox = "outbox/finance"', f'outbox = "{archive_dir}/docgen.toml/x"'),
                    encoding="utf-8")
    assert run("ingest", scans / "ht.pdf").exit_code == 0  # filed; not delivered (finance's outbox is bad)
    toml.write_text(original, encoding="utf-8")
    procs = [subprocess.Popen([__import__("sys").executable, "-m", "docgen.cli", "distribute", "HT-2026-0001"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    rows = [r for r in ledger("HT-2026-0001") if r["action"] == "delivered"]
    assert sorted(r["department"] for r in rows) == ["customer", "engineering", "finance", "legal"], outs
    assert run_process("verify").returncode == 0


def test_killed_after_the_copies_are_in_place(scans: Path, archive_dir: Path) -> None:
    """kill -9 between putting the copies in the outboxes and recording them: the next command
    records the delivery, and nothing is delivered twice or left half-written."""
    from conftest import run_process

    killed = run_process("ingest", scans / "ht.pdf", env={"DOCGEN_FAILPOINT": "distribute:renamed"})
    assert killed.returncode == -9
    assert [r for r in ledger("HT-2026-0001") if r["action"] == "delivered"] == []
    again = run_process("review", "HT-2026-0002", "submit")  # any command that writes syncs the queue
    rows = [r for r in ledger("HT-2026-0001") if r["action"] == "delivered"]
    assert sorted(r["department"] for r in rows) == ["customer", "engineering", "finance", "legal"], again
    outbox = archive_dir / "outbox"
    assert sorted(p.name for p in outbox.rglob("HT-2026-0001*")) == sorted(
        ["HT-2026-0001_v2_客户联.pdf", "HT-2026-0001_v2_财务联.pdf", "HT-2026-0001_v2_工程联.pdf",
         "HT-2026-0001_v2_法务联.pdf"])
    assert not list(outbox.rglob(".*.part"))


def test_batch_pull_and_log_refuse_unknown_departments(scans: Path, tmp_path: Path) -> None:
    r = run("pull", "--as", "marketing", "--kind", "contract", "--since", "2099-01-01", "-o", tmp_path)
    assert r.exit_code == 1 and "unknown department 'marketing'" in r.stderr
    r = run("pull", "--as", "engineering", "--kind", "quote", "--since", "2099-01-01", "-o", tmp_path)
    assert r.exit_code == 1 and "engineering (工程) may not pull a quote" in r.stderr
    r = run("log", "--as", "marketing")
    assert r.exit_code == 1 and "unknown department 'marketing'" in r.stderr
    refused = [e for e in ledger() if e["action"] == "refused"]
    assert len(refused) == 2


def test_contract_signed_after_approval_supersedes_the_approved_copy(scans: Path, archive_dir: Path) -> None:
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "[distribution.contract.signed]", '[distribution.contract.approved]\nlegal = "法务审核联"\n'
        'sales = "销售联"\n\n[distribution.contract.signed]').replace(
        "[departments.archive]", '[departments.sales]\nname = "销售"\noutbox = "outbox/sales"\n'
        'personal_data = "full"\npull = ["contract"]\n\n[departments.archive]'), encoding="utf-8")
    r = run("distribute", "HT-2026-0001")  # approved: legal and sales get v1
    assert r.exit_code == 0, r
    assert run("ingest", scans / "ht.pdf").exit_code == 0  # signed: v2 to the four; sales is left out
    sales = archive_dir / "outbox" / "sales"
    notice = (sales / "HT-2026-0001_v1_销售联_已被第2版取代.txt").read_text(encoding="utf-8")
    assert "新版本不再分发给本部门" in notice
    assert (archive_dir / "outbox/legal/HT-2026-0001_v1_法务联_已被第2版取代.txt").is_file()
    superseded = [(r["department"], r["version"]) for r in ledger("HT-2026-0001") if r["action"] == "superseded"]
    assert sorted(superseded) == [("legal", 1), ("sales", 1)]


def test_voiding_a_delivered_document_tells_every_holder(scans: Path, archive_dir: Path) -> None:
    eng = archive_dir / "outbox" / "engineering"
    assert (eng / "ZG-2026-0001_v1_工程联.pdf").is_file()
    r = run("void", "ZG-2026-0001", "--note", "重复开具")
    assert r.exit_code == 0, r
    assert "withdrawn   ZG-2026-0001: void notice to engineering" in r.stdout  # English: the suite's language
    notice = (eng / "ZG-2026-0001_v1_工程联_已作废.txt").read_text(encoding="utf-8")
    assert "ZG-2026-0001 已作废（重复开具）" in notice
    assert [r["action"] for r in ledger("ZG-2026-0001", "engineering")] == ["delivered", "withdrawn"]
    r = run("pull", "ZG-2026-0001", "--as", "engineering")
    assert r.exit_code == 1 and "no effective version (void)" in r.stderr


def test_signed_warranty_card_goes_to_customer_engineering_and_archive(
    scans: Path, archive_dir: Path, work: Path
) -> None:
    import scanmaker
    from conftest import edit

    assert run("recheck", "ZG-2026-0001", "--passed", "--note", "复查合格", "--date", "2026-12-21").exit_code == 0
    assert run("ingest", scans / "ht.pdf").exit_code == 0  # a report needs the signed contract
    report = json.loads(run("new", "acceptance", work / "acceptance-2.yaml", "--json").stdout)
    edit(work / "warranty.yaml", lambda d: d.update(acceptance=report["number"]))
    r = run("new", "warranty", work / "warranty.yaml", "--json")
    assert r.exit_code == 0, r
    card = json.loads(r.stdout)
    assert not [e for e in ledger(card["number"]) if e["action"] == "delivered"]  # issued: no rule by default
    scanmaker.scan(Path(card["files"]["pdf"]), scans / "bx.pdf", 200, seed=3)
    assert run("ingest", scans / "bx.pdf").exit_code == 0
    rows = [r for r in ledger(card["number"]) if r["action"] == "delivered"]
    assert [(r["department"], r["label"]) for r in rows] == [
        ("customer", "第一联 客户留存"), ("engineering", "第二联 工程（售后）"), ("archive", "第三联 档案"),
    ]
    assert_no_personal_data(Path(rows[1]["path"]))
    assert "第二联工程（售后）" in first_page_text(Path(rows[1]["path"]))
