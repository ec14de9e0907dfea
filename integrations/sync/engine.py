"""The sync engine: one run of an account's sync with its linked calendar.

A run lists what changed in the linked calendar (one API call on a quiet calendar),
folds it into our mirror of that calendar, reads the host's activities and the status
rows, asks the pure planner for a plan, and carries it out: remote writes through the
linked-calendar adapter (in a worker thread), the pairs' status rows committed in the
background in groups while the next provider calls run (recorder.py); CRM writes
commit up to ``CRM_BATCH`` to a transaction, set-based, each activity with its status
row.
docs/sync.md has the rules; this module only keeps them.

Crash safety:
- The mirror and the adapter's listing state advance together, in one transaction,
  before any write. The plan is made from the mirror and the status rows, never from
  the listing alone, so a run cut short is simply planned again.
- A remote create uses a client-chosen id; if we die after the provider made the
  event and before our row is committed, the next listing brings the event back with
  our tag and the planner adopts it (``Link``): no duplicate. (With the rows
  committed in groups while the next calls run, that can be one group's rows; each
  recovers so.) Its id is recorded as spent before it is sent
  (``transactions``): only a create of an id never recorded before is ``fresh`` (on
  Graph: not read back).
- A batch of CRM writes commits whole or not at all: a crash loses none of an
  activity without its row, and the next run plans the lost batch again.
- Runs of one account never overlap: the account lock (Redis, PostgreSQL advisory or
  a file lock) is held for the whole run, in every process.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import msgspec

from booking.activities import repository as activities_repository
from booking.activities import service as activities_service
from booking.db import write_transaction
from integrations.accounts import repository as accounts_repository
from integrations.accounts import service as accounts
from integrations.accounts.errors import (
    AuthExpired,
    PreconditionFailed,
    ProviderError,
    RemoteNotFound,
    SyncStateExpired,
    WriteRefused,
)
from integrations.accounts.records import Account
from integrations.calendars import repository as calendars_repository
from integrations.calendars.environment import CalendarEnvironment
from integrations.calendars.provider import SyncWindow
from integrations.calendars.records import CalendarRecord
from integrations.sync import crm, repository, transactions
from integrations.sync.actions import (
    Action,
    CreateActivity,
    CreateEvent,
    DeleteEvent,
    Forget,
    Link,
    Plan,
    RestoreActivity,
    Settle,
    TrashActivity,
    UpdateActivity,
    UpdateEvent,
)
from integrations.sync.items import ActivityItem, CalendarItem, EventFields, OurTag
from integrations.sync.linked import LinkedCalendar, Listing
from integrations.sync.notify import queue_run_email, wants_email
from integrations.sync.planner import plan as make_plan
from integrations.sync.policy import Policy, Scope
from integrations.sync.recorder import Recorder, WriteRecord
from integrations.sync.recorder import commit as commit_records
from integrations.sync.records import (
    GuestPolicy,
    PlanEntry,
    RunError,
    RunRecord,
    SettingsRecord,
)
from integrations.sync.status import StatusRow, advance, new_status

__all__ = ["Progress", "RunOptions", "SyncEngine", "policy_of"]

logger = logging.getLogger("rendezvous.sync")

RemoteWrite = CreateEvent | UpdateEvent | DeleteEvent

#: Progress is written to the run row at most this often (seconds), so a first sync
#: of thousands of items does not double its writes just to report how far it got.
PROGRESS_EVERY = 0.5


class Progress(Protocol):
    def __call__(self, done: int, total: int) -> None: ...


class Locks(Protocol):
    def hold(self, account_id: int) -> AbstractAsyncContextManager[None]: ...


LinkedFactory = Callable[[Account, CalendarRecord], LinkedCalendar]


@dataclass(frozen=True, slots=True)
class RunOptions:
    trigger: str = "manual"
    dry_run: bool = False
    #: The host said "go on" to a stop-and-ask.
    confirm: bool = False
    #: Items the host unticked in the reviewed plan (and ones ticked again).
    exclude_activities: Collection[int] = ()
    exclude_events: Collection[str] = ()
    include_activities: Collection[int] = ()
    include_events: Collection[str] = ()


def _barred(values: list[str]) -> frozenset[Any]:
    pairs = set()
    for value in values:
        side, _, operation = value.partition(":")
        pairs.add((side, operation))
    return frozenset(pairs)


def policy_of(
    settings: SettingsRecord, account: Account, *, meeting_type: int, appointment_type: int
) -> Policy:
    """The planner's view of the host's settings."""
    return Policy(
        host_id=account.host,
        mode=settings.mode,
        earliest=settings.earliest or account.connected_at,
        days_back=settings.days_back,
        days_ahead=settings.days_ahead,
        barred=_barred(settings.barred),
        push_types=None if settings.push_types is None else frozenset(settings.push_types),
        only_linked=settings.only_linked,
        keep_calendar_body=settings.keep_calendar_body,
        winner=settings.winner,
        meeting_type_id=settings.meeting_type or meeting_type,
        appointment_type_id=settings.appointment_type or appointment_type,
        excluded_activities=frozenset(settings.excluded_activities),
        excluded_events=frozenset(settings.excluded_events),
        refused=frozenset(settings.refused),
    )


def plan_entries(
    plan: Plan, activities: Mapping[int, ActivityItem], events: Mapping[str, CalendarItem]
) -> list[PlanEntry]:
    """The plan as the host reviews it: every write and every skipped write, with the
    title and times of what it touches."""

    def entry(action: Action, skipped: str) -> PlanEntry:
        fields: EventFields | None = getattr(action, "fields", None)
        if fields is None:
            known = events.get(action.remote_id) or activities.get(action.activity_id or -1)
            fields = known.fields if known is not None else None
        title, start, end = (
            ("", _NEVER, _NEVER)
            if fields is None
            else (
                "Busy" if fields.private and action.side == "crm" else fields.title,
                fields.start,
                fields.end,
            )
        )
        return PlanEntry(
            side=action.side,
            operation=action.operation,
            title=title,
            start=start,
            end=end,
            activity_id=action.activity_id,
            remote_id=action.remote_id,
            skipped=skipped,
        )

    return [entry(a, "") for a in plan.actions] + [entry(s.action, s.reason) for s in plan.skipped]


_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class _Run:
    """The state of one run while it executes: both sides as they now are."""

    run_id: int
    calendar_id: int
    host_id: int
    guests: GuestPolicy
    linked: LinkedCalendar
    rows: dict[tuple[int, str], StatusRow]
    activities: dict[int, ActivityItem]
    events: dict[str, CalendarItem]
    errors: list[RunError] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    done: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Each planned create's id -> the ids of its run of consecutive creates, from it
    #: on (transactions.creates_ahead): recorded together before the first is sent.
    creates_ahead: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Create ids recorded by this run and not yet sent -> never recorded before.
    fresh: dict[str, bool] = field(default_factory=dict)

    def count(self, action: Action) -> None:
        side = self.done.setdefault(action.side, {})
        side[action.operation] = side.get(action.operation, 0) + 1


def _apply(run: _Run, record: WriteRecord) -> None:
    """The run's view of both sides after a confirmed remote write."""
    if record.forget is not None:
        run.rows.pop(record.forget, None)
    if record.row is not None:
        run.rows[(record.row.activity_id, record.row.remote_id)] = record.row
    if record.event is not None:
        run.events[record.event.remote_id] = record.event
    if record.dropped is not None:
        run.events.pop(record.dropped, None)


