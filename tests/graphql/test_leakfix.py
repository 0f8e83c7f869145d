"""graphql-core 3.3 keeps objects for every event of an open subscription
(the per-event executor shares the `_relevant_sub_fields` memo). With
oms.graphql.leakfix applied, live objects do not grow with the number of
events; without it they do, so this test can fail."""
from __future__ import annotations

import gc
from datetime import datetime, timezone

from graphql.execution.executor import Executor

from oms.events.broker import MemoryBroker
from oms.events.hub import Hub
from oms.events.record import EventRecord
from oms.graphql import leakfix
from oms.orders.events import ORDER_STATUS_CHANGED

from .helpers import Gql

WARM_UP = 200
EVENTS = 2000
QUERY = "subscription { orderStatusChanged { fromStatus toStatus at cursor } }"
STATUSES = ["PENDING", "CONFIRMED", "PROCESSING", "SHIPPED", "DELIVERED"]


def _unpatched_build() -> object:
    """graphql-core's own build_per_event_executor, from under the patch."""
    fn = Executor.build_per_event_executor
    if not getattr(fn, leakfix._PATCHED, False):
        return fn
    for cell in fn.__closure__ or ():
        inner = cell.cell_contents
        if callable(inner) and getattr(inner, "__name__", "") == "build_per_event_executor" \
                and not getattr(inner, leakfix._PATCHED, False):
            return inner
    raise AssertionError("cannot find graphql-core's build_per_event_executor under the patch")


async def _no_log(after: int, limit: int) -> list[EventRecord]:
    return []


async def _head() -> int:
    return 0


def _record(i: int) -> EventRecord:
    return EventRecord(type=ORDER_STATUS_CHANGED, order_id=1 + i % 7, customer_id=1,
                       channel="WEB", payload={"from": STATUSES[i % 4],
                                               "to": STATUSES[i % 4 + 1]},
                       id=i, created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))


async def _growth_over_events() -> int:
    """Live objects added by EVENTS events on one open subscription."""
    broker = MemoryBroker()
    hub = Hub(broker, read_log=_no_log, read_head=_head, poll_interval=3600)
    await hub.start()
    sub = await Gql(hub=hub).subscribe(QUERY)
    try:
        next_id = 1

        async def drive(n: int) -> None:
            nonlocal next_id
            for _ in range(n):
                broker.publish([_record(next_id)])
                r = await sub.next()
                assert r.errors == []
                assert r.data["orderStatusChanged"]["cursor"] == str(next_id)
                next_id += 1

        await drive(WARM_UP)
        gc.collect()
        before = len(gc.get_objects())
        await drive(EVENTS)
        gc.collect()
        return len(gc.get_objects()) - before
    finally:
        await sub.close()
        await hub.close()


async def test_live_objects_do_not_grow_with_events():
    leakfix.apply()
    growth = await _growth_over_events()
    print(f"with the fix: {growth} objects after {EVENTS} events")
    assert growth < EVENTS // 10


async def test_without_the_fix_they_do(monkeypatch):
    """The guard above is meaningful: graphql-core alone retains objects."""
    monkeypatch.setattr(Executor, "build_per_event_executor", _unpatched_build())
    growth = await _growth_over_events()
    print(f"without the fix: {growth} objects after {EVENTS} events")
    assert growth >= 5 * EVENTS


def test_the_schema_applies_the_fix_once():
    from oms.graphql.schema import build_schema

    build_schema()
    patched = Executor.build_per_event_executor
    assert getattr(patched, leakfix._PATCHED, False)
    leakfix.apply()
    assert Executor.build_per_event_executor is patched


def test_each_event_gets_its_own_memo():
    from graphql import build_schema, parse

    schema = build_schema("type Query { a: Int } type Subscription { a: Int }")
    leakfix.apply()
    executor = Executor.build(schema, parse("subscription { a }"))
    e1 = executor.build_per_event_executor({"a": 1})
    e2 = executor.build_per_event_executor({"a": 2})
    assert e1._relevant_sub_fields is not e2._relevant_sub_fields
    assert e1._relevant_sub_fields is not executor._relevant_sub_fields
