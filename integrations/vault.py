"""Encryption at rest for OAuth tokens and other provider secrets.

A thin layer over cryptography's Fernet (AES-128-CBC + HMAC-SHA256, timestamped).
``MultiFernet`` lets operators rotate the key: list the new key first, keep the old
ones after it until every stored secret has been re-encrypted with :meth:`rotate`.
The key comes from settings; this module never reads the environment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["TokenVault", "VaultError", "generate_key"]


class VaultError(Exception):
    """A secret cannot be read back: wrong key, tampered ciphertext, or a bad key.

    Not a ``DomainError``: it is an operator's problem (lost or mistyped key), never
    something a user caused, so the web layer answers it as any other 500.
    """


def generate_key() -> str:
    """A fresh random key, URL-safe base64 text as settings and key files store it."""
    return Fernet.generate_key().decode("ascii")


class TokenVault:
    """Encrypts JSON-serialisable mappings into opaque text and back.

    ``key`` is one key or a sequence of keys; the first encrypts, all decrypt.
    """

    def __init__(self, key: bytes | str | Sequence[bytes | str]) -> None:
        keys: Sequence[bytes | str] = [key] if isinstance(key, bytes | str) else key
        if not keys:
            raise VaultError("the vault needs at least one key")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError as exc:
            # Fernet's own message names the expected encoding; keep it, drop the key.
            raise VaultError(f"invalid vault key: {exc}") from None

    def encrypt(self, data: Mapping[str, Any]) -> str:
        plaintext = json.dumps(dict(data), separators=(",", ":"), sort_keys=True)
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> dict[str, Any]:
        try:
            plaintext = self._fernet.decrypt(token.encode("utf-8"))
        except InvalidToken:
            raise VaultError(
                "cannot decrypt secret: it was tampered with or encrypted with another key"
            ) from None
        try:
            data = json.loads(plaintext)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise VaultError("decrypted secret is not a JSON object")
        return data

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` with the first key (after adding a new key)."""
        try:
            return self._fernet.rotate(token.encode("utf-8")).decode("ascii")
        except InvalidToken:
            raise VaultError(
                "cannot rotate secret: it was tampered with or encrypted with another key"
            ) from None
