"""Order use cases on the real database: place (every verification,
idempotency), confirm (routing), hold, release, cancel. A refusal changes
nothing; every status change writes its event."""
from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from oms.catalog import service as catalog
from oms.core.errors import DomainError, ErrorCode, ValidationErrors
from oms.customers.models import Customer
from oms.events.models import EventLog
from oms.fulfillment import service as fulfillment
from oms.fulfillment.models import Shipment, ShipmentLine
from oms.inventory import service as inventory
from oms.inventory.models import Reservation, StockLevel, StockMovement
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine

from tests import factories
from tests.assertions import refused
from tests.factories import T0

ADDRESS = {"name": "Ann Lee", "line1": "1 Rue de Rivoli", "line2": None, "city": "Paris",
           "region": None, "postalCode": "75001", "country": "FR", "phone": None}


# Every timestamp the use cases write is T0; `shop` is the default factories shop.
pytestmark = pytest.mark.usefixtures("frozen_clock")


# ---- what the database holds

async def _levels() -> list[tuple]:
    return sorted(await StockLevel.all().values_list(
        "product__sku", "location__code", "on_hand", "reserved"))


async def _reservations() -> list[tuple]:
    return sorted(await Reservation.all().values_list(
        "order_id", "product__sku", "location__code", "quantity"))


async def _ledger(after: int = 0) -> list[tuple]:
    return list(await StockMovement.filter(id__gt=after).order_by("id").values_list(
        "kind", "product__sku", "location__code", "on_hand_delta", "reserved_delta",
        "reference", "reason", "actor"))


async def _events(after: int = 0) -> list[tuple]:
    return [(e.type, e.order_id, e.customer_id, e.channel, e.sku, e.location, e.payload)
            for e in await EventLog.filter(id__gt=after).order_by("id")]


async def _marks() -> tuple[int, int]:
    move = await StockMovement.all().order_by("-id").first()
    event = await EventLog.all().order_by("-id").first()
    return (move.id if move else 0, event.id if event else 0)


async def _shipments(order_id: int) -> list[tuple]:
    out = []
    for s in await Shipment.filter(order_id=order_id).order_by("id").prefetch_related("location"):
        lines = await ShipmentLine.filter(shipment_id=s.id).order_by("id").values_list(
            "order_line_id", "quantity")
        out.append((s.location.code, s.status, list(lines)))
    return out


async def _state() -> dict:
    return {
        "levels": await _levels(), "reservations": await _reservations(),
        "ledger": await _ledger(), "events": await _events(),
        "orders": sorted(await Order.all().values_list("id", "status", "version", "held_from")),
        "lines": sorted(await OrderLine.all().values_list("id", "quantity", "quantity_shipped")),
        "shipments": sorted(await Shipment.all().values_list("id", "status", "version")),
        "customers": sorted(await Customer.all().values_list("email", "name", "phone",
                                                             "addresses")),
    }


async def _refused(code: ErrorCode, field: list[str] | None, coro) -> DomainError:
    return await refused(code, field, coro, state=_state)


def status_event(order, frm, to, *, actor="test", message=None) -> tuple:
    return ("OrderStatusChanged", order.id, order.customer_id, "WEB", None, None,
            {"from": frm, "to": to, "actor": actor, "message": message})


def shipment_event(order, shipment_id, status) -> tuple:
    return ("ShipmentUpdated", order.id, order.customer_id, "WEB", None, None,
            {"shipment_id": shipment_id, "status": status, "description": None,
             "location": None, "occurred_at": T0.isoformat()})


def stock_event(sku, location, channel="WEB") -> tuple:
    return ("StockChanged", None, None, channel, sku, location, {})


# ---- place: the happy path

