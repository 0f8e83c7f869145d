"""Writes recorded events into the event log inside the caller's transaction."""
from __future__ import annotations

import json

from tortoise.backends.base.client import BaseDBAsyncClient

from oms.core import sql
from oms.core.clock import now

from .models import EventLog
from .record import Event, EventRecord

# Taking the next ids locks the single sequence row until commit: ids are
# gapless and become visible in id order, which resumable subscriptions need.
_PG_WRITE = (
    "WITH s AS (UPDATE event_sequence SET last_id = last_id + ? WHERE id = 1 RETURNING last_id)"
    " INSERT INTO event_log (id, type, order_id, customer_id, channel, sku, location, payload,"
    " created_at) SELECT s.last_id - ? + v.k, v.type, v.order_id, v.customer_id, v.channel,"
    " v.sku, v.location, v.payload, v.created_at FROM s, (VALUES {rows})"
    " AS v(k, type, order_id, customer_id, channel, sku, location, payload, created_at)"
    " RETURNING id")
_PG_ROW = ("(?::bigint, ?::varchar, ?::int, ?::int, ?::varchar, ?::varchar, ?::varchar,"
           " ?::jsonb, ?::timestamptz)")


async def write(conn: BaseDBAsyncClient, events: list[Event]) -> list[EventRecord]:
    if not events:
        return []
    at = now()
    if sql.is_postgres(conn):
        first = await _write_postgres(conn, events, at)
    else:
        first = await _write_portable(conn, events, at)
    return [EventRecord.written(e, id=first + i, created_at=at) for i, e in enumerate(events)]


async def _write_postgres(conn: BaseDBAsyncClient, events: list[Event], at) -> int:
    """One round trip: bump the sequence and insert every event."""
    n = len(events)
    params: list = [n, n]
    for k, e in enumerate(events, start=1):
        params += [k, e.type, e.order_id, e.customer_id, e.channel, e.sku, e.location,
                   json.dumps(e.payload), at]
    rows = await sql.fetch(conn, _PG_WRITE.format(rows=", ".join([_PG_ROW] * n)), params)
    if not rows:
        raise RuntimeError("the event sequence row is missing: run `oms migrate`")
    return min(r["id"] for r in rows)


async def _write_portable(conn: BaseDBAsyncClient, events: list[Event], at) -> int:
    rows = await sql.fetch(
        conn, "UPDATE event_sequence SET last_id = last_id + ? WHERE id = 1 RETURNING last_id",
        [len(events)])
    if not rows:
        await sql.execute(conn, "INSERT INTO event_sequence (id, last_id) VALUES (1, ?)",
                          [len(events)])
        last = len(events)
    else:
        last = int(rows[0]["last_id"])
    first = last - len(events) + 1
    await EventLog.bulk_create(
        [EventLog(id=first + i, type=e.type, order_id=e.order_id, customer_id=e.customer_id,
                  channel=e.channel, sku=e.sku, location=e.location, payload=e.payload,
                  created_at=at) for i, e in enumerate(events)],
        using_db=conn)
    return first
