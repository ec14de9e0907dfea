"""One side of the refresh race in test_refresh_processes: a separate process that
reads the Microsoft account's stored grant, prints ``ready``, waits for a line on
stdin, then asks for fresh tokens the way the adapter does and prints what it got.

    python -m tests.integrations.providers.microsoft.refresher DATABASE_URL ACCOUNT_ID
        VAULT_KEY CLIENT_ID CLIENT_SECRET AUTHORITY GRAPH_URL CA_FILE
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime


async def race(
    database_url: str,
    account_id: str,
    key: str,
    client_id: str,
    secret: str,
    authority: str,
    graph_url: str,
    ca_file: str,
) -> None:
    from integrations.accounts import repository
    from integrations.accounts.refresh import decrypt_tokens, fresh_tokens
    from integrations.providers.microsoft.oauth import MicrosoftApp
    from integrations.vault import TokenVault
    from web import database

    engine = database.build_engine(database_url)
    database.bind(engine)
    await database.start(engine)
    try:
        vault = TokenVault(key)
        app = MicrosoftApp(
            client_id,
            secret,
            authority=authority,
            graph_url=graph_url,
            verify=ca_file,
            instance_discovery=False,
            trust_env=False,
        )
        account = await repository.get(int(account_id))
        assert account is not None
        stale = decrypt_tokens(vault, account.credentials)
        print(json.dumps({"ready": True}), flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        fresh = await fresh_tokens(vault, account.id, stale, app.refresh, datetime.now(UTC))
        print(json.dumps({"access_token": fresh.access_token}), flush=True)
    finally:
        await database.stop(engine)


if __name__ == "__main__":
    asyncio.run(race(*sys.argv[1:]))
