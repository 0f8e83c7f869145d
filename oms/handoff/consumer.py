"""The hand-off's durable consumer of the event log: a shipment created at a
partner location queues its fulfilment request; one cancelled there queues a
cancellation. The event says which shipment and its status only; the
request's body is read from the database (the log holds no personal data).

Handlers are idempotent (one delivery per shipment and kind), because the
consumer may see an event again after a crash."""
from __future__ import annotations

from oms.events.consumers import Consumer
from oms.events.record import EventRecord
from oms.fulfillment.events import SHIPMENT_UPDATED
from oms.fulfillment.lifecycle import ShipmentStatus

from . import service

NAME = "partner-handoff"


async def handle(event: EventRecord) -> None:
    shipment_id = event.payload.get("shipment_id")
    if not isinstance(shipment_id, int):
        return
    status = event.payload.get("status")
    # A shipment is PENDING only when it has just been created.
    if status == ShipmentStatus.PENDING.value:
        await service.request_fulfilment(shipment_id, event_id=event.id)
    elif status == ShipmentStatus.CANCELLED.value:
        await service.request_cancellation(shipment_id, event_id=event.id)


def consumer() -> Consumer:
    return Consumer(NAME, (SHIPMENT_UPDATED,), handle)
