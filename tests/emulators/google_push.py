"""Push notification channels (events.watch, channels.stop) of the Google Calendar
emulator. Notifications leave from one background thread, in order, so an API
request never waits on the receiver."""

from __future__ import annotations

import queue
import secrets
import threading
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.emulators.google_discovery import GoogleApiError, invalid

# Google's default lifetime of an events channel when the client asks for none.
DEFAULT_TTL = timedelta(days=7)
DELIVERY_TIMEOUT = 5.0


@dataclass
class Channel:
    id: str
    resource_id: str
    resource_uri: str
    calendar_id: str
    address: str
    token: str | None
    expiration_ms: int
    #: events.watch's ``eventTypes``: only changes to these types notify; empty, all.
    event_types: frozenset[str] = frozenset()
    message_number: int = 0

    def resource(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "kind": "api#channel",
            "id": self.id,
            "resourceId": self.resource_id,
            "resourceUri": self.resource_uri,
            "expiration": str(self.expiration_ms),
        }
        if self.token is not None:
            answer["token"] = self.token
        return answer


Delivery = tuple[str, dict[str, str]]


class PushHub:
    """Channels by id, and the sender thread. The caller holds the emulator's lock."""

    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}
        self.resource_ids: dict[str, str] = {}
        self._outbox: queue.Queue[Delivery | None] = queue.Queue()
        self._sender = threading.Thread(target=self._send_all, name="google-push", daemon=True)
        self._sender.start()

    def watch(
        self,
        calendar_id: str,
        resource_uri: str,
        body: dict[str, Any],
        now: datetime,
        *,
        event_types: frozenset[str] = frozenset(),
    ) -> Channel:
        if not body.get("id"):
            raise GoogleApiError(400, "required", "Missing channel id.", location="id")
        if body["id"] in self.channels:
            raise GoogleApiError(400, "channelIdNotUnique", "Channel id not unique.")
        if body.get("type") not in ("web_hook", "webhook"):
            raise invalid(f"Invalid channel type: {body.get('type')}", "type")
        # Deviation: Google wants an https address with a valid certificate; a
        # loopback http receiver is accepted here.
        if not str(body.get("address", "")).startswith(("http://", "https://")):
            raise invalid("Invalid address: a web hook needs an http(s) URL.", "address")
        default = int((now + DEFAULT_TTL).timestamp() * 1000)
        expiration = int(body.get("expiration") or default)
        # One resource id per watched calendar, shared by its channels, as on Google.
        resource_id = self.resource_ids.setdefault(calendar_id, secrets.token_urlsafe(20))
        channel = Channel(
            body["id"],
            resource_id,
            resource_uri,
            calendar_id,
            body["address"],
            body.get("token"),
            expiration,
            event_types,
        )
        self.channels[channel.id] = channel
        self._notify(channel, "sync")
        return channel

    def stop(self, body: dict[str, Any]) -> None:
        channel = self.channels.get(body.get("id", ""))
        if channel is None or channel.resource_id != body.get("resourceId"):
            raise GoogleApiError(
                404, "notFound", f"Channel '{body.get('id')}' not found for project 'emulator'"
            )
        del self.channels[channel.id]

    def changed(self, calendar_id: str, now: datetime, event_type: str = "default") -> None:
        now_ms = int(now.timestamp() * 1000)
        for channel in list(self.channels.values()):
            if channel.expiration_ms <= now_ms:
                # An expired channel goes silent; the client must watch again.
                del self.channels[channel.id]
            elif channel.calendar_id == calendar_id and (
                not channel.event_types or event_type in channel.event_types
            ):
                self._notify(channel, "exists")

    def _notify(self, channel: Channel, state: str) -> None:
        channel.message_number += 1
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(channel.message_number),
            "X-Goog-Channel-Expiration": datetime.fromtimestamp(
                channel.expiration_ms / 1000, tz=UTC
            ).strftime("%a, %d %b %Y %H:%M:%S GMT"),
            "Content-Length": "0",
        }
        if channel.token is not None:
            headers["X-Goog-Channel-Token"] = channel.token
        self._outbox.put((channel.address, headers))

    def _send_all(self) -> None:
        while (delivery := self._outbox.get()) is not None:
            address, headers = delivery
            # watch() only accepts http(s) addresses.
            request = urllib.request.Request(  # noqa: S310
                address, data=b"", headers=headers, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT):  # noqa: S310
                    pass
            except (OSError, ValueError):
                # Google drops a notification the receiver fails to take.
                continue

    def close(self) -> None:
        self._outbox.put(None)
        self._sender.join(timeout=DELIVERY_TIMEOUT)
