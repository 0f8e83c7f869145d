"""Writes recorded events into the event log inside the caller's transaction."""
from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from oms.core import sql
from oms.core.clock import now

from .models import EventLog
from .record import Event, EventRecord


async def write(conn: BaseDBAsyncClient, events: list[Event]) -> list[EventRecord]:
    if not events:
        return []
    # Taking the next ids locks the single sequence row until commit: ids are
    # gapless and commit in order, which is what resumable subscriptions need.
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
    at = now()
    records = [EventRecord(**e.__dict__, id=first + i, created_at=at)
               for i, e in enumerate(events)]
    await EventLog.bulk_create(
        [EventLog(id=r.id, type=r.type, order_id=r.order_id, customer_id=r.customer_id,
                  channel=r.channel, sku=r.sku, location=r.location, payload=r.payload,
                  created_at=at) for r in records],
        using_db=conn)
    return records
