"""A sliver of raw SQL for the few statements the ORM cannot express
(conditional stock updates, the event sequence). Write `?` placeholders; they
are numbered for PostgreSQL."""
from __future__ import annotations

import re
from typing import Any, Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

_QMARK = re.compile(r"\?")


def _dialect_sql(conn: BaseDBAsyncClient, sql: str) -> str:
    if conn.capabilities.dialect == "postgres":
        counter = iter(range(1, 10_000))
        return _QMARK.sub(lambda _m: f"${next(counter)}", sql)
    return sql


async def execute(conn: BaseDBAsyncClient, sql: str, params: Sequence[Any] = ()) -> int:
    """Run a write; the number of rows it touched."""
    rowcount, _ = await conn.execute_query(_dialect_sql(conn, sql), list(params))
    return rowcount


async def fetch(conn: BaseDBAsyncClient, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    return await conn.execute_query_dict(_dialect_sql(conn, sql), list(params))


def is_postgres(conn: BaseDBAsyncClient) -> bool:
    return conn.capabilities.dialect == "postgres"
