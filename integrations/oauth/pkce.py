"""``state`` and PKCE (RFC 7636, S256) for the authorization-code flow.

The web layer keeps both values in the host's session between the redirect to the
provider and the callback: ``state`` ties the callback to the browser that started
the flow (login CSRF), the verifier proves the code is redeemed by the same party.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

__all__ = ["code_challenge", "new_code_verifier", "new_state", "same_state"]


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    """43-128 unreserved characters; 64 random bytes give 86."""
    return secrets.token_urlsafe(64)


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def same_state(expected: str | None, received: str | None) -> bool:
    """Constant-time comparison; a missing value on either side never matches."""
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode(), received.encode())
