"""exchange_return on the real database: the replacement order (lines at 0
against their list price, CAPTURED, confirmed and routed, stock reserved),
its idempotency, a short stock that changes nothing, and the placement
option behind it (replacement_for_return)."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from oms.core.errors import ErrorCode
from oms.customers import service as customers
from oms.customers.models import Customer
from oms.events.models import EventLog
from oms.inventory import service as inventory
from oms.inventory.models import StockLevel
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine
from oms.returns import resolution
from oms.returns.lifecycle import ReturnResolution
from oms.returns.models import Return

from tests import factories
from tests.assertions import refused

from .resolution_fixtures import (delivered_order, drain, lifetime_value, received_return, ret_row,
                                  ship_and_deliver)

D = Decimal
EXCHANGE = ReturnResolution.EXCHANGE
pytestmark = pytest.mark.usefixtures("fresh_gateways")


@pytest.fixture(autouse=True)
async def shop(clean_db):
    """SKU-A (9.99) and SKU-B (25.50) at WH1, SKU-C (3.99) at WH2."""
    await factories.shop(prices={"SKU-A": "9.99", "SKU-B": "25.50", "SKU-C": "3.99"},
                         stock={("SKU-A", "WH1"): 10, ("SKU-B", "WH1"): 3, ("SKU-C", "WH2"): 10})


async def stock() -> list[tuple]:
    return sorted(await StockLevel.all().values_list("product__sku", "location__code", "on_hand",
                                                     "reserved", "damaged"))


async def state() -> tuple:
    return (list(await Return.all().order_by("id").values_list("status", "exchange_order_id",
                                                              "version")),
            list(await Order.all().order_by("id").values_list("id", "status", "payment_status")),
            list(await OrderLine.all().order_by("id").values_list("sku", "quantity")),
            await stock(), await EventLog.all().count(),
            list(await Customer.all().values_list("email", "orders_count")))


async def lines_of(order_id: int) -> list[tuple]:
    return list(await OrderLine.filter(order_id=order_id).order_by("id").values_list(
        "sku", "quantity", "unit_price", "total", "list_price", "price_override_reason"))


async def test_an_exchange_places_a_free_replacement_that_reserves_its_stock():
    o = await delivered_order([("SKU-A", 2), ("SKU-C", 1)])
    ret = await received_return(o, {"SKU-A": (1, 1, 0)}, resolution=EXCHANGE)
    assert await stock() == [("SKU-A", "WH1", 9, 0, 0), ("SKU-B", "WH1", 3, 0, 0),
                             ("SKU-C", "WH2", 9, 0, 0)]
    done = await resolution.exchange_return(ret.id, actor="staff:1")
    assert done.status == "EXCHANGED"
    new = await Order.get(id=done.exchange_order_id)
    assert (new.customer_id, new.channel_id, new.source, new.status, new.payment_status,
            new.subtotal, new.total, new.idempotency_key, new.shipping_address) == (
        o.customer_id, o.channel_id, "WEB", "CONFIRMED", "CAPTURED", D("0.00"), D("0.00"),
        f"return:{ret.id}:exchange", o.shipping_address)
    assert await lines_of(new.id) == [
        ("SKU-A", 2, D("0.00"), D("0.00"), D("9.99"), "exchange for return RMA-1-1")]
    assert await stock() == [("SKU-A", "WH1", 9, 2, 0), ("SKU-B", "WH1", 3, 0, 0),
                             ("SKU-C", "WH2", 9, 0, 0)]
    assert len(await factories.shipments_of(new.id)) == 1  # routed like any order
    assert await ret_row(ret.id) == ("EXCHANGED", None, new.id, True, 2)
    events = [(e.payload["from"], e.payload["to"], e.payload["actor"])
              for e in await EventLog.filter(type="ReturnUpdated").order_by("id")]
    assert events == [("RECEIVED", "EXCHANGED", "staff:1")]
    # The original's money is untouched; the replacement is not another order
    # of the customer's (oms.customers.figures), so the figures stay put.
    assert (await Order.get(id=o.id)).payment_status == "CAPTURED"
    await drain()
    assert await lifetime_value() == (1, D("23.97"), D("23.97"))
    assert await customers.check_figures() == []


async def test_a_repeated_exchange_returns_the_same_order():
    o = await delivered_order([("SKU-A", 1)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)}, resolution=EXCHANGE)
    first = await resolution.exchange_return(ret.id)
    second = await resolution.exchange_return(ret.id)
    assert first.exchange_order_id == second.exchange_order_id == 2
    assert await Order.all().count() == 2


async def test_a_crash_after_placing_is_finished_by_the_retry_with_the_same_order(monkeypatch):
    o = await delivered_order([("SKU-A", 1)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)}, resolution=EXCHANGE)

    async def crash(*a, **kw):
        raise RuntimeError("the process died here")
    real = resolution._resolve
    monkeypatch.setattr(resolution, "_resolve", crash)
    with pytest.raises(RuntimeError):
        await resolution.exchange_return(ret.id)
    monkeypatch.setattr(resolution, "_resolve", real)
    assert await ret_row(ret.id) == ("RECEIVED", None, None, False, 1)
    done = await resolution.exchange_return(ret.id)
    assert done.exchange_order_id == 2
    assert await Order.all().count() == 2


async def test_an_exchange_sends_the_exchange_sku_and_sums_lines_of_one_sku():
    o = await delivered_order([("SKU-A", 2), ("SKU-C", 1)])
    ret = await received_return(o, {"SKU-A": (2, 0, 0), "SKU-C": (0, 1, 0)},
                                resolution=EXCHANGE, exchange_skus={"SKU-C": "SKU-A"})
    done = await resolution.exchange_return(ret.id)
    assert await lines_of(done.exchange_order_id) == [
        ("SKU-A", 3, D("0.00"), D("0.00"), D("9.99"), "exchange for return RMA-1-1")]


async def test_short_of_stock_nothing_is_written_and_the_return_stays_received():
    o = await delivered_order([("SKU-B", 2)])
    ret = await received_return(o, {"SKU-B": (0, 2, 0)}, resolution=EXCHANGE)
    await factories.place([("SKU-B", 1)], email="cy@example.com")  # 1 left, 2 wanted
    err = await refused(ErrorCode.EXCHANGE_OUT_OF_STOCK, ["lines", "SKU-B"],
                        resolution.exchange_return(ret.id), state=state)
    assert err.message == ("the replacement cannot be reserved: not enough stock for SKU-B: "
                           "2 wanted, 0 available")
    await inventory.receive(sku="SKU-B", location="WH1", quantity=2)
    assert (await resolution.exchange_return(ret.id)).status == "EXCHANGED"


async def test_what_cannot_be_exchanged():
    o = await delivered_order([("SKU-A", 2)])
    refund = await received_return(o, {"SKU-A": (1, 0, 0)})
    await refused(ErrorCode.INVALID, ["id"], resolution.exchange_return(refund.id), state=state)
    missing = await received_return(o, {"SKU-A": (0, 0, 1)}, resolution=EXCHANGE)
    await refused(ErrorCode.INVALID, ["id"], resolution.exchange_return(missing.id),
                  state=state)
    for status in ("REQUESTED", "APPROVED", "IN_TRANSIT", "REJECTED", "REFUNDED", "CLOSED"):
        await Return.filter(id=missing.id).update(status=status)
        await refused(ErrorCode.INVALID_TRANSITION, None,
                      resolution.exchange_return(missing.id), state=state)
    await refused(ErrorCode.NOT_FOUND, ["id"], resolution.exchange_return(999), state=state)


async def test_a_phone_order_is_replaced_confirmed_and_the_replacement_completes_when_delivered():
    o = await factories.place([("SKU-A", 1)], source="PHONE")
    assert o.status == "PENDING"  # a phone order waits for staff
    await orders.confirm_order(o.id, actor="staff:1")
    await ship_and_deliver(o.id)
    ret = await received_return(o, {"SKU-A": (1, 0, 0)}, resolution=EXCHANGE)
    done = await resolution.exchange_return(ret.id)
    new = await Order.get(id=done.exchange_order_id)
    assert (new.source, new.status, new.payment_status) == ("PHONE", "CONFIRMED", "CAPTURED")
    await ship_and_deliver(new.id)
    assert (await Order.get(id=new.id)).status == "COMPLETED"  # nothing to capture


# ---- the placement option --------------------------------------------------------------

async def test_placement_refuses_a_replacement_with_a_payment_or_prices():
    cmd = dataclasses.replace(factories.place_cmd([("SKU-A", 1)]), replacement_for_return="R-1")
    await refused(ErrorCode.INVALID, ["payment"], orders.place(dataclasses.replace(
        cmd, payment={"gateway": "test", "token": "tok_approve"})), state=state)
    priced = dataclasses.replace(cmd, lines=[orders.LineInput(
        sku="SKU-A", quantity=1, unit_price=D("1.00"), price_override_reason="x")])
    await refused(ErrorCode.INVALID, ["lines"], orders.place(priced), state=state)


# ---- GraphQL ---------------------------------------------------------------------------

EXCHANGE_MUTATION = """mutation($id: ID!) { returnExchange(id: $id) {
  return { status refundTotal { amount } exchangeOrder { status paymentStatus total { amount }
           lines { sku quantity unitPrice { amount } } } }
  userErrors { code field message } } }"""


async def test_return_exchange_over_graphql_for_staff_only():
    from oms.core import ids
    from tests.graphql.helpers import ANALYST, ADMIN, Gql, customer_auth

    gql = Gql()
    o = await delivered_order([("SKU-A", 1)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)}, resolution=EXCHANGE)
    rid = ids.encode("Return", ret.id)
    for auth in (ANALYST, customer_auth(o.customer_id)):
        assert (await gql(EXCHANGE_MUTATION, {"id": rid}, auth=auth)).codes == ["FORBIDDEN"]
    done = (await gql(EXCHANGE_MUTATION, {"id": rid}, auth=ADMIN)).ok()["returnExchange"]
    assert done == {"return": {"status": "EXCHANGED", "refundTotal": None, "exchangeOrder": {
        "status": "CONFIRMED", "paymentStatus": "CAPTURED", "total": {"amount": "0.00"},
        "lines": [{"sku": "SKU-A", "quantity": 1, "unitPrice": {"amount": "0.00"}}]}},
        "userErrors": []}


async def test_an_order_a_client_placed_under_the_exchange_key_is_not_taken_for_the_replacement():
    o = await delivered_order([("SKU-A", 1)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)}, resolution=EXCHANGE)
    await factories.place([("SKU-A", 1)], key=f"return:{ret.id}:exchange")
    await refused(ErrorCode.DUPLICATE, ["id"], resolution.exchange_return(ret.id), state=state)


async def test_a_replacement_is_confirmed_where_risk_rules_would_hold_any_other_order():
    from oms.orders import channel_settings

    o = await delivered_order([("SKU-A", 1)])
    ret = await received_return(o, {"SKU-A": (1, 0, 0)}, resolution=EXCHANGE)
    await channel_settings.update("WEB", risk_policy={"maxTotal": "0.00", "markets": ["DE"]})
    held = await factories.place([("SKU-A", 1)], email="cy@example.com")
    assert held.status == "ON_HOLD"
    done = await resolution.exchange_return(ret.id)
    assert (await Order.get(id=done.exchange_order_id)).status == "CONFIRMED"
