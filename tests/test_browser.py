"""The pages in a real browser: Debian's Chromium, headless, driven by Playwright, against
`docgen serve` started as a process, as each department uses them (in Chinese). Every test
saves a screenshot in its temporary folder (``*.png``) to be looked at.

Nothing here waits on the machine's speed: each step waits for what the page shows, with a
generous bound for a busy machine (conversions by LibreOffice take seconds)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run, served
from playwright.sync_api import sync_playwright
from test_distribute import first_page_text

from docgen.accounts import Accounts
from docgen.archive.core import Archive

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct-horse-7"
WAIT = 180_000  # ms: an upper bound for a busy machine, never a measure of speed



@pytest.fixture
def server(scans: Path, archive_dir: Path) -> Iterator[str]:
    """The base archive with HT-2026-0001 signed (its scan filed), an account per role, served."""
    assert run("ingest", scans / "ht.pdf").exit_code == 0
    accounts = Accounts(Archive.open(archive_dir))
    for name, role, display in (("li", "finance", "李娜"), ("qian", "legal", "钱律师"), ("zhao", "frontdesk", "赵敏"),
                                ("zhou", "engineering", "周工"), ("sun", "sales", "孙丽")):
        accounts.add(name, role, by="test", password=PASSWORD, display=display)
    with served(archive_dir, "zh-CN") as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():  # scripts/test installs it (scripts/setup --test)
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup --test")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


def person(chromium: Any, url: str, name: str, width: int = 1280) -> Any:
    """A browser window of one person, logged in at the home page."""
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(WAIT)
    page = context.new_page()
    page.goto(f"{url}/")
    assert "/login" in page.url
    page.get_by_label("账号").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{url}/")
    return page


def shot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_finance_searches_opens_the_signed_contract_and_takes_a_month_as_a_zip(
        chromium: Any, server: str, tmp_path: Path) -> None:
    page = person(chromium, server, "li")
    page.get_by_label("搜索档案").fill("合同")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("link", name="HT-2026-0001").first.click()
    page.wait_for_url(re.compile(r".*/documents/HT-2026-0001$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("HT-2026-0001")
    frame = page.locator("iframe.viewer")
    assert frame.get_attribute("title") == "HT-2026-0001 本部门副本"
    # the copy the page shows: the department's, labelled (fetched as the page's frame loads it)
    copy = page.request.get(server + frame.get_attribute("src"))
    assert copy.ok and copy.headers["content-type"] == "application/pdf"
    (tmp_path / "copy.pdf").write_bytes(copy.body())
    assert "第二联财务" in first_page_text(tmp_path / "copy.pdf")
    shot(page, tmp_path, "finance-document")
    # 复印件: this month's signed contracts, all selected, one ZIP
    page.get_by_role("link", name="复印件").click()
    page.get_by_label("签署日期从").fill("2026-01-01")
    page.get_by_label("到", exact=True).fill("2099-12-31")
    page.get_by_role("button", name="列出").click()
    assert page.get_by_label("选中 HT-2026-0001").is_checked()
    shot(page, tmp_path, "finance-copies")
    with page.expect_download() as caught:
        page.get_by_role("button", name="下载选中的副本（ZIP）").click()
    data = Path(caught.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.namelist() == ["HT-2026-0001_v2_财务联.pdf"]
        (tmp_path / "zipped.pdf").write_bytes(z.read("HT-2026-0001_v2_财务联.pdf"))
    assert "第二联财务" in first_page_text(tmp_path / "zipped.pdf")


def test_legal_approves_a_contract_with_a_note(chromium: Any, server: str, tmp_path: Path) -> None:
    sales = person(chromium, server, "sun")
    sales.goto(f"{server}/documents/HT-2026-0002")
    sales.get_by_role("button", name="提交审核").click()
    sales.get_by_text("已提交法务审核。").wait_for()
    page = person(chromium, server, "qian")
    page.get_by_role("link", name="HT-2026-0002").click()
    page.get_by_label("审核意见").fill("条款齐全，同意签署")
    shot(page, tmp_path, "legal-review")
    page.get_by_role("button", name="批准").click()
    page.get_by_text("已批准。").wait_for()
    assert "条款齐全，同意签署" in page.locator("main").inner_text()
    assert page.locator("h1 .status").inner_text() == "已审批"
    shot(page, tmp_path, "legal-approved")


def test_the_front_desk_uploads_a_signed_scan_and_an_unreadable_one(
        chromium: Any, server: str, scans: Path, tmp_path: Path) -> None:
    page = person(chromium, server, "zhao")
    page.get_by_role("link", name="扫描").click()
    (tmp_path / "污损.pdf").write_bytes(b"%PDF-1.4\nthis is not a readable scan\n")
    page.get_by_label("选择文件").set_input_files([str(scans / "bj.pdf"), str(tmp_path / "污损.pdf")])
    page.get_by_role("button", name="上传并归档").click()
    results = page.locator("section[aria-live] tbody tr")
    results.first.wait_for()
    filed, refused = results.all_inner_texts()
    assert "bj.pdf" in filed and "已归档" in filed and "BJ-2026-0001 第2版" in filed
    assert "污损.pdf" in refused and "已隔离" in refused
    quarantine = page.locator("section.card").last.inner_text()  # the quarantine list, with the reason
    assert "污损.pdf" in quarantine
    shot(page, tmp_path, "frontdesk-scans")


def test_engineering_rechecks_a_notice_on_a_phone(chromium: Any, server: str, tmp_path: Path) -> None:
    page = person(chromium, server, "zhou", width=390)
    page.get_by_role("link", name="ZG-2026-0001").first.click()
    page.get_by_label("合格（关闭通知书）").check()
    page.get_by_label("复查日期").fill("2026-12-20")
    page.get_by_label("复查记录").fill("空鼓已返工，复查合格")
    shot(page, tmp_path, "engineering-recheck-390")
    page.get_by_role("button", name="记录复查").click()
    page.get_by_text("复查已记录。").wait_for()
    assert page.locator("h1 .status").inner_text() == "已关闭"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    shot(page, tmp_path, "engineering-closed-390")


def test_a_customer_link_opens_the_customer_s_copies_and_stops_after_revoke(
        chromium: Any, server: str, tmp_path: Path) -> None:
    staff = person(chromium, server, "sun")
    staff.goto(f"{server}/documents/HT-2026-0001")
    staff.get_by_label("需要 4 位验证码").check()
    staff.get_by_role("button", name="生成客户链接").click()
    link = staff.get_by_label("发给客户的链接（只显示这一次）").input_value()
    code = staff.locator("strong.secret").inner_text()
    shot(staff, tmp_path, "link-made")
    customer = chromium.new_context(viewport={"width": 390, "height": 800}, locale="zh-CN").new_page()
    customer.set_default_timeout(WAIT)
    customer.goto(link)
    customer.get_by_label("验证码").fill(code)
    customer.get_by_role("button", name="查看").click()
    customer.get_by_role("heading", name="张三 的装修文件").wait_for()
    names = customer.locator("tbody tr").all_inner_texts()
    assert any("HT-2026-0001" in n for n in names) and not any("HT-2026-0002" in n for n in names)
    href = customer.locator("a[href$='/copies/HT-2026-0001']").get_attribute("href")
    pdf = customer.request.get(server + href)
    assert pdf.ok and pdf.body().startswith(b"%PDF-")
    shot(customer, tmp_path, "customer-list-390")
    staff.goto(f"{server}/documents/HT-2026-0001")
    staff.get_by_role("button", name="撤销").click()
    staff.get_by_text("客户链接已撤销").wait_for()
    customer.goto(link)
    assert customer.get_by_role("heading", level=1).inner_text() == "链接已失效"
    assert "已被撤销" in customer.locator("main").inner_text()
    shot(customer, tmp_path, "customer-revoked-390")


@pytest.mark.parametrize("name, paths", [
    ("li", ["/", "/search?q=合同", "/documents/HT-2026-0001", "/projects/P-2026-0001", "/copies?kind=contract",
            "/password"]),
    ("zhao", ["/", "/scans"]),
    ("zhou", ["/", "/documents/ZG-2026-0001", "/new"]),
])
def test_every_page_reads_on_a_360_px_phone(chromium: Any, server: str, tmp_path: Path, name: str,
                                             paths: list[str]) -> None:
    """Nothing of a page is wider than the phone (a wide table scrolls inside its own box), and
    every form field has a label."""
    page = person(chromium, server, name, width=360)
    for path in paths:
        page.goto(server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name)""")
        assert unlabelled == [], (path, unlabelled)
        shot(page, tmp_path, re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "home")
