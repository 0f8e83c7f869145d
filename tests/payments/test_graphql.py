"""Payments over GraphQL: orderPlace authorises a card payment, a decline
comes back as PAYMENT_DECLINED beside the cancelled order, paymentRefund and
paymentMarkPaid with their userErrors, and Order.payments, receivables and
notifications (read through DataLoaders, shown to whom may see them)."""
from __future__ import annotations

import pytest

from oms.events import consumers
from oms.notifications import consumer as notifications
from oms.payments import consumer as payments_consumer

from tests.graphql.helpers import (ANALYST, PLACE, STAFF, Gql, customer_auth, customer_pk,
                                   db_snapshot, place_input, setup_shop)
from tests.graphql.test_mutations import SHIPMENT_PACK, SHIPMENT_PICK, SHIPMENT_SHIP, TRACKING

from .support import D, book


@pytest.fixture
async def gql(ar_numbers):
    client = Gql()
    await setup_shop(client)
    return client


PAID_PLACE = """mutation($i: OrderPlaceInput!) { orderPlace(input: $i) {
  order { id status paymentStatus total { amount }
          payments { gateway status amount { amount currency } authorized { amount }
                     captured { amount } refunded { amount }
                     transactions { kind amount { amount } status } }
          shipments { id } }
  userErrors { code field message } } }"""

ORDER = """query($id: ID!) { order(id: $id) { status paymentStatus
  payments { status captured { amount } refunded { amount }
             transactions { kind amount { amount } status } }
  receivables { invoiced { amount } paid { amount } refunded { amount } credited { amount }
                outstanding { amount currency } balanced
                entries { kind number amount { amount } } }
  notifications { kind channel recipient subject status sentAt createdAt } } }"""

REFUND = """mutation($id: ID!, $a: Decimal!, $k: String!, $r: String) {
  paymentRefund(orderId: $id, amount: $a, idempotencyKey: $k, reason: $r) {
    order { paymentStatus } payment { status refunded { amount } }
    transaction { kind amount { amount } status note }
    userErrors { code field message } } }"""

MARK_PAID = """mutation($id: ID!, $a: Decimal!, $k: String!, $r: String) {
  paymentMarkPaid(orderId: $id, amount: $a, idempotencyKey: $k, reference: $r) {
    order { status paymentStatus } payment { gateway status captured { amount } }
    transaction { kind amount { amount } status note }
    userErrors { code field message } } }"""


def paid(token: str, **kw) -> dict:
    return {"i": place_input([("SKU-A", 2)], payment={"gateway": "test", "token": token}, **kw)}


async def drain() -> None:
    await consumers.drain([payments_consumer.consumer(), notifications.consumer(lambda: None)])


async def ship_and_deliver(gql: Gql, shipment_id: str) -> None:
    for q in (SHIPMENT_PICK, SHIPMENT_PACK, SHIPMENT_SHIP):
        (await gql(q, {"id": shipment_id})).ok()
    await drain()
    r = await gql(TRACKING, {"i": {"shipmentId": shipment_id, "status": "DELIVERED"}})
    assert r.ok()["shipmentTrackingRecord"]["userErrors"] == []
    await drain()


async def test_an_approved_card_confirms_the_order_at_placement(gql):
    payload = (await gql(PAID_PLACE, paid("tok_approve"))).ok()["orderPlace"]
    assert payload["userErrors"] == []
    order = payload["order"]
    assert (order["status"], order["paymentStatus"]) == ("CONFIRMED", "AUTHORIZED")
    assert len(order["shipments"]) == 1
    assert order["payments"] == [{
        "gateway": "test", "status": "AUTHORIZED", "amount": {"amount": "20.00", "currency": "EUR"},
        "authorized": {"amount": "20.00"}, "captured": {"amount": "0.00"},
        "refunded": {"amount": "0.00"},
        "transactions": [{"kind": "AUTHORIZE", "amount": {"amount": "20.00"},
                          "status": "SUCCEEDED"}]}]


