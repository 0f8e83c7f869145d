"""The broker of this back end (Redis Streams on PostgreSQL runs, in-process
otherwise): records come out in the order they were published, and on Redis
the commits of one loop turn travel as one stream entry."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import pytest

from oms.events.record import EventRecord

from tests import backends

AT = datetime(2026, 3, 14, 9, 26, 53, tzinfo=timezone.utc)


def rec(i: int) -> EventRecord:
    return EventRecord(type="OrderStatusChanged", order_id=i, customer_id=7, channel="WEB",
                       payload={"from": None, "to": "PENDING"}, id=i, created_at=AT)


async def _take(broker, n: int) -> list[EventRecord]:
    out: list[EventRecord] = []
    stream = broker.listen()

    async def read():
        async for r in stream:
            out.append(r)
            if len(out) == n:
                return
    await asyncio.wait_for(read(), 5)
    await stream.aclose()
    return out


async def _listening(broker) -> asyncio.Task:
    # Let the listener find the stream's tail before anything is published.
    task = asyncio.create_task(_take(broker, 6))
    await asyncio.sleep(0.2)
    return task


async def test_records_arrive_in_publish_order_and_intact(broker):
    task = await _listening(broker)
    broker.publish([rec(1), rec(2)])
    broker.publish([rec(3)])
    broker.publish([rec(4), rec(5), rec(6)])
    got = await task
    assert got == [rec(i) for i in range(1, 7)]


redis_only = pytest.mark.skipif(not backends.IS_PG,
                                reason="Redis is the broker of the PostgreSQL runs")


@redis_only
async def test_redis_sends_one_entry_per_loop_turn_and_reads_old_entries(broker):
    task = await _listening(broker)
    before = await broker._client.xlen(broker.stream)
    broker.publish([rec(1), rec(2)])
    broker.publish([rec(3)])
    await asyncio.sleep(0.2)
    assert await broker._client.xlen(broker.stream) == before + 1
    # An entry written by an older process (one event per entry) and a broken
    # one: the first is read, the second skipped.
    await broker._client.xadd(broker.stream, {"d": json.dumps(rec(4).to_wire())})
    await broker._client.xadd(broker.stream, {"b": "not json"})
    broker.publish([rec(5), rec(6)])
    assert await task == [rec(i) for i in range(1, 7)]


@redis_only
async def test_redis_publishing_survives_a_failed_xadd(broker, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    task = await _listening(broker)
    real = broker._client.xadd
    calls = []

    async def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RedisConnectionError("down for a moment")
        return await real(*args, **kwargs)
    monkeypatch.setattr(broker._client, "xadd", flaky)
    broker.publish([rec(1)])  # lost to Redis (the hub reads it from the log)
    await asyncio.sleep(0.1)
    broker.publish([rec(i) for i in range(2, 8)])
    got = await task
    assert [r.id for r in got] == [2, 3, 4, 5, 6, 7]
