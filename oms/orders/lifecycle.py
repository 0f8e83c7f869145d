"""Order statuses and the one table that moves them. Pure: no I/O."""
from __future__ import annotations

from enum import Enum
from typing import Iterable

from oms.core.statemachine import TransitionTable


class OrderStatus(str, Enum):
    PENDING = "PENDING"
    ON_HOLD = "ON_HOLD"
    CONFIRMED = "CONFIRMED"
    PROCESSING = "PROCESSING"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class OrderAction(str, Enum):
    CONFIRM = "CONFIRM"
    HOLD = "HOLD"
    RELEASE_TO_PENDING = "RELEASE_TO_PENDING"
    RELEASE_TO_CONFIRMED = "RELEASE_TO_CONFIRMED"
    RELEASE_TO_PROCESSING = "RELEASE_TO_PROCESSING"
    CANCEL = "CANCEL"
    # An imported order shipped and paid in another system: recorded as done.
    RECORD_FULFILLED = "RECORD_FULFILLED"
    # Driven by the order's shipments:
    START_FULFILMENT = "START_FULFILMENT"
    SHIP_PART = "SHIP_PART"
    SHIP_ALL = "SHIP_ALL"
    DELIVER_ALL = "DELIVER_ALL"
    COMPLETE = "COMPLETE"


S, A = OrderStatus, OrderAction

ORDER_TRANSITIONS = TransitionTable[OrderStatus, OrderAction]("order", {
    (S.PENDING, A.CONFIRM): S.CONFIRMED,
    (S.PENDING, A.HOLD): S.ON_HOLD,
    (S.PENDING, A.CANCEL): S.CANCELLED,
    (S.PENDING, A.RECORD_FULFILLED): S.COMPLETED,
    (S.ON_HOLD, A.RELEASE_TO_PENDING): S.PENDING,
    (S.ON_HOLD, A.RELEASE_TO_CONFIRMED): S.CONFIRMED,
    (S.ON_HOLD, A.RELEASE_TO_PROCESSING): S.PROCESSING,
    (S.ON_HOLD, A.CANCEL): S.CANCELLED,
    (S.CONFIRMED, A.HOLD): S.ON_HOLD,
    (S.CONFIRMED, A.CANCEL): S.CANCELLED,
    (S.CONFIRMED, A.START_FULFILMENT): S.PROCESSING,
    (S.CONFIRMED, A.SHIP_PART): S.PARTIALLY_SHIPPED,
    (S.CONFIRMED, A.SHIP_ALL): S.SHIPPED,
    # Nothing has left yet: a hold stops the picking (a location rejected its
    # part and no other can fill it, or staff want to look).
    (S.PROCESSING, A.HOLD): S.ON_HOLD,
    (S.PROCESSING, A.CANCEL): S.CANCELLED,
    (S.PROCESSING, A.SHIP_PART): S.PARTIALLY_SHIPPED,
    (S.PROCESSING, A.SHIP_ALL): S.SHIPPED,
    (S.PARTIALLY_SHIPPED, A.SHIP_ALL): S.SHIPPED,
    (S.SHIPPED, A.DELIVER_ALL): S.DELIVERED,
    (S.DELIVERED, A.COMPLETE): S.COMPLETED,
})

# Where a released hold goes back to.
RELEASE_ACTION = {S.PENDING: A.RELEASE_TO_PENDING, S.CONFIRMED: A.RELEASE_TO_CONFIRMED,
                  S.PROCESSING: A.RELEASE_TO_PROCESSING}


def next_status(status: OrderStatus, action: OrderAction) -> OrderStatus:
    return ORDER_TRANSITIONS.next_status(status, action)


def action_for_shipments(shipment_statuses: Iterable[str]) -> OrderAction | None:
    """Which shipment-driven action the order's shipments now call for.

    Cancelled shipments do not count. Delivered implies shipped.
    """
    live = [s for s in shipment_statuses if s != "CANCELLED"]
    if not live:
        return None
    shipped_like = {"SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION"}
    shipped = [s for s in live if s in shipped_like]
    if all(s == "DELIVERED" for s in live):
        return A.DELIVER_ALL
    if len(shipped) == len(live):
        return A.SHIP_ALL
    if shipped:
        return A.SHIP_PART
    if any(s in ("PICKING", "PACKED") for s in live):
        return A.START_FULFILMENT
    return None


def catch_up_actions(status: OrderStatus, shipment_statuses: Iterable[str]) -> list[OrderAction]:
    """The actions that bring an order level with its shipments, in order:
    one shipment step may take an order through SHIPPED to DELIVERED, and
    each status is its own event. Empty when nothing changes."""
    target = action_for_shipments(shipment_statuses)
    if target is None:
        return []
    steps = [A.SHIP_ALL, A.DELIVER_ALL] if target is A.DELIVER_ALL else [target]
    actions: list[OrderAction] = []
    current = status
    for action in steps:
        if ORDER_TRANSITIONS.allows(current, action):
            current = ORDER_TRANSITIONS.next_status(current, action)
            actions.append(action)
    return actions
