"""The embedded default's background sync: automatic runs when due, a run soon after a
push or a CRM write, nothing in between."""

from __future__ import annotations

import pytest

from booking.activities import service as activities
from integrations.accounts import repository as accounts_repository
from integrations.sync import repository
from integrations.sync.runner import LinkedSyncRunner, due_accounts
from tests.integrations.sync.conftest import Setup, fields
from tests.waiting import until

pytestmark = pytest.mark.usefixtures("db")


async def test_due_accounts_run_by_themselves_and_pushes_run_at_once(setup: Setup) -> None:
    setup.calendar.user_adds("ev1", fields(title="Dentist"))
    runner = LinkedSyncRunner(setup.engine, tick=3600, debounce=0)

    await runner.round()
    assert [a.title for a in await activities.list_for(setup.host.id)] == ["Dentist"]
    await runner.round()  # not due again for 15 minutes
    assert [r.trigger for r in await repository.runs_of_host(setup.host.id)] == ["auto"]

    runner.schedule_linked(setup.account_id, "push")
    runner.schedule_linked(setup.account_id, "push")  # a duplicate notification
    assert runner.busy()
    await runner.round()
    assert [r.trigger for r in await repository.runs_of_host(setup.host.id)] == ["push", "auto"]


async def test_the_loop_wakes_for_a_scheduled_run(setup: Setup) -> None:
    await setup.mode("two_way", auto=False)
    runner = LinkedSyncRunner(setup.engine, tick=3600, debounce=0)
    runner.start()
    try:
        runner.schedule_linked(setup.account_id, "crm")

        async def ran() -> list[tuple[str, str]]:
            runs = await repository.runs_of_host(setup.host.id)
            return [(r.trigger, r.status) for r in runs if r.status != "running"]

        assert await until(ran, what="the scheduled run") == [("crm", "done")]
    finally:
        await runner.stop()


async def test_an_account_that_needs_reconnecting_is_not_run_automatically(setup: Setup) -> None:
    assert await due_accounts(setup.engine) == [setup.account_id]
    await accounts_repository.mark_reconnect_needed(
        setup.account_id, "The grant was revoked.", setup.engine.clock()
    )
    assert await due_accounts(setup.engine) == []
    assert await repository.runs_of_host(setup.host.id) == []
