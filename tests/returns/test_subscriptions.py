"""returnUpdated (every status change of an order's returns, resumable with
`after`) and the return entries dashboards get in orderStatusChanged."""
from __future__ import annotations

from oms.core import ids
from oms.returns import receiving, service, tracking
from oms.returns.policy import ReceivedEntry

from tests.graphql.helpers import ANALYST, STAFF, customer_auth

from .conftest import deliver
from .support import request

RETURNS = """subscription($id: ID!, $after: String) { returnUpdated(orderId: $id, after: $after) {
  number status cursor lines { quantity } } }"""
STATUS = """subscription($id: ID, $ch: String, $after: String) {
  orderStatusChanged(orderId: $id, channel: $ch, after: $after) {
    order { number } fromStatus toStatus cursor returnUpdate { number status } } }"""


async def _next(sub, field: str, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        r = await sub.next()
        assert r.errors == [], r.errors
        out.append(r.data[field])
    return out


async def _journey(d) -> None:
    ret = await request(d, ("SKU-A", 2))
    await service.approve_return(ret.id)
    await tracking.record_scan(return_id=ret.id, status="IN_TRANSIT")
    await receiving.receive_return(ret.id, location="WH1", lines=[
        ReceivedEntry(d.line_id("SKU-A"), 2, "RESALABLE")])


async def test_a_customer_follows_their_return_live_and_resumes(live_gql, return_shop):
    gql = live_gql
    d = await deliver()
    me = customer_auth(d.customer_id)
    order_id = ids.encode("Order", d.order.id)
    sub = await gql.subscribe(RETURNS, {"id": order_id}, auth=me)
    try:
        await _journey(d)
        seen = await _next(sub, "returnUpdated", 4)
        assert [(s["number"], s["status"], s["lines"]) for s in seen] == [
            ("WEB-000001-R1", status, [{"quantity": 2}])
            for status in ("REQUESTED", "APPROVED", "IN_TRANSIT", "RECEIVED")]
        cursors = [int(s["cursor"]) for s in seen]
        assert cursors == sorted(cursors) and len(set(cursors)) == 4
        assert await sub.nothing_within(0.2)
    finally:
        await sub.close()
    # Resume after the first: the three missed, in order, then live ones.
    resumed = await gql.subscribe(RETURNS, {"id": order_id, "after": seen[0]["cursor"]},
                                  auth=me)
    try:
        missed = await _next(resumed, "returnUpdated", 3)
        assert [(m["status"], m["cursor"]) for m in missed] == [
            (s["status"], s["cursor"]) for s in seen[1:]]
        ret = await request(d, ("SKU-B", 1))
        await service.cancel_return(ret.id, as_customer=d.customer_id)
        live = await _next(resumed, "returnUpdated", 2)
        assert [(m["number"], m["status"]) for m in live] == [
            ("WEB-000001-R2", "REQUESTED"), ("WEB-000001-R2", "CLOSED")]
        assert await resumed.nothing_within(0.2)
    finally:
        await resumed.close()


async def test_only_the_owner_and_staff_may_watch(live_gql, return_shop):
    gql = live_gql
    d = await deliver()
    other = await deliver([("SKU-A", 1)], email="bob@example.com")
    for who, expected in ((customer_auth(other.customer_id), "order not found"),):
        sub = await gql.subscribe(RETURNS, {"id": ids.encode("Order", d.order.id)}, auth=who)
        try:
            r = await sub.next()
            assert (r.data, r.errors[0]["message"]) == (None, expected)
        finally:
            await sub.close()
    sub = await gql.subscribe(RETURNS, {"id": ids.encode("Order", d.order.id)}, auth=ANALYST)
    try:
        await request(d, ("SKU-A", 1))
        assert [s["status"] for s in await _next(sub, "returnUpdated", 1)] == ["REQUESTED"]
    finally:
        await sub.close()


async def test_dashboards_see_returns_in_order_status_changes(live_gql, return_shop):
    gql = live_gql
    d = await deliver()
    status = d.order.status
    by_order = await gql.subscribe(STATUS, {"id": ids.encode("Order", d.order.id)}, auth=STAFF)
    by_channel = await gql.subscribe(STATUS, {"ch": "WEB"}, auth=ANALYST)
    try:
        ret = await request(d, ("SKU-B", 1))
        await service.approve_return(ret.id)
        other = await deliver([("SKU-A", 1)], email="bob@example.com", paid=False,
                              delivered=False)
        for sub in (by_order, by_channel):
            got = await _next(sub, "orderStatusChanged", 2)
            assert [(g["order"]["number"], g["fromStatus"], g["toStatus"], g["returnUpdate"])
                    for g in got] == [
                ("WEB-000001", status, status, {"number": "WEB-000001-R1",
                                                "status": "REQUESTED"}),
                ("WEB-000001", status, status, {"number": "WEB-000001-R1",
                                                "status": "APPROVED"})]
        # An order's own change has no returnUpdate.
        channel_rest = await _next(by_channel, "orderStatusChanged", 1)
        assert channel_rest[0]["order"]["number"] == f"WEB-{other.order.id:06d}"
        assert channel_rest[0]["returnUpdate"] is None
        assert await by_order.nothing_within(0.2)
    finally:
        await by_order.close()
        await by_channel.close()
    # Replay from the first return entry gives the second again.
    first_cursor = got[0]["cursor"]
    resumed = await gql.subscribe(STATUS, {"id": ids.encode("Order", d.order.id),
                                           "after": first_cursor}, auth=STAFF)
    try:
        again = await _next(resumed, "orderStatusChanged", 1)
        assert again[0]["returnUpdate"] == {"number": "WEB-000001-R1", "status": "APPROVED"}
    finally:
        await resumed.close()


async def test_an_entry_without_the_order_status_shows_the_current_one(live_gql, return_shop):
    """Return events written without order_status (by code that does not pass
    it) still answer fromStatus/toStatus: the order's current status."""
    from oms.core.uow import unit_of_work
    from oms.orders.models import Order
    from oms.returns import events

    gql = live_gql
    d = await deliver()
    ret = await request(d, ("SKU-A", 1))
    async with unit_of_work() as uow:
        uow.record(events.return_updated(ret, customer_id=d.customer_id, channel="WEB",
                                         from_status="REQUESTED", to_status="REQUESTED",
                                         actor=None))
    current = (await Order.get(id=d.order.id)).status
    sub = await gql.subscribe(STATUS, {"id": ids.encode("Order", d.order.id), "after": "0"},
                              auth=STAFF)
    try:
        entries = []
        while True:
            r = await sub.next(timeout=1)
            entries.append(r.data["orderStatusChanged"])
            if len([e for e in entries if e["returnUpdate"]]) == 2:
                break
    finally:
        await sub.close()
    last = entries[-1]
    assert (last["fromStatus"], last["toStatus"], last["returnUpdate"]["status"]) == (
        current, current, "REQUESTED")
