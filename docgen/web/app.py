"""The ASGI app: authentication, errors as one JSON line, security headers, and the routes."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, Query, Request, Response, Security, UploadFile
from fastapi import Path as Path_
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyCookie, HTTPBearer
from pydantic import BaseModel, BeforeValidator, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from docgen.dates import parse_date
from docgen.errors import DocgenError, Forbidden, InputError, Misused, NotFound, StateError
from docgen.i18n import _
from docgen.service import ORIGINAL_MEDIA_TYPES, XLSX
from docgen.service.sent import plain_name

COOKIE = "docgen_session"
CSRF_HEADER = "x-csrf-token"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # answers carry personal data: never kept by a browser or a proxy
}

# How a caller is known, as the spec says it: either of the two (``caller`` reads them itself).
TOKEN = HTTPBearer(auto_error=False, description="a token from `docgen token create`")
SESSION = APIKeyCookie(name=COOKIE, auto_error=False,
                       description="the cookie of POST /api/v1/session; a write with it sends X-CSRF-Token too")


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Caller:
    """The authenticated account of a request, and how it came (cookie or token)."""

    def __init__(self, account: Any, address: str | None, session: Any = None) -> None:
        self.account = account
        self.address = address
        self.session = session  # None for a bearer token (no cookie, no CSRF)


# A day as docgen reads one everywhere (2026-11-02, 2026/11/02, 2026年11月2日), never a number
# taken as Unix time as pydantic alone would (date_from=0 is no 1970-01-01).
Day = Annotated[date, BeforeValidator(parse_date)]


class ErrorAnswer(BaseModel):
    """Every refusal: one line that says what to fix."""

    error: str


class Login(BaseModel):
    name: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class Review(BaseModel):
    action: Literal["submit", "approve", "reject"]
    note: str = Field(default="", max_length=2000)


class Recheck(BaseModel):
    passed: bool
    note: str = Field(max_length=2000)
    deadline: Day | None = None
    inspector: str | None = Field(default=None, max_length=200)
    day: Day | None = None


class Void(BaseModel):
    note: str = Field(max_length=2000, description="why it is void")


class Distribute(BaseModel):
    again: bool = False


class NewLink(BaseModel):
    days: int = Field(default=14, ge=1, le=90, description="how many days the link opens")
    code: bool = Field(default=False, description="ask for a 4-digit code given to the customer separately")


class FileAs(BaseModel):
    number: str = Field(max_length=40, description="the document a person checked the scan is")
    version: int | None = Field(default=None, ge=1, le=10_000_000)
    supersede: str | None = Field(default=None, max_length=2000)


def _sent(upload: UploadFile) -> Any:
    """An uploaded file as the service takes it: the name the sender gave and the bytes."""
    from docgen.service import Sent

    return Sent(upload.filename or "", upload.file.read())


def _written(result: Any) -> dict[str, Any]:
    """A write's result and what followed it (copies delivered, notes)."""
    out: dict[str, Any] = result.to_json()
    return {**out, "followed": result.followed.to_json()}


def _taken(taken: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = taken.to_json()
    for o in out:
        o["file"] = Path(o["file"]).name
        o["quarantined"] = [Path(p).name for p in o["quarantined"]]
    return out


def set_session_cookie(response: Response, request: Request, secret: str, hours: float) -> None:
    """The session's cookie, for the API's login and the pages' alike: HttpOnly, SameSite=Lax,
    Secure when served over TLS, kept for ``[server] session_hours``."""
    response.set_cookie(COOKIE, secret, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https",
                        max_age=int(hours * 3600))


def _file(download: Any, inline: bool = False) -> Response:
    """A file as an answer: its name for the browser's save dialog (UTF-8, with an ASCII fallback)."""
    from urllib.parse import quote

    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in download.name)
    how = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f"{how}; filename=\"{fallback}\"; filename*=UTF-8''{quote(download.name)}"}
    if inline:  # the document's page shows its copy in the browser's own PDF viewer, framed by docgen only
        headers.update({"Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
                        "X-Frame-Options": "SAMEORIGIN"})
    return Response(download.data, media_type=download.media_type, headers=headers)


def _kind(text: str | None) -> str | None:
    """A kind by its key or Chinese name, as the CLI takes it."""
    from docgen.kinds import registry

    if text is None:
        return None
    key = registry.kind_key(text)
    if key is None:
        raise ApiError(400, _("unknown kind {kind}; use one of: {kinds}").format(
            kind=repr(text[:40]), kinds=", ".join(registry.keys())))
    return key


