"""Events cross processes (PostgreSQL + Redis: two `oms serve` on one
database and stream; SQLite: the same test on one process), and a
subscriber that reconnects with `after: <last cursor>` gets exactly what it
missed, in order, then live events: no gap, no duplicate."""
from __future__ import annotations

from tests import backends

from .harness import (HOLD, PACK, PICK, RELEASE, SHIP, SHIPMENT_SUB, STATUS_SUB, TRACK, Ws,
                      confirm, customer_token, place, setup_shop)

STOCK_SUB = """subscription { stockChanged(channel: "WEB", skus: ["TEE"]) {
  channel { code } sku available reserved } }"""


def _pair(changes: list[dict]) -> list[tuple]:
    return [(c["fromStatus"], c["toStatus"]) for c in changes]


async def test_a_mutation_on_one_process_reaches_a_subscriber_on_another(server_pair):
    one, two = server_pair
    assert (one is not two) == backends.IS_PG
    await setup_shop(one)
    order = await place(one)
    await two.settle()
    ws = await Ws.open(two.ws_url, customer_token(order["customer"]["id"]))
    staff_ws = await Ws.open(two.ws_url)
    try:
        statuses = await ws.subscribe(STATUS_SUB, {"id": order["id"]})
        shipments = await ws.subscribe(SHIPMENT_SUB, {"id": order["id"]})
        stock = await staff_ws.subscribe(STOCK_SUB)
        await two.wait_for_subscribers(3)
        shipment_id = await confirm(one, order["id"])
        change = (await ws.next(statuses))["orderStatusChanged"]
        assert (change["order"]["number"], change["fromStatus"], change["toStatus"]) == (
            "WEB-000001", "PENDING", "CONFIRMED")
        assert (await ws.next(shipments))["shipmentUpdated"]["status"] == "PENDING"
        # The other direction too: a mutation on the subscriber's own process.
        await two.ok(PICK, {"id": shipment_id})
        assert _pair([(await ws.next(statuses))["orderStatusChanged"]]) == [
            ("CONFIRMED", "PROCESSING")]
        assert (await ws.next(shipments))["shipmentUpdated"]["status"] == "PICKING"
        # Stock moved on process one is pushed on process two.
        await one.ok('mutation { stockReceive(sku: "TEE", location: "WH1", quantity: 5) '
                     '{ userErrors { code } } }')
        assert (await staff_ws.next(stock))["stockChanged"] == {
            "channel": {"code": "WEB"}, "sku": "TEE", "available": 104, "reserved": 1}
        assert await ws.nothing(statuses, 0.3) and await ws.nothing(shipments, 0.1)
        assert await staff_ws.nothing(stock, 0.1)
    finally:
        await ws.close()
        await staff_ws.close()
    for s in {id(one): one, id(two): two}.values():
        assert "Traceback" not in s.log(), s.log()[-3000:]


async def test_resume_after_the_last_cursor(server_pair):
    one, two = server_pair
    await setup_shop(one)
    order = await place(one)
    token = customer_token(order["customer"]["id"])
    await one.settle()
    ws = await Ws.open(one.ws_url, token)
    op = await ws.subscribe(STATUS_SUB, {"id": order["id"]})
    await one.wait_for_subscribers(1)
    await one.ok(HOLD, {"id": order["id"]})
    await one.ok(RELEASE, {"id": order["id"]})
    seen = [(await ws.next(op))["orderStatusChanged"] for _ in range(2)]
    assert _pair(seen) == [("PENDING", "ON_HOLD"), ("ON_HOLD", "PENDING")]
    last = seen[-1]["cursor"]
    await ws.close()

    # Three changes while away (and someone else's order in between).
    await one.ok(HOLD, {"id": order["id"]})
    other = await place(one, "bob@example.com")
    await one.ok(HOLD, {"id": other["id"]})
    await one.ok(RELEASE, {"id": order["id"]})
    shipment_id = await confirm(one, order["id"])

    # Back, on the other process: exactly the three, in order, then live ones.
    ws = await Ws.open(two.ws_url, token)
    try:
        op = await ws.subscribe(STATUS_SUB, {"id": order["id"], "after": last})
        missed = [(await ws.next(op))["orderStatusChanged"] for _ in range(3)]
        assert _pair(missed) == [("PENDING", "ON_HOLD"), ("ON_HOLD", "PENDING"),
                                 ("PENDING", "CONFIRMED")]
        cursors = [int(last)] + [int(m["cursor"]) for m in missed]
        assert cursors == sorted(set(cursors))
        assert await ws.nothing(op, 0.3)
        await one.ok(PICK, {"id": shipment_id})
        live = (await ws.next(op))["orderStatusChanged"]
        assert _pair([live]) == [("CONFIRMED", "PROCESSING")]
        assert int(live["cursor"]) > cursors[-1]
        assert await ws.nothing(op, 0.3)
    finally:
        await ws.close()


async def test_resume_shipment_updates_across_a_reconnect(server_pair):
    one, two = server_pair
    await setup_shop(one)
    order = await place(one)
    shipment_id = await confirm(one, order["id"])
    token = customer_token(order["customer"]["id"])
    # From the very start: after "0" replays everything of this order.
    ws = await Ws.open(two.ws_url, token)
    op = await ws.subscribe(SHIPMENT_SUB, {"id": order["id"], "after": "0"})
    first = (await ws.next(op))["shipmentUpdated"]
    assert first["status"] == "PENDING"
    await ws.close()
    await one.ok(PICK, {"id": shipment_id})
    await one.ok(PACK, {"id": shipment_id})
    await one.ok(SHIP, {"id": shipment_id})
    ws = await Ws.open(one.ws_url, token)
    try:
        op = await ws.subscribe(SHIPMENT_SUB, {"id": order["id"], "after": first["cursor"]})
        # While it replays, carriers keep scanning: nothing is lost or doubled.
        await one.ok(TRACK, {"id": shipment_id, "s": "IN_TRANSIT"})
        await two.ok(TRACK, {"id": shipment_id, "s": "OUT_FOR_DELIVERY"})
        await one.ok(TRACK, {"id": shipment_id, "s": "DELIVERED"})
        got = [(await ws.next(op))["shipmentUpdated"] for _ in range(6)]
        assert [g["status"] for g in got] == ["PICKING", "PACKED", "SHIPPED", "IN_TRANSIT",
                                              "OUT_FOR_DELIVERY", "DELIVERED"]
        cursors = [int(first["cursor"])] + [int(g["cursor"]) for g in got]
        assert cursors == sorted(set(cursors))
        assert await ws.nothing(op, 0.5)
    finally:
        await ws.close()
