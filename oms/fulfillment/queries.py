"""Read side of shipments for the customer export (oms.customers.export):
one query per table, each batch aligned with the ids asked for."""
from __future__ import annotations


from oms.core.batches import grouped_by

from .models import Shipment, ShipmentLine, TrackingEvent


async def shipments_of_orders(order_ids: list[int]) -> list[list[Shipment]]:
    return await grouped_by(Shipment, "order_id", order_ids)


async def lines_of_shipments(shipment_ids: list[int]) -> list[list[ShipmentLine]]:
    return await grouped_by(ShipmentLine, "shipment_id", shipment_ids)


async def tracking_of_shipments(shipment_ids: list[int]) -> list[list[TrackingEvent]]:
    """Oldest scan first."""
    return await grouped_by(TrackingEvent, "shipment_id", shipment_ids, ("occurred_at", "id"))
