"""Reading the event log: for the hub's gap filling and for replays."""
from __future__ import annotations

from tortoise.functions import Max

from .models import EventLog
from .record import EventRecord


async def read_after(after_id: int, limit: int) -> list[EventRecord]:
    rows = await EventLog.filter(id__gt=after_id).order_by("id").limit(limit)
    return [EventRecord.from_row(r) for r in rows]


async def head() -> int:
    row = await EventLog.annotate(m=Max("id")).first().values("m")
    return int(row["m"] or 0) if row else 0


async def replay(*, after_id: int, up_to: int, types: tuple[str, ...],
                 order_id: int | None = None, channel: str | None = None,
                 customer_id: int | None = None, limit: int = 1000) -> list[EventRecord]:
    """Events a resuming subscriber missed, oldest first."""
    qs = EventLog.filter(id__gt=after_id, id__lte=up_to, type__in=types)
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    if channel is not None:
        qs = qs.filter(channel=channel)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    rows = await qs.order_by("id").limit(limit)
    return [EventRecord.from_row(r) for r in rows]


async def for_order(order_ids: list[int], types: tuple[str, ...]) -> list[EventRecord]:
    rows = await EventLog.filter(order_id__in=order_ids, type__in=types).order_by("id")
    return [EventRecord.from_row(r) for r in rows]


async def rows_of_customer(customer_id: int) -> list[EventLog]:
    """Every event filed under the customer, oldest first, as stored (the
    customer export shows the payload exactly as kept)."""
    return await EventLog.filter(customer_id=customer_id).order_by("id")
