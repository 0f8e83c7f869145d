"""Which back end a test run uses, chosen by the environment:

- OMS_TEST_BACKEND=sqlite (default): a SQLite file and in-process events.
- OMS_TEST_BACKEND=postgres: PostgreSQL (OMS_TEST_PG_URL, default
  postgres://postgres@127.0.0.1:5432) and Redis (OMS_TEST_REDIS_URL, default
  redis://127.0.0.1:6379/0). Unreachable services fail the run; never skip.
"""
from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from pathlib import Path

BACKEND = os.environ.get("OMS_TEST_BACKEND", "sqlite")
PG_URL = os.environ.get("OMS_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("OMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

assert BACKEND in ("sqlite", "postgres"), f"unknown OMS_TEST_BACKEND {BACKEND}"
IS_PG = BACKEND == "postgres"


def new_database_url(label: str = "t") -> str:
    """A fresh, empty database URL (created on first connection / migration)."""
    name = f"oms_test_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if IS_PG:
        return f"{PG_URL}/{name}"
    return f"sqlite://{Path(tempfile.gettempdir()) / (name + '.sqlite3')}"


def redis_url() -> str | None:
    return REDIS_URL if IS_PG else None


async def drop_database(url: str) -> None:
    if url.startswith("sqlite://"):
        for suffix in ("", "-wal", "-shm"):
            Path(url[len("sqlite://"):] + suffix).unlink(missing_ok=True)
        return
    import asyncpg

    base, name = url.rsplit("/", 1)
    conn = await asyncpg.connect(f"{base.replace('postgres://', 'postgresql://')}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def drop_database_sync(url: str) -> None:
    asyncio.run(drop_database(url))
