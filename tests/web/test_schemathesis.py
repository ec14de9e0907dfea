"""schemathesis against the app's own OpenAPI document, on SQLite and PostgreSQL:
no server error, and every response (status, content type, body) as documented.

The app runs as ``uvicorn web.main:app`` in a subprocess, as in production, not
in-process: schemathesis's ASGI transport keeps every application it started alive
on a shared event loop for the rest of the pytest process, so each app's outbox
and calendar runners would go on polling a database dropped after its test, and an
asyncpg pool must stay on the loop that made it. A real server also decodes paths
and headers as clients' requests will be decoded (uvicorn, h11).

The host API is called as a host (bearer token of the seeded host ``ada``), the
public routes without credentials and with ``host_slug`` fixed to ``ada`` so that
they reach past the 404. Nothing is excluded: Google and Zoom are not configured,
so connecting answers 422 and nothing leaves the machine (their flows are tested
against the emulators in tests/integrations). Examples are bounded (about a minute
per database on two cores) and the seed is fixed so CI is repeatable; set
``RENDEZVOUS_FUZZ_SEED`` (an integer) and ``RENDEZVOUS_FUZZ_EXAMPLES`` to explore
further.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import schemathesis
import urllib3
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.transport import requests as requests_transport

from booking.event_types import service as event_types
from booking.event_types.schemas import EventTypeCreate
from booking.hosts import service as hosts
from booking.hosts.schemas import HostCreate
from booking.schedules import service as schedules
from booking.schedules.schemas import WEEKDAYS, ScheduleUpdate
from web import database

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("RENDEZVOUS_FUZZ_SEED", "20261130"))
EXAMPLES = int(os.environ.get("RENDEZVOUS_FUZZ_EXAMPLES", "12"))
STATEFUL_STEPS = 8
STATEFUL_SCENARIOS = int(os.environ.get("RENDEZVOUS_FUZZ_SCENARIOS", "40"))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)


@dataclass(frozen=True)
class LiveApi:
    url: str
    token: str
    log: Path


async def _seed(database_url: str) -> str:
    """Ada, free around the clock, with a bookable event type; returns her API token."""
    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        host = await hosts.create(
            HostCreate(email="ada@example.com", slug="ada", time_zone="Europe/Berlin", name="Ada")
        )
        default = await schedules.get_default(host.id)
        await schedules.update(
            host.id, default.id, ScheduleUpdate(weekly={day: ["00:00-24:00"] for day in WEEKDAYS})
        )
        await event_types.create(
            host.id, EventTypeCreate(title="Intro", slug="intro", duration_minutes=30)
        )
        return await hosts.create_token(host.id, "schemathesis")
    finally:
        await database.stop(engine)


def _no_connections(_session: object) -> int:
    return 0


def _pools_of_urllib3_future() -> None:
    """caldav needs niquests, whose urllib3-future takes the place of urllib3 at every
    interpreter start (its .pth file). Its PoolManager keeps pools in a TrafficPolice,
    which has no keys(): schemathesis counts connections through them to decide
    whether to resend a request a server dropped unanswered. uvicorn on loopback does
    not drop one, so count none and let that rule resend once."""
    if not hasattr(urllib3.PoolManager().pools, "keys"):
        requests_transport._count_opened_connections = _no_connections  # type: ignore[assignment]


@pytest.fixture
def live_api(database_url: str, tmp_path: Path) -> Iterator[LiveApi]:
    token = asyncio.run(_seed(database_url))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # uvicorn --fd takes the socket for a Unix one and leaves Nagle on; accepted
    # sockets inherit this, without which each request waited ~40 ms for an ACK.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "web.main:app", "--fd", str(listener.fileno())],
            pass_fds=[listener.fileno()],
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "SECRET_KEY": "s" * 48,
                "PUBLIC_URL": url,
                "RENDEZVOUS_VAR_DIR": str(tmp_path / "var"),
                # The limiter's 429 is documented; a high limit lets writes go deeper.
                "RATE_LIMIT_PER_MINUTE": "1000000",
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "console",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    listener.close()  # uvicorn holds its own copy; connections wait in the backlog
    try:
        yield LiveApi(url=url, token=token, log=log_path)
    finally:
        server.terminate()
        server.wait(timeout=10)
    # A 500 is logged with its traceback: show it when a check failed.
    errors = [line for line in log_path.read_text().splitlines() if "Traceback" in line]
    assert not errors, log_path.read_text()[-5000:]


def _config(token: str) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
            "generation": {"max-examples": EXAMPLES, "mode": "all"},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "phases": {
                # Chains start from valid requests: a refused create leads nowhere.
                "stateful": {
                    "max-steps": STATEFUL_STEPS,
                    "generation": {"mode": "positive", "max-examples": STATEFUL_SCENARIOS},
                }
            },
            "auth": {"openapi": {"BearerToken": {"bearer": token}}},
            "parameters": {"path.host_slug": "ada"},
            "request-timeout": 30,
            "workers": 1,
        }
    )


@dataclass
class Findings:
    """What a run found: failed checks (one line each, with a curl to replay it)."""

    failures: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)

    def record(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            recorder = event.recorder
            for case_id, interaction in recorder.interactions.items():
                status = interaction.response.status_code if interaction.response else "none"
                self.requests[f"{interaction.request.method} {status}"] += 1
                del case_id
            for checks in recorder.checks.values():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    key = f"{failure.operation}: {check.name}: {failure.title}"
                    self.failures.setdefault(
                        key, f"{failure.message}\n    {check.failure_info.code_sample}"
                    )
        elif isinstance(event, events.NonFatalError):
            self.errors.append(f"{event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            self.errors.append(f"fatal: {event.exception!r}")


def run_schemathesis(live: LiveApi) -> Findings:
    """Every phase the CLI runs (examples, coverage, fuzzing, stateful), on every
    operation of the document the server serves."""
    loaded = schemathesis.openapi.from_url(
        f"{live.url}/schema/openapi.json", config=_config(live.token), wait_for_schema=30
    )
    findings = Findings()
    for event in engine.from_schema(loaded).execute():
        findings.record(event)
    return findings


def _findings_in_a_process_of_its_own(live: LiveApi) -> Findings:
    """Run schemathesis in a fresh interpreter. Hypothesis draws some values from the
    constants of every module loaded in the process (its "local constants"), so with a
    fixed seed the examples still depended on which tests the same pytest process had
    run before: two pytest-xdist workers made one GET that urllib3-future refused to
    send. A process of its own loads the same modules every time."""
    child = subprocess.run(
        [sys.executable, "-c", "from tests.web.test_schemathesis import _child; _child()"],
        cwd=ROOT,
        env={**os.environ, "FUZZ_URL": live.url, "FUZZ_TOKEN": live.token},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if child.returncode != 0:
        pytest.fail(f"the schemathesis process failed:\n{child.stderr[-5000:]}")
    found = json.loads(child.stdout.splitlines()[-1])
    return Findings(
        failures=found["failures"], errors=found["errors"], requests=Counter(found["requests"])
    )


def _child() -> None:
    """The schemathesis run of the test, in its own process: findings as one JSON line."""
    _pools_of_urllib3_future()
    live = LiveApi(url=os.environ["FUZZ_URL"], token=os.environ["FUZZ_TOKEN"], log=Path())
    findings = run_schemathesis(live)
    found = {
        "failures": findings.failures,
        "errors": findings.errors,
        "requests": dict(findings.requests),
    }
    print(json.dumps(found))


def test_every_operation_answers_as_documented(live_api: LiveApi) -> None:
    findings = _findings_in_a_process_of_its_own(live_api)
    report = "\n".join(f"{key}\n    {detail}" for key, detail in findings.failures.items())
    assert not findings.errors, "\n".join(findings.errors)
    assert not findings.failures, report
    # It must have reached past the edge: bodies accepted, resources made and read.
    assert findings.requests["POST 201"] > 0, findings.requests
    assert findings.requests["GET 200"] > 0, findings.requests
