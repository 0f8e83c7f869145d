"""refund_return on the real database through the `test` gateway: the
default amount to the cent, explicit amounts, replays, gateway timeouts and
recovery, orders paid by hand or elsewhere, the ledger, the order's
paymentStatus and the customer's lifetime value."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest

from oms.core.errors import DomainError, ErrorCode
from oms.events import consumers
from oms.events.models import EventLog
from oms.payments import gateways, recovery, service as payments
from oms.payments.gateway import GatewayResult, ResultStatus
from oms.returns import consumer as returns_consumer, resolution
from oms.returns.lifecycle import ReturnResolution, ReturnShippingPayer
from oms.returns.models import Return
from oms.returns.policy import Policy

from tests import backends, factories
from tests.assertions import refused
from tests.payments.support import book, state as payments_state

from .resolution_fixtures import (delivered_order, drain, ledger, lifetime_value, money,
                                  received_return, refunds_of, ret_row)

D = Decimal
pytestmark = pytest.mark.usefixtures("fresh_gateways")


@pytest.fixture(autouse=True)
async def shop(clean_db):
    """SKU-A at 9.99 and SKU-B at 25.50 in WH1, 10 of each."""
    await factories.shop(prices={"SKU-A": "9.99", "SKU-B": "25.50", "SKU-C": "3.99"})


async def state() -> tuple:
    returns = list(await Return.all().order_by("id").values_list(
        "status", "refund_total", "version"))
    return (returns, await payments_state())


async def _return_events(order_id: int) -> list[tuple]:
    return [(e.payload["return_id"], e.payload["from"], e.payload["to"], e.payload["actor"],
             e.customer_id)
            for e in await EventLog.filter(type="ReturnUpdated", order_id=order_id).order_by("id")]


# ---- the default amount -------------------------------------------------------------

async def test_one_unit_then_two_refund_exactly_the_line_and_its_tax():
    o = await delivered_order([("SKU-A", 3)], tax="5.99")
    assert (o.total, await money(o.id)) == (D("35.96"), ("COMPLETED", "CAPTURED", D("35.96"),
                                                         D("0.00")))
    assert await lifetime_value() == (1, D("35.96"), D("35.96"))

    first = await received_return(o, {"SKU-A": (1, 0, 0)})
    ret = await resolution.refund_return(first.id, actor="staff:1")
    assert (ret.status, ret.refund_total) == ("REFUNDED", D("11.99"))
    assert await ret_row(first.id) == ("REFUNDED", D("11.99"), None, True, 2)
    assert await money(o.id) == ("COMPLETED", "PARTIALLY_REFUNDED", D("35.96"), D("11.99"))
    assert await refunds_of(o.id) == [
        (D("11.99"), "SUCCEEDED", f"order:{o.id}:refund:return:{first.id}:refund")]
    assert await ledger(o.id) == [
        ("INVOICE", D("35.96"), None), ("PAYMENT", D("35.96"), None),
        ("CREDIT_NOTE", D("11.99"), "return RMA-1-1"), ("REFUND", D("11.99"), "return RMA-1-1")]
    assert await _return_events(o.id) == [(first.id, "RECEIVED", "REFUNDED", "staff:1", 1)]
    await drain()
    assert await lifetime_value() == (1, D("23.97"), D("23.97"))

    # The other two (one resalable, one damaged) in a second return.
    second = await received_return(o, {"SKU-A": (1, 1, 0)})
    ret = await resolution.refund_return(second.id, actor="staff:1")
    assert (ret.status, ret.refund_total) == ("REFUNDED", D("23.97"))
    assert D("11.99") + D("23.97") == o.total
    assert await money(o.id) == ("COMPLETED", "REFUNDED", D("35.96"), D("35.96"))
    assert await book() == [("CAPTURED", D("35.96"), D("35.96"), D("35.96"))]
    await drain()
    assert await lifetime_value() == (1, D("0.00"), D("0.00"))


async def test_the_customer_paid_label_comes_off_and_a_full_return_refunds_shipping():
    o = await delivered_order([("SKU-A", 1), ("SKU-B", 1)], tax="7.10", shipping="4.90")
    assert o.total == D("47.49")  # 9.99 + 25.50 + 7.10 + 4.90
    policy = Policy(return_shipping_payer=ReturnShippingPayer.CUSTOMER,
                    return_shipping_fee=D("3.50"), refund_original_shipping=True)
    ret = await received_return(o, {"SKU-A": (1, 0, 0)}, policy=policy)
    breakdown = await resolution.default_refund(ret, D("47.49"))
    # Line tax: 7.10 * 9.99 / 35.49 = 1.9985 -> 2.00; SKU-B carries 5.10.
    assert (breakdown.items, breakdown.tax, breakdown.shipping, breakdown.fee,
            breakdown.amount) == (D("9.99"), D("2.00"), D("0.00"), D("3.50"), D("8.49"))
    assert (await resolution.refund_return(ret.id)).refund_total == D("8.49")
    # The rest of the order comes back: its shipping is refunded with it.
    last = await received_return(o, {"SKU-B": (0, 1, 0)}, policy=policy)
    # 25.50 + its tax 5.10 + shipping 4.90 - the label 3.50
    assert (await resolution.refund_return(last.id)).refund_total == D("32.00")
    assert await money(o.id) == ("COMPLETED", "PARTIALLY_REFUNDED", D("47.49"), D("40.49"))


async def test_missing_units_refund_nothing_by_default_and_a_fee_above_the_value_refunds_zero():
    o = await delivered_order([("SKU-A", 2)])
    policy = Policy(return_shipping_payer=ReturnShippingPayer.CUSTOMER,
                    return_shipping_fee=D("12.00"))
    ret = await received_return(o, {"SKU-A": (1, 0, 1)}, policy=policy)
    done = await resolution.refund_return(ret.id)
    assert (done.status, done.refund_total) == ("REFUNDED", D("0.00"))
    assert await refunds_of(o.id) == []  # nothing sent to the gateway
    assert await money(o.id) == ("COMPLETED", "CAPTURED", D("19.98"), D("0.00"))


# ---- explicit amounts --------------------------------------------------------------------

async def test_staff_may_refund_missing_units_as_goodwill_up_to_what_is_left():
    o = await delivered_order([("SKU-A", 2)])
    ret = await received_return(o, {"SKU-A": (1, 0, 1)})
    await refused(ErrorCode.REFUND_EXCEEDS_REFUNDABLE, ["amount"],
                  resolution.refund_return(ret.id, amount=D("19.99")), state=state)
    for bad in (D("0"), D("-1.00"), D("1.001"), D("NaN")):
        await refused(ErrorCode.INVALID, ["amount"],
                      resolution.refund_return(ret.id, amount=bad), state=state)
    done = await resolution.refund_return(ret.id, amount=D("19.98"))
    assert (done.status, done.refund_total) == ("REFUNDED", D("19.98"))
    assert await money(o.id) == ("COMPLETED", "REFUNDED", D("19.98"), D("19.98"))


async def test_a_repeated_refund_refunds_once_and_another_amount_is_a_duplicate():
    o = await delivered_order([("SKU-A", 2)])
    ret = await received_return(o, {"SKU-A": (2, 0, 0)})
    first = await resolution.refund_return(ret.id)
    again = await resolution.refund_return(ret.id)
    same = await resolution.refund_return(ret.id, amount=D("19.98"))
    assert [r.refund_total for r in (first, again, same)] == [D("19.98")] * 3
    assert await refunds_of(o.id) == [
        (D("19.98"), "SUCCEEDED", f"order:{o.id}:refund:return:{ret.id}:refund")]
    await refused(ErrorCode.DUPLICATE, ["amount"],
                  resolution.refund_return(ret.id, amount=D("5.00")), state=state)
    assert len(await _return_events(o.id)) == 1


async def test_only_a_received_return_is_refunded():
    o = await delivered_order([("SKU-A", 2)])
    ret = await received_return(o, {"SKU-A": (2, 0, 0)})
    for status in ("REQUESTED", "APPROVED", "IN_TRANSIT", "REJECTED", "EXCHANGED", "CLOSED"):
        await Return.filter(id=ret.id).update(status=status)
        await refused(ErrorCode.INVALID_TRANSITION, None, resolution.refund_return(ret.id),
                      state=state)
    await refused(ErrorCode.NOT_FOUND, ["id"], resolution.refund_return(999), state=state)


async def test_a_return_whose_customer_asked_for_an_exchange_may_be_refunded_instead():
    o = await delivered_order([("SKU-A", 1)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)}, resolution=ReturnResolution.EXCHANGE)
    assert (await resolution.refund_return(ret.id)).refund_total == D("9.99")


# ---- the gateway does not answer ------------------------------------------------------

async def test_a_refund_the_gateway_never_answered_is_retried_under_the_same_key():
    o = await delivered_order([("SKU-A", 2)])
    ret = await received_return(o, {"SKU-A": (2, 0, 0)})
    gateways.get_gateway("test").timeout_next_call(after_processing=False)
    with pytest.raises(DomainError) as exc:
        await resolution.refund_return(ret.id)
    assert exc.value.code is ErrorCode.REFUND_PENDING
    key = f"order:{o.id}:refund:return:{ret.id}:refund"
    assert await refunds_of(o.id) == [(D("19.98"), "UNKNOWN", key)]
    assert await ret_row(ret.id) == ("RECEIVED", None, None, False, 1)
    assert await book() == [("CAPTURED", D("19.98"), D("19.98"), D("0.00"))]
    # The retry resends under the same key: refunded once.
    done = await resolution.refund_return(ret.id)
    assert (done.status, done.refund_total) == ("REFUNDED", D("19.98"))
    assert await refunds_of(o.id) == [(D("19.98"), "SUCCEEDED", key)]
    assert await book() == [("CAPTURED", D("19.98"), D("19.98"), D("19.98"))]


async def test_a_refund_the_recovery_loop_finished_is_not_sent_again():
    o = await delivered_order([("SKU-A", 2)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)})
    gateways.get_gateway("test").timeout_next_call(after_processing=True)
    # Processed, but its answer is lost and the lookups find nothing yet.
    real_lookup = gateways.get_gateway("test").lookup

    async def blind(*, idempotency_key):
        return None
    gateways.get_gateway("test").lookup = blind
    with pytest.raises(DomainError) as exc:
        await resolution.refund_return(ret.id)
    assert exc.value.code is ErrorCode.REFUND_PENDING
    gateways.get_gateway("test").lookup = real_lookup
    assert await book() == [("CAPTURED", D("19.98"), D("19.98"), D("9.99"))]
    assert await recovery.resolve_open(grace=timedelta(0)) == 1
    assert await money(o.id) == ("COMPLETED", "PARTIALLY_REFUNDED", D("19.98"), D("9.99"))
    # Everything left to refund has moved, but the return refunds what it asked for.
    done = await resolution.refund_return(ret.id)
    assert (done.status, done.refund_total) == ("REFUNDED", D("9.99"))
    assert await book() == [("CAPTURED", D("19.98"), D("19.98"), D("9.99"))]
    assert len(await refunds_of(o.id)) == 1


def test_every_server_runs_the_returns_consumer():
    from oms import workers

    assert returns_consumer.NAME in {c.name for c in workers.event_consumers()}


async def test_the_returns_consumer_completes_a_refund_the_recovery_loop_finished():
    o = await delivered_order([("SKU-A", 2)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)})
    other = await received_return(o, {"SKU-A": (1, 0, 0)})  # no refund asked for: left alone
    gateway = gateways.get_gateway("test")
    gateway.timeout_next_call(after_processing=True)
    real_lookup = gateway.lookup

    async def blind(*, idempotency_key):
        return None
    gateway.lookup = blind
    with pytest.raises(DomainError) as exc:
        await resolution.refund_return(ret.id)
    assert exc.value.code is ErrorCode.REFUND_PENDING
    gateway.lookup = real_lookup
    # Nothing to finish yet: the refund is still open.
    await consumers.drain([returns_consumer.consumer()])
    assert (await Return.get(id=ret.id)).status == "RECEIVED"
    assert await recovery.resolve_open(grace=timedelta(0)) == 1
    await consumers.drain([returns_consumer.consumer()])
    done, untouched = await Return.get(id=ret.id), await Return.get(id=other.id)
    assert (done.status, done.refund_total) == ("REFUNDED", D("9.99"))
    assert (untouched.status, untouched.refund_total) == ("RECEIVED", None)
    assert await book() == [("CAPTURED", D("19.98"), D("19.98"), D("9.99"))]
    assert len(await refunds_of(o.id)) == 1
    events = [(e.payload["from"], e.payload["to"], e.payload["actor"]) for e in
              await EventLog.filter(type="ReturnUpdated", order_id=o.id).order_by("id")]
    assert events[-1] == ("RECEIVED", "REFUNDED", "system:returns")


async def test_a_declined_refund_leaves_the_return_received_and_the_next_attempt_takes_a_new_key(
        monkeypatch):
    o = await delivered_order([("SKU-A", 1)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)})
    gateway = gateways.get_gateway("test")
    real = gateway.refund

    async def decline(**kw):
        return GatewayResult(status=ResultStatus.DECLINED, reference="x", amount=kw["amount"],
                             currency=kw["currency"], decline_code="refund_declined",
                             message="the refund was declined")
    monkeypatch.setattr(gateway, "refund", decline)
    with pytest.raises(DomainError) as exc:
        await resolution.refund_return(ret.id)
    assert exc.value.code is ErrorCode.PAYMENT_DECLINED
    assert await ret_row(ret.id) == ("RECEIVED", None, None, False, 1)
    monkeypatch.setattr(gateway, "refund", real)
    done = await resolution.refund_return(ret.id)
    assert done.refund_total == D("9.99")
    assert await refunds_of(o.id) == [
        (D("9.99"), "DECLINED", f"order:{o.id}:refund:return:{ret.id}:refund"),
        (D("9.99"), "SUCCEEDED", f"order:{o.id}:refund:return:{ret.id}:refund:2")]


# ---- paid by hand, or elsewhere -----------------------------------------------------------

async def test_an_order_paid_by_hand_refunds_through_the_manual_gateway():
    o = await delivered_order([("SKU-A", 2)], payment=None, source="WEB", email="bo@example.com")
    assert (o.status, o.payment_status) == ("PENDING", "PENDING")  # not paid: not routed
    await payments.mark_paid(o.id, amount=D("19.98"), reference="bank 1",
                             idempotency_key="paid-1", actor="staff:1")
    for s in await factories.shipments_of(o.id):
        from oms.fulfillment import service as fulfillment
        for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
            await step(s.id)
        await fulfillment.record_tracking(shipment_id=s.id, status="DELIVERED")
    await drain()
    assert await money(o.id) == ("COMPLETED", "CAPTURED", D("19.98"), D("0.00"))
    ret = await received_return(o, {"SKU-A": (1, 0, 0)})
    done = await resolution.refund_return(ret.id)
    assert done.refund_total == D("9.99")
    assert await money(o.id) == ("COMPLETED", "PARTIALLY_REFUNDED", D("19.98"), D("9.99"))
    await drain()
    assert await lifetime_value("bo@example.com") == (1, D("9.99"), D("9.99"))


async def test_an_order_paid_elsewhere_has_nothing_to_refund_through():
    elsewhere = {"gateway": "shopify", "reference": "sh_1", "status": "CAPTURED"}
    o = await delivered_order([("SKU-A", 2)], payment=elsewhere)
    ret = await received_return(o, {"SKU-A": (1, 0, 0)})
    await refused(ErrorCode.NO_GATEWAY_PAYMENT, ["id"], resolution.refund_return(ret.id),
                  state=state)


# ---- races ------------------------------------------------------------------------------

@pytest.mark.skipif(not backends.IS_PG, reason="races are real on PostgreSQL only")
async def test_two_concurrent_refunds_of_one_return_refund_once():
    o = await delivered_order([("SKU-A", 3)])
    ret = await received_return(o, {"SKU-A": (3, 0, 0)})
    results = await asyncio.gather(*(resolution.refund_return(ret.id) for _ in range(4)),
                                   return_exceptions=True)
    assert [(r.status, r.refund_total) for r in results] == [("REFUNDED", D("29.97"))] * 4
    assert await refunds_of(o.id) == [
        (D("29.97"), "SUCCEEDED", f"order:{o.id}:refund:return:{ret.id}:refund")]
    assert await book() == [("CAPTURED", D("29.97"), D("29.97"), D("29.97"))]
    assert len(await _return_events(o.id)) == 1
    assert await money(o.id) == ("COMPLETED", "REFUNDED", D("29.97"), D("29.97"))


def test_refund_keys():
    assert resolution.refund_key(7) == "return:7:refund"
    assert resolution.refund_key(7, 3) == "return:7:refund:3"


# ---- GraphQL ---------------------------------------------------------------------------

REFUND = """mutation($id: ID!, $amount: Decimal) { returnRefund(id: $id, amount: $amount) {
  return { number status refundTotal { amount currency } exchangeOrder { id }
           order { paymentStatus } }
  userErrors { code field message } } }"""


async def test_return_refund_over_graphql_for_staff_only():
    from oms.core import ids
    from tests.graphql.helpers import ANALYST, STAFF, Gql, customer_auth

    gql = Gql()
    o = await delivered_order([("SKU-A", 2)])
    ret = await received_return(o, {"SKU-A": (2, 0, 0)})
    rid = ids.encode("Return", ret.id)
    for auth in (ANALYST, customer_auth(o.customer_id)):
        assert (await gql(REFUND, {"id": rid}, auth=auth)).codes == ["FORBIDDEN"]
    too_much = await gql(REFUND, {"id": rid, "amount": "20.00"}, auth=STAFF)
    assert too_much.ok()["returnRefund"] == {"return": None, "userErrors": [{
        "code": "REFUND_EXCEEDS_REFUNDABLE", "field": ["amount"],
        "message": "cannot refund 20.00: 19.98 is left to refund on the order"}]}
    done = (await gql(REFUND, {"id": rid}, auth=STAFF)).ok()["returnRefund"]
    assert done == {"return": {"number": "RMA-1-1", "status": "REFUNDED",
                               "refundTotal": {"amount": "19.98", "currency": "EUR"},
                               "exchangeOrder": None,
                               "order": {"paymentStatus": "REFUNDED"}}, "userErrors": []}
    assert (await gql(REFUND, {"id": rid}, auth=STAFF)).ok()["returnRefund"] == done
    unknown = await gql(REFUND, {"id": ids.encode("Order", ret.id)}, auth=STAFF)
    assert unknown.ok()["returnRefund"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["id"], "message": "return not found"}]
