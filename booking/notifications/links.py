"""Signed tokens for the no-login cancel and reschedule links in booking e-mails.

An invitee has no account; holding the link is the authorisation. The token is an
HMAC of the action and the booking uid, so it cannot be forged or moved to another
booking or action, and nothing has to be stored to check it. It never expires on
its own: a booking that is over or cancelled is refused by the service instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = ["sign", "verify"]

# 16 of SHA-256's 32 bytes: 128 bits is beyond guessing, and keeps the link short
# enough that mail clients do not wrap it.
_TOKEN_BYTES = 16


def _mac(secret: bytes, uid: str, action: str) -> bytes:
    if not secret:
        raise ValueError("secret must not be empty")
    # With a ":" in the action, ("a:b", "c") and ("a", "b:c") would sign the same text.
    if not action or ":" in action:
        raise ValueError("action must be a non-empty word without ':'")
    message = f"{action}:{uid}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()[:_TOKEN_BYTES]


def sign(secret: bytes, uid: str, action: str) -> str:
    """A URL-safe token (base64url, no padding) allowing ``action`` on booking ``uid``."""
    return base64.urlsafe_b64encode(_mac(secret, uid, action)).rstrip(b"=").decode("ascii")


def verify(secret: bytes, uid: str, action: str, token: str) -> bool:
    """Whether ``token`` was made by :func:`sign` with the same secret, uid and action."""
    expected = sign(secret, uid, action).encode("ascii")
    # Compared as bytes: compare_digest refuses non-ASCII str, and a token comes
    # straight from a URL anyone can type.
    return hmac.compare_digest(expected, token.encode("utf-8", "surrogatepass"))
