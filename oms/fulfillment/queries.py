"""Read side of shipments for the customer export (oms.customers.export):
one query per table, each batch aligned with the ids asked for."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from .models import Shipment, ShipmentLine, TrackingEvent


async def _grouped(model: Any, key: str, ids: list[int],
                   order: tuple[str, ...] = ("id",)) -> list[list[Any]]:
    groups: dict[int, list[Any]] = defaultdict(list)
    for row in await model.filter(**{f"{key}__in": ids}).order_by(*order):
        groups[getattr(row, key)].append(row)
    return [groups.get(i, []) for i in ids]


async def shipments_of_orders(order_ids: list[int]) -> list[list[Shipment]]:
    return await _grouped(Shipment, "order_id", order_ids)


async def lines_of_shipments(shipment_ids: list[int]) -> list[list[ShipmentLine]]:
    return await _grouped(ShipmentLine, "shipment_id", shipment_ids)


async def tracking_of_shipments(shipment_ids: list[int]) -> list[list[TrackingEvent]]:
    """Oldest scan first."""
    return await _grouped(TrackingEvent, "shipment_id", shipment_ids, ("occurred_at", "id"))
