"""Subscriptions in-process on the run's event hub (in-process or Redis):
who may watch what, the exact events, and resuming with `after`."""
from __future__ import annotations

from oms.core import ids

from .helpers import (ANALYST, STAFF, customer_auth, customer_pk, place, setup_shop)
from .test_mutations import (ORDER_CANCEL, ORDER_CONFIRM, ORDER_HOLD, ORDER_RELEASE,
                             SHIPMENT_PACK, SHIPMENT_PICK, SHIPMENT_SHIP, TRACKING)

STATUS = """subscription($id: ID, $ch: String, $after: String) {
  orderStatusChanged(orderId: $id, channel: $ch, after: $after) {
    order { number status } fromStatus toStatus at cursor } }"""
SHIPMENTS = """subscription($id: ID!, $after: String) {
  shipmentUpdated(orderId: $id, after: $after) {
    shipment { id status order { number } } status description occurredAt cursor } }"""
STOCK = """subscription($ch: String, $skus: [String!]) { stockChanged(channel: $ch, skus: $skus) {
  channel { code } sku available reserved } }"""


async def _changes(sub, n: int) -> list[tuple]:
    out = []
    for _ in range(n):
        r = await sub.next()
        assert r.errors == [], r.errors
        c = r.data["orderStatusChanged"]
        out.append((c["order"]["number"], c["fromStatus"], c["toStatus"]))
    return out


async def test_an_order_journey_is_seen_in_order(live_gql):
    gql = live_gql
    await setup_shop(gql)
    o = await place(gql, [("SKU-A", 1)])
    sub = await gql.subscribe(STATUS, {"id": o["id"]}, auth=customer_auth(customer_pk(o)))
    ships = await gql.subscribe(SHIPMENTS, {"id": o["id"]}, auth=STAFF)
    try:
        r = await gql(ORDER_CONFIRM, {"id": o["id"]})
        sid = r.ok()["orderConfirm"]["order"]["shipments"][0]["id"]
        for q in (SHIPMENT_PICK, SHIPMENT_PACK, SHIPMENT_SHIP):
            (await gql(q, {"id": sid})).ok()
        (await gql(TRACKING, {"i": {"shipmentId": sid, "status": "IN_TRANSIT",
                                    "description": "Departed Lyon"}})).ok()
        (await gql(TRACKING, {"i": {"shipmentId": sid, "status": "DELIVERED"}})).ok()
        assert await _changes(sub, 4) == [
            ("WEB-000001", "PENDING", "CONFIRMED"), ("WEB-000001", "CONFIRMED", "PROCESSING"),
            ("WEB-000001", "PROCESSING", "SHIPPED"), ("WEB-000001", "SHIPPED", "DELIVERED")]
        updates = [(await ships.next()).data["shipmentUpdated"] for _ in range(6)]
        assert [u["status"] for u in updates] == ["PENDING", "PICKING", "PACKED", "SHIPPED",
                                                  "IN_TRANSIT", "DELIVERED"]
        assert updates[4]["description"] == "Departed Lyon"
        assert {u["shipment"]["id"] for u in updates} == {sid}
        cursors = [int(u["cursor"]) for u in updates]
        assert cursors == sorted(cursors) and len(set(cursors)) == 6
        assert await sub.nothing_within(0.3) and await ships.nothing_within(0.1)
    finally:
        await sub.close()
        await ships.close()


