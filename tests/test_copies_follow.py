"""Copies follow the document: after every status change, each department that ever received
a copy holds the copy of the effective version, or a notice saying why its copy no longer
counts (superseded or void). And the life cycle: a notice or a report needs a signed contract."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import scanmaker
from conftest import edit, new, run

from docgen.archive.catalog import effective_version
from docgen.kinds import registry
from docgen.archive.core import Archive
from docgen.distribute import trigger


def check_copies(root: Path) -> list[str]:
    """What is wrong with the departments' copies of every document, as one line each."""
    archive = Archive.open(root)
    try:
        cat, settings = archive.catalog, archive.settings
        wrong = []
        for doc in cat.documents():
            eff = effective_version(cat.versions(doc.number), registry.get(doc.kind).effective)
            rule = {} if eff is None else settings.distribution.get((doc.kind, trigger(eff)), {})
            rows = cat.ledger(doc.number)
            for key, dept in settings.departments.items():
                got = [r for r in rows if r["department"] == key and r["action"] == "delivered"]
                if doc.status != "void" and eff is not None and key in rule:
                    if not any(r["version"] == eff.version for r in got):
                        wrong.append(f"{doc.number}: {key} has no copy of v{eff.version} ({trigger(eff)})")
                for r in got:
                    name = f"{doc.number}_v{r['version']}_{dept.name}联"
                    held = r["superseded_by"] is None
                    if held and doc.status != "void" and eff is not None and r["version"] == eff.version:
                        copy = Path(r["path"])
                        if not copy.is_file() or hashlib.sha256(copy.read_bytes()).hexdigest() != r["sha256"]:
                            wrong.append(f"{doc.number}: {key}'s copy of v{r['version']} is not in its outbox")
                        continue
                    if held:
                        wrong.append(f"{doc.number}: {key} still holds v{r['version']} with no notice "
                                     f"({doc.status}, effective v{eff.version if eff else '-'})")
                        continue
                    notices = [p.name for p in dept.outbox.glob(f"{name}_*.txt")]
                    if not any(n.endswith("版取代.txt") or n.endswith("已作废.txt") for n in notices):
                        wrong.append(f"{doc.number}: {key}'s v{r['version']} was replaced but no notice is in its outbox")
                    if doc.status == "void" and r is got[-1] and f"{name}_已作废.txt" not in notices:
                        wrong.append(f"{doc.number}: {key} was not told that v{r['version']} is void")
        return wrong
    finally:
        archive.close()


def ok(*args: str | Path) -> None:
    r = run(*args)
    assert r.exit_code == 0, r


def sign(root: Path, tmp: Path, number: str, version: int = 1, seed: int = 0) -> None:
    """The printed version signed on paper, scanned and filed."""
    pdf = root / "documents" / number / f"{number}-v{version}.pdf"
    ok("ingest", scanmaker.scan(pdf, tmp / f"{number}-v{version}.pdf", 200, seed=seed))


def holds(root: Path, dept: str, name: str) -> bool:
    return (root / "outbox" / dept / name).is_file()


def test_every_status_of_every_kind_leaves_no_stale_copy(contracted: Path, archive_dir: Path,
                                                         tmp_path: Path) -> None:
    root, work = archive_dir, contracted
    steps: list[tuple[str, list[str]]] = []

    def step(what: str) -> None:
        steps.append((what, check_copies(root)))

    step("contract HT-2026-0001 signed")  # the fixture: approved, then its signed scan filed
    # quote: draft, then signed
    step("quote draft")
    sign(root, tmp_path, "BJ-2026-0001", seed=1)
    step("quote signed")
    # contract: draft, in review, rejected, in review again, approved, void
    new("contract", work / "contract.yaml")
    step("contract draft")
    ok("review", "HT-2026-0002", "submit")
    step("contract in_review")
    ok("review", "HT-2026-0002", "reject", "--note", "违约金比例请修改")
    step("contract rejected")
    ok("review", "HT-2026-0002", "submit")
    ok("review", "HT-2026-0002", "approve", "--note", "同意")
    step("contract approved")
    ok("void", "HT-2026-0002", "--note", "重复录入")
    step("contract void")
    # notice: issued, signed for, issued again, closed, void
    new("rectification", work / "rectification.yaml")
    step("notice issued")
    sign(root, tmp_path, "ZG-2026-0001", seed=2)
    step("notice signed")
    ok("recheck", "ZG-2026-0001", "--failed", "--note", "仍有空鼓", "--deadline", "2026-12-30", "--date", "2026-12-20")
    step("notice issued again")
    ok("recheck", "ZG-2026-0001", "--passed", "--note", "复查合格", "--date", "2026-12-28")
    step("notice closed")
    assert holds(root, "engineering", "ZG-2026-0001_v4_工程联.pdf")  # the copy that says 复查合格
    assert holds(root, "engineering", "ZG-2026-0001_v1_工程联_已被第2版取代.txt")
    ok("void", "ZG-2026-0001", "--note", "录入错误")
    step("notice void")
    # report: failed, signed; passed; warranty card: issued, signed, void; then the void report
    new("acceptance", work / "acceptance-1.yaml")
    step("report failed")
    sign(root, tmp_path, "YS-2027-0001", seed=3)
    step("report signed")
    new("acceptance", work / "acceptance-2.yaml")
    step("report passed")
    new("warranty", work / "warranty.yaml")
    step("card issued")
    sign(root, tmp_path, "BX-2027-0001", seed=4)
    step("card signed")
    for number in ("BX-2027-0001", "YS-2027-0002", "YS-2027-0001", "HT-2026-0001", "BJ-2026-0001"):
        ok("void", number, "--note", "测试作废")
        step(f"{number} void")
    assert [(what, wrong) for what, wrong in steps if wrong] == []
    # every kind reached every status its rules name
    archive = Archive.open(root)
    reached = {(r["number"][:2], r["action"]) for r in archive.catalog.ledger()}
    archive.close()
    assert {(p, a) for p in ("BJ", "HT", "ZG", "YS", "BX") for a in ("delivered", "withdrawn")} <= reached