def _status(text: str | None) -> str | None:
    from docgen.kinds import registry

    if text is not None and text not in registry.statuses():
        raise ApiError(400, _("unknown status {status}; use one of: {statuses}").format(
            status=repr(text[:40]), statuses=", ".join(registry.statuses())))
    return text


def status_of(exc: DocgenError) -> int:
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, StateError):
        return 409
    if isinstance(exc, (InputError, Misused)):
        return 400
    return 400


class BodyLimit:
    """Refuses a request body larger than ``limit`` bytes with 413: by its Content-Length
    before a byte is read, and, for a body sent without one, as soon as it grows past it."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                await _answer(send, 400, _("Content-Length is not a number"))
                return
            if int(length) > self.limit:
                await _answer(send, 413, self.message())
                return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise StarletteHTTPException(413, self.message())
            return message

        await self.app(scope, counted, send)

    def message(self) -> str:
        return _("the upload is larger than {mb} MB ([server] max_upload_mb); send fewer or smaller files").format(
            mb=self.limit // (1024 * 1024))


class SecurityHeaders:
    """Every answer's :data:`SECURITY_HEADERS`, unless the route set its own: added to the
    response's start as it is sent (plain ASGI, no second task or stream per request)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = headers = list(message.get("headers") or ())
                present = {k.lower() for k, _v in headers}
                headers += [(k, v) for k, v in _SECURITY_RAW if k not in present]
            await send(message)

        await self.app(scope, receive, sending)


_SECURITY_RAW = tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items())


def _binary_uploads(openapi: Any) -> Any:
    """The spec with every uploaded file also marked ``format: binary``: OpenAPI 3.0's spelling of
    3.1's ``contentMediaType``, which client generators and testing tools still go by."""

    def marked() -> dict[str, Any]:
        spec: dict[str, Any] = openapi()
        for body in spec.get("components", {}).get("schemas", {}).values():
            for field in body.get("properties", {}).values():
                for s in (field, field.get("items", {}), *field.get("anyOf", ())):
                    if s.get("contentMediaType") == "application/octet-stream":
                        s["format"] = "binary"
        return spec

    return marked


def allowed_methods(app: FastAPI, request: Request) -> set[str]:
    """The methods the routes at the request's path answer."""
    from starlette.routing import Match

    return {m for route in app.router.routes if route.matches(request.scope)[0] != Match.NONE
            for m in getattr(route, "methods", None) or ()}