async def test_a_declined_card_is_a_user_error_beside_the_cancelled_order(gql):
    payload = (await gql(PAID_PLACE, paid("tok_decline"))).ok()["orderPlace"]
    assert payload["userErrors"] == [{"code": "PAYMENT_DECLINED", "field": ["payment"],
                                      "message": "the card was declined"}]
    assert (payload["order"]["status"], payload["order"]["paymentStatus"]) == (
        "CANCELLED", "FAILED")


async def test_a_bad_token_changes_nothing(gql):
    before = await db_snapshot()
    payload = (await gql(PAID_PLACE, paid("tok_what"))).ok()["orderPlace"]
    assert payload["order"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID", ["payment", "token"])]
    assert await db_snapshot() == before


async def test_an_order_through_capture_delivery_refund_and_completion(gql):
    order = (await gql(PAID_PLACE, paid("tok_approve"))).ok()["orderPlace"]["order"]
    await ship_and_deliver(gql, order["shipments"][0]["id"])
    data = (await gql(ORDER, {"id": order["id"]})).ok()["order"]
    assert (data["status"], data["paymentStatus"]) == ("COMPLETED", "CAPTURED")
    assert data["receivables"] == {
        "invoiced": {"amount": "20.00"}, "paid": {"amount": "20.00"},
        "refunded": {"amount": "0.00"}, "credited": {"amount": "0.00"},
        "outstanding": {"amount": "0.00", "currency": "EUR"}, "balanced": True,
        "entries": [{"kind": "INVOICE", "number": "INV-000001", "amount": {"amount": "20.00"}},
                    {"kind": "PAYMENT", "number": None, "amount": {"amount": "20.00"}}]}
    assert [(n["kind"], n["channel"], n["recipient"], n["status"], n["sentAt"])
            for n in data["notifications"]] == [
        ("SHIPPED", "EMAIL", "ann@example.com", "RECORDED", None),
        ("RECEIPT", "EMAIL", "ann@example.com", "RECORDED", None),
        ("DELIVERED", "EMAIL", "ann@example.com", "RECORDED", None)]

    r = (await gql(REFUND, {"id": order["id"], "a": "25.00", "k": "r1"})).ok()["paymentRefund"]
    assert r["userErrors"] == [{"code": "INVALID", "field": ["amount"], "message":
                                "cannot refund 25.00: only 20.00 of what was captured is left "
                                "to refund"}]
    r = (await gql(REFUND, {"id": order["id"], "a": "5.00", "k": "r1", "r": "late"},
                   auth=STAFF)).ok()["paymentRefund"]
    assert r == {"order": {"paymentStatus": "PARTIALLY_REFUNDED"},
                 "payment": {"status": "PARTIALLY_REFUNDED", "refunded": {"amount": "5.00"}},
                 "transaction": {"kind": "REFUND", "amount": {"amount": "5.00"},
                                 "status": "SUCCEEDED", "note": "late"},
                 "userErrors": []}
    again = (await gql(REFUND, {"id": order["id"], "a": "5.00", "k": "r1", "r": "late"})
             ).ok()["paymentRefund"]
    assert again == r
    dup = (await gql(REFUND, {"id": order["id"], "a": "4.00", "k": "r1"})).ok()["paymentRefund"]
    assert [(e["code"], e["field"]) for e in dup["userErrors"]] == [
        ("DUPLICATE", ["idempotencyKey"])]
    data = (await gql(ORDER, {"id": order["id"]})).ok()["order"]
    assert [(e["kind"], e["number"], e["amount"]["amount"])
            for e in data["receivables"]["entries"]] == [
        ("INVOICE", "INV-000001", "20.00"), ("PAYMENT", None, "20.00"),
        ("CREDIT_NOTE", "CN-000001", "5.00"), ("REFUND", None, "5.00")]
    assert (data["receivables"]["outstanding"]["amount"], data["receivables"]["balanced"]) == (
        "0.00", True)
    assert await book() == [("CAPTURED", D("20.00"), D("20.00"), D("5.00"))]


async def test_a_phone_order_is_marked_as_paid_in_instalments(gql):
    r = await gql(PLACE, {"i": place_input([("SKU-A", 2)], source="PHONE")})
    order = r.ok()["orderPlace"]["order"]
    first = (await gql(MARK_PAID, {"id": order["id"], "a": "12.50", "k": "p1",
                                   "r": "transfer 881"})).ok()["paymentMarkPaid"]
    assert first == {"order": {"status": "PENDING", "paymentStatus": "CAPTURED"},
                     "payment": {"gateway": "manual", "status": "CAPTURED",
                                 "captured": {"amount": "12.50"}},
                     "transaction": {"kind": "CAPTURE", "amount": {"amount": "12.50"},
                                     "status": "SUCCEEDED", "note": "transfer 881"},
                     "userErrors": []}
    over = (await gql(MARK_PAID, {"id": order["id"], "a": "7.51", "k": "p2"})
            ).ok()["paymentMarkPaid"]
    assert over["userErrors"] == [{"code": "INVALID", "field": ["amount"], "message":
                                   "cannot mark 7.51 as paid: only 7.50 of the order total is "
                                   "still to pay"}]
    data = (await gql(ORDER, {"id": order["id"]})).ok()["order"]
    assert (data["receivables"]["outstanding"]["amount"], data["receivables"]["balanced"]) == (
        "7.50", False)


@pytest.mark.parametrize("variables, field", [
    ({"a": "0", "k": "k"}, ["amount"]), ({"a": "1.234", "k": "k"}, ["amount"]),
    ({"a": "1.00", "k": ""}, ["idempotencyKey"]), ({"a": "1.00", "k": "x" * 65},
                                                   ["idempotencyKey"])])
async def test_bad_amounts_and_keys_are_user_errors_that_change_nothing(gql, variables, field):
    order = (await gql(PAID_PLACE, paid("tok_approve"))).ok()["orderPlace"]["order"]
    before = await db_snapshot()
    for query, name in ((REFUND, "paymentRefund"), (MARK_PAID, "paymentMarkPaid")):
        payload = (await gql(query, {"id": order["id"], **variables})).ok()[name]
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID", field)]
    assert await db_snapshot() == before


async def test_an_unknown_or_foreign_order_is_not_found(gql):
    payload = (await gql(REFUND, {"id": "T3JkZXI6OTk", "a": "1.00", "k": "k"})
               ).ok()["paymentRefund"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("NOT_FOUND", ["orderId"])]


async def test_who_sees_payments_receivables_and_notifications(gql):
    order = (await gql(PAID_PLACE, paid("tok_approve"))).ok()["orderPlace"]["order"]
    await ship_and_deliver(gql, order["shipments"][0]["id"])
    q = """query($id: ID!) { order(id: $id) { payments { status }
             receivables { balanced } notifications { kind } } }"""
    r = await gql("query($id: ID!) { order(id: $id) { customer { id } } }", {"id": order["id"]})
    owner = customer_auth(customer_pk(r.ok()["order"]))
    mine = (await gql(q, {"id": order["id"]}, auth=owner)).ok()["order"]
    assert (mine["payments"], mine["receivables"], len(mine["notifications"])) == (
        [{"status": "CAPTURED"}], {"balanced": True}, 3)
    # Analysts read the money, not what was written to the customer.
    r = await gql(q, {"id": order["id"]}, auth=ANALYST)
    assert r.codes == ["FORBIDDEN"]
    assert r.errors[0]["path"] == ["order", "notifications"]
    r = await gql("query($id: ID!) { order(id: $id) { payments { status } "
                  "receivables { balanced } } }", {"id": order["id"]}, auth=ANALYST)
    assert r.ok()["order"] == {"payments": [{"status": "CAPTURED"}],
                               "receivables": {"balanced": True}}
    # Another customer's order looks missing.
    r = await gql(q, {"id": order["id"]}, auth=customer_auth(99))
    assert r.ok()["order"] is None
