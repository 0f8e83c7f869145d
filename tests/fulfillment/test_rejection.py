"""A location rejects a shipment: it is cancelled, its stock released there,
and what it held routed to the next location that can fill it, leaving out
every location that rejected this order; with none, the order is held and
releasing the hold routes it again. Refusals change nothing."""
from __future__ import annotations

import asyncio

import pytest

from oms.core.errors import DomainError, ErrorCode
from oms.events.models import EventLog
from oms.fulfillment import rejection, service as fulfillment
from oms.fulfillment.models import RoutingDecision, Shipment, ShipmentLine
from oms.inventory import service as inventory
from oms.inventory.models import Reservation, StockLevel
from oms.orders import service as orders
from oms.orders.models import Order

from tests import backends, factories
from tests.assertions import refused
from tests.factories import T0

THREE = {"WEB": ["WH1", "WH2", "WH3"]}


@pytest.fixture(autouse=True)
def frozen(frozen_clock):
    """Every clock the rejection reads is factories.T0."""


async def confirmed(lines, *, stock, channels=None) -> tuple[Order, Shipment]:
    await factories.shop(stock=stock, channels=channels)
    order = await factories.place(lines)
    await orders.confirm_order(order.id)
    shipments = await factories.shipments_of(order.id)
    return await Order.get(id=order.id), shipments[0]


async def _shipments(order_id: int) -> list[tuple]:
    return list(await Shipment.filter(order_id=order_id).order_by("id").values_list(
        "location__code", "status", "cancel_reason"))


async def _shipment_units(order_id: int) -> list[tuple]:
    return list(await ShipmentLine.filter(shipment__order_id=order_id).order_by(
        "shipment_id", "id").values_list("shipment__location__code", "order_line__sku",
                                         "quantity"))


async def _reservations(order_id: int) -> list[tuple]:
    return sorted(await Reservation.filter(order_id=order_id).values_list(
        "product__sku", "location__code", "quantity"))


async def _reserved() -> list[tuple]:
    return sorted(await StockLevel.all().values_list("product__sku", "location__code",
                                                     "reserved"))


async def _attempts(order_id: int) -> list[tuple]:
    return [(d.attempt, d.outcome, [(a["location"], [ln["quantity"] for ln in a["lines"]])
                                    for a in d.assignments],
             [(r["code"], r["location"]) for r in d.reasons], d.actor)
            for d in await RoutingDecision.filter(order_id=order_id).order_by("attempt")]


async def _events_after(mark: int) -> list[tuple]:
    return [(e.type, e.payload.get("status") or e.payload.get("to"),
             e.payload.get("description") or e.payload.get("message"))
            for e in await EventLog.filter(id__gt=mark, order_id__not_isnull=True).order_by("id")]


async def _mark() -> int:
    last = await EventLog.all().order_by("-id").first()
    return last.id if last else 0


async def test_a_rejected_shipment_goes_to_the_next_location(clean_db):
    order, s1 = await confirmed([("SKU-A", 2)], stock={("SKU-A", "WH1"): 5,
                                                       ("SKU-A", "WH2"): 5})
    mark = await _mark()
    rejected = await rejection.reject_shipment(s1.id, reason="shelf empty", actor="wh1")
    assert (rejected.status, rejected.rejected_at, rejected.cancel_reason) == (
        "CANCELLED", T0, "shelf empty")
    assert await _shipments(order.id) == [("WH1", "CANCELLED", "shelf empty"),
                                          ("WH2", "PENDING", None)]
    assert await _shipment_units(order.id) == [("WH1", "SKU-A", 2), ("WH2", "SKU-A", 2)]
    assert await _reservations(order.id) == [("SKU-A", "WH2", 2)]
    assert await _reserved() == [("SKU-A", "WH1", 0), ("SKU-A", "WH2", 2)]
    assert await _attempts(order.id) == [
        (1, "ROUTED", [("WH1", [2])], [("SELECTED_PRIORITY", "WH1")], "test"),
        (2, "ROUTED", [("WH2", [2])], [("REJECTED_BY_LOCATION", "WH1"),
                                        ("SELECTED_PRIORITY", "WH2")], "wh1")]
    assert await _events_after(mark) == [
        ("ShipmentUpdated", "CANCELLED", "rejected by WH1: shelf empty"),
        ("ShipmentUpdated", "PENDING", None)]
    assert (await Order.get(id=order.id)).status == "CONFIRMED"


