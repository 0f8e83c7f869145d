"""Place, confirm, ship and deliver an order over HTTP while its customer
watches over WebSocket; another customer can neither watch it nor see it."""
from __future__ import annotations

import pytest

from .harness import (ADMIN, CANCEL, PACK, PICK, SHIP, SHIPMENT_SUB, STATUS_SUB, TRACK, Ws,
                      WsError, confirm, customer_token, place, setup_shop)

ORDER_QUERY = """query($id: ID!) { order(id: $id) { number status
  lines { sku quantity quantityShipped } shipments { status trackingNumber deliveredAt }
  events { fromStatus toStatus } } }"""


async def test_an_order_from_placement_to_delivery_watched_live(server):
    await setup_shop(server)
    order = await place(server, "ann@example.com", 2)
    assert (order["number"], order["status"]) == ("WEB-000001", "PENDING")
    other = await place(server, "bob@example.com", 1)
    ann, bob = customer_token(order["customer"]["id"]), customer_token(other["customer"]["id"])
    await server.settle()  # PENDING was emitted at placement, before anyone could subscribe

    ann_ws = await Ws.open(server.ws_url, ann)
    bob_ws = await Ws.open(server.ws_url, bob)
    try:
        statuses = await ann_ws.subscribe(STATUS_SUB, {"id": order["id"]})
        shipments = await ann_ws.subscribe(SHIPMENT_SUB, {"id": order["id"]})
        bob_all = await bob_ws.subscribe(STATUS_SUB, {})
        # Bob asking for Ann's order is answered exactly like an order that does not exist.
        foreign = await bob_ws.subscribe(STATUS_SUB, {"id": order["id"]})
        foreign_shipments = await bob_ws.subscribe(SHIPMENT_SUB, {"id": order["id"]})
        missing = await bob_ws.subscribe(STATUS_SUB, {"id": "T3JkZXI6OTk5"})  # Order:999
        refusals = []
        for op in (foreign, foreign_shipments, missing):
            with pytest.raises(WsError) as err:
                await bob_ws.next(op)
            msg = err.value.args[0]
            refusals.append(msg["payload"].get("errors") or msg["payload"])
            assert (await bob_ws.message(op))["type"] == "complete"
        assert refusals[0] == refusals[2]
        assert refusals[0][0]["message"] == "order not found"
        assert refusals[1][0]["message"] == "order not found"
        await server.wait_for_subscribers(3)

        shipment_id = await confirm(server, order["id"])
        for step in (PICK, PACK, SHIP):
            await server.ok(step, {"id": shipment_id})
        await server.ok(TRACK, {"id": shipment_id, "s": "IN_TRANSIT"})
        await server.ok(TRACK, {"id": shipment_id, "s": "DELIVERED"})

        changes = [(await ann_ws.next(statuses))["orderStatusChanged"] for _ in range(4)]
        assert [(c["fromStatus"], c["toStatus"]) for c in changes] == [
            ("PENDING", "CONFIRMED"), ("CONFIRMED", "PROCESSING"), ("PROCESSING", "SHIPPED"),
            ("SHIPPED", "DELIVERED")]
        assert {c["order"]["number"] for c in changes} == {"WEB-000001"}
        assert {c["order"]["id"] for c in changes} == {order["id"]}
        cursors = [int(c["cursor"]) for c in changes]
        assert cursors == sorted(set(cursors))
        updates = [(await ann_ws.next(shipments))["shipmentUpdated"] for _ in range(6)]
        assert [u["status"] for u in updates] == ["PENDING", "PICKING", "PACKED", "SHIPPED",
                                                  "IN_TRANSIT", "DELIVERED"]
        assert {u["shipment"]["id"] for u in updates} == {shipment_id}
        assert [u["description"] for u in updates][-2:] == ["scan", "scan"]
        u_cursors = [int(u["cursor"]) for u in updates]
        assert u_cursors == sorted(set(u_cursors))
        assert not set(u_cursors) & set(cursors)
        assert await ann_ws.nothing(statuses, 0.3) and await ann_ws.nothing(shipments, 0.1)

        # Bob's "all my orders" saw none of Ann's changes; it is live: his own shows up.
        assert await bob_ws.nothing(bob_all, 0.3)
        await server.ok(CANCEL, {"id": other["id"]})
        mine = (await bob_ws.next(bob_all))["orderStatusChanged"]
        assert (mine["order"]["number"], mine["fromStatus"], mine["toStatus"]) == (
            "WEB-000002", "PENDING", "CANCELLED")
        assert await bob_ws.nothing(bob_all, 0.3)
    finally:
        await ann_ws.close()
        await bob_ws.close()

    final = await server.ok(ORDER_QUERY, {"id": order["id"]}, auth=ann)
    assert final["order"] == {
        "number": "WEB-000001", "status": "DELIVERED",
        "lines": [{"sku": "TEE", "quantity": 2, "quantityShipped": 2}],
        "shipments": [{"status": "DELIVERED", "trackingNumber": None,
                       "deliveredAt": final["order"]["shipments"][0]["deliveredAt"]}],
        "events": [{"fromStatus": f, "toStatus": t} for f, t in (
            (None, "PENDING"), ("PENDING", "CONFIRMED"), ("CONFIRMED", "PROCESSING"),
            ("PROCESSING", "SHIPPED"), ("SHIPPED", "DELIVERED"))]}
    assert final["order"]["shipments"][0]["deliveredAt"] is not None
    # Over HTTP too, Bob cannot see Ann's order.
    body = await server.gql(ORDER_QUERY, {"id": order["id"]}, auth=bob)
    assert body == {"data": {"order": None}}
    stock = await server.ok('{ stockItem(sku: "TEE") { levels { onHand reserved } } }', auth=ADMIN)
    assert stock["stockItem"]["levels"] == [{"onHand": 98, "reserved": 0}]
