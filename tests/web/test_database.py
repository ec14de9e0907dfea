from __future__ import annotations

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from booking.activities.tables import ActivityType
from web import piccolo_conf

pytestmark = pytest.mark.usefixtures("db")


async def test_migrations_seed_the_activity_types() -> None:
    names = await ActivityType.select(ActivityType.name).output(as_list=True)
    assert set(names) == {"Meeting", "Call", "Task", "Appointment"}


@pytest.mark.parametrize("app", sorted(piccolo_conf.APP_REGISTRY.app_configs))
async def test_tables_and_migrations_agree(app: str) -> None:
    """A table changed without a migration would fail on a real database; catch it here."""
    config = piccolo_conf.APP_REGISTRY.app_configs[app]
    statements = await AutoMigrationManager().get_alter_statements(app_config=config)
    pending = [s for s in statements if s.statements]
    assert not pending, f"run: piccolo migrations new {app} --auto  ({pending})"