async def _answer(send: Any, status: int, message: str) -> None:
    import json

    body = json.dumps({"error": message}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close"), *_SECURITY_RAW]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(root: Path, converter: Any = None) -> FastAPI:
    """The app serving the archive at ``root``; one Archive per thread (SQLite connections are not
    shared). Documents are converted by ``converter``, by default the process's pool of
    ``[server] converters`` warm converters, so that several people's documents convert side by side."""
    from docgen.archive.core import Archive
    from docgen.render.service import server_converter

    answers: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorAnswer, "description": what} for status, what in (
            (400, "bad input: the one line says what to fix"), (401, "not logged in"),
            (403, "not allowed (recorded as a refusal)"), (404, "no such document, file or resource"),
            (409, "the document's state does not allow it"), (413, "larger than [server] max_upload_mb"),
            (422, "a parameter or field of the wrong form"))}
    app = FastAPI(title="docgen", version="1", openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
                  responses=answers)
    app.openapi = _binary_uploads(app.openapi)  # type: ignore[method-assign]
    local = threading.local()

    def archive() -> Any:
        if getattr(local, "archive", None) is None:
            a = Archive.open(root)
            a.settings  # noqa: B018 - a docgen.toml that cannot be used stops the server at start
            local.archive = a
        return local.archive

    settings = archive().settings  # read, and the archive opened, before the first request
    shown_root = str(archive().root)
    if converter is None:
        converter = server_converter(settings.server.converters)
    app.add_middleware(BodyLimit, limit=settings.server.max_upload_mb * 1024 * 1024)

    app.add_middleware(SecurityHeaders)

    async def answer(request: Request, status: int, message: str) -> Any:
        """An error as the caller reads it: one JSON line for the API, one line on a page for a browser."""
        if request.url.path.startswith("/api/") or not hasattr(app.state, "render_error"):
            return JSONResponse({"error": message}, status_code=status)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(app.state.render_error, request, status, message)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Any:
        return await answer(request, exc.status, exc.message)

    @app.exception_handler(DocgenError)
    async def docgen_error(request: Request, exc: DocgenError) -> Any:
        from docgen.table import printable

        # the server's folders are not the caller's business: the archive is "the archive"
        return await answer(request, status_of(exc), printable(str(exc)).replace(shown_root, "the archive"))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        what = str(first.get("msg", "invalid")).removeprefix("Value error, ")  # docgen's own one line as it is
        return await answer(request, 422, f"{where or 'request'}: {what}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        message = {404: _("no such resource"), 405: _("this method is not allowed here")}.get(
            exc.status_code, str(exc.detail))
        if exc.status_code == 400:  # the framework's own: a body that is not the form or JSON it claims
            message = _("the request's body could not be read ({detail}); send a well-formed multipart form "
                        "or JSON").format(detail=str(exc.detail).rstrip("."))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Allow names the methods of every route at this path, not just the first
            headers["Allow"] = ", ".join(sorted(allowed_methods(app, request)))
        response = await answer(request, exc.status_code, message)
        response.headers.update(headers)
        return response

    from docgen.web.pages import LoginNeeded, install

    @app.exception_handler(LoginNeeded)
    async def login_needed(_request: Request, exc: LoginNeeded) -> Any:
        from urllib.parse import quote

        from fastapi.responses import RedirectResponse

        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    def caller(request: Request, _token: Any = Security(TOKEN), _session: Any = Security(SESSION)) -> Caller:
        from docgen.accounts import Accounts

        accounts = Accounts(archive())
        address = request.client.host if request.client else None
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            account = accounts.bearer(auth[7:].strip())
            if account is None:
                raise ApiError(401, _("the token is unknown, revoked or its account disabled"))
            return Caller(account, address)
        found = accounts.session(request.cookies.get(COOKIE, ""))
        if found is None:
            raise ApiError(401, _("log in first: POST /api/v1/session with name and password"))
        account, session = found
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get(CSRF_HEADER, "")
            if not sent or not hmac.compare_digest(sent, session.csrf):
                raise ApiError(403, _("a write with the session cookie needs the X-CSRF-Token header from the login"))
        return Caller(account, address, session)

    @contextmanager
    def service(who: Caller) -> Iterator[Any]:
        from docgen.service import Actor, Service

        a = who.account
        yield Service(archive(), Actor(a.name, a.role, a.department, who.address), converter)

    install(app, archive, service, lambda: converter)

    # sessions ------------------------------------------------------------------

    @app.post("/api/v1/session")
    def login(body: Login, request: Request) -> JSONResponse:
        from docgen.accounts import Accounts, LoginFailed, LoginLocked

        address = request.client.host if request.client else None
        try:
            account, session, secret = Accounts(archive()).login(body.name, body.password, address=address)
        except (LoginFailed, LoginLocked) as exc:
            raise ApiError(401, str(exc)) from None
        response = JSONResponse({"account": account.to_json(), "csrf": session.csrf})
        set_session_cookie(response, request, secret, archive().settings.server.session_hours)
        return response

    @app.delete("/api/v1/session")
    def logout(request: Request, who: Caller = Depends(caller)) -> JSONResponse:
        from docgen.accounts import Accounts

        Accounts(archive()).logout(request.cookies.get(COOKIE, ""))
        response = JSONResponse({"logged_out": True})
        response.delete_cookie(COOKIE, path="/")
        return response

    @app.get("/api/v1/me")
    def me(who: Caller = Depends(caller)) -> dict[str, Any]:
        role = archive().settings.roles.get(who.account.role)
        return {**who.account.to_json(), "may": list(role.may) if role else []}

    # documents -------------------------------------------------------------------

    @app.get("/api/v1/documents")
    def documents(kind: str | None = None, status: str | None = None, overdue: bool = False,
                  who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        kind, status = _kind(kind), _status(status)
        with service(who) as s:
            rows = s.overdue() if overdue else s.documents(kind, status)
            return [r.to_json() for r in rows]

    @app.get("/api/v1/documents/{number}")
    def show(number: str, who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            result: dict[str, Any] = s.show(number).to_json()
            return result

    @app.get("/api/v1/documents/{number}/diff")
    def diff(number: str, a: int, b: int, who: Caller = Depends(caller)) -> dict[str, Any]:
        if not (1 <= a <= 10_000_000 and 1 <= b <= 10_000_000):
            raise ApiError(400, _("a and b are version numbers from 1 up"))
        with service(who) as s:
            result: dict[str, Any] = s.diff(number, a, b).to_json()
            return result

    @app.get("/api/v1/search", response_model=list[dict[str, Any]])
    def search(q: str, kind: str | None = None, project: str | None = None, customer: str | None = None,
               status: str | None = None, date_from: Day | None = None, date_to: Day | None = None,
               all_versions: bool = False, offset: int = 0, limit: int = 20,
               who: Caller = Depends(caller)) -> JSONResponse:
        from docgen.archive.search import Filters

        if not 0 <= offset <= 10_000 or not 1 <= limit <= 1000:
            raise ApiError(400, _("offset is 0 to 10000 and limit 1 to 1000"))
        if len(q) > 2000:
            raise ApiError(400, _("the query is too long (at most 2000 characters)"))
        filters = Filters(kind=_kind(kind), project=project, customer=customer, status=_status(status),
                          date_from=date_from, date_to=date_to, all_versions=all_versions)
        with service(who) as s:
            # plain data already (str, int, float): answered as it is, not walked again by a response model
            return JSONResponse(s.search(q, filters, limit=limit, offset=offset).to_json())

    @app.get("/api/v1/log")
    def log(number: str | None = None, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            return s.log(number).to_json()

    @app.post("/api/v1/documents/{number}/review")
    def review(number: str, body: Review, who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            return _written(s.review(number, body.action, note=body.note))

    # writes -----------------------------------------------------------------------

    @app.post("/api/v1/documents", status_code=201)
    def create(kind: str = Form(description="the kind: quote, contract, change, … or its Chinese name"),
               data: UploadFile = File(description="the document's data: a .yaml or .json file, or a quote's or "
                                                   "change order's .xlsx sheet"),
               files: list[UploadFile] = File(default=[], description="files the data names: project.yaml, photos"),
               note: str = Form(default=""), update_project: bool = Form(default=False),
               project: str | None = Form(default=None, max_length=200, description=(
                   "a spreadsheet's project where the sheet names none: a code, or the name of a project file sent in files")),
               who: Caller = Depends(caller)) -> dict[str, Any]:
        key = _kind(kind)
        assert key is not None
        with service(who) as s:
            return _written(s.new_sent(key, _sent(data), [_sent(f) for f in files], note=note,
                                       update_project=update_project, project=project or None))

    @app.post("/api/v1/documents/{number}/versions", status_code=201)
    def revise(number: str, data: UploadFile = File(description="the new data: a .yaml or .json file, or an .xlsx sheet"),
               files: list[UploadFile] = File(default=[]), note: str = Form(description="why it changed"),
               update_project: bool = Form(default=False),
               project: str | None = Form(default=None, max_length=200, description=(
                   "a spreadsheet's project where the sheet names none: a code, or the name of a project file sent in files")),
               who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            return _written(s.revise_sent(number, _sent(data), [_sent(f) for f in files], note=note,
                                          update_project=update_project, project=project or None))

    @app.post("/api/v1/documents/{number}/recheck", status_code=201)
    def recheck(number: str, body: Recheck, who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            return _written(s.recheck(number, passed=body.passed, note=body.note, deadline=body.deadline,
                                      inspector=body.inspector, day=body.day))

    @app.post("/api/v1/documents/{number}/steps/{step}", status_code=201)
    def step(number: str, step: str, data: UploadFile | None = File(default=None),
             files: list[UploadFile] = File(default=[]), note: str = Form(default=""),
             who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            return _written(s.step_sent(number, step, _sent(data) if data is not None else None,
                                        [_sent(f) for f in files], note=note))

    @app.post("/api/v1/documents/{number}/void")
    def void(number: str, body: Void, who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            return _written(s.void(number, note=body.note))

    @app.post("/api/v1/documents/{number}/distribute")
    def distribute(number: str, body: Distribute, who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            return _written(s.distribute(number, again=body.again))

    @app.get("/api/v1/documents/{number}/links")
    def links(number: str, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            return [link.to_json() for link in s.links(number)]

    @app.post("/api/v1/documents/{number}/links", status_code=201)
    def link_create(number: str, body: NewLink, who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            result: dict[str, Any] = s.link_create(number, days=body.days, code=body.code).to_json()
            return result

    @app.post("/api/v1/documents/{number}/links/{link_id}/revoke")
    def link_revoke(number: str, link_id: str = Path_(max_length=20), who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            result: dict[str, Any] = s.link_revoke(number, link_id).to_json()
            return result

    @app.get("/api/v1/projects/{code}")
    def project(code: str = Path_(max_length=40), who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            result: dict[str, Any] = s.project(code).to_json()
            return result

    @app.get("/api/v1/signed")
    def signed(kind: str, since: date, until: date | None = None, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        key = _kind(kind)
        assert key is not None
        with service(who) as s:
            return [r.to_json() for r in s.signed(key, since, until)]

    # copies and files -----------------------------------------------------------

    @app.get("/api/v1/documents/{number}/copy", response_class=Response,
             responses={200: {"content": {"application/pdf": {}}}})
    def copy(number: str, version: int | None = Query(default=None, ge=1, le=10_000_000),
             who: Caller = Depends(caller)) -> Response:
        with service(who) as s:
            return _file(s.download(number, version=version), inline=True)

    @app.get("/api/v1/documents/{number}/versions/{version}/files/{role}", response_class=Response,
             responses={200: {"content": {media: {} for media in ORIGINAL_MEDIA_TYPES}}})
    def original(number: str, version: int = Path_(ge=1, le=10_000_000),
                 role: str = Path_(pattern=r"^[a-z]{1,12}[0-9]{0,3}$"), who: Caller = Depends(caller)) -> Response:
        with service(who) as s:
            return _file(s.original(number, version, role))

    @app.get("/api/v1/documents/{number}/xlsx", response_class=Response,
             responses={200: {"content": {XLSX: {}}}})
    def export(number: str, who: Caller = Depends(caller)) -> Response:
        """A quote's, contract's or change order's items as a spreadsheet (`docgen export`)."""
        with service(who) as s:
            return _file(s.export(number))

    @app.get("/api/v1/statement.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
    def statement(kind: str | None = None, status: str | None = None, since: Day | None = None,
                  until: Day | None = None, who: Caller = Depends(caller)) -> Response:
        """The documents as finance's spreadsheet (`docgen list --xlsx`): sums, change orders, installments."""
        from docgen.service.results import Download

        with service(who) as s:
            rows = s.statement(_kind(kind), _status(status), since=since, until=until)
            return _file(Download("documents.xlsx", XLSX, s.statement_sheet(rows)))

    @app.get("/api/v1/copies.zip", response_class=Response, responses={200: {"content": {"application/zip": {}}}})
    def copies_zip(kind: str, since: Day, who: Caller = Depends(caller)) -> Response:
        key = _kind(kind)
        assert key is not None
        with service(who) as s:
            return _file(s.copies_zip(key, since))

    # scans ----------------------------------------------------------------------

    @app.post("/api/v1/scans")
    def scans(files: list[UploadFile] = File(description="one or more signed scans (PDF, JPEG, PNG, TIFF)"),
              who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            taken = s.ingest_sent([_sent(f) for f in files])
            return taken.to_json()

    @app.get("/api/v1/quarantine")
    def quarantine(who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            items = s.quarantine()
            return [{**q, "file": Path(q["file"]).name} for q in items.to_json()]

    @app.post("/api/v1/quarantine/{name}/retry")
    def retry(name: str, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            return _taken(s.retry([plain_name(name)]))

    @app.post("/api/v1/quarantine/{name}/file-as")
    def file_as(name: str, body: FileAs, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            return _taken(s.file_as(plain_name(name), body.number, version=body.version, supersede=body.supersede))

    # the archive ------------------------------------------------------------------

    @app.get("/api/v1/kinds")
    def kinds(who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            return [k.to_json() for k in s.kinds()]

    @app.get("/api/v1/accounts")
    def accounts(who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            return [a.to_json() for a in s.accounts()]

    @app.get("/api/v1/verify")
    def verify(who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            result: dict[str, Any] = s.verify().to_json()
            return result

    return app


def from_environment() -> FastAPI:
    """The app for a worker process of `docgen serve --workers N`: the archive named by DOCGEN_ARCHIVE."""
    import os

    return create_app(Path(os.environ["DOCGEN_ARCHIVE"]))

