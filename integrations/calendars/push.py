"""Push-notification channels: watched conflict calendars, renewed before they
expire, stopped when no longer needed, and the check of an incoming notification."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from booking.db import write_transaction
from booking.errors import Forbidden, NotFound
from integrations.accounts.errors import ProviderError, RemoteNotFound
from integrations.calendars import repository
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.provider import CalendarProvider, PushChannel, RenewsWatch
from integrations.calendars.records import CalendarRecord, ChannelRecord

__all__ = ["ensure_channel", "renew_soon", "stop_channels", "verify_notification"]

logger = logging.getLogger("rendezvous.calendars.push")


async def ensure_channel(
    env: CalendarEnvironment,
    provider: CalendarProvider,
    calendar: CalendarRecord,
    now: datetime,
) -> None:
    """Watch ``calendar`` unless a channel lives past the renewal margin. A channel the
    provider can extend is extended; otherwise a new one is opened before old ones are
    stopped, so no change falls between the two."""
    calendar_id = calendar.id
    channels = await repository.channels_of(calendar_id)
    if any(c.expires_at > now + env.channel_renew_before for c in channels):
        return
    # Graph subscriptions are extended in place; Google's channels are replaced.
    renew = provider.renew_watch if isinstance(provider, RenewsWatch) else None
    if renew is not None and await _renew(env, provider, renew, channels, now):
        return
    token = secrets.token_urlsafe(32)
    channel_id = uuid.uuid4().hex
    opened = await env.retry.run(
        lambda: asyncio.to_thread(
            provider.watch,
            calendar.remote_id,
            channel_id=channel_id,
            address=env.webhook_address_for(provider.name),
            token=token,
            expires_at=now + env.channel_lifetime,
        )
    )
    await repository.insert_channel(
        {
            "calendar": calendar_id,
            "channel_id": opened.channel_id,
            "resource_id": opened.resource_id,
            "token": token,
            "expires_at": opened.expires_at,
        }
    )
    await _stop(env, provider, channels)


async def _renew(
    env: CalendarEnvironment,
    provider: CalendarProvider,
    renew: Callable[..., PushChannel],
    channels: list[ChannelRecord],
    now: datetime,
) -> bool:
    """Extend the longest-lived channel still alive in place (Graph: PATCH); the
    others are stopped. False when there is none, or the provider dropped it: then a
    new channel is opened."""
    live = [c for c in channels if c.expires_at > now]
    if not live:
        return False
    row = max(live, key=lambda c: c.expires_at)
    channel = PushChannel(row.channel_id, row.resource_id, row.expires_at)
    try:
        renewed = await env.retry.run(
            lambda: asyncio.to_thread(renew, channel, expires_at=now + env.channel_lifetime)
        )
    except RemoteNotFound:
        return False
    await _set_expiry(row, renewed.expires_at)
    await _stop(env, provider, [c for c in channels if c.id != row.id])
    return True


async def _set_expiry(row: ChannelRecord, expires_at: datetime) -> None:
    async with write_transaction():
        await repository.delete_channel(row.id)
        await repository.insert_channel(
            {
                "calendar": row.calendar_id,
                "channel_id": row.channel_id,
                "resource_id": row.resource_id,
                "token": row.token,
                "expires_at": expires_at,
            }
        )


async def stop_channels(
    env: CalendarEnvironment, provider: CalendarProvider | None, calendar_id: int
) -> None:
    await _stop(env, provider, await repository.channels_of(calendar_id))


async def _stop(
    env: CalendarEnvironment, provider: CalendarProvider | None, channels: list[ChannelRecord]
) -> None:
    for row in channels:
        if provider is not None:
            channel = PushChannel(row.channel_id, row.resource_id, row.expires_at)
            try:
                await asyncio.to_thread(provider.stop_watch, channel)
            except RemoteNotFound:
                pass  # expired on its own already
            except ProviderError as exc:
                # A channel we cannot stop expires by itself; its notifications then
                # find no row and are ignored.
                logger.warning("could not stop push channel %s: %s", row.channel_id, exc)
        await repository.delete_channel(row.id)


async def renew_soon(channel_id: str, now: datetime) -> None:
    """The provider says the channel will not last (Graph's lifecycle notices
    ``reauthorizationRequired`` and ``subscriptionRemoved``): record it as ending in a
    minute, so that the next sync renews it (or, if the provider dropped it, opens a
    new one)."""
    row = await repository.channel(channel_id)
    if row is None:
        return
    await _set_expiry(row, min(row.expires_at, now + timedelta(minutes=1)))


async def verify_notification(channel_id: str, token: str | None) -> int:
    """The calendar a notification is about; unknown channels are 404, a wrong token 403."""
    row = await repository.channel(channel_id)
    if row is None:
        raise NotFound("No such push channel.")
    if token is None or not hmac.compare_digest(row.token.encode(), token.encode()):
        raise Forbidden("The channel token does not match.")
    return row.calendar_id
