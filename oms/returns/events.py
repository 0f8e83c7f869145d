"""Return events, as recorded in the event log (ids and statuses only).

Every status change of a return writes one ReturnUpdated event on the
order's topic, in the transaction that makes the change: `returnUpdated`
streams them to the customer's app, and dashboards see them beside the
order's own status changes."""
from __future__ import annotations

from oms.events.record import Event

RETURN_UPDATED = "ReturnUpdated"


def return_updated(ret, *, customer_id: int, channel: str, from_status: str | None,
                   to_status: str, actor: str | None, order_status: str | None = None) -> Event:
    """`order_status`: the order's status at the change, which dashboards'
    orderStatusChanged shows as fromStatus and toStatus of a return entry."""
    payload = {"return_id": ret.id, "from": from_status, "to": to_status, "actor": actor}
    if order_status is not None:
        payload["order_status"] = order_status
    return Event(type=RETURN_UPDATED, order_id=ret.order_id, customer_id=customer_id,
                 channel=channel, payload=payload)
