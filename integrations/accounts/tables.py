from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from booking.hosts.tables import Host


class ConnectedAccount(Table, tablename="connected_account"):
    """A host's account at a provider, for one purpose: the calendars of a Google
    account, a Zoom user for meetings. Unique per (host, provider, purpose,
    external_id), and at most one video account per host (migration 0005)."""

    id = Serial(primary_key=True)
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    provider = Varchar(length=16, null=False)  # google | microsoft | caldav | ics | zoom
    purpose = Varchar(length=16, null=False, default="calendar")  # calendar | video
    # Who the account is at the provider, stable across reconnects: Google's primary
    # calendar id, Zoom's user id, a CalDAV principal URL, an ICS feed URL.
    external_id = Varchar(length=1024, null=False, default="")
    external_email = Varchar(length=320, null=False, default="")
    display_name = Varchar(length=200, null=False, default="")
    # TokenVault ciphertext of the credentials (OAuth tokens, an msal token cache, an
    # app password); "" when there is nothing secret (an ICS feed).
    credentials = Text(null=False, default="")
    # What the account granted, space-separated, as the provider last said.
    scopes = Text(null=False, default="")
    status = Varchar(length=24, null=False, default="ok")  # ok | reconnect_needed | error
    status_message = Text(null=False, default="")
    # The first time this host connected this identity, kept across disconnects and
    # reconnects (AccountIdentity): two-way sync never reaches back before it.
    connected_at = Timestamptz(default=TimestamptzNow())
    # When the grant in use was given: a reconnect starts a new one.
    authorized_at = Timestamptz(null=True, default=None)
    # Set when the host was told to reconnect: one e-mail per broken grant.
    reconnect_notified_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class AccountIdentity(Table, tablename="account_identity"):
    """Every identity a host ever connected, and when first: outlives the account
    row, which a disconnect deletes with its credentials and data."""

    id = Serial(primary_key=True)
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    provider = Varchar(length=16, null=False)
    external_id = Varchar(length=1024, null=False)
    first_connected_at = Timestamptz(null=False)
