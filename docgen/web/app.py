"""The ASGI app: authentication, errors as one JSON line, security headers, and the routes."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from docgen.errors import DocgenError, Forbidden, InputError, Misused, NotFound, StateError
from docgen.i18n import _

COOKIE = "docgen_session"
CSRF_HEADER = "x-csrf-token"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # answers carry personal data: never kept by a browser or a proxy
}


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


class Login(BaseModel):
    name: str
    password: str


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


def create_app(root: Path) -> FastAPI:
    """The app serving the archive at ``root``; one Archive per thread (SQLite connections are not shared)."""
    from docgen.archive.core import Archive

    app = FastAPI(title="docgen", version="1", openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None)
    local = threading.local()

    def archive() -> Any:
        if getattr(local, "archive", None) is None:
            a = Archive.open(root)
            a.settings  # noqa: B018 - a docgen.toml that cannot be used stops the server at start
            local.archive = a
        return local.archive

    archive()  # the settings are read, and the archive opened, before the first request

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.exception_handler(DocgenError)
    async def docgen_error(_request: Request, exc: DocgenError) -> JSONResponse:
        from docgen.table import printable

        return JSONResponse({"error": printable(str(exc))}, status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse({"error": f"{where or 'request'}: {first.get('msg', 'invalid')}"},
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {404: _("no such resource"), 405: _("this method is not allowed here")}.get(
            exc.status_code, str(exc.detail))
        return JSONResponse({"error": message}, status_code=exc.status_code)

    def caller(request: Request) -> Caller:
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
        yield Service(archive(), Actor(a.name, a.role, a.department, who.address))

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
        hours = archive().settings.server.session_hours
        response.set_cookie(COOKIE, secret, httponly=True, samesite="lax", path="/",
                            secure=request.url.scheme == "https" or
                            request.headers.get("x-forwarded-proto") == "https",
                            max_age=int(hours * 3600))
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

    @app.get("/api/v1/search")
    def search(q: str, kind: str | None = None, project: str | None = None, customer: str | None = None,
               status: str | None = None, date_from: date | None = None, date_to: date | None = None,
               all_versions: bool = False, offset: int = 0, limit: int = 20,
               who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        from docgen.archive.search import Filters

        if not 0 <= offset <= 10_000 or not 1 <= limit <= 1000:
            raise ApiError(400, _("offset is 0 to 10000 and limit 1 to 1000"))
        if len(q) > 2000:
            raise ApiError(400, _("the query is too long (at most 2000 characters)"))
        filters = Filters(kind=_kind(kind), project=project, customer=customer, status=_status(status),
                          date_from=date_from, date_to=date_to, all_versions=all_versions)
        with service(who) as s:
            return s.search(q, filters, limit=limit, offset=offset).to_json()

    @app.get("/api/v1/log")
    def log(number: str | None = None, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
        with service(who) as s:
            return s.log(number).to_json()

    @app.post("/api/v1/documents/{number}/review")
    def review(number: str, action: str, note: str = "", who: Caller = Depends(caller)) -> dict[str, Any]:
        with service(who) as s:
            result: dict[str, Any] = s.review(number, action, note=note).to_json()
            return result

    return app
