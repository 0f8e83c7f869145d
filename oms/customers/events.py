"""Customer events, as recorded in the event log: the customer's id and the
NAMES of what changed, never the values (a name, a phone number or a tag
typed about someone is personal data, and the log outlives an erasure)."""
from __future__ import annotations

from oms.events.record import Event

CUSTOMER_UPDATED = "CustomerUpdated"
CUSTOMER_ERASED = "CustomerErased"


def updated(customer_id: int, *, fields: list[str], actor: str | None) -> Event:
    """`fields`: the GraphQL names of what changed (name, phone,
    marketingConsent, tags), sorted."""
    return Event(type=CUSTOMER_UPDATED, customer_id=customer_id,
                 payload={"fields": sorted(fields), "actor": actor})


def erased(customer_id: int, *, order_ids: list[int], actor: str | None) -> Event:
    return Event(type=CUSTOMER_ERASED, customer_id=customer_id,
                 payload={"orders": len(order_ids), "actor": actor})