async def test_place_reserves_every_line_and_records_the_order(shop):
    move, event = await _marks()
    order = await factories.place([("SKU-A", 2), ("SKU-B", 1)])

    stored = await Order.get(id=order.id)
    assert (stored.status, stored.payment_status, stored.source, stored.currency) == (
        "PENDING", "PENDING", "WEB", "EUR")
    assert (stored.subtotal, stored.shipping_total, stored.tax_total, stored.total) == (
        Decimal("45.50"), Decimal("0.00"), Decimal("0.00"), Decimal("45.50"))
    assert stored.shipping_address == ADDRESS
    assert (stored.version, stored.held_from, stored.idempotency_key) == (1, None, None)
    assert (stored.placed_at, stored.updated_at) == (T0, T0)
    assert await OrderLine.filter(order_id=order.id).order_by("id").values_list(
        "sku", "quantity", "unit_price", "total", "quantity_shipped") == [
        ("SKU-A", 2, Decimal("10.00"), Decimal("20.00"), 0),
        ("SKU-B", 1, Decimal("25.50"), Decimal("25.50"), 0)]

    customer = await Customer.get(id=stored.customer_id)
    assert (customer.email, customer.name, customer.phone, customer.addresses) == (
        "ann@example.com", "Ann Lee", None, [ADDRESS])

    assert await _levels() == [("SKU-A", "WH1", 10, 2), ("SKU-B", "WH1", 10, 1),
                               ("SKU-C", "WH2", 10, 0)]
    assert await _reservations() == [(order.id, "SKU-A", "WH1", 2), (order.id, "SKU-B", "WH1", 1)]
    ref = f"order:{order.id}"
    assert await _ledger(move) == [("RESERVE", "SKU-A", "WH1", 0, 2, ref, None, "test"),
                                   ("RESERVE", "SKU-B", "WH1", 0, 1, ref, None, "test")]
    assert await _events(event) == [stock_event("SKU-A", "WH1"), stock_event("SKU-B", "WH1"),
                                    status_event(stored, None, "PENDING")]
    assert await Shipment.filter(order_id=order.id).count() == 0


async def test_place_keeps_the_optional_details(shop):
    cmd = dataclasses.replace(
        factories.place_cmd([("SKU-C", 3)], email="Bo.Berg@Example.COM", source="PHONE"),
        customer=orders.CustomerInput(email="Bo.Berg@Example.COM", name=" Bo ",
                                      phone="06 12 34 56 78"),
        shipping_address={**factories.ADDRESS, "line2": "Apt 4", "phone": "+33 1 42 68 53 00"},
        shipping_method="express", instructions="Ring twice", external_reference="EXT-9",
        delivery_earliest=T0, delivery_latest=T0 + timedelta(days=2))
    order = await orders.place_order(cmd, actor="phone-desk")
    stored = await Order.get(id=order.id)
    assert (stored.source, stored.shipping_method, stored.instructions,
            stored.external_reference) == ("PHONE", "express", "Ring twice", "EXT-9")
    assert (stored.delivery_earliest, stored.delivery_latest) == (T0, T0 + timedelta(days=2))
    assert stored.shipping_address == {**ADDRESS, "line2": "Apt 4", "phone": "+33142685300"}
    assert stored.total == Decimal("11.97")
    customer = await Customer.get(id=stored.customer_id)
    assert (customer.email, customer.name, customer.phone) == (
        "bo.berg@example.com", "Bo", "+33612345678")
    assert await _reservations() == [(order.id, "SKU-C", "WH2", 3)]


async def test_a_returning_customer_is_found_by_email_and_addresses_are_not_repeated(shop):
    first = await factories.place([("SKU-A", 1)], email="ann@example.com")
    second = await factories.place([("SKU-A", 1)], email="ANN@example.com")
    other = {**factories.ADDRESS, "line1": "2 Rue de Rivoli"}
    third = await factories.place([("SKU-A", 1)], address=other)
    assert first.customer_id == second.customer_id == third.customer_id
    assert await Customer.all().count() == 1
    customer = await Customer.get(id=first.customer_id)
    assert customer.addresses == [ADDRESS, {**ADDRESS, "line1": "2 Rue de Rivoli"}]


async def test_duplicate_lines_of_one_sku_are_summed_into_one_reservation(shop):
    order = await factories.place([("SKU-A", 5), ("SKU-B", 1), ("SKU-A", 5)])
    assert await _levels() == [("SKU-A", "WH1", 10, 10), ("SKU-B", "WH1", 10, 1),
                               ("SKU-C", "WH2", 10, 0)]
    assert await _reservations() == [(order.id, "SKU-A", "WH1", 10),
                                     (order.id, "SKU-B", "WH1", 1)]
    assert await OrderLine.filter(order_id=order.id).order_by("id").values_list(
        "sku", "quantity") == [("SKU-A", 5), ("SKU-B", 1), ("SKU-A", 5)]


# ---- place: every verification refuses and changes nothing

def _cmd(**kw) -> orders.PlaceOrder:
    return dataclasses.replace(factories.place_cmd([("SKU-A", 1)]), **kw)


def _lines(*pairs) -> list[orders.LineInput]:
    return [orders.LineInput(sku=s, quantity=q) for s, q in pairs]


NO_LINE1 = {k: v for k, v in factories.ADDRESS.items() if k != "line1"}

