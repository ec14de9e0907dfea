"""Host sign-in and profile pages (session cookie + CSRF-protected forms)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from booking.errors import DomainError, Unauthorized
from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostUpdate
from web.auth import SESSION_HOST_KEY, provide_host, require_session


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = ""


class ProfileForm(msgspec.Struct):
    name: str = ""
    slug: str = ""
    time_zone: str = ""


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute or scheme-relative URL would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/dashboard"


@get("/login", include_in_schema=False)
async def login_page(next_: Annotated[str | None, QueryParameter(name="next")] = None) -> Template:
    return Template(
        "account/login.html", context={"error": None, "email": "", "next": _safe_next(next_)}
    )


@post("/login", include_in_schema=False, status_code=200)
async def login(
    request: Request[Any, Any, Any], data: URLEncodedBody[LoginForm]
) -> Template | Redirect:
    try:
        host = await hosts.authenticate_password(data.email, data.password)
    except Unauthorized as exc:
        return Template(
            "account/login.html",
            context={"error": exc.detail, "email": data.email, "next": _safe_next(data.next)},
            status_code=401,
        )
    request.set_session({SESSION_HOST_KEY: host.id})
    return Redirect(_safe_next(data.next), status_code=303)


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect("/login", status_code=303)


@get("/dashboard", guards=[require_session], include_in_schema=False)
async def dashboard(host: NamedDependency[Host]) -> Template:
    return Template("account/dashboard.html", context={"host": host, "error": None, "saved": False})


@post("/dashboard/profile", guards=[require_session], include_in_schema=False, status_code=200)
async def update_profile(
    host: NamedDependency[Host], data: URLEncodedBody[ProfileForm]
) -> Template:
    # Form fields are kept on error so nothing the host typed is lost.
    try:
        host = await hosts.update(
            host.id, HostUpdate(name=data.name, slug=data.slug, time_zone=data.time_zone)
        )
    except DomainError as exc:
        shown = msgspec.structs.replace(
            host, name=data.name, slug=data.slug, time_zone=data.time_zone
        )
        return Template(
            "account/dashboard.html",
            context={"host": shown, "error": exc.detail, "saved": False},
            status_code=exc.status_code,
        )
    return Template("account/dashboard.html", context={"host": host, "error": None, "saved": True})


router = Router(
    path="/",
    route_handlers=[login_page, login, logout, dashboard, update_profile],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
