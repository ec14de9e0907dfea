"""An OAuth consent between a host page and a provider, for every provider.

What :meth:`integrations.accounts.oauth.OAuth2App.begin` returns as ``pending``
(state, PKCE verifier, redirect URI, scopes) is kept in the host's server-side
session (``web.sessions``) under the route's key, never in the browser. The
callback takes it out again, once, whatever happens next, and compares ``state``
in constant time: a callback carrying another session's state (login CSRF: an
attacker's account slipped into the host's) finds nothing to finish.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, get
from litestar.di import Provide
from litestar.params import QueryParameter
from litestar.response import Redirect

from integrations.accounts.oauth import Consent, same_state
from web.auth import require_session

#: The route option naming the session key of the consent a callback finishes.
SESSION_KEY = "consent_session_key"


def callback_route(path: str, session_key: str) -> get:
    """The route of a provider's way back: signed-in hosts only, the consent
    started under ``session_key`` handed to the handler as ``callback``."""
    return get(
        path,
        guards=[require_session],
        include_in_schema=False,
        opt={SESSION_KEY: session_key},
        dependencies={"callback": Provide(provide_callback)},
    )


def redirect_to_consent(request: Request[Any, Any, Any], key: str, consent: Consent) -> Redirect:
    request.set_session({**request.session, key: consent.pending})
    return Redirect(consent.url, status_code=302)


@dataclass(frozen=True)
class Callback:
    #: The consent this callback finishes; None when its state matches none started
    #: in this session (started elsewhere, or already used).
    pending: Mapping[str, str] | None
    #: The provider's answer as it came: ``code``, ``state`` and whatever else it
    #: sends (Microsoft adds ``client_info``, which msal reads).
    response: Mapping[str, str]
    code: str | None
    #: The provider's refusal (``access_denied``).
    error: str | None


async def provide_callback(
    request: Request[Any, Any, Any],
    code: Annotated[str | None, QueryParameter()] = None,
    # "state" is a reserved handler argument in litestar (the app state).
    oauth_state: Annotated[str | None, QueryParameter(name="state")] = None,
    error: Annotated[str | None, QueryParameter()] = None,
) -> Callback:
    key = request.route_handler.opt[SESSION_KEY]
    pending = request.session.get(key) or {}
    # One use only, whatever happens next.
    request.set_session({k: v for k, v in request.session.items() if k != key})
    matched = same_state(pending.get("state"), oauth_state)
    response = {key: request.query_params[key] for key in request.query_params}
    return Callback(pending if matched else None, response, code, error)
