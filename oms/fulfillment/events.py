from __future__ import annotations

from datetime import datetime

from oms.events.record import Event

SHIPMENT_UPDATED = "ShipmentUpdated"


def shipment_updated(shipment, *, order, channel: str, description: str | None = None,
                     occurred_at: datetime | None = None, location: str | None = None) -> Event:
    return Event(type=SHIPMENT_UPDATED, order_id=order.id, customer_id=order.customer_id,
                 channel=channel,
                 payload={"shipment_id": shipment.id, "status": shipment.status,
                          "description": description, "location": location,
                          "occurred_at": occurred_at.isoformat() if occurred_at else None})
