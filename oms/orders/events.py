"""Order events, as recorded in the event log."""
from __future__ import annotations

from oms.events.record import Event

ORDER_STATUS_CHANGED = "OrderStatusChanged"


def status_changed(order, *, channel: str, from_status: str | None, to_status: str,
                   actor: str | None, message: str | None = None) -> Event:
    """`order` may be None for an order being written in the same statement
    as its event (the write fills in the order's and customer's ids)."""
    return Event(type=ORDER_STATUS_CHANGED, order_id=order.id if order else None,
                 customer_id=order.customer_id if order else None,
                 channel=channel,
                 payload={"from": from_status, "to": to_status, "actor": actor,
                          "message": message})
