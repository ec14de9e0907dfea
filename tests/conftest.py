"""Fixtures shared by the whole suite.

Every database test runs twice, on SQLite and on PostgreSQL, each time against a
fresh database copied from a migrated template (a file copy on SQLite,
``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so tests are isolated and the
migrations themselves are exercised on both engines.

Without a PostgreSQL or Redis server the tests that need one skip with the reason;
``RENDEZVOUS_REQUIRE_SERVICES=1`` (set by .ci/run) turns such a skip into a failure.
"""

from __future__ import annotations

import asyncio
import gc
import os
import queue
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from hypothesis import settings as hypothesis_settings
from litestar import Litestar

from booking.hosts import service as hosts
from booking.hosts.schemas import Host, HostCreate
from web import database
from web.app import create_app
from web.settings import Settings

# The provider emulators speak http:// on loopback; oauthlib refuses that unless told
# (tests only: production endpoints are https). Set for the whole run, server
# processes the tests start included.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

REQUIRE_SERVICES = os.environ.get("RENDEZVOUS_REQUIRE_SERVICES") == "1"
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)

# Hypothesis draws new examples on every `make test`, which is how it finds bugs (it
# found the sign-in throttle's rounding on a CI run). CI's verdict decides whether a
# submission lands, so there (HYPOTHESIS_PROFILE=ci, set by .ci/run) each test tries
# the same examples every run, derived from the test itself: a red CI is then a
# change's doing, reproducible with the same profile, and never a new draw's.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

#: `make test` runs the suite in several pytest-xdist worker processes at once (gw0,
#: gw1, ...; none without xdist, which counts as worker 0). Whatever the tests share
#: must be their worker's own: files live under tmp_path (one base folder per worker),
#: ports are free ones the kernel picks, PostgreSQL databases carry the pid or a random
#: name, and Redis databases, which some tests flush, are moved down by this index.
WORKER_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
#: Each worker uses three Redis databases: 15, 14 and 13 for worker 0 (the suite's
#: Redis tests, the jobs tests', the jobs unit tests'), 12, 11 and 10 for worker 1...
REDIS_DATABASES_PER_WORKER = 3


def worker_redis_url(url: str, worker: int = WORKER_INDEX) -> str:
    """``url`` with its database number moved to ``worker``'s own (worker 0 keeps it)."""
    base, _, number = url.rpartition("/")
    database = int(number or 0) - REDIS_DATABASES_PER_WORKER * worker
    if database < 0:
        raise RuntimeError(
            f"pytest-xdist worker {worker} has no Redis database left below {url}"
            " (Redis has 16: run fewer workers, e.g. -n 4)"
        )
    return f"{base}/{database}"


REDIS_TEST_URL = worker_redis_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
BACKENDS = ["sqlite", "postgres"]


