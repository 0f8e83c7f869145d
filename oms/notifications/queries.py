"""Read side of notifications for the customer export (oms.customers.export)."""
from __future__ import annotations

from collections import defaultdict

from .models import Notification


async def notifications_of_orders(order_ids: list[int]) -> list[list[Notification]]:
    """Each order's messages, oldest first, aligned with `order_ids`; one query."""
    groups: dict[int, list[Notification]] = defaultdict(list)
    for row in await Notification.filter(order_id__in=order_ids).order_by("id"):
        groups[row.order_id].append(row)
    return [groups.get(i, []) for i in order_ids]
