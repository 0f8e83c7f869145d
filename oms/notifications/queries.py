"""Read side of notifications for the customer export (oms.customers.export)."""
from __future__ import annotations


from oms.core.batches import grouped_by

from .models import Notification


async def notifications_of_orders(order_ids: list[int]) -> list[list[Notification]]:
    """Each order's messages, oldest first, aligned with `order_ids`; one query."""
    return await grouped_by(Notification, "order_id", order_ids)