#: Modules whose tests start several server and worker processes (SIGKILL included) and
#: wait on them with deadlines. Under `make test` (--dist loadgroup) they are one unit
#: of work: one pytest-xdist worker runs them all, one after the other, so no two of
#: them compete for the cores (on 2 cores, 3 web + 2 worker processes next to another
#: such test missed their deadlines under load), while the other worker goes on with
#: the rest.
PROCESS_MODULES = frozenset(
    {
        "tests/booking/bookings/test_concurrency.py",
        "tests/integrations/jobs/test_worker_processes.py",
        "tests/integrations/sync/test_sync_processes.py",
        "tests/integrations/test_outbox_processes.py",
        "tests/web/test_database_concurrency.py",
        "tests/web/test_throttle.py",
    }
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fewer garbage collections in the test process. The suite builds ~860 apps
    (``create_app``: litestar registers some 240 routes, allocating a great many small
    objects), and with the default thresholds the collector kept walking the whole,
    growing heap of a test process. Measured on tests/web/api alone (2026-12-02):
    381 s of CPU before, 325 s after (create_app 194 s before, 152 s after), 520 MB at
    most. What was imported before the first test is frozen out of collection, as
    the server, worker and CLI processes do with their startup heap (web/heap.py)."""
    del session
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """--dist loadgroup with PROCESS_MODULES as one group. Not by xdist_group marks:
    pytest-xdist 3.8 groups by rewriting node ids, which pytest 9 no longer reads
    (pytest-dev/pytest-xdist#1386), so the marks would be silently ignored."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ProcessesTogether(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.partition("::")[0] in PROCESS_MODULES:
                return "processes"
            return str(super()._split_scope(nodeid))

    return ProcessesTogether(config, log)  # type: ignore[arg-type]


def unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (RENDEZVOUS_REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(reason)


def _postgres_url(dbname: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    await database.migrate(database.build_engine(url))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_migrate(f"sqlite:///{path}"))
    return path


def _drop_database(name: str) -> None:
    # FORCE: a server process a test started may still hold a connection.
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str | None]:
    name = f"rdv_template_{os.getpid()}"
    try:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name}"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        # Reported per test by the database_url fixture, so SQLite-only runs still pass.
        yield None
        del exc
        return
    asyncio.run(_admin(f"CREATE DATABASE {name}"))
    asyncio.run(_migrate(_postgres_url(name)))
    yield name
    _drop_database(name)


class Dropper:
    """Drops the tests' PostgreSQL databases in a thread of its own, while the next
    tests run. A DROP DATABASE waits for a checkpoint (0.17 s against 0.06 s for the
    CREATE ... TEMPLATE, measured 2026-12-02), and some 600 tests each make one."""

    def __init__(self) -> None:
        self.names: queue.Queue[str | None] = queue.Queue()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, name="drop-test-databases")
        self.thread.start()

    def _run(self) -> None:
        while (name := self.names.get()) is not None:
            try:
                _drop_database(name)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                self.errors.append(exc)

    def drop(self, name: str) -> None:
        self.names.put(name)

    def close(self) -> None:
        """Every database handed over is gone (the session ends with none left)."""
        self.names.put(None)
        self.thread.join()
        if self.errors:
            raise RuntimeError(f"test databases not dropped: {self.errors}")


@pytest.fixture(scope="session")
def dropper() -> Iterator[Dropper]:
    # Set up after postgres_template (database_url asks for it second), so torn down
    # before the template is dropped.
    dropping = Dropper()
    yield dropping
    dropping.close()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "db.sqlite3"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    if template is None:
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    name = f"rdv_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f"CREATE DATABASE {name} TEMPLATE {template}"))
    dropping: Dropper = request.getfixturevalue("dropper")
    yield _postgres_url(name)
    dropping.drop(name)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, for upgrade tests that migrate it to an old
    release themselves (``tests.migrations``)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    name = f"rdv_old_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(f"CREATE DATABASE {name}"))
    except (OSError, TimeoutError):
        unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    yield _postgres_url(name)
    _drop_database(name)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, secret_key="t" * 48, var_dir=tmp_path / "var")


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[None]:
    """The database bound for direct service and repository calls."""
    engine = database.build_engine(settings.database_url)
    database.bind(engine)
    await database.start(engine)
    yield
    await database.stop(engine)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@asynccontextmanager
async def serve_in_loop(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for ``app`` running in the test's own event loop.

    litestar's AsyncTestClient runs the lifespan in a portal thread with another loop;
    asyncpg pools are bound to the loop that made them, so that would break PostgreSQL.
    """
    started, stopping = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        # Entered and exited in this one task: its anyio cancel scope requires that, and
        # pytest-asyncio runs a fixture's setup and teardown in different tasks.
        async with app.lifespan():
            started.set()
            await stopping.wait()

    lifespan = asyncio.create_task(run_lifespan())
    await asyncio.wait(
        [lifespan, asyncio.create_task(started.wait())], return_when="FIRST_COMPLETED"
    )
    if lifespan.done():
        lifespan.result()  # startup failed: raise its error here
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as c:
            yield c
    finally:
        stopping.set()
        await lifespan


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_in_loop(app) as client:
        yield client


@dataclass
class SignedIn:
    host: Host
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
async def ada(client: httpx.AsyncClient) -> SignedIn:
    """A host with an API token (created after the client started, so the DB is bound)."""
    host = await hosts.create(
        HostCreate(
            email="Ada@Example.com",
            slug="ada",
            time_zone="Europe/Berlin",
            name="Ada Lovelace",
            password="correct horse battery",
        )
    )
    return SignedIn(host=host, token=await hosts.create_token(host.id, "tests"))
