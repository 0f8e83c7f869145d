"""Counting the SQL statements a piece of code sends (house rule 9, and the
round trips of order placement)."""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

from tortoise import connections

_inside = contextvars.ContextVar("inside_sql", default=False)


@contextmanager
def count_statements():
    """Every statement sent through the Tortoise client (reads, writes,
    scripts), counted once even when one client method calls another."""
    conn = connections.get("default")
    statements: list[str] = []
    names = ("execute_query", "execute_query_dict", "execute_insert", "execute_many",
             "execute_script", "execute_query_dict_with_affected")
    originals = {n: getattr(conn, n) for n in names}

    def wrap(name):
        original = originals[name]

        async def counted(query, *args, **kwargs):
            if _inside.get():
                return await original(query, *args, **kwargs)
            statements.append(query)
            token = _inside.set(True)
            try:
                return await original(query, *args, **kwargs)
            finally:
                _inside.reset(token)
        return counted

    for n in names:
        setattr(conn, n, wrap(n))
    try:
        yield statements
    finally:
        for n in names:
            delattr(conn, n)  # back to the class's methods
