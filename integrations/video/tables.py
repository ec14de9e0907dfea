from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from booking.hosts.tables import Host


class VideoAccount(Table, tablename="video_account"):
    """A host's connected video conferencing account (Zoom): one per host."""

    id = Serial(primary_key=True)
    host = ForeignKey(references=Host, null=False, unique=True, on_delete=OnDelete.cascade)
    provider = Varchar(length=16, null=False, default="zoom")
    # TokenVault ciphertext of the grant; rewritten on every refresh because Zoom
    # rotates the refresh token each time.
    credentials = Text(null=False)
    external_user_id = Varchar(length=64, null=False, default="")
    external_email = Varchar(length=320, null=False, default="")
    display_name = Varchar(length=200, null=False, default="")
    status = Varchar(length=24, null=False, default="ok")  # ok | reconnect_needed
    status_message = Text(null=False, default="")
    connected_at = Timestamptz(default=TimestamptzNow())
    # Set when the host was told to reconnect: one e-mail per broken grant.
    reconnect_notified_at = Timestamptz(null=True, default=None)
