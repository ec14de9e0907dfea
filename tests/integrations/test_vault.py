from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from integrations.vault import TokenVault, VaultError, generate_key

SECRET = {
    "access_token": "a.b.c",
    "refresh_token": "r-1",
    "expires_at": "2026-01-01T00:00:00+00:00",
}


class TestTokenVault:
    def test_round_trip(self) -> None:
        vault = TokenVault(generate_key())
        token = vault.encrypt(SECRET)
        assert "r-1" not in token
        assert vault.decrypt(token) == SECRET

    def test_accepts_bytes_keys(self) -> None:
        key = Fernet.generate_key()
        assert TokenVault(key).decrypt(TokenVault(key.decode()).encrypt(SECRET)) == SECRET

    def test_tampering_is_detected(self) -> None:
        vault = TokenVault(generate_key())
        raw = bytearray(base64.urlsafe_b64decode(vault.encrypt(SECRET)))
        raw[-40] ^= 1
        with pytest.raises(VaultError, match="tampered"):
            vault.decrypt(base64.urlsafe_b64encode(bytes(raw)).decode())

    def test_garbage_is_rejected(self) -> None:
        with pytest.raises(VaultError):
            TokenVault(generate_key()).decrypt("not a token ✗")

    def test_wrong_key_is_rejected(self) -> None:
        token = TokenVault(generate_key()).encrypt(SECRET)
        with pytest.raises(VaultError, match="another key"):
            TokenVault(generate_key()).decrypt(token)

    def test_rotation_keeps_old_secrets_readable_and_rewraps_them(self) -> None:
        old_key, new_key = generate_key(), generate_key()
        old_token = TokenVault(old_key).encrypt(SECRET)
        rotating = TokenVault([new_key, old_key])
        assert rotating.decrypt(old_token) == SECRET
        rewrapped = rotating.rotate(old_token)
        assert TokenVault(new_key).decrypt(rewrapped) == SECRET
        assert TokenVault(new_key).decrypt(rotating.encrypt(SECRET)) == SECRET
        with pytest.raises(VaultError):
            TokenVault(old_key).decrypt(rewrapped)

    def test_rotate_rejects_unknown_tokens(self) -> None:
        token = TokenVault(generate_key()).encrypt(SECRET)
        with pytest.raises(VaultError):
            TokenVault(generate_key()).rotate(token)

    @pytest.mark.parametrize("key", ["short", [], b"x" * 44])
    def test_bad_keys_fail_clearly(self, key: str | bytes | list[str]) -> None:
        with pytest.raises(VaultError):
            TokenVault(key)

    def test_non_object_plaintext_is_rejected(self) -> None:
        key = generate_key()
        token = Fernet(key).encrypt(b"[1, 2]").decode()
        with pytest.raises(VaultError, match="not a JSON object"):
            TokenVault(key).decrypt(token)
