"""The routes every purpose's connected accounts have (``/calendar-accounts``,
``/video-accounts``), declared once: what they answer and which problems."""

from __future__ import annotations

from litestar import delete, get, post

from web.openapi import problems


def list_route(operation_id: str, summary: str) -> get:
    return get(operation_id=operation_id, summary=summary)


def consent_route(operation_id: str, summary: str, path: str = "/") -> post:
    """A POST that answers 201 ``ConnectLink``: the page that starts the provider's
    consent. The consent itself needs the browser session (state and PKCE verifier
    live there), so the API can only hand out that page; 422 when the provider is
    not configured on this server."""
    return post(
        path,
        operation_id=operation_id,
        responses=problems(404, 422) if "{" in path else problems(422),
        summary=summary,
        status_code=201,
    )


def disconnect_route(operation_id: str, summary: str) -> delete:
    return delete("/{account_id:int}", operation_id=operation_id, summary=summary)
