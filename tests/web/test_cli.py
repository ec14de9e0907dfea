"""The CLI end to end: migrate, create a host and a token, then call the API with it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from booking.event_types import service as event_types
from booking.hosts import service as hosts
from integrations.calendars import service as calendars
from integrations.sync import repository as sync_repository
from tests.conftest import serve_in_loop
from tests.integrations.providers.caldav.radicale import PASSWORD as DAV_PASSWORD
from tests.integrations.providers.caldav.radicale import USER as DAV_USER
from tests.integrations.providers.caldav.radicale import Radicale
from web import database
from web.app import create_app
from web.calendars import calendar_environment
from web.cli import main
from web.settings import Settings


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "RENDEZVOUS_VAR_DIR": str(tmp_path / "var")}


def test_users_and_tokens_give_a_working_api_token(env: dict[str, str]) -> None:
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["migrate"]).exit_code == 0, "migrate is idempotent"
    created = runner.invoke(
        main,
        ["users", "create", "Grace@Example.com", "--slug", "grace", "--time-zone",
         "America/New_York", "--password-stdin"],
        input="hopper-1906\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "grace@example.com" in created.output

    issued = runner.invoke(main, ["tokens", "create", "grace@example.com"])
    assert issued.exit_code == 0, issued.output
    token = issued.output.strip()
    assert token.startswith("rdv_")

    async def call_api() -> httpx.Response:
        async with serve_in_loop(create_app(Settings.from_env(env))) as client:
            return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    me = asyncio.run(call_api())
    assert me.status_code == 200
    assert me.json()["time_zone"] == "America/New_York"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "x@example.com", "--slug", "x1", "--time-zone", "Nowhere/City"],
         "not an IANA time zone"),
        (["users", "create", "not-an-email", "--slug", "x2"], "email"),
        (["tokens", "create", "nobody@example.com"], "No host with e-mail"),
    ],
)  # fmt: skip
def test_bad_cli_input_is_a_clear_error(env: dict[str, str], args: list[str], message: str) -> None:
    runner = CliRunner(env=env)
    result = runner.invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_configuration_names_the_variable(env: dict[str, str]) -> None:
    result = CliRunner(env={**env, "DATABASE_URL": "mysql://nope"}).invoke(main, ["migrate"])
    assert result.exit_code != 0
    assert "DATABASE_URL" in result.output


def test_demo_gives_a_bookable_host_and_is_idempotent(env: dict[str, str]) -> None:
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    first = runner.invoke(main, ["demo"])
    second = runner.invoke(main, ["demo"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "/demo/intro" in first.output

    async def fetch() -> tuple[int, list[str]]:
        async with serve_in_loop(create_app(Settings.from_env(env))) as client:
            page = await client.get("/api/v1/public/demo/intro")
            listed = await event_types.list_listed("demo")
            return page.status_code, sorted(et.slug for et in listed[1])

    status, slugs = asyncio.run(fetch())
    assert status == 200
    assert slugs == ["consultation", "intro"], "running demo twice creates nothing twice"


def test_tokens_are_listed_and_revoked_from_the_command_line(env: dict[str, str]) -> None:
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    assert (
        runner.invoke(main, ["users", "create", "ada@example.com", "--slug", "ada"]).exit_code == 0
    )
    issued = runner.invoke(
        main, ["tokens", "create", "ada@example.com", "--name", "CI deploy", "--expires", "30d"]
    )
    assert issued.exit_code == 0, issued.output
    [token] = issued.output.splitlines()  # only the token: scripts capture it
    assert token.startswith("rdv_")
    runner.invoke(main, ["tokens", "create", "ada@example.com", "--label", "old spelling"])

    listed = runner.invoke(main, ["tokens", "list", "ada@example.com"])
    assert listed.exit_code == 0, listed.output
    header, *lines = listed.output.splitlines()
    assert header.split() == ["ID", "NAME", "CREATED", "LAST", "USED", "EXPIRES", "STATE"]
    assert token not in listed.output
    [ci] = [line for line in lines if "CI deploy" in line]
    assert ci.endswith("active")
    assert " never " in next(line for line in lines if "old spelling" in line)
    token_id = ci.split()[0]

    revoked = runner.invoke(main, ["tokens", "revoke", "ada@example.com", token_id])
    assert revoked.exit_code == 0, revoked.output
    assert "CI deploy" not in runner.invoke(main, ["tokens", "list", "ada@example.com"]).output
    audit = runner.invoke(main, ["tokens", "list", "ada@example.com", "--all"]).output
    assert next(line for line in audit.splitlines() if "CI deploy" in line).endswith("revoked")

    async def call_api() -> httpx.Response:
        async with serve_in_loop(create_app(Settings.from_env(env))) as client:
            return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert asyncio.run(call_api()).status_code == 401
    again = runner.invoke(main, ["tokens", "revoke", "ada@example.com", token_id])
    assert again.exit_code != 0
    assert "No such API token" in again.output


@pytest.mark.parametrize(
    ("expires", "message"),
    [("2020-01-01T00:00:00Z", "must be in the future"), ("2030-01-01", "add an offset"),
     ("soon", "give days")],
)  # fmt: skip
def test_a_bad_token_expiry_is_a_clear_error(
    env: dict[str, str], expires: str, message: str
) -> None:
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    assert (
        runner.invoke(main, ["users", "create", "ada@example.com", "--slug", "ada"]).exit_code == 0
    )
    result = runner.invoke(main, ["tokens", "create", "ada@example.com", "--expires", expires])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert "rdv_" not in result.output


def test_worker_without_redis_says_none_is_needed(env: dict[str, str]) -> None:
    result = CliRunner(env={**env, "REDIS_URL": ""}).invoke(main, ["worker"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
    assert "runs background jobs itself" in result.output


def test_sync_previews_then_runs_a_linked_caldav_calendar(
    env: dict[str, str], tmp_path: Path
) -> None:
    """`rendezvous sync ACCOUNT --dry-run` prints the plan; without it, the run imports."""
    env = {**env, "ALLOW_PRIVATE_URLS": "on"}
    runner = CliRunner(env=env)
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    created = runner.invoke(
        main, ["users", "create", "ada@example.com", "--slug", "ada", "--password-stdin"],
        input="lovelace-1815\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    start = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y%m%dT100000Z")
    end = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y%m%dT110000Z")

    with Radicale(tmp_path / "dav") as dav:
        dav.put(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:board\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
            "SUMMARY:Board meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            uid="board",
        )

        async def link() -> int:
            settings = Settings.from_env(env)
            engine = database.build_engine(settings.database_url)
            database.bind(engine)
            await database.start(engine)
            try:
                host = await hosts.get_by_email("ada@example.com")
                account_id = await calendars.connect_caldav(
                    calendar_environment(settings), host.id, dav.url, DAV_USER, DAV_PASSWORD
                )
                await sync_repository.save_settings(
                    account_id, host.id, {"mode": "two_way", "earliest": datetime.now(UTC)}
                )
                return account_id
            finally:
                await database.stop(engine)

        account_id = asyncio.run(link())
        preview = runner.invoke(main, ["sync", str(account_id), "--dry-run"])
        assert preview.exit_code == 0, preview.output
        assert "crm      create" in preview.output
        assert "Board meeting" in preview.output
        assert "done: crm: 1 create" in preview.output

        done = runner.invoke(main, ["sync", str(account_id)])
        assert done.exit_code == 0, done.output
        assert "done: crm: 1 create" in done.output
        again = runner.invoke(main, ["sync", str(account_id)])
        assert "done: nothing to do" in again.output

    missing = runner.invoke(main, ["sync", "424242"])
    assert missing.exit_code != 0
    assert "no such account" in missing.output