async def test_a_chain_of_rejections_leaves_out_every_rejecting_location(clean_db):
    order, s1 = await confirmed([("SKU-A", 1)], channels=THREE, stock={
        ("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5, ("SKU-A", "WH3"): 5})
    await rejection.reject_shipment(s1.id, reason="closed", actor=None)
    s2 = (await factories.shipments_of(order.id))[-1]
    await fulfillment.pick(s2.id)
    await rejection.reject_shipment(s2.id, reason="broken", actor=None)
    assert await _shipments(order.id) == [("WH1", "CANCELLED", "closed"),
                                          ("WH2", "CANCELLED", "broken"),
                                          ("WH3", "PENDING", None)]
    assert await _reservations(order.id) == [("SKU-A", "WH3", 1)]
    assert (await _attempts(order.id))[2][3] == [
        ("REJECTED_BY_LOCATION", "WH1"), ("REJECTED_BY_LOCATION", "WH2"),
        ("SELECTED_PRIORITY", "WH3")]
    (reason,) = [r for r in (await RoutingDecision.get(order_id=order.id, attempt=3)).reasons
                 if r["location"] == "WH2"]
    assert reason["message"] == "WH2 rejected a shipment of this order: broken"


async def test_only_the_rejected_part_of_a_split_order_moves(clean_db):
    order, _ = await confirmed([("SKU-A", 3), ("SKU-C", 1)], channels=THREE, stock={
        ("SKU-A", "WH1"): 3, ("SKU-C", "WH2"): 1, ("SKU-A", "WH3"): 3})
    by_loc = {s.location_id: s for s in await factories.shipments_of(order.id)}
    wh1 = next(s for s in by_loc.values() if s.status == "PENDING")
    await rejection.reject_shipment(wh1.id, reason="no", actor=None)
    assert await _shipments(order.id) == [("WH1", "CANCELLED", "no"), ("WH2", "PENDING", None),
                                          ("WH3", "PENDING", None)]
    assert await _reservations(order.id) == [("SKU-A", "WH3", 3), ("SKU-C", "WH2", 1)]


async def test_with_no_location_left_the_order_is_held_until_released(clean_db):
    order, s1 = await confirmed([("SKU-A", 2)], stock={("SKU-A", "WH1"): 5,
                                                       ("SKU-A", "WH2"): 1})
    mark = await _mark()
    await rejection.reject_shipment(s1.id, reason="flooded", actor="wh1")
    held = await Order.get(id=order.id)
    assert (held.status, held.hold_reasons, held.held_from) == (
        "ON_HOLD", ["NO_LOCATION_CAN_FILL"], "CONFIRMED")
    assert await _reservations(order.id) == []
    assert await _reserved() == [("SKU-A", "WH1", 0), ("SKU-A", "WH2", 0)]
    assert (await _attempts(order.id))[1] == (
        2, "HELD", [], [("REJECTED_BY_LOCATION", "WH1"), ("NO_LOCATION_CAN_FILL", None)], "wh1")
    assert await _events_after(mark) == [
        ("ShipmentUpdated", "CANCELLED", "rejected by WH1: flooded"),
        ("OrderStatusChanged", "ON_HOLD",
         "no allowed location can give 2 SKU-A (1 available to route)")]
    # Stock arrives; releasing the hold routes what is left.
    await inventory.receive(sku="SKU-A", location="WH2", quantity=1)
    await orders.release_hold(order.id, actor="staff")
    released = await Order.get(id=order.id)
    assert (released.status, released.hold_reasons) == ("CONFIRMED", None)
    assert await _shipments(order.id) == [("WH1", "CANCELLED", "flooded"),
                                          ("WH2", "PENDING", None)]
    assert await _reservations(order.id) == [("SKU-A", "WH2", 2)]
    assert [a[:2] for a in await _attempts(order.id)] == [(1, "ROUTED"), (2, "HELD"),
                                                          (3, "ROUTED")]


async def test_releasing_the_hold_with_still_no_stock_holds_it_again(clean_db):
    order, s1 = await confirmed([("SKU-A", 2)], stock={("SKU-A", "WH1"): 5})
    await rejection.reject_shipment(s1.id, reason="no", actor=None)
    await orders.release_hold(order.id)
    again = await Order.get(id=order.id)
    assert (again.status, again.hold_reasons) == ("ON_HOLD", ["NO_LOCATION_CAN_FILL"])
    assert [a[:2] for a in await _attempts(order.id)] == [(1, "ROUTED"), (2, "HELD"),
                                                          (3, "HELD")]


async def test_a_held_order_in_fulfilment_stops_and_resumes_where_it_was(clean_db):
    """WH2 picks its part (the order is PROCESSING) when WH1 rejects its own
    and no one else has it: the whole order is held, so WH2 stops too;
    stock arrives, the release takes the order back to PROCESSING and routes
    only what was left."""
    order, _ = await confirmed([("SKU-A", 2), ("SKU-C", 1)], stock={
        ("SKU-A", "WH1"): 2, ("SKU-C", "WH2"): 1})
    wh1, wh2 = await factories.shipments_of(order.id)
    await fulfillment.pick(wh2.id)
    await rejection.reject_shipment(wh1.id, reason="flooded", actor="wh1")
    held = await Order.get(id=order.id)
    assert (held.status, held.held_from, held.hold_reasons) == (
        "ON_HOLD", "PROCESSING", ["NO_LOCATION_CAN_FILL"])
    with pytest.raises(DomainError) as stopped:
        await fulfillment.pack(wh2.id)
    assert stopped.value.code is ErrorCode.INVALID_TRANSITION
    await inventory.receive(sku="SKU-A", location="WH2", quantity=2)
    await orders.release_hold(order.id, actor="staff")
    released = await Order.get(id=order.id)
    assert (released.status, released.held_from, released.hold_reasons) == (
        "PROCESSING", None, None)
    assert await _shipments(order.id) == [("WH1", "CANCELLED", "flooded"),
                                          ("WH2", "PICKING", None), ("WH2", "PENDING", None)]
    assert await _shipment_units(order.id) == [("WH1", "SKU-A", 2), ("WH2", "SKU-C", 1),
                                               ("WH2", "SKU-A", 2)]
    assert await _reservations(order.id) == [("SKU-A", "WH2", 2), ("SKU-C", "WH2", 1)]
    assert [a[:2] for a in await _attempts(order.id)] == [(1, "ROUTED"), (2, "HELD"),
                                                          (3, "ROUTED")]
    await fulfillment.pack(wh2.id)  # the picking goes on


async def _state():
    return (await _reserved(), sorted(await Shipment.all().values_list("id", "status",
                                                                       "version")),
            await RoutingDecision.all().count(), await EventLog.all().count(),
            sorted(await Order.all().values_list("id", "status")))


async def test_a_shipped_shipment_cannot_be_rejected(clean_db):
    order, s1 = await confirmed([("SKU-A", 1)], stock={("SKU-A", "WH1"): 5,
                                                       ("SKU-A", "WH2"): 5})
    for step in (fulfillment.pick, fulfillment.pack, fulfillment.ship):
        await step(s1.id)
    exc = await refused(ErrorCode.INVALID_TRANSITION, ["id"],
                        rejection.reject_shipment(s1.id, reason="late", actor=None),
                        state=_state)
    assert exc.message == "the shipment is SHIPPED; only a shipment not yet shipped can be " \
                          "rejected"


async def test_bad_input_is_refused(clean_db):
    order, s1 = await confirmed([("SKU-A", 1)], stock={("SKU-A", "WH1"): 5})
    await refused(ErrorCode.INVALID, ["reason"],
                  rejection.reject_shipment(s1.id, reason="  ", actor=None), state=_state)
    await refused(ErrorCode.NOT_FOUND, ["id"],
                  rejection.reject_shipment(s1.id + 99, reason="x", actor=None), state=_state)
    await rejection.reject_shipment(s1.id, reason="x", actor=None)
    await refused(ErrorCode.INVALID_TRANSITION, ["id"],
                  rejection.reject_shipment(s1.id, reason="x", actor=None), state=_state)


@pytest.mark.skipif(not backends.IS_PG, reason="races happen on PostgreSQL")
async def test_two_rejections_of_one_shipment_one_wins(clean_db):
    order, s1 = await confirmed([("SKU-A", 1)], channels=THREE, stock={
        ("SKU-A", "WH1"): 5, ("SKU-A", "WH2"): 5, ("SKU-A", "WH3"): 5})
    results = await asyncio.gather(
        *[rejection.reject_shipment(s1.id, reason=f"r{i}", actor=None) for i in range(2)],
        return_exceptions=True)
    won = [r for r in results if isinstance(r, Shipment)]
    lost = [r for r in results if not isinstance(r, Shipment)]
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], DomainError)
    assert lost[0].code in (ErrorCode.CONFLICT, ErrorCode.INVALID_TRANSITION)
    assert [s[:2] for s in await _shipments(order.id)] == [("WH1", "CANCELLED"),
                                                           ("WH2", "PENDING")]
    assert await _reserved() == [("SKU-A", "WH1", 0), ("SKU-A", "WH2", 1), ("SKU-A", "WH3", 0)]
    assert [a[:2] for a in await _attempts(order.id)] == [(1, "ROUTED"), (2, "ROUTED")]
