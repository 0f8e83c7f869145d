"""Helpers for the returns tests: requests in one line, what the event log
says, and the whole database (return tables included) for "changes nothing"."""
from __future__ import annotations

import json
from typing import Any

from tortoise import connections

from oms.core.errors import ErrorCode
from oms.events.models import EventLog
from oms.returns import service
from oms.returns.models import Return
from oms.returns.policy import RequestedLine

from tests.assertions import refused
from tests.graphql.helpers import db_snapshot

RETURN_TABLES = ["return_policy", '"return"', "return_line", "return_tracking_event",
                 "return_document"]


async def state() -> dict[str, Any]:
    out = await db_snapshot()
    conn = connections.get("default")
    for table in RETURN_TABLES:
        rows = await conn.execute_query_dict(f"SELECT * FROM {table}")
        out[table] = sorted((dict(r) for r in rows),
                            key=lambda r: json.dumps(r, default=str, sort_keys=True))
    return out


async def refused_with(code: ErrorCode, field: list[str] | None, call):
    return await refused(code, field, call, state=state)


async def request(delivered, *lines: tuple[str, int] | tuple[str, int, str],
                  resolution: str = "REFUND", as_customer: int | None = None,
                  actor: str = "staff:test") -> Return:
    """A return of (sku, quantity[, reason]) lines of a Delivered order."""
    return await service.request_return(
        order_id=delivered.order.id, resolution=resolution, as_customer=as_customer,
        actor=actor, lines=[RequestedLine(delivered.line_id(ln[0]), ln[1],
                                          ln[2] if len(ln) > 2 else "TOO_SMALL")
                            for ln in lines])


async def head() -> int:
    last = await EventLog.all().order_by("-id").first()
    return last.id if last else 0


async def return_events(after: int) -> list[tuple]:
    """(type, order id, customer id, channel, payload) of ReturnUpdated events."""
    return [(e.type, e.order_id, e.customer_id, e.channel, e.payload)
            for e in await EventLog.filter(id__gt=after, type="ReturnUpdated").order_by("id")]
