"""The built-in gateways' book is shared by every server process, as a
remote processor's is: a card order authorised through process 1 is captured
when it ships through process 2, and completes when delivered.

On PostgreSQL (two processes) process 1 is stopped once the order is placed,
so the capture can only be made by process 2's payments consumer, which never
saw the authorisation: with a book in process memory it would not find it.
On SQLite the pair is one process twice (see conftest.server_pair)."""
from __future__ import annotations

from typing import Any

from tests import backends

from .harness import PACK, PICK, SHIP, TRACK, Server, execute, setup_shop, until

PLACE = """mutation { orderPlace(input: {channel: "WEB", source: WEB,
  customer: {email: "ann@example.com", name: "Ann"}, lines: [{sku: "TEE", quantity: 2}],
  shippingAddress: {line1: "1 Rue de Rivoli", city: "Paris", postalCode: "75001",
                    country: "FR"}, payment: {gateway: "test", token: "tok_approve"}}) {
  order { id status paymentStatus total { amount } shipments { id } }
  userErrors { code field message } } }"""

ORDER = """query($id: ID!) { order(id: $id) { status paymentStatus
  payments { reference status authorized { amount } captured { amount }
             transactions { kind amount { amount } status gatewayReference } }
  receivables { invoiced { amount } paid { amount } outstanding { amount } balanced } } }"""


async def _order_when(server: Server, order_id: str, what: str, done) -> dict[str, Any]:
    """The order once `done` holds (the payments consumer runs in the background)."""
    async def check():
        order = (await server.ok(ORDER, {"id": order_id}))["order"]
        return order if done(order) else None
    return await until(check, what, timeout=30.0)


async def test_an_authorisation_from_one_process_is_captured_by_the_other(server_pair):
    one, two = server_pair
    await setup_shop(one)
    placed = (await one.ok(PLACE))["orderPlace"]
    assert placed["userErrors"] == []
    order = placed["order"]
    assert (order["status"], order["paymentStatus"], order["total"]["amount"]) == (
        "CONFIRMED", "AUTHORIZED", "39.80")
    (shipment,) = order["shipments"]

    if backends.IS_PG:
        one.stop()
        # Its consumers' leases would lapse in a minute: let them go now.
        await execute(one.database_url,
                      "UPDATE event_consumer SET lease_owner = NULL, lease_until = NULL")

    for step, status in ((PICK, "PICKING"), (PACK, "PACKED"), (SHIP, "SHIPPED")):
        (payload,) = (await two.ok(step, {"id": shipment["id"]})).values()
        assert payload == {"shipment": {"status": status}, "userErrors": []}
    shipped = await _order_when(two, order["id"], "the capture",
                                lambda o: o["paymentStatus"] == "CAPTURED")
    assert shipped["payments"] == [{
        "reference": "test_pay_1", "status": "CAPTURED", "authorized": {"amount": "39.80"},
        "captured": {"amount": "39.80"},
        "transactions": [
            {"kind": "AUTHORIZE", "amount": {"amount": "39.80"}, "status": "SUCCEEDED",
             "gatewayReference": "test_pay_1"},
            {"kind": "CAPTURE", "amount": {"amount": "39.80"}, "status": "SUCCEEDED",
             "gatewayReference": "test_cap_2"}]}]

    await two.ok(TRACK, {"id": shipment["id"], "s": "DELIVERED"})
    done = await _order_when(two, order["id"], "the completion",
                             lambda o: o["status"] == "COMPLETED")
    assert (done["paymentStatus"], done["receivables"]) == ("CAPTURED", {
        "invoiced": {"amount": "39.80"}, "paid": {"amount": "39.80"},
        "outstanding": {"amount": "0.00"}, "balanced": True})
