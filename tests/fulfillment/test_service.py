"""Shipment use cases on the real database: pick, pack, ship (stock leaves the
building, the order follows its shipments) and carrier tracking. A refusal
changes nothing; every change writes its events."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from oms.core.errors import DomainError, ErrorCode
from oms.events.models import EventLog
from oms.fulfillment import service as fulfillment
from oms.fulfillment.models import Shipment, TrackingEvent
from oms.inventory.models import Reservation, StockLevel, StockMovement
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine

from tests import factories
from tests.assertions import refused
from tests.factories import T0



# Every timestamp the use cases write is T0; `shop` is the default factories shop.
pytestmark = pytest.mark.usefixtures("frozen_clock")


async def confirmed(lines: list[tuple[str, int]]) -> tuple[Order, list[Shipment]]:
    order = await factories.place(lines)
    await orders.confirm_order(order.id)
    return await Order.get(id=order.id), await factories.shipments_of(order.id)


async def shipped(lines: list[tuple[str, int]]) -> tuple[Order, list[Shipment]]:
    order, shipments = await confirmed(lines)
    for s in shipments:
        for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
            await step(s.id)
    return await Order.get(id=order.id), await factories.shipments_of(order.id)


# ---- what the database holds

async def _levels() -> list[tuple]:
    return sorted(await StockLevel.all().values_list(
        "product__sku", "location__code", "on_hand", "reserved"))


async def _ledger(after: int = 0) -> list[tuple]:
    return list(await StockMovement.filter(id__gt=after).order_by("id").values_list(
        "kind", "product__sku", "location__code", "on_hand_delta", "reserved_delta",
        "reference", "actor"))


async def _events(after: int = 0) -> list[tuple]:
    return [(e.type, e.order_id, e.customer_id, e.channel, e.sku, e.location, e.payload)
            for e in await EventLog.filter(id__gt=after).order_by("id")]


async def _marks() -> tuple[int, int]:
    move = await StockMovement.all().order_by("-id").first()
    event = await EventLog.all().order_by("-id").first()
    return (move.id if move else 0, event.id if event else 0)


async def _shipped_per_line(order_id: int) -> list[tuple[str, int, int]]:
    return list(await OrderLine.filter(order_id=order_id).order_by("id").values_list(
        "sku", "quantity", "quantity_shipped"))


async def _state() -> dict:
    return {
        "levels": await _levels(), "ledger": await _ledger(), "events": await _events(),
        "reservations": sorted(await Reservation.all().values_list(
            "order_id", "product_id", "location_id", "quantity")),
        "orders": sorted(await Order.all().values_list("id", "status", "version")),
        "lines": sorted(await OrderLine.all().values_list("id", "quantity_shipped")),
        "shipments": sorted(await Shipment.all().values_list(
            "id", "status", "version", "shipped_at", "delivered_at")),
        "tracking": sorted(await TrackingEvent.all().values_list(
            "shipment_id", "status", "description", "location", "occurred_at")),
    }


async def _refused(code: ErrorCode, field: list[str] | None, coro) -> DomainError:
    return await refused(code, field, coro, state=_state)


def status_event(order, frm, to, *, actor=None) -> tuple:
    return ("OrderStatusChanged", order.id, order.customer_id, "WEB", None, None,
            {"from": frm, "to": to, "actor": actor, "message": None})


def shipment_event(order, shipment_id, status, *, description=None, location=None,
                   at=T0) -> tuple:
    return ("ShipmentUpdated", order.id, order.customer_id, "WEB", None, None,
            {"shipment_id": shipment_id, "status": status, "description": description,
             "location": location, "occurred_at": at.isoformat()})


def stock_event(sku, location) -> tuple:
    return ("StockChanged", None, None, "WEB", sku, location, {})


# ---- pick, pack, ship

async def test_pick_starts_fulfilment(shop):
    order, (shipment,) = await confirmed([("SKU-A", 2), ("SKU-B", 1)])
    move, event = await _marks()
    levels = await _levels()
    picked = await fulfillment.pick(shipment.id, actor="picker")
    assert (picked.status, picked.version) == ("PICKING", 2)
    assert await Shipment.filter(id=shipment.id).values_list("status", "version") == [
        ("PICKING", 2)]
    assert await Order.filter(id=order.id).values_list("status", "version") == [
        ("PROCESSING", 3)]
    assert await _events(event) == [shipment_event(order, shipment.id, "PICKING"),
                                    status_event(order, "CONFIRMED", "PROCESSING",
                                                 actor="picker")]
    assert await _ledger(move) == []
    assert await _levels() == levels


async def test_pack_changes_only_the_shipment(shop):
    order, (shipment,) = await confirmed([("SKU-A", 2)])
    await fulfillment.pick(shipment.id)
    move, event = await _marks()
    packed = await fulfillment.pack(shipment.id, actor="packer")
    assert (packed.status, packed.version) == ("PACKED", 3)
    assert await Order.filter(id=order.id).values_list("status", "version") == [
        ("PROCESSING", 3)]
    assert await _events(event) == [shipment_event(order, shipment.id, "PACKED")]
    assert await _ledger(move) == []


async def test_ship_takes_the_units_out_of_stock_and_ships_the_order(shop):
    order, (shipment,) = await confirmed([("SKU-A", 2), ("SKU-B", 1)])
    await fulfillment.pick(shipment.id)
    await fulfillment.pack(shipment.id)
    move, event = await _marks()
    done = await fulfillment.ship(shipment.id, actor="dock")
    assert (done.status, done.version, done.shipped_at) == ("SHIPPED", 4, T0)
    stored = await Shipment.get(id=shipment.id)
    assert (stored.status, stored.shipped_at, stored.delivered_at) == ("SHIPPED", T0, None)
    assert await _levels() == [("SKU-A", "WH1", 8, 0), ("SKU-B", "WH1", 9, 0),
                               ("SKU-C", "WH2", 10, 0)]
    assert await Reservation.filter(order_id=order.id).count() == 0
    assert await _shipped_per_line(order.id) == [("SKU-A", 2, 2), ("SKU-B", 1, 1)]
    ref = f"order:{order.id}"
    assert await _ledger(move) == [("SALE", "SKU-A", "WH1", -2, -2, ref, "dock"),
                                   ("SALE", "SKU-B", "WH1", -1, -1, ref, "dock")]
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["SHIPPED"]
    assert await _events(event) == [
        stock_event("SKU-A", "WH1"), stock_event("SKU-B", "WH1"),
        shipment_event(order, shipment.id, "SHIPPED"),
        status_event(order, "PROCESSING", "SHIPPED", actor="dock")]


async def test_an_order_ships_in_parts_one_shipment_per_location(shop):
    order, (first, second) = await confirmed([("SKU-A", 2), ("SKU-C", 1)])
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(first.id)
    assert await Order.filter(id=order.id).values_list("status", flat=True) == [
        "PARTIALLY_SHIPPED"]
    assert await _shipped_per_line(order.id) == [("SKU-A", 2, 2), ("SKU-C", 1, 0)]
    assert await _levels() == [("SKU-A", "WH1", 8, 0), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 10, 1)]

    _, event = await _marks()
    await fulfillment.pick(second.id)
    await fulfillment.pack(second.id)
    # The order is already past PROCESSING: the second shipment's steps move nothing else.
    assert await _events(event) == [shipment_event(order, second.id, "PICKING"),
                                    shipment_event(order, second.id, "PACKED")]
    _, event = await _marks()
    await fulfillment.ship(second.id)
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["SHIPPED"]
    assert await _shipped_per_line(order.id) == [("SKU-A", 2, 2), ("SKU-C", 1, 1)]
    assert await _levels() == [("SKU-A", "WH1", 8, 0), ("SKU-B", "WH1", 10, 0),
                               ("SKU-C", "WH2", 9, 0)]
    assert await _events(event) == [
        stock_event("SKU-C", "WH2"), shipment_event(order, second.id, "SHIPPED"),
        status_event(order, "PARTIALLY_SHIPPED", "SHIPPED")]


async def test_a_line_split_over_two_shipments_counts_both(clean_db):
    await factories.shop(stock={("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5})
    order, (first, second) = await confirmed([("SKU-A", 8)])
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(first.id)
    assert await _shipped_per_line(order.id) == [("SKU-A", 8, 5)]
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(second.id)
    assert await _shipped_per_line(order.id) == [("SKU-A", 8, 8)]
    assert await _levels() == [("SKU-A", "WH1", 0, 0), ("SKU-A", "WH2", 2, 0)]
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["SHIPPED"]


# ---- refused shipment moves

async def shipment_in(status: str) -> Shipment:
    """The one shipment of an order of SKU-A, brought to `status`."""
    order, (shipment,) = await confirmed([("SKU-A", 2)])
    steps = {"PENDING": [], "PICKING": ["pick"], "PACKED": ["pick", "pack"],
             "SHIPPED": ["pick", "pack", "ship"],
             "IN_TRANSIT": ["pick", "pack", "ship", "IN_TRANSIT"],
             "EXCEPTION": ["pick", "pack", "ship", "EXCEPTION"],
             "DELIVERED": ["pick", "pack", "ship", "DELIVERED"]}
    if status == "CANCELLED":
        await orders.cancel_order(order.id)
    for step in steps.get(status, []):
        if step in ("pick", "pack", "ship"):
            await getattr(fulfillment, step)(shipment.id)
        else:
            await fulfillment.record_tracking(shipment_id=shipment.id, status=step)
    shipment = await Shipment.get(id=shipment.id)
    assert shipment.status == status
    return shipment


MOVES = {"pick": fulfillment.pick, "pack": fulfillment.pack, "ship": fulfillment.ship}
ALLOWED_MOVES = {("PENDING", "pick"), ("PICKING", "pack"), ("PACKED", "ship")}
# Once the order is no longer being fulfilled, its shipments are refused as a whole.
ORDER_CLOSED = {"DELIVERED": "DELIVERED", "CANCELLED": "CANCELLED"}
SHIPMENT_STATUSES = ["PENDING", "PICKING", "PACKED", "SHIPPED", "IN_TRANSIT", "EXCEPTION",
                     "DELIVERED", "CANCELLED"]


@pytest.mark.parametrize(("status", "move"), [
    (s, m) for s in SHIPMENT_STATUSES for m in MOVES if (s, m) not in ALLOWED_MOVES])
async def test_a_refused_shipment_move_is_invalid_and_changes_nothing(shop, status, move):
    shipment = await shipment_in(status)
    if status in ORDER_CLOSED:
        err = await _refused(ErrorCode.INVALID_TRANSITION, ["id"], MOVES[move](shipment.id))
        assert err.message == f"the order is {ORDER_CLOSED[status]}; its shipments cannot move"
    else:
        err = await _refused(ErrorCode.INVALID_TRANSITION, None, MOVES[move](shipment.id))
        assert err.message == f"cannot {move} a shipment that is {status}"


async def test_the_shipments_of_a_held_order_do_not_move(shop):
    order, (shipment,) = await confirmed([("SKU-A", 2)])
    await orders.hold_order(order.id, reason="check")
    for move in MOVES.values():
        err = await _refused(ErrorCode.INVALID_TRANSITION, ["id"], move(shipment.id))
        assert err.message == "the order is ON_HOLD; its shipments cannot move"
    await orders.release_hold(order.id)
    assert (await fulfillment.pick(shipment.id)).status == "PICKING"


async def test_an_unknown_shipment_is_not_found(shop):
    for move in MOVES.values():
        err = await _refused(ErrorCode.NOT_FOUND, ["id"], move(999))
        assert err.message == "shipment not found"
    await _refused(ErrorCode.NOT_FOUND, ["id"],
                   fulfillment.record_tracking(shipment_id=999, status="IN_TRANSIT"))


# ---- carrier tracking

async def test_tracking_scans_move_the_shipment_and_delivery_delivers_the_order(shop):
    order, (shipment,) = await shipped([("SKU-A", 2)])
    assert order.status == "SHIPPED"
    scans = [("IN_TRANSIT", "Left the hub", "Lyon", T0 - timedelta(hours=5)),
             ("EXCEPTION", "Nobody home", "Paris", T0 - timedelta(hours=3)),
             ("OUT_FOR_DELIVERY", None, None, T0 - timedelta(hours=2)),
             ("OUT_FOR_DELIVERY", "Second attempt", "Paris", T0 - timedelta(hours=1))]
    version = shipment.version
    for status, description, where, at in scans:
        _, event = await _marks()
        got = await fulfillment.record_tracking(shipment_id=shipment.id, status=status,
                                                description=description, location=where,
                                                occurred_at=at, actor="carrier")
        version += 1
        assert (got.status, got.version) == (status, version)
        assert await _events(event) == [shipment_event(order, shipment.id, status,
                                                       description=description,
                                                       location=where, at=at)]
        assert await Order.filter(id=order.id).values_list("status", flat=True) == ["SHIPPED"]

    _, event = await _marks()
    at = T0 - timedelta(minutes=5)
    got = await fulfillment.record_tracking(shipment_id=shipment.id, status="DELIVERED",
                                            description="Left with neighbour", occurred_at=at,
                                            actor="carrier")
    assert (got.status, got.delivered_at) == ("DELIVERED", at)
    stored = await Shipment.get(id=shipment.id)
    assert (stored.status, stored.shipped_at, stored.delivered_at) == ("DELIVERED", T0, at)
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["DELIVERED"]
    assert await _events(event) == [
        shipment_event(order, shipment.id, "DELIVERED", description="Left with neighbour",
                       at=at),
        status_event(order, "SHIPPED", "DELIVERED", actor="carrier")]
    assert await TrackingEvent.filter(shipment_id=shipment.id).order_by("id").values_list(
        "status", "description", "location", "occurred_at", "recorded_at") == [
        *[(s, d, w, a, T0) for s, d, w, a in scans],
        ("DELIVERED", "Left with neighbour", None, at, T0)]


async def test_a_scan_without_a_time_happens_now(shop):
    order, (shipment,) = await shipped([("SKU-A", 1)])
    _, event = await _marks()
    await fulfillment.record_tracking(shipment_id=shipment.id, status="IN_TRANSIT")
    assert await TrackingEvent.all().values_list("status", "occurred_at", "recorded_at") == [
        ("IN_TRANSIT", T0, T0)]
    assert await _events(event) == [shipment_event(order, shipment.id, "IN_TRANSIT")]


async def test_tracking_by_tracking_number(shop):
    order, (shipment,) = await shipped([("SKU-A", 1)])
    # Labels (and so tracking numbers) come from the carrier integration.
    await Shipment.filter(id=shipment.id).update(tracking_number="1Z999AA10123456784")
    got = await fulfillment.record_tracking(tracking_number="1Z999AA10123456784",
                                            status="DELIVERED")
    assert (got.id, got.status) == (shipment.id, "DELIVERED")
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["DELIVERED"]
    assert await TrackingEvent.all().values_list("shipment_id", "status") == [
        (shipment.id, "DELIVERED")]


async def test_an_unknown_tracking_number_is_not_found(shop):
    _, (shipment,) = await shipped([("SKU-A", 1)])
    await Shipment.filter(id=shipment.id).update(tracking_number="1Z1")
    err = await _refused(ErrorCode.NOT_FOUND, ["trackingNumber"], fulfillment.record_tracking(
        tracking_number="1Z2", status="IN_TRANSIT"))
    assert err.message == "no shipment has this tracking number"


async def test_exactly_one_of_shipment_id_and_tracking_number(shop):
    _, (shipment,) = await shipped([("SKU-A", 1)])
    await Shipment.filter(id=shipment.id).update(tracking_number="1Z1")
    for kw in ({}, {"shipment_id": shipment.id, "tracking_number": "1Z1"}):
        err = await _refused(ErrorCode.INVALID, ["shipmentId"],
                             fulfillment.record_tracking(status="IN_TRANSIT", **kw))
        assert err.message == "give exactly one of shipmentId and trackingNumber"


async def test_the_order_is_delivered_only_when_every_shipment_is(shop):
    order, (first, second) = await confirmed([("SKU-A", 2), ("SKU-C", 1)])
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(first.id)
    await fulfillment.record_tracking(shipment_id=first.id, status="DELIVERED")
    assert await Order.filter(id=order.id).values_list("status", flat=True) == [
        "PARTIALLY_SHIPPED"]
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(second.id)
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["SHIPPED"]
    await fulfillment.record_tracking(shipment_id=second.id, status="OUT_FOR_DELIVERY")
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["SHIPPED"]
    _, event = await _marks()
    await fulfillment.record_tracking(shipment_id=second.id, status="DELIVERED")
    assert await Order.filter(id=order.id).values_list("status", flat=True) == ["DELIVERED"]
    assert await _events(event) == [shipment_event(order, second.id, "DELIVERED"),
                                    status_event(order, "SHIPPED", "DELIVERED")]


@pytest.mark.parametrize("status", ["SHIPPED", "PENDING", "PICKING", "PACKED", "CANCELLED",
                                    "LOST", "", "in_transit", "Delivered"])
async def test_a_status_that_is_not_a_tracking_status_is_invalid(shop, status):
    _, (shipment,) = await shipped([("SKU-A", 1)])
    err = await _refused(ErrorCode.INVALID, ["status"], fulfillment.record_tracking(
        shipment_id=shipment.id, status=status))
    assert err.message == "status must be IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED or EXCEPTION"


@pytest.mark.parametrize("ahead", [timedelta(minutes=11), timedelta(hours=1),
                                   timedelta(days=365)])
async def test_a_scan_in_the_future_is_invalid(shop, ahead):
    _, (shipment,) = await shipped([("SKU-A", 1)])
    err = await _refused(ErrorCode.INVALID, ["occurredAt"], fulfillment.record_tracking(
        shipment_id=shipment.id, status="DELIVERED", occurred_at=T0 + ahead))
    assert err.message == "occurredAt is in the future"


async def test_a_few_minutes_ahead_is_clock_skew_and_accepted(shop):
    _, (shipment,) = await shipped([("SKU-A", 1)])
    at = T0 + timedelta(minutes=9)
    got = await fulfillment.record_tracking(shipment_id=shipment.id, status="IN_TRANSIT",
                                            occurred_at=at)
    assert got.status == "IN_TRANSIT"
    assert await TrackingEvent.all().values_list("occurred_at", flat=True) == [at]


async def test_a_scan_time_needs_a_time_zone(shop):
    _, (shipment,) = await shipped([("SKU-A", 1)])
    err = await _refused(ErrorCode.INVALID, ["occurredAt"], fulfillment.record_tracking(
        shipment_id=shipment.id, status="IN_TRANSIT", occurred_at=datetime(2026, 3, 14, 8)))
    assert err.message == "occurredAt needs a time zone"


@pytest.mark.parametrize(("kw", "field", "message"), [
    ({"description": "d" * 501}, ["description"], "description is longer than 500 characters"),
    ({"location": "l" * 201}, ["location"], "location is longer than 200 characters"),
])
async def test_scan_details_have_limits(shop, kw, field, message):
    _, (shipment,) = await shipped([("SKU-A", 1)])
    err = await _refused(ErrorCode.INVALID, field, fulfillment.record_tracking(
        shipment_id=shipment.id, status="IN_TRANSIT", **kw))
    assert err.message == message


SCANS = ["IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION"]


# A DELIVERED shipment keeps later scans in its timeline only (tests/fulfillment/test_tracking.py).
@pytest.mark.parametrize(("status", "scan"), [
    (s, t) for s in ("PENDING", "PICKING", "PACKED", "CANCELLED") for t in SCANS])
async def test_a_shipment_not_on_the_road_cannot_be_scanned(shop, status, scan):
    shipment = await shipment_in(status)
    if status in ORDER_CLOSED:
        err = await _refused(ErrorCode.INVALID_TRANSITION, ["id"], fulfillment.record_tracking(
            shipment_id=shipment.id, status=scan))
        assert err.message == f"the order is {ORDER_CLOSED[status]}; its shipments cannot move"
    else:
        err = await _refused(ErrorCode.INVALID_TRANSITION, None, fulfillment.record_tracking(
            shipment_id=shipment.id, status=scan))
        assert err.message == (
            f"cannot scan {scan.lower().replace('_', ' ')} a shipment that is {status}")
