"""Bad input: one clear line on stderr, exit 1, no traceback, nothing archived."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import docx
import pytest
from conftest import ROOT, edit, new, run


def archived_counts(root: Path) -> tuple[int, int, int, int]:
    db = root / "catalog.sqlite"
    if not db.exists():
        return (0, 0, 0, 0)
    con = sqlite3.connect(db)
    counts = tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                   for t in ("documents", "versions", "counters", "files"))
    con.close()
    blobs = [p for p in (root / "objects").rglob("*") if p.is_file()] if (root / "objects").exists() else []
    return counts if not blobs else (*counts[:3], counts[3] + len(blobs))  # type: ignore[return-value]


def set_item(field: str, value: object):  # type: ignore[no-untyped-def]
    def change(d: dict) -> None:
        d["sections"][0]["items"][1][field] = value
    return change


QUOTE_CASES = {
    "missing-quantity": (lambda d: d["sections"][0]["items"][1].pop("quantity"),
                         "sections[0].items[1].quantity: is missing"),
    "unknown-field": (set_item("quantty", "3"), "sections[0].items[1].quantty: is not a known field"),
    "non-numeric-quantity": (set_item("quantity", "十二"), "sections[0].items[1].quantity: \"十二\" is not a number: write digits, as in 12.5"),
    "negative-quantity": (set_item("quantity", "-2"), "sections[0].items[1].quantity: must be greater than 0"),
    "negative-price": (set_item("unit_price", "-45"), "sections[0].items[1].unit_price: must not be negative"),
    "no-sections": (lambda d: d.update(sections=[]), "sections: is empty; give at least one entry"),
    "bad-date": (lambda d: d.update(date="2026-13-45"), "date: "),
    "missing-project-file": (lambda d: d.update(project="nowhere/project.yaml"),
                             "project: file nowhere/project.yaml does not exist"),
    "unknown-project-code": (lambda d: d.update(project="P-1999-0042"),
                             "project: P-1999-0042 is neither a file nor a project in the archive"),
    "fee-rate-too-high": (lambda d: d.update(management_fee_rate="0.8"), "management_fee_rate: "),
}


@pytest.mark.parametrize("case", sorted(QUOTE_CASES))
def test_bad_quote(case: str, work: Path, archive_dir: Path) -> None:
    change, message = QUOTE_CASES[case]
    path = edit(work / "quote.yaml", change)
    r = run("new", "quote", path)
    assert r.exit_code == 1, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert message in lines[0], lines[0]
    assert "Traceback" not in r.stderr
    assert archived_counts(archive_dir) == (0, 0, 0, 0)


CONTRACT_CASES = {
    "percent-not-100": (lambda d: d["payments"][3].update(percent=15),
                        "payments: percentages add up to 110%, not 100%"),
    "percent-90": (lambda d: d["payments"].pop(), "payments: percentages add up to 95%, not 100%"),
    "start-before-sign": (lambda d: d.update(start_date="2026-11-01"),
                          "start_date: 2026-11-01 is before sign_date 2026-11-10"),
    "unknown-quote": (lambda d: d.update(quote="BJ-2026-0099"), "quote: BJ-2026-0099 is not a quote"),
    "price-and-quote": (lambda d: d.update(price="100"), "price: leave it out when quote: is given"),
    "no-price": (lambda d: d.pop("quote"), "price: is missing"),
    "bad-dispute": (lambda d: d.update(dispute="打官司"), "dispute: "),
    "zero-duration": (lambda d: d.update(duration_days=0), "duration_days: "),
}


@pytest.mark.parametrize("case", sorted(CONTRACT_CASES))
def test_bad_contract(case: str, work: Path, archive_dir: Path) -> None:
    change, message = CONTRACT_CASES[case]
    path = edit(work / "contract.yaml", change)
    r = run("new", "contract", path)
    assert r.exit_code == 1, r
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert archived_counts(archive_dir) == (0, 0, 0, 0)


def test_malformed_yaml_names_the_line(work: Path, archive_dir: Path) -> None:
    path = work / "quote.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = "valid_days: [30"
    path.write_text("\n".join(lines), encoding="utf-8")
    r = run("new", "quote", path)
    assert r.exit_code == 1
    assert "quote.yaml: line 7" in r.stderr or "quote.yaml: line 6" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert archived_counts(archive_dir) == (0, 0, 0, 0)


def test_not_a_mapping(work: Path) -> None:
    (work / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    r = run("new", "quote", work / "list.yaml")
    assert r.exit_code == 1 and "expected a mapping" in r.stderr


def test_missing_file(work: Path) -> None:
    r = run("new", "quote", work / "nope.yaml")
    assert r.exit_code == 1 and "nope.yaml: file does not exist" in r.stderr


def test_unknown_kind(work: Path, archive_dir: Path) -> None:
    r = run("new", "invoice", work / "quote.yaml")
    assert r.exit_code == 2  # a usage error: the argument, not the document, is wrong
    assert "unknown kind 'invoice'; use one of: quote, contract" in r.stderr


@pytest.mark.parametrize("args", [("show", "HT-2026-0404"), ("revise", "HT-2026-0404", "x.yaml", "--note", "n"),
                                  ("review", "HT-2026-0404", "submit"), ("diff", "HT-2026-0404", "1", "2")])
def test_unknown_number(args: tuple[str, ...], work: Path) -> None:
    r = run(*args)
    assert r.exit_code == 1, r
    assert "no document HT-2026-0404" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_template_missing_variable_archives_nothing(work: Path, archive_dir: Path) -> None:
    (archive_dir / "templates").mkdir(mode=0o700)  # owner-only, as verify wants the archive's files
    d = docx.Document(str(ROOT / "templates" / "quote.docx"))
    d.add_paragraph("监理：{{ supervisor.name }}")
    d.save(str(archive_dir / "templates" / "quote.docx"))
    (archive_dir / "templates" / "quote.docx").chmod(0o600)
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1
    assert "quote.docx: the template uses a field the data does not have" in r.stderr
    assert "supervisor" in r.stderr
    assert archived_counts(archive_dir)[:2] == (0, 0)
    # the number reserved for it is recorded as unused, with the reason, and never reused
    checked = run("verify")
    assert checked.exit_code == 0 and "BJ-2026-0001" in checked.stdout, checked
    (archive_dir / "templates" / "quote.docx").unlink()
    assert new("quote", work / "quote.yaml")["number"] == "BJ-2026-0002"


def test_failed_input_takes_no_number(work: Path) -> None:
    bad = edit(Path(str(work / "quote.yaml")), set_item("quantity", "-1"))
    assert run("new", "quote", bad).exit_code == 1
    edit(bad, set_item("quantity", "3"))
    assert new("quote", bad)["number"] == "BJ-2026-0001"


def test_bad_settings_are_one_line(work: Path, archive_dir: Path) -> None:
    run("list")
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("waterproof = 5", "waterproof = 3"),
                    encoding="utf-8")
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1
    assert "[warranty] waterproof = 3 is below the legal minimum of 5 years" in r.stderr


def test_debug_shows_traceback_for_internal_errors(work: Path, archive_dir: Path) -> None:
    from conftest import run_process

    assert run("list").exit_code == 0
    with sqlite3.connect(archive_dir / "catalog.sqlite") as con:  # a catalog docgen never makes
        con.execute("DROP TABLE documents")
    quiet = run_process("list", env={"DOCGEN_DEBUG": "0"})
    assert quiet.returncode == 1
    assert "Traceback" not in quiet.stderr and "DOCGEN_DEBUG=1" in quiet.stderr
    loud = run_process("list", env={"DOCGEN_DEBUG": "1"})
    assert loud.returncode == 1 and "Traceback" in loud.stderr


def test_misspelt_key_is_named_before_the_missing_one(work: Path) -> None:
    def change(d: dict) -> None:
        d["sections"][0]["items"][0]["unti"] = d["sections"][0]["items"][0].pop("unit")
    r = run("new", "quote", edit(work / "quote.yaml", change))
    assert r.exit_code == 1
    assert "sections[0].items[0].unti: is not a known field" in r.stderr


def test_wrong_kind_of_file_is_named(work: Path) -> None:
    r = run("new", "contract", work / "quote.yaml")
    assert r.exit_code == 1 and "is this file really a contract?" in r.stderr


def test_choice_message_lists_the_choices(work: Path) -> None:
    r = run("new", "contract", edit(work / "contract.yaml", lambda d: d.update(dispute="打官司")))
    assert 'dispute: must be 仲裁 or 诉讼 (got "打官司")' in r.stderr


def test_folder_instead_of_file(work: Path) -> None:
    r = run("new", "quote", work)
    assert r.exit_code == 1 and "is a folder" in r.stderr


def test_impossible_date_names_field(work: Path, archive_dir: Path) -> None:
    path = work / "quote.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("date: 2026-11-02", "date: 2026-02-30"),
                    encoding="utf-8")
    r = run("new", "quote", path)
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [f"Error: {path}: date: '2026-02-30' is not a date: 2026-02 has 28 days"]
    assert archived_counts(archive_dir) == (0, 0, 0, 0)
