"""In-process helpers: run a GraphQL document against the real schema and the
benchmark's database, counting every SQL statement the request sends.

Statements are counted at the driver: every public asyncpg.Connection method
that sends SQL (execute, executemany, fetch, fetchrow, fetchval, fetchmany) is
wrapped while a Counter is active. That covers whatever Tortoise uses on top
(execute_query, execute_query_dict, execute_insert, execute_many, select,
prefetch, transactions), and nothing is double counted because none of those
public methods calls another. executemany is one statement sent with many
parameter sets (one round trip); it is counted once and its rows are noted.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import asyncpg

_METHODS = ("execute", "executemany", "fetch", "fetchrow", "fetchval", "fetchmany")
TX_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Statement:
    method: str
    sql: str
    rows_in: int = 1

    @property
    def is_tx_control(self) -> bool:
        return self.sql.lstrip().upper().startswith(TX_CONTROL)

    @property
    def is_pool_reset(self) -> bool:
        # asyncpg's Connection.reset() on every release to its pool.
        return self.sql.lstrip().upper().startswith("SELECT PG_ADVISORY_UNLOCK_ALL")


@dataclass
class SqlCounter:
    statements: list[Statement] = field(default_factory=list)

    @property
    def data_statements(self) -> list[Statement]:
        """What the code asked for: neither BEGIN/COMMIT nor pool resets."""
        return [s for s in self.statements if not (s.is_tx_control or s.is_pool_reset)]

    @property
    def pool_resets(self) -> list[Statement]:
        return [s for s in self.statements if s.is_pool_reset]

    def report(self, indent: str = "    ", width: int = 150) -> str:
        lines = []
        for i, s in enumerate(self.statements, 1):
            sql = " ".join(s.sql.split())
            if len(sql) > width:
                sql = sql[:width - 3] + "..."
            extra = f" [x{s.rows_in} rows]" if s.method == "executemany" else ""
            lines.append(f"{indent}{i:3d}. {s.method:<11} {sql}{extra}")
        return "\n".join(lines)


@contextlib.contextmanager
def count_sql() -> Iterator[SqlCounter]:
    counter = SqlCounter()
    originals = {name: getattr(asyncpg.Connection, name) for name in _METHODS}

    def wrap(name: str, fn: Any) -> Any:
        async def wrapper(self, query, *args, **kwargs):
            rows = len(args[0]) if name == "executemany" and args else 1
            counter.statements.append(Statement(method=name, sql=str(query), rows_in=rows))
            return await fn(self, query, *args, **kwargs)
        wrapper.__name__ = name
        return wrapper

    for name, fn in originals.items():
        setattr(asyncpg.Connection, name, wrap(name, fn))
    try:
        yield counter
    finally:
        for name, fn in originals.items():
            setattr(asyncpg.Connection, name, fn)


class InProcess:
    """Tortoise on the benchmark database plus the app's schema, in this
    process. `async with InProcess(db_url, secret) as ip: await ip.execute(q)`."""

    def __init__(self, database_url: str, jwt_secret: str) -> None:
        self.database_url = database_url
        self.jwt_secret = jwt_secret
        self.schema = None

    async def __aenter__(self) -> "InProcess":
        from tortoise import Tortoise

        import whatif_server  # BENCH_FIXES apply in-process too (see whatif_server.py)
        whatif_server.apply_fixes()
        from oms import db
        from oms.graphql.schema import build_schema
        await Tortoise.init(config=db.tortoise_config(self.database_url, pool_size=4))
        self.schema = build_schema()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        from tortoise import Tortoise
        await Tortoise.close_connections()

    def context(self, role: str = "admin", customer_id: int | None = None) -> Any:
        from starlette.requests import Request

        from oms.auth.tokens import Actor, Role
        from oms.graphql.context import Context
        scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [],
                 "query_string": b""}
        return Context(request=Request(scope), response=None, hub=None,
                       jwt_secret=self.jwt_secret,
                       actor=Actor(role=Role(role), subject="bench", customer_id=customer_id))

    async def execute(self, query: str, variables: dict[str, Any] | None = None,
                      **ctx: Any) -> tuple[Any, float]:
        t = time.perf_counter()
        result = await self.schema.execute(query, variable_values=variables,
                                           context_value=self.context(**ctx))
        ms = (time.perf_counter() - t) * 1000
        if result.errors:
            raise RuntimeError(f"GraphQL errors: {result.errors}")
        return result.data, ms
