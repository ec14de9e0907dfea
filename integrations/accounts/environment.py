"""What the account code of every purpose needs from the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.vault import TokenVault

__all__ = ["AccountsEnvironment"]


@dataclass(frozen=True)
class AccountsEnvironment:
    """Built by ``web`` from settings; the calendar and video environments extend it."""

    #: Encrypts every account's credentials at rest.
    vault: TokenVault
    #: Where hosts come back to reconnect (links in e-mails, OAuth redirect URIs).
    public_url: str
    #: Sender of the reconnect e-mails.
    mail_from: str
