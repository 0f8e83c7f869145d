"""Carrier scans: a shipment's tracking timeline and the status it drives.

Carriers send scans more than once and out of order (retries, hubs that
batch uploads late). So that every scan is applied once and in the right
order, and a subscriber to shipmentUpdated sees each status change once and
in chronological order:

- A scan has an identity: its source (MANUAL, a carrier code, a partner) and
  the id it has there (`dedupe_key`), or without one its status, time and
  place. The same scan again is not stored again and pushes nothing; the
  caller gets the shipment as it is (a retry is not a mistake).
- A scan older than the newest one applied (`Shipment.last_scan_at`) joins
  the timeline (which is ordered by occurred_at) but does not move the
  status back, nor push an update, nor change the estimate (it is stale).
- DELIVERED is final. A DELIVERED scan applies even when an older-stamped
  one arrives after a newer scan (a parcel is never undelivered); once
  delivered, later scans are kept in the timeline only.
- A scan that applies moves the shipment through the transition table
  (oms.fulfillment.lifecycle), pushes one ShipmentUpdated and lets the order
  follow its shipments, all in one unit of work under the order's lock.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from oms.carriers.webhooks import CarrierScan
from oms.catalog import service as catalog
from oms.core import validation as v
from oms.core.clock import now, utc
from oms.core.errors import Invalid, NotFound
from oms.core.uow import unit_of_work
from oms.core.versioning import save_if_unchanged
from oms.events import receipts
from oms.orders import service as orders

from . import events, lifecycle
from .lifecycle import ShipmentStatus
from .locking import check_fulfillable, lock_shipment
from .models import Shipment, TrackingEvent

if TYPE_CHECKING:
    from oms.returns.tracking import ReturnScanResult

MAX_CLOCK_SKEW = timedelta(minutes=10)
MANUAL = "MANUAL"


@dataclass(frozen=True)
class CheckedScan:
    """A scan's fields once checked, and its identity (`key`)."""

    status: ShipmentStatus
    description: str | None
    location: str | None
    at: datetime
    source: str
    key: str


def checked_scan(*, status: str, description: str | None, location: str | None,
                 occurred_at: datetime | None, estimated_delivery: datetime | None,
                 source: str, dedupe_key: str | None) -> CheckedScan:
    """The checks every scan passes, a shipment's or a return parcel's
    (oms.returns.tracking): a tracking status, short texts, times with a
    zone and not in the future."""
    try:
        scanned = ShipmentStatus(status)
        lifecycle.TRACKING_ACTIONS[scanned]
    except (ValueError, KeyError):
        raise Invalid("status must be IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED or EXCEPTION",
                      field="status") from None
    description = v.text(description, "description", required=False, max_len=500)
    location = v.text(location, "location", required=False, max_len=200)
    at = occurred_at or now()
    if at.tzinfo is None:
        raise Invalid("occurredAt needs a time zone", field="occurredAt")
    if at > now() + MAX_CLOCK_SKEW:
        raise Invalid("occurredAt is in the future", field="occurredAt")
    if estimated_delivery is not None and estimated_delivery.tzinfo is None:
        raise Invalid("estimatedDelivery needs a time zone", field="estimatedDelivery")
    source = v.text(source, "source", max_len=64) or MANUAL
    dedupe_key = v.text(dedupe_key, "eventId", required=False, max_len=128)
    return CheckedScan(scanned, description, location, at, source,
                       scan_key(source, dedupe_key, scanned.value, at, location))


@dataclass(frozen=True)
class ScanResult:
    shipment: Shipment
    # False: the same scan was already recorded; nothing was stored or pushed.
    applied: bool
    # True: the scan moved the shipment and pushed ShipmentUpdated.
    moved: bool


async def record_scan(*, shipment_id: int | None = None, tracking_number: str | None = None,
                      status: str, description: str | None = None,
                      location: str | None = None, occurred_at: datetime | None = None,
                      estimated_delivery: datetime | None = None, source: str = MANUAL,
                      dedupe_key: str | None = None, actor: str | None = None) -> Shipment:
    result = await apply_scan(shipment_id=shipment_id, tracking_number=tracking_number,
                              status=status, description=description, location=location,
                              occurred_at=occurred_at, estimated_delivery=estimated_delivery,
                              source=source, dedupe_key=dedupe_key, actor=actor)
    return result.shipment


