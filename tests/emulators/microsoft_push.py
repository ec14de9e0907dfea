"""Change notifications (``/subscriptions``) for the Microsoft Graph emulator.

Creating a subscription first POSTs ``?validationToken=...`` to the notificationUrl
(and to the lifecycleNotificationUrl, if any); the receiver must answer 200 with the
URL-decoded token as text/plain within 10 s, else the create fails with 400
(https://learn.microsoft.com/graph/change-notifications-delivery-webhooks). Event
subscriptions last at most 4230 minutes (under 3 days); a shorter expiry than 45
minutes is raised to 45 minutes. Notifications are real POSTs of
``{"value": [{"subscriptionId", "subscriptionExpirationDateTime", "changeType",
"resource", "resourceData", "clientState", "tenantId"}]}`` from one background
thread, in order, with Graph's 3 s timeout; a failed delivery is recorded, not
retried (Graph retries for up to 4 hours).

The handshake runs without the emulator's lock (the receiver may call back into the
emulator); everything else is called with it held.
"""

from __future__ import annotations

import json
import queue
import re
import ssl
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from tests.emulators.microsoft_errors import GraphError, bad_request
from tests.emulators.microsoft_time import graph_stamp, parse_instant

MAX_LIFETIME = timedelta(minutes=4230)
MIN_LIFETIME = timedelta(minutes=45)
VALIDATION_TIMEOUT = 10.0
DELIVERY_TIMEOUT = 3.0
CHANGE_TYPES = ("created", "updated", "deleted")
WRITABLE = frozenset(
    {
        "changeType",
        "notificationUrl",
        "resource",
        "expirationDateTime",
        "clientState",
        "lifecycleNotificationUrl",
        "latestSupportedTlsVersion",
        "includeResourceData",
        "encryptionCertificate",
        "encryptionCertificateId",
        "notificationQueryOptions",
        "notificationUrlAppId",
    }
)


@dataclass
class Subscription:
    id: str
    resource: str
    calendar_id: str | None  # None: every calendar of the mailbox (/me/events)
    change_types: tuple[str, ...]
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expiration: datetime
    application_id: str
    creator_id: str
    tls_version: str

    def resource_json(self, base_url: str) -> dict[str, Any]:
        return {
            "@odata.context": f"{base_url}/v1.0/$metadata#subscriptions/$entity",
            "id": self.id,
            "resource": self.resource,
            "applicationId": self.application_id,
            "changeType": ",".join(self.change_types),
            "clientState": self.client_state,
            "notificationUrl": self.notification_url,
            "notificationQueryOptions": None,
            "lifecycleNotificationUrl": self.lifecycle_url,
            "expirationDateTime": graph_stamp(self.expiration),
            "creatorId": self.creator_id,
            "includeResourceData": None,
            "latestSupportedTlsVersion": self.tls_version,
            "encryptionCertificate": None,
            "encryptionCertificateId": None,
            "notificationUrlAppId": None,
        }


@dataclass(frozen=True)
class Delivery:
    url: str
    payload: dict[str, Any]
    status: int | None  # None: no HTTP answer (refused, timed out)
    error: str | None


@dataclass(frozen=True)
class SubscriptionRequest:
    """A checked create request, waiting for its validation handshake."""

    resource: str
    calendar_id: str | None
    change_types: tuple[str, ...]
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expiration: datetime
    tls_version: str


_EVENTS_RESOURCE = re.compile(
    r"^/?(?:me|users/(?P<user>[^/]+))"
    r"(?:/calendars/(?P<calendar>[^/]+)|/(?P<default>calendar))?/events$",
    re.IGNORECASE,
)


