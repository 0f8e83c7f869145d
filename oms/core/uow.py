"""Unit of work: one database transaction plus the events it records.

Use cases open one with `async with unit_of_work() as uow`; a nested use case
joins the caller's, so services compose and only the outermost commits. The
recorded events are written to the event log in the same transaction and
handed to the process's publisher only after the commit succeeded.
"""
from __future__ import annotations

import contextvars
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from oms.events import outbox, runtime
from oms.events.record import Event, EventRecord

_current: contextvars.ContextVar["UnitOfWork | None"] = contextvars.ContextVar(
    "oms_uow", default=None)


class UnitOfWork:
    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self.conn = conn
        self.events: list[Event] = []
        self.records: list[EventRecord] = []
        self._after_commit: list[Callable[[], None]] = []

    def record(self, event: Event) -> None:
        self.events.append(event)

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after_commit.append(fn)


def current_connection() -> BaseDBAsyncClient:
    """The open unit of work's transaction, else the default connection."""
    current = _current.get()
    if current is not None:
        return current.conn
    from tortoise import connections
    return connections.get("default")


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[UnitOfWork]:
    current = _current.get()
    if current is not None:
        yield current
        return
    async with in_transaction() as conn:
        uow = UnitOfWork(conn)
        token = _current.set(uow)
        try:
            yield uow
            uow.records = await outbox.write(conn, uow.events)
        finally:
            _current.reset(token)
    runtime.publish(uow.records)
    for fn in uow._after_commit:
        fn()


def publish_after_commit(records: list[EventRecord]) -> None:
    """Hand over events a statement wrote itself: now when it committed on its
    own, else when the enclosing unit of work commits."""
    current = _current.get()
    if current is None:
        runtime.publish(records)
    else:
        current.after_commit(lambda: runtime.publish(records))
