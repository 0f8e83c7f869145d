"""Durable event-log consumers: every event of the consumer's types is handed
over once, in id order; a failing handler stops at that event and gets it
again next turn; another process's live lease keeps this one out; an expired
lease is taken over; the cursor moves past other consumers' events."""
from __future__ import annotations

from datetime import timedelta

import pytest

from oms.core.clock import now
from oms.core.uow import unit_of_work
from oms.events import consumers
from oms.events.consumers import Consumer
from oms.events.models import EventConsumerCursor
from oms.events.record import Event


async def _record(*types: str) -> list[int]:
    async with unit_of_work() as uow:
        for t in types:
            uow.record(Event(type=t, payload={"t": t}))
    return [r.id for r in uow.records]


class Recorder:
    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.seen: list[int] = []
        self.fail_on = fail_on or set()

    async def __call__(self, event) -> None:
        if event.id in self.fail_on:
            self.fail_on.discard(event.id)
            raise RuntimeError("partner down")
        self.seen.append(event.id)


async def _cursor(name: str) -> EventConsumerCursor:
    return await EventConsumerCursor.get(name=name)


async def test_hands_over_its_types_in_order_and_skips_the_rest(clean_db):
    ids = await _record("A", "B", "A", "C", "A")
    rec = Recorder()
    c = Consumer("c1", ("A",), rec)
    assert await consumers.run_once(c) == 3
    assert rec.seen == [ids[0], ids[2], ids[4]]
    assert (await _cursor("c1")).last_id == ids[4]
    more = await _record("B", "B")
    assert await consumers.run_once(c) == 0
    assert (await _cursor("c1")).last_id == more[-1]  # moved past events not its own
    assert rec.seen == [ids[0], ids[2], ids[4]]


async def test_a_failure_stops_at_the_event_and_it_is_retried(clean_db):
    ids = await _record("A", "A", "A")
    rec = Recorder(fail_on={ids[1]})
    c = Consumer("c2", ("A",), rec)
    assert await consumers.run_once(c) == 1
    cursor = await _cursor("c2")
    assert cursor.last_id == ids[0]
    assert f"event {ids[1]}" in cursor.last_error
    assert await consumers.run_once(c) == 2
    assert rec.seen == ids
    cursor = await _cursor("c2")
    assert (cursor.last_id, cursor.last_error) == (ids[2], None)


async def test_a_live_lease_of_another_process_keeps_us_out_until_it_expires(clean_db):
    ids = await _record("A")
    rec = Recorder()
    c = Consumer("c3", ("A",), rec)
    await EventConsumerCursor.create(name="c3", last_id=0, lease_owner="other",
                                     lease_until=now() + timedelta(seconds=30),
                                     updated_at=now())
    assert await consumers.run_once(c) == 0
    assert rec.seen == []
    await EventConsumerCursor.filter(name="c3").update(lease_until=now() - timedelta(seconds=1))
    assert await consumers.run_once(c) == 1
    assert rec.seen == ids
    assert (await _cursor("c3")).lease_owner == consumers.OWNER


async def test_batches_and_drain(clean_db):
    ids = await _record(*["A"] * 7)
    rec = Recorder()
    c = Consumer("c4", ("A",), rec)
    assert await consumers.run_once(c, batch=3) == 3
    assert await consumers.drain([c]) == 4
    assert rec.seen == ids


@pytest.mark.parametrize("name", ["c5"])
async def test_two_consumers_have_their_own_cursors(clean_db, name):
    ids = await _record("A", "B")
    a, b = Recorder(), Recorder()
    await consumers.drain([Consumer(name, ("A",), a), Consumer(name + "b", ("B",), b)])
    assert (a.seen, b.seen) == ([ids[0]], [ids[1]])
