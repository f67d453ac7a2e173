"""The JSON API through an HTTP test client against a real archive: who may do what, and
every refusal an answer of one JSON line with the status that fits."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from docgen.accounts import Accounts
from docgen.archive.core import Archive
from docgen.web import create_app

PASSWORD = "correct-horse-7"


@pytest.fixture
def api(scans: Path, archive_dir: Path) -> TestClient:
    """The base archive (BJ-2026-0001, HT-2026-0001 approved) with an account per role."""
    accounts = Accounts(Archive.open(archive_dir))
    for name, role in (("li", "finance"), ("qian", "legal"), ("zhao", "frontdesk"), ("sun", "sales")):
        accounts.add(name, role, by="test", password=PASSWORD)
    return TestClient(create_app(archive_dir))


def login(client: TestClient, name: str) -> str:
    r = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf"])


def test_nothing_without_logging_in(api: TestClient) -> None:
    for url in ("/api/v1/me", "/api/v1/documents", "/api/v1/documents/HT-2026-0001", "/api/v1/search?q=合同"):
        r = api.get(url)
        assert r.status_code == 401 and r.json() == {
            "error": "log in first: POST /api/v1/session with name and password"}, url
    r = api.post("/api/v1/session", json={"name": "li", "password": "wrong-password"})
    assert r.status_code == 401 and r.json() == {"error": "wrong name or password"}


def test_a_finance_clerk_logs_in_searches_and_reads(api: TestClient) -> None:
    r = api.post("/api/v1/session", json={"name": "li", "password": PASSWORD})
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "docgen_session=" in cookie
    me = api.get("/api/v1/me").json()
    assert (me["name"], me["role"], me["department"]) == ("li", "finance", "finance")
    listed = api.get("/api/v1/documents").json()
    assert {"BJ-2026-0001", "HT-2026-0001"} <= {d["number"] for d in listed}
    contracts = api.get("/api/v1/documents", params={"kind": "合同"}).json()
    assert "HT-2026-0001" in [d["number"] for d in contracts] and {d["kind"] for d in contracts} == {"contract"}
    shown = api.get("/api/v1/documents/ht-2026-0001")
    assert shown.status_code == 200 and shown.json()["status"] == "approved"
    hits = api.get("/api/v1/search", params={"q": "违约金", "kind": "contract"}).json()
    assert "HT-2026-0001" in [h["number"] for h in hits] and {h["kind"] for h in hits} == {"contract"}
    # finance's policy is masked: an ID number is never shown whole in a snippet
    assert "440308199001011239" not in api.get("/api/v1/search", params={"q": "440308199001011239"}).text
    r = api.get("/api/v1/documents/HT-2026-0001")
    for header, value in (("x-content-type-options", "nosniff"), ("cache-control", "no-store")):
        assert r.headers[header] == value
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_a_cookie_write_needs_the_csrf_token_and_a_role_that_may(api: TestClient, archive_dir: Path) -> None:
    csrf = login(api, "li")
    r = api.post("/api/v1/documents/HT-2026-0001/review", json={"action": "approve"})
    assert r.status_code == 403 and "X-CSRF-Token" in r.json()["error"]
    r = api.post("/api/v1/documents/HT-2026-0001/review", json={"action": "approve"},
                 headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403 and r.json()["error"].startswith("li (finance) may not review:approve:contract")
    refused = [row for row in Archive.open(archive_dir).catalog.ledger("HT-2026-0001") if row["action"] == "refused"]
    assert [(row["actor"], row["department"]) for row in refused] == [("li@testclient", "finance")]
    # legal may review: approving what is approved already is a state conflict
    api.cookies.clear()
    csrf = login(api, "qian")
    r = api.post("/api/v1/documents/HT-2026-0001/review", json={"action": "approve"},
                 headers={"X-CSRF-Token": csrf})
    assert r.status_code == 409 and "is approved" in r.json()["error"]


def test_a_token_works_until_revoked_and_a_disabled_account_is_out_at_once(api: TestClient,
                                                                          archive_dir: Path) -> None:
    accounts = Accounts(Archive.open(archive_dir))
    secret, token = accounts.token_create("li", by="test")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert TestClient(api.app).get("/api/v1/me", headers=bearer).json()["name"] == "li"
    accounts.token_revoke(token.id, by="test")
    r = TestClient(api.app).get("/api/v1/me", headers=bearer)
    assert r.status_code == 401 and "revoked" in r.json()["error"]
    login(api, "zhao")
    assert api.get("/api/v1/me").status_code == 200
    accounts.disable("zhao", by="test")
    assert api.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("number", ["..%2F..%2Fetc%2Fpasswd", "%2E%2E", "HT-2026-0001%00", "..", "x" * 5000,
                                    "HT-2026-0001%2F..%2F..%2Fsecret.key"])
def test_a_path_in_a_document_number_reaches_no_file(api: TestClient, number: str) -> None:
    login(api, "li")
    r = api.get(f"/api/v1/documents/{number}")
    assert r.status_code == 404 and set(r.json()) == {"error"}, (number, r.text)
    assert "root:" not in r.text and "BEGIN" not in r.text


@pytest.mark.parametrize("params, status", [
    ({"q": "合同", "kind": "boat"}, 400), ({"q": "合同", "status": "done"}, 400), ({"q": "kind:xyz"}, 400),
    ({"q": "合同", "limit": "0"}, 400), ({"q": "合同", "limit": "x"}, 422), ({"q": '"unclosed'}, 400), ({}, 422),
])
def test_bad_search_input_is_one_json_line_never_a_500(api: TestClient, params: dict[str, str], status: int) -> None:
    login(api, "li")
    r = api.get("/api/v1/search", params=params)
    assert r.status_code == status and set(r.json()) == {"error"}, (params, r.text)


def test_an_account_never_reads_as_another_department(api: TestClient) -> None:
    login(api, "sun")  # sales: no department
    assert api.get("/api/v1/me").json()["department"] is None
    r = api.get("/api/v1/documents/HT-2026-0001")
    assert r.status_code == 200
    assert api.get("/api/v1/openapi.json").status_code == 200


def test_a_day_is_written_as_people_write_one_never_a_number(api: TestClient) -> None:
    login(api, "li")
    for day in ("2026-11-10", "2026/11/10", "2026年11月10日"):  # HT-2026-0001 is of 2026-11-10
        r = api.get("/api/v1/search", params={"q": "合同", "date_to": day})
        assert r.status_code == 200 and "HT-2026-0001" in [h["number"] for h in r.json()], (day, r.text)
    for wrong in ("0", "86400", "20261110", "2026-11-10T00:00:00"):  # pydantic alone reads these as days
        r = api.get("/api/v1/search", params={"q": "合同", "date_from": wrong})
        assert r.status_code == 422 and r.json() == {"error": f"query.date_from: {wrong!r} is not a date; "
                                                              "write 2026-11-02, 2026/11/02 or 2026年11月2日"}


def test_the_spec_says_how_a_caller_is_known_and_what_is_uploaded(api: TestClient) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert {(s["type"], s.get("scheme") or s.get("in")) for s in schemes.values()} == {("http", "bearer"),
                                                                                        ("apiKey", "cookie")}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            either = [] if (method, path) == ("post", "/api/v1/session") else [{name: []} for name in schemes]
            assert operation.get("security", []) == either, (method, path)
    scans = spec["components"]["schemas"]["Body_scans_api_v1_scans_post"]["properties"]["files"]["items"]
    assert scans["format"] == "binary"  # as well as 3.1's contentMediaType: what tools go by
