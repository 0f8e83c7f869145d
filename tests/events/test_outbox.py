"""The transactional outbox: event ids are gapless and increasing across
concurrent transactions, rolled-back transactions use no ids, and ids
become visible in id order (what resumable subscriptions rely on). The
races only happen on PostgreSQL; SQLite runs the same tests serialised."""
from __future__ import annotations

import asyncio
import random

from tortoise import connections

from oms.core.uow import unit_of_work
from oms.events import queries as event_queries
from oms.events.models import EventLog
from oms.events.record import Event

from tests import backends

WRITERS = 60 if backends.IS_PG else 20


class Boom(Exception):
    pass


async def _transaction(n: int, tag: str, *, fail: bool = False, pause: float = 0.0) -> list[int]:
    async with unit_of_work() as uow:
        for k in range(n):
            uow.record(Event(type="Test", channel=tag, payload={"k": k}))
        if pause:
            await asyncio.sleep(pause)
        if fail:
            raise Boom()
    return [r.id for r in uow.records]


async def _all_ids() -> list[int]:
    return list(await EventLog.all().order_by("id").values_list("id", flat=True))


async def _sequence() -> int:
    rows = await connections.get("default").execute_query_dict(
        "SELECT last_id FROM event_sequence WHERE id = 1")
    return int(rows[0]["last_id"])


async def test_ids_are_consecutive_and_returned(clean_db):
    assert await _transaction(3, "a") == [1, 2, 3]
    assert await _transaction(1, "b") == [4]
    assert await _transaction(0, "c") == []
    assert await _transaction(2, "d") == [5, 6]
    assert await _all_ids() == [1, 2, 3, 4, 5, 6]
    assert await _sequence() == 6
    records = await event_queries.read_after(2, 10)
    assert [(r.id, r.channel, r.payload) for r in records] == [
        (3, "a", {"k": 2}), (4, "b", {"k": 0}), (5, "d", {"k": 0}), (6, "d", {"k": 1})]
    assert await event_queries.head() == 6


async def test_a_rolled_back_transaction_uses_no_ids(clean_db):
    assert await _transaction(2, "a") == [1, 2]
    try:
        await _transaction(3, "b", fail=True)
    except Boom:
        pass
    assert await _transaction(1, "c") == [3]
    assert await _all_ids() == [1, 2, 3]


async def test_nested_units_of_work_write_once_at_the_end(clean_db):
    async with unit_of_work() as outer:
        outer.record(Event(type="Test", channel="outer"))
        async with unit_of_work() as inner:
            assert inner is outer
            inner.record(Event(type="Test", channel="inner"))
        assert await _all_ids() == []  # nothing written before the outer commit
    assert [r.id for r in outer.records] == [1, 2]
    assert [r.channel for r in await event_queries.read_after(0, 10)] == ["outer", "inner"]


async def test_concurrent_transactions_get_gapless_increasing_ids(clean_db):
    rng = random.Random(7)
    sizes = [rng.randint(1, 4) for _ in range(WRITERS)]
    fails = {i for i in range(WRITERS) if i % 7 == 3}
    results = await asyncio.gather(*(
        _transaction(sizes[i], f"w{i}", fail=i in fails, pause=rng.random() * 0.01)
        for i in range(WRITERS)), return_exceptions=True)
    committed = [r for i, r in enumerate(results) if i not in fails]
    assert all(isinstance(results[i], Boom) for i in fails)
    assert all(isinstance(r, list) for r in committed)
    total = sum(sizes[i] for i in range(WRITERS) if i not in fails)
    # Exactly 1..N, each transaction's ids consecutive, no id used twice.
    assert await _all_ids() == list(range(1, total + 1))
    assert await _sequence() == total
    assert sorted(i for ids in committed for i in ids) == list(range(1, total + 1))
    for i, ids in enumerate(results):
        if i not in fails:
            assert ids == list(range(ids[0], ids[0] + sizes[i]))
    # Each transaction's events carry its own tag, in order.
    by_id = {r.id: r for r in await event_queries.read_after(0, 10_000)}
    for i, ids in enumerate(results):
        if i not in fails:
            assert [by_id[x].channel for x in ids] == [f"w{i}"] * sizes[i]
            assert [by_id[x].payload["k"] for x in ids] == list(range(sizes[i]))


async def test_ids_become_visible_in_order(clean_db):
    """A reader polling the log never sees an id before a smaller one: what
    the hub and `after:` replays rely on to resume without a gap."""
    stop = asyncio.Event()
    seen: list[int] = []

    async def reader() -> None:
        position = 0
        while not stop.is_set() or position < await event_queries.head():
            batch = await event_queries.read_after(position, 1000)
            ids = [r.id for r in batch]
            assert ids == list(range(position + 1, position + 1 + len(ids))), (position, ids)
            seen.extend(ids)
            if ids:
                position = ids[-1]
            await asyncio.sleep(0)

    rng = random.Random(11)
    task = asyncio.create_task(reader())
    try:
        for _ in range(3):
            await asyncio.gather(*(_transaction(rng.randint(1, 3), "v", pause=rng.random() * 0.005)
                                   for _ in range(WRITERS)))
    finally:
        stop.set()
        await task
    assert seen == await _all_ids()
    assert seen == list(range(1, len(seen) + 1))
