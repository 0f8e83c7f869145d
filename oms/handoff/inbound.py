"""A partner's signed message about one of its shipments, applied once.

The message's receipt (oms.events.receipts) is written in the unit of work
that applies it: a replay is refused, and a message refused by the use case
(rolled back, receipt included) may be fixed and sent again. Any message
about a shipment proves its fulfilment request arrived, so the request stops
being re-sent.

- ACCEPTED: the partner is working on it: PENDING -> PICKING. Again: nothing.
- REJECTED: the shipment goes back to routing (oms.fulfillment.rejection).
- SHIPPED: picked, packed and shipped as far as needed, with the partner's
  carrier and tracking number; stock leaves the location.
- TRACKING: a carrier scan, de-duplicated by the partner's event id (else
  the message id) within the partner's scans.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from oms.catalog.models import Location
from oms.core.clock import now
from oms.core.errors import Invalid, InvalidTransition, NotFound
from oms.core.uow import unit_of_work
from oms.events import receipts
from oms.fulfillment import rejection, service as fulfillment, tracking
from oms.fulfillment.lifecycle import ShipmentStatus
from oms.fulfillment.models import Shipment

from . import service
from .messages import MessageType, PartnerMessage

MAX_CLOCK_SKEW = timedelta(minutes=10)
_BEFORE_SHIPPING = {ShipmentStatus.PENDING.value, ShipmentStatus.PICKING.value,
                    ShipmentStatus.PACKED.value}


# A message id already received from this partner (CONFLICT, HTTP 409).
Replayed = receipts.Replayed


@dataclass(frozen=True)
class Applied:
    shipment: Shipment
    # False: the message changed nothing (the shipment was already there).
    applied: bool


def source_of(location: Location) -> str:
    return f"partner:{location.code}"


async def receive(*, location: Location, message_id: str, message: PartnerMessage) -> Applied:
    actor = source_of(location)
    async with unit_of_work():
        shipment = await Shipment.get_or_none(id=message.shipment_id)
        # Another location's shipment looks exactly like a missing one.
        if shipment is None or shipment.location_id != location.id:
            raise NotFound("no such shipment at this location", field="shipmentId")
        await receipts.accept_once(actor, message_id)
        await service.acknowledge_by_partner(shipment.id, actor=actor)
        applied = await _HANDLERS[message.type](shipment, message, message_id, actor)
        return Applied(shipment=await fulfillment.get_shipment(shipment.id), applied=applied)


async def _accepted(shipment: Shipment, message: PartnerMessage, message_id: str,
                    actor: str) -> bool:
    if shipment.status != ShipmentStatus.PENDING.value:
        if shipment.status == ShipmentStatus.CANCELLED.value:
            raise InvalidTransition("the shipment was cancelled", field="shipmentId")
        return False
    await fulfillment.pick(shipment.id, actor=actor)
    return True


async def _rejected(shipment: Shipment, message: PartnerMessage, message_id: str,
                    actor: str) -> bool:
    if shipment.status == ShipmentStatus.CANCELLED.value and shipment.rejected_at is not None:
        return False
    await rejection.reject_shipment(shipment.id, reason=message.reason, actor=actor)
    return True


async def _shipped(shipment: Shipment, message: PartnerMessage, message_id: str,
                   actor: str) -> bool:
    if message.shipped_at is not None and message.shipped_at > now() + MAX_CLOCK_SKEW:
        raise Invalid("shippedAt is in the future", field="shippedAt")
    if shipment.status not in _BEFORE_SHIPPING:
        if shipment.status == ShipmentStatus.CANCELLED.value:
            raise InvalidTransition("the shipment was cancelled", field="shipmentId")
        return False  # shipped already: a second report of it
    await fulfillment.ship_by_partner(shipment.id, carrier=message.carrier,
                                      service=message.service,
                                      tracking_number=message.tracking_number,
                                      shipped_at=message.shipped_at, actor=actor)
    return True


async def _tracking(shipment: Shipment, message: PartnerMessage, message_id: str,
                    actor: str) -> bool:
    result = await tracking.apply_scan(
        shipment_id=shipment.id, status=message.status, description=message.description,
        location=message.location, occurred_at=message.occurred_at,
        estimated_delivery=message.estimated_delivery, source=actor[:64],
        dedupe_key=message.event_id or _fitting(message_id), actor=actor)
    return result.applied


def _fitting(message_id: str) -> str:
    # Signed message ids may be up to 200 characters; a scan id is at most 128.
    if len(message_id) <= 128:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


_HANDLERS = {MessageType.ACCEPTED: _accepted, MessageType.REJECTED: _rejected,
             MessageType.SHIPPED: _shipped, MessageType.TRACKING: _tracking}
