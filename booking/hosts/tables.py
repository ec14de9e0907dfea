from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Host(Table):
    id = Serial(primary_key=True)  # explicit, so type checkers see it
    # Stored lower-cased: a host's e-mail is a login identity, unique case-insensitively.
    email = Varchar(length=320, unique=True, null=False)
    name = Varchar(length=200, null=False, default="")
    slug = Varchar(length=64, unique=True, null=False)
    time_zone = Varchar(length=64, null=False, default="UTC")
    password_hash = Varchar(length=255, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ApiToken(Table):
    id = Serial(primary_key=True)  # explicit, so type checkers see it
    host = ForeignKey(references=Host, null=False, on_delete=OnDelete.cascade)
    # SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough and
    # lets us look one up by equality. The token itself is shown once and never stored.
    token_hash = Varchar(length=64, unique=True, null=False)
    name = Varchar(length=100, null=False, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    # Written at most once a minute per token (service.LAST_USED_PRECISION), not on
    # every request: see authenticate_token.
    last_used_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)  # null: never expires
    # Revoking marks the row instead of deleting it: the host (and whoever audits a
    # leak) can still see which token existed, when it was last used and when it was
    # revoked, and a revoked token is answered "revoked" rather than "unknown".
    revoked_at = Timestamptz(null=True, default=None)


class HostPreferences(Table):
    """Small choices the host pages remember on the server, so that they follow the
    host from one browser to another (booking/hosts/preferences.py). One row per
    host, made when the host first chooses something; a table of its own, so the
    host row (and every query on it) stays as it is."""

    id = Serial(primary_key=True)
    host = ForeignKey(references=Host, null=False, unique=True, on_delete=OnDelete.cascade)
    # The view the activities page opens in: the one the host last switched to.
    activities_view = Varchar(length=16, null=False, default="month")
