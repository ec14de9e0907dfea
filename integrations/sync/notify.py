"""E-mail to the host about sync runs, by the host's notification setting: after a run
that failed, or a summary after every automatic run that changed something, or none;
and, whatever the setting, once when a run stopped to ask (until a run goes through)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formataddr

from booking.outbox.email import queue_email
from integrations.accounts.records import Account
from integrations.sync.records import RunRecord, SettingsRecord

__all__ = ["SETTINGS_PAGE", "message_for", "queue_run_email", "wants_email"]

#: Below the public URL: the profile calendar settings page.
SETTINGS_PAGE = "/dashboard/calendar-sync"

_STOPS = {
    "would_delete_all": "it would have deleted every synced item on one side",
    "side_empty": "one side suddenly had nothing in it",
}


def _changed(run: RunRecord) -> int:
    return sum(n for side in run.counts.values() for n in side.values())


def wants_email(settings: SettingsRecord, run: RunRecord) -> bool:
    """Whether this run is worth an e-mail under the host's setting."""
    if run.dry_run:
        return False
    if run.status == "stopped":
        return settings.attention_notified_at is None
    if settings.notify == "failures":
        return run.status == "failed" or bool(run.errors)
    if settings.notify == "summary":
        return run.status == "failed" or (run.trigger == "auto" and _changed(run) > 0)
    return False


def _summary(run: RunRecord) -> str:
    lines = []
    for side, label in (("crm", "In Rendezvous"), ("calendar", "In your calendar")):
        counts = run.counts.get(side, {})
        if counts:
            done = ", ".join(f"{n} {operation}d" for operation, n in sorted(counts.items()))
            lines.append(f"{label}: {done}.")
    return "\n".join(lines) or "Nothing changed."


def message_for(
    account: Account, run: RunRecord, *, mail_from: str, public_url: str
) -> EmailMessage:
    page = public_url.rstrip("/") + SETTINGS_PAGE
    if run.status == "stopped":
        subject = "Your calendar sync stopped and needs your decision"
        body = (
            f"The sync with {account.external_email} stopped before changing anything: "
            f"{_STOPS.get(run.stop_reason, run.stop_reason)}.\n"
            "Check the preview and choose to go on, or fix the calendar first."
        )
    elif run.status == "failed" or run.errors:
        subject = "Your calendar sync ran into errors"
        problems = "\n".join(f"- {e.message}" for e in run.errors[:10])
        body = f"The sync with {account.external_email} reported:\n{problems}"
    else:
        subject = "Your calendar sync changed things"
        body = f"The sync with {account.external_email} finished.\n{_summary(run)}"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((account.host_name, account.host_email))
    message["Subject"] = subject
    greeting = f"Hello {account.host_name}," if account.host_name else "Hello,"
    message.set_content(f"{greeting}\n\n{body}\n\nSync settings and history: {page}\n")
    return message


async def queue_run_email(
    account: Account, run: RunRecord, *, mail_from: str, public_url: str
) -> None:
    await queue_email(
        message_for(account, run, mail_from=mail_from, public_url=public_url),
        dedupe_key=f"sync-run:{run.id}",
    )
