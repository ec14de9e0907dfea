"""The profile calendar settings page: each calendar account with its status, the
linked calendar's sync settings, a dry-run preview to review and run, the run's
progress and the sync history. Everything goes through the sync service and engine,
as the API does, never through HTTP."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from booking.activities import service as activities
from booking.activities.schemas import ActivityType
from booking.errors import DomainError, InvalidInput
from booking.hosts.schemas import Host
from integrations.calendars import service as calendars
from integrations.calendars.schemas import Calendar, CalendarAccount
from integrations.sync import service as sync
from integrations.sync.engine import RunOptions
from integrations.sync.records import PlanEntry
from integrations.sync.schemas import BARRABLE, SyncRun, SyncSettings
from web.auth import provide_host, require_session
from web.pages.banner import reconnect_banner
from web.pages.sync_form import SettingsForm, form_of, read_form
from web.sync import SyncServices

__all__ = ["router"]

logger = logging.getLogger("rendezvous.sync")

PAGE = "/dashboard/calendar-sync"
#: Runs listed per account in the history.
HISTORY = 10
#: Background runs started from the page (kept referenced until they finish).
_RUNNING: set[asyncio.Task[object]] = set()

MODES = (
    (
        "off",
        "Off",
        "Nothing is synced; the calendar's busy events can still block your booking page.",
    ),
    (
        "one_way",
        "One-way",
        "Shows your calendar's events as grey busy time and sends your CRM activities out, "
        "without turning invitees into contacts.",
    ),
    (
        "two_way",
        "Two-way",
        "Also brings your calendar's events in as activities and their invitees in as contacts.",
    ),
)
SIDES = {"calendar": "In the calendar", "crm": "In the CRM"}
#: The same, inside a sentence.
WHERE = {"calendar": "in the calendar", "crm": "in the CRM"}
OPERATIONS = {"create": "create", "update": "update", "delete": "delete"}
BARRED_LABELS = {
    f"{side}:{operation}": f"{SIDES[side]}: never {operation}"
    for side in SIDES
    for operation in OPERATIONS
}
SKIPPED = {
    "barred": "Skipped: barred by your settings",
    "excluded": "Skipped: you unticked it",
    "refused": "Skipped: the calendar refused this write before",
}
STOP_REASONS = {
    "would_delete_all": "This sync would delete every synced item on one side.",
    "side_empty": "One side suddenly has nothing in the sync window (a provider may have "
    "answered with an empty list).",
}
_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PlanRow:
    entry: PlanEntry
    #: "a:<activity id>" or "e:<remote id>": what unticking the row leaves out.
    key: str
    when: str


@dataclass(frozen=True)
class RunView:
    run: SyncRun
    started: str
    #: "In the calendar: 2 created, 1 updated"; one line per side.
    counts: list[str]
    rows: list[PlanRow]


@dataclass
class AccountView:
    account: CalendarAccount
    calendars: list[Calendar]
    linkable: bool
    settings: SyncSettings | None = None
    form: SettingsForm | None = None
    earliest: str = ""
    history: list[RunView] = field(default_factory=list)
    running: SyncRun | None = None
    #: The newest real run, when it stopped to ask the host.
    stopped: RunView | None = None
    preview: RunView | None = None
    saved: bool = False


class Progress(msgspec.Struct, kw_only=True):
    id: int
    status: str
    done: int
    total: int


def _zone(host: Host) -> ZoneInfo:
    try:
        return ZoneInfo(host.time_zone)
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def _moment(value: datetime | None, zone: ZoneInfo) -> str:
    if value is None or value == _NEVER:
        return "-"
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    if start == _NEVER:
        return "-"
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M} to {last:%H:%M}"
    return f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}"


def _key(entry: PlanEntry) -> str:
    # A write to the CRM comes from an event: unticking it leaves the event out; a
    # write to the calendar comes from an activity.
    if entry.side == "calendar" and entry.activity_id is not None:
        return f"a:{entry.activity_id}"
    return f"e:{entry.remote_id}"


def _counts(run: SyncRun) -> list[str]:
    done = "planned" if run.dry_run else "done"
    lines = []
    for side, label in SIDES.items():
        counts = run.counts.get(side, {})
        parts = [f"{counts[o]} {o}" for o in OPERATIONS if counts.get(o)]
        if parts:
            lines.append(f"{label}: {', '.join(parts)} ({done})")
    return lines


def _run_view(run: SyncRun, zone: ZoneInfo) -> RunView:
    rows = [PlanRow(e, _key(e), _span(e.start, e.end, zone)) for e in run.plan]
    return RunView(run, _moment(run.started_at, zone), _counts(run), rows)


async def _account_view(
    host: Host,
    account: CalendarAccount,
    listed: list[Calendar],
    types: list[ActivityType],
    *,
    preview: int | None,
    saved: int | None,
) -> AccountView:
    zone = _zone(host)
    view = AccountView(
        account,
        [c for c in listed if c.account_id == account.id],
        account.provider in sync.LINKABLE,
    )
    if not view.linkable:
        return view
    view.settings = await sync.get_settings(host.id, account.id)
    view.form = form_of(view.settings, zone, [t.id for t in types])
    view.earliest = view.settings.earliest.astimezone(zone).strftime("%Y-%m-%d")
    view.saved = saved == account.id
    runs = await sync.list_runs(host.id, account_id=account.id, limit=HISTORY)
    view.history = [_run_view(r, zone) for r in runs]
    view.running = next((r for r in runs if r.status == "running" and not r.dry_run), None)
    latest = next((r for r in runs if not r.dry_run), None)
    if latest is not None and latest.status == "stopped":
        view.stopped = _run_view(latest, zone)
    if preview is not None:
        shown = next((r for r in runs if r.id == preview and r.dry_run), None)
        if shown is not None:
            view.preview = _run_view(shown, zone)
    return view


async def _page(
    host: Host,
    services: SyncServices,
    *,
    preview: int | None = None,
    saved: int | None = None,
    posted: tuple[int, SettingsForm] | None = None,
    status: int = 200,
) -> Template:
    types = await activities.types()
    accounts = await calendars.list_accounts(host.id)
    listed = await calendars.list_calendars(services.engine.env, host.id)
    views = [
        await _account_view(host, a, listed, types, preview=preview, saved=saved) for a in accounts
    ]
    for view in views:
        if posted is not None and posted[0] == view.account.id:
            view.form = posted[1]
    return Template(
        "sync/index.html",
        context={
            "host": host,
            "zone": str(_zone(host)),
            "accounts": views,
            "types": types,
            "modes": MODES,
            "barrable": [(b, BARRED_LABELS[b]) for b in BARRABLE],
            "sides": SIDES,
            "where": WHERE,
            "skipped": SKIPPED,
            "stop_reasons": STOP_REASONS,
            "reconnect": await reconnect_banner(host.id),
        },
        status_code=status,
    )


def _to_account(account_id: int) -> str:
    return f"#account-{account_id}"


@get(PAGE, guards=[require_session], include_in_schema=False)
async def sync_page(
    host: NamedDependency[Host],
    sync_services: NamedDependency[SyncServices],
    preview: FromQuery[int | None] = None,
    saved: FromQuery[int | None] = None,
) -> Template:
    return await _page(host, sync_services, preview=preview, saved=saved)


@post(PAGE + "/{account_id:int}", guards=[require_session], include_in_schema=False)
async def save_settings(
    request: Request[Any, Any, Any],
    host: NamedDependency[Host],
    sync_services: NamedDependency[SyncServices],
    account_id: FromPath[int],
) -> Template | Redirect:
    current = await sync.get_settings(host.id, account_id)
    own = [
        c.id
        for c in await calendars.list_calendars(sync_services.engine.env, host.id)
        if c.account_id == account_id
    ]
    typed, update = read_form(
        await request.form(),
        current=current,
        zone=_zone(host),
        type_ids=[t.id for t in await activities.types()],
        calendar_ids=own,
    )
    if update is not None:
        try:
            saved = await sync.update_settings(
                host.id, account_id, update, sync_services.engine.clock()
            )
        except InvalidInput as exc:
            typed.errors[exc.field] = exc.detail.removeprefix(f"{exc.field}: ")
        except DomainError as exc:
            # Turning sync on without write access: said next to the mode.
            typed.errors["mode"] = exc.detail
        else:
            if saved.mode != "off" and saved.auto:
                # Sync on (or widened) with automatic runs: catch up at once.
                sync_services.scheduler.schedule_linked(account_id, "manual")
            return Redirect(f"{PAGE}?saved={account_id}{_to_account(account_id)}", status_code=303)
    return await _page(host, sync_services, posted=(account_id, typed), status=422)


def _ticks(form: Any) -> tuple[set[str], set[str]]:
    """The plan rows shown and the ones left ticked."""
    shown = {v for v in form.getall("shown") if isinstance(v, str)} if "shown" in form else set()
    ticked = {v for v in form.getall("item") if isinstance(v, str)} if "item" in form else set()
    return shown, ticked & shown


def _options(shown: set[str], ticked: set[str], *, confirm: bool) -> RunOptions:
    def ids(keys: set[str], kind: str) -> list[str]:
        return sorted(k[2:] for k in keys if k.startswith(f"{kind}:"))

    unticked = shown - ticked
    return RunOptions(
        trigger="manual",
        confirm=confirm,
        exclude_activities=[int(i) for i in ids(unticked, "a") if i.isdigit()],
        exclude_events=ids(unticked, "e"),
        include_activities=[int(i) for i in ids(ticked, "a") if i.isdigit()],
        include_events=ids(ticked, "e"),
    )


@post(PAGE + "/{account_id:int}/preview", guards=[require_session], include_in_schema=False)
async def preview_sync(
    host: NamedDependency[Host],
    sync_services: NamedDependency[SyncServices],
    account_id: FromPath[int],
) -> Redirect:
    """A dry run: the plan is kept in the run log, and the page shows it."""
    await sync.own_account(host.id, account_id)
    options = RunOptions(trigger="manual", dry_run=True)
    engine = sync_services.engine
    run_id = await engine.begin(account_id, options)
    await engine.run(account_id, options, run_id=run_id)
    return Redirect(f"{PAGE}?preview={run_id}#sync-{account_id}", status_code=303)


@post(PAGE + "/{account_id:int}/run", guards=[require_session], include_in_schema=False)
async def run_sync(
    request: Request[Any, Any, Any],
    host: NamedDependency[Host],
    sync_services: NamedDependency[SyncServices],
    account_id: FromPath[int],
) -> Redirect:
    """Sync now, in the background: the page follows the run's progress."""
    await sync.own_account(host.id, account_id)
    form = await request.form()
    shown, ticked = _ticks(form)
    options = _options(shown, ticked, confirm=form.get("confirm") == "yes")
    engine = sync_services.engine
    run_id = await engine.begin(account_id, options)
    task: asyncio.Task[object] = asyncio.create_task(
        engine.run(account_id, options, run_id=run_id), name=f"sync-run-{run_id}"
    )
    _RUNNING.add(task)
    task.add_done_callback(_finished)
    return Redirect(f"{PAGE}#sync-{account_id}", status_code=303)


def _finished(task: asyncio.Task[object]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("sync run %s failed", task.get_name(), exc_info=task.exception())


@get(PAGE + "/runs/{run_id:int}/progress", guards=[require_session], include_in_schema=False)
async def run_progress(host: NamedDependency[Host], run_id: FromPath[int]) -> Progress:
    """What the progress bar polls (the API's /sync-runs takes a token, not a session)."""
    run = await sync.get_run(host.id, run_id)
    return Progress(id=run.id, status=run.status, done=run.progress_done, total=run.progress_total)


router = Router(
    path="/",
    route_handlers=[sync_page, save_settings, preview_sync, run_sync, run_progress],
    dependencies={"host": provide_host},
    tags=["Pages"],
)