async def test_a_customer_cannot_watch_someone_elses_order(live_gql):
    gql = live_gql
    await setup_shop(gql)
    ann_o = await place(gql, [("SKU-A", 1)])
    bob_o = await place(gql, [("SKU-B", 1)], email="bob@example.com")
    bob = customer_auth(customer_pk(bob_o))

    async def first_error(query, variables, auth):
        sub = await gql.subscribe(query, variables, auth=auth)
        try:
            r = await sub.next()
            assert r.data is None
            return r.errors
        finally:
            await sub.close()

    for query in (STATUS, SHIPMENTS):
        foreign = await first_error(query, {"id": ann_o["id"]}, bob)
        missing = await first_error(query, {"id": ids.encode("Order", 999)}, bob)
        garbage = await first_error(query, {"id": "garbage"}, bob)
        assert foreign == missing == garbage
        assert foreign[0]["message"] == "order not found"
    errors = await first_error(STATUS, {"ch": "WEB"}, bob)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    errors = await first_error(STOCK, {}, bob)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    for auth in (None, "Bearer nonsense"):
        errors = await first_error(STATUS, {}, auth)
        assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    errors = await first_error(STATUS, {"after": "12abc"}, bob)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_watching_all_orders_shows_a_customer_only_their_own(live_gql):
    gql = live_gql
    await setup_shop(gql)
    ann_o = await place(gql, [("SKU-A", 1)])
    bob_o = await place(gql, [("SKU-B", 1)], email="bob@example.com")
    bob = await gql.subscribe(STATUS, {}, auth=customer_auth(customer_pk(bob_o)))
    everyone = await gql.subscribe(STATUS, {}, auth=ANALYST)
    web = await gql.subscribe(STATUS, {"ch": "WEB"}, auth=STAFF)
    try:
        (await gql(ORDER_HOLD, {"id": ann_o["id"], "r": "check"})).ok()
        (await gql(ORDER_RELEASE, {"id": ann_o["id"]})).ok()
        (await gql(ORDER_CANCEL, {"id": bob_o["id"]})).ok()
        assert await _changes(bob, 1) == [("WEB-000002", "PENDING", "CANCELLED")]
        expected = [("WEB-000001", "PENDING", "ON_HOLD"), ("WEB-000001", "ON_HOLD", "PENDING"),
                    ("WEB-000002", "PENDING", "CANCELLED")]
        assert await _changes(everyone, 3) == expected
        assert await _changes(web, 3) == expected
        assert await bob.nothing_within(0.3)
    finally:
        for s in (bob, everyone, web):
            await s.close()


async def test_resume_after_a_cursor(live_gql):
    gql = live_gql
    await setup_shop(gql)
    o = await place(gql, [("SKU-A", 1)])
    auth = customer_auth(customer_pk(o))
    sub = await gql.subscribe(STATUS, {"id": o["id"]}, auth=auth)
    (await gql(ORDER_HOLD, {"id": o["id"], "r": "a"})).ok()
    r = await sub.next()
    cursor = r.data["orderStatusChanged"]["cursor"]
    await sub.close()
    (await gql(ORDER_RELEASE, {"id": o["id"]})).ok()
    (await gql(ORDER_HOLD, {"id": o["id"], "r": "b"})).ok()
    other = await place(gql, [("SKU-B", 1)])  # someone else's change in between
    (await gql(ORDER_HOLD, {"id": other["id"], "r": "c"})).ok()
    (await gql(ORDER_RELEASE, {"id": o["id"]})).ok()
    resumed = await gql.subscribe(STATUS, {"id": o["id"], "after": cursor}, auth=auth)
    try:
        missed = [(await resumed.next()).data["orderStatusChanged"] for _ in range(3)]
        assert [(m["fromStatus"], m["toStatus"]) for m in missed] == [
            ("ON_HOLD", "PENDING"), ("PENDING", "ON_HOLD"), ("ON_HOLD", "PENDING")]
        cursors = [int(m["cursor"]) for m in missed]
        assert int(cursor) < cursors[0] < cursors[1] < cursors[2]
        (await gql(ORDER_CONFIRM, {"id": o["id"]})).ok()
        assert await _changes(resumed, 1) == [("WEB-000001", "PENDING", "CONFIRMED")]
        assert await resumed.nothing_within(0.3)
    finally:
        await resumed.close()


async def test_stock_changes_per_channel(live_gql):
    gql = live_gql
    await setup_shop(gql, channels={"WEB": ["WH1"], "STORE": ["WH2"]})
    web = await gql.subscribe(STOCK, {"ch": "WEB", "skus": ["SKU-A"]}, auth=STAFF)
    unknown = await gql.subscribe(STOCK, {"ch": "MARS"}, auth=STAFF)
    try:
        r = await unknown.next()
        assert r.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        await place(gql, [("SKU-A", 3)])
        (await gql("""mutation { stockReceive(sku: "SKU-C", location: "WH2", quantity: 1) {
                       userErrors { code } } }""")).ok()
        r = await web.next()
        assert r.data["stockChanged"] == {"channel": {"code": "WEB"}, "sku": "SKU-A",
                                          "available": 7, "reserved": 3}
        assert await web.nothing_within(0.3)
    finally:
        await web.close()
        await unknown.close()
