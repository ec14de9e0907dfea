"""The host's API tokens page: list every token (revoked ones too, so a host can see
what was cut off and when), create one (its secret shown on this answer only, with a
copy button) and revoke one after a confirmation step."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from booking.errors import DomainError, InvalidInput
from booking.hosts import service as hosts
from booking.hosts.schemas import ApiToken, ApiTokenCreate, ApiTokenCreated, Host
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner

TOKENS_PATH = "/dashboard/tokens"
MAX_NAME = 100


class TokenForm(msgspec.Struct):
    name: str = ""
    #: ``YYYY-MM-DD`` from a date input, or empty: never expires.
    expires_on: str = ""


class TokenRow(msgspec.Struct, kw_only=True):
    """One token as the page shows it: instants in the host's zone, and its state."""

    id: int
    name: str
    created: str
    last_used: str
    expires: str
    state: str


def _shown(instant: datetime | None, zone: ZoneInfo, never: str) -> str:
    if instant is None:
        return never
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M}"


def _row(token: ApiToken, zone: ZoneInfo, now: datetime) -> TokenRow:
    if token.revoked_at is not None:
        state = f"Revoked {_shown(token.revoked_at, zone, '')}"
    elif token.expires_at is not None and token.expires_at <= now:
        state = "Expired"
    else:
        state = "Active"
    return TokenRow(
        id=token.id,
        name=token.name,
        created=_shown(token.created_at, zone, ""),
        last_used=_shown(token.last_used_at, zone, "Never"),
        expires=_shown(token.expires_at, zone, "Never"),
        state=state,
    )


def _expiry(expires_on: str, zone: ZoneInfo) -> datetime | None:
    """The end of the chosen day in the host's zone: "expires after 31 December" keeps
    the token working through that day."""
    if not expires_on.strip():
        return None
    try:
        day = date.fromisoformat(expires_on.strip())
    except ValueError:
        raise InvalidInput("expires_at", "Choose a date, e.g. 2027-01-31.") from None
    if datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone) <= datetime.now(UTC):
        raise InvalidInput("expires_at", "Must be in the future.")
    if day >= date(2199, 12, 31):
        raise InvalidInput("expires_at", "Choose a date before 2200.")
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


async def _page(
    host: Host,
    *,
    created: ApiTokenCreated | None = None,
    form: TokenForm | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Template:
    zone = ZoneInfo(host.time_zone)
    now = datetime.now(UTC)
    tokens = await hosts.list_tokens(host.id, include_revoked=True)
    return Template(
        "tokens/index.html",
        context={
            "host": host,
            "tokens": [_row(token, zone, now) for token in tokens],
            "created": created,
            "form": form or TokenForm(),
            "errors": errors or {},
            "notice": notice,
            "error": error,
            "today": f"{now.astimezone(zone):%Y-%m-%d}",
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
        # The page with a new secret must not be kept by the browser or a proxy.
        headers={"Cache-Control": "no-store"},
    )


@get(TOKENS_PATH, guards=[require_session], include_in_schema=False)
async def tokens_page(host: NamedDependency[Host]) -> Template:
    return await _page(host)


@post(TOKENS_PATH, guards=[require_session], include_in_schema=False, status_code=200)
async def create_token(host: NamedDependency[Host], data: URLEncodedBody[TokenForm]) -> Template:
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = "Give the token a name, e.g. the script that will use it."
    elif len(name) > MAX_NAME:
        errors["name"] = f"Use at most {MAX_NAME} characters."
    expires_at = None
    try:
        expires_at = _expiry(data.expires_on, ZoneInfo(host.time_zone))
    except InvalidInput as exc:
        errors["expires_on"] = exc.extra["errors"][0]["message"]
    if not errors:
        try:
            created = await hosts.issue_token(
                host.id, ApiTokenCreate(name=name, expires_at=expires_at)
            )
        except InvalidInput as exc:
            field = "expires_on" if exc.field == "expires_at" else exc.field
            errors[field] = exc.extra["errors"][0]["message"].capitalize()
        else:
            return await _page(host, created=created)
    return await _page(host, form=data, errors=errors, status=422)


@post(
    f"{TOKENS_PATH}/{{token_id:int}}/revoke",
    guards=[require_session],
    include_in_schema=False,
    status_code=200,
)
async def revoke_token(host: NamedDependency[Host], token_id: FromPath[int]) -> Template:
    try:
        await hosts.revoke_token(host.id, token_id)
    except DomainError as exc:
        return await _page(host, error=exc.detail, status=exc.status_code)
    revoked = next(
        (t for t in await hosts.list_tokens(host.id, include_revoked=True) if t.id == token_id),
        None,
    )
    name = revoked.name if revoked else "the token"
    return await _page(host, notice=f"Revoked {name}. It no longer works.")


router = Router(
    path="/",
    route_handlers=[tokens_page, create_token, revoke_token],
    dependencies={"host": provide_host},
)
