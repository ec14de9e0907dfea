"""Change notifications of the Microsoft Graph emulator: the validation handshake,
notifications as real POSTs to a local receiver, renewal, expiry and deletion.
Waits are bounded queue reads and Graph's own timeouts, never sleeps."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine

from tests.emulators.microsoft import MicrosoftGraphEmulator

WAIT = 5.0
CLIENT_STATE = "s3cret-state"
MONDAY = datetime(2031, 3, 3, 14, 0, tzinfo=UTC)


class Receiver:
    """The app's webhook: answers the validation handshake as told, and queues the
    notifications it receives."""

    def __init__(self) -> None:
        self.mode = "echo"
        self.validations: queue.Queue[dict[str, str]] = queue.Queue()
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self.release = threading.Event()
        self.on_validation: Any = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                query = parse_qs(urlsplit(self.path).query)
                if "validationToken" in query:
                    receiver._validate(self, query["validationToken"][0], body)
                    return
                receiver.notifications.put(json.loads(body))
                self._answer(500 if receiver.mode == "fail-notifications" else 202, b"", "")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/microsoft"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def _validate(self, handler: Any, token: str, body: bytes) -> None:
        self.validations.put(
            {
                "token": token,
                "content_type": handler.headers.get("Content-Type", ""),
                "body": body.decode(),
            }
        )
        if self.on_validation is not None:
            self.on_validation()
        if self.mode == "silent":
            self.release.wait(WAIT)
            return
        answers = {
            "echo": (200, token, "text/plain"),
            "wrong": (200, token + "x", "text/plain"),
            "error": (500, "", "text/plain"),
            "json": (200, json.dumps(token), "application/json"),
        }
        status, text, content_type = answers.get(self.mode, answers["echo"])
        handler._answer(status, text.encode(), content_type)

    def next(self) -> dict[str, Any]:
        return self.notifications.get(timeout=WAIT)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def graph(microsoft_emulator: MicrosoftGraphEmulator) -> requests.Session:
    return microsoft_emulator.graph_session()


def subscribe(
    ms: MicrosoftGraphEmulator,
    graph: requests.Session,
    url: str,
    *,
    resource: str | None = None,
    expires_in: timedelta = timedelta(days=2),
    **extra: Any,
) -> requests.Response:
    body = {
        "changeType": "created,updated,deleted",
        "notificationUrl": url,
        "resource": resource or f"me/calendars/{ms.default_calendar_id}/events",
        "expirationDateTime": (datetime.now(UTC) + expires_in).isoformat(),
        "clientState": CLIENT_STATE,
        **extra,
    }
    return graph.post(ms.graph_url + "/subscriptions", json=body, timeout=15)


class TestValidationHandshake:
    def test_the_receiver_gets_the_decoded_token_as_text_plain(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator

        answer = subscribe(ms, graph, receiver.url)

        validation = receiver.validations.get(timeout=WAIT)
        assert validation["token"].startswith("Validation: Testing client application")
        assert validation["content_type"].startswith("text/plain")
        assert validation["body"] == ""
        assert answer.status_code == 201
        subscription = answer.json()
        assert subscription["clientState"] == CLIENT_STATE
        assert subscription["changeType"] == "created,updated,deleted"
        assert subscription["notificationUrl"] == receiver.url
        assert subscription["applicationId"] == ms.client_id
        assert [s["id"] for s in ms.subscriptions] == [subscription["id"]]

    @pytest.mark.parametrize(
        ("mode", "code", "message"),
        [
            ("wrong", "ValidationError", "Response must exactly match validationToken"),
            ("error", "ValidationError", "must respond with 200 OK"),
            ("json", "ValidationError", "must respond with 200 OK"),
            ("silent", "InvalidRequest", "timed out"),
        ],
    )
    def test_a_receiver_that_fails_the_handshake(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
        mode: str,
        code: str,
        message: str,
    ) -> None:
        receiver.mode = mode
        microsoft_emulator.set_validation_timeout(0.3)

        answer = subscribe(microsoft_emulator, graph, receiver.url)

        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == code
        assert message in answer.json()["error"]["message"]
        assert microsoft_emulator.subscriptions == []

    def test_an_unreachable_receiver(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        closed = Receiver()
        url = closed.url
        closed.close()

        answer = subscribe(microsoft_emulator, graph, url)

        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "ValidationError"

    def test_the_receiver_may_call_graph_during_the_handshake(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator
        seen: list[int] = []
        receiver.on_validation = lambda: seen.append(
            ms.graph_session(("Calendars.Read",))
            .get(ms.graph_url + "/me/calendars", timeout=5)
            .status_code
        )

        answer = subscribe(ms, graph, receiver.url)

        assert (answer.status_code, seen) == (201, [200])

    def test_the_lifecycle_url_is_validated_too(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        answer = subscribe(
            microsoft_emulator,
            graph,
            receiver.url,
            lifecycleNotificationUrl=receiver.url + "/lifecycle",
        )

        assert answer.status_code == 201
        assert receiver.validations.qsize() == 2


class TestSubscriptionRules:
    @pytest.mark.parametrize(
        ("overrides", "code"),
        [
            ({"expires_in": timedelta(minutes=4231)}, "ExtensionError"),
            ({"expires_in": timedelta(minutes=-5)}, "InvalidRequest"),
            ({"changeType": "moved"}, "InvalidRequest"),
            ({"resource": "me/calendarView"}, "ExtensionError"),
            ({"resource": "me/messages"}, "ExtensionError"),
            ({"clientState": "x" * 129}, "InvalidRequest"),
            ({"expirationDateTime": None}, "InvalidRequest"),
        ],
    )
    def test_refused_subscriptions(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
        overrides: dict[str, Any],
        code: str,
    ) -> None:
        answer = subscribe(microsoft_emulator, graph, receiver.url, **overrides)

        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == code
        assert receiver.validations.empty()

    def test_the_lifetime_limit_message(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        answer = subscribe(
            microsoft_emulator, graph, receiver.url, expires_in=timedelta(days=3, hours=1)
        )

        assert answer.json()["error"]["message"] == (
            "Subscription expiration can only be 4230 minutes in the future."
        )

    def test_notification_urls_must_be_https_off_loopback(
        self, microsoft_emulator: MicrosoftGraphEmulator, graph: requests.Session
    ) -> None:
        answer = subscribe(microsoft_emulator, graph, "http://hooks.example/notify")

        assert answer.status_code == 400

    def test_a_short_expiry_is_raised_to_45_minutes(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        answer = subscribe(microsoft_emulator, graph, receiver.url, expires_in=timedelta(minutes=5))

        expires = datetime.fromisoformat(answer.json()["expirationDateTime"][:26] + "+00:00")
        assert expires > datetime.now(UTC) + timedelta(minutes=44)

    def test_reading_needs_calendar_scope(
        self, microsoft_emulator: MicrosoftGraphEmulator, receiver: Receiver
    ) -> None:
        profile_only = microsoft_emulator.graph_session(("User.Read",))

        answer = subscribe(microsoft_emulator, profile_only, receiver.url)

        assert answer.status_code == 403


class TestNotifications:
    def test_created_updated_deleted_reach_the_receiver(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator
        subscription = subscribe(ms, graph, receiver.url).json()

        event = ms.add_event(start=MONDAY, end=MONDAY + timedelta(hours=1), subject="New")
        created = receiver.next()["value"]
        ms.edit_event(event["id"], subject="Renamed")
        updated = receiver.next()["value"]
        graph.delete(f"{ms.graph_url}/me/events/{event['id']}", timeout=5)
        deleted = receiver.next()["value"]

        [notification] = created
        assert notification["subscriptionId"] == subscription["id"]
        assert notification["clientState"] == CLIENT_STATE
        assert notification["changeType"] == "created"
        assert notification["resource"] == f"Users/{ms.user_id}/Events/{event['id']}"
        assert notification["resourceData"]["id"] == event["id"]
        assert notification["resourceData"]["@odata.type"] == "#Microsoft.Graph.Event"
        assert notification["tenantId"] == ms.tenant_id
        assert notification["subscriptionExpirationDateTime"] == subscription["expirationDateTime"]
        assert [updated[0]["changeType"], deleted[0]["changeType"]] == ["updated", "deleted"]

    def test_only_the_watched_calendar_and_change_types(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator
        other = ms.add_calendar("Other")["id"]
        subscribe(ms, graph, receiver.url, changeType="created")

        ms.add_event(other, start=MONDAY, end=MONDAY + timedelta(hours=1))
        mine = ms.add_event(start=MONDAY, end=MONDAY + timedelta(hours=1))
        ms.edit_event(mine["id"], subject="quiet")
        ms.wait_for_deliveries()

        assert receiver.next()["value"][0]["resourceData"]["id"] == mine["id"]
        assert receiver.notifications.empty()

    def test_me_events_covers_every_calendar(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator
        other = ms.add_calendar("Other")["id"]
        subscribe(ms, graph, receiver.url, resource="/me/events")

        ms.add_event(other, start=MONDAY, end=MONDAY + timedelta(hours=1))

        assert receiver.next()["value"][0]["changeType"] == "created"

    def test_a_failed_delivery_is_recorded_not_retried(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator
        subscribe(ms, graph, receiver.url)
        receiver.mode = "fail-notifications"

        ms.add_event(start=MONDAY, end=MONDAY + timedelta(hours=1))
        ms.wait_for_deliveries()

        [delivery] = ms.deliveries
        assert delivery.status == 500
        assert receiver.notifications.qsize() == 1


class TestLifecycle:
    def test_renew_then_delete(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator
        subscription = subscribe(ms, graph, receiver.url, expires_in=timedelta(hours=1)).json()
        url = f"{ms.graph_url}/subscriptions/{subscription['id']}"
        later = (datetime.now(UTC) + timedelta(days=2)).isoformat()

        renewed = graph.patch(url, json={"expirationDateTime": later}, timeout=5)
        too_far = graph.patch(
            url,
            json={"expirationDateTime": (datetime.now(UTC) + timedelta(days=4)).isoformat()},
            timeout=5,
        )
        listed = graph.get(ms.graph_url + "/subscriptions", timeout=5).json()["value"]
        deleted = graph.delete(url, timeout=5)
        ms.add_event(start=MONDAY, end=MONDAY + timedelta(hours=1))
        ms.wait_for_deliveries()

        assert renewed.status_code == 200
        assert renewed.json()["expirationDateTime"][:16] == later[:16]
        assert too_far.status_code == 400
        assert [s["id"] for s in listed] == [subscription["id"]]
        assert deleted.status_code == 204
        assert graph.delete(url, timeout=5).status_code == 404
        assert receiver.notifications.empty()

    def test_an_expired_subscription_goes_silent_and_away(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator
        subscription = subscribe(ms, graph, receiver.url, expires_in=timedelta(hours=1)).json()

        with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
            ms.add_event(start=MONDAY, end=MONDAY + timedelta(hours=1))
            ms.wait_for_deliveries()
            renewal = ms.graph_session().patch(
                f"{ms.graph_url}/subscriptions/{subscription['id']}",
                json={"expirationDateTime": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
                timeout=5,
            )

        assert receiver.notifications.empty()
        assert renewal.status_code == 404

    def test_lifecycle_notifications(
        self,
        microsoft_emulator: MicrosoftGraphEmulator,
        graph: requests.Session,
        receiver: Receiver,
    ) -> None:
        ms = microsoft_emulator
        subscription = subscribe(
            ms, graph, receiver.url, lifecycleNotificationUrl=receiver.url + "/lifecycle"
        ).json()

        ms.send_lifecycle_notification(subscription["id"], "subscriptionRemoved")

        [notice] = receiver.next()["value"]
        assert notice["lifecycleEvent"] == "subscriptionRemoved"
        assert notice["clientState"] == CLIENT_STATE
        assert ms.subscriptions == []