def test_a_closed_notice_without_a_rule_for_closed_tells_engineering(contracted: Path, archive_dir: Path) -> None:
    """An archive whose docgen.toml predates the rule for closed notices: engineering's copy of
    the open notice gets a notice that it is superseded, not silence."""
    run("list")
    toml = archive_dir / "docgen.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("[distribution.rectification.closed]")
    toml.write_text(text[:start] + text[text.index("[distribution.warranty.signed]"):], encoding="utf-8")
    new("rectification", contracted / "rectification.yaml")
    assert holds(archive_dir, "engineering", "ZG-2026-0001_v1_工程联.pdf")
    r = run("recheck", "ZG-2026-0001", "--passed", "--note", "复查合格", "--date", "2026-12-20")
    assert r.exit_code == 0, r
    assert "superseded  ZG-2026-0001 v2 [closed]: notice to engineering v1" in r.stdout
    notice = archive_dir / "outbox/engineering/ZG-2026-0001_v1_工程联_已被第2版取代.txt"
    assert "新版本不再分发给本部门" in notice.read_text(encoding="utf-8")
    assert check_copies(archive_dir) == []


def test_notice_and_report_need_a_signed_contract(work: Path, archive_dir: Path, tmp_path: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    ok("review", "HT-2026-0001", "submit")
    for kind, name in (("rectification", "rectification.yaml"), ("acceptance", "acceptance-1.yaml")):
        r = run("new", kind, work / name)
        assert r.exit_code == 1, r
        assert ('P-2026-0001 has no signed contract (HT-2026-0001 is in review): sign the contract first, '
                'or set [chain] contract_status = "approved"') in r.stderr
    ok("review", "HT-2026-0001", "approve")
    r = run("new", "rectification", work / "rectification.yaml")
    assert r.exit_code == 1 and "(HT-2026-0001 is approved)" in r.stderr, r
    # another customer's project, not archived yet, has no contract at all
    other = tmp_path / "other"
    shutil.copytree(work, other)
    edit(other / "project.yaml", lambda d: (d.pop("code", None), d["customer"].update(name="王五"),
                                              d["site"].update(address="上海市徐汇区漕溪北路1号")))
    r = run("new", "acceptance", other / "acceptance-1.yaml")
    assert r.exit_code == 1 and "the project of 王五 (上海市徐汇区漕溪北路1号) has no contract" in r.stderr, r
    assert run("list", "--kind", "rectification", "--json").stdout.strip() == "[]"
    # a company that starts work on the approved contract says so
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('contract_status = "signed"',
                                                             'contract_status = "approved"'), encoding="utf-8")
    new("rectification", work / "rectification.yaml")
    new("contract", work / "contract.yaml")  # HT-2026-0002, a draft: the approved one still counts
    edit(work / "acceptance-1.yaml", lambda d: d.update(contract="HT-2026-0002"))
    new("acceptance", work / "acceptance-1.yaml")


def test_a_void_or_draft_contract_is_refused_with_the_reason(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    new("contract", work / "contract.yaml")
    r = run("new", "acceptance", work / "acceptance-1.yaml")
    assert r.exit_code == 1 and "P-2026-0001 has no signed contract (HT-2026-0001 is draft)" in r.stderr, r
    ok("void", "HT-2026-0001", "--note", "作废")
    r = run("new", "rectification", work / "rectification.yaml")
    assert r.exit_code == 1 and "HT-2026-0001 is void" in r.stderr, r
    toml = archive_dir / "docgen.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('contract_status = "signed"',
                                                             'contract_status = "maybe"'), encoding="utf-8")
    r = run("list")
    assert r.exit_code == 1 and '[chain] contract_status = \'maybe\' must be "signed" or "approved"' in r.stderr, r
