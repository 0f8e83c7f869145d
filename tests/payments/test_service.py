"""Payment use cases on the real database, against the in-memory `test`
gateway: authorise at placement (approve, decline, timeouts), capture per
shipment, void on cancel, refunds, replays, and recovery of a call whose
answer was never recorded. Every gateway failure ends with no double charge
and nothing lost: the gateway's book and our records agree."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from oms.core.errors import DomainError, ErrorCode
from oms.events.models import EventConsumerCursor, EventLog
from oms.inventory.models import StockLevel
from oms.orders import service as orders
from oms.orders.models import Order
from oms.payments import gateways, recording, recovery, service as payments

from tests import factories
from tests.assertions import refused

from .support import (D, ar, book, deliver, drain, entries, order, payment_row, place_paid,
                      ship, ship_all, state, transactions)

pytestmark = pytest.mark.usefixtures("pay_shop")

KEY = "order:1:authorize"


async def _reserved() -> list[tuple]:
    return sorted(await StockLevel.all().values_list("product__sku", "location__code",
                                                     "reserved"))


async def _payment_events(order_id: int) -> list[dict]:
    return [e.payload for e in await EventLog.filter(type="PaymentUpdated",
                                                     order_id=order_id).order_by("id")]


# ---- authorise at placement ----------------------------------------------------

async def test_an_approved_authorisation_confirms_and_routes_the_order():
    placed = await place_paid([("SKU-A", 2)])
    o = placed.placement.order
    assert placed.errors == []
    assert (o.status, o.payment_status, o.total) == ("CONFIRMED", "AUTHORIZED", D("20.00"))
    assert len(await factories.shipments_of(o.id)) == 1
    assert await payment_row(o.id) == ("test", "AUTHORIZED", D("20.00"), D("20.00"), D("0.00"),
                                       D("0.00"))
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "SUCCEEDED", KEY)]
    assert await book() == [("AUTHORIZED", D("20.00"), D("0.00"), D("0.00"))]
    assert await _payment_events(o.id) == [{
        "payment_id": 1, "transaction_id": 1, "kind": "AUTHORIZE",
        "transaction_status": "SUCCEEDED", "amount": "20.00", "payment_status": "AUTHORIZED",
        "shipment_id": None}]
    # The order's history says why it was confirmed.
    changes = [(e.payload["from"], e.payload["to"], e.payload["actor"], e.payload["message"])
               for e in await EventLog.filter(type="OrderStatusChanged").order_by("id")]
    assert changes == [(None, "PENDING", "test", None),
                       ("PENDING", "CONFIRMED", "system:capture", "payment authorised")]
    # Nothing is owed before anything is captured.
    assert await ar(o.id) == (0, 0, 0, 0, 0, True)


@pytest.mark.parametrize("token, message", [
    ("tok_decline", "the card was declined"),
    ("tok_insufficient_funds", "the card has insufficient funds")])
async def test_a_declined_authorisation_cancels_the_order_and_releases_its_stock(token, message):
    placed = await place_paid([("SKU-A", 2)], token)
    o = placed.placement.order
    assert [(e.code, e.field, e.message) for e in placed.errors] == [
        (ErrorCode.PAYMENT_DECLINED, ["payment"], message)]
    assert (o.status, o.payment_status) == ("CANCELLED", "FAILED")
    assert await _reserved() == [("SKU-A", "WH1", 0), ("SKU-B", "WH1", 0), ("SKU-C", "WH2", 0)]
    assert await payment_row(o.id) == ("test", "FAILED", D("20.00"), D("0.00"), D("0.00"),
                                       D("0.00"))
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "DECLINED", KEY)]
    assert await book() == [("DECLINED", D("20.00"), D("0.00"), D("0.00"))]
    last = await EventLog.filter(type="OrderStatusChanged").order_by("-id").first()
    assert (last.payload["to"], last.payload["actor"], last.payload["message"]) == (
        "CANCELLED", "system:payments", "payment declined")
    # The cancellation reaches the payments consumer: nothing to void.
    await drain()
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "DECLINED", KEY)]


async def test_a_timeout_after_the_charge_is_resolved_by_lookup_without_charging_twice():
    placed = await place_paid([("SKU-A", 2)], "tok_timeout_after_charge")
    o = placed.placement.order
    assert placed.errors == []
    assert (o.status, o.payment_status) == ("CONFIRMED", "AUTHORIZED")
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "SUCCEEDED", KEY)]
    assert await book() == [("AUTHORIZED", D("20.00"), D("0.00"), D("0.00"))]


async def test_no_answer_at_all_leaves_the_order_and_payment_pending():
    placed = await place_paid([("SKU-A", 2)], "tok_timeout_before_charge")
    o = placed.placement.order
    assert placed.errors == []
    assert (o.status, o.payment_status) == ("PENDING", "PENDING")
    assert await payment_row(o.id) == ("test", "PENDING", D("20.00"), D("0.00"), D("0.00"),
                                       D("0.00"))
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "UNKNOWN", KEY)]
    assert await book() == []
    # The loop asks again under the same key; the gateway still knows nothing.
    assert await recovery.resolve_open(grace=timedelta(0)) == 0
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "UNKNOWN", KEY)]
    assert await book() == []


async def test_a_replayed_placement_does_not_authorise_twice():
    first = await place_paid([("SKU-A", 2)], key="cart-1")
    again = await place_paid([("SKU-A", 2)], key="cart-1")
    assert again.placement.order.id == first.placement.order.id
    assert again.placement.order.status == "CONFIRMED"
    assert await transactions(first.placement.order.id) == [
        ("AUTHORIZE", D("20.00"), "SUCCEEDED", KEY)]
    assert await book() == [("AUTHORIZED", D("20.00"), D("0.00"), D("0.00"))]


async def test_a_replayed_declined_placement_is_declined_again_without_a_second_call():
    await place_paid([("SKU-A", 2)], "tok_decline", key="cart-1")
    again = await place_paid([("SKU-A", 2)], "tok_decline", key="cart-1")
    assert [e.code for e in again.errors] == [ErrorCode.PAYMENT_DECLINED]
    assert again.placement.order.status == "CANCELLED"
    assert len(await book()) == 1


@pytest.mark.parametrize("payment, code, field", [
    ({"gateway": "test", "token": "tok_nope"}, ErrorCode.INVALID, ["payment", "token"]),
    ({"gateway": "test", "token": None}, ErrorCode.INVALID, ["payment", "token"]),
    ({"gateway": "stripe", "token": "tok_approve"}, ErrorCode.NOT_FOUND, ["payment", "gateway"]),
    ({"gateway": "manual", "token": "tok_approve"}, ErrorCode.INVALID, ["payment", "token"])])
async def test_a_bad_gateway_or_token_places_nothing(payment, code, field):
    cmd = dataclasses.replace(factories.place_cmd([("SKU-A", 1)]), payment=payment)
    await refused(code, field, payments.place_and_authorize(cmd, actor="test"), state=state)
    assert await Order.all().count() == 0
    assert await book() == []


async def test_a_payment_taken_elsewhere_is_not_authorised_or_captured_here():
    cmd = dataclasses.replace(factories.place_cmd([("SKU-A", 1)]), payment={
        "gateway": "shopify", "reference": "sp_1", "status": "AUTHORIZED"})
    placed = await payments.place_and_authorize(cmd, actor="test")
    o = placed.placement.order
    assert (o.status, o.payment_status) == ("CONFIRMED", "AUTHORIZED")
    await ship_all(o.id)
    await drain()
    assert await transactions(o.id) == []
    assert await book() == []


# ---- capture per shipment --------------------------------------------------------

async def test_each_shipment_is_captured_as_it_ships_and_the_captures_sum_to_the_total():
    placed = await place_paid([("SKU-A", 1), ("SKU-C", 2)])
    o = placed.placement.order
    assert o.total == D("17.98")
    wh1, wh2 = await factories.shipments_of(o.id)
    await ship(wh2.id)
    await drain()
    assert await transactions(o.id) == [
        ("AUTHORIZE", D("17.98"), "SUCCEEDED", KEY),
        ("CAPTURE", D("7.98"), "SUCCEEDED", f"shipment:{wh2.id}:capture")]
    assert (await order(o.id)).payment_status == "CAPTURED"
    assert await entries(o.id) == [("INVOICE", "INV-000001", D("7.98")),
                                   ("PAYMENT", None, D("7.98"))]
    assert await ar(o.id) == (D("7.98"), D("7.98"), 0, 0, 0, True)
    await ship(wh1.id)
    await drain()
    assert await transactions(o.id) == [
        ("AUTHORIZE", D("17.98"), "SUCCEEDED", KEY),
        ("CAPTURE", D("7.98"), "SUCCEEDED", f"shipment:{wh2.id}:capture"),
        ("CAPTURE", D("10.00"), "SUCCEEDED", f"shipment:{wh1.id}:capture")]
    assert await payment_row(o.id) == ("test", "CAPTURED", D("17.98"), D("17.98"), D("17.98"),
                                       D("0.00"))
    assert await book() == [("CAPTURED", D("17.98"), D("17.98"), D("0.00"))]
    assert await entries(o.id) == [
        ("INVOICE", "INV-000001", D("7.98")), ("PAYMENT", None, D("7.98")),
        ("INVOICE", "INV-000002", D("10.00")), ("PAYMENT", None, D("10.00"))]
    assert await ar(o.id) == (D("17.98"), D("17.98"), 0, 0, 0, True)
    # Shipped, not delivered: not complete.
    assert (await order(o.id)).status == "SHIPPED"


async def test_replayed_shipment_events_capture_nothing_twice():
    placed = await place_paid([("SKU-A", 1), ("SKU-C", 2)])
    o = placed.placement.order
    await ship_all(o.id)
    await drain()
    before = (await transactions(o.id), await book(), await entries(o.id))
    # Every event handed over again, as after a crash before the cursor moved.
    await EventConsumerCursor.filter(name="payments").update(last_id=0)
    await drain()
    assert (await transactions(o.id), await book(), await entries(o.id)) == before


async def test_a_manual_payment_is_not_captured_when_it_ships():
    o = await factories.place([("SKU-A", 1)], source="PHONE")
    await payments.mark_paid(o.id, amount=D("10.00"), reference="bank 1",
                             idempotency_key="p1")
    await orders.confirm_order(o.id)
    await ship_all(o.id)
    await drain()
    assert [t[0] for t in await transactions(o.id)] == ["AUTHORIZE", "CAPTURE"]


# ---- cancel -------------------------------------------------------------------------

async def test_cancelling_voids_an_uncaptured_authorisation_once():
    placed = await place_paid([("SKU-A", 2)])
    o = placed.placement.order
    await orders.cancel_order(o.id, reason="changed mind")
    await drain()
    assert await payment_row(o.id) == ("test", "VOIDED", D("20.00"), D("20.00"), D("0.00"),
                                       D("0.00"))
    assert (await order(o.id)).payment_status == "VOIDED"
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "SUCCEEDED", KEY),
                                        ("VOID", D("20.00"), "SUCCEEDED", "order:1:void")]
    assert await book() == [("VOIDED", D("20.00"), D("0.00"), D("0.00"))]
    await EventConsumerCursor.filter(name="payments").update(last_id=0)
    await drain()
    assert len(await transactions(o.id)) == 2
    assert await ar(o.id) == (0, 0, 0, 0, 0, True)


async def test_cancelling_refunds_what_was_already_marked_as_paid():
    o = await factories.place([("SKU-A", 1)], source="PHONE")
    await payments.mark_paid(o.id, amount=D("4.00"), reference=None, idempotency_key="p1")
    await orders.cancel_order(o.id)
    await drain()
    assert await payment_row(o.id) == ("manual", "REFUNDED", D("10.00"), D("10.00"),
                                       D("4.00"), D("4.00"))
    assert await entries(o.id) == [
        ("INVOICE", "INV-000001", D("10.00")), ("PAYMENT", None, D("4.00")),
        ("CREDIT_NOTE", "CN-000001", D("4.00")), ("REFUND", None, D("4.00"))]
    # Nothing captured is kept, but 6.00 of the invoice is still open: staff
    # credit it (the ledger says so rather than hiding it).
    assert await ar(o.id) == (D("10.00"), D("4.00"), D("4.00"), D("4.00"), D("6.00"), False)


# ---- refunds ------------------------------------------------------------------------

async def _captured_order():
    placed = await place_paid([("SKU-A", 2)])
    o = placed.placement.order
    await ship_all(o.id)
    await drain()
    return o


async def test_refunds_partial_then_full_and_never_above_what_was_captured():
    o = await _captured_order()
    done = await payments.refund(o.id, amount=D("5.00"), reason="scratched",
                                 idempotency_key="r1", actor="staff:ann")
    assert (done.transaction.kind, done.transaction.amount, done.transaction.status) == (
        "REFUND", D("5.00"), "SUCCEEDED")
    assert (done.order.payment_status, done.payment.status) == ("PARTIALLY_REFUNDED",
                                                                 "PARTIALLY_REFUNDED")
    assert await entries(o.id) == [
        ("INVOICE", "INV-000001", D("20.00")), ("PAYMENT", None, D("20.00")),
        ("CREDIT_NOTE", "CN-000001", D("5.00")), ("REFUND", None, D("5.00"))]
    assert await ar(o.id) == (D("20.00"), D("20.00"), D("5.00"), D("5.00"), 0, True)

    before = (await transactions(o.id), await book())
    await refused(ErrorCode.INVALID, ["amount"], payments.refund(
        o.id, amount=D("15.01"), reason=None, idempotency_key="r2"), state=state)
    assert (await transactions(o.id), await book()) == before  # nothing sent, nothing written

    done = await payments.refund(o.id, amount=D("15.00"), reason=None, idempotency_key="r2")
    assert (done.order.payment_status, done.payment.refunded) == ("REFUNDED", D("20.00"))
    assert await book() == [("CAPTURED", D("20.00"), D("20.00"), D("20.00"))]
    assert await ar(o.id) == (D("20.00"), D("20.00"), D("20.00"), D("20.00"), 0, True)
    await refused(ErrorCode.INVALID, ["amount"], payments.refund(
        o.id, amount=D("0.01"), reason=None, idempotency_key="r3"), state=state)


async def test_a_refund_above_what_was_captured_is_refused_with_the_figures():
    o = await _captured_order()
    with pytest.raises(DomainError) as exc:
        await payments.refund(o.id, amount=D("20.01"), reason=None, idempotency_key="r1")
    assert exc.value.message == ("cannot refund 20.01: only 20.00 of what was captured is "
                                 "left to refund")


async def test_a_refund_before_any_capture_is_refused():
    placed = await place_paid([("SKU-A", 2)])
    await refused(ErrorCode.INVALID, ["amount"], payments.refund(
        placed.placement.order.id, amount=D("1.00"), reason=None, idempotency_key="r1"),
        state=state)
    assert await book() == [("AUTHORIZED", D("20.00"), D("0.00"), D("0.00"))]


async def test_a_replayed_refund_returns_the_first_result_and_another_amount_is_duplicate():
    o = await _captured_order()
    first = await payments.refund(o.id, amount=D("5.00"), reason=None, idempotency_key="r1")
    again = await payments.refund(o.id, amount=D("5.00"), reason=None, idempotency_key="r1")
    assert again.transaction.id == first.transaction.id
    assert again.payment.refunded == D("5.00")
    await refused(ErrorCode.DUPLICATE, ["idempotencyKey"], payments.refund(
        o.id, amount=D("6.00"), reason=None, idempotency_key="r1"), state=state)
    assert await book() == [("CAPTURED", D("20.00"), D("20.00"), D("5.00"))]


@pytest.mark.parametrize("amount", [D("0"), D("-1.00"), D("1.001"), D("NaN")])
async def test_a_refund_amount_must_be_positive_cents(amount):
    o = await _captured_order()
    await refused(ErrorCode.INVALID, ["amount"], payments.refund(
        o.id, amount=amount, reason=None, idempotency_key="r1"), state=state)


async def test_a_refund_that_times_out_after_processing_is_found_by_lookup():
    o = await _captured_order()
    gateways.get_gateway("test").timeout_next_call(after_processing=True)
    done = await payments.refund(o.id, amount=D("5.00"), reason=None, idempotency_key="r1")
    assert done.transaction.status == "SUCCEEDED"
    assert await book() == [("CAPTURED", D("20.00"), D("20.00"), D("5.00"))]
    assert await ar(o.id) == (D("20.00"), D("20.00"), D("5.00"), D("5.00"), 0, True)


# ---- recovery: a crash between the call and its record ---------------------------

async def test_a_crash_after_the_charge_is_finished_by_the_recovery_loop(monkeypatch):
    real = recording.record

    async def crash(tx_id, result):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(recording, "record", crash)
    with pytest.raises(RuntimeError):
        await place_paid([("SKU-A", 2)])
    monkeypatch.setattr(recording, "record", real)
    o = await order(1)
    assert (o.status, o.payment_status) == ("PENDING", "PENDING")
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "PENDING", KEY)]
    assert await book() == [("AUTHORIZED", D("20.00"), D("0.00"), D("0.00"))]  # money reserved
    # Too young: it may still be in flight in another process.
    assert await recovery.resolve_open() == 0
    assert await recovery.resolve_open(grace=timedelta(0)) == 1
    o = await order(1)
    assert (o.status, o.payment_status) == ("CONFIRMED", "AUTHORIZED")
    assert await transactions(o.id) == [("AUTHORIZE", D("20.00"), "SUCCEEDED", KEY)]
    assert await book() == [("AUTHORIZED", D("20.00"), D("0.00"), D("0.00"))]
    assert len(await factories.shipments_of(o.id)) == 1
    assert await recovery.resolve_open(grace=timedelta(0)) == 0


async def test_a_crash_before_the_call_is_sent_once_by_the_recovery_loop(monkeypatch):
    from oms.payments import operations

    async def crash(payment, tx):
        raise RuntimeError("the process died before sending")

    monkeypatch.setattr(operations, "send", crash)
    with pytest.raises(RuntimeError):
        await place_paid([("SKU-A", 2)])
    monkeypatch.undo()
    monkeypatch.setattr(operations, "LOOKUP_DELAYS", (0, 0, 0))
    assert await book() == []
    assert await recovery.resolve_open(grace=timedelta(0)) == 1
    assert (await order(1)).status == "CONFIRMED"
    assert await book() == [("AUTHORIZED", D("20.00"), D("0.00"), D("0.00"))]


async def test_a_capture_left_unknown_is_resolved_later_and_then_the_order_completes():
    placed = await place_paid([("SKU-A", 2)])
    o = placed.placement.order
    (s,) = await factories.shipments_of(o.id)
    gateways.get_gateway("test").timeout_next_call(after_processing=False)
    await ship(s.id, deliver=True)
    await drain()
    assert await transactions(o.id) == [
        ("AUTHORIZE", D("20.00"), "SUCCEEDED", KEY),
        ("CAPTURE", D("20.00"), "UNKNOWN", f"shipment:{s.id}:capture")]
    assert (await order(o.id)).status == "DELIVERED"  # delivered, not captured: not complete
    assert await book() == [("AUTHORIZED", D("20.00"), D("0.00"), D("0.00"))]
    assert await recovery.resolve_open(grace=timedelta(0)) == 1
    assert await book() == [("CAPTURED", D("20.00"), D("20.00"), D("0.00"))]
    o = await order(o.id)
    assert (o.status, o.payment_status) == ("COMPLETED", "CAPTURED")


# ---- COMPLETED -------------------------------------------------------------------------

async def test_an_order_completes_when_delivered_captured_and_balanced():
    placed = await place_paid([("SKU-A", 1), ("SKU-C", 2)])
    o = placed.placement.order
    wh1, wh2 = await factories.shipments_of(o.id)
    await ship(wh1.id, deliver=True)
    await ship(wh2.id)
    await drain()
    assert (await order(o.id)).status == "SHIPPED"  # one parcel still on its way
    await deliver(wh2.id)
    await drain()
    assert (await order(o.id)).status == "COMPLETED"
    last = await EventLog.filter(type="OrderStatusChanged").order_by("-id").first()
    assert (last.payload["from"], last.payload["to"], last.payload["actor"]) == (
        "DELIVERED", "COMPLETED", "system:reconciliation")
    assert await ar(o.id) == (D("17.98"), D("17.98"), 0, 0, 0, True)


async def test_a_manually_paid_order_completes_only_once_paid_in_full():
    o = await factories.place([("SKU-A", 2)], source="PHONE")
    first = await payments.mark_paid(o.id, amount=D("5.00"), reference="transfer 1",
                                     idempotency_key="p1", actor="staff:bo")
    assert (first.order.status, first.order.payment_status) == ("PENDING", "CAPTURED")
    assert await entries(o.id) == [("INVOICE", "INV-000001", D("20.00")),
                                   ("PAYMENT", None, D("5.00"))]
    assert await ar(o.id) == (D("20.00"), D("5.00"), 0, 0, D("15.00"), False)
    await orders.confirm_order(o.id)
    await ship_all(o.id, deliver=True)
    await drain()
    assert (await order(o.id)).status == "DELIVERED"
    await refused(ErrorCode.INVALID, ["amount"], payments.mark_paid(
        o.id, amount=D("15.01"), reference=None, idempotency_key="p2"), state=state)
    await payments.mark_paid(o.id, amount=D("15.00"), reference="transfer 2",
                             idempotency_key="p2")
    assert await entries(o.id) == [("INVOICE", "INV-000001", D("20.00")),
                                   ("PAYMENT", None, D("5.00")), ("PAYMENT", None, D("15.00"))]
    assert await ar(o.id) == (D("20.00"), D("20.00"), 0, 0, 0, True)
    assert (await order(o.id)).status == "COMPLETED"
    assert await payment_row(o.id) == ("manual", "CAPTURED", D("20.00"), D("20.00"),
                                       D("20.00"), D("0.00"))


async def test_marking_as_paid_replays_by_key_and_refuses_card_orders():
    o = await factories.place([("SKU-A", 2)], source="PHONE")
    first = await payments.mark_paid(o.id, amount=D("5.00"), reference=None,
                                     idempotency_key="p1")
    again = await payments.mark_paid(o.id, amount=D("5.00"), reference=None,
                                     idempotency_key="p1")
    assert again.transaction.id == first.transaction.id
    assert again.payment.captured == D("5.00")
    await refused(ErrorCode.DUPLICATE, ["idempotencyKey"], payments.mark_paid(
        o.id, amount=D("6.00"), reference=None, idempotency_key="p1"), state=state)
    card = (await place_paid([("SKU-B", 1)], email="bo@example.com")).placement.order
    await refused(ErrorCode.INVALID, ["orderId"], payments.mark_paid(
        card.id, amount=D("1.00"), reference=None, idempotency_key="p1"), state=state)
    await refused(ErrorCode.NOT_FOUND, ["orderId"], payments.mark_paid(
        999, amount=D("1.00"), reference=None, idempotency_key="p1"), state=state)
