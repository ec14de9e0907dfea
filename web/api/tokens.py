"""Host API for the host's own API tokens: list, create (secret shown once), revoke."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from booking.hosts import service as hosts
from booking.hosts.schemas import ApiToken, ApiTokenCreate, ApiTokenCreated, Host
from web.api.params import PathId
from web.openapi import problems


class TokenController(Controller):
    path = "/tokens"
    tags = ["API tokens"]

    @get(
        operation_id="listTokens",
        summary="The host's API tokens, newest first (never their secrets)",
    )
    async def list_tokens(
        self, host: NamedDependency[Host], include_revoked: FromQuery[bool] = False
    ) -> list[ApiToken]:
        return await hosts.list_tokens(host.id, include_revoked=include_revoked)

    @post(
        operation_id="createToken",
        summary="Create an API token; its secret is in this answer only",
        responses=problems(422),
    )
    async def create_token(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        data: JSONBody[ApiTokenCreate],
    ) -> ApiTokenCreated:
        # The guard has authenticated this bearer token; its own expiry bounds the new one.
        _scheme, _sep, secret = request.headers.get("authorization", "").partition(" ")
        not_after = await hosts.expiry_of(secret.strip())
        return await hosts.issue_token(host.id, data, not_after=not_after)

    @delete(
        "/{token_id:int}",
        operation_id="revokeToken",
        summary="Revoke an API token; it is answered 401 from now on",
    )
    async def revoke_token(self, host: NamedDependency[Host], token_id: PathId) -> None:
        await hosts.revoke_token(host.id, token_id)
