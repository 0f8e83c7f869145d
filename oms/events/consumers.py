"""Durable consumers of the event log: work that must follow a committed
change but may not run inside its transaction (a call to a payment gateway,
a partner's endpoint, an SMTP server).

Each consumer keeps a cursor row (`event_consumer`). A process takes a short
lease on it, reads the events after the cursor, hands each to the consumer's
handler in id order and moves the cursor past it. No row lock is held while
a handler runs, so handlers may call out. Delivery is at least once: a
process that dies after a handler ran but before the cursor moved hands the
same event over again, so handlers must be idempotent (an idempotency key, a
unique row). A handler that raises stops its consumer at that event; the
next turn tries it again, and the error is kept on the cursor row.

Event ids are gapless and become visible in id order (see EventSequence),
so "everything up to the head I read" is a safe place to move the cursor to.
"""
from __future__ import annotations

import asyncio
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Awaitable, Callable, Iterable

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from oms.core import loops
from oms.core.clock import now

from . import queries as event_queries
from .models import EventConsumerCursor, EventLog
from .record import EventRecord

log = logging.getLogger(__name__)

Handler = Callable[[EventRecord], Awaitable[None]]

LEASE = timedelta(seconds=60)
BATCH = 200
# This process's name on the leases it takes.
OWNER = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Consumer:
    name: str
    types: tuple[str, ...]
    handle: Handler


async def _ensure_cursor(name: str) -> None:
    if await EventConsumerCursor.exists(name=name):
        return
    try:
        await EventConsumerCursor.create(name=name, last_id=0, updated_at=now())
    except IntegrityError:
        pass  # another process made it first


async def _take_lease(name: str) -> int | None:
    """The cursor position if this process now holds the consumer's lease."""
    at = now()
    taken = await EventConsumerCursor.filter(
        Q(name=name) & (Q(lease_owner__isnull=True) | Q(lease_owner=OWNER)
                        | Q(lease_until__lt=at))
    ).update(lease_owner=OWNER, lease_until=at + LEASE)
    if not taken:
        return None
    row = await EventConsumerCursor.get(name=name)
    return int(row.last_id)


async def _advance(name: str, last_id: int, error: str | None = None) -> None:
    await EventConsumerCursor.filter(name=name, lease_owner=OWNER).update(
        last_id=last_id, updated_at=now(), last_error=error)


async def run_once(consumer: Consumer, *, batch: int = BATCH) -> int:
    """Hand the consumer the events it has not seen (one batch at most);
    how many it handled. 0 when another process holds the lease."""
    await _ensure_cursor(consumer.name)
    last = await _take_lease(consumer.name)
    if last is None:
        return 0
    head = await event_queries.head()
    rows = await (EventLog.filter(id__gt=last, id__lte=head, type__in=consumer.types)
                  .order_by("id").limit(batch))
    handled = 0
    start = last
    for row in rows:
        event = EventRecord.from_row(row)
        try:
            await consumer.handle(event)
        except asyncio.CancelledError:
            if last != start:
                await _advance(consumer.name, last)
            raise
        except Exception as exc:  # noqa: BLE001 - kept on the cursor; retried next turn
            log.exception("event consumer %s failed on event %s", consumer.name, event.id)
            # Past the events handled so far, stopped at this one.
            await _advance(consumer.name, last, error=f"event {event.id}: {exc!r}"[:2000])
            return handled
        last = event.id
        handled += 1
    if len(rows) < batch and head > last:
        # Nothing else of ours up to the head: skip the other consumers' events.
        last = head
    if last != start:
        # Once per batch, not per event: a process that dies mid-batch hands
        # the batch over again, which idempotent handlers absorb.
        await _advance(consumer.name, last)
    return handled


async def drain(consumers: Iterable[Consumer], *, max_turns: int = 1000) -> int:
    """Run the consumers until none has anything left (tests, the CLI)."""
    total = 0
    consumers = list(consumers)
    for _ in range(max_turns):
        handled = 0
        for consumer in consumers:
            handled += await run_once(consumer)
        total += handled
        if not handled:
            return total
    return total


async def run_forever(consumers: Iterable[Consumer], interval_seconds: float) -> None:
    consumers = list(consumers)

    async def turn() -> None:
        for consumer in consumers:
            while await run_once(consumer) >= BATCH:
                pass

    await loops.every(interval_seconds, turn, what="event consumers")