REFUSALS = [
    # (name, command changes, code, field, message)
    ("unknown channel", {"channel": "NOPE"}, ErrorCode.NOT_FOUND, ["channel"],
     "unknown channel NOPE"),
    ("unknown sku", {"lines": _lines(("SKU-A", 1), ("SKU-Z", 1))}, ErrorCode.NOT_FOUND,
     ["lines", "SKU-Z"], "unknown sku SKU-Z"),
    ("quantity 0", {"lines": _lines(("SKU-A", 0))}, ErrorCode.INVALID,
     ["lines", "0", "quantity"], "quantity must be between 1 and 1000000"),
    ("negative quantity", {"lines": _lines(("SKU-B", 1), ("SKU-A", -2))}, ErrorCode.INVALID,
     ["lines", "1", "quantity"], "quantity must be between 1 and 1000000"),
    ("huge quantity", {"lines": _lines(("SKU-A", 1_000_001))}, ErrorCode.INVALID,
     ["lines", "0", "quantity"], "quantity must be between 1 and 1000000"),
    ("empty sku", {"lines": _lines(("", 1))}, ErrorCode.INVALID, ["lines", "0", "sku"],
     "sku is required"),
    ("no lines", {"lines": []}, ErrorCode.INVALID, ["lines"],
     "an order needs at least one line"),
    ("too many lines", {"lines": _lines(*[("SKU-A", 1)] * 201)}, ErrorCode.INVALID, ["lines"],
     "an order has at most 200 lines"),
    ("bad email", {"customer": orders.CustomerInput(email="ann@")}, ErrorCode.INVALID,
     ["customer", "email"], None),
    ("bad customer phone", {"customer": orders.CustomerInput(email="a@example.com",
                                                             phone="123")},
     ErrorCode.INVALID, ["customer", "phone"], "invalid phone number"),
    ("no address", {"shipping_address": {}}, ErrorCode.INVALID, ["shippingAddress"],
     "address is required"),
    ("address without line1", {"shipping_address": NO_LINE1}, ErrorCode.INVALID,
     ["shippingAddress", "line1"], "line1 is required"),
    ("address without city", {"shipping_address": {**factories.ADDRESS, "city": " "}},
     ErrorCode.INVALID, ["shippingAddress", "city"], "city is required"),
    ("address without postal code", {"shipping_address": {**factories.ADDRESS,
                                                          "postalCode": None}},
     ErrorCode.INVALID, ["shippingAddress", "postalCode"], "postalCode is required"),
    ("bad country", {"shipping_address": {**factories.ADDRESS, "country": "XX"}},
     ErrorCode.INVALID, ["shippingAddress", "country"],
     "country must be an ISO 3166-1 alpha-2 code"),
    ("bad address phone", {"shipping_address": {**factories.ADDRESS, "phone": "12"}},
     ErrorCode.INVALID, ["shippingAddress", "phone"], "invalid phone number"),
    ("unknown source", {"source": "FAX"}, ErrorCode.INVALID, ["source"],
     "unknown source FAX"),
    ("reversed delivery window", {"delivery_earliest": T0,
                                  "delivery_latest": T0 - timedelta(hours=1)},
     ErrorCode.INVALID, ["deliveryWindow"], "delivery window ends before it starts"),
    ("empty idempotency key", {"idempotency_key": ""}, ErrorCode.INVALID, ["idempotencyKey"],
     "idempotencyKey must be 1-128 characters"),
    ("long idempotency key", {"idempotency_key": "k" * 129}, ErrorCode.INVALID,
     ["idempotencyKey"], "idempotencyKey must be 1-128 characters"),
    ("long instructions", {"instructions": "x" * 2001}, ErrorCode.INVALID, ["instructions"],
     "instructions is longer than 2000 characters"),
    ("out of stock", {"lines": _lines(("SKU-A", 11))}, ErrorCode.OUT_OF_STOCK,
     ["lines", "SKU-A"], "not enough stock for SKU-A: 11 wanted, 10 available"),
    ("one short line of several", {"lines": _lines(("SKU-A", 1), ("SKU-C", 1), ("SKU-B", 12))},
     ErrorCode.OUT_OF_STOCK, ["lines", "SKU-B"],
     "not enough stock for SKU-B: 12 wanted, 9 available"),
    ("duplicate lines summed", {"lines": _lines(("SKU-A", 6), ("SKU-A", 5))},
     ErrorCode.OUT_OF_STOCK, ["lines", "SKU-A"],
     "not enough stock for SKU-A: 11 wanted, 10 available"),
    ("huge but valid quantity", {"lines": _lines(("SKU-C", 1_000_000))},
     ErrorCode.OUT_OF_STOCK, ["lines", "SKU-C"],
     "not enough stock for SKU-C: 1000000 wanted, 10 available"),
]


