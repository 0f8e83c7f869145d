"""The per-process hub with a fake broker and a fake event log: strict id
order, gaps filled from the log after gap_wait, duplicates dropped, a slow
subscriber dropped alone."""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import pytest

from oms.events import hub as hub_mod
from oms.events.hub import Hub
from oms.events.record import EventRecord


def rec(i: int, type: str = "T", order_id: int | None = None) -> EventRecord:
    return EventRecord(type=type, order_id=order_id, id=i,
                       created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))


class FakeBroker:
    """Hands over exactly what the test sends, in the order it sends it."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.fail_next_listen = 0

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def publish(self, records: list[EventRecord]) -> None:
        for r in records:
            self.queue.put_nowait(r)

    def send(self, *ids: int) -> None:
        self.publish([rec(i) for i in ids])

    async def listen(self):
        if self.fail_next_listen:
            self.fail_next_listen -= 1
            raise ConnectionError("broker went away")
        while True:
            yield await self.queue.get()


class FakeLog:
    """The event log: ids 1..n, and who read it when."""

    def __init__(self, n: int = 0, head: int = 0) -> None:
        self.records = {i: rec(i) for i in range(1, n + 1)}
        self._head = head
        self.reads: list[tuple[float, int]] = []

    def add(self, *ids: int) -> None:
        for i in ids:
            self.records[i] = rec(i)

    async def read_after(self, after: int, limit: int) -> list[EventRecord]:
        self.reads.append((time.monotonic(), after))
        return [self.records[i] for i in sorted(self.records) if i > after][:limit]

    async def head(self) -> int:
        return self._head


@pytest.fixture
async def make_hub():
    hubs: list[Hub] = []

    async def make(*, log: FakeLog | None = None, gap_wait: float = 0.05,
                   poll_interval: float = 3600) -> tuple[Hub, FakeBroker, FakeLog]:
        broker, log = FakeBroker(), log or FakeLog()
        h = Hub(broker, read_log=log.read_after, read_head=log.head, gap_wait=gap_wait,
                poll_interval=poll_interval)
        await h.start()
        hubs.append(h)
        return h, broker, log

    yield make
    for h in hubs:
        await h.close()


async def receive(sub, n: int, timeout: float = 2.0) -> list[int]:
    out = []
    for _ in range(n):
        r = await asyncio.wait_for(sub.get(), timeout)
        out.append(None if r is None else r.id)
    return out


async def quiet(sub, seconds: float = 0.2) -> bool:
    try:
        await asyncio.wait_for(sub.get(), seconds)
    except asyncio.TimeoutError:
        return True
    return False


async def test_out_of_order_arrivals_are_delivered_in_id_order(make_hub):
    hub, broker, log = await make_hub(gap_wait=10)  # no log reads in time: order by buffering
    sub = hub.subscribe(lambda r: True)
    broker.send(3, 1, 5, 2, 4)
    assert await receive(sub, 5) == [1, 2, 3, 4, 5]
    assert hub.position == 5
    assert log.reads == []


async def test_a_gap_is_filled_from_the_log_after_gap_wait(make_hub):
    log = FakeLog(n=4)
    hub, broker, log = await make_hub(log=log, gap_wait=0.3)
    sub = hub.subscribe(lambda r: True)
    broker.send(1)
    assert await receive(sub, 1) == [1]
    sent = time.monotonic()
    broker.send(3, 4)  # 2 was committed but its publisher never sent it
    assert await quiet(sub, 0.15)  # 3 and 4 wait for 2
    assert await receive(sub, 3) == [2, 3, 4]
    assert len(log.reads) == 1
    read_at, after = log.reads[0]
    assert after == 1
    assert read_at - sent >= 0.3 - 0.01
    assert hub.position == 4
    assert await quiet(sub)


async def test_a_late_arrival_within_gap_wait_needs_no_log(make_hub):
    hub, broker, log = await make_hub(log=FakeLog(n=3), gap_wait=0.5)
    sub = hub.subscribe(lambda r: True)
    broker.send(1, 3)
    await asyncio.sleep(0.05)
    broker.send(2)
    assert await receive(sub, 3) == [1, 2, 3]
    await asyncio.sleep(0.6)  # the gap waiter wakes, finds nothing missing
    assert log.reads == []


async def test_duplicates_are_dropped(make_hub):
    hub, broker, log = await make_hub(log=FakeLog(n=3), gap_wait=0.05)
    sub = hub.subscribe(lambda r: True)
    broker.send(1, 1, 2, 1, 2)
    assert await receive(sub, 2) == [1, 2]
    broker.send(4, 4)  # 3 missing: the log is read, which also returns 1..2 again
    assert await receive(sub, 2) == [3, 4]
    broker.send(3, 2, 4, 1)
    assert await quiet(sub, 0.3)
    assert hub.position == 4


async def test_a_slow_subscriber_is_dropped_alone(make_hub, monkeypatch):
    monkeypatch.setattr(hub_mod, "QUEUE_LIMIT", 5)
    hub, broker, log = await make_hub()
    slow = hub.subscribe(lambda r: True)
    fast = hub.subscribe(lambda r: True)
    other = hub.subscribe(lambda r: r.id % 2 == 0)  # slow too, but sees half as many
    assert hub.subscriber_count == 3
    got = []
    for i in range(1, 21):
        broker.send(i)
        got += await receive(fast, 1)
    assert got == list(range(1, 21))
    assert slow.dropped and other.dropped and not fast.dropped
    assert hub.subscriber_count == 1
    # The slow ones get what they had queued, then the end.
    assert await receive(slow, 6) == [1, 2, 3, 4, 5, None]
    assert await receive(other, 6) == [2, 4, 6, 8, 10, None]
    # The fast one keeps going.
    broker.send(21)
    assert await receive(fast, 1) == [21]


async def test_filters_pick_what_a_subscriber_sees_and_a_broken_one_harms_no_one(make_hub):
    hub, broker, log = await make_hub()
    odd = hub.subscribe(lambda r: r.id % 2 == 1)
    broken = hub.subscribe(lambda r: 1 / 0)
    everything = hub.subscribe(lambda r: True)
    broker.send(1, 2, 3, 4)
    assert await receive(odd, 2) == [1, 3]
    assert await receive(everything, 4) == [1, 2, 3, 4]
    assert await quiet(broken, 0.05)
    hub.unsubscribe(odd)
    broker.send(5)
    assert await receive(everything, 1) == [5]
    assert await quiet(odd, 0.05)


async def test_the_hub_starts_at_the_log_head(make_hub):
    hub, broker, log = await make_hub(log=FakeLog(n=10, head=10))
    assert hub.position == 10
    sub = hub.subscribe(lambda r: True)
    assert sub.start == 10
    broker.send(9, 10, 11)
    assert await receive(sub, 1) == [11]
    assert await quiet(sub, 0.1)


async def test_a_silent_broker_is_covered_by_polling_the_log(make_hub):
    log = FakeLog(n=0)
    hub, broker, log = await make_hub(log=log, poll_interval=0.2)
    sub = hub.subscribe(lambda r: True)
    log.add(1, 2, 3)  # committed, but the publishing process died before publishing
    assert await receive(sub, 3, timeout=2) == [1, 2, 3]
    assert hub.position == 3


async def test_the_listener_survives_a_broker_failure(make_hub):
    hub, broker, log = await make_hub()
    # The next listen() fails once; the hub restarts it and carries on.
    await hub.close()
    broker.fail_next_listen = 1
    h = Hub(broker, read_log=log.read_after, read_head=log.head, poll_interval=3600)
    await h.start()
    try:
        sub = h.subscribe(lambda r: True)
        broker.send(1, 2)
        assert await receive(sub, 2, timeout=3) == [1, 2]
    finally:
        await h.close()


async def test_closing_the_hub_ends_every_subscription(make_hub):
    hub, broker, log = await make_hub()
    sub = hub.subscribe(lambda r: True)
    waiting = asyncio.ensure_future(sub.get())
    await asyncio.sleep(0.01)
    await hub.close()
    assert await asyncio.wait_for(waiting, 1) is None
    assert hub.subscriber_count == 0
