"""Routing and request validation for the Google Calendar emulator, driven by the
discovery document that google-api-python-client ships."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import googleapiclient

DISCOVERY_PATH = (
    Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "calendar.v3.json"
)

# Google's front end accepts these on every API besides the ones the discovery
# document lists under "parameters" (the client itself sends some of them).
EXTRA_GLOBAL_PARAMETERS = frozenset(
    {"access_token", "callback", "upload_protocol", "uploadType", "$.xgafv"}
)

_USAGE_LIMIT_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded"}
)

_DEFAULT_MESSAGES = {
    "authError": "Invalid Credentials",
    "required": "Login Required.",
    "backendError": "Backend Error",
    "badRequest": "Bad Request",
    "conditionNotMet": "Precondition Failed",
    "dailyLimitExceeded": "Daily Limit Exceeded",
    "deleted": "Resource has been deleted",
    "duplicate": "The requested identifier already exists.",
    "forbidden": "Forbidden",
    "fullSyncRequired": "Sync token is no longer valid, a full sync is required.",
    "insufficientPermissions": "Insufficient Permission",
    "invalid": "Invalid Value",
    "notFound": "Not Found",
    "quotaExceeded": "Calendar usage limits exceeded.",
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
}


class GoogleApiError(Exception):
    """An error answered in the shape googleapiclient.errors.HttpError parses.

    The body never carries a top-level "details" list: HttpError would pick it
    over "errors" for ``error_details`` and callers read ``[0]["reason"]``.
    """

    def __init__(
        self,
        status: int,
        reason: str,
        message: str | None = None,
        *,
        domain: str | None = None,
        location: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.reason = reason
        self.message = message or _DEFAULT_MESSAGES.get(reason, reason)
        if domain is None:
            domain = "usageLimits" if reason in _USAGE_LIMIT_REASONS else "global"
        self.domain = domain
        self.location = location
        self.headers = headers or {}
        super().__init__(f"{status} {reason}: {self.message}")

    def body(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "domain": self.domain,
            "reason": self.reason,
            "message": self.message,
        }
        if self.location:
            # Google names the offending parameter or header in every detail it can.
            detail["locationType"] = "header" if self.location[0].isupper() else "parameter"
            detail["location"] = self.location
        return {"error": {"errors": [detail], "code": self.status, "message": self.message}}


def bad_request(message: str, location: str | None = None) -> GoogleApiError:
    return GoogleApiError(400, "badRequest", message, location=location)


def invalid(message: str, location: str | None = None) -> GoogleApiError:
    return GoogleApiError(400, "invalid", message, location=location)


@dataclass(frozen=True)
class Method:
    id: str
    http_method: str
    segments: tuple[str, ...]
    parameters: dict[str, dict[str, Any]]
    scopes: frozenset[str]

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if not s.startswith("{"))


@dataclass
class Call:
    """A routed request: the method, its path parameters and checked query parameters."""

    method: Method
    path_params: dict[str, str]
    query: dict[str, str | list[str]] = field(default_factory=dict)

    def str_param(self, name: str) -> str | None:
        value = self.query.get(name)
        assert not isinstance(value, list)
        return value

    def list_param(self, name: str) -> list[str]:
        value = self.query.get(name, [])
        return value if isinstance(value, list) else [value]

    def bool_param(self, name: str, default: bool = False) -> bool:
        value = self.str_param(name)
        return default if value is None else value == "true"

    def int_param(self, name: str, default: int) -> int:
        value = self.str_param(name)
        return default if value is None else int(value)


class Discovery:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.global_parameters = frozenset(document["parameters"]) | EXTRA_GLOBAL_PARAMETERS
        self.methods: list[Method] = []
        self._collect(document["resources"])
        # A literal segment beats a variable, so ".../events/watch" is never read
        # as an event whose id is "watch".
        self.methods.sort(key=lambda m: -m.literal_count)

    def _collect(self, resources: dict[str, Any]) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                self.methods.append(
                    Method(
                        id=method["id"],
                        http_method=method["httpMethod"],
                        segments=tuple(method["path"].split("/")),
                        parameters=method.get("parameters", {}),
                        scopes=frozenset(method.get("scopes", ())),
                    )
                )
            self._collect(resource.get("resources", {}))

    def route(self, http_method: str, path: str) -> tuple[Method, dict[str, str]]:
        # Split before unquoting: a calendar id may contain an encoded "/".
        parts = path.split("/")
        path_matched = False
        for method in self.methods:
            params = _match(method.segments, parts)
            if params is None:
                continue
            path_matched = True
            if method.http_method == http_method:
                return method, params
        if path_matched:
            raise GoogleApiError(405, "httpMethodNotAllowed", "Method Not Allowed")
        raise GoogleApiError(404, "notFound", "Not Found")

    def check_query(self, method: Method, raw: dict[str, list[str]]) -> dict[str, str | list[str]]:
        checked: dict[str, str | list[str]] = {}
        for name, values in raw.items():
            spec = method.parameters.get(name)
            if spec is None or spec["location"] != "query":
                if name in self.global_parameters:
                    checked[name] = values[-1]
                    continue
                # Google's front end refuses any query parameter it cannot bind.
                raise bad_request(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query '
                    f"parameter. Field '{name}' could not be found in request message."
                )
            if len(values) > 1 and not spec.get("repeated"):
                raise bad_request(
                    f"Invalid JSON payload received. Cannot bind query parameter '{name}'"
                    " to a non-repeated field."
                )
            for value in values:
                _check_value(name, spec, value)
            checked[name] = values if spec.get("repeated") else values[0]
        for name, spec in method.parameters.items():
            if spec.get("required") and spec["location"] == "query" and name not in checked:
                raise GoogleApiError(400, "required", "Required parameter: " + name, location=name)
        return checked


def _match(segments: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    if len(segments) != len(parts):
        return None
    params: dict[str, str] = {}
    for segment, part in zip(segments, parts, strict=True):
        if segment.startswith("{"):
            if not part:
                return None
            params[segment.strip("{}+")] = unquote(part)
        elif segment != part:
            return None
    return params


def _check_value(name: str, spec: dict[str, Any], value: str) -> None:
    kind = spec.get("type")
    if kind == "boolean" and value not in ("true", "false"):
        raise invalid(f"Invalid boolean value: '{value}'.", name)
    if kind == "integer":
        try:
            number = int(value)
        except ValueError:
            raise invalid(f"Invalid integer value: '{value}'.", name) from None
        if "minimum" in spec and number < int(spec["minimum"]):
            raise invalid(f"Invalid value '{value}'. Values must be >= {spec['minimum']}", name)
        if "maximum" in spec and number > int(spec["maximum"]):
            raise invalid(f"Invalid value '{value}'. Values must be <= {spec['maximum']}", name)
    if "enum" in spec and value not in spec["enum"]:
        raise invalid(f"Invalid value for: {name}", name)
    if spec.get("format") == "date-time":
        parse_rfc3339(value, name)


def parse_rfc3339(value: str, name: str) -> datetime:
    """Parse an RFC 3339 instant; Google refuses one without an offset."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request("Bad Request", name) from None
    if parsed.tzinfo is None:
        raise bad_request("Bad Request", name)
    return parsed


@cache
def calendar_discovery() -> Discovery:
    return Discovery(json.loads(DISCOVERY_PATH.read_text(encoding="utf-8")))
