"""Time-driven order work, run by every server process in the background:

- an unconfirmed order (PENDING or ON_HOLD) whose reservation lifetime has
  passed is cancelled and its stock released, with the reason in its events;
- a confirmed order whose ship-after date has come is routed.

Several processes may sweep at once. Cancelling goes through the order's
version check and routing claims the order row (oms.orders.service), so each
order is handled once; the losers skip it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from oms.core import loops
from oms.core.clock import now
from oms.core.errors import Conflict, InvalidTransition

from . import service
from .lifecycle import OrderStatus
from .models import Order

EXPIRY_ACTOR = "system:reservation-expiry"
ROUTING_ACTOR = "system:scheduler"
BATCH = 200
log = logging.getLogger(__name__)


@dataclass
class Swept:
    expired: list[int] = field(default_factory=list)
    routed: list[int] = field(default_factory=list)


async def expire_lapsed(at: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Cancel unconfirmed orders whose reservations have lapsed; their ids."""
    at = at or now()
    due = await (Order.filter(status__in=[OrderStatus.PENDING.value, OrderStatus.ON_HOLD.value],
                              expires_at__lte=at)
                 .order_by("expires_at", "id").limit(limit).values_list("id", flat=True))
    done = []
    for order_id in due:
        try:
            await service.cancel_order(order_id, actor=EXPIRY_ACTOR,
                                       reason="unconfirmed: its stock reservation expired")
        except (Conflict, InvalidTransition):
            continue  # confirmed, cancelled or changed meanwhile: not ours to expire
        done.append(order_id)
    return done


async def route_due(at: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Route confirmed orders whose ship-after date has come; their ids."""
    at = at or now()
    due = await (Order.filter(status=OrderStatus.CONFIRMED.value, route_after__lte=at)
                 .order_by("route_after", "id").limit(limit).values_list("id", flat=True))
    done = []
    for order_id in due:
        if await service.route_if_unrouted(order_id, actor=ROUTING_ACTOR):
            done.append(order_id)
    return done


async def sweep_once(at: datetime | None = None) -> Swept:
    return Swept(expired=await expire_lapsed(at), routed=await route_due(at))


async def run_forever(interval_seconds: float) -> None:
    """The server's background loop; a failing sweep is logged and retried."""
    async def turn() -> None:
        swept = await sweep_once()
        if swept.expired or swept.routed:
            log.info("swept: %d expired, %d routed", len(swept.expired), len(swept.routed))

    await loops.every(interval_seconds, turn, what="order sweep")
