"""Host sign-in and profile pages (session cookie + CSRF-protected forms)."""

from __future__ import annotations

import math
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from booking.errors import DomainError, InvalidInput, Unauthorized
from booking.hosts import service as hosts
from booking.hosts.schemas import MAX_PASSWORD, MIN_PASSWORD, Host, HostUpdate
from web.auth import provide_host, require_session, session_host
from web.pages.banner import reconnect_banner
from web.sessions import sign_in, sign_out
from web.throttle import SignInThrottle


class LoginForm(msgspec.Struct):
    email: str = ""
    password: str = ""
    next: str = ""


class PasswordForm(msgspec.Struct):
    current_password: str = ""
    new_password: str = ""
    confirm_password: str = ""


class ProfileForm(msgspec.Struct):
    name: str = ""
    slug: str = ""
    time_zone: str = ""


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute or scheme-relative URL would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/dashboard"


@get("/", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Template | Redirect:
    # A signed-in host goes straight to work; anyone else learns what this is and can sign in.
    if await session_host(request) is not None:
        return Redirect("/dashboard", status_code=303)
    return Template("account/landing.html", context={"next": "/dashboard"})


@get("/login", include_in_schema=False)
async def login_page(next_: Annotated[str | None, QueryParameter(name="next")] = None) -> Template:
    return Template(
        "account/login.html", context={"error": None, "email": "", "next": _safe_next(next_)}
    )


def _wait_phrase(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


@post("/login", include_in_schema=False, status_code=200)
async def login(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[LoginForm],
    throttle: NamedDependency[SignInThrottle],
) -> Template | Redirect:
    def again(error: str, status: int, headers: dict[str, str] | None = None) -> Template:
        context = {"error": error, "email": data.email, "next": _safe_next(data.next)}
        return Template("account/login.html", context=context, status_code=status, headers=headers)

    client = request.client.host if request.client else "unknown"
    wait = await throttle.admit(data.email, client)
    if wait:
        # Checked before the password: while blocked, even the right one does not sign in.
        seconds = max(1, math.ceil(wait))
        return again(
            f"Too many sign-in attempts. Try again in {_wait_phrase(seconds)}.",
            429,
            {"Retry-After": str(seconds)},
        )
    try:
        signed_in = await hosts.authenticate_password(data.email, data.password)
    except Unauthorized as exc:
        return again(exc.detail, 401)
    await throttle.succeeded(data.email, client)
    sign_in(request, signed_in.host.id, signed_in.stamp)
    return Redirect(_safe_next(data.next), status_code=303)


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    sign_out(request)
    return Redirect("/login", status_code=303)


async def _dashboard(
    host: Host, *, error: str | None = None, saved: bool = False, status_code: int = 200
) -> Template:
    return Template(
        "account/dashboard.html",
        context={
            "host": host,
            "error": error,
            "saved": saved,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status_code,
    )


@get("/dashboard", guards=[require_session], include_in_schema=False)
async def dashboard(host: NamedDependency[Host]) -> Template:
    return await _dashboard(host)


async def _password_page(
    host: Host, *, errors: dict[str, str] | None = None, saved: bool = False, status_code: int = 200
) -> Template:
    return Template(
        "account/password.html",
        context={
            "host": host,
            "errors": errors or {},
            "saved": saved,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status_code,
    )


def _password_form_errors(data: PasswordForm) -> dict[str, str]:
    """What is wrong with the form on its face, every field at once; the service then
    checks the current password (which needs the database)."""
    length_ok = MIN_PASSWORD <= len(data.new_password) <= MAX_PASSWORD
    checks = (
        ("current_password", bool(data.current_password), "Enter your current password."),
        ("new_password", length_ok, f"Use {MIN_PASSWORD} to {MAX_PASSWORD} characters."),
        (
            "confirm_password",
            data.new_password == data.confirm_password,
            "The two new passwords differ.",
        ),
    )
    return {field: message for field, ok, message in checks if not ok}


@get("/dashboard/password", guards=[require_session], include_in_schema=False)
async def password_page(host: NamedDependency[Host]) -> Template:
    return await _password_page(host)


@post("/dashboard/password", guards=[require_session], include_in_schema=False, status_code=200)
async def change_password(
    request: Request[Any, Any, Any], host: NamedDependency[Host], data: URLEncodedBody[PasswordForm]
) -> Template:
    if errors := _password_form_errors(data):
        return await _password_page(host, errors=errors, status_code=422)
    try:
        signed_in = await hosts.change_password(host.id, data.current_password, data.new_password)
    except InvalidInput as exc:
        message = exc.extra["errors"][0]["message"]
        return await _password_page(host, errors={exc.field: message}, status_code=422)
    # Every other session ends with the old password; this one goes on under a new id.
    sign_in(request, signed_in.host.id, signed_in.stamp)
    return await _password_page(signed_in.host, saved=True)


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
        return await _dashboard(shown, error=exc.detail, status_code=exc.status_code)
    return await _dashboard(host, saved=True)


router = Router(
    path="/",
    route_handlers=[
        home,
        login_page,
        login,
        logout,
        dashboard,
        update_profile,
        password_page,
        change_password,
    ],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
