"""Events of the hand-off: ids and statuses only (the request's body, with the
customer's address, stays on the delivery row)."""
from __future__ import annotations

from oms.events.record import Event

PARTNER_DELIVERY_UPDATED = "PartnerDeliveryUpdated"


def delivery_updated(delivery, *, order_id: int | None, location: str,
                     actor: str | None = None) -> Event:
    return Event(type=PARTNER_DELIVERY_UPDATED, order_id=order_id, location=location,
                 payload={"delivery_id": delivery.id, "shipment_id": delivery.shipment_id,
                          "kind": delivery.kind, "status": delivery.status,
                          "attempts": delivery.attempts, "actor": actor})
