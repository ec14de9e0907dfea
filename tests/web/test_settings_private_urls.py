"""ALLOW_PRIVATE_URLS: whether user-supplied URLs may reach the operator's own networks."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.settings import ConfigError, Settings


def test_private_targets_are_refused_unless_the_operator_allows_them(tmp_path: Path) -> None:
    env = {"RENDEZVOUS_VAR_DIR": str(tmp_path)}
    assert Settings.from_env(env).allow_private_urls is False
    assert Settings.from_env({**env, "ALLOW_PRIVATE_URLS": "on"}).allow_private_urls is True
    assert Settings.from_env({**env, "ALLOW_PRIVATE_URLS": "OFF"}).allow_private_urls is False


@pytest.mark.parametrize("value", ["yes", "true", "1"])
def test_anything_but_on_or_off_names_the_variable(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"RENDEZVOUS_VAR_DIR": str(tmp_path), "ALLOW_PRIVATE_URLS": value})
    assert caught.value.variable == "ALLOW_PRIVATE_URLS"
