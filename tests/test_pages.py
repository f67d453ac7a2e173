"""The pages through an HTTP test client against a real archive: what each role sees and may
do, the session and CSRF rules of forms, one-line errors on the page, and the doors of the
pages (a hidden button is not a permission; markup in data is shown as text)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from conftest import SAMPLES, new
from fastapi.testclient import TestClient

from docgen.accounts import Accounts
from docgen.archive.core import Archive
from docgen.web import create_app

PASSWORD = "correct-horse-7"
PEOPLE = {"sales": "sun", "legal": "qian", "engineering": "zhou", "finance": "li", "archive": "dang",
          "frontdesk": "zhao", "admin": "boss"}


class Browser:
    """One person's browser: a cookie jar, the CSRF token of the page last seen."""

    def __init__(self, app: Any, name: str) -> None:
        self.client = TestClient(app)
        self.name = name
        r = self.client.post("/login", data={"name": name, "password": PASSWORD, "next": "/"},
                             follow_redirects=False)
        assert r.status_code == 303, r.text
        self.csrf = ""

    def get(self, url: str, **kw: Any) -> Any:
        r = self.client.get(url, **kw)
        found = re.search(r'name="csrf" value="([^"]+)"', r.text)
        if found:
            self.csrf = found.group(1)
        return r

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        if not self.csrf:
            self.get("/")
        return self.client.post(url, data={"csrf": self.csrf, **(data or {})}, follow_redirects=False, **kw)


def error(r: Any) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.S)
    return html.unescape(found.group(1)) if found else ""


def menu(r: Any) -> list[str]:
    nav = re.search(r'<nav aria-label="主菜单">(.*?)</nav>', r.text, re.S)
    return re.findall(r">([^<]+)</a>", nav.group(1)) if nav else []


@pytest.fixture
def office(scans: Path, archive_dir: Path) -> Any:
    accounts = Accounts(Archive.open(archive_dir))
    for role, name in PEOPLE.items():
        accounts.add(name, role, by="test", password=PASSWORD)
    return create_app(archive_dir)


