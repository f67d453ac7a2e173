"""The pages: each department's people in their browsers, in Chinese, on the same service as the API.

Every page is server-rendered (Jinja2, autoescaped); the little script there is
(``static/docgen.js``: a drop area for scans, select-all) is docgen's own, as is the style
sheet, so the pages work on a company network without the internet. A page calls the
service as the logged-in account and shows what it returns; it adds no rule of its own: a
link or button a role may not use is not shown, and the service refuses it all the same.

Pages authenticate by the session cookie only; every form that changes something carries
the session's CSRF token as the hidden field ``csrf``. An error is one line on the page that
says what to fix, and a failed form leaves nothing half-done (the service's operations are
each all or nothing).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, File, Form, Request, Response, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.staticfiles import StaticFiles

from docgen.errors import DocgenError, Forbidden, InputError
from docgen.i18n import action_word, status_word

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20
HOME_ROWS = 20  # a home list that grows with the archive (the reports to write) shows this many, and the count
LINK_COOKIE = "docgen_link_code"  # a customer link's code, for that link's path only

# what the page says after a form did what it asked (a code in the URL: the text is the page's own)
DONE = {
    "new": "文档已生成。", "revise": "新版本已生成。", "submit": "已提交法务审核。", "approve": "已批准。",
    "reject": "已退回修改。", "recheck": "复查已记录。", "void": "已作废。", "step": "已记录。",
    "link:revoke": "客户链接已撤销，它立即失效。",
}


class LoginNeeded(Exception):
    """No live session: the page sends the browser to the login, and back after it."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def money(value: Any) -> str:
    """¥51,299.99: amounts as the company writes them."""
    from decimal import Decimal, InvalidOperation

    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def when(text: Any) -> str:
    """A stored instant as the company's local date and minute."""
    from docgen.clock import fmt_instant, instant

    if not text:
        return ""
    try:
        return fmt_instant(instant(str(text)))[:16].replace("T", " ")
    except ValueError:
        return str(text)[:16]


def snippet(text: str) -> Markup:
    """A search snippet with its matches (between 【】) marked, everything else escaped."""
    out = str(escape(text or ""))
    return Markup(out.replace("【", "<mark>").replace("】", "</mark>"))


def kind_name(kind: str) -> str:
    from docgen.kinds.names import kind_word

    return kind_word(kind)


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    from docgen.intake import result_word

    env.filters.update(money=money, when=when, snippet=snippet, kind=kind_name, status=status_word, action=action_word,
                       result=result_word)
    env.globals.update(quote=quote)
    return templates


# the menu, by what the role may: (key, label, link, operation the role needs)
MENU = (
    ("home", "首页", "/", None),
    ("search", "搜索", "/search", "search"),
    ("new", "新建", "/new", "new"),
    ("scans", "扫描", "/scans", "ingest"),
    ("copies", "复印件", "/copies", "pull"),
    ("accounts", "账号", "/accounts", "accounts"),
)


