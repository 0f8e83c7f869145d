"""A location refuses a shipment (shipmentReject, or a partner's webhook).

In one unit of work, under the order's lock: the shipment is CANCELLED with
when and why, its units are released at that location, and what the order
still needs is routed again with the channel's strategy, leaving out every
location that rejected a shipment of this order. When no location can fill
it the order goes ON_HOLD (NO_LOCATION_CAN_FILL); releasing that hold routes
it again (oms.orders.placement.route_if_unrouted calls `route_remaining`).
Each attempt is a RoutingDecision row: ROUTED or HELD, with its reasons."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from oms.catalog import service as catalog
from oms.catalog.models import Location, Product
from oms.core import validation as v
from oms.core.clock import now
from oms.core.errors import Conflict, InvalidTransition
from oms.core.uow import unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.inventory import service as inventory
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine

from . import decisions, events, lifecycle, routing
from .lifecycle import ShipmentAction, ShipmentStatus
from .models import Shipment, ShipmentLine
from .locking import check_fulfillable, lock_shipment
from .service import create_shipments

# Not yet handed to a carrier: the location may still refuse it.
REJECTABLE = frozenset({ShipmentStatus.PENDING, ShipmentStatus.PICKING, ShipmentStatus.PACKED})
ATTEMPTS = 4


async def reject_shipment(shipment_id: int, *, reason: str, actor: str | None) -> Shipment:
    reason = v.text(reason, "reason", max_len=500)
    for attempt in range(ATTEMPTS):
        try:
            return await _reject(shipment_id, reason=reason, actor=actor)
        except inventory.ReservationRace:
            # A level moved between routing's read and its reservation: the
            # whole rejection rolled back; decide again from fresh figures.
            if attempt == ATTEMPTS - 1:
                raise Conflict("stock for this order is in high demand; try again",
                               field="id") from None
    raise AssertionError("unreachable")


async def _reject(shipment_id: int, *, reason: str, actor: str | None) -> Shipment:
    async with unit_of_work() as uow:
        shipment, order = await lock_shipment(shipment_id)
        status = ShipmentStatus(shipment.status)
        if status not in REJECTABLE:
            raise InvalidTransition(f"the shipment is {status.value}; only a shipment not yet "
                                    "shipped can be rejected", field="id")
        check_fulfillable(order)
        at = now()
        target = lifecycle.next_status(status, ShipmentAction.CANCEL)
        await save_if_unchanged(shipment, "shipment", status=target.value, rejected_at=at,
                                cancel_reason=reason)
        units: dict[int, int] = defaultdict(int)
        for product_id, qty in await ShipmentLine.filter(shipment_id=shipment.id).values_list(
                "order_line__product_id", "quantity"):
            units[product_id] += qty
        await inventory.release_at(order_id=order.id, location_id=shipment.location_id,
                                   units=units, actor=actor, reason=f"rejected: {reason}")
        channel = await catalog.channel_code(order.channel_id)
        location = (await Location.filter(id=shipment.location_id).values_list(
            "code", flat=True))[0]
        uow.record(events.shipment_updated(shipment, order=order, channel=channel,
                                           description=f"rejected by {location}: {reason}",
                                           occurred_at=at, location=location))
        await _route_remaining(order, channel=channel, actor=actor, at=at)
        return shipment


async def route_remaining(order: Order, *, actor: str | None) -> list[Shipment]:
    """Route what no live shipment of the (locked) order covers, if anything."""
    async with unit_of_work():
        channel = await catalog.channel_code(order.channel_id)
        return await _route_remaining(order, channel=channel, actor=actor, at=now())


class _Unroutable(Exception):
    """Routing found no allowed location for what is left (nothing written yet)."""


async def _unrouted(order: Order) -> list[tuple[int, int, int]]:
    """(line id, product id, units) no live shipment covers."""
    covered: dict[int, int] = defaultdict(int)
    for line_id, qty in await ShipmentLine.filter(shipment__order_id=order.id).exclude(
            shipment__status=ShipmentStatus.CANCELLED.value).values_list(
            "order_line_id", "quantity"):
        covered[line_id] += qty
    lines = await OrderLine.filter(order_id=order.id).order_by("id").values_list(
        "id", "product_id", "quantity")
    return [(line_id, p, q - covered[line_id]) for line_id, p, q in lines
            if q > covered[line_id]]


async def _route_remaining(order: Order, *, channel: str, actor: str | None,
                           at: datetime) -> list[Shipment]:
    left = await _unrouted(order)
    if not left:
        return []
    need: dict[int, int] = defaultdict(int)
    for _line, p, q in left:
        need[p] += q
    skus = dict(await Product.filter(id__in=list(need)).values_list("id", "sku"))
    rejected = {loc: why or "" for loc, why in await Shipment.filter(
        order_id=order.id, rejected_at__isnull=False).order_by("id").values_list(
        "location_id", "cancel_reason")}
    strategy = await decisions.strategy_of(order.channel_id)
    sites = await decisions.sites_of(order.channel_id, at)
    address = order.shipping_address or {}
    made: list[routing.Decision] = []

    def route(available) -> list[tuple[int, int, int]]:
        decision = routing.decide(need, sites, available, skus, strategy=strategy,
                                  country=address.get("country"), region=address.get("region"),
                                  rejected=rejected)
        made.append(decision)
        if not decision.routed:
            raise _Unroutable()
        return decision.steps

    try:
        if not sites:
            route({})
        # Channel allocation rules are not applied again: these units were
        # sold to the order already (the rejection just gave them back).
        await inventory.reserve(
            order_id=order.id, channel_id=order.channel_id, location_ids=[s.id for s in sites],
            actor=actor, route=route,
            wants=[inventory.Want(product_id=p, sku=skus[p], quantity=q)
                   for p, q in sorted(need.items())])
    except _Unroutable:
        # Raised before reserve wrote anything: the unit of work is intact.
        return await _hold(order, made[-1], strategy, actor=actor, at=at)
    decision = made[-1]
    codes = {s.id: s.code for s in sites}
    await decisions.record(order_id=order.id, strategy=strategy, decision=decision,
                           assigned=decisions.assignments(decision, left, codes),
                           outcome=decisions.ROUTED, actor=actor, at=at)
    return await _ship_from(order, decision, left, channel=channel, at=at)


async def _ship_from(order: Order, decision: routing.Decision, left: list[tuple[int, int, int]],
                     *, channel: str, at: datetime) -> list[Shipment]:
    """One new shipment per location the decision chose, in the order chosen."""
    return await create_shipments(order, decision.locations,
                                  routing.assign_lines(decision.steps, left),
                                  channel=channel, at=at)


async def _hold(order: Order, decision: routing.Decision, strategy: routing.Strategy, *,
                actor: str | None, at: datetime) -> list[Shipment]:
    await decisions.record(order_id=order.id, strategy=strategy, decision=decision,
                           assigned=[], outcome=decisions.HELD, actor=actor, at=at)
    short = "; ".join(r.message for r in decision.reasons
                      if r.code is routing.ReasonCode.NO_LOCATION_CAN_FILL)
    await orders.hold_unroutable(order, message=short, actor=actor)
    return []