async def apply_scan(*, shipment_id: int | None = None, tracking_number: str | None = None,
                     carrier: str | None = None, status: str, description: str | None = None,
                     location: str | None = None, occurred_at: datetime | None = None,
                     estimated_delivery: datetime | None = None, source: str = MANUAL,
                     dedupe_key: str | None = None, actor: str | None = None) -> ScanResult:
    """record_scan, telling also whether the scan was new and whether it moved
    the shipment. `carrier` limits a tracking-number lookup to that carrier's
    parcels (a carrier's webhook must not reach another carrier's)."""
    scan = checked_scan(status=status, description=description, location=location,
                        occurred_at=occurred_at, estimated_delivery=estimated_delivery,
                        source=source, dedupe_key=dedupe_key)
    scanned, description, location, at, source, key = (
        scan.status, scan.description, scan.location, scan.at, scan.source, scan.key)
    action = lifecycle.TRACKING_ACTIONS[scanned]
    if (shipment_id is None) == (tracking_number is None):
        raise Invalid("give exactly one of shipmentId and trackingNumber", field="shipmentId")
    if shipment_id is None:
        shipment_id = await _by_tracking_number(tracking_number, carrier)

    async with unit_of_work() as uow:
        shipment, order = await lock_shipment(shipment_id)
        if await TrackingEvent.filter(shipment_id=shipment.id, dedupe_key=key).exists():
            return ScanResult(shipment, applied=False, moved=False)
        current = ShipmentStatus(shipment.status)
        late_arrival = (scanned is not ShipmentStatus.DELIVERED
                        and shipment.last_scan_at is not None and at < shipment.last_scan_at)
        timeline_only = current is ShipmentStatus.DELIVERED or late_arrival
        if not timeline_only:
            check_fulfillable(order)
            target = lifecycle.next_status(current, action)
            newest = max(at, shipment.last_scan_at) if shipment.last_scan_at else at
            changes: dict = {"status": target.value, "last_scan_at": newest}
            if target is ShipmentStatus.DELIVERED:
                changes["delivered_at"] = at
            if estimated_delivery is not None:
                changes["estimated_delivery"] = estimated_delivery
            await save_if_unchanged(shipment, "shipment", **changes)
        await TrackingEvent.create(shipment_id=shipment.id, status=scanned.value,
                                   description=description, location=location,
                                   occurred_at=at, recorded_at=now(), source=source,
                                   dedupe_key=key, estimated_delivery=estimated_delivery)
        if timeline_only:
            return ScanResult(shipment, applied=True, moved=False)
        uow.record(events.shipment_updated(
            shipment, order=order, channel=await catalog.channel_code(order.channel_id),
            description=description, occurred_at=at, location=location))
        statuses = await Shipment.filter(order_id=order.id).values_list("status", flat=True)
        await orders.follow_shipments(order, list(statuses), actor=actor)
        return ScanResult(shipment, applied=True, moved=True)


async def receive_carrier_scan(*, carrier: str, message_id: str, scan: CarrierScan
                               ) -> "ScanResult | ReturnScanResult":
    """A scan from a carrier's signed webhook, applied once per message: the
    receipt is written in the scan's own unit of work, so a message whose scan
    was refused (and rolled back) may be sent again, and a replay of one that
    was taken is CONFLICT (409). The scan's identity is the carrier's event id,
    else the message id. A number no shipment has may be a return parcel's
    (oms.returns.tracking)."""
    from oms.returns import tracking as return_tracking

    async with unit_of_work():
        await receipts.accept_once(f"carrier:{carrier}", message_id)
        if not await Shipment.filter(tracking_number=scan.tracking_number,
                                     carrier=carrier).exists() \
                and await return_tracking.has_tracking_number(scan.tracking_number, carrier):
            return await return_tracking.receive_carrier_scan(
                carrier=carrier, scan=scan, dedupe_key=scan.event_id or _fitting(message_id))
        return await apply_scan(
            tracking_number=scan.tracking_number, carrier=carrier, status=scan.status,
            description=scan.description, location=scan.location,
            occurred_at=scan.occurred_at, estimated_delivery=scan.estimated_delivery,
            source=carrier, dedupe_key=scan.event_id or _fitting(message_id),
            actor=f"carrier:{carrier}")


def _fitting(message_id: str) -> str:
    # Signed message ids may be up to 200 characters; a scan id is at most 128.
    if len(message_id) <= 128:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


def scan_key(source: str, dedupe_key: str | None, status: str, at: datetime,
             location: str | None) -> str:
    """The identity a scan is stored under (unique per shipment). A keyed scan
    is scoped by its source, so two carriers' ids never collide; without a
    key, the same status at the same instant and place is the same scan,
    whoever sends it."""
    if dedupe_key is not None:
        return f"{source}:{dedupe_key}"
    content = f"{status}|{utc(at).isoformat()}|{location or ''}"
    return "auto:" + hashlib.sha256(content.encode()).hexdigest()


async def _by_tracking_number(tracking_number: str | None, carrier: str | None) -> int:
    query = Shipment.filter(tracking_number=tracking_number)
    if carrier is not None:
        query = query.filter(carrier=carrier)
    found = await query.order_by("id").values_list("id", flat=True)
    if not found:
        raise NotFound("no shipment has this tracking number", field="trackingNumber")
    return found[0]