class PushHub:
    def __init__(
        self,
        base_url: str,
        tenant_id: str,
        user_id: str,
        user_upn: str,
        client_context: ssl.SSLContext,
    ) -> None:
        self.base_url = base_url
        self.tenant_id = tenant_id
        self.user_id = user_id
        self.user_upn = user_upn
        self.subscriptions: dict[str, Subscription] = {}
        self.deliveries: list[Delivery] = []
        self.validation_timeout = VALIDATION_TIMEOUT
        # No proxy from the environment: notifications go straight to the receiver.
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=client_context)
        )
        self._outbox: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._idle = threading.Condition()
        self._closing = threading.Event()
        self._in_flight = 0
        self._sender = threading.Thread(target=self._send_all, name="msgraph-push", daemon=True)
        self._sender.start()

    # -- create / renew / delete ------------------------------------------------

    def check_create(
        self,
        body: dict[str, Any],
        now: datetime,
        resolve_calendar: Any,
    ) -> SubscriptionRequest:
        for name in body:
            if name not in WRITABLE and not name.startswith("@odata."):
                raise bad_request(
                    f"The property '{name}' does not exist on type 'microsoft.graph.subscription'."
                )
        for name in ("changeType", "notificationUrl", "resource", "expirationDateTime"):
            if not body.get(name):
                raise GraphError(
                    400,
                    "InvalidRequest",
                    f"{name} is a required property for subscription creation.",
                )
        if body.get("includeResourceData"):
            raise GraphError(
                501,
                "NotImplemented",
                "Notifications with resource data are not emulated.",
            )
        change_types = tuple(t.strip() for t in str(body["changeType"]).split(","))
        for change in change_types:
            if change not in CHANGE_TYPES:
                raise GraphError(
                    400, "InvalidRequest", f"Invalid 'changeType' attribute: '{change}'."
                )
        resource = str(body["resource"])
        match = _EVENTS_RESOURCE.match(resource.split("?")[0])
        if match is None or "?" in resource:
            raise GraphError(
                400,
                "ExtensionError",
                f"Operation: Create; Exception: [Status Code: BadRequest; Reason: The resource "
                f"'{resource}' is not supported for change notifications in this emulator.]",
            )
        user = match["user"]
        if user is not None and user.lower() not in (self.user_id, self.user_upn.lower()):
            raise GraphError(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        calendar_id = None
        if match["calendar"] or match["default"]:
            calendar_id = resolve_calendar(match["calendar"])
        client_state = body.get("clientState")
        if client_state is not None and len(str(client_state)) > 128:
            raise GraphError(
                400, "InvalidRequest", "clientState cannot be longer than 128 characters."
            )
        notification_url = self._check_url(str(body["notificationUrl"]), "notificationUrl")
        lifecycle_url = body.get("lifecycleNotificationUrl")
        if lifecycle_url:
            lifecycle_url = self._check_url(str(lifecycle_url), "lifecycleNotificationUrl")
        return SubscriptionRequest(
            resource=resource,
            calendar_id=calendar_id,
            change_types=change_types,
            notification_url=notification_url,
            lifecycle_url=lifecycle_url or None,
            client_state=None if client_state is None else str(client_state),
            expiration=self._expiration(body["expirationDateTime"], now),
            tls_version=str(body.get("latestSupportedTlsVersion") or "v1_2"),
        )

    @staticmethod
    def _check_url(url: str, name: str) -> str:
        parts = urlsplit(url)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        # Deviation: Graph requires https; plain http is accepted for loopback
        # receivers so that tests can run the app's webhook without TLS.
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise GraphError(
                400,
                "InvalidRequest",
                f"Invalid '{name}': the URL must use the HTTPS protocol.",
            )
        return url

    @staticmethod
    def _expiration(value: Any, now: datetime) -> datetime:
        expiration = parse_instant(str(value), "expirationDateTime")
        if expiration <= now:
            raise GraphError(
                400,
                "InvalidRequest",
                "Subscription expiration time must be in the future.",
            )
        if expiration > now + MAX_LIFETIME:
            raise GraphError(
                400,
                "ExtensionError",
                f"Subscription expiration can only be {int(MAX_LIFETIME.total_seconds() // 60)} "
                "minutes in the future.",
            )
        return max(expiration, now + MIN_LIFETIME)

    def validate(self, request: SubscriptionRequest) -> None:
        """The handshake; runs without the emulator's lock."""
        self._handshake(request.notification_url)
        if request.lifecycle_url:
            self._handshake(request.lifecycle_url)

    def _handshake(self, url: str) -> None:
        token = (
            "Validation: Testing client application reachability for subscription Request-Id: "
            + str(uuid.uuid4())
        )
        separator = "&" if urlsplit(url).query else "?"
        request = urllib.request.Request(  # noqa: S310 - http(s) checked in check_create
            url + separator + "validationToken=" + quote(token, safe=""),
            data=b"",
            headers={"Content-Type": "text/plain; charset=utf-8"},
            method="POST",
        )
        try:
            with self._opener.open(request, timeout=self.validation_timeout) as answer:
                status = answer.status
                content_type = answer.headers.get("Content-Type", "")
                text = answer.read().decode("utf-8", "replace")
        except TimeoutError:
            raise GraphError(
                400, "InvalidRequest", "Subscription validation request timed out."
            ) from None
        except urllib.error.HTTPError as error:
            status, content_type, text = error.code, "", ""
        except (OSError, ValueError):
            raise GraphError(
                400,
                "ValidationError",
                "Subscription validation request failed. Notification endpoint must respond "
                "with 200 OK to validation request.",
            ) from None
        if status != 200 or not content_type.lower().startswith("text/plain"):
            raise GraphError(
                400,
                "ValidationError",
                "Subscription validation request failed. Notification endpoint must respond "
                "with 200 OK to validation request.",
            )
        if text != token:
            raise GraphError(
                400,
                "ValidationError",
                "Subscription validation request failed. Response must exactly match "
                "validationToken query parameter.",
            )

    def add(self, request: SubscriptionRequest, application_id: str) -> Subscription:
        subscription = Subscription(
            id=str(uuid.uuid4()),
            resource=request.resource,
            calendar_id=request.calendar_id,
            change_types=request.change_types,
            notification_url=request.notification_url,
            lifecycle_url=request.lifecycle_url,
            client_state=request.client_state,
            expiration=request.expiration,
            application_id=application_id,
            creator_id=self.user_id,
            tls_version=request.tls_version,
        )
        self.subscriptions[subscription.id] = subscription
        return subscription

    def get(self, subscription_id: str, now: datetime) -> Subscription:
        self.prune(now)
        found = self.subscriptions.get(subscription_id)
        if found is None:
            raise GraphError(
                404, "ResourceNotFound", f"The object '{subscription_id}' was not found."
            )
        return found

    def renew(self, subscription_id: str, body: dict[str, Any], now: datetime) -> Subscription:
        subscription = self.get(subscription_id, now)
        for name in body:
            if name not in ("expirationDateTime", "notificationUrl") and not name.startswith(
                "@odata."
            ):
                raise GraphError(400, "InvalidRequest", f"The property '{name}' cannot be updated.")
        if "expirationDateTime" not in body:
            raise GraphError(
                400, "InvalidRequest", "expirationDateTime is a required property for renewal."
            )
        subscription.expiration = self._expiration(body["expirationDateTime"], now)
        if body.get("notificationUrl"):
            subscription.notification_url = self._check_url(
                str(body["notificationUrl"]), "notificationUrl"
            )
        return subscription

    def delete(self, subscription_id: str, now: datetime) -> None:
        self.get(subscription_id, now)
        del self.subscriptions[subscription_id]

    def prune(self, now: datetime) -> None:
        # An expired subscription is gone: no notifications, 404 to renew or delete.
        for subscription in list(self.subscriptions.values()):
            if subscription.expiration <= now:
                del self.subscriptions[subscription.id]

    # -- notifications ----------------------------------------------------------

    def changed(
        self, calendar_id: str, event_id: str, change: str, etag: str | None, now: datetime
    ) -> None:
        self.prune(now)
        for subscription in self.subscriptions.values():
            if change not in subscription.change_types:
                continue
            if subscription.calendar_id not in (None, calendar_id):
                continue
            resource = f"Users/{self.user_id}/Events/{event_id}"
            notification: dict[str, Any] = {
                "subscriptionId": subscription.id,
                "subscriptionExpirationDateTime": graph_stamp(subscription.expiration),
                "changeType": change,
                "resource": resource,
                "resourceData": {
                    "@odata.type": "#Microsoft.Graph.Event",
                    "@odata.id": resource,
                    "id": event_id,
                },
                "tenantId": self.tenant_id,
            }
            if etag is not None:
                notification["resourceData"]["@odata.etag"] = etag
            if subscription.client_state is not None:
                notification["clientState"] = subscription.client_state
            self._enqueue(subscription.notification_url, {"value": [notification]})

    def lifecycle(self, subscription_id: str, event: str, now: datetime) -> None:
        """A lifecycle notification (subscriptionRemoved, reauthorizationRequired or
        missed) to the subscription's lifecycleNotificationUrl."""
        subscription = self.get(subscription_id, now)
        if subscription.lifecycle_url is None:
            raise ValueError("the subscription has no lifecycleNotificationUrl")
        notification: dict[str, Any] = {
            "subscriptionId": subscription.id,
            "subscriptionExpirationDateTime": graph_stamp(subscription.expiration),
            "tenantId": self.tenant_id,
            "lifecycleEvent": event,
        }
        if subscription.client_state is not None:
            notification["clientState"] = subscription.client_state
        if event == "subscriptionRemoved":
            del self.subscriptions[subscription.id]
        self._enqueue(subscription.lifecycle_url, {"value": [notification]})

    def _enqueue(self, url: str, payload: dict[str, Any]) -> None:
        with self._idle:
            self._in_flight += 1
        self._outbox.put((url, payload))

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queued notification was attempted."""
        with self._idle:
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout)

    def _send_all(self) -> None:
        while (item := self._outbox.get()) is not None:
            url, payload = item
            if self._closing.is_set():
                # Shutting down: what is still queued is dropped, not waited for.
                self._done()
                continue
            request = urllib.request.Request(  # noqa: S310 - http(s) checked on create
                url,
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                method="POST",
            )
            status: int | None = None
            error: str | None = None
            try:
                with self._opener.open(request, timeout=DELIVERY_TIMEOUT) as answer:
                    status = answer.status
            except urllib.error.HTTPError as failure:
                status, error = failure.code, str(failure)
            except (OSError, ValueError) as failure:
                error = str(failure)
            self.deliveries.append(Delivery(url, payload, status, error))
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def close(self) -> None:
        self._closing.set()
        self._outbox.put(None)
        self._sender.join(timeout=DELIVERY_TIMEOUT + 1)
