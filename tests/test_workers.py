"""The suite's pytest-xdist workers share nothing that one of them flushes or counts:
each has Redis databases of its own (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.conftest import worker_redis_url

ROLES = ["redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/14", "redis://127.0.0.1:6379/13"]


def test_worker_zero_keeps_the_databases_the_suite_always_used() -> None:
    assert [worker_redis_url(url, 0) for url in ROLES] == ROLES


def test_no_two_workers_or_roles_share_a_redis_database() -> None:
    used = [worker_redis_url(url, worker) for worker in range(5) for url in ROLES]
    assert len(set(used)) == len(used) == 15
    assert all(url.startswith("redis://127.0.0.1:6379/") for url in used)


def test_a_worker_past_redis_sixteen_databases_is_refused_rather_than_sharing_one() -> None:
    with pytest.raises(RuntimeError, match="no Redis database left"):
        worker_redis_url("redis://127.0.0.1:6379/13", 5)
