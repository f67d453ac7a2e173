"""Signed scans: identified by the code on their pages, checked, filed or quarantined."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import scanmaker
from conftest import ME, SAMPLES, edit, run
from pypdf import PdfReader, PdfWriter

from docgen import pagecode

OLD = time.time() - 3600  # an mtime long past the settle time


def show(number: str) -> dict:  # type: ignore[type-arg]
    r = run("show", number, "--json")
    assert r.exit_code == 0, r
    return json.loads(r.stdout)


def blob(archive: Path, sha: str) -> bytes:
    return (archive / "objects" / sha[:2] / sha).read_bytes()


def versions_count(number: str) -> int:
    return len(show(number)["versions"])


def quarantine_reason(archive_dir: Path, name: str) -> str:
    reason = archive_dir / "quarantine" / f"{name}.reason.txt"
    assert (archive_dir / "quarantine" / name).is_file(), f"{name} is not in quarantine"
    return reason.read_text(encoding="utf-8")


def ingest_quarantined(path: Path, archive_dir: Path, *expected: str, versions: dict[str, int] | None = None) -> str:
    """Ingest a bad file: exit 1, the file moves to quarantine unchanged with a reason, nothing filed."""
    before = {n: versions_count(n) for n in (versions or {"BJ-2026-0001": 1, "HT-2026-0001": 1})}
    data = path.read_bytes()
    r = run("ingest", path)
    assert r.exit_code == 1, r
    assert r.stdout.startswith("quarantined"), r
    assert not path.exists()
    assert (archive_dir / "quarantine" / path.name).read_bytes() == data
    reason = quarantine_reason(archive_dir, path.name)
    for text in expected:
        assert text in r.stdout and text in reason, (text, r.stdout)
    assert "to do:" in reason
    assert {n: versions_count(n) for n in before} == before
    return reason


# filing ---------------------------------------------------------------------


def test_scan_is_filed_as_the_signed_version(scans: Path, archive_dir: Path) -> None:
    scan = scans / "ht.pdf"
    data = scan.read_bytes()
    r = run("ingest", scan)
    assert r.exit_code == 0, r
    assert r.stdout.strip().splitlines() == [  # what was filed, then what was delivered: results, on stdout
        "filed       ht.pdf -> HT-2026-0001 v2 (signed copy of v1, 9 pages, matched by QR code)",
        "delivered   HT-2026-0001 v2 [signed] to customer (第一联 客户留存), finance (第二联 财务), "
        "engineering (第三联 工程), legal (第四联 法务)",
    ]
    assert not scan.exists()  # it is in the archive now
    d = show("HT-2026-0001")
    assert d["status"] == "signed"
    assert d["effective_version"] == 2
    v2 = d["versions"][1]
    assert (v2["status"], v2["signs"], v2["pages"]) == ("signed", 1, 9)
    assert v2["scan"]["matched_by"] == "qr" and v2["scan"]["name"] == "ht.pdf"
    assert blob(archive_dir, v2["files"]["scan"]["sha256"]) == data  # stored unchanged
    # tied to the version it signs: its data and text are those of v1
    v1 = d["versions"][0]
    assert v2["files"]["text"] == v1["files"]["text"] and v2["files"]["data"] == v1["files"]["data"]
    assert (archive_dir / "documents/HT-2026-0001/HT-2026-0001-v2.pdf").read_bytes() == data
    sign = [e for e in d["events"] if e["action"] == "sign"]
    assert sign and sign[0]["from"] == "approved" and sign[0]["to"] == "signed" and sign[0]["version"] == 2
    log = (archive_dir / "logs/intake.log").read_text(encoding="utf-8")
    assert f"{ME} filed       ht.pdf -> HT-2026-0001 v2" in log
    # indexed: the signed version is what search finds, with its text
    found = json.loads(run("search", "装饰装修工程施工合同", "--status", "signed", "--json").stdout)
    assert [(f["number"], f["version"]) for f in found] == [("HT-2026-0001", 2)]
    assert run("verify").exit_code == 0
    r = run("revise", "HT-2026-0001", SAMPLES / "contract.yaml", "--note", "改")
    assert r.exit_code == 1 and "signed" in r.stderr and "not revised" in r.stderr


def test_same_bytes_twice_are_filed_once(scans: Path, archive_dir: Path) -> None:
    shutil.copy(scans / "bj.pdf", scans / "bj (copy).pdf")
    assert run("ingest", scans / "bj.pdf").exit_code == 0
    r = run("ingest", scans / "bj (copy).pdf")
    assert r.exit_code == 0, r
    assert r.stdout.startswith("duplicate   bj (copy).pdf is the same file as BJ-2026-0001 v2")
    assert not (scans / "bj (copy).pdf").exists()
    assert versions_count("BJ-2026-0001") == 2
    assert "duplicate   bj (copy).pdf" in (archive_dir / "logs/intake.log").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["bj-150.pdf", "bj-300.pdf", "bj.tif", "bj-bilevel.pdf"])
def test_resolutions_and_formats(scans: Path, archive_dir: Path, name: str) -> None:
    r = run("ingest", scans / name, "--json")
    assert r.exit_code == 0, r
    out = json.loads(r.stdout)[0]
    assert out["result"] == "filed"
    assert out["filed"][0] == {**out["filed"][0], "number": "BJ-2026-0001", "version": 2, "signs": 1, "pages": 2}
    assert show("BJ-2026-0001")["status"] == "signed"  # a signed quote is an accepted one


def test_phone_photos_of_each_page_are_joined(scans: Path, archive_dir: Path) -> None:
    one = scans / "bj-photo1.jpg"
    r = run("ingest", one, "--keep")
    assert r.exit_code == 1
    assert "BJ-2026-0001 v1 has 2 pages but the scan has 1: pages are missing" in r.stdout
    assert one.exists()  # --keep: quarantine got a copy
    r = run("ingest", one, scans / "bj-photo2.jpg", "--join")
    assert r.exit_code == 0, r
    assert "-> BJ-2026-0001 v2 (signed copy of v1, 2 pages, matched by QR code)" in r.stdout
    v2 = show("BJ-2026-0001")["versions"][1]
    assert PdfReader(archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v2.pdf").get_num_pages() == 2
    # the photos themselves are kept unchanged beside the joined scan
    assert blob(archive_dir, v2["files"]["source1"]["sha256"]) == (archive_dir / "quarantine/bj-photo1.jpg").read_bytes()
    assert "source2" in v2["files"]
    assert not one.exists() and not (scans / "bj-photo2.jpg").exists()


def test_code_in_the_text_layer_only_proposes(scans: Path, archive_dir: Path) -> None:
    reason = ingest_quarantined(
        scans / "bj-textlayer.pdf", archive_dir,
        "no readable QR code on 2 pages; the code in the PDF's text layer proposes BJ-2026-0001 v1, "
        "which only a person can confirm",
    )
    assert "proposed: BJ-2026-0001 v1 (by the code in the PDF's text layer)\n" in reason
    assert ("to do:   look at the pages; if they are BJ-2026-0001's signed paper: "
            "docgen ingest quarantine/bj-textlayer.pdf --as BJ-2026-0001 --version 1\n") in reason
    r = run("ingest", archive_dir / "quarantine/bj-textlayer.pdf", "--as", "BJ-2026-0001", "--version", "1")
    assert r.exit_code == 0, r
    assert "identified by hand" in r.stdout


def test_number_in_the_file_name_only_proposes(scans: Path, archive_dir: Path) -> None:
    named = scans / "BJ-2026-0001 客户签字.pdf"
    shutil.copy(scans / "bj-noqr.pdf", named)
    ingest_quarantined(scans / "bj-noqr.pdf", archive_dir, "no document code found")
    ingest_quarantined(named, archive_dir, "the number in the file name proposes BJ-2026-0001, which only a person")
    r = run("quarantine", "list", "--wide")  # whole cells: the command to run is shown in full
    assert r.exit_code == 0, r
    (row,) = [line for line in r.stdout.splitlines() if line.startswith("BJ-2026-0001 客户签字.pdf")]
    assert "  BJ-2026-0001 (by the number in the file name)  " in row
    assert row.endswith("  look at the pages; if they are BJ-2026-0001's signed paper: "
                        "docgen ingest 'quarantine/BJ-2026-0001 客户签字.pdf' --as BJ-2026-0001")
    assert r.stdout.splitlines()[0].split() == ["file", "checked", "reason", "proposed", "to-do"]
    (item,) = [q for q in json.loads(run("quarantine", "list", "--json").stdout) if q["proposed"]]
    assert item["proposed"] == "BJ-2026-0001 (by the number in the file name)"


def test_blanked_codes_under_a_misleading_name_are_not_filed(scans: Path, archive_dir: Path) -> None:
    """A quote whose codes are blotted out, named for the contract: proposed, never filed or delivered."""
    misleading = scans / "HT-2026-0001.pdf"
    shutil.copy(scans / "bj-noqr.pdf", misleading)
    reason = ingest_quarantined(misleading, archive_dir, "the number in the file name proposes HT-2026-0001")
    assert "proposed: HT-2026-0001 (by the number in the file name)" in reason
    assert show("HT-2026-0001")["status"] == "approved"
    assert not list((archive_dir / "outbox").rglob("HT-2026-0001*"))
    assert not list((archive_dir / "outbox").rglob("BJ-2026-0001*"))
    for number in ("HT-2026-0001", "BJ-2026-0001"):
        r = run("log", number, "--json")
        assert r.exit_code == 0, r
        assert not [e for e in json.loads(r.stdout) if e.get("department")], number  # no copy went out


def test_batch_scan_is_split_by_its_codes(scans: Path, archive_dir: Path) -> None:
    data = (scans / "batch.pdf").read_bytes()
    r = run("ingest", scans / "batch.pdf")
    assert r.exit_code == 0, r
    assert "-> HT-2026-0001 v2 (pages 1-9), BJ-2026-0001 v2 (pages 10-11)" in r.stdout
    for number, pages in (("HT-2026-0001", 9), ("BJ-2026-0001", 2)):
        v2 = show(number)["versions"][1]
        part = archive_dir / f"documents/{number}/{number}-v2.pdf"
        assert PdfReader(part).get_num_pages() == pages == v2["pages"]
        assert blob(archive_dir, v2["files"]["source"]["sha256"]) == data  # the batch as scanned


def test_batch_with_a_bad_part_files_the_good_ones(scans: Path, archive_dir: Path) -> None:
    r = run("ingest", scans / "batch-bad.pdf")
    assert r.exit_code == 0, r
    assert "-> BJ-2026-0001 v2 (pages 9-10)" in r.stdout
    assert versions_count("HT-2026-0001") == 1
    (part,) = [p for p in (archive_dir / "quarantine").iterdir() if p.suffix == ".pdf"]
    assert part.name.startswith("batch-bad.") and part.name.endswith(".p1-8.pdf")
    assert PdfReader(part).get_num_pages() == 8
    assert "HT-2026-0001 v1 has 9 pages but the scan has 8" in quarantine_reason(archive_dir, part.name)


def test_rectification_receipt_keeps_the_notice_open(scans: Path) -> None:
    assert run("ingest", scans / "zg.pdf").exit_code == 0
    d = show("ZG-2026-0001")
    assert d["status"] == "issued" and d["effective_version"] == 2
    r = run("recheck", "ZG-2026-0001", "--passed", "--note", "复查合格", "--date", "2026-12-20")
    assert r.exit_code == 0, r
    d = show("ZG-2026-0001")
    assert d["status"] == "closed" and d["effective_version"] == 3  # the re-inspection stands


# checks before filing -------------------------------------------------------


def test_forged_code_is_quarantined(scans: Path, archive_dir: Path) -> None:
    ingest_quarantined(scans / "bj-forged.pdf", archive_dir, "check characters do not match")


def test_unknown_document_is_quarantined(scans: Path, archive_dir: Path) -> None:
    ingest_quarantined(scans / "unknown.pdf", archive_dir, "HT-2026-0099 is not in this archive")


def test_void_document_is_quarantined(scans: Path, archive_dir: Path) -> None:
    assert run("void", "BJ-2026-0001", "--note", "客户取消").exit_code == 0
    ingest_quarantined(scans / "bj.pdf", archive_dir, "BJ-2026-0001 is void (客户取消)")


def test_missing_pages_are_quarantined(scans: Path, archive_dir: Path) -> None:
    ingest_quarantined(
        scans / "ht-missing.pdf", archive_dir, "HT-2026-0001 v1 has 9 pages but the scan has 8: pages are missing"
    )


def test_contract_needs_legal_approval_then_retry(scans: Path, archive_dir: Path) -> None:
    ingest_quarantined(
        scans / "ht2.pdf", archive_dir, "HT-2026-0002 v1 is draft: it is signed only after legal review",
        versions={"HT-2026-0002": 1},
    )
    r = run("quarantine", "list", "--wide")
    assert "ht2.pdf" in r.stdout and "legal review" in r.stdout
    assert "  approve it (docgen review HT-2026-0002 approve)" in r.stdout
    r = run("quarantine", "retry", "ht2.pdf")
    assert r.exit_code == 1 and "stays in quarantine" in r.stdout
    assert run("review", "HT-2026-0002", "submit").exit_code == 0
    assert run("review", "HT-2026-0002", "approve").exit_code == 0
    r = run("quarantine", "retry")
    assert r.exit_code == 0, r
    assert "filed       ht2.pdf -> HT-2026-0002 v2" in r.stdout
    assert not list((archive_dir / "quarantine").iterdir())  # the scan and its reason file are gone
    assert run("quarantine", "list").stdout.strip() == "quarantine is empty"


def test_outdated_version_then_filed_by_hand(scans: Path, archive_dir: Path, work: Path) -> None:
    edit(work / "quote.yaml", lambda d: d.update(valid_days=45))
    assert run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "客户要求").exit_code == 0
    ingest_quarantined(
        scans / "bj.pdf", archive_dir, "the customer signed BJ-2026-0001 v1, but v2 replaced it",
        versions={"BJ-2026-0001": 2},
    )
    assert "--as BJ-2026-0001 --version 1 --supersede" in quarantine_reason(archive_dir, "bj.pdf")
    quarantined = archive_dir / "quarantine/bj.pdf"
    r = run("ingest", quarantined, "--as", "BJ-2026-0001", "--version", "1")
    assert r.exit_code == 1, r
    assert r.stderr.strip() == (
        "Error: bj.pdf: v2 replaced BJ-2026-0001 v1 on " + show("BJ-2026-0001")["versions"][1]["created"][:10]
        + ": filing this signed copy of v1 would make the old version the effective one; "
        'have v2 signed; if v1 is what stands, say why: --supersede --note "REASON"'
    )
    assert versions_count("BJ-2026-0001") == 2 and quarantined.exists()
    r = run("ingest", quarantined, "--as", "BJ-2026-0001", "--version", "1", "--supersede")
    assert r.exit_code == 2 and '--supersede needs the reason: --note "why the old version stands"' in r.stderr
    r = run("ingest", quarantined, "--as", "BJ-2026-0001", "--supersede", "--note", "x")
    assert r.exit_code == 2 and "--supersede goes with --as NUMBER --version N" in r.stderr
    assert versions_count("BJ-2026-0001") == 2
    r = run("ingest", quarantined, "--as", "BJ-2026-0001", "--version", "1", "--supersede",
            "--note", "客户不同意v2的工期，按v1签字")
    assert r.exit_code == 0, r
    assert "-> BJ-2026-0001 v3 (signed copy of v1, 2 pages, identified by hand)" in r.stdout
    (event,) = [e for e in json.loads(run("log", "BJ-2026-0001", "--json").stdout) if e.get("action") == "sign"]
    assert event["note"] == (
        "bj.pdf: signed copy of v1 (identified by hand); supersedes v2: 客户不同意v2的工期，按v1签字"
    )
    d = show("BJ-2026-0001")
    v3 = d["versions"][2]
    assert (v3["signs"], v3["scan"]["matched_by"], v3["actor"]) == (1, "manual", ME)
    assert d["status"] == "signed" and d["effective_version"] == 3  # the signed quote stands
    assert not (archive_dir / "quarantine/bj.pdf.reason.txt").exists()


def test_second_scan_of_a_signed_version(scans: Path, archive_dir: Path) -> None:
    assert run("ingest", scans / "bj.pdf").exit_code == 0
    ingest_quarantined(
        scans / "bj-150.pdf", archive_dir, "BJ-2026-0001 v1 is already signed: v2 was filed on",
        versions={"BJ-2026-0001": 2},
    )
    r = run("ingest", archive_dir / "quarantine/bj-150.pdf", "--as", "BJ-2026-0001")
    assert r.exit_code == 0, r
    assert show("BJ-2026-0001")["versions"][2]["signs"] == 1


def test_by_hand_refuses_what_a_person_cannot_fix(scans: Path, archive_dir: Path) -> None:
    r = run("ingest", scans / "ht-missing.pdf", "--as", "HT-2026-0001")
    assert r.exit_code == 1 and "has 9 pages but the scan has 8" in r.stderr
    assert (scans / "ht-missing.pdf").exists()  # stays where it was
    r = run("ingest", scans / "bj.pdf", "--as", "HT-2026-0001")
    assert r.exit_code == 1 and "carries the code of BJ-2026-0001, not HT-2026-0001" in r.stderr
    r = run("ingest", scans / "bj-noqr.pdf", "--as", "HT-2026-0404")
    assert r.exit_code == 1 and "HT-2026-0404 is not in this archive" in r.stderr
    assert not (archive_dir / "quarantine").exists()


def test_generated_pdf_is_not_a_signed_scan(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    generated = tmp_path / "BJ-2026-0001-v1.pdf"
    shutil.copy(archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.pdf", generated)
    ingest_quarantined(generated, archive_dir, "is the generated PDF of BJ-2026-0001 v1 itself")
    resaved = tmp_path / "resaved.pdf"  # the same pages saved again: no scanned image on them
    writer = PdfWriter()
    writer.append(PdfReader(archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.pdf"))
    writer.add_metadata({"/Producer": "another tool"})
    writer.write(resaved)
    ingest_quarantined(resaved, archive_dir, "hold no scanned image")
    # a person's --as does not make either of them signed
    for path, why in ((generated, "this is the generated PDF of BJ-2026-0001 v1 itself, not a scan of the signed paper"),
                      (resaved, "pages 1-2 hold no scanned image: this is a PDF saved from the generated file")):
        path = archive_dir / "quarantine" / path.name
        r = run("ingest", path, "--as", "BJ-2026-0001")
        assert r.exit_code == 1, r
        assert r.stderr.startswith(f"Error: {path.name}: {why}"), r
        assert "print it, have it signed, and scan the signed paper" in r.stderr
        assert versions_count("BJ-2026-0001") == 1 and path.exists()


def test_file_name_naming_another_document(scans: Path, archive_dir: Path) -> None:
    misnamed = scans / "BJ-2026-0001-signed.pdf"
    shutil.copy(scans / "ht.pdf", misnamed)
    ingest_quarantined(misnamed, archive_dir, "named for BJ-2026-0001 but its pages carry HT-2026-0001")


# bad input ------------------------------------------------------------------


def _old(path: Path) -> Path:
    os.utime(path, (OLD, OLD))
    return path


def test_bad_files_are_quarantined_with_a_reason(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    pdf = (scans / "bj.pdf").read_bytes()
    (bad / "empty.pdf").write_bytes(b"")
    (bad / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (bad / "corrupt.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(4000) + b"\n%%EOF\n")
    writer = PdfWriter()
    writer.append(PdfReader(scans / "bj.pdf"))
    writer.encrypt(user_password="1234", owner_password="5678")
    writer.write(bad / "locked.pdf")
    (bad / "memo.jpg").write_bytes(scanmaker.blank_photo())
    (bad / "notes.txt").write_text("客户电话 13900001111", encoding="utf-8")
    (bad / "setup.exe").write_bytes(b"MZ\x90\x00" + os.urandom(2000))
    (bad / "photo.pdf").write_bytes((scans / "bj-photo1.jpg").read_bytes())
    expected = {
        "empty.pdf": "the file is empty (0 bytes)",
        "truncated.pdf": "the PDF ends early",
        "corrupt.pdf": "the PDF is damaged and cannot be read",
        "locked.pdf": "the PDF is protected by a password",
        "memo.jpg": "no document code found",
        "notes.txt": "not a scan",
        "setup.exe": "not a scan",
        "photo.pdf": "the file is named .pdf but is a JPEG file",
    }
    for name in expected:
        _old(bad / name)
    for name, text in expected.items():
        ingest_quarantined(bad / name, archive_dir, text)
    assert run("verify").exit_code == 0


def test_huge_file_over_the_limit(scans: Path, archive_dir: Path) -> None:
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("max_mb = 100", "max_mb = 1"), encoding="utf-8")
    big = scans / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024) + b"\n%%EOF\n")
    ingest_quarantined(big, archive_dir, "above the 1 MB limit ([intake] max_mb in docgen.toml)")


def test_a_file_still_being_written_waits(scans: Path, archive_dir: Path) -> None:
    pdf = (scans / "bj.pdf").read_bytes()
    growing = scans / "growing.pdf"
    growing.write_bytes(pdf[:5000])
    r = run("ingest", growing)
    assert r.exit_code == 1 and r.stdout.startswith("waiting     growing.pdf the PDF ends early")
    assert growing.exists() and not (archive_dir / "quarantine").exists()
    (scans / "empty.pdf").write_bytes(b"")
    assert run("ingest", scans / "empty.pdf").stdout.startswith("waiting")
    growing.write_bytes(pdf)
    assert run("ingest", growing).exit_code == 0


def test_ingest_a_folder_skips_hidden_and_temporary_files(scans: Path, archive_dir: Path) -> None:
    inbox = archive_dir / "inbox"
    inbox.mkdir()
    shutil.copy(scans / "bj.pdf", inbox / "bj.pdf")
    shutil.copy(scans / "ht.pdf", inbox / "ht.pdf")
    for name in (".DS_Store", "Thumbs.db", "~$draft.pdf", "scan.pdf.part", ".hidden.pdf"):
        (inbox / name).write_bytes(b"x")
    r = run("ingest", inbox)
    assert r.exit_code == 0, r
    assert "[1/2] filed       bj.pdf" in r.stdout and "[2/2] filed       ht.pdf" in r.stdout
    assert "ingest: 2 filed" in r.stdout
    assert sorted(p.name for p in inbox.iterdir()) == sorted(
        [".DS_Store", "Thumbs.db", "~$draft.pdf", "scan.pdf.part", ".hidden.pdf"]
    )


def test_ingest_usage_errors(scans: Path, archive_dir: Path) -> None:
    r = run("ingest", scans / "nothing.pdf")
    assert r.exit_code == 1 and "does not exist" in r.stderr
    r = run("ingest", scans / "bj.pdf", "--version", "1")
    assert r.exit_code == 2 and "--version goes with --as" in r.stderr
    r = run("ingest", scans / "bj.pdf", scans / "ht.pdf", "--as", "BJ-2026-0001")
    assert r.exit_code == 2 and "give one file" in r.stderr
    r = run("ingest", archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.pdf")
    assert r.exit_code == 1 and "is part of the archive itself" in r.stderr
    assert (archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.pdf").exists()
    r = run("quarantine", "retry", "nothing.pdf")
    assert r.exit_code == 1 and "is not in" in r.stderr


def test_identification_reads_every_page(scans: Path) -> None:
    from docgen.archive import scans as reader

    data = (scans / "batch.pdf").read_bytes()
    result = reader.read(data, "pdf")
    codes = [pagecode.parse(p.codes[0]) for p in result.pages]
    assert [(c.number, c.version) for c in codes if c] == [("HT-2026-0001", 1)] * 9 + [("BJ-2026-0001", 1)] * 2
    assert all(p.scanned for p in result.pages)


def test_damaged_and_odd_files_never_stop_intake(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd"
    odd.mkdir()
    jpeg = (scans / "bj-photo1.jpg").read_bytes()
    (odd / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    (odd / "nobox.pdf").write_bytes(
        (scans / "bj.pdf").read_bytes().replace(b"/MediaBox", b"/MediaBax", 1)
    )
    writer = PdfWriter()
    writer.add_blank_page(width=14400, height=14400)  # 5 m square: rendered within a pixel cap
    writer.write(odd / "poster.pdf")
    for f in odd.iterdir():
        _old(f)
    ingest_quarantined(odd / "cut.jpg", archive_dir, "the image ends early")
    ingest_quarantined(odd / "poster.pdf", archive_dir, "no document code found")
    r = run("ingest", odd / "nobox.pdf")
    assert r.exit_code in (0, 1) and "internal error" not in r.stderr, r
    # a file flipped here and there: filed, or quarantined with a reason, never an internal error
    pdf = bytearray((scans / "ht.pdf").read_bytes())
    rng = __import__("random").Random(5)
    for n in range(12):
        broken = bytearray(pdf)
        for _ in range(20):
            broken[rng.randrange(200, len(broken) - 200)] = rng.randrange(256)
        f = odd / f"flipped{n}.pdf"
        f.write_bytes(bytes(broken))
        r = run("ingest", _old(f))
        assert r.stdout.startswith(("filed", "quarantined")) and "internal error" not in r.stderr, r
    assert run("verify").exit_code == 0


def test_a_file_replaced_while_it_is_read_is_not_lost(
    scans: Path, archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docgen.reader import Reader as reader

    inbox = archive_dir / "inbox"
    inbox.mkdir()
    path = inbox / "scan.pdf"
    shutil.copy(scans / "bj.pdf", path)
    real = reader.read

    def read_then_replace(self, data: bytes, fmt: str):  # type: ignore[no-untyped-def]
        result = real(self, data, fmt)
        tmp = inbox / "next.part"
        shutil.copy(scans / "ht.pdf", tmp)
        os.replace(tmp, path)  # the scanner saves its next scan under the same name
        return result

    monkeypatch.setattr(reader, "read", read_then_replace)
    r = run("ingest", path)
    assert r.exit_code == 0 and "-> BJ-2026-0001 v2" in r.stdout and "replaced while it was read" in r.stdout
    monkeypatch.setattr(reader, "read", real)
    assert path.read_bytes() == (scans / "ht.pdf").read_bytes()  # still there, to be taken in
    assert run("ingest", path).exit_code == 0
    assert versions_count("HT-2026-0001") == 2


def test_batch_with_one_document_twice(scans: Path, archive_dir: Path) -> None:
    merged = PdfWriter()
    for name in ("bj.pdf", "ht.pdf", "bj-150.pdf"):
        merged.append(PdfReader(scans / name))
    merged.write(scans / "twice.pdf")
    r = run("ingest", scans / "twice.pdf")
    assert r.exit_code == 0, r
    assert "-> BJ-2026-0001 v2 (pages 1-2), HT-2026-0001 v2 (pages 3-11)" in r.stdout
    (part,) = [p for p in (archive_dir / "quarantine").iterdir() if p.suffix == ".pdf"]
    assert "BJ-2026-0001 v1 appears twice in this batch (also on pages 1-2)" in quarantine_reason(
        archive_dir, part.name
    )


def test_a_page_whose_code_is_covered_at_a_boundary(scans: Path, archive_dir: Path, base: Path) -> None:
    docs = archive_dir / "documents"
    pages = scanmaker.render(docs / "HT-2026-0001/HT-2026-0001-v1.pdf", 200)
    pages[-1] = scanmaker.cover_qr(pages[-1])  # the company seal stamped over the last code
    scanmaker.image_pdf([scanmaker.degrade(p, n) for n, p in enumerate(pages)], scans / "ht-sealed.pdf")
    merged = PdfWriter()
    for name in ("ht-sealed.pdf", "bj.pdf"):
        merged.append(PdfReader(scans / name))
    merged.write(scans / "sealed-batch.pdf")
    r = run("ingest", scans / "sealed-batch.pdf")
    assert r.exit_code == 0, r
    assert "-> HT-2026-0001 v2 (pages 1-9), BJ-2026-0001 v2 (pages 10-11)" in r.stdout
    assert not (archive_dir / "quarantine").exists()


def test_by_hand_with_a_version_the_paper_contradicts(scans: Path, archive_dir: Path) -> None:
    r = run("ingest", scans / "bj.pdf", "--as", "BJ-2026-0001", "--version", "2")
    assert r.exit_code == 1 and "carries the code of BJ-2026-0001 v1, not v2" in r.stderr
    assert run("ingest", scans / "bj.pdf", "--as", "BJ-2026-0001").exit_code == 0
    shutil.copy(archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v2.pdf", scans / "again.pdf")
    r = run("ingest", scans / "again.pdf", "--as", "BJ-2026-0001")
    assert r.exit_code == 0 and r.stdout.startswith("duplicate")


def test_hidden_and_system_folders_are_not_taken_in(scans: Path, archive_dir: Path) -> None:
    inbox = archive_dir / "inbox"
    for folder in ("@eaDir", ".snapshot", "#recycle"):
        (inbox / folder).mkdir(parents=True)
        shutil.copy(scans / "bj.pdf", inbox / folder / "bj.pdf")
    shutil.copy(scans / "ht.pdf", inbox / "ht.pdf")
    r = run("ingest", inbox)
    assert r.exit_code == 0 and "bj.pdf" not in r.stdout and "filed       ht.pdf" in r.stdout


def test_a_damaged_archive_copy_is_restored_by_the_same_file(scans: Path, archive_dir: Path) -> None:
    data = (scans / "bj.pdf").read_bytes()
    assert run("ingest", scans / "bj.pdf").exit_code == 0
    sha = show("BJ-2026-0001")["versions"][1]["files"]["scan"]["sha256"]
    stored = archive_dir / "objects" / sha[:2] / sha
    stored.chmod(0o644)
    stored.write_bytes(data[:-10] + b"0123456789")
    assert run("verify").exit_code == 1
    (scans / "again.pdf").write_bytes(data)
    r = run("ingest", scans / "again.pdf")
    assert r.exit_code == 0 and "damaged or missing copy was restored from it" in r.stdout
    assert stored.read_bytes() == data
    assert run("verify").exit_code == 0


@pytest.mark.parametrize("point", ["intake:stored", "intake:committed", "intake:reason-written"])
def test_killed_at_each_step_loses_nothing(scans: Path, archive_dir: Path, point: str) -> None:
    """kill -9 at the riskiest moments: blobs stored but not committed; committed but the
    file not yet removed; the reason written but the file not yet moved to quarantine."""
    from conftest import run_process

    name = "bj-forged.pdf" if point == "intake:reason-written" else "bj.pdf"
    inbox = archive_dir / "inbox"
    inbox.mkdir()
    shutil.copy(scans / name, inbox / name)
    killed = run_process("ingest", inbox / name, env={"DOCGEN_FAILPOINT": point})
    assert killed.returncode == -9, killed
    assert (inbox / name).exists()  # nothing left the inbox
    again = run_process("ingest", inbox / name)
    assert not (inbox / name).exists()
    signed = [v for v in show("BJ-2026-0001")["versions"] if v["signs"]]
    if point == "intake:reason-written":
        assert again.returncode == 1 and signed == []
        assert (archive_dir / "quarantine" / name).is_file() and len(list((archive_dir / "quarantine").iterdir())) == 2
    else:
        assert again.returncode == 0, again
        assert len(signed) == 1  # filed once
        expected = "duplicate" if point == "intake:committed" else "filed"
        assert again.stdout.startswith(expected), again
    r = run("verify")
    assert r.exit_code == 0, r  # no orphaned blobs, no missing readable copies


# the pages are the document's pages -------------------------------------------


def test_foreign_pages_with_a_pasted_genuine_code_are_not_filed(scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    """The notice's pages, each with the quote's genuine code pasted over its own."""
    docs = archive_dir / "documents"
    quote = scanmaker.render(docs / "BJ-2026-0001/BJ-2026-0001-v1.pdf", 200)
    codes = [scanmaker.read_code(im) for im in quote]
    notice = scanmaker.render(docs / "ZG-2026-0001/ZG-2026-0001-v1.pdf", 200)
    forged = [scanmaker.degrade(scanmaker.replace_qr(im, code), n) for n, (im, code) in enumerate(zip(notice, codes))]
    path = scanmaker.image_pdf(forged, scans / "pasted.pdf")
    reason = ingest_quarantined(
        path, archive_dir, "page 1 does not match BJ-2026-0001 v1 page 1: the printed text differs (around "
    )
    assert "% down, " in reason and "% across)" in reason
    r = run("ingest", archive_dir / "quarantine/pasted.pdf", "--as", "BJ-2026-0001")
    assert r.exit_code == 1 and "page 1 does not match BJ-2026-0001 v1 page 1" in r.stderr, r
    assert versions_count("BJ-2026-0001") == 1


def test_a_changed_amount_is_not_filed(scans: Path, archive_dir: Path) -> None:
    pdf = archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.pdf"
    pages = scanmaker.render(pdf, 200)
    pages[1] = scanmaker.change_text(pdf, 2, "¥51,299.99", "¥31,299.99")
    path = scanmaker.image_pdf([scanmaker.degrade(im, n) for n, im in enumerate(pages)], scans / "edited.pdf")
    reason = ingest_quarantined(
        path, archive_dir, "page 2 does not match BJ-2026-0001 v1 page 2: the printed text differs"
    )
    assert "to do:   compare the paper with the generated document" in reason


def test_a_page_that_cannot_be_laid_over_waits_for_a_person(scans: Path, archive_dir: Path) -> None:
    """A phone photo whose code is blotted out: nothing to align it by; a person may file it."""
    pdf = archive_dir / "documents/BJ-2026-0001/BJ-2026-0001-v1.pdf"
    page2 = scanmaker.cover_qr(scanmaker.render(pdf, 250, [2])[0])
    (scans / "p2.jpg").write_bytes(scanmaker.phone_photo(page2, seed=1))
    r = run("ingest", scans / "bj-photo1.jpg", scans / "p2.jpg", "--join")
    assert r.exit_code == 1, r
    assert r.stderr.startswith(
        "Error: bj-photo1.jpg (+1 joined): 1 page could not be compared with BJ-2026-0001 v1: "
        "page 2: its code could not be read"), r
    assert "does not match" not in r.stderr
    assert versions_count("BJ-2026-0001") == 1
    r = run("ingest", scans / "bj-photo1.jpg", scans / "p2.jpg", "--join", "--as", "BJ-2026-0001")
    assert r.exit_code == 0, r
    assert versions_count("BJ-2026-0001") == 2


def test_an_unsigned_print_waits_for_a_person(scans: Path, archive_dir: Path) -> None:
    ht = archive_dir / "documents/HT-2026-0001/HT-2026-0001-v1.pdf"
    path = scanmaker.scan(ht, scans / "unsigned.pdf", 200, seed=7, signed=False)
    reason = ingest_quarantined(
        path, archive_dir, "the signature fields are empty: 甲方（签字） on page 7, 委托代理人（签字） on page 7, "
        "乙方（盖章） on page 7, 法定代表人或委托代理人（签字） on page 7"
    )
    assert "docgen ingest quarantine/unsigned.pdf --as HT-2026-0001 --version 1" in reason
    r = run("ingest", archive_dir / "quarantine/unsigned.pdf", "--as", "HT-2026-0001")
    assert r.exit_code == 0, r  # a person looked: signed where docgen does not look, say
    assert show("HT-2026-0001")["status"] == "signed"