@pytest.mark.parametrize(("changes", "code", "field", "message"),
                         [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
async def test_place_refuses_and_changes_nothing(shop, changes, code, field, message):
    await factories.place([("SKU-B", 1)])  # something there to stay unchanged
    err = await _refused(code, field, orders.place_order(_cmd(**changes), actor="test"))
    if message is not None:
        assert err.message == message


async def test_bad_email_message(shop):
    err = await _refused(ErrorCode.INVALID, ["customer", "email"], orders.place_order(
        _cmd(customer=orders.CustomerInput(email="not-an-email")), actor="test"))
    assert err.message.startswith("invalid email address: ")


async def test_a_sku_without_a_price_in_the_channel_is_refused(shop):
    await catalog.upsert_product(sku="SKU-N", name="Unpriced")
    await inventory.receive(sku="SKU-N", location="WH1", quantity=5)
    err = await _refused(ErrorCode.INVALID, ["lines", "SKU-N"], factories.place(
        [("SKU-A", 1), ("SKU-N", 1)]))
    assert err.message == "SKU-N has no price in channel WEB"


async def test_stock_at_a_location_not_serving_the_channel_cannot_be_sold(clean_db):
    await factories.shop(channels={"WEB": ["WH1", "WH2"], "MKT": ["WH2"]},
                         stock={("SKU-A", "WH1"): 10})
    err = await _refused(ErrorCode.OUT_OF_STOCK, ["lines", "SKU-A"], factories.place(
        [("SKU-A", 1)], channel="MKT"))
    assert err.message == "not enough stock for SKU-A: 1 wanted, 0 available"


async def test_a_channel_without_locations_sells_nothing(shop):
    await catalog.create_channel(code="POP", name="Pop-up", kind="STORE", currency="EUR")
    await catalog.upsert_product(sku="SKU-A", name="SKU-A", weight_grams=100, prices=[
        catalog.PriceInput(channel="POP", amount="10.00")])
    err = await _refused(ErrorCode.OUT_OF_STOCK, ["channel"], factories.place(
        [("SKU-A", 1)], channel="POP"))
    assert err.message == "the channel has no stock locations"


async def test_an_order_total_that_cannot_be_stored_is_refused(clean_db):
    await factories.shop(prices={"SKU-A": "99999999999.99"},
                         stock={("SKU-A", "WH1"): 1_000_000})
    err = await _refused(ErrorCode.INVALID, ["lines"], factories.place(
        [("SKU-A", 1_000_000)]))
    assert err.message == "the order total is too large"
    largest = await factories.place([("SKU-A", 10)])
    assert (await Order.get(id=largest.id)).total == Decimal("999999999999.90")


async def test_every_mistake_is_reported_at_once(shop):
    cmd = _cmd(customer=orders.CustomerInput(email="ann@"), lines=_lines(("SKU-A", 0)),
               shipping_address={**factories.ADDRESS, "country": "XX"})
    before = await _state()
    with pytest.raises(ValidationErrors) as exc:
        await orders.place_order(cmd, actor="test")
    assert exc.value.code is ErrorCode.INVALID
    assert [(e.code, e.field) for e in exc.value.errors] == [
        (ErrorCode.INVALID, ["customer", "email"]),
        (ErrorCode.INVALID, ["shippingAddress", "country"]),
        (ErrorCode.INVALID, ["lines", "0", "quantity"])]
    assert await _state() == before


# ---- idempotency

async def test_the_same_key_returns_the_same_order_and_reserves_nothing_twice(shop):
    first = await factories.place([("SKU-A", 3)], key="k-1")
    assert (await Order.get(id=first.id)).idempotency_key == "k-1"
    before = await _state()
    again = await factories.place([("SKU-A", 3)], key="k-1")
    assert again.id == first.id
    assert await _state() == before
    assert await _levels() == [("SKU-A", "WH1", 10, 3), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 10, 0)]


async def test_a_replay_returns_the_order_as_it_is_now(shop):
    first = await factories.place([("SKU-A", 3)], key="k-1")
    await orders.cancel_order(first.id, actor="ops")
    before = await _state()
    again = await factories.place([("SKU-A", 3)], key="k-1")
    assert (again.id, again.status) == (first.id, "CANCELLED")
    assert await _state() == before


@pytest.mark.parametrize("changes", [
    {"lines": [("SKU-A", 4)]},
    {"lines": [("SKU-B", 3)]},
    {"lines": [("SKU-A", 3), ("SKU-C", 1)]},
    {"email": "bo@example.com"},
    {"address": {**factories.ADDRESS, "city": "Lyon"}},
])
async def test_the_same_key_with_another_order_is_a_duplicate(shop, changes):
    await factories.place([("SKU-A", 3)], key="k-1")
    kw = {"lines": [("SKU-A", 3)], "key": "k-1", **changes}
    err = await _refused(ErrorCode.DUPLICATE, ["idempotencyKey"], factories.place(
        kw.pop("lines"), **kw))
    assert err.message == "this idempotencyKey was used for a different order"


async def test_a_refused_order_does_not_use_up_its_key(shop):
    await _refused(ErrorCode.OUT_OF_STOCK, ["lines", "SKU-A"], factories.place(
        [("SKU-A", 12)], key="k-1"))
    await inventory.receive(sku="SKU-A", location="WH1", quantity=2)
    order = await factories.place([("SKU-A", 12)], key="k-1")
    assert await _reservations() == [(order.id, "SKU-A", "WH1", 12)]


async def test_different_keys_are_different_orders(shop):
    a = await factories.place([("SKU-A", 1)], key="k-1")
    b = await factories.place([("SKU-A", 1)], key="k-2")
    assert a.id != b.id
    assert await _levels() == [("SKU-A", "WH1", 10, 2), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 10, 0)]


