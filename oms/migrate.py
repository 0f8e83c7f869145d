"""Bringing a database's schema up to date with the aerich migrations."""
from __future__ import annotations

import asyncio
from pathlib import Path

from aerich import Command
from tortoise import Tortoise

from oms import db



def migrations_dir() -> Path:
    """migrations/ beside the package (a checkout), else in the working
    directory (an installed package run from the project, as in the image)."""
    for candidate in (Path(__file__).resolve().parent.parent / "migrations",
                      Path.cwd() / "migrations"):
        if (candidate / "models").is_dir():
            return candidate
    raise FileNotFoundError("no migrations/ directory found beside oms/ or in the working "
                            "directory")


async def upgrade(database_url: str) -> list[str]:
    """Apply pending migrations; the names of those applied. Safe to repeat."""
    config = db.tortoise_config(database_url, pool_size=2)
    if database_url.startswith("postgres://"):
        await _create_pg_database(config)
    command = Command(tortoise_config=config, app="models", location=str(migrations_dir()))
    try:
        await command.init()
        applied = await command.upgrade(run_in_transaction=True)
        await _seed(database_url)
    finally:
        await Tortoise.close_connections()
    return applied


async def _seed(database_url: str) -> None:
    from tortoise import connections
    conn = connections.get("default")
    # The event sequence's single row (see oms.events.models).
    await conn.execute_script(
        "INSERT INTO event_sequence (id, last_id) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")


async def _create_pg_database(config: dict) -> None:
    import asyncpg

    creds = config["connections"]["default"]["credentials"]
    try:
        conn = await asyncpg.connect(host=creds["host"], port=creds["port"], user=creds["user"],
                                     password=creds["password"] or None, database="postgres")
    except (OSError, asyncpg.PostgresError):
        return  # let the real connection report the problem
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1",
                                     creds["database"])
        if not exists:
            await conn.execute(f'CREATE DATABASE "{creds["database"]}"')
    finally:
        await conn.close()


def upgrade_sync(database_url: str) -> list[str]:
    return asyncio.run(upgrade(database_url))
