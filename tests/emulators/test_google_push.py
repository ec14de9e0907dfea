"""Push notifications of the Google Calendar emulator, received by a small local
HTTP server; waits are bounded queue reads, never sleeps."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from googleapiclient.discovery import Resource
from googleapiclient.errors import HttpError

from tests.emulators.google import GoogleCalendarEmulator

WAIT = 5.0
CHANNEL_TOKEN = "s3cret"


class Receiver:
    def __init__(self) -> None:
        self.received: queue.Queue[dict[str, str]] = queue.Queue()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                assert self.rfile.read(length) == b""
                received.put({k.lower(): v for k, v in self.headers.items()})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/google"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def next(self) -> dict[str, str]:
        return self.received.get(timeout=WAIT)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


def watch(
    service: Resource, address: str, channel_id: str, token: str | None = CHANNEL_TOKEN
) -> dict[str, Any]:
    body = {"id": channel_id, "type": "web_hook", "address": address}
    if token is not None:
        body["token"] = token
    channel: dict[str, Any] = service.events().watch(calendarId="primary", body=body).execute()
    return channel


class TestWatch:
    def test_sync_then_exists_on_every_change_until_stopped(
        self,
        google_emulator: GoogleCalendarEmulator,
        google_service: Resource,
        receiver: Receiver,
    ) -> None:
        channel = watch(google_service, receiver.address, "channel-1")

        assert channel["kind"] == "api#channel"
        assert channel["id"] == "channel-1"
        assert channel["token"] == "s3cret"
        assert "/calendars/primary/events" in channel["resourceUri"]
        sync = receiver.next()
        assert sync["x-goog-resource-state"] == "sync"
        assert sync["x-goog-message-number"] == "1"
        assert sync["x-goog-channel-id"] == "channel-1"
        assert sync["x-goog-channel-token"] == "s3cret"
        assert sync["x-goog-resource-id"] == channel["resourceId"]
        assert sync["x-goog-resource-uri"] == channel["resourceUri"]
        assert sync["x-goog-channel-expiration"].endswith("GMT")

        start = datetime(2031, 3, 3, 9, tzinfo=UTC)
        event = google_emulator.add_event(
            "host@example.com", start=start, end=start + timedelta(hours=1)
        )
        google_service.events().delete(calendarId="primary", eventId=event["id"]).execute()
        states = [receiver.next() for _ in range(2)]
        assert [(h["x-goog-resource-state"], h["x-goog-message-number"]) for h in states] == [
            ("exists", "2"),
            ("exists", "3"),
        ]

        google_service.channels().stop(
            body={"id": "channel-1", "resourceId": channel["resourceId"]}
        ).execute()
        google_emulator.edit_event("host@example.com", event["id"], summary="after stop")
        # Deliveries go out in order, so if the stopped channel had sent anything
        # it would arrive before the new channel's sync message.
        watch(google_service, receiver.address, "channel-2", token=None)
        after = receiver.next()
        assert (after["x-goog-channel-id"], after["x-goog-resource-state"]) == ("channel-2", "sync")
        assert "x-goog-channel-token" not in after
        assert [c["id"] for c in google_emulator.channels] == ["channel-2"]

    def test_other_calendars_do_not_notify(
        self,
        google_emulator: GoogleCalendarEmulator,
        google_service: Resource,
        receiver: Receiver,
    ) -> None:
        other = "team@group.calendar.google.com"
        google_emulator.add_calendar(other)
        watch(google_service, receiver.address, "channel-1")
        assert receiver.next()["x-goog-resource-state"] == "sync"
        start = datetime(2031, 3, 3, 9, tzinfo=UTC)

        google_emulator.add_event(other, start=start, end=start + timedelta(hours=1))
        google_emulator.add_event("host@example.com", start=start, end=start + timedelta(hours=1))

        assert receiver.next()["x-goog-message-number"] == "2"
        assert receiver.received.empty()

    def test_unreachable_address_is_ignored(
        self, google_emulator: GoogleCalendarEmulator, google_service: Resource
    ) -> None:
        watch(google_service, "http://127.0.0.1:9/nowhere", "channel-1")
        start = datetime(2031, 3, 3, 9, tzinfo=UTC)

        event = google_emulator.add_event(
            "host@example.com", start=start, end=start + timedelta(hours=1)
        )

        assert google_emulator.event("host@example.com", event["id"])["status"] == "confirmed"

    def test_stop_of_an_unknown_channel_is_404(self, google_service: Resource) -> None:
        with pytest.raises(HttpError) as caught:
            google_service.channels().stop(body={"id": "nope", "resourceId": "nope"}).execute()

        assert caught.value.status_code == 404
        assert caught.value.error_details[0]["reason"] == "notFound"

    def test_channel_ids_are_unique(self, google_service: Resource, receiver: Receiver) -> None:
        watch(google_service, receiver.address, "channel-1")

        with pytest.raises(HttpError) as caught:
            watch(google_service, receiver.address, "channel-1")

        assert caught.value.status_code == 400
        assert caught.value.error_details[0]["reason"] == "channelIdNotUnique"