def install(app: FastAPI, archive: Callable[[], Any], service: Callable[[Any], Any],
            converter: Callable[[], Any]) -> None:
    """The pages and their static files on ``app``; ``archive()`` is this thread's archive,
    ``service(caller)`` the service acting as a caller (as the API's routes use them) and
    ``converter()`` the server's converters."""
    from docgen.web.app import COOKIE, Caller, set_session_cookie, status_of

    templates = _templates()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def accounts() -> Any:
        from docgen.accounts import Accounts

        return Accounts(archive())

    def address(request: Request) -> str | None:
        return request.client.host if request.client else None

    def who(request: Request) -> Caller:
        found = accounts().session(request.cookies.get(COOKIE, ""))
        if found is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginNeeded(target)
        account, session = found
        return Caller(account, address(request), session)

    def checked(request: Request, csrf: str) -> Caller:
        """The caller of a form that changes something: its CSRF field must be the session's."""
        caller = who(request)
        if not csrf or not hmac.compare_digest(csrf, caller.session.csrf):
            raise Forbidden("这个表单已过期（或不是从 docgen 的页面提交的）；请刷新页面后再提交")
        return caller

    def role(caller: Caller) -> Any:
        return archive().settings.roles.get(caller.account.role)

    def may(caller: Caller) -> Callable[..., bool]:
        r = role(caller)
        return lambda op, kind=None: r is not None and r.allows(op, kind)

    def page(request: Request, template: str, caller: Caller | None, status: int = 200, **context: Any) -> HTMLResponse:
        base: dict[str, Any] = {"who": None, "csrf": "", "menu": [], "active": None, "error": None, "notice": None}
        if caller is not None:
            allowed = may(caller)
            r = role(caller)
            base.update(
                who=caller.account, csrf=caller.session.csrf if caller.session else "",
                role_name=r.name if r else caller.account.role, may=allowed,
                menu=[(k, label, href) for k, label, href, op in MENU
                      if op is None or (allowed(op) and (op != "pull" or caller.account.department))],
            )
        base.update(context)
        return templates.TemplateResponse(request, template, base, status_code=status)

    app.state.render_error = lambda request, status, message: page(
        request, "error.html", _maybe(who, request), status, title="出错了", error=message)

    # logging in and out ----------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return page(request, "login.html", None, title="登录", next=_local(next), name="")

    @app.post("/login", include_in_schema=False)
    def login(request: Request, name: str = Form(max_length=200), password: str = Form(max_length=1000),
              next: str = Form(default="/")) -> Response:
        from docgen.accounts import LoginFailed, LoginLocked

        try:
            account, session, secret = accounts().login(name, password, address=address(request))
        except (LoginFailed, LoginLocked) as exc:
            return page(request, "login.html", None, 401, title="登录", error=str(exc), next=_local(next), name=name)
        response = RedirectResponse(_local(next), status_code=303)
        set_session_cookie(response, request, secret, archive().settings.server.session_hours)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form(default="")) -> Response:
        checked(request, csrf)
        accounts().logout(request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/password", response_class=HTMLResponse, include_in_schema=False)
    def password_page(request: Request) -> HTMLResponse:
        return page(request, "password.html", who(request), title="修改密码")

    @app.post("/password", include_in_schema=False)
    def password(request: Request, csrf: str = Form(default=""), old: str = Form(max_length=1000),
                 new: str = Form(max_length=1000), again: str = Form(max_length=1000)) -> Response:
        caller = checked(request, csrf)
        if new != again:
            return page(request, "password.html", caller, 400, title="修改密码", error="两次输入的新密码不一样；请重新输入")
        try:
            accounts().change_password(caller.account.name, old, new, address=caller.address)
        except DocgenError as exc:
            return page(request, "password.html", caller, status_of(exc), title="修改密码", error=str(exc))
        response = page(request, "login.html", None, title="登录", notice="密码已修改；请用新密码重新登录。",
                        next="/", name=caller.account.name)
        response.delete_cookie(COOKIE, path="/")
        return response

    # 首页 ---------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        from docgen.clock import today

        caller = who(request)
        allowed = may(caller)
        context: dict[str, Any] = {"title": "首页", "active": "home", "today": today()}
        engineering = allowed("recheck") or allowed("step")
        with service(caller) as s:
            # which documents the lists show, from the catalog's list alone; then their rows
            # (totals, customers) for those only
            docs = s.listing(statuses=("draft", "in_review", "issued")) if allowed("read") else []
            # drafts to work on (a document legal sent back is a draft again): the latest changed
            # first, HOME_ROWS of them
            drafts = sorted((d for d in docs if d.status == "draft" and allowed("revise", d.kind)),
                            key=lambda d: (d.updated, d.number), reverse=True)
            wanted = {d.number for d in drafts[:HOME_ROWS]} | {
                d.number for d in docs if (d.status == "in_review" and allowed("review:approve"))
                or (engineering and d.kind == "rectification" and d.status == "issued")}
            rows = s.documents(numbers=sorted(wanted)) if wanted else []
            by_number = {r.number: r for r in rows}
            context["mine"] = [by_number[d.number] for d in drafts[:HOME_ROWS] if d.number in by_number]
            context["mine_total"] = len(drafts)
            if allowed("review:approve"):
                waiting = sorted((r for r in rows if r.status == "in_review"), key=lambda r: r.updated)
                context["in_review"] = [(r, (today() - _local_day(r.updated)).days) for r in waiting]
            if engineering:
                context["late"] = s.overdue()
                context["open_notices"] = [r for r in rows if r.kind == "rectification" and r.status == "issued"]
                context["to_accept"], context["to_accept_total"] = s.awaiting_acceptance(limit=HOME_ROWS)
            if allowed("quarantine"):
                context["quarantine"] = s.quarantine().items
                context["filed_today"] = s.filed_on(today())
            if caller.account.department in ("finance", "archive"):
                since = _since_last_visit(caller.account)
                context["signed_since"] = since
                context["signed"] = [x.row for kind in _sum_kinds() if allowed("pull", kind)
                                     for x in s.signed(kind, since)]
            if allowed("verify"):
                context["counts"] = s.status_counts()
                context["index_waiting"] = len(archive().catalog.index_queue())
        return page(request, "home.html", caller, **context)

    @app.post("/verify", response_class=HTMLResponse, include_in_schema=False)
    def verify(request: Request, csrf: str = Form(default="")) -> HTMLResponse:
        """The archive department's check of every stored file and the chain (`docgen verify`)."""
        caller = checked(request, csrf)
        with service(caller) as s:
            result = s.verify().to_json()
        return page(request, "verify.html", caller, title="校验档案", result=result)

    # 搜索 ---------------------------------------------------------------------------------

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search(request: Request, q: str = "", kind: str = "", status: str = "", project: str = "",
               customer: str = "", date_from: str = "", date_to: str = "", page_no: int = 1) -> HTMLResponse:
        from docgen.archive.search import Filters
        from docgen.kinds import registry

        caller = who(request)
        form = {"q": q, "kind": kind, "status": status, "project": project, "customer": customer,
                "date_from": date_from, "date_to": date_to}
        context: dict[str, Any] = {"title": "搜索", "active": "search", "form": form, "hits": None,
                                   "kinds": registry.kinds(), "statuses": registry.statuses()}
        page_no = max(1, min(page_no, 500))
        if q.strip():
            try:
                filters = Filters(kind=registry.kind_key(kind) if kind else None, project=project or None,
                                  customer=customer or None, status=status or None,
                                  date_from=_day(date_from, "起始日期"), date_to=_day(date_to, "截止日期"))
                if kind and filters.kind is None:
                    raise InputError(f"没有这种文档：{kind}")
                with service(caller) as s:
                    hits = s.search(q[:2000], filters, limit=PAGE_SIZE + 1, offset=(page_no - 1) * PAGE_SIZE)
            except DocgenError as exc:
                return page(request, "search.html", caller, status_of(exc), error=str(exc), **context)
            results = hits.results
            context.update(hits=results[:PAGE_SIZE], page_no=page_no,
                           prev_url=_search_url(form, page_no - 1) if page_no > 1 else None,
                           next_url=_search_url(form, page_no + 1) if len(results) > PAGE_SIZE else None)
        return page(request, "search.html", caller, **context)

    # 文档 ---------------------------------------------------------------------------------

    def document_context(caller: Caller, number: str) -> dict[str, Any]:
        from docgen.kinds import registry

        allowed = may(caller)
        with service(caller) as s:
            view = s.show(number)
            data = view.data
            kind = registry.get(data["kind"])
            return {
                "title": f"{data['number']} {data['title']}", "doc": data, "lines": view.lines,
                "kind_def": kind, "steps": list(kind.steps), "reviewed": bool(kind.review),
                "copy_url": f"/api/v1/documents/{quote(data['number'])}/copy",
                "can_copy": allowed("pull", data["kind"]) and caller.account.department is not None,
                "links": s.links(data["number"]) if allowed("link", data["kind"]) else [],
            }

    @app.get("/documents/{number}", response_class=HTMLResponse, include_in_schema=False)
    def document(request: Request, number: str, done: str = "") -> HTMLResponse:
        caller = who(request)
        return page(request, "document.html", caller, notice=DONE.get(done), **document_context(caller, number))

    def after(request: Request, caller: Caller, number: str, run: Callable[[Any], Any], done: str) -> Response:
        """A form's action on a document: back to its page, with a line saying what happened or what to fix."""
        try:
            with service(caller) as s:
                run(s)
        except DocgenError as exc:
            context = document_context(caller, number)
            return page(request, "document.html", caller, status_of(exc), error=str(exc), **context)
        return RedirectResponse(f"/documents/{quote(number.strip().upper())}?done={done}", status_code=303)

    @app.post("/documents/{number}/review", include_in_schema=False)
    def review(request: Request, number: str, csrf: str = Form(default=""), action: str = Form(),
               note: str = Form(default="", max_length=2000)) -> Response:
        caller = checked(request, csrf)
        return after(request, caller, number, lambda s: s.review(number, action, note=note), action)

    @app.post("/documents/{number}/recheck", include_in_schema=False)
    def recheck(request: Request, number: str, csrf: str = Form(default=""), result: str = Form(),
                note: str = Form(default="", max_length=2000), deadline: str = Form(default=""),
                day: str = Form(default="")) -> Response:
        caller = checked(request, csrf)

        def run(s: Any) -> Any:
            return s.recheck(number, passed=result == "passed", note=note, deadline=_day(deadline, "整改期限"),
                             day=_day(day, "复查日期"))

        return after(request, caller, number, run, "recheck")

    @app.post("/documents/{number}/void", include_in_schema=False)
    def void(request: Request, number: str, csrf: str = Form(default=""),
             note: str = Form(default="", max_length=2000)) -> Response:
        caller = checked(request, csrf)
        return after(request, caller, number, lambda s: s.void(number, note=note), "void")

    @app.post("/documents/{number}/steps/{step}", include_in_schema=False)
    def step(request: Request, number: str, step: str, csrf: str = Form(default=""),
             data: UploadFile | None = File(default=None), files: list[UploadFile] = File(default=[]),
             note: str = Form(default="", max_length=2000)) -> Response:
        from docgen.web.app import _sent

        caller = checked(request, csrf)
        sent = _sent(data) if data is not None and data.filename else None
        return after(request, caller, number,
                     lambda s: s.step_sent(number, step, sent, [_sent(f) for f in files if f.filename], note=note),
                     "step")

    @app.post("/documents/{number}/versions", include_in_schema=False)
    def revise(request: Request, number: str, csrf: str = Form(default=""), data: UploadFile = File(),
               files: list[UploadFile] = File(default=[]), note: str = Form(default="", max_length=2000)) -> Response:
        from docgen.web.app import _sent

        caller = checked(request, csrf)
        return after(request, caller, number,
                     lambda s: s.revise_sent(number, _sent(data), [_sent(f) for f in files if f.filename], note=note),
                     "revise")

    @app.get("/documents/{number}/diff", response_class=HTMLResponse, include_in_schema=False)
    def diff(request: Request, number: str, a: int = 1, b: int = 2) -> HTMLResponse:
        caller = who(request)
        context = document_context(caller, number)
        try:
            with service(caller) as s:
                context["diff"] = s.diff(number, a, b)
        except DocgenError as exc:
            return page(request, "document.html", caller, status_of(exc), error=str(exc), **context)
        return page(request, "document.html", caller, **context)

    # 项目 ---------------------------------------------------------------------------------

    @app.get("/projects/{code}", response_class=HTMLResponse, include_in_schema=False)
    def project(request: Request, code: str) -> HTMLResponse:
        caller = who(request)
        with service(caller) as s:
            chain = s.project(code)
        return page(request, "project.html", caller, title=f"项目 {chain.code}", chain=chain)

    # 扫描 ---------------------------------------------------------------------------------

    def scans_context(s: Any) -> dict[str, Any]:
        return {"title": "扫描", "active": "scans", "quarantine": s.quarantine().items}

    @app.get("/scans", response_class=HTMLResponse, include_in_schema=False)
    def scans_page(request: Request) -> HTMLResponse:
        caller = who(request)
        try:
            with service(caller) as s:
                context = scans_context(s)
        except Forbidden as exc:
            return page(request, "error.html", caller, 403, title="扫描", error=str(exc))
        return page(request, "scans.html", caller, outcomes=None, **context)

    def taken_page(request: Request, caller: Caller, run: Callable[[Any], Any]) -> HTMLResponse:
        """The 扫描 page after an intake form: what became of each file, or the one line that
        says what to fix; the quarantine as it is now, either way."""
        outcomes, error, status = None, None, 200
        with service(caller) as s:
            try:
                outcomes = run(s).outcomes
            except DocgenError as exc:
                error, status = str(exc), status_of(exc)
            context = scans_context(s)
        return page(request, "scans.html", caller, status, error=error, outcomes=outcomes, **context)

    @app.post("/scans", response_class=HTMLResponse, include_in_schema=False)
    def scans(request: Request, csrf: str = Form(default=""), files: list[UploadFile] = File(default=[])) -> HTMLResponse:
        from docgen.web.app import _sent

        caller = checked(request, csrf)
        return taken_page(request, caller, lambda s: s.ingest_sent([_sent(f) for f in files if f.filename]))

    @app.post("/quarantine/{name}", response_class=HTMLResponse, include_in_schema=False)
    def quarantine(request: Request, name: str, csrf: str = Form(default=""), action: str = Form(),
                   number: str = Form(default="", max_length=40)) -> HTMLResponse:
        from docgen.service.sent import plain_name

        caller = checked(request, csrf)
        if action == "file-as":
            return taken_page(request, caller, lambda s: s.file_as(plain_name(name), number))
        return taken_page(request, caller, lambda s: s.retry([plain_name(name)]))

    # 复印件 -------------------------------------------------------------------------------

    @app.get("/copies", response_class=HTMLResponse, include_in_schema=False)
    def copies(request: Request, kind: str = "contract", since: str = "", until: str = "") -> HTMLResponse:
        from docgen.clock import today
        from docgen.kinds import registry

        caller = who(request)
        first = today().replace(day=1)
        form = {"kind": kind, "since": since or first.isoformat(), "until": until or today().isoformat()}
        context: dict[str, Any] = {"title": "复印件", "active": "copies", "form": form, "kinds": registry.kinds()}
        try:
            key = registry.kind_key(kind)
            if key is None:
                raise InputError(f"没有这种文档：{kind}")
            with service(caller) as s:
                rows = s.signed(key, _day(form["since"], "起始日期") or first,
                                _day(form["until"], "截止日期") or today())
        except DocgenError as exc:
            return page(request, "copies.html", caller, status_of(exc), error=str(exc), rows=[], **context)
        total = sum((_amount(r.row.total) for r in rows), _amount(0))
        return page(request, "copies.html", caller, rows=rows, total=total, **context)

    def selected(request: Request, csrf: str, kind: str, since: str, until: str, numbers: list[str], none: str,
                 make: Callable[[Any, str], Response]) -> Response:
        """A 复印件 form's selection: the kind and the documents ticked, then ``make(service, kind)``;
        an error is the 复印件 page with its one line."""
        from docgen.kinds import registry

        caller = checked(request, csrf)
        try:
            key = registry.kind_key(kind)
            if key is None:
                raise InputError(f"没有这种文档：{kind}")
            if not numbers:
                raise InputError(none)
            with service(caller) as s:
                return make(s, key)
        except DocgenError as exc:
            return page(request, "copies.html", caller, status_of(exc), error=str(exc), rows=[],
                        form={"kind": kind, "since": since, "until": until}, kinds=registry.kinds(),
                        title="复印件", active="copies")

    @app.post("/copies.zip", include_in_schema=False)
    def copies_zip(request: Request, csrf: str = Form(default=""), kind: str = Form(), since: str = Form(),
                   until: str = Form(default=""), numbers: list[str] = Form(default=[])) -> Response:
        from docgen.web.app import _file

        return selected(request, csrf, kind, since, until, numbers, "没有选中文档；请勾选要下载的文档",
                        lambda s, key: _file(s.copies_zip(key, _day(since, "起始日期") or date.min,
                                                          until=_day(until, "截止日期"), numbers=numbers)))

    @app.post("/copies.xlsx", include_in_schema=False)
    def copies_xlsx(request: Request, csrf: str = Form(default=""), kind: str = Form(), since: str = Form(default=""),
                    until: str = Form(default=""), numbers: list[str] = Form(default=[])) -> Response:
        """The selected documents as finance's spreadsheet (`docgen list --xlsx`)."""
        from docgen.kinds import registry
        from docgen.service import XLSX
        from docgen.service.results import Download
        from docgen.web.app import _file

        def sheet(s: Any, key: str) -> Response:
            name = f"{registry.get(key).cn}_{since or '全部'}至{until or '今'}.xlsx"
            return _file(Download(name, XLSX, s.statement_sheet(s.statement(key, numbers=numbers))))

        return selected(request, csrf, kind, since, until, numbers, "没有选中文档；请勾选要列入表格的文档", sheet)

    # 新建 ---------------------------------------------------------------------------------

    def new_context(caller: Caller) -> dict[str, Any]:
        from docgen.kinds import registry

        allowed = may(caller)
        return {"title": "新建", "active": "new", "kinds": [k for k in registry.kinds() if allowed("new", k.key)]}

    @app.get("/new", response_class=HTMLResponse, include_in_schema=False)
    def new_page(request: Request) -> HTMLResponse:
        caller = who(request)
        return page(request, "new.html", caller, **new_context(caller))

    @app.post("/new", include_in_schema=False)
    def new(request: Request, csrf: str = Form(default=""), kind: str = Form(), data: UploadFile = File(),
            files: list[UploadFile] = File(default=[]), note: str = Form(default="", max_length=2000),
            project: str = Form(default="", max_length=200)) -> Response:
        from docgen.kinds import registry
        from docgen.web.app import _sent

        caller = checked(request, csrf)
        try:
            key = registry.kind_key(kind)
            if key is None:
                raise InputError(f"没有这种文档：{kind}")
            with service(caller) as s:
                made = s.new_sent(key, _sent(data), [_sent(f) for f in files if f.filename], note=note,
                                  project=project.strip() or None)
        except DocgenError as exc:
            return page(request, "new.html", caller, status_of(exc), error=str(exc), **new_context(caller))
        return RedirectResponse(f"/documents/{quote(made.made.number)}?done=new", status_code=303)

    # 客户链接 ------------------------------------------------------------------------------

    @app.post("/documents/{number}/links", response_class=HTMLResponse, include_in_schema=False)
    def link_create(request: Request, number: str, csrf: str = Form(default=""), days: int = Form(default=14),
                    code: bool = Form(default=False)) -> Response:
        caller = checked(request, csrf)
        try:
            with service(caller) as s:
                made = s.link_create(number, days=days, code=code)
        except DocgenError as exc:
            return page(request, "document.html", caller, status_of(exc), error=str(exc),
                        **document_context(caller, number))
        url = str(request.base_url).rstrip("/") + f"/c/{made.secret}"
        return page(request, "document.html", caller, new_link=made, new_link_url=url,
                    notice="客户链接已生成：链接和验证码只显示这一次，请现在发给客户（验证码请另行告知）。",
                    **document_context(caller, number))

    @app.post("/documents/{number}/links/{link_id}/revoke", include_in_schema=False)
    def link_revoke(request: Request, number: str, link_id: str, csrf: str = Form(default="")) -> Response:
        caller = checked(request, csrf)
        return after(request, caller, number, lambda s: s.link_revoke(number, link_id), "link:revoke")

    def customer(request: Request) -> Any:
        from docgen.service.customer import CustomerLink

        return CustomerLink(archive(), converter(), address(request))

    def shared_page(request: Request, secret: str, code: str | None, status: int = 200,
                    error: str | None = None) -> Response:
        from docgen.links import CodeNeeded, LinkClosed

        try:
            shared = customer(request).open(secret, code)
        except CodeNeeded as exc:
            return page(request, "shared.html", None, 401 if code else 200, title="查看文件", ask_code=True,
                        error=str(exc) if code else None, notice=None if code else str(exc), secret=secret)
        except LinkClosed as exc:
            return page(request, "shared.html", None, 410, title="链接已失效", closed=True, error=str(exc))
        return page(request, "shared.html", None, status, title="我的装修文件", shared=shared, secret=secret,
                    error=error)

    @app.get("/c/{secret}", response_class=HTMLResponse, include_in_schema=False)
    def shared(request: Request, secret: str) -> Response:
        return shared_page(request, secret, request.cookies.get(LINK_COOKIE))

    @app.post("/c/{secret}", response_class=HTMLResponse, include_in_schema=False)
    def shared_code(request: Request, secret: str, code: str = Form(default="", max_length=10)) -> Response:
        response = shared_page(request, secret, code.strip())
        if response.status_code == 200:
            response.set_cookie(LINK_COOKIE, code.strip(), httponly=True, samesite="strict", path=f"/c/{secret}",
                                secure=request.url.scheme == "https")
        return response

    @app.get("/c/{secret}/copies/{number}", include_in_schema=False)
    def shared_copy(request: Request, secret: str, number: str) -> Response:
        from docgen.links import CodeNeeded, LinkClosed
        from docgen.web.app import _file

        try:
            download = customer(request).copy(secret, request.cookies.get(LINK_COOKIE), number)
        except (CodeNeeded, LinkClosed):
            return RedirectResponse(f"/c/{secret}", status_code=303)
        except DocgenError as exc:
            return shared_page(request, secret, request.cookies.get(LINK_COOKIE), status_of(exc), error=str(exc))
        return _file(download, inline=True)

    # 账号 ---------------------------------------------------------------------------------

    def accounts_page(request: Request, caller: Caller, status: int = 200, **extra: Any) -> HTMLResponse:
        settings = archive().settings
        with service(caller) as s:
            listed = s.accounts()
            tokens = s.tokens()
        return page(request, "accounts.html", caller, status, title="账号", active="accounts", accounts=listed,
                    tokens=tokens, roles=settings.roles, departments=settings.departments, **extra)

    @app.get("/accounts", response_class=HTMLResponse, include_in_schema=False)
    def accounts_list(request: Request) -> HTMLResponse:
        caller = who(request)
        try:
            return accounts_page(request, caller)
        except Forbidden as exc:
            return page(request, "error.html", caller, 403, title="账号", error=str(exc))

    @app.post("/accounts", response_class=HTMLResponse, include_in_schema=False)
    def account_change(request: Request, csrf: str = Form(default=""), action: str = Form(),
                       name: str = Form(max_length=64), role: str = Form(default=""),
                       department: str = Form(default=""), display: str = Form(default="", max_length=100),
                       password: str = Form(default="", max_length=1000), note: str = Form(default="", max_length=200),
                       token: str = Form(default="", max_length=40)) -> HTMLResponse:
        caller = checked(request, csrf)
        extra: dict[str, Any] = {}
        try:
            with service(caller) as s:
                if action == "add":
                    s.account_add(name, role, department=department, display=display, password=password or None)
                    extra["notice"] = f"已添加账号 {name}"
                elif action == "disable":
                    s.account_disable(name)
                    extra["notice"] = f"已停用账号 {name}，它的登录已结束"
                elif action == "passwd":
                    s.account_passwd(name, password)
                    extra["notice"] = f"已重置 {name} 的密码，请另行告诉本人"
                elif action == "role":
                    s.account_role(name, role)
                    extra["notice"] = f"{name} 的角色已改为 {role}，需重新登录"
                elif action == "token":
                    secret, _token = s.token_create(name, note=note)
                    extra.update(new_token=secret, notice=f"已为 {name} 生成令牌：只显示这一次，请现在复制")
                elif action == "revoke":
                    s.token_revoke(token)
                    extra["notice"] = f"已撤销令牌 {token}"
                else:
                    raise InputError(f"没有这种操作：{action[:20]!r}")
        except DocgenError as exc:
            return accounts_page(request, caller, status_of(exc), error=str(exc))
        return accounts_page(request, caller, **extra)


def _maybe(who: Callable[[Request], Any], request: Request) -> Any:
    try:
        return who(request)
    except LoginNeeded:
        return None


def _local(target: str) -> str:
    """A place on this site to go back to after the login: never another site."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _day(text: str, what: str) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{what} {text[:20]!r} 不是日期；请写成 2026-12-01") from None


def _search_url(form: dict[str, str], page_no: int) -> str:
    return "/search?" + urlencode({**{k: v for k, v in form.items() if v}, "page_no": page_no})


def _amount(value: Any) -> Any:
    from decimal import Decimal

    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _local_day(text: str) -> date:
    """The company's date of a stored instant."""
    from docgen.clock import instant

    return instant(text).date()


def _since_last_visit(account: Any) -> date:
    """Finance's 'since the last visit': the day of the login before this one, else a month ago."""
    from docgen.clock import instant, today

    previous = getattr(account, "previous_login", None)
    if previous:
        return instant(previous).date()
    return today() - timedelta(days=30)


def _sum_kinds() -> list[str]:
    """The kinds that make a contract sum: the kinds amended, and the kinds that amend them."""
    from docgen.kinds import registry

    amending = [k for k in registry.kinds() if k.amends]
    return sorted({k.amends for k in amending if k.amends} | {k.key for k in amending}, key=registry.keys().index)
