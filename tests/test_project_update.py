"""A project file cannot silently change the customer of every document of its project."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ME, act_as, edit, new, run


def stored_customer(number: str) -> dict:  # type: ignore[type-arg]
    shown = json.loads(run("show", number, "--json").stdout)
    return shown


def test_project_file_with_other_customer_data_is_refused(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    edit(work / "project.yaml", lambda d: d["customer"].update(name="张三丰", phone="13900000000"))
    r = run("new", "contract", work / "contract.yaml")
    assert r.exit_code == 1, r
    assert r.stderr.strip().splitlines() == [
        f"Error: {work / 'project.yaml'}: project P-2026-0001 is in the archive with customer.name 张三, "
        "customer.phone 13812345678; this file says customer.name 张三丰, customer.phone 13900000000: "
        "to change the project, run again with --update-project"
    ], r.stderr
    assert [d["number"] for d in json.loads(run("list", "--json").stdout)] == ["BJ-2026-0001"]
    listed = json.loads(run("list", "--json").stdout)
    assert listed[0]["customer"] == "张三"
    assert "project" not in [e["action"] for e in json.loads(run("log", "--json").stdout)]


def test_revise_with_other_project_data_is_refused(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    edit(work / "project.yaml", lambda d: d["site"].update(area="120"))
    edit(work / "quote.yaml", lambda d: d.update(valid_days=20))
    r = run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "改有效期")
    assert r.exit_code == 1, r
    assert r.stderr.strip() == (
        f"Error: {work / 'project.yaml'}: project P-2026-0001 is in the archive with site.area 89.5; "
        "this file says site.area 120: to change the project, run again with --update-project"
    )
    assert len(json.loads(run("show", "BJ-2026-0001", "--json").stdout)["versions"]) == 1


def test_project_without_code_matched_by_customer_and_site_is_refused_too(work: Path, archive_dir: Path) -> None:
    edit(work / "project.yaml", lambda d: d.pop("code"))
    new("quote", work / "quote.yaml")
    edit(work / "project.yaml", lambda d: d["customer"].update(phone="13900000000"))
    r = run("new", "quote", work / "quote.yaml")
    assert r.exit_code == 1, r
    assert r.stderr.strip() == (
        f"Error: {work / 'project.yaml'}: project P-2026-0001 is in the archive with customer.phone 13812345678; "
        "this file says customer.phone 13900000000: to change the project, run again with --update-project"
    )


def test_update_project_changes_it_as_an_event(work: Path, archive_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    new("quote", work / "quote.yaml")
    edit(work / "project.yaml", lambda d: d["customer"].update(name="张三丰", phone="13900000000"))
    act_as("前台小王")
    r = run("new", "contract", work / "contract.yaml", "--update-project")
    assert r.exit_code == 0, r
    assert {d["customer"] for d in json.loads(run("list", "--json").stdout)} == {"张三丰"}
    events = [e for e in json.loads(run("log", "P-2026-0001", "--json").stdout)]
    assert [(e["action"], e["number"], e["actor"]) for e in events] == [("project", "P-2026-0001", "前台小王")]
    assert events[0]["note"] == "customer.name: 张三 → 张三丰; customer.phone: 13812345678 → 13900000000"
    text = run("log", "P-2026-0001")
    assert text.exit_code == 0
    (row,) = text.stdout.splitlines()[1:]
    assert row.split()[1:4] == ["project", "P-2026-0001", "前台小王"]
    assert "customer.name: 张三 → 张三丰" in run("log", "P-2026-0001", "--wide").stdout
    # the same data again changes nothing and logs nothing
    assert run("new", "contract", work / "contract.yaml").exit_code == 0
    assert len(json.loads(run("log", "P-2026-0001", "--json").stdout)) == 1


def test_revise_with_update_project(work: Path, archive_dir: Path) -> None:
    new("quote", work / "quote.yaml")
    edit(work / "project.yaml", lambda d: d["site"].update(area="120"))
    edit(work / "quote.yaml", lambda d: d.update(valid_days=20))
    r = run("revise", "BJ-2026-0001", work / "quote.yaml", "--note", "面积复测", "--update-project")
    assert r.exit_code == 0, r
    events = json.loads(run("log", "P-2026-0001", "--json").stdout)
    assert [(e["action"], e["actor"], e["note"]) for e in events] == [("project", ME, "site.area: 89.5 → 120")]


def test_unknown_number_for_log_still_refused(work: Path) -> None:
    new("quote", work / "quote.yaml")
    r = run("log", "P-2026-0404")
    assert r.exit_code == 1 and "no document P-2026-0404" in r.stderr
