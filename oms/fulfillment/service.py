"""Shipments: routing a confirmed order, pick, pack, ship, carrier tracking.

Each shipment move locks its order row first, so an order's shipments change
one at a time and the order's status is derived from all of them."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from oms.catalog import service as catalog
from oms.catalog.models import Product
from oms.core.clock import now
from oms.core.uow import unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.inventory import allocation, service as inventory
from oms.orders import service as orders
from oms.orders.models import Order, OrderLine

from . import events, lifecycle, tracking
from .lifecycle import ShipmentAction, ShipmentStatus
from .locking import check_fulfillable, get_shipment, lock_shipment
from .models import Shipment, ShipmentDocument, ShipmentLine, TrackingEvent


async def has_shipments(order_id: int) -> bool:
    return await Shipment.filter(order_id=order_id).exists()


async def route_order(order: Order, *, actor: str | None = None) -> list[Shipment]:
    """One shipment per location holding the order's reservations (placement
    chose them: the first location that fills the whole order, else split in
    priority order)."""
    async with unit_of_work():
        by_location = await inventory.reservations_by_location(order.id)
        lines = await OrderLine.filter(order_id=order.id).order_by("id")
        lines_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for ln in lines:
            lines_of[ln.product_id].append((ln.id, ln.quantity - ln.quantity_shipped))
        # Location parts per product, in the order the reservations were made.
        parts_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for loc_id, products in by_location.items():
            for product_id, qty in products.items():
                parts_of[product_id].append((loc_id, qty))
        shipment_lines: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for product_id, parts in parts_of.items():
            for line_id, loc_id, qty in allocation.spread_over_lines(parts, lines_of[product_id]):
                shipment_lines[loc_id].append((line_id, qty))
        channel = await catalog.channel_code(order.channel_id)
        return await create_shipments(order, list(by_location), shipment_lines,
                                      channel=channel, at=now())


async def create_shipments(order: Order, locations: list[int],
                           lines_at: dict[int, list[tuple[int, int]]], *, channel: str,
                           at: datetime) -> list[Shipment]:
    """One PENDING shipment per location, in the order given, holding its
    (order line id, quantity) lines, each with its ShipmentUpdated event."""
    async with unit_of_work() as uow:
        shipments = []
        for loc_id in locations:
            shipment = await Shipment.create(order_id=order.id, location_id=loc_id,
                                             status=ShipmentStatus.PENDING.value, created_at=at)
            await ShipmentLine.bulk_create([
                ShipmentLine(shipment_id=shipment.id, order_line_id=line_id, quantity=qty)
                for line_id, qty in lines_at[loc_id]])
            uow.record(events.shipment_updated(shipment, order=order, channel=channel,
                                               occurred_at=at))
            shipments.append(shipment)
        return shipments


async def cancel_open_shipments(order: Order, *, actor: str | None = None) -> None:
    async with unit_of_work() as uow:
        channel = await catalog.channel_code(order.channel_id)
        for shipment in await Shipment.filter(order_id=order.id):
            if lifecycle.SHIPMENT_TRANSITIONS.allows(ShipmentStatus(shipment.status),
                                                     ShipmentAction.CANCEL):
                await _move(shipment, ShipmentAction.CANCEL)
                uow.record(events.shipment_updated(shipment, order=order, channel=channel,
                                                   occurred_at=now()))


async def _move(shipment: Shipment, action: ShipmentAction, **changes) -> ShipmentStatus:
    target = lifecycle.next_status(ShipmentStatus(shipment.status), action)
    await save_if_unchanged(shipment, "shipment", status=target.value, **changes)
    return target


async def _work_on(shipment_id: int, action: ShipmentAction, *, actor: str | None,
                   description: str | None = None, occurred_at: datetime | None = None,
                   location: str | None = None, **changes) -> Shipment:
    async with unit_of_work() as uow:
        shipment, order = await lock_shipment(shipment_id)
        check_fulfillable(order)
        await _move(shipment, action, **changes)
        if action is ShipmentAction.SHIP:
            await _ship_units(shipment, order, actor=actor)
        at = occurred_at or now()
        uow.record(events.shipment_updated(shipment, order=order, channel=await catalog.channel_code(order.channel_id),
                                           description=description, occurred_at=at,
                                           location=location))
        statuses = await Shipment.filter(order_id=order.id).values_list("status", flat=True)
        await orders.follow_shipments(order, list(statuses), actor=actor)
        return shipment


async def _ship_units(shipment: Shipment, order: Order, *, actor: str | None) -> None:
    lines = await ShipmentLine.filter(shipment_id=shipment.id).prefetch_related("order_line")
    units: dict[int, int] = defaultdict(int)
    for sl in lines:
        units[sl.order_line.product_id] += sl.quantity
    skus = dict(await Product.filter(id__in=list(units)).values_list("id", "sku"))
    await inventory.consume(order_id=order.id, location_id=shipment.location_id, units=units,
                            skus=skus, actor=actor)
    await orders.add_shipped({sl.order_line_id: sl.quantity for sl in lines})


async def pick(shipment_id: int, *, actor: str | None = None) -> Shipment:
    return await _work_on(shipment_id, ShipmentAction.PICK, actor=actor)


async def pack(shipment_id: int, *, actor: str | None = None) -> Shipment:
    return await _work_on(shipment_id, ShipmentAction.PACK, actor=actor)


async def ship(shipment_id: int, *, actor: str | None = None) -> Shipment:
    return await _work_on(shipment_id, ShipmentAction.SHIP, actor=actor, shipped_at=now())


# What a partner did in its own warehouse before it shipped (oms.handoff).
_PARTNER_STEPS = {ShipmentStatus.PENDING: (ShipmentAction.PICK, ShipmentAction.PACK),
                  ShipmentStatus.PICKING: (ShipmentAction.PACK,)}


async def ship_by_partner(shipment_id: int, *, carrier: str, service: str | None,
                          tracking_number: str, shipped_at: datetime | None = None,
                          actor: str | None = None) -> Shipment:
    """A 3PL or drop-ship supplier shipped it: the steps it skipped telling us
    about are recorded on the way, stock leaves its location as with `ship`,
    and the parcel keeps the partner's carrier and tracking number (texts
    checked by the caller, oms.handoff.messages)."""
    async with unit_of_work():
        shipment = await get_shipment(shipment_id)
        for action in _PARTNER_STEPS.get(ShipmentStatus(shipment.status), ()):
            await _work_on(shipment_id, action, actor=actor)
        return await _work_on(shipment_id, ShipmentAction.SHIP, actor=actor,
                              shipped_at=shipped_at or now(), carrier=carrier,
                              service=service, tracking_number=tracking_number)


# Carrier scans live in oms.fulfillment.tracking (dedupe, out-of-order
# arrivals); this name stays for the callers that know it.
record_tracking = tracking.record_scan


# ---- the right to erasure (oms.customers.privacy calls this) ----------------

async def erase_personal_data(order_ids: list[int]) -> None:
    """What the shipments of these orders hold about the person: the label and
    packing slip (PDFs with the address) are deleted and the shipment no
    longer points at them; its cancel reason and the free text of its
    tracking scans (a carrier's "left with a neighbour at ...") go. Statuses,
    tracking numbers and times stay. Runs in the caller's unit of work and
    commits nothing itself."""
    if not order_ids:
        return
    shipment_ids = list(await Shipment.filter(order_id__in=order_ids).values_list(
        "id", flat=True))
    if not shipment_ids:
        return
    await ShipmentDocument.filter(shipment_id__in=shipment_ids).delete()
    await Shipment.filter(id__in=shipment_ids).update(label_url=None, packing_slip_url=None,
                                                      cancel_reason=None)
    await TrackingEvent.filter(shipment_id__in=shipment_ids).update(description=None,
                                                                    location=None)
