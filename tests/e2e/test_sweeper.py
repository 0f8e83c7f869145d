"""The server's background sweep, end to end: an unconfirmed order whose
reservation has lapsed is cancelled by the running server (its stock comes
back and subscribers see the change with the reason), and a confirmed order
with a ship-after date is routed when the date comes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests import backends

from .harness import ADMIN, PLACE, STATUS_SUB, Ws, execute, setup_shop, until

FAST = {"OMS_SWEEP_INTERVAL_SECONDS": "0.2"}
ORDER = """query($id: ID!) { order(id: $id) { status shipments { id }
  events { fromStatus toStatus actor message } } }"""
STOCK = """{ stockItem(sku: "TEE") { levels { onHand reserved } } }"""
PLACE_LATER = """mutation($at: DateTime!) { orderPlace(input: {channel: "WEB", source: WEB,
  customer: {email: "later@example.com"}, lines: [{sku: "TEE", quantity: 1}],
  payment: {gateway: "stripe", reference: "pi_9", status: AUTHORIZED}, shipAfter: $at,
  shippingAddress: {line1: "1 Rue de Rivoli", city: "Paris", postalCode: "75001",
                    country: "FR"}}) { order { id status shipments { id } }
  userErrors { code message } } }"""


def _db_time(value: datetime):
    # SQLite keeps Tortoise's ISO text; PostgreSQL a timestamptz.
    return value if backends.IS_PG else str(value)



async def test_a_lapsed_reservation_is_cancelled_by_the_server(server_group):
    (server,) = await server_group.start(1, env=FAST)
    await setup_shop(server)
    order = (await server.ok(PLACE, {"email": "ann@example.com", "q": 3}))["orderPlace"]["order"]
    assert order["status"] == "PENDING"
    assert (await server.ok(STOCK))["stockItem"]["levels"] == [{"onHand": 100, "reserved": 3}]
    ws = await Ws.open(server.ws_url, ADMIN)
    try:
        sub = await ws.subscribe(STATUS_SUB, {"id": order["id"]})
        await server.wait_for_subscribers(1)
        await execute(server.database_url, 'UPDATE "order" SET expires_at = ? WHERE id = ?',
                      _db_time(datetime.now(timezone.utc) - timedelta(seconds=1)),
                      int(order["number"].split("-")[1]))
        change = (await ws.next(sub, timeout=10))["orderStatusChanged"]
        assert (change["fromStatus"], change["toStatus"]) == ("PENDING", "CANCELLED")
    finally:
        await ws.close()
    events = (await server.ok(ORDER, {"id": order["id"]}))["order"]["events"]
    assert events[-1] == {"fromStatus": "PENDING", "toStatus": "CANCELLED",
                          "actor": "system:reservation-expiry",
                          "message": "unconfirmed: its stock reservation expired"}
    assert (await server.ok(STOCK))["stockItem"]["levels"] == [{"onHand": 100, "reserved": 0}]


async def test_an_order_shipping_later_is_routed_when_due(server_group):
    (server,) = await server_group.start(1, env=FAST)
    await setup_shop(server)
    at = datetime.now(timezone.utc) + timedelta(seconds=2)
    placed = (await server.ok(PLACE_LATER, {"at": at.isoformat()}))["orderPlace"]
    assert placed["userErrors"] == []
    assert (placed["order"]["status"], placed["order"]["shipments"]) == ("CONFIRMED", [])

    async def routed():
        o = (await server.ok(ORDER, {"id": placed["order"]["id"]}))["order"]
        return o["shipments"]

    assert len(await until(routed, "the server's sweep")) == 1
    assert datetime.now(timezone.utc) >= at