def test_a_page_asks_for_the_login_and_comes_back(office: Any) -> None:
    client = TestClient(office)
    r = client.get("/search?q=合同", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/search%3Fq%3D%25E5%2590%2588%25E5%2590%258C"  # the query as it came
    r = client.post("/login", data={"name": "li", "password": "wrong", "next": "/search?q=合同"})
    assert r.status_code == 401 and error(r) == "wrong name or password"
    r = client.post("/login", data={"name": "li", "password": PASSWORD, "next": "/search?q=合同"},
                    follow_redirects=False)
    assert r.status_code == 303 and unquote(r.headers["location"]) == "/search?q=合同"
    assert "HttpOnly" in r.headers["set-cookie"]
    # never sent on to another site after the login
    for away in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        r = client.post("/login", data={"name": "li", "password": PASSWORD, "next": away}, follow_redirects=False)
        assert r.headers["location"] == "/"


def test_each_role_sees_its_own_menu_and_home(office: Any) -> None:
    seen = {role: menu(Browser(office, name).get("/")) for role, name in PEOPLE.items()}
    assert seen == {
        "sales": ["首页", "搜索", "新建"],
        "legal": ["首页", "搜索", "复印件"],
        "engineering": ["首页", "搜索", "新建", "复印件"],
        "finance": ["首页", "搜索", "复印件"],
        "archive": ["首页", "搜索", "复印件"],
        "frontdesk": ["首页", "搜索", "扫描"],
        "admin": ["首页", "搜索", "新建", "扫描", "账号"],
    }
    legal = Browser(office, "qian").get("/").text
    assert "等待法务审核的合同" in legal
    desk = Browser(office, "zhao").get("/").text
    assert "隔离区" in desk and "今天归档的签字扫描件" in desk
    pm = Browser(office, "zhou").get("/").text
    assert "未关闭的整改通知书" in pm and "ZG-2026-0001" in pm


def test_a_hidden_button_is_not_a_permission(office: Any, archive_dir: Path) -> None:
    """Finance sees no review form, and a form posted anyway is refused and recorded."""
    finance = Browser(office, "li")
    page = finance.get("/documents/HT-2026-0002").text
    assert "法务审核" not in page and "作废" not in page and "提交审核" not in page
    r = finance.post("/documents/HT-2026-0002/review", {"action": "submit"})
    assert r.status_code == 403 and error(r).startswith("li (finance) may not review:submit:contract")
    refused = [row for row in Archive.open(archive_dir).catalog.ledger("HT-2026-0002") if row["action"] == "refused"]
    assert [row["actor"] for row in refused] == ["li@testclient"]
    assert Archive.open(archive_dir).catalog.document("HT-2026-0002").status == "draft"


def test_a_form_without_the_session_s_csrf_token_is_refused(office: Any, archive_dir: Path) -> None:
    sales = Browser(office, "sun")
    for token in ("", "forged"):
        r = sales.client.post("/documents/HT-2026-0002/review", data={"csrf": token, "action": "submit"},
                              follow_redirects=False)
        assert r.status_code == 403 and "这个表单已过期" in error(r)
    assert Archive.open(archive_dir).catalog.document("HT-2026-0002").status == "draft"
    # with it, the form does what it says and the page says so
    r = sales.post("/documents/HT-2026-0002/review", {"action": "submit", "note": "请审核"})
    assert r.status_code == 303 and r.headers["location"] == "/documents/HT-2026-0002?done=submit"
    assert "已提交法务审核。" in sales.get(r.headers["location"]).text
    # a notice is the page's own text: a link cannot make the page say something else
    assert "hacked" not in sales.get("/documents/HT-2026-0002?done=hacked").text


def test_legal_approves_with_a_note_from_its_home(office: Any) -> None:
    Browser(office, "sun").post("/documents/HT-2026-0002/review", {"action": "submit"})
    legal = Browser(office, "qian")
    home = legal.get("/").text
    assert re.search(r'<a href="/documents/HT-2026-0002">HT-2026-0002</a>.*?<td class="num">0</td>', home, re.S)
    page = legal.get("/documents/HT-2026-0002").text
    assert "批准" in page and "退回修改" in page
    r = legal.post("/documents/HT-2026-0002/review", {"action": "reject"})
    assert r.status_code == 400 and error(r) == "reject needs review notes: --note '…what to change…'"
    r = legal.post("/documents/HT-2026-0002/review", {"action": "approve", "note": "条款无误"})
    assert r.status_code == 303
    page = legal.get(r.headers["location"]).text
    assert "已批准。" in page and "条款无误" in page and "qian@testclient" in page


def test_a_session_ends_after_its_idle_hours(office: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-03T09:00:00+08:00")
    finance = Browser(office, "li")
    assert finance.get("/").status_code == 200
    monkeypatch.setenv("DOCGEN_NOW", "2026-12-03T17:01:00+08:00")  # [server] session_hours = 8 without use
    r = finance.client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_logout_and_the_password(office: Any) -> None:
    finance = Browser(office, "li")
    r = finance.post("/password", {"old": "wrong-one", "new": "another-horse-8", "again": "another-horse-8"})
    assert r.status_code == 400 and error(r) == "the current password is not right; nothing was changed"
    r = finance.post("/password", {"old": PASSWORD, "new": "another-horse-8", "again": "another-horse-9"})
    assert r.status_code == 400 and error(r) == "两次输入的新密码不一样；请重新输入"
    r = finance.post("/password", {"old": PASSWORD, "new": "another-horse-8", "again": "another-horse-8"})
    assert r.status_code == 200 and "密码已修改" in r.text
    assert finance.client.get("/", follow_redirects=False).status_code == 303  # every session of the account ended
    client = TestClient(office)
    r = client.post("/login", data={"name": "li", "password": "another-horse-8"}, follow_redirects=False)
    assert r.status_code == 303
    again = Browser.__new__(Browser)
    again.client, again.csrf = client, ""
    assert again.post("/logout").status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_search_is_a_url_with_filters_and_pages(office: Any) -> None:
    finance = Browser(office, "li")
    r = finance.get("/search", params={"q": "合同", "kind": "contract"})
    assert r.status_code == 200
    numbers = re.findall(r'<a href="/documents/([A-Z]{2}-\d{4}-\d{4})">', r.text)
    assert "HT-2026-0001" in numbers and all(n.startswith("HT-") for n in numbers)
    assert "<mark>" in r.text
    r = finance.get("/search", params={"q": '"unclosed'})
    assert r.status_code == 400 and error(r)
    r = finance.get("/search", params={"q": "合同", "date_from": "someday"})
    assert r.status_code == 400 and error(r) == "起始日期 'someday' 不是日期；请写成 2026-12-01"


def test_new_from_a_file_and_its_one_line_error(office: Any, archive_dir: Path) -> None:
    sales = Browser(office, "sun")
    kinds = re.findall(r'<option value="(\w+)">', sales.get("/new").text)
    assert kinds == ["quote", "contract", "change"]
    before = len(Archive.open(archive_dir).catalog.documents())
    r = sales.post("/new", {"kind": "quote"}, files=[("data", ("quote.yaml", b"date: 2026-13-01\n"))])
    assert r.status_code == 400 and error(r).startswith("quote.yaml: ")
    assert len(Archive.open(archive_dir).catalog.documents()) == before
    r = sales.post("/new", {"kind": "quote"}, files=[
        ("data", ("quote.yaml", (SAMPLES / "quote.yaml").read_bytes())),
        ("files", ("project.yaml", (SAMPLES / "project.yaml").read_bytes()))])
    assert r.status_code == 303 and r.headers["location"] == "/documents/BJ-2026-0002?done=new"
    assert "文档已生成。" in sales.get(r.headers["location"]).text
    r = sales.post("/new", {"kind": "rectification"}, files=[("data", ("x.yaml", b"{}"))])
    assert r.status_code == 403 and "may not new:rectification" in error(r)


def test_the_front_desk_uploads_and_works_the_quarantine(office: Any, scans: Path) -> None:
    desk = Browser(office, "zhao")
    assert 'data-drop="scan-files"' in desk.get("/scans").text
    r = desk.post("/scans", files=[("files", ("合同.pdf", (scans / "ht.pdf").read_bytes())),
                                   ("files", ("不明.pdf", (scans / "unknown.pdf").read_bytes()))])
    assert r.status_code == 200
    rows = re.findall(r"<tr><td>([^<]+)</td>\s*<td><span[^>]*>([^<]+)</span>", r.text)
    assert rows == [("合同.pdf", "filed"), ("不明.pdf", "quarantined")]
    assert '<a href="/documents/HT-2026-0001">HT-2026-0001</a> 第2版' in r.text
    assert "HT-2026-0099" in r.text  # the reason, in the quarantine list
    r = desk.post("/quarantine/不明.pdf", {"action": "file-as", "number": "HT-2026-0002"})
    assert r.status_code == 409 and error(r).startswith("不明.pdf: ")
    r = desk.post("/quarantine/..%2Fsecret.key", {"action": "retry"})
    assert r.status_code in (400, 404) and error(r)
    assert "不明.pdf" in desk.get("/").text  # the home page lists what waits in the quarantine


def test_finance_lists_signed_contracts_and_downloads_the_selection(office: Any, scans: Path) -> None:
    Browser(office, "zhao").post("/scans", files=[("files", ("ht.pdf", (scans / "ht.pdf").read_bytes()))])
    finance = Browser(office, "li")
    page = finance.get("/copies", params={"kind": "contract", "since": "2026-01-01", "until": "2099-12-31"})
    assert page.status_code == 200
    assert re.findall(r'name="numbers" value="([^"]+)"', page.text) == ["HT-2026-0001"]
    assert re.search(r"合计（1 份）</th><td class=\"num\"><strong>¥[\d,]+\.\d\d</strong>", page.text)
    r = finance.post("/copies.zip", {"kind": "contract", "since": "2026-01-01", "until": "2099-12-31",
                                     "numbers": ["HT-2026-0001"]})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert z.namelist() == ["HT-2026-0001_v2_财务联.pdf"]
    r = finance.post("/copies.zip", {"kind": "contract", "since": "2026-01-01", "numbers": ["HT-2026-0002"]})
    assert r.status_code == 400 and error(r) == "HT-2026-0002 is not a contract signed in that time"
    r = finance.get("/copies", params={"kind": "rectification"})
    assert r.status_code == 403 and "may not pull a rectification" in error(r)


def test_a_customer_link_opens_the_customer_s_copies_until_revoked(office: Any, scans: Path,
                                                                   archive_dir: Path) -> None:
    Browser(office, "zhao").post("/scans", files=[("files", ("ht.pdf", (scans / "ht.pdf").read_bytes()))])
    sales = Browser(office, "sun")
    r = sales.post("/documents/HT-2026-0001/links", {"days": "7", "code": "true"})
    assert r.status_code == 200, error(r)
    url = re.search(r'id="new-link" class="secret" value="http://testserver(/c/[^"]+)"', r.text).group(1)
    code = re.search(r'验证码：<strong class="secret">(\d{4})</strong>', r.text).group(1)
    link_id = re.search(r'<td class="nowrap">(L[0-9A-F]{8})</td>', r.text).group(1)
    customer = TestClient(office)
    assert 'name="code"' in customer.get(url).text
    wrong = "0000" if code != "0000" else "1111"
    r = customer.post(url, data={"code": wrong})
    assert r.status_code == 401 and error(r) == "the code is not right; 4 more tries"
    r = customer.post(url, data={"code": code})
    assert r.status_code == 200
    listed = re.findall(rf'<a href="{url}/copies/([A-Z]+-\d+-\d+)">', r.text)
    # the project's documents the customer's department takes, each with an effective version
    assert listed == ["BJ-2026-0001", "HT-2026-0001", "ZG-2026-0001"]
    r = customer.get(f"{url}/copies/HT-2026-0001")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")
    r = customer.get(f"{url}/copies/HT-2026-0002")  # a draft: in the project, but not a copy the customer takes
    assert r.status_code == 404
    ledger = [(x["action"], x["actor"].split("@")[0]) for x in Archive.open(archive_dir).catalog.ledger()
              if x["actor"].startswith("link:") or x["action"].startswith("link:")]
    assert ("link:open", f"link:{link_id}") in ledger and ("downloaded", f"link:{link_id}") in ledger
    assert ("link:failed", f"link:{link_id}") in ledger
    # revoked: it says so, and the copies are gone with it
    r = sales.post(f"/documents/HT-2026-0001/links/{link_id}/revoke")
    assert r.status_code == 303
    r = customer.get(url)
    assert r.status_code == 410 and error(r) == "this link was revoked; to see the files, call the company"
    assert customer.get(f"{url}/copies/HT-2026-0001", follow_redirects=False).status_code == 303
    assert TestClient(office).get("/c/not-a-link").status_code == 410


def test_five_wrong_codes_close_a_link(office: Any) -> None:
    sales = Browser(office, "sun")
    r = sales.post("/documents/BJ-2026-0001/links", {"days": "7", "code": "true"})
    url = re.search(r'value="http://testserver(/c/[^"]+)"', r.text).group(1)
    code = re.search(r'验证码：<strong class="secret">(\d{4})</strong>', r.text).group(1)
    customer = TestClient(office)
    wrong = "0000" if code != "0000" else "1111"
    for _n in range(4):
        assert customer.post(url, data={"code": wrong}).status_code == 401
    r = customer.post(url, data={"code": wrong})
    assert r.status_code == 410 and "too many times" in error(r)
    assert customer.post(url, data={"code": code}).status_code == 410


def test_the_administrator_s_accounts_page(office: Any, archive_dir: Path) -> None:
    admin = Browser(office, "boss")
    page = admin.get("/accounts").text
    assert all(name in page for name in PEOPLE.values())
    r = admin.post("/accounts", {"action": "add", "name": "wu", "role": "designer", "password": "short"})
    assert r.status_code == 400 and error(r) == "a password needs at least 8 characters"
    r = admin.post("/accounts", {"action": "add", "name": "wu", "role": "designer", "display": "吴设计",
                                 "password": "designer-pass-1"})
    assert r.status_code == 200 and "已添加账号 wu" in r.text
    r = admin.post("/accounts", {"action": "token", "name": "li", "note": "月度对账"})
    token = re.search(r'<p class="secret" role="status">令牌：(dg_[^<]+)</p>', r.text).group(1)
    assert TestClient(office).get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "li"
    r = admin.post("/accounts", {"action": "disable", "name": "sun"})
    assert r.status_code == 200 and Accounts(Archive.open(archive_dir)).get("sun").disabled
    r = admin.post("/accounts", {"action": "disable", "name": "boss"})
    assert r.status_code == 400 and "their own account" in error(r)
    r = admin.post("/accounts", {"action": "role", "name": "qian", "role": "archive"})
    assert r.status_code == 200 and Accounts(Archive.open(archive_dir)).get("qian").role == "archive"
    # not an administrator: no page, and the form refused all the same
    finance = Browser(office, "li")
    assert finance.get("/accounts").status_code == 403
    r = finance.post("/accounts", {"action": "add", "name": "evil", "role": "admin", "password": "evil-pass-12"})
    assert r.status_code == 403 and Accounts(Archive.open(archive_dir)).get("evil") is None


def test_the_archive_department_verifies_from_its_home(office: Any) -> None:
    keeper = Browser(office, "dang")
    home = keeper.get("/").text
    assert "档案统计" in home and 'action="/verify"' in home
    r = keeper.post("/verify")
    assert r.status_code == 200 and "档案完好" in r.text
    assert Browser(office, "li").post("/verify").status_code == 403


def test_markup_in_the_data_is_text_on_the_page(office: Any, archive_dir: Path, tmp_path: Path) -> None:
    project = (SAMPLES / "project.yaml").read_text(encoding="utf-8").replace("张三", "<script>alert(1)</script>")
    sales = Browser(office, "sun")
    r = sales.post("/new", {"kind": "quote", "update_project": "true"}, files=[
        ("data", ("quote.yaml", (SAMPLES / "quote.yaml").read_bytes())),
        ("files", ("project.yaml", project.encode()))])
    if r.status_code == 303:
        page = sales.get(r.headers["location"]).text
    else:
        page = r.text
    assert "<script>alert(1)</script>" not in page
    if r.status_code == 303:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    r = sales.get("/search", params={"q": "<img src=x onerror=alert(1)>"})
    assert "<img src=x" not in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'self'")


# Every page × every role: 200 where the role may see it, 403 (one line, and a refusal in the log) where not.
PAGES = """
                                   sales legal engineering finance archive frontdesk admin
/                                   200   200     200       200     200     200      200
/search?q=合同                      200   200     200       200     200     200      200
/documents/HT-2026-0001             200   200     200       200     200     200      200
/documents/HT-2026-0001/diff?a=1&b=1 200  200     200       200     200     200      200
/projects/P-2026-0001               200   200     200       200     200     200      200
/scans                              403   403     403       403     403     200      200
/copies?kind=contract               403   200     200       200     200     403      403
/new                                200   200     200       200     200     200      200
/accounts                           403   403     403       403     403     403      200
/password                           200   200     200       200     200     200      200
"""


def test_every_page_for_every_role(office: Any) -> None:
    header, *rows = PAGES.strip().splitlines()
    roles = header.split()
    browsers = {role: Browser(office, PEOPLE[role]) for role in roles}
    found = {}
    for row in rows:
        url, *codes = row.split()
        for role, code in zip(roles, codes, strict=True):
            r = browsers[role].get(url)
            found[url, role] = str(r.status_code)
            if r.status_code != 200:
                assert error(r), (url, role)  # one line that says why
    expected = {(row.split()[0], role): code for row in rows for role, code in zip(roles, row.split()[1:])}
    assert found == expected


def test_engineering_sees_the_acceptance_reports_to_write(contracted: Path, archive_dir: Path) -> None:
    """A signed contract without a passed 正式验收 waits for its report; a passed one takes it off.
    The list shows the first HOME_ROWS, and says how many there are in all."""
    from docgen.web import pages

    Accounts(Archive.open(archive_dir)).add("zhou", "engineering", by="test", password=PASSWORD)
    app = create_app(archive_dir)
    home = Browser(app, "zhou").get("/").text
    waiting = home.split("待写竣工验收报告")[1].split("</section>")[0]
    assert "HT-2026-0001" in waiting and "共 1 份" not in waiting
    rows, pages.HOME_ROWS = pages.HOME_ROWS, 0
    try:
        waiting = Browser(app, "zhou").get("/").text.split("待写竣工验收报告")[1].split("</section>")[0]
    finally:
        pages.HOME_ROWS = rows
    assert "HT-2026-0001" not in waiting and "签署最早的 0 份，共 1 份。" in waiting
    assert new("acceptance", contracted / "acceptance-2.yaml")["number"].startswith("YS-")
    waiting = Browser(app, "zhou").get("/").text.split("待写竣工验收报告")[1].split("</section>")[0]
    assert "HT-2026-0001" not in waiting


def test_the_drafts_to_work_on_are_the_latest_changed_and_paged(office: Any, work: Path, archive_dir: Path) -> None:
    """A designer's home lists the drafts, those legal sent back among them (a returned document
    is a draft again): the latest changed first; the first HOME_ROWS of them, and how many
    there are in all."""
    from conftest import run

    from docgen.web import pages

    assert run("review", "HT-2026-0002", "submit").exit_code == 0
    assert run("review", "HT-2026-0002", "reject", "--note", "违约金比例请修改").exit_code == 0
    later = new("quote", work / "quote.yaml")["number"]
    drafts = sorted((d for d in Archive.open(archive_dir).catalog.documents() if d.status == "draft"),
                    key=lambda d: (d.updated, d.number), reverse=True)
    assert {"HT-2026-0002", later} <= {d.number for d in drafts}

    def listed() -> tuple[list[str], str]:
        section = Browser(office, "sun").get("/").text.split("草稿和退回待改的文档")[1].split("</section>")[0]
        return list(dict.fromkeys(re.findall(r'href="/documents/([A-Z]+-\d{4}-\d{4})"', section))), section

    numbers, section = listed()
    assert numbers == [d.number for d in drafts] and "共 " not in section
    rows, pages.HOME_ROWS = pages.HOME_ROWS, 1
    try:
        numbers, section = listed()
    finally:
        pages.HOME_ROWS = rows
    assert numbers == [drafts[0].number]
    assert f"最近修改的 1 份，共 {len(drafts)} 份。" in section
