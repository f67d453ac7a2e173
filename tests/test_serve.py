"""`docgen serve` as the departments meet it: a separate process on a free port, spoken to over
real HTTP (a login with a cookie, a front desk upload, a finance copy, a refusal in the log)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import run_process, served
from test_distribute import first_page_text

from docgen.accounts import Accounts
from docgen.archive.core import Archive

PASSWORD = "correct-horse-7"


@pytest.fixture
def server(scans: Path, archive_dir: Path) -> Iterator[str]:
    accounts = Accounts(Archive.open(archive_dir))
    accounts.add("li", "finance", by="test", password=PASSWORD)
    accounts.add("zhao", "frontdesk", by="test", password=PASSWORD)
    with served(archive_dir) as url:
        yield url


def login(url: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=300)
    r = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf"]
    return client


def test_a_served_archive_over_real_http(server: str, scans: Path, archive_dir: Path, tmp_path: Path) -> None:
    assert httpx.get(f"{server}/api/v1/me").status_code == 401
    r = httpx.post(f"{server}/api/v1/session", json={"name": "li", "password": "wrong"})
    assert r.status_code == 401 and r.json() == {"error": "wrong name or password"}
    # the front desk uploads the signed contract
    desk = login(server, "zhao")
    r = desk.post("/api/v1/scans", files=[("files", ("合同扫描.pdf", (scans / "ht.pdf").read_bytes()))])
    assert r.status_code == 200, r.text
    assert [(o["file"], o["result"], o["filed"][0]["number"]) for o in r.json()] == [
        ("合同扫描.pdf", "filed", "HT-2026-0001")]
    # finance searches and takes its labelled copy
    finance = login(server, "li")
    hits = finance.get("/api/v1/search", params={"q": "违约金", "kind": "contract"}).json()
    assert "HT-2026-0001" in [h["number"] for h in hits]
    r = finance.get("/api/v1/documents/HT-2026-0001/copy")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    (tmp_path / "copy.pdf").write_bytes(r.content)
    assert "第二联财务" in first_page_text(tmp_path / "copy.pdf")
    # a pull finance's policy does not allow: refused, and the log says who asked from where
    r = finance.get("/api/v1/documents/ZG-2026-0001/copy")
    assert r.status_code == 403 and "may not pull a rectification" in r.json()["error"]
    # a cookie write without the CSRF token is refused; logging out ends the session at once
    r = finance.post("/api/v1/documents/HT-2026-0001/review", json={"action": "approve"},
                     headers={"X-CSRF-Token": ""})
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["error"]
    assert finance.delete("/api/v1/session").status_code == 200
    assert finance.get("/api/v1/me").status_code == 401
    log = run_process("log", "--json", env={**os.environ, "DOCGEN_ARCHIVE": str(archive_dir)})
    assert log.returncode == 0, log.stderr
    rows = json.loads(log.stdout)
    assert {(r["action"], r["actor"]) for r in rows} >= {
        ("login", "li@127.0.0.1"), ("login", "zhao@127.0.0.1"), ("sign", "zhao@127.0.0.1"),
        ("downloaded", "li@127.0.0.1"), ("refused", "li@127.0.0.1"), ("logout", "li@127.0.0.1")}
    refused = [r for r in rows if r["action"] == "refused" and r["actor"] == "li@127.0.0.1"]
    assert [r["number"] for r in refused] == ["ZG-2026-0001"]
