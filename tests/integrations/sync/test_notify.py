"""Which runs e-mail the host, by the notification setting, and what the e-mail says."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from integrations.accounts.records import Account
from integrations.sync.notify import message_for, wants_email
from integrations.sync.records import RunError, RunRecord, SettingsRecord

WHEN = datetime(2026, 12, 1, 9, tzinfo=UTC)
SETTINGS = SettingsRecord(account_id=1, host_id=1, mode="two_way")
RUN = RunRecord(
    id=7, account_id=1, host_id=1, trigger="auto", mode="two_way", dry_run=False,
    status="done", started_at=WHEN, finished_at=WHEN, counts={}, skipped=0, plan=[],
    conflicts=[], errors=[], stop_reason="", progress_done=0, progress_total=0,
)  # fmt: skip
ACCOUNT = Account(
    id=1, host=1, provider="google", purpose="calendar", external_id="ada",
    external_email="ada@example.com", display_name="", credentials="", scopes="",
    status="ok", status_message="", connected_at=WHEN, authorized_at=None,
    reconnect_notified_at=None, last_used_at=None, host_name="Ada",
    host_email="ada@example.com", host_time_zone="UTC",
)  # fmt: skip
CHANGED = msgspec.structs.replace(RUN, counts={"calendar": {"create": 2}, "crm": {"update": 1}})
FAILED = msgspec.structs.replace(RUN, status="failed", errors=[RunError(message="Google is down")])
STOPPED = msgspec.structs.replace(RUN, status="stopped", stop_reason="would_delete_all")


@pytest.mark.parametrize(
    ("notify", "run", "expected"),
    [
        ("failures", RUN, False),
        ("failures", CHANGED, False),
        ("failures", FAILED, True),
        ("summary", RUN, False),
        ("summary", CHANGED, True),
        ("summary", msgspec.structs.replace(CHANGED, trigger="manual"), False),
        ("summary", FAILED, True),
        ("none", FAILED, False),
        ("none", STOPPED, True),  # needs the host's word whatever the setting
    ],
)
def test_who_is_told_what(notify: str, run: RunRecord, expected: bool) -> None:
    assert wants_email(msgspec.structs.replace(SETTINGS, notify=notify), run) is expected  # type: ignore[arg-type]


def test_a_stop_is_told_once_until_a_run_goes_through() -> None:
    told = msgspec.structs.replace(SETTINGS, attention_notified_at=WHEN)
    assert not wants_email(told, STOPPED)


def test_dry_runs_e_mail_nobody() -> None:
    assert not wants_email(SETTINGS, msgspec.structs.replace(FAILED, dry_run=True))


def test_the_messages_say_what_happened_and_where_to_look() -> None:
    summary = message_for(
        ACCOUNT, CHANGED, mail_from="r@example.com", public_url="https://r.example"
    )
    body = summary.get_content()
    assert "In your calendar: 2 created." in body
    assert "In Rendezvous: 1 updated." in body
    assert "https://r.example/dashboard/calendar-sync" in body
    stopped = message_for(
        ACCOUNT, STOPPED, mail_from="r@example.com", public_url="https://r.example"
    )
    assert "deleted every synced item on one side" in stopped.get_content()
    failed = message_for(ACCOUNT, FAILED, mail_from="r@example.com", public_url="https://r.example")
    assert "Google is down" in failed.get_content()