# ---- confirm and routing

async def test_confirm_routes_to_the_first_location_that_fills_the_whole_order(shop):
    order = await factories.place([("SKU-A", 2), ("SKU-B", 1)])
    lines = await OrderLine.filter(order_id=order.id).order_by("id").values_list("id", flat=True)
    move, event = await _marks()
    confirmed = await orders.confirm_order(order.id, actor="ops")
    assert (confirmed.status, confirmed.version) == ("CONFIRMED", 2)
    stored = await Order.get(id=order.id)
    assert (stored.status, stored.version, stored.updated_at) == ("CONFIRMED", 2, T0)
    (shipment,) = await factories.shipments_of(order.id)
    assert (shipment.status, shipment.version, shipment.created_at) == ("PENDING", 1, T0)
    assert await _shipments(order.id) == [("WH1", "PENDING", [(lines[0], 2), (lines[1], 1)])]
    assert await _events(event) == [status_event(stored, "PENDING", "CONFIRMED", actor="ops"),
                                    shipment_event(stored, shipment.id, "PENDING")]
    assert await _ledger(move) == []  # confirming moves no stock
    assert await _reservations() == [(order.id, "SKU-A", "WH1", 2), (order.id, "SKU-B", "WH1", 1)]


async def test_routing_follows_the_channel_priority_not_the_location_ids(clean_db):
    await factories.shop(channels={"WEB": ["WH2", "WH1"]},
                         stock={("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5})
    order = await factories.place([("SKU-A", 3)])
    await orders.confirm_order(order.id)
    line = await OrderLine.get(order_id=order.id)
    assert await _shipments(order.id) == [("WH2", "PENDING", [(line.id, 3)])]
    assert await _levels() == [("SKU-A", "WH1", 5, 0), ("SKU-A", "WH2", 5, 3)]


async def test_a_later_location_that_fills_everything_beats_a_split(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5,
                                ("SKU-B", "WH2"): 5})
    order = await factories.place([("SKU-A", 2), ("SKU-B", 1)])
    await orders.confirm_order(order.id)
    a, b = await OrderLine.filter(order_id=order.id).order_by("id").values_list("id", flat=True)
    assert await _shipments(order.id) == [("WH2", "PENDING", [(a, 2), (b, 1)])]


async def test_otherwise_the_order_is_split_one_shipment_per_location(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5,
                                ("SKU-B", "WH2"): 2})
    order = await factories.place([("SKU-A", 8), ("SKU-B", 1)])
    a, b = await OrderLine.filter(order_id=order.id).order_by("id").values_list("id", flat=True)
    assert await _reservations() == [(order.id, "SKU-A", "WH1", 5),
                                     (order.id, "SKU-A", "WH2", 3),
                                     (order.id, "SKU-B", "WH2", 1)]
    _, event = await _marks()
    await orders.confirm_order(order.id, actor="ops")
    assert await _shipments(order.id) == [("WH1", "PENDING", [(a, 5)]),
                                          ("WH2", "PENDING", [(a, 3), (b, 1)])]
    first, second = await factories.shipments_of(order.id)
    stored = await Order.get(id=order.id)
    assert await _events(event) == [status_event(stored, "PENDING", "CONFIRMED", actor="ops"),
                                    shipment_event(stored, first.id, "PENDING"),
                                    shipment_event(stored, second.id, "PENDING")]


async def test_a_split_takes_from_locations_in_priority_order(clean_db):
    await factories.shop(channels={"WEB": ["WH2", "WH1"]},
                         stock={("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5})
    order = await factories.place([("SKU-A", 8)])
    await orders.confirm_order(order.id)
    line = await OrderLine.get(order_id=order.id)
    assert sorted(await _shipments(order.id)) == [("WH1", "PENDING", [(line.id, 3)]),
                                                  ("WH2", "PENDING", [(line.id, 5)])]
    assert await _levels() == [("SKU-A", "WH1", 5, 3), ("SKU-A", "WH2", 5, 5)]


async def test_two_lines_of_one_sku_are_spread_over_the_split(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5})
    order = await factories.place([("SKU-A", 4), ("SKU-A", 4)])
    await orders.confirm_order(order.id)
    a1, a2 = await OrderLine.filter(order_id=order.id).order_by("id").values_list("id", flat=True)
    assert await _shipments(order.id) == [("WH1", "PENDING", [(a1, 4), (a2, 1)]),
                                          ("WH2", "PENDING", [(a2, 3)])]


async def test_confirming_an_unknown_order_is_not_found(shop):
    for use_case in (orders.confirm_order, orders.release_hold, orders.cancel_order):
        err = await _refused(ErrorCode.NOT_FOUND, ["id"], use_case(999))
        assert err.message == "order not found"
    await _refused(ErrorCode.NOT_FOUND, ["id"], orders.hold_order(999, reason="check"))


# ---- hold and release

async def test_hold_a_pending_order_and_release_it_back_to_pending(shop):
    order = await factories.place([("SKU-A", 2)])
    _, event = await _marks()
    held = await orders.hold_order(order.id, reason=" fraud check ", actor="ops")
    assert (held.status, held.held_from, held.version) == ("ON_HOLD", "PENDING", 2)
    assert await Order.filter(id=order.id).values_list("status", "held_from", "version") == [
        ("ON_HOLD", "PENDING", 2)]
    assert await _reservations() == [(order.id, "SKU-A", "WH1", 2)]  # still promised

    released = await orders.release_hold(order.id, actor="boss")
    assert (released.status, released.held_from, released.version) == ("PENDING", None, 3)
    assert await Order.filter(id=order.id).values_list("status", "held_from", "version") == [
        ("PENDING", None, 3)]
    assert await _events(event) == [
        status_event(held, "PENDING", "ON_HOLD", actor="ops", message="fraud check"),
        status_event(held, "ON_HOLD", "PENDING", actor="boss")]
    assert await _reservations() == [(order.id, "SKU-A", "WH1", 2)]


async def test_hold_a_confirmed_order_and_release_it_back_to_confirmed(shop):
    order = await factories.place([("SKU-A", 2)])
    await orders.confirm_order(order.id)
    (shipment,) = await factories.shipments_of(order.id)
    _, event = await _marks()
    await orders.hold_order(order.id, reason="address check", actor="ops")
    assert await Order.filter(id=order.id).values_list("status", "held_from") == [
        ("ON_HOLD", "CONFIRMED")]
    released = await orders.release_hold(order.id, actor="ops")
    assert (released.status, released.held_from, released.version) == ("CONFIRMED", None, 4)
    assert await _events(event) == [
        status_event(order, "CONFIRMED", "ON_HOLD", actor="ops", message="address check"),
        status_event(order, "ON_HOLD", "CONFIRMED", actor="ops")]
    # The shipment made at confirmation is the one still there; none was added.
    assert await Shipment.filter(order_id=order.id).values_list("id", "status") == [
        (shipment.id, "PENDING")]


@pytest.mark.parametrize(("reason", "message"), [
    ("", "reason is required"), ("   ", "reason is required"), (None, "reason is required"),
    ("r" * 501, "reason is longer than 500 characters")])
async def test_a_hold_needs_a_reason(shop, reason, message):
    order = await factories.place([("SKU-A", 2)])
    err = await _refused(ErrorCode.INVALID, ["reason"],
                         orders.hold_order(order.id, reason=reason))
    assert err.message == message


# ---- cancel

async def test_cancel_a_pending_order_releases_its_reservations(shop):
    order = await factories.place([("SKU-A", 2), ("SKU-C", 1)])
    move, event = await _marks()
    cancelled = await orders.cancel_order(order.id, reason=" changed mind ", actor="ann")
    assert (cancelled.status, cancelled.version) == ("CANCELLED", 2)
    assert await Order.filter(id=order.id).values_list("status", "version") == [
        ("CANCELLED", 2)]
    assert await _reservations() == []
    assert await _levels() == [("SKU-A", "WH1", 10, 0), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 10, 0)]
    ref = f"order:{order.id}"
    assert await _ledger(move) == [
        ("RELEASE", "SKU-A", "WH1", 0, -2, ref, "changed mind", "ann"),
        ("RELEASE", "SKU-C", "WH2", 0, -1, ref, "changed mind", "ann")]
    assert await _events(event) == [
        status_event(order, "PENDING", "CANCELLED", actor="ann", message="changed mind"),
        stock_event("SKU-A", "WH1"), stock_event("SKU-C", "WH2")]


async def test_cancel_a_confirmed_order_cancels_its_shipments(shop):
    order = await factories.place([("SKU-A", 2), ("SKU-C", 1)])
    await orders.confirm_order(order.id)
    first, second = await factories.shipments_of(order.id)
    _, event = await _marks()
    await orders.cancel_order(order.id, actor="ops")
    assert await Shipment.filter(order_id=order.id).order_by("id").values_list(
        "status", "version") == [("CANCELLED", 2), ("CANCELLED", 2)]
    assert await _reservations() == []
    assert await _events(event) == [
        status_event(order, "CONFIRMED", "CANCELLED", actor="ops"),
        shipment_event(order, first.id, "CANCELLED"),
        shipment_event(order, second.id, "CANCELLED"),
        stock_event("SKU-A", "WH1"), stock_event("SKU-C", "WH2")]


async def test_cancel_an_order_being_picked(shop):
    order = await factories.place([("SKU-A", 2), ("SKU-C", 1)])
    await orders.confirm_order(order.id)
    first, second = await factories.shipments_of(order.id)
    await fulfillment.pick(first.id)
    assert (await Order.get(id=order.id)).status == "PROCESSING"
    await orders.cancel_order(order.id, reason="too slow")
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["CANCELLED"]
    assert await Shipment.filter(order_id=order.id).order_by("id").values_list(
        "status", flat=True) == ["CANCELLED", "CANCELLED"]
    assert await _levels() == [("SKU-A", "WH1", 10, 0), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 10, 0)]


async def test_cancel_a_held_order(shop):
    order = await factories.place([("SKU-A", 2)])
    await orders.confirm_order(order.id)
    await orders.hold_order(order.id, reason="check")
    _, event = await _marks()
    await orders.cancel_order(order.id)
    (shipment,) = await factories.shipments_of(order.id)
    assert shipment.status == "CANCELLED"
    assert await _reservations() == []
    assert await _events(event) == [
        status_event(order, "ON_HOLD", "CANCELLED", actor=None),
        shipment_event(order, shipment.id, "CANCELLED"), stock_event("SKU-A", "WH1")]


async def test_a_cancel_reason_is_at_most_500_characters(shop):
    order = await factories.place([("SKU-A", 2)])
    err = await _refused(ErrorCode.INVALID, ["reason"],
                         orders.cancel_order(order.id, reason="r" * 501))
    assert err.message == "reason is longer than 500 characters"


# ---- every use case from every status: allowed moves and refusals

async def order_in(status: str) -> Order:
    """An order of SKU-A (from WH1) and SKU-C (from WH2), so two shipments,
    brought to `status` through the use cases."""
    order = await factories.place([("SKU-A", 2), ("SKU-C", 1)])
    if status == "PENDING":
        return order
    if status == "ON_HOLD":
        return await orders.hold_order(order.id, reason="check")
    if status == "CANCELLED":
        return await orders.cancel_order(order.id)
    await orders.confirm_order(order.id)
    if status == "CONFIRMED":
        return order
    if status == "ON_HOLD_FROM_CONFIRMED":
        return await orders.hold_order(order.id, reason="check")
    first, second = await factories.shipments_of(order.id)
    await fulfillment.pick(first.id)
    if status == "PROCESSING":
        return order
    if status == "ON_HOLD_FROM_PROCESSING":
        return await orders.hold_order(order.id, reason="check")
    await fulfillment.pack(first.id)
    await fulfillment.ship(first.id)
    if status == "PARTIALLY_SHIPPED":
        return order
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(second.id)
    if status == "SHIPPED":
        return order
    for s in (first, second):
        await fulfillment.record_tracking(shipment_id=s.id, status="DELIVERED")
    if status == "DELIVERED":
        return order
    assert status == "COMPLETED"
    # No use case completes an order yet; the table allows it from DELIVERED.
    await Order.filter(id=order.id).update(status="COMPLETED")
    return order


STATUSES = ["PENDING", "ON_HOLD", "ON_HOLD_FROM_CONFIRMED", "ON_HOLD_FROM_PROCESSING",
            "CONFIRMED", "PROCESSING", "PARTIALLY_SHIPPED", "SHIPPED", "DELIVERED", "COMPLETED", "CANCELLED"]

# use case -> {status it starts from: the status it ends in}; all others are refused.
ALLOWED = {
    "confirm": {"PENDING": "CONFIRMED"},
    "hold": {"PENDING": "ON_HOLD", "CONFIRMED": "ON_HOLD", "PROCESSING": "ON_HOLD"},
    "release": {"ON_HOLD": "PENDING", "ON_HOLD_FROM_CONFIRMED": "CONFIRMED",
                "ON_HOLD_FROM_PROCESSING": "PROCESSING"},
    "cancel": {"PENDING": "CANCELLED", "ON_HOLD": "CANCELLED",
               "ON_HOLD_FROM_CONFIRMED": "CANCELLED", "ON_HOLD_FROM_PROCESSING": "CANCELLED",
               "CONFIRMED": "CANCELLED", "PROCESSING": "CANCELLED"},
}

USE_CASES = {
    "confirm": lambda oid: orders.confirm_order(oid, actor="ops"),
    "hold": lambda oid: orders.hold_order(oid, reason="check", actor="ops"),
    "release": lambda oid: orders.release_hold(oid, actor="ops"),
    "cancel": lambda oid: orders.cancel_order(oid, actor="ops"),
}


def _stored_status(status: str) -> str:
    return "ON_HOLD" if status.startswith("ON_HOLD") else status


@pytest.mark.parametrize(("use_case", "status"), [
    (u, s) for u in USE_CASES for s in STATUSES if s not in ALLOWED[u]])
async def test_a_refused_transition_is_invalid_and_changes_nothing(shop, use_case, status):
    order = await order_in(status)
    assert (await Order.get(id=order.id)).status == _stored_status(status)
    err = await _refused(ErrorCode.INVALID_TRANSITION, None, USE_CASES[use_case](order.id))
    assert err.message.endswith(f"order that is {_stored_status(status)}")


@pytest.mark.parametrize(("use_case", "status", "target"), [
    (u, s, t) for u, moves in ALLOWED.items() for s, t in moves.items()])
async def test_an_allowed_transition_moves_and_writes_its_event(shop, use_case, status, target):
    order = await order_in(status)
    before = await Order.get(id=order.id)
    _, event = await _marks()
    await USE_CASES[use_case](order.id)
    after = await Order.get(id=order.id)
    assert (after.status, after.version) == (target, before.version + 1)
    changes = [e for e in await _events(event) if e[0] == "OrderStatusChanged"]
    message = "check" if use_case == "hold" else None
    assert changes == [status_event(order, before.status, target, actor="ops",
                                    message=message)]


# ---- a stale read loses: CONFLICT, never an overwrite

STALE = {
    # use case: (status it is read in, what someone else does meanwhile)
    "confirm": ("PENDING", ("hold", "release")),
    "hold": ("PENDING", ("hold", "release")),
    "release": ("ON_HOLD", ("release", "hold")),
    "cancel": ("CONFIRMED", ("hold", "release")),
}


@pytest.mark.parametrize("use_case", list(STALE))
async def test_a_stale_version_is_a_conflict_and_changes_nothing(shop, monkeypatch, use_case):
    status, meanwhile = STALE[use_case]
    order = await order_in(status)
    stale = await Order.get(id=order.id)
    for other in meanwhile:
        await USE_CASES[other](order.id)
    assert (await Order.get(id=order.id)).version == stale.version + 2

    async def read_stale(order_id: int) -> Order:
        return stale

    monkeypatch.setattr(orders, "get_order", read_stale)
    err = await _refused(ErrorCode.CONFLICT, ["id"], USE_CASES[use_case](order.id))
    assert err.message == "the order was changed by someone else; reload and retry"
