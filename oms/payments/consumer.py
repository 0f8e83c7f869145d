"""The payments consumer of the event log: captures each shipment as it
ships, voids or refunds a cancelled order's payment, and completes orders
that are delivered, captured and balanced.

It runs outside the transactions that wrote the events (gateway calls must),
at least once per event: every call it makes has a key derived from the
event's subject, so a replay sends nothing twice."""
from __future__ import annotations

import logging

from oms.core.errors import DomainError
from oms.events.consumers import Consumer
from oms.events.record import EventRecord
from oms.fulfillment.events import SHIPMENT_UPDATED
from oms.orders.events import ORDER_STATUS_CHANGED

from . import completion, service

log = logging.getLogger(__name__)

NAME = "payments"


async def handle(event: EventRecord) -> None:
    try:
        await _handle(event)
    except DomainError as exc:
        # The gateway refused the request (kept as a REJECTED transaction)
        # or the data makes it pointless: retrying the event cannot help.
        log.warning("payments: event %s (%s) not applied: %s", event.id, event.type, exc.message)


async def _handle(event: EventRecord) -> None:
    payload = event.payload
    if event.type == SHIPMENT_UPDATED:
        if payload.get("status") == "SHIPPED":
            await service.capture_shipment(int(payload["shipment_id"]))
        elif payload.get("status") == "DELIVERED" and event.order_id is not None:
            await completion.complete_if_done(event.order_id)
    elif event.type == ORDER_STATUS_CHANGED and event.order_id is not None:
        if payload.get("to") == "CANCELLED":
            await service.release_for_cancelled_order(event.order_id)
        elif payload.get("to") == "DELIVERED":
            await completion.complete_if_done(event.order_id)


def consumer() -> Consumer:
    return Consumer(name=NAME, types=(SHIPMENT_UPDATED, ORDER_STATUS_CHANGED), handle=handle)
