"""Password and API-token primitives."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# Prefix makes leaked tokens greppable by secret scanners, as GitHub's ghp_ does.
TOKEN_PREFIX = "rdv_"  # noqa: S105 - a public prefix, not a secret
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Still spend the time, so response timing does not reveal password-less accounts.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def credential_stamp(password_hash: str | None) -> str:
    """A fingerprint of the current password, kept in each session.

    A new password changes it, which ends every session that carries the old one
    (Django's session auth hash does the same). The argon2 hash it is taken from is
    salted, so the stamp reveals nothing about the password.
    """
    return hashlib.sha256(f"rendezvous:stamp:{password_hash or ''}".encode()).hexdigest()[:32]