class SyncEngine:
    """Runs syncs; what the API, the CLI, the worker jobs and the in-process runner call."""

    def __init__(
        self,
        env: CalendarEnvironment,
        *,
        linked: LinkedFactory,
        locks: Locks,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        self.env = env
        self.linked = linked
        self.locks = locks
        self.clock = env.clock
        #: Called after an e-mail was queued in the outbox (the web process kicks it).
        self.on_queued = on_queued

    async def begin(self, account_id: int, options: RunOptions) -> int:
        """Log a run that is about to start (status "running") and return its id, for a
        caller that answers before the run ends (a progress bar follows the row)."""
        account = await accounts_repository.get(account_id)
        if account is None:
            raise RemoteNotFound("no such account")
        settings = await repository.settings(account_id)
        mode = settings.mode if settings is not None else "off"
        return await repository.start_run(
            account_id, account.host, options.trigger, mode, options.dry_run, self.clock()
        )

    async def run(
        self,
        account_id: int,
        options: RunOptions,
        progress: Progress | None = None,
        *,
        run_id: int | None = None,
    ) -> RunRecord:
        """One run, under the account's lock; ``run_id``: the row :meth:`begin` made."""
        account = await accounts_repository.get(account_id)
        if account is None:
            raise RemoteNotFound("no such account")
        async with self.locks.hold(account_id):
            record = await self._run_locked(account, options, progress, run_id)
            await self._tell_host(account, record)
            return record

    async def _tell_host(self, account: Account, run: RunRecord) -> None:
        """E-mail by the host's notification setting; a stop-and-ask once, until a run
        goes through again."""
        settings = await repository.settings(account.id)
        if settings is None:
            return
        values: dict[str, Any] = {}
        queued = False
        async with write_transaction():
            if wants_email(settings, run):
                await queue_run_email(
                    account, run, mail_from=self.env.mail_from, public_url=self.env.public_url
                )
                queued = True
                if run.status == "stopped":
                    values["attention_notified_at"] = self.clock()
            elif run.status == "done" and not run.dry_run and settings.attention_notified_at:
                values["attention_notified_at"] = None
            if values:
                await repository.save_settings(account.id, account.host, values)
        if queued and self.on_queued is not None:
            self.on_queued()

    async def _run_locked(
        self,
        account: Account,
        options: RunOptions,
        progress: Progress | None,
        run_id: int | None,
    ) -> RunRecord:
        settings = await repository.settings(account.id) or SettingsRecord(
            account_id=account.id, host_id=account.host
        )
        settings = await self._apply_ticks(settings, options)
        now = self.clock()
        if run_id is None:
            run_id = await repository.start_run(
                account.id, account.host, options.trigger, settings.mode, options.dry_run, now
            )
        else:
            await repository.update_run(run_id, {"mode": settings.mode, "started_at": now})
        if settings.mode == "off":
            await self._finish(run_id, "skipped", started=time.monotonic())
            return await self._record(run_id)
        started = time.monotonic()
        try:
            return await self._sync(account, settings, options, run_id, now, started, progress)
        except ProviderError as exc:
            logger.warning("sync of account %s failed: %s", account.id, exc)
            error = RunError(message=str(exc), code=type(exc).code)
            await self._finish(run_id, "failed", started=started, errors=[error])
            if isinstance(exc, AuthExpired):
                await self._reconnect_needed(account, exc)
            return await self._record(run_id)

    async def _apply_ticks(self, settings: SettingsRecord, options: RunOptions) -> SettingsRecord:
        if not (
            options.exclude_activities
            or options.exclude_events
            or options.include_activities
            or options.include_events
        ):
            return settings
        activities = (set(settings.excluded_activities) | set(options.exclude_activities)) - set(
            options.include_activities
        )
        events = (set(settings.excluded_events) | set(options.exclude_events)) - set(
            options.include_events
        )
        values = {
            "excluded_activities": sorted(activities),
            "excluded_events": sorted(events),
        }
        await repository.save_settings(settings.account_id, settings.host_id, values)
        return msgspec.structs.replace(
            settings, excluded_activities=sorted(activities), excluded_events=sorted(events)
        )

    async def _calendar(self, account: Account, settings: SettingsRecord) -> CalendarRecord:
        if settings.calendar_id is not None:
            calendar = await calendars_repository.calendar(settings.calendar_id)
            if calendar is not None and calendar.account_id == account.id:
                return calendar
        calendars = await calendars_repository.calendars_of_account(account.id)
        primary = [c for c in calendars if c.primary] or calendars
        if not primary:
            raise RemoteNotFound("The account has no calendar to link.")
        return primary[0]

    async def _listing(
        self, linked: LinkedCalendar, state: str | None, window: SyncWindow
    ) -> Listing:
        try:
            return await asyncio.to_thread(linked.changes, state, window)
        except SyncStateExpired:
            if state is None:
                raise
            # A full listing replaces the mirror; pairs are matched by id and tag, so
            # nothing is duplicated and nothing the status rows know is lost.
            return await asyncio.to_thread(linked.changes, None, window)

    async def _sync(
        self,
        account: Account,
        settings: SettingsRecord,
        options: RunOptions,
        run_id: int,
        now: datetime,
        started: float,
        progress: Progress | None,
    ) -> RunRecord:
        calendar = await self._calendar(account, settings)
        meeting, appointment = await save_as_defaults()
        policy = policy_of(settings, account, meeting_type=meeting, appointment_type=appointment)
        if options.confirm:
            policy = msgspec.structs.replace(policy, confirmed=True)
        scope = Scope.of(policy, now)
        # On the event loop: the adapter refreshes tokens through the account's lock.
        linked = self.linked(account, calendar)

        state = settings.listing_state if settings.listing_calendar == calendar.id else None
        listing = await self._listing(linked, state, SyncWindow(scope.start, scope.end))
        mirror: dict[str, CalendarItem] = {}
        if not listing.full:
            mirror = {i.remote_id: i for i in await repository.mirror(calendar.id)}
        for item in listing.changed:
            mirror[item.remote_id] = item
        for remote_id in listing.removed:
            mirror.pop(remote_id, None)

        rows = {(r.activity_id, r.remote_id): r for r in await repository.links(calendar.id)}
        # An event that left the listing may only have left the window: look it up by id
        # before anyone takes it for deleted.
        missing = [
            r.remote_id
            for r in rows.values()
            if r.remote_id not in mirror and (listing.full or r.remote_id in listing.removed)
        ]
        # One after the other, in one worker thread: an adapter's HTTP client is not
        # thread-safe (httplib2 under googleapiclient breaks on parallel requests).
        found = await asyncio.to_thread(lambda: [linked.get(m) for m in missing])
        looked_up = [item for item in found if item is not None]
        for item in looked_up:
            mirror[item.remote_id] = item

        activities = {
            a.id: a for a in await crm.load(account.host, scope, {activity for activity, _ in rows})
        }
        plan = make_plan(
            list(rows.values()), list(activities.values()), list(mirror.values()), policy, now
        )
        entries = plan_entries(plan, activities, mirror)
        conflicts = [msgspec.to_builtins(c) for c in plan.conflicts]
        if plan.stop is not None and plan.stop.reason == "side_empty":
            # Not trusted: the next run lists in full again rather than building on an
            # answer that may have been the provider's bad moment.
            await repository.save_settings(account.id, account.host, {"listing_state": None})
        else:
            # The mirror and the listing state advance together, before any write.
            async with write_transaction():
                if listing.full:
                    await repository.mirror_clear(calendar.id)
                    await repository.mirror_put(calendar.id, list(mirror.values()))
                else:
                    await repository.mirror_drop(calendar.id, listing.removed)
                    await repository.mirror_put(calendar.id, [*listing.changed, *looked_up])
                await repository.save_settings(
                    account.id,
                    account.host,
                    {"listing_state": listing.state, "listing_calendar": calendar.id},
                )
        if options.dry_run:
            await self._finish(
                run_id,
                "done",
                started=started,
                plan=entries,
                counts=_counts(plan),
                skipped=len(plan.skipped),
                conflicts=conflicts,
            )
            return await self._record(run_id)
        if plan.stop is not None:
            await self._finish(
                run_id,
                "stopped",
                started=started,
                plan=entries,
                skipped=len(plan.skipped),
                conflicts=conflicts,
                stop_reason=plan.stop.reason,
            )
            return await self._record(run_id)

        state_of_run = _Run(
            run_id=run_id,
            calendar_id=calendar.id,
            host_id=account.host,
            guests=settings.guests,
            linked=linked,
            rows=rows,
            activities=activities,
            events=mirror,
            creates_ahead=transactions.creates_ahead(plan.actions),
        )
        # Logged before any write: a run that fails or dies half-way must still say
        # which edit lost a clash it may already have settled.
        await repository.update_run(run_id, {"conflicts": conflicts})
        await self._execute(state_of_run, plan, progress)
        refused = sorted(set(settings.refused) | state_of_run.refused)
        if refused != sorted(settings.refused):
            await repository.save_settings(account.id, account.host, {"refused": refused})
        await self._finish(
            run_id,
            "done",
            started=started,
            counts=state_of_run.done,
            skipped=len(plan.skipped),
            conflicts=conflicts,
            errors=state_of_run.errors,
            plan=[e for e in entries if e.skipped],
        )
        return await self._record(run_id)

    # -- carrying out a plan ------------------------------------------------------------

    async def _execute(self, run: _Run, plan: Plan, progress: Progress | None) -> None:
        for entry in plan.bookkeeping:
            if isinstance(entry, Link):
                row = new_status(
                    run.activities[entry.activity_id],
                    run.events[entry.remote_id],
                    "crm",
                    agreed=False,
                )
                await repository.save_link(run.calendar_id, row)
                run.rows[(row.activity_id, row.remote_id)] = row
            elif isinstance(entry, Forget):
                await repository.forget_link(run.calendar_id, entry.activity_id, entry.remote_id)
                run.rows.pop((entry.activity_id, entry.remote_id), None)
        total = len(plan.actions)
        await repository.update_run(run.run_id, {"progress_total": total})
        reported = time.monotonic()
        done = 0
        # The status rows of confirmed remote writes commit while the next writes'
        # provider calls are under way (recorder.py).
        recorder = Recorder(functools.partial(commit_records, run.calendar_id))
        try:
            for batch in _batches(plan.actions):
                if len(batch) == 1 and isinstance(batch[0], RemoteWrite):
                    action = batch[0]
                    record: WriteRecord | None = None
                    try:
                        record = await self._remote(run, action)
                    except WriteRefused as exc:
                        run.refused.add(action.remote_id)
                        run.errors.append(_error(exc, action))
                    except (PreconditionFailed, RemoteNotFound) as exc:
                        # The event moved on under us: the next run reads it again.
                        run.errors.append(_error(exc, action))
                    if record is not None:
                        _apply(run, record)
                        recorder.add(record)
                        run.count(action)
                else:
                    await recorder.drain()
                    await self._crm_batch(run, batch)
                for _ in batch:
                    done += 1
                    if progress is not None:
                        progress(done, total)
                if time.monotonic() - reported > PROGRESS_EVERY or done == total:
                    reported = time.monotonic()
                    await repository.update_run(run.run_id, {"progress_done": done})
        finally:
            # A confirmed remote write's row is committed whatever happens next.
            await recorder.drain()
        for entry in plan.bookkeeping:
            if isinstance(entry, Settle):
                key = (entry.activity_id, entry.remote_id)
                if (
                    key in run.rows
                    and entry.activity_id in run.activities
                    and entry.remote_id in run.events
                ):
                    row = advance(
                        run.rows[key],
                        run.activities[entry.activity_id],
                        run.events[entry.remote_id],
                        entry.fields,
                    )
                    await repository.save_link(run.calendar_id, row)
                    run.rows[key] = row

    async def _crm_batch(self, run: _Run, batch: list[Action]) -> None:
        """CRM writes (and a re-tag, alone): each activity still commits with its status
        row, only not alone (one commit per activity was most of a large import)."""
        if len(batch) == 1 and not _in_crm_only(batch[0]):
            (action,) = batch
            try:
                await self._write(run, action)
                run.count(action)
            except WriteRefused as exc:
                run.refused.add(action.remote_id)
                run.errors.append(_error(exc, action))
            except (PreconditionFailed, RemoteNotFound) as exc:
                run.errors.append(_error(exc, action))
            return
        async with write_transaction():
            # Creates and edits of activities go set-based, a run of them at a time, and
            # their status rows wait to be saved in one statement; any other write
            # (trash, restore) saves its own row, after the rows planned before it.
            rows: list[StatusRow] = []
            for kind, group in _runs_of_kind(batch):
                if kind is CreateActivity:
                    rows += await self._create_activities(run, group)
                elif kind is UpdateActivity:
                    rows += await self._update_activities(run, group)
                else:
                    await repository.save_links(run.calendar_id, rows)
                    rows = []
                    for action in group:
                        await self._write(run, action)
            await repository.save_links(run.calendar_id, rows)
        for action in batch:
            run.count(action)

    async def _create_activities(self, run: _Run, group: list[Action]) -> list[StatusRow]:
        """The activities of a run of CreateActivity (no re-tag: those go alone), and
        their status rows, for the caller to save in its transaction."""
        creates = [a for a in group if isinstance(a, CreateActivity)]
        new = []
        for action in creates:
            event = run.events[action.remote_id]
            organiser = "" if event.host_is_organiser else (event.organiser or "another organiser")
            new.append(crm.NewActivity(action, organiser))
        created = await crm.create_many(run.host_id, new, guests=run.guests)
        rows = []
        for action, activity in zip(creates, created, strict=True):
            if action.replaces is not None:
                await repository.forget_link(run.calendar_id, action.replaces, action.remote_id)
            row = new_status(activity, run.events[action.remote_id], "calendar")
            rows.append(row)
            run.rows.pop((action.replaces or -1, action.remote_id), None)
            run.rows[(row.activity_id, row.remote_id)] = row
            run.activities[activity.id] = activity
        return rows

    async def _update_activities(self, run: _Run, group: list[Action]) -> list[StatusRow]:
        """A run of UpdateActivity, and their status rows (for the caller to save)."""
        updates = [a for a in group if isinstance(a, UpdateActivity)]
        written = await crm.update_many(
            run.host_id,
            [(run.activities[a.activity_id], a.fields, a.changed) for a in updates],
            guests=run.guests,
        )
        rows = []
        for action, updated in zip(updates, written, strict=True):
            key = (action.activity_id, action.remote_id)
            row = advance(run.rows[key], updated, run.events[action.remote_id], action.changed)
            rows.append(row)
            run.rows[key] = row
            run.activities[updated.id] = updated
        return rows

    async def _remote(self, run: _Run, action: RemoteWrite) -> WriteRecord:
        """Make the provider call of a remote write, and return what records it, for
        the caller to apply to the run and commit."""
        linked = run.linked
        if isinstance(action, CreateEvent):
            activity = run.activities[action.activity_id]
            tag = OurTag(owner_id=run.host_id, activity_id=activity.id)
            if action.remote_id not in run.fresh:
                # Recorded and committed before any of them is sent (one insert for the
                # run of creates): whatever happens next, the id is spent.
                ahead = run.creates_ahead.get(action.remote_id, (action.remote_id,))
                ids = [i for i in ahead if i not in run.fresh]
                never = await transactions.spend(ids)
                run.fresh.update((i, i in never) for i in ids)
            fresh = run.fresh.pop(action.remote_id)
            made = await asyncio.to_thread(
                functools.partial(linked.create, fresh=fresh),
                action.remote_id,
                action.fields,
                tag,
            )

            return WriteRecord(
                forget=None if action.replaces is None else (activity.id, action.replaces),
                row=new_status(activity, made, "crm"),
                event=made,
            )
        if isinstance(action, UpdateEvent):
            key = (action.activity_id, action.remote_id)
            current = run.events[action.remote_id]
            event = await asyncio.to_thread(
                linked.update, current, action.fields, action.changed, None
            )

            row = advance(run.rows[key], run.activities[action.activity_id], event, action.changed)
            return WriteRecord(row=row, event=event)
        await asyncio.to_thread(linked.delete, run.events[action.remote_id])
        return WriteRecord(
            forget=None if action.activity_id is None else (action.activity_id, action.remote_id),
            dropped=action.remote_id,
        )

    async def _write(self, run: _Run, action: Action) -> None:
        linked = run.linked
        if isinstance(action, RemoteWrite):
            record = await self._remote(run, action)
            await commit_records(run.calendar_id, [record])
            _apply(run, record)
        elif isinstance(action, CreateActivity):
            event = run.events[action.remote_id]
            async with write_transaction():
                created = await crm.create(
                    run.host_id,
                    action,
                    guests=run.guests,
                    organiser=""
                    if event.host_is_organiser
                    else (event.organiser or "another organiser"),
                )
                if action.replaces is not None:
                    await repository.forget_link(run.calendar_id, action.replaces, action.remote_id)
                row = new_status(created, event, "calendar")
                await repository.save_link(run.calendar_id, row)
            run.rows.pop((action.replaces or -1, action.remote_id), None)
            run.rows[(row.activity_id, row.remote_id)] = row
            run.activities[created.id] = created
            if action.retag:
                tag = OurTag(owner_id=run.host_id, activity_id=created.id)
                retagged = await asyncio.to_thread(linked.update, event, event.fields, (), tag)
                record = WriteRecord(row=advance(row, created, retagged, ()), event=retagged)
                await commit_records(run.calendar_id, [record])
                _apply(run, record)
        elif isinstance(action, UpdateActivity):
            key = (action.activity_id, action.remote_id)
            async with write_transaction():
                updated = await crm.update(
                    run.host_id,
                    action.activity_id,
                    action.fields,
                    action.changed,
                    guests=run.guests,
                )
                row = advance(run.rows[key], updated, run.events[action.remote_id], action.changed)
                await repository.save_link(run.calendar_id, row)
            run.rows[key] = row
            run.activities[updated.id] = updated
        elif isinstance(action, TrashActivity):
            key = (action.activity_id, action.remote_id)
            row = msgspec.structs.replace(run.rows[key], trashed=True)
            async with write_transaction():
                await crm.trash(action.activity_id)
                await repository.save_link(run.calendar_id, row)
            run.rows[key] = row
        elif isinstance(action, RestoreActivity):
            key = (action.activity_id, action.remote_id)
            event = run.events[action.remote_id]
            async with write_transaction():
                restored = await crm.restore(
                    action.activity_id,
                    action.fields,
                    guests=run.guests,
                )
                row = new_status(restored, event, run.rows[key].origin)
                await repository.save_link(run.calendar_id, row)
            run.rows[key] = row
            run.activities[restored.id] = restored

    # -- the run log ----------------------------------------------------------------------

    async def _finish(
        self,
        run_id: int,
        status: str,
        *,
        started: float,
        counts: dict[str, dict[str, int]] | None = None,
        skipped: int = 0,
        plan: list[PlanEntry] | None = None,
        conflicts: list[Any] | None = None,
        errors: list[RunError] | None = None,
        stop_reason: str = "",
    ) -> None:
        del started
        values: dict[str, Any] = {
            "status": status,
            "finished_at": self.clock(),
            "counts": counts or {},
            "skipped": skipped,
            "plan": msgspec.to_builtins(plan or []),
            "errors": msgspec.to_builtins(errors or []),
            "stop_reason": stop_reason,
        }
        if conflicts is not None:
            # A failed run keeps the conflicts it logged before it failed.
            values["conflicts"] = conflicts
        await repository.update_run(run_id, values)

    async def _record(self, run_id: int) -> RunRecord:
        record = await repository.run(run_id)
        if record is None:  # the account (and its runs) deleted while it ran
            raise RemoteNotFound("the sync run is gone: the account was disconnected")
        return record

    async def _reconnect_needed(self, account: Account, exc: AuthExpired) -> None:
        message = "Access was revoked or has expired: reconnect the account."
        if account.provider == "caldav":
            message = f"The CalDAV server refused the app password ({exc.detail})."
        first = await accounts.reconnect_needed(account, message, self.clock(), self.env)
        if first and self.on_queued is not None:
            self.on_queued()


async def save_as_defaults() -> tuple[int, int]:
    """Save external events as: Meeting (with guests) and Appointment (without), the
    seeded types; a host who renamed or removed them gets the default type."""
    meeting = await activities_service.resolve_type(None)
    appointment = await activities_repository.type_by_name("Appointment")
    return meeting, meeting if appointment is None else appointment.id


def _counts(plan: Plan) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (side, operation), n in plan.counts().items():
        out.setdefault(side, {})[operation] = n
    return out


def _error(exc: ProviderError, action: Action) -> RunError:
    return RunError(
        message=str(exc),
        code=type(exc).code,
        remote_id=action.remote_id,
        activity_id=action.activity_id,
    )


#: CRM writes (no remote write among them) commit this many to a transaction: short
#: enough that a booking waiting for SQLite's write lock hardly notices.
CRM_BATCH = 100


def _in_crm_only(action: Action) -> bool:
    """A write to the CRM alone: no provider call that its status row must follow."""
    if isinstance(action, CreateActivity):
        return not action.retag
    return isinstance(action, UpdateActivity | TrashActivity | RestoreActivity)


def _runs_of_kind(batch: list[Action]) -> Iterator[tuple[type, list[Action]]]:
    """The batch's actions in order, cut where their type changes."""
    group: list[Action] = []
    for action in batch:
        if group and type(action) is not type(group[0]):
            yield type(group[0]), group
            group = []
        group.append(action)
    if group:
        yield type(group[0]), group


def _batches(actions: Iterable[Action]) -> Iterator[list[Action]]:
    """The plan's writes in order: runs of CRM-only writes (up to ``CRM_BATCH``) together,
    every remote write alone."""
    batch: list[Action] = []
    for action in actions:
        if not _in_crm_only(action):
            if batch:
                yield batch
                batch = []
            yield [action]
            continue
        batch.append(action)
        if len(batch) == CRM_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
