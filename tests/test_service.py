"""The service layer: every operation as one function of (archive, actor), returning data.

What follows a write (the search index, the copies for departments) happens in the service,
whoever calls it; the CLI's --json is the service's to_json()."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run

from docgen.archive.core import Archive
from docgen.archive.search import Filters
from docgen.service import Actor, Service


def _console(root: Path) -> Service:
    return Service(Archive.open(root), Actor("王丽", "admin", console=True))


def test_a_scan_filed_through_the_service_is_indexed_and_delivered_without_the_cli(
        scans: Path, archive_dir: Path) -> None:
    service = _console(archive_dir)
    taken = service.ingest([scans / "ht.pdf"])
    assert [o.result for o in taken.outcomes] == ["filed"]
    (delivery,) = taken.followed.deliveries
    assert delivery.number == "HT-2026-0001" and delivery.status == "signed"
    assert sorted(c.department for c in delivery.copies) == ["customer", "engineering", "finance", "legal"]
    for c in delivery.copies:
        assert c.path.is_file(), c.path
    archive = service.archive
    assert archive.catalog.distribution_queue() == [] and archive.catalog.index_queue() == []
    hits = service.search("HT-2026-0001", Filters(status="signed"))
    assert [(h.number, h.version) for h in hits.results] == [("HT-2026-0001", 2)]
    # who filed it is the service's actor, in the events and the ledger
    events = [e for e in archive.catalog.events("HT-2026-0001") if e.action == "sign"]
    assert [e.actor for e in events] == ["王丽"]
    assert {r["actor"] for r in archive.catalog.ledger("HT-2026-0001") if r["action"] == "delivered"} == {"王丽"}


def test_an_api_caller_is_recorded_with_its_address(scans: Path, archive_dir: Path) -> None:
    actor = Actor("zhao", "admin", department="finance", address="10.0.0.7", console=True)
    service = Service(Archive.open(archive_dir), actor)
    pulled = service.pull("HT-2026-0001", archive_dir.parent, department="finance")
    (copy,) = pulled.copies
    rows = [r for r in service.archive.catalog.ledger("HT-2026-0001") if r["action"] == "pulled"]
    assert [r["actor"] for r in rows] == ["zhao@10.0.0.7"]
    assert copy.department == "finance" and copy.path.is_file()


def test_the_cli_json_is_the_service_to_json(scans: Path, archive_dir: Path) -> None:
    service = _console(archive_dir)
    for args, result in (
        (["show", "HT-2026-0001", "--json"], service.show("HT-2026-0001")),
        (["list", "--json"], service.documents()),
        (["kinds", "--json"], service.kinds()),
        (["diff", "BJ-2026-0001", "1", "1", "--json"], service.diff("BJ-2026-0001", 1, 1)),
        (["quarantine", "list", "--json"], service.quarantine()),
    ):
        r = run(*args)
        assert r.exit_code == 0, r
        expected = [x.to_json() for x in result] if isinstance(result, list) else result.to_json()
        got = json.loads(r.stdout)
        if args[0] == "show":  # the history holds nothing that changes between the two reads
            assert got == expected
        else:
            assert got == expected, args


def test_a_role_that_may_not_is_refused_and_the_refusal_recorded(scans: Path, archive_dir: Path) -> None:
    import pytest

    from docgen.errors import Forbidden

    service = Service(Archive.open(archive_dir), Actor("qian", "finance", department="finance"))
    with pytest.raises(Forbidden) as refused:
        service.review("HT-2026-0001", "approve", note="同意")
    assert "qian (finance) may not review:approve:contract" in str(refused.value)
    assert service.archive.catalog.document("HT-2026-0001").status == "approved"  # unchanged
    (row,) = [r for r in service.archive.catalog.ledger("HT-2026-0001") if r["action"] == "refused"]
    assert row["actor"] == "qian" and row["department"] == "finance" and "review:approve" in row["note"]
    with pytest.raises(Forbidden):  # an account never reads as another department
        service.search("合同", Filters(), department="legal")
